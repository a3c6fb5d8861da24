// M2 Mobile members 流动党员: outflow (流出) and inflow (流入) records — where to, since when,
// contact phone, the receiving organization, the mobile-member branch (流动党员党支部, also one
// stationed outside the district 驻外) — a contact log with the last contact date, the overdue
// list (no contact within mobile.contact_interval_days: 流动不流失, seed 001), and the service
// requests mobile members raise (the 17 services of the 12371 line, seed 002 art.4), recorded,
// assigned and closed.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/checks.h"
#include "platform/api.h"
#include "platform/crypto.h"
#include "platform/json.h"

namespace zg::mobile {

void registerRoutes(platform::Api& api);
// Declares mobile.contact_interval_days (default 90). Idempotent.
void registerSettings();

// The 17 services (key → Chinese label), in the order shown.
const std::vector<std::pair<std::string, std::string>>& serviceKinds();

// What a caller supplies to open or edit a record. memberId and direction are fixed once open.
struct RecordInput {
  int64_t memberId = 0;
  std::string direction;  // "outflow" 流出 / "inflow" 流入
  std::string place;      // province / city / district, free text
  std::optional<Date> since;
  std::optional<std::string> phone;  // raw; normalized, stored encrypted + masked
  std::optional<std::string> receivingOrg;
  std::optional<int64_t> mobileBranchId;  // an org in scope with branch type mobile / mobile_outside
  std::optional<std::string> reason;
};
RecordInput parseRecord(const json::Form& f, bool create);

// The writes below run inside a transaction on `c`, check everything (Invalid naming the field,
// in Chinese), find records only within ctx.scope (NotFound otherwise) and write one audit
// entry each (plus one for the member when its 流动党员 flag changes).
// Opening an outflow sets members.mobile = 1 and mobile_to = place (version bumped, audited).
int64_t open(store::Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, const RecordInput& in);
void update(store::Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, int64_t id,
            const RecordInput& in, int64_t version);
// Ends a record on `until` (default today). Closing the member's last ongoing outflow clears
// members.mobile / mobile_to.
void close(store::Connection& c, const auth::Context& ctx, int64_t id, std::optional<Date> until);
// Logs a contact (电话 / 微信 / 走访 / 来信) on an ongoing record.
int64_t addContact(store::Connection& c, const auth::Context& ctx, int64_t recordId, const Date& on,
                   const std::string& channel, const std::optional<std::string>& note);

// Ongoing records in `scope` whose last contact (or, with none, the since date) is more than
// `intervalDays` before `asOf`.
struct Overdue {
  int64_t recordId = 0;
  int64_t memberId = 0;
  std::string lastContact;  // ISO date
  bool contacted = false;   // false: counted from the since date
  int64_t daysSince = 0;
  int64_t daysOverdue = 0;  // daysSince - intervalDays (> 0)
};
std::vector<Overdue> overdue(store::Connection& c, const Scope& scope, const Date& asOf, int64_t intervalDays);

// Service requests: open → assigned → closed. Assign is allowed from open or assigned (re-assign);
// close from open or assigned; a closed request refuses both (Conflict "closed").
int64_t openRequest(store::Connection& c, const auth::Context& ctx, int64_t recordId, const std::string& kind,
                    const std::string& description, std::optional<Date> deadline);
void assignRequest(store::Connection& c, const auth::Context& ctx, int64_t id, int64_t userId);
void closeRequest(store::Connection& c, const auth::Context& ctx, int64_t id, const std::string& result);

// A member's records (ongoing first, then newest), each as GET /api/mobile/records/:id returns
// it (masked phone, contact log, service requests); empty when none or not within `scope`.
boost::json::array memberRecords(store::Connection& c, const Scope& scope, int64_t memberId);

// Figures 统计 (mobile_figures.cpp): ongoing outflow/inflow records and overdue contacts (the
// rule of overdue(), applied as of the period's last day). Idempotent.
void registerFigures();
// Declares the live roll-up source "mobile" (platform/rollup.h, migration 0021): open mobility
// records by direction in the organization of the member's open placement. Called by
// registerFigures; idempotent.
void registerRollup();

}  // namespace zg::mobile
