// Figures 统计 of mobile members 流动党员: the records ongoing on the period's last day, by
// direction, and those whose last contact on or before that day is older than
// mobile.contact_interval_days (the overdue rule of mobile::overdue, applied on that day).
// As of today "mobile.members" reads the live roll-ups (members::mobileToday, migration 0021):
// the cost grows with organizations, not records. docs/rollup.md.
#include <string>
#include <vector>

#include "modules/members/members.h"
#include "modules/mobile/mobile.h"
#include "platform/rollup.h"
#include "platform/settings.h"

namespace zg::mobile {

namespace {

using figures::Query;
using figures::SqlCell;
using store::Params;

constexpr const char* kGroup = "流动党员";

// The last contact on or before asOf, or the since date when none.
constexpr const char* kLast =
    "COALESCE((SELECT MAX(k.contacted_on) FROM mobility_contacts k WHERE k.record_id = r.id AND k.contacted_on <= "
    "?), r.since_date)";

std::string base(const Query& q, Params& p) {
  std::string from = "FROM mobility_records r JOIN members m ON m.id = r.member_id" + members::placedOn(q, p);
  std::string d = q.asOf().iso();
  p.emplace_back(d);
  p.emplace_back(d);
  return from + " WHERE r.since_date <= ? AND (r.until_date IS NULL OR r.until_date > ?)";
}

figures::SqlSpec spec(std::function<std::vector<SqlCell>(store::Connection&, const Query&)> cells) {
  figures::SqlSpec s;
  s.base = base;
  s.cells = std::move(cells);
  s.select = [](const Query& q, Params& p) {
    p.emplace_back(q.asOf().iso());
    return std::string("r.id, m.name, o.name, CASE WHEN r.direction = 'outflow' THEN '流出' ELSE '流入' END, r.place, "
                       "r.since_date, ") +
           kLast + ", r.receiving_org";
  };
  s.columns = {{"name", "姓名", ""},          {"orgName", "所在党组织", ""}, {"direction", "流向", ""},
               {"place", "流入/流出地", ""},   {"since", "外出/流入日期", ""}, {"lastContact", "最近联系", ""},
               {"receivingOrg", "接收党组织", ""}};
  s.orderBy = "r.since_date, r.id";
  s.partition = true;  // each ongoing record is an outflow or an inflow, overdue or in touch
  return s;
}

}  // namespace

void registerRollup() {
  rollup::define({"mobile",
                  "SELECT pl.org_id, km.metric, km.k, COUNT(*) FROM member_placements pl JOIN rollup_mobile_keys km ON "
                  "km.member_id = pl.member_id WHERE pl.to_date IS NULL GROUP BY pl.org_id, km.metric, km.k"});
}

void registerFigures() {
  registerRollup();
  figures::Figure members = figures::sqlFigure("mobile.members", kGroup, "流动党员", 200,
                                               spec([](store::Connection&, const Query&) {
                                                 return std::vector<SqlCell>{
                                                     {"outflow", "流出", "r.direction = 'outflow'", {}},
                                                     {"inflow", "流入", "r.direction = 'inflow'", {}}};
                                               }));
  auto baseCells = members.cells;
  members.cells = [baseCells](store::Connection& c, const Query& q) {
    if (!members::rolledToday(q)) return baseCells(c, q);
    auto t = members::mobileToday(c, q);
    return std::vector<figures::Cell>{{"outflow", "流出", t.outflow, std::nullopt},
                                      {"inflow", "流入", t.inflow, std::nullopt}};
  };
  figures::define(std::move(members));
  figures::define(figures::sqlFigure(
      "mobile.contacts", kGroup, "联系情况", 210, spec([](store::Connection& c, const Query& q) {
        int64_t interval = settings::getInt(c, "mobile.contact_interval_days");
        std::string d = q.asOf().iso();
        std::string limit = addDays(q.asOf(), -interval).iso();  // last contact before this day: overdue
        std::string label = "超过" + std::to_string(interval) + "天未联系";
        return std::vector<SqlCell>{{"overdue", label, std::string(kLast) + " < ?", {d, limit}},
                                    {"in_touch", "按期联系", std::string(kLast) + " >= ?", {d, limit}}};
      })));
}

}  // namespace zg::mobile
