#include "app/demo_transfer.h"

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "modules/orgs/org_kinds.h"
#include "modules/transfer/transfer.h"
#include "platform/settings.h"
#include "platform/time.h"

namespace zg::demo {

namespace {

class Rng {
 public:
  explicit Rng(uint64_t seed) : g_(seed) {}
  int64_t range(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(g_); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(g_) < p; }

 private:
  std::mt19937_64 g_;
};

struct Branch {
  int64_t id;
  std::string path, name, street;  // street: the second path segment
};

std::string streetOf(const std::string& path) {
  // "/1/5/23/" → "/1/5/"
  size_t a = path.find('/', 1);
  if (a == std::string::npos) return path;
  size_t b = path.find('/', a + 1);
  return b == std::string::npos ? path : path.substr(0, b + 1);
}

}  // namespace

TransferResult loadTransfers(store::Database& db, uint64_t seed, const Date& asOf) {
  Rng rng(seed ^ 0x7a3f5e12026ULL);
  TransferResult out;
  auto lease = db.acquire();
  store::Connection& c = *lease;
  store::Transaction tx(c);
  if (c.scalar("SELECT id FROM transfer_cases LIMIT 1")) throw Error::conflict("not_empty", "演示接转数据已存在");
  transfer::registerSettings();
  const int validDays = static_cast<int>(settings::getInt(c, "transfer.letter_valid_days"));
  const std::string now = nowIso();

  std::vector<Branch> branches;
  for (auto r : c.query("SELECT id, path, name, kind FROM orgs WHERE dissolved_on IS NULL ORDER BY id"))
    if (orgs::holdsMembers(r.text(3))) branches.push_back({r.i64(0), r.text(1), r.text(2), streetOf(r.text(1))});
  if (branches.size() < 2) return out;
  // Who acts for each street: its street user, else the district's staff.
  std::map<std::string, std::string> actorOf;
  std::string districtActor = "区委组织部(admin)";
  for (auto r : c.query("SELECT u.display_name, u.username, o.path, u.role FROM users u JOIN orgs o ON o.id = u.org_id "
                        "ORDER BY u.id")) {
    std::string name = r.text(0) + "(" + r.text(1) + ")";
    if (r.text(3) == "street" && !actorOf.count(streetOf(r.text(2)))) actorOf[streetOf(r.text(2))] = name;
    if (r.text(3) == "district_staff" && districtActor == "区委组织部(admin)") districtActor = name;
  }
  auto actor = [&](const std::string& path) {
    auto it = actorOf.find(streetOf(path));
    return it == actorOf.end() ? districtActor : it->second;
  };

  // Candidates: active, not mobile, no current community registration, placed long enough ago.
  auto members = c.query(
      "SELECT m.id, m.name, m.org_id, m.org_path, p.id, p.from_date FROM members m JOIN member_placements p ON "
      "p.member_id = m.id AND p.to_date IS NULL WHERE m.active = 1 AND m.mobile = 0 AND NOT EXISTS (SELECT 1 FROM "
      "community_registrations g WHERE g.member_id = m.id AND g.ended_on IS NULL) ORDER BY m.id");
  const int64_t n = static_cast<int64_t>(members.size());
  if (n < 20) return out;
  const int within = static_cast<int>(std::max<int64_t>(8, n / 80));
  const int outs = static_cast<int>(std::max<int64_t>(3, n / 300));
  const int sentOpen = static_cast<int>(std::max<int64_t>(4, n / 300));
  const int overdue = static_cast<int>(std::max<int64_t>(3, n / 2000)), started = 2, received = 2, returned = 2, cancelled = 2;
  const std::vector<std::string> withinReasons = {"工作调动", "迁居", "单位合并", "退休后回居住地", "毕业分配"};
  const std::vector<std::string> outReasons = {"迁居外地", "工作调往外地", "升学", "随子女迁居"};
  const std::vector<std::string> outsideOrgs = {
      "中共杭州市西湖区文新街道某社区委员会", "中共宁波市海曙区南门街道某社区支部委员会",
      "中共绍兴市越城区城南街道某社区委员会", "中共上海市浦东新区某公司支部委员会",
      "中共温州市鹿城区某街道某社区支部委员会", "中共嘉兴市南湖区某学校支部委员会"};
  std::set<int64_t> used;
  std::vector<std::vector<store::Value>> events;

  auto pickMember = [&]() -> std::optional<store::Row> {
    for (int tries = 0; tries < 200; ++tries) {
      auto r = members.row(static_cast<size_t>(rng.range(0, n - 1)));
      if (used.insert(r.i64(0)).second) return r;
    }
    return std::nullopt;
  };
  auto pickTarget = [&](const std::string& fromPath, int64_t fromId) -> const Branch& {
    bool sameStreet = rng.chance(0.6);
    for (int tries = 0; tries < 100; ++tries) {
      const Branch& b = branches[static_cast<size_t>(rng.range(0, static_cast<int64_t>(branches.size()) - 1))];
      if (b.id == fromId) continue;
      if (sameStreet != (b.street == streetOf(fromPath)) && tries < 50) continue;
      return b;
    }
    return branches[0].id == fromId ? branches[1] : branches[0];
  };
  auto check = [&]() {
    static const char kAlphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    std::string s;
    for (int i = 0; i < 6; ++i) s += kAlphabet[rng.range(0, 31)];
    return s;
  };
  auto event = [&](int64_t id, const char* state, const Date& on, const std::string& by, const std::string& note = "") {
    events.push_back({id, state, on.iso(), on.iso() + "T10:00:00.000+08:00", store::Value(), by,
                      note.empty() ? store::Value() : store::Value(note)});
  };
  // One case; dates as given (nullopt = not reached). Returns its id.
  auto insert = [&](const store::Row& m, const std::string& dir, const std::string& state, std::optional<int64_t> toId,
                    std::optional<std::string> toOutside, const std::string& reason, const Date& startedOn,
                    std::optional<Date> sent, std::optional<Date> recv, std::optional<Date> done,
                    std::optional<Date> returnedOn, std::optional<Date> cancelledOn,
                    std::optional<std::string> closing) {
    auto iso = [](const std::optional<Date>& d) { return d ? store::Value(d->iso()) : store::Value(); };
    std::optional<Date> deadline;
    if (sent) deadline = addDays(*sent, validDays);
    int64_t id = c.query(
                      "INSERT INTO transfer_cases(check_code, direction, state, member_id, member_name, from_org_id, "
                      "to_org_id, to_outside, reason, started_on, sent_on, deadline, received_on, completed_on, "
                      "returned_on, cancelled_on, closing_reason, created_at, updated_at) VALUES "
                      "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                      {check(), dir, state, m.i64(0), m.text(1), m.i64(2), store::Value(toId), store::Value(toOutside),
                       reason, startedOn.iso(), iso(sent), iso(deadline), iso(recv), iso(done), iso(returnedOn),
                       iso(cancelledOn), store::Value(closing), now, now})
                     .front()
                     .i64(0);
    c.exec("UPDATE transfer_cases SET code = ? WHERE id = ?",
           {transfer::letterCode(startedOn.year, id), id});
    return id;
  };

  auto datesFrom = [&](int64_t ageLo, int64_t ageHi) { return addDays(asOf, -rng.range(ageLo, ageHi)); };

  // Completed within the district: the placement changes on the completion day.
  for (int i = 0; i < within; ++i) {
    auto m = pickMember();
    if (!m) break;
    const Branch& to = pickTarget(m->text(3), m->i64(2));
    Date s = datesFrom(20, 360);
    Date sent = addDays(s, rng.range(0, 3)), recv = addDays(sent, rng.range(2, 20)), done = addDays(recv, rng.range(0, 3));
    if (done > asOf || Date(*parseDate(m->text(5))) >= s) continue;
    std::string reason = withinReasons[static_cast<size_t>(rng.range(0, 4))];
    int64_t id = insert(*m, "within", "completed", to.id, std::nullopt, reason, s, sent, recv, done, std::nullopt,
                        std::nullopt, std::nullopt);
    std::string by1 = actor(m->text(3)), by2 = actor(to.path);
    event(id, "started", s, by1, reason);
    event(id, "sent", sent, by1);
    event(id, "received", recv, by2);
    event(id, "completed", done, by2);
    std::string why = "组织关系接转（" + transfer::letterCode(s.year, id) + "）";
    c.exec("UPDATE member_placements SET to_date = ? WHERE id = ?", {done.iso(), m->i64(4)});
    c.exec("INSERT INTO member_placements(member_id, org_id, from_date, reason) VALUES (?,?,?,?)",
           {m->i64(0), to.id, done.iso(), why});
    c.exec("UPDATE members SET org_id = ?, org_path = ?, version = version + 1, updated_at = ? WHERE id = ?",
           {to.id, to.path, now, m->i64(0)});
    ++out.completedWithin;
  }
  // Completed out of the district: off the registry with reason 转出.
  for (int i = 0; i < outs; ++i) {
    auto m = pickMember();
    if (!m) break;
    Date s = datesFrom(20, 360);
    Date sent = addDays(s, rng.range(0, 2)), recv = addDays(sent, rng.range(5, 25));
    if (recv > asOf || Date(*parseDate(m->text(5))) >= s) continue;
    std::string reason = outReasons[static_cast<size_t>(rng.range(0, 3))];
    std::string to = outsideOrgs[static_cast<size_t>(rng.range(0, 5))];
    int64_t id = insert(*m, "out", "completed", std::nullopt, to, reason, s, sent, recv, recv, std::nullopt,
                        std::nullopt, std::nullopt);
    std::string by = actor(m->text(3));
    event(id, "started", s, by, reason);
    event(id, "sent", sent, by);
    event(id, "received", recv, "介绍信回执：" + to + "(public)", "区外接收单位在回执页确认：" + to);
    event(id, "completed", recv, "介绍信回执：" + to + "(public)");
    c.exec("UPDATE member_placements SET to_date = ? WHERE id = ?", {recv.iso(), m->i64(4)});
    c.exec("UPDATE members SET active = 0, removed_on = ?, removed_reason = '转出', version = version + 1, "
           "updated_at = ? WHERE id = ?",
           {recv.iso(), now, m->i64(0)});
    ++out.completedOut;
  }
  // Open cases: started, sent (some overdue), received; then returned and cancelled ones.
  auto openCase = [&](const std::string& state, int64_t ageLo, int64_t ageHi) {
    auto m = pickMember();
    if (!m) return false;
    bool outside = rng.chance(0.3);
    const Branch& to = pickTarget(m->text(3), m->i64(2));
    std::string to2 = outsideOrgs[static_cast<size_t>(rng.range(0, 5))];
    Date s = datesFrom(ageLo, ageHi);
    std::optional<Date> sent, recv, ret, can;
    if (state != "started") sent = addDays(s, rng.range(0, 2));
    if (state == "received") recv = addDays(*sent, rng.range(1, 3));
    if (state == "returned") ret = addDays(*sent, rng.range(2, 10));
    if (state == "cancelled") can = addDays(s, rng.range(1, 5));
    for (auto d : {sent, recv, ret, can})
      if (d && *d > asOf) return false;
    if (state == "received" && outside) outside = false;
    std::optional<std::string> closing;
    if (state == "returned") closing = "接收党组织名称有误，请核实后重新开具";
    if (state == "cancelled") closing = "本人申请暂缓转接";
    std::string reason = outside ? outReasons[static_cast<size_t>(rng.range(0, 3))]
                                 : withinReasons[static_cast<size_t>(rng.range(0, 4))];
    int64_t id = insert(*m, outside ? "out" : "within", state, outside ? std::nullopt : std::optional<int64_t>(to.id),
                        outside ? std::optional<std::string>(to2) : std::nullopt, reason, s, sent, recv, std::nullopt,
                        ret, can, closing);
    std::string by1 = actor(m->text(3)), by2 = outside ? by1 : actor(to.path);
    event(id, "started", s, by1, reason);
    if (sent) event(id, "sent", *sent, by1);
    if (recv) event(id, "received", *recv, by2);
    if (ret) event(id, "returned", *ret, by2, *closing);
    if (can) event(id, "cancelled", *can, by1, *closing);
    return true;
  };
  for (int i = 0; i < started; ++i) out.open += openCase("started", 0, 6);
  for (int i = 0; i < sentOpen; ++i) out.open += openCase("sent", 1, validDays - 2);
  for (int i = 0; i < overdue; ++i) {
    bool ok = openCase("sent", validDays + 3, validDays + 40);
    out.open += ok;
    out.overdue += ok;
  }
  for (int i = 0; i < received; ++i) out.open += openCase("received", 3, 20);
  for (int i = 0; i < returned; ++i) out.closedOther += openCase("returned", 30, 200);
  for (int i = 0; i < cancelled; ++i) out.closedOther += openCase("cancelled", 30, 200);
  c.bulkInsert("transfer_events", {"case_id", "state", "on_date", "at", "user_id", "actor_name", "note"}, events);
  tx.commit();
  return out;
}

}  // namespace zg::demo
