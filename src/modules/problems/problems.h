// Residents' problems and proposals 民情 (issue 4 item 6, seed 000 “民有所呼、我有所应”): every
// problem gets a number (MQ2026-000123) and a lookup secret, is routed to the household's contact
// member 联户党员 and their community, can be escalated up the tree by hand, has a deadline by kind
// (setting problems.kinds), and ends with an answer to the resident and their satisfaction
// 满意/基本满意/不满意. Overdue open problems rise one level automatically (sweep()). Intake from
// the public report page (no login, rate-limited, arithmetic human check), from a hotline call typed
// by staff, and from a visit log: all through open(). Also the contact cards 民情联系卡 (item 5):
// a PDF of several cards per A4 page with a QR code of the public report URL per household.
//
// Scope: a problem sits at one organization (resident_problems.org_id → orgs.path); a caller sees
// and handles the problems sitting within their subtree.
#pragma once
#include <boost/json.hpp>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/checks.h"
#include "modules/me/me.h"
#include "platform/api.h"
#include "platform/crypto.h"

namespace zg::problems {

void registerRoutes(platform::Api& api);
// problems.kinds, problems.escalation_days, problems.hotline, problems.public_reports_per_hour,
// problems.public_reads_per_minute, problems.sweep_interval_seconds. Idempotent.
void registerSettings();
// problems.flow: received / answered / closed / overdue / satisfaction for a subtree and period.
void registerFigures();

// The kinds and their deadline days, from setting problems.kinds ("环境卫生:7,物业管理:10,…").
std::vector<std::pair<std::string, int64_t>> kinds(store::Connection& c);

// The states, in order, with their Chinese labels.
const std::vector<std::pair<std::string, std::string>>& states();
// Satisfaction codes satisfied/basic/unsatisfied → 满意/基本满意/不满意.
const std::vector<std::pair<std::string, std::string>>& satisfactions();

struct OpenInput {
  std::string source;  // "public", "hotline" or "visit"
  std::string kind;    // one of kinds()
  std::string text;
  std::string reporterName;
  std::optional<std::string> phone;
  std::optional<int64_t> householdId;  // routes to its community and its current contact member
  std::optional<int64_t> orgId;        // where to put it when no household (default: the scope's root org)
};
struct Opened {
  int64_t id = 0;
  std::string number, secret;
};
// The one function every intake uses. Inside a transaction on `c`; checks the input (Invalid naming
// the JSON field: kind, text, reporterName, phone, householdId, orgId), the household and the org
// within `scope` (the public page passes Scope::all() and a household found by its card token),
// computes the deadline from the kind, writes the first event and one audit entry by `actor`, and
// notifies the contact member it is routed to (notify outbox).
Opened open(store::Connection& c, const Scope& scope, const auth::Actor& actor, const crypto::FieldCipher& cipher,
            const OpenInput& in, const Date& asOf);

// Staff actions; inside a transaction, the problem found only within ctx.scope (NotFound), checked
// against the state machine (Conflict "state"), a dated event and one audit entry each.
// assign: to an organization within scope (orgId) and/or a member handler (memberId, active, in scope).
// The member or organization it goes to is notified (notify outbox, same transaction).
void assign(store::Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, int64_t id,
            std::optional<int64_t> orgId, std::optional<int64_t> memberId, const std::optional<std::string>& note);
void start(store::Connection& c, const auth::Context& ctx, int64_t id, const std::optional<std::string>& note);
// Moves it to the parent organization (Conflict "top" at the root); the caller keeps seeing it only
// when the parent is in their scope. New deadline: today + problems.escalation_days. The parent is
// notified. Conflict "version" when it moved meanwhile (e.g. the sweep took it up first).
void escalate(store::Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, int64_t id,
              const std::optional<std::string>& note);
void answer(store::Connection& c, const auth::Context& ctx, int64_t id, const std::string& answer);
void close(store::Connection& c, const auth::Context& ctx, int64_t id, const std::string& satisfaction,
           const std::optional<std::string>& note);

// The overdue sweep. An open problem (received/assigned/in_progress) whose deadline is before
// `asOf` and whose organization has a parent rises one level, with a new deadline asOf +
// problems.escalation_days, an "auto_escalate" event (actor 系统), one audit entry and a
// notification to the organization it reaches.
//
// Race-safe: each move is its own transaction whose UPDATE is conditional on the row as it was seen
// (id, org_id, version, still open, still overdue); when another sweep (another server on the same
// PostgreSQL, a cron run of `zugong problems sweep`) or a person moved it first, the UPDATE changes
// no row and nothing else is written. So each overdue item moves exactly one level and is audited
// once however many sweeps run at the same time.
struct Overdue {
  int64_t id = 0, orgId = 0, version = 0;
};
// The overdue open problems as of `asOf` (read only).
std::vector<Overdue> overdue(store::Connection& c, const Date& asOf);
// Moves one of them up, unless it changed since it was read; true when this call moved it.
// Its own transaction (`c` must not be in one).
bool autoEscalate(store::Connection& c, const crypto::FieldCipher& cipher, const Overdue& item, const Date& asOf);
// overdue() then autoEscalate() on each; returns how many this call moved.
int sweep(store::Connection& c, const crypto::FieldCipher& cipher, const Date& asOf);

// The timer: a background thread started by `zugong serve` that calls sweep(today()) at start and
// then every problems.sweep_interval_seconds (0 turns the timer off; the setting is re-read at
// least every 5 seconds, so a change applies without a restart).
class Sweeper {
 public:
  Sweeper(store::Database& db, crypto::FieldCipher cipher);
  ~Sweeper();
  void start();
  void stop();

 private:
  store::Database& db_;
  crypto::FieldCipher cipher_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
};

// --- the contact member's side (a member login; the assignment is the authorization) ---
// 我的待办: each open problem whose handler is `self` (number, kind, address; due = due_on;
// overdue when due_on < today; link /me/problems/<id>).
std::vector<me::Task> meTasks(store::Connection& c, const me::Self& self, const Date& today);
// The problems handed to member `memberId` (open first, then the answered/closed ones still naming
// them), optionally of one household; each as in the staff list.
boost::json::array mine(store::Connection& c, int64_t memberId, std::optional<int64_t> householdId);
// One of them with its timeline (NotFound unless it names `memberId` as its handler).
boost::json::object mineDetail(store::Connection& c, int64_t memberId, int64_t id);
// The handler answers the resident (state answered). Inside a transaction; NotFound unless the
// problem is open and names `memberId`; Invalid "answer".
void memberAnswer(store::Connection& c, const auth::Actor& actor, int64_t memberId, int64_t id, const std::string& answer);
// The handler passes it back to the organization it sits at (the community): handler cleared,
// state received, the organization notified. Invalid "note" (required: why).
void memberPass(store::Connection& c, const auth::Actor& actor, const crypto::FieldCipher& cipher, int64_t memberId,
                int64_t id, const std::string& note);

// What the public status page shows for number + secret (NotFound otherwise, the same for both):
// number, kind, state, received/due/answered dates, the answer, satisfaction; nothing else.
boost::json::object publicStatus(store::Connection& c, const std::string& number, const std::string& secret);
// The resident's satisfaction from the public page: only for an answered problem (Conflict "state").
void rate(store::Connection& c, const std::string& number, const std::string& secret, const std::string& satisfaction,
          const std::string& ip);

// The household's card token (created when missing). Inside a transaction.
std::string cardToken(store::Connection& c, int64_t householdId);
// The contact cards PDF for households within `scope` (Invalid "householdIds" for one outside it).
// The contact member's phone is printed in full (decrypted): the card exists so residents can call.
std::string cardsPdf(store::Connection& c, const Scope& scope, const crypto::FieldCipher& cipher,
                     const std::vector<int64_t>& householdIds, const std::string& baseUrl);

// The arithmetic human check: a question and a signed challenge (expires in 10 minutes, used once).
struct Challenge {
  std::string question, token;
};
Challenge makeChallenge(const crypto::FieldCipher& cipher);
// Throws Invalid("answer", …) unless `answer` solves the challenge `token` (unused, not expired).
void checkChallenge(const crypto::FieldCipher& cipher, const std::string& token, const std::string& answer);

}  // namespace zg::problems
