// Notification outbox 消息发件箱: modules enqueue messages (SMS to a member's phone) inside
// their own transaction, so a message exists exactly when the change that caused it commits.
// A background Sender drains the outbox through the driver chosen by the setting
// notify.driver: "log" (default: writes the masked text to the server log, marks it sent) or
// "http" (POSTs JSON to notify.gateway_url with notify.gateway_key, with a timeout, retries
// with exponential backoff, and every failure recorded on the row).
//
// Privacy: phones and the full text are stored AES-256-GCM encrypted; lists and the log show
// only the preview with phones masked. Texts that contain an ID number are refused.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "platform/crypto.h"
#include "store/db.h"

namespace zg::notify {

// notify.driver, notify.gateway_url, notify.gateway_key, notify.timeout_ms, notify.max_attempts,
// notify.retry_base_seconds, notify.batch_size. Idempotent.
void registerSettings();

struct Message {
  std::optional<int64_t> memberId;   // the recipient member (for the list)
  std::string recipientName;
  std::optional<std::string> phone;  // raw; normalized; none → the message fails at sending ("无手机号")
  std::string text;                  // the full text; phones in it are masked in the preview
  std::string refKind;               // e.g. "mobilization"
  std::optional<int64_t> refId;
  std::string orgPath = "/";         // who may read it
};

// True when `text` holds something that looks like an ID number (18 characters: 17 digits and a
// digit or X).
bool holdsIdNumber(const std::string& text);
// The text with every phone-like run of 11 digits masked (138****0000).
std::string maskPhones(const std::string& text);

// Inserts one pending message on `c` (call inside the caller's transaction). Invalid on `field`
// when the text holds an ID number.
int64_t enqueue(store::Connection& c, const crypto::FieldCipher& cipher, const Message& m,
                const std::string& field = "text");

// The same for many messages at once (one bulk insert; for mobilizing thousands).
void enqueueMany(store::Connection& c, const crypto::FieldCipher& cipher, const std::vector<Message>& ms,
                 const std::string& field = "text");
// Withdraws the pending messages of a reference (state "cancelled"); returns how many.
int64_t cancel(store::Connection& c, const std::string& refKind, int64_t refId);

// Sends the due pending messages (up to notify.batch_size) through the configured driver.
// Returns how many were attempted. The batch is sent first, then every outcome is recorded in one
// transaction (at-least-once delivery).
int drainOnce(store::Database& db, const crypto::FieldCipher& cipher);

// Counts by state for a reference (e.g. one mobilization): pending, sent, failed, cancelled.
struct Counts {
  int64_t pending = 0, sent = 0, failed = 0, cancelled = 0;
};
Counts counts(store::Connection& c, const std::string& refKind, int64_t refId);

// POSTs `body` (JSON) to an http:// URL with `Authorization: Bearer <key>`; returns the HTTP
// status, or throws std::runtime_error on a connection failure or timeout. https is not spoken
// here: put a TLS-terminating proxy on loopback in front of a gateway that needs it.
int httpPost(const std::string& url, const std::string& key, const std::string& body, int timeoutMs);

// The background sender: a thread calling drainOnce every `interval` until stopped.
class Sender {
 public:
  Sender(store::Database& db, crypto::FieldCipher cipher, int intervalMs = 1000);
  ~Sender();
  void start();
  void stop();

 private:
  store::Database& db_;
  crypto::FieldCipher cipher_;
  int intervalMs_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
};

}  // namespace zg::notify
