// Party dues 党费: each member's income base (dated history), the monthly amount by the rate
// brackets of 中组发〔2008〕3号, payments per month, exemptions (months with a recorded reason),
// the branch books (summary per organization, arrears, the list of members with 6 consecutive
// unpaid months) and the .xlsx export. Money is integer fen (分) everywhere.
#pragma once
#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/checks.h"
#include "platform/api.h"
#include "store/db.h"

namespace zg::dues {

void registerRoutes(platform::Api& api);
// Declares dues.* settings (brackets, rates, student amount, back-payment and flag limits).
void registerSettings();

// A month as a count (year * 12 + month - 1), so months compare and subtract as integers.
using Month = int;
// Parses "YYYY-MM" (month 01–12, year 1900–2999); nullopt otherwise.
std::optional<Month> parseMonth(std::string_view s);
std::string monthText(Month m);
Month monthOf(const Date& d);

// The rule numbers (read from settings by rules(); defaults as in DOMAIN.md).
struct Rules {
  int64_t employedMax1 = 300000, employedMax2 = 500000, employedMax3 = 1000000;               // bracket tops, fen
  int64_t employedRate1 = 50, employedRate2 = 100, employedRate3 = 150, employedRate4 = 200;  // 万分之 (bp)
  int64_t retiredMax1 = 500000;
  int64_t retiredRate1 = 50, retiredRate2 = 100;
  int64_t studentFen = 20;
  int64_t backPayMonths = 6;
  int64_t flagMonths = 6;
};
Rules rules(store::Connection& c);

// A base in effect: kind employed / retired / student / fixed.
struct Base {
  std::string kind;
  int64_t baseFen = 0;    // employed, retired
  int64_t amountFen = 0;  // fixed
};
// The monthly dues in fen: the bracket's rate applied to the whole base, rounded half up to the fen.
int64_t monthlyDue(const Rules& r, const Base& b);

// One month of a member's ledger.
struct MonthState {
  Month month = 0;
  bool obliged = false;  // a base is in effect and the member had been accepted by then
  int64_t dueFen = 0;
  int64_t paidFen = 0;
  bool paid = false;
  bool exempt = false;  // a recorded reason (dues_exemptions) covers the month
};
// Unpaid months without a reason, ending at the last month of `months` (in order), counted
// back until a month that is paid, exempt or not obliged.
int trailingUnpaid(const std::vector<MonthState>& months);

// Everything the rules need about one member, loaded once.
struct MemberDues {
  int64_t id = 0;
  std::string name;
  std::string orgPath;  // current
  int64_t orgId = 0;
  std::string orgName;
  std::optional<Month> start;  // obligation start: the month of joined_on (accepted as probationary)
  struct DatedBase {
    int64_t id;
    Base base;
    Month from;
    std::optional<Month> to;  // exclusive
    std::string setBy;
  };
  std::vector<DatedBase> bases;
  struct Payment {
    int64_t id;
    int64_t amountFen;
    std::string paidOn, method, note, recordedBy;
  };
  std::map<Month, Payment> payments;
  std::vector<std::pair<Month, Month>> exemptions;  // inclusive ranges
};
// The state of `month` for member `m` under rules `r`.
MonthState stateOf(const Rules& r, const MemberDues& m, Month month);

// Loads the active members within `scope` (narrowed to `memberId` when given) with their bases,
// payments and exemptions.
std::vector<MemberDues> load(store::Connection& c, const Scope& scope, std::optional<int64_t> memberId = std::nullopt);

// One member's ledger for `year` as GET /api/dues/members/:id returns it (bases, exemptions,
// twelve months with status paid / unpaid / exempt / not_obliged / future, unpaidRun); NotFound
// when the member is not active within `scope`.
boost::json::object memberLedger(store::Connection& c, const Scope& scope, int64_t memberId, int year);

// Figures 统计 (dues_figures.cpp): dues collected in the period (payments by date paid, on the
// books of the branch they were paid in) and dues owed as of its last day. Idempotent.
void registerFigures();
// Declares the dues' live roll-up source (platform/rollup.h): the full recount of the
// 'dues.paid.*' counts the triggers of migration 0016 keep. Called by registerFigures; idempotent.
void registerRollup();

}  // namespace zg::dues
