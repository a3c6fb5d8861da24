#include "app/demo_visits.h"

#include "app/demo.h"

#include <chrono>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "modules/grid/grid.h"
#include "platform/rollup_months.h"
#include "platform/audit.h"
#include "platform/time.h"

namespace zg::demo {

namespace {

class Rng {
 public:
  explicit Rng(uint64_t seed) : g_(seed) {}
  int64_t range(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(g_() % static_cast<uint64_t>(hi - lo + 1)); }
  bool chance(double p) { return static_cast<double>(g_() % 1000000) < p * 1000000; }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[static_cast<size_t>(range(0, static_cast<int64_t>(v.size()) - 1))]; }

 private:
  std::mt19937_64 g_;
};

const std::vector<std::string> kNotes = {"了解家庭近况，身体尚好", "宣传垃圾分类新规", "告知社区近期活动安排",
                                         "询问生活需要，无特殊困难", "送达民情联系卡", "提醒冬季用电用气安全",
                                         "了解就业情况", "协助办理医保续缴", "陪同老人聊天，情绪稳定",
                                         "宣传防诈骗知识"};
const std::vector<std::string> kProblems = {"楼道灯损坏，夜间出行不便", "反映小区停车难，占用消防通道",
                                            "屋顶渗水，需要维修", "希望增加老年食堂送餐服务",
                                            "楼下餐馆油烟扰民", "子女失业，希望介绍工作",
                                            "小区路面破损", "申请低保，需要指导材料"};

struct Period {
  int64_t memberId;
  std::string name, from, to;  // to empty: open
};

}  // namespace

VisitsResult loadVisits(store::Database& db, uint64_t seed, const Date& asOf, int years) {
  if (years < 1 || years > 20) throw Error::invalid("years", "走访记录年数应在 1 到 20 之间");
  auto started = std::chrono::steady_clock::now();
  VisitsResult out;
  auto lease = db.acquire();
  store::Connection& c = *lease;
  store::Transaction tx(c);
  if (c.scalar("SELECT COUNT(*) FROM visit_logs")->asInt() > 0)
    throw Error::conflict("not_empty", "已有走访记录，未载入演示走访");
  Rng rng(seed * 7919 + 11 + static_cast<uint64_t>(asOf.year * 10000 + asOf.month * 100 + asOf.day));
  std::string now = nowIso();
  std::string yearAgo = addDays(asOf, -365 * years).iso();  // the oldest visit day

  std::map<int64_t, std::vector<Period>> periods;
  for (auto x : c.query("SELECT hc.household_id, hc.member_id, m.name, hc.from_on, hc.to_on FROM household_contacts hc "
                        "JOIN members m ON m.id = hc.member_id ORDER BY hc.household_id, hc.from_on"))
    periods[x.i64(0)].push_back({x.i64(1), x.text(2), x.text(3), x.isNull(4) ? "" : x.text(4)});
  auto keyTags = grid::keyTags(c);

  // Building the indexes once after the bulk insert is several times faster than keeping four
  // indexes up to date row by row (same definitions as migration 0011).
  static const std::vector<std::pair<std::string, std::string>> kIndexes = {
      {"visit_logs_household", "visit_logs(household_id, visited_on)"},
      {"visit_logs_member", "visit_logs(member_id, visited_on)"},
      {"visit_logs_org", "visit_logs(org_id, visited_on)"},
      {"visit_logs_on", "visit_logs(visited_on)"}};
  for (auto& [name, on] : kIndexes) c.exec("DROP INDEX " + name);
  DeferredForeignKeys keys(c, {"visit_logs"});  // PostgreSQL: checked once after the COPY
  // SQLite: the roll-up triggers (one upsert per row) paused and the loaded rows counted once at
  // the end, in this transaction (docs/rollup.md, docs/performance.md R1).
  rollup::PausedTriggers rollups(c, "visit_logs", "rollup_visit_keys");
  const std::vector<std::string> cols = {"household_id", "org_id",   "member_id", "visitor_name", "visited_on",
                                         "kind",         "note",     "problems",  "created_by",   "created_at"};
  constexpr size_t kSlice = 200000;
  std::vector<std::vector<store::Value>> rows;
  rows.reserve(kSlice + 100);
  for (auto x : c.query("SELECT id, org_id, last_visited_on, tags FROM households WHERE last_visited_on IS NOT NULL "
                        "ORDER BY id")) {
    int64_t hid = x.i64(0), orgId = x.i64(1);
    Date last = *parseDate(x.text(2));
    std::vector<std::string> tags;
    {
      std::string t = x.text(3), cur;
      for (char ch : t.substr(1)) {
        if (ch == ',') {
          if (!cur.empty()) tags.push_back(cur);
          cur.clear();
        } else {
          cur += ch;
        }
      }
    }
    bool key = grid::isKey(tags, keyTags);
    auto pit = periods.find(hid);
    int before = static_cast<int>(rows.size());
    Date d = last;
    while (d.iso() >= yearAgo) {
      std::string iso = d.iso();
      std::optional<int64_t> member;
      std::string visitor = "社区工作人员";
      if (pit != periods.end())
        for (auto& p : pit->second)
          if (p.from <= iso && (p.to.empty() || iso < p.to)) member = p.memberId, visitor = p.name;
      int64_t roll = rng.range(0, 99);
      std::string kind = roll < 55 ? "home" : roll < 80 ? "phone" : roll < 95 ? "wechat" : "meeting";
      std::optional<std::string> problems;
      if (rng.chance(0.04)) problems = rng.pick(kProblems), ++out.withProblems;
      rows.push_back({hid, orgId, store::Value(member), visitor, iso, kind, rng.pick(kNotes), store::Value(problems),
                      nullptr, now});
      d = addDays(d, -static_cast<int>(key ? rng.range(20, 40) : rng.range(90, 180)));
    }
    out.households += static_cast<int>(rows.size()) > before;
    if (rows.size() >= kSlice) {
      out.visits += static_cast<int>(rows.size());
      c.bulkInsert("visit_logs", cols, rows);
      rows.clear();
    }
  }
  out.visits += static_cast<int>(rows.size());
  c.bulkInsert("visit_logs", cols, rows);
  for (auto& [name, on] : kIndexes) c.exec("CREATE INDEX " + name + " ON " + on);
  rollups.finish();
  keys.restore();

  // Building party groups 楼宇党小组: about a third of the buildings of each area, attached to the
  // area's grid branch (or the community's organization when the area has none).
  std::vector<std::vector<store::Value>> buildings;
  for (auto x : c.query("SELECT DISTINCT h.area_id, h.building, COALESCE(a.branch_org_id, a.org_id) FROM households h "
                        "JOIN grid_areas a ON a.id = h.area_id WHERE h.building <> '' AND NOT EXISTS (SELECT 1 FROM "
                        "grid_buildings gb WHERE gb.area_id = h.area_id AND gb.building = h.building) "
                        "ORDER BY h.area_id, h.building"))
    if (rng.chance(0.33)) buildings.push_back({x.i64(0), x.text(1), x.i64(2), now});
  c.bulkInsert("grid_buildings", {"area_id", "building", "party_org_id", "created_at"}, buildings);
  out.buildingGroups = static_cast<int>(buildings.size());

  audit::record(c, auth::Actor::system("演示数据"),
                {"demo", "system", std::nullopt, "/",
                 "载入演示走访记录" + std::to_string(out.visits) + "条（" + std::to_string(out.households) +
                     "户），楼宇党小组" + std::to_string(out.buildingGroups) + "个",
                 nullptr, nullptr});
  tx.commit();
  analyzeLoaded(c, {"visit_logs", "grid_buildings"});
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

}  // namespace zg::demo
