#include "platform/notify.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cmath>
#include <mutex>
#include <spdlog/spdlog.h>
#include <stdexcept>

#include "core/checks.h"
#include "core/error.h"
#include "platform/settings.h"
#include "platform/time.h"

namespace zg::notify {

namespace bj = boost::json;
using store::Value;

void registerSettings() {
  static std::once_flag once;
  std::call_once(once, [] {
    settings::define({"notify.driver", "短信发送方式",
                      "消息发件箱的发送通道：log（默认，写入服务器日志并标记为已发送，用于演示和未接入短信网关时）"
                      "或 http（按下方网关地址和密钥以 JSON POST 到短信网关）。",
                      settings::Type::Text, "log"});
    settings::define({"notify.gateway_url", "短信网关地址",
                      "发送方式为 http 时使用的网关地址（http://主机:端口/路径；需要 HTTPS 时请在本机部署 TLS 代理）。",
                      settings::Type::Text, ""});
    settings::define({"notify.gateway_key", "短信网关密钥", "以 Authorization: Bearer 头发送给短信网关。",
                      settings::Type::Text, ""});
    settings::define({"notify.timeout_ms", "网关超时（毫秒）", "连接、发送和等待网关应答各自的超时。", settings::Type::Int,
                      5000, 100, 60000});
    settings::define({"notify.max_attempts", "最多发送次数", "达到次数仍失败的消息标记为“发送失败”，不再重试。",
                      settings::Type::Int, 5, 1, 50});
    settings::define({"notify.retry_base_seconds", "重试间隔基数（秒）",
                      "第 n 次失败后等待 基数×2^(n−1) 秒再试（指数退避）。", settings::Type::Int, 30, 0, 86400});
    settings::define({"notify.batch_size", "每批发送条数", "后台发送程序每轮最多处理的消息数。", settings::Type::Int, 500, 1,
                      100000});
  });
}

bool holdsIdNumber(const std::string& t) {
  size_t run = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    char ch = t[i];
    bool digit = ch >= '0' && ch <= '9';
    if (run == 17 && (digit || ch == 'X' || ch == 'x')) return true;
    run = digit ? run + 1 : 0;
  }
  return false;
}

std::string maskPhones(const std::string& t) {
  std::string out;
  size_t i = 0;
  while (i < t.size()) {
    size_t j = i;
    while (j < t.size() && t[j] >= '0' && t[j] <= '9') ++j;
    if (j > i) {
      std::string run = t.substr(i, j - i);
      out += (run.size() == 11 && run[0] == '1') ? maskPhone(run) : run;
      i = j;
    } else {
      out += t[i++];
    }
  }
  return out;
}

int64_t enqueue(store::Connection& c, const crypto::FieldCipher& cipher, const Message& m, const std::string& field) {
  if (holdsIdNumber(m.text)) throw Error::invalid(field, "消息内容不能包含身份证号码，请删除后再发送");
  if (trim(m.text).empty()) throw Error::invalid(field, "消息内容不能为空");
  std::optional<std::string> phone = m.phone ? normalizePhone(*m.phone) : std::nullopt;
  std::string now = nowIso();
  auto r = c.query(
      "INSERT INTO notify_outbox (org_path, member_id, recipient_name, phone_enc, phone_mask, body_enc, preview, "
      "ref_kind, ref_id, state, attempts, next_attempt_at, created_at) VALUES (?,?,?,?,?,?,?,?,?,'pending',0,?,?) "
      "RETURNING id",
      {m.orgPath, Value(m.memberId), m.recipientName, phone ? Value(cipher.encrypt(*phone)) : Value(),
       phone ? Value(maskPhone(*phone)) : Value(), cipher.encrypt(m.text), maskPhones(m.text), m.refKind,
       Value(m.refId), now, now});
  return r.front().i64(0);
}

void enqueueMany(store::Connection& c, const crypto::FieldCipher& cipher, const std::vector<Message>& ms,
                 const std::string& field) {
  std::string now = nowIso();
  std::vector<std::vector<Value>> rows;
  rows.reserve(ms.size());
  for (const auto& m : ms) {
    if (holdsIdNumber(m.text)) throw Error::invalid(field, "消息内容不能包含身份证号码，请删除后再发送");
    std::optional<std::string> phone = m.phone ? normalizePhone(*m.phone) : std::nullopt;
    rows.push_back({m.orgPath, Value(m.memberId), m.recipientName, phone ? Value(cipher.encrypt(*phone)) : Value(),
                    phone ? Value(maskPhone(*phone)) : Value(), cipher.encrypt(m.text), maskPhones(m.text), m.refKind,
                    Value(m.refId), "pending", int64_t(0), now, now});
  }
  c.bulkInsert("notify_outbox",
               {"org_path", "member_id", "recipient_name", "phone_enc", "phone_mask", "body_enc", "preview", "ref_kind",
                "ref_id", "state", "attempts", "next_attempt_at", "created_at"},
               rows);
}

int64_t cancel(store::Connection& c, const std::string& refKind, int64_t refId) {
  return c.exec("UPDATE notify_outbox SET state = 'cancelled' WHERE ref_kind = ? AND ref_id = ? AND state = 'pending'",
                {refKind, refId});
}

int httpPost(const std::string& url, const std::string& key, const std::string& body, int timeoutMs) {
  if (!url.starts_with("http://")) throw std::runtime_error("只支持 http:// 网关地址");
  std::string rest = url.substr(7);
  std::string hostPort = rest.substr(0, rest.find('/'));
  std::string path = rest.find('/') == std::string::npos ? "/" : rest.substr(rest.find('/'));
  std::string host = hostPort, port = "80";
  if (auto colon = hostPort.rfind(':'); colon != std::string::npos) {
    host = hostPort.substr(0, colon);
    port = hostPort.substr(colon + 1);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || !res)
    throw std::runtime_error("无法解析网关主机 " + host);
  int fd = -1;
  for (addrinfo* a = res; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    timeval tv{timeoutMs / 1000, (timeoutMs % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);  // also bounds connect() on Linux
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) throw std::runtime_error("无法连接网关 " + hostPort);
  std::string req = "POST " + path + " HTTP/1.1\r\nHost: " + hostPort +
                    "\r\nContent-Type: application/json; charset=utf-8\r\nAuthorization: Bearer " + key +
                    "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  size_t sent = 0;
  while (sent < req.size()) {
    ssize_t n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd);
      throw std::runtime_error("向网关发送超时或失败");
    }
    sent += static_cast<size_t>(n);
  }
  std::string resp;
  char buf[1024];
  while (resp.find("\r\n") == std::string::npos && resp.size() < 8192) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    resp.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  // "HTTP/1.1 200 OK"
  if (resp.size() < 12 || !resp.starts_with("HTTP/")) throw std::runtime_error("网关无应答或应答无效（超时）");
  return std::atoi(resp.c_str() + resp.find(' ') + 1);
}

int drainOnce(store::Database& db, const crypto::FieldCipher& cipher) {
  registerSettings();
  auto c = db.acquire();
  std::string driver = settings::get(*c, "notify.driver").as_string().c_str();
  std::string url = settings::get(*c, "notify.gateway_url").as_string().c_str();
  std::string key = settings::get(*c, "notify.gateway_key").as_string().c_str();
  int timeoutMs = static_cast<int>(settings::getInt(*c, "notify.timeout_ms"));
  int64_t maxAttempts = settings::getInt(*c, "notify.max_attempts");
  int64_t base = settings::getInt(*c, "notify.retry_base_seconds");
  int64_t batch = settings::getInt(*c, "notify.batch_size");
  auto due = c->query(
      "SELECT id, phone_enc, body_enc, preview, phone_mask, attempts, ref_kind, ref_id, recipient_name "
      "FROM notify_outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
      {nowIso(), batch});
  // Send the batch, then record every outcome in one transaction (a crash in between sends those
  // messages again: at-least-once, the usual SMS-gateway contract).
  struct Outcome {
    int64_t id, attempts;
    std::optional<std::string> error;
    std::string sentAt;
  };
  std::vector<Outcome> outcomes;
  outcomes.reserve(due.size());
  for (auto row : due) {
    int64_t id = row.i64(0);
    int64_t attempts = row.i64(5) + 1;
    std::optional<std::string> error;
    if (row.isNull(1)) {
      error = "无手机号";
      attempts = maxAttempts;  // nothing to retry
    } else if (driver == "http") {
      try {
        bj::object payload{{"id", id},
                           {"phone", cipher.decrypt(row.text(1))},
                           {"text", cipher.decrypt(row.text(2))},
                           {"ref", row.text(6) + (row.isNull(7) ? "" : ":" + row.text(7))}};
        int status = httpPost(url, key, bj::serialize(payload), timeoutMs);
        if (status < 200 || status >= 300) error = "网关返回 HTTP " + std::to_string(status);
      } catch (const std::exception& e) {
        error = e.what();
      }
    } else {
      spdlog::info("notify[log] #{} to {} {}: {}", id, row.text(8), row.optText(4).value_or(""), row.text(3));
    }
    outcomes.push_back({id, attempts, error, nowIso()});
  }
  if (outcomes.empty()) return 0;
  store::Transaction tx(*c);
  for (const auto& o : outcomes) {
    if (!o.error) {
      c->exec("UPDATE notify_outbox SET state = 'sent', attempts = ?, sent_at = ?, driver = ?, last_error = NULL "
              "WHERE id = ?",
              {o.attempts, o.sentAt, driver, o.id});
    } else if (o.attempts >= maxAttempts) {
      c->exec("UPDATE notify_outbox SET state = 'failed', attempts = ?, last_error = ?, driver = ? WHERE id = ?",
              {o.attempts, *o.error, driver, o.id});
    } else {
      long long wait = static_cast<long long>(base) * (1LL << std::min<int64_t>(o.attempts - 1, 20));
      c->exec("UPDATE notify_outbox SET attempts = ?, last_error = ?, next_attempt_at = ?, driver = ? WHERE id = ?",
              {o.attempts, *o.error, isoAfterSeconds(wait), driver, o.id});
    }
  }
  tx.commit();
  int n = static_cast<int>(outcomes.size());
  return n;
}

Counts counts(store::Connection& c, const std::string& refKind, int64_t refId) {
  Counts out;
  for (auto r : c.query("SELECT state, COUNT(*) FROM notify_outbox WHERE ref_kind = ? AND ref_id = ? GROUP BY state",
                        {refKind, refId})) {
    std::string s = r.text(0);
    (s == "sent" ? out.sent : s == "failed" ? out.failed : s == "cancelled" ? out.cancelled : out.pending) += r.i64(1);
  }
  return out;
}

Sender::Sender(store::Database& db, crypto::FieldCipher cipher, int intervalMs)
    : db_(db), cipher_(std::move(cipher)), intervalMs_(intervalMs) {}

Sender::~Sender() { stop(); }

void Sender::start() {
  thread_ = std::thread([this] {
    std::unique_lock lk(mu_);
    while (!stop_) {
      lk.unlock();
      try {
        while (drainOnce(db_, cipher_) > 0) {
          std::lock_guard g(mu_);
          if (stop_) break;
        }
      } catch (const std::exception& e) {
        spdlog::error("notify sender: {}", e.what());
      }
      lk.lock();
      cv_.wait_for(lk, std::chrono::milliseconds(intervalMs_), [this] { return stop_; });
    }
  });
}

void Sender::stop() {
  {
    std::lock_guard g(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace zg::notify
