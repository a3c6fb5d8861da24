// Figures 统计 of the registry: members by category, status, age band, education and joining
// decade. Stock figures: counted as of the period's last day (Query::asOf) from the dated
// placements, so a member moved out of the branch later is still counted where he was then.
#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "modules/members/members.h"
#include "platform/rollup.h"
#include "platform/settings.h"

namespace zg::members {

namespace {

using figures::Column;
using figures::Query;
using figures::SqlCell;
using store::Params;

constexpr const char* kGroup = "党员队伍";

// The category on a date: full once full_on has passed (full without a date counts as full).
constexpr const char* kFullOn = "(m.category = 'full' AND (m.full_on IS NULL OR m.full_on <= ?))";

std::string base(const Query& q, Params& p) {
  std::string from = "FROM members m" + placedOn(q, p);
  return from + " WHERE 1 = 1";
}

std::string select(const Query& q, Params& p) {
  p.emplace_back(q.asOf().iso());
  return std::string("m.id, m.name, o.name, CASE WHEN m.sex = 'M' THEN '男' ELSE '女' END, m.birth_date, CASE WHEN ") +
         kFullOn +
         " THEN '正式党员' ELSE '预备党员' END, m.education, m.joined_on, CASE WHEN m.standing = 'suspended' THEN "
         "'停止党籍' ELSE '正常' END";
}

const std::vector<Column>& columns() {
  static const std::vector<Column> v = {{"name", "姓名", ""},        {"orgName", "所在党组织", ""},
                                        {"sex", "性别", ""},         {"birthDate", "出生日期", ""},
                                        {"category", "党员类别", ""}, {"education", "学历", ""},
                                        {"joinedOn", "入党日期", ""}, {"standing", "党籍状态", ""}};
  return v;
}

figures::SqlSpec spec(std::function<std::vector<SqlCell>(store::Connection&, const Query&)> cells,
                      bool dropEmpty = false, bool partition = true) {
  figures::SqlSpec s;
  s.base = base;
  s.cells = std::move(cells);
  s.select = select;
  s.columns = columns();
  s.orderBy = "m.name_sort, m.id";
  s.dropEmpty = dropEmpty;
  s.partition = partition;
  return s;
}

// "30,40,50,60,70" → {30, 40, 50, 60, 70}: the top age of each band; the last band is open.
std::vector<int> bandTops(store::Connection& c) {
  std::vector<int> tops;
  std::string text = settings::get(c, "figures.age_bands").as_string().c_str();
  int cur = -1;
  for (char ch : text + ",") {
    if (ch >= '0' && ch <= '9') {
      cur = (cur < 0 ? 0 : cur * 10) + (ch - '0');
      if (cur > 200) cur = 200;
    } else if (cur >= 0) {
      if (tops.empty() || cur > tops.back()) tops.push_back(cur);
      cur = -1;
    }
  }
  if (tops.empty()) tops = {30, 40, 50, 60, 70};
  return tops;
}

// Born on or before this day ⇔ aged at least `years` on `on`.
std::string bornBy(const Date& on, int years) { return addMonths(on, -12 * years).iso(); }

// One age band on a day: born after `after` (exclusive) and on or before `by` (inclusive); an
// empty bound is open. The last band is the unknown birth dates.
struct Band {
  std::string key, label, after, by;
  bool unknown = false;
};
std::vector<Band> ageBands(store::Connection& c, const Date& on) {
  std::vector<int> tops = bandTops(c);
  std::vector<Band> v;
  int low = 0;  // the band's lowest age
  for (int top : tops) {
    // aged ≥ low and < top + 1
    if (low == 0)
      v.push_back({"le" + std::to_string(top), "≤" + std::to_string(top) + "岁", bornBy(on, top + 1), ""});
    else
      v.push_back({std::to_string(low) + "-" + std::to_string(top),
                   std::to_string(low) + "–" + std::to_string(top) + "岁", bornBy(on, top + 1), bornBy(on, low)});
    low = top + 1;
  }
  v.push_back({"gt" + std::to_string(tops.back()), ">" + std::to_string(tops.back()) + "岁", "", bornBy(on, low)});
  v.push_back({"unknown", "出生日期不详", "", "", true});
  return v;
}
std::vector<SqlCell> ageCells(store::Connection& c, const Query& q) {
  std::vector<SqlCell> v;
  for (auto& b : ageBands(c, q.asOf())) {
    if (b.unknown)
      v.push_back({b.key, b.label, "m.birth_date IS NULL", {}});
    else if (b.by.empty())
      v.push_back({b.key, b.label, "m.birth_date > ?", {b.after}});
    else if (b.after.empty())
      v.push_back({b.key, b.label, "m.birth_date <= ?", {b.by}});
    else
      v.push_back({b.key, b.label, "(m.birth_date <= ? AND m.birth_date > ?)", {b.by, b.after}});
  }
  return v;
}

// ---- Live roll-ups (docs/rollup.md) -------------------------------------------------------------
// As of today, the cells of by_category, by_status, by_education and by_joining_decade come from
// org_counts (migration 0014: each organization's own counts of its open placements, kept by
// triggers), summed over the subtree, plus exact corrections read from the few rows whose dates
// lie after today (a placement opened or closed on a future date, full_on or lost_on in the
// future). Records, past dates and the age bands (which change with every birthday) still count
// from the base tables.

const std::vector<std::string>& rolledMetrics() {
  static const std::vector<std::string> v = {"members.category", "members.standing", "members.lost",
                                             "members.education", "members.decade"};
  return v;
}

// The placements covering `d` in the subtree, T, differ from the open placements the triggers
// count, A, by: open ones starting after d (in A, not in T) and closed ones still running on d (in
// T, not in A). Each query starts from the date index member_placements_dates (no subtree scan: it
// reads only rows dated after today, usually none) and keeps the subtree's in C++; then the keys of
// those members are subtracted or added.
void correctForDates(store::Connection& c, const Query& q, rollup::Counts& counts) {
  std::string d = q.asOf().iso();
  std::vector<std::pair<int64_t, int>> changes;  // member, sign
  auto collect = [&](const char* where, Params p, int sign) {
    auto r = c.query(std::string("SELECT pl.member_id, o.path FROM member_placements pl JOIN orgs o ON o.id = "
                                 "pl.org_id WHERE ") +
                         where,
                     p);
    for (auto row : r)
      if (q.scope.contains(row.text(1))) changes.push_back({row.i64(0), sign});
  };
  collect("pl.to_date IS NULL AND pl.from_date > ?", {d}, -1);
  collect("pl.to_date > ? AND pl.from_date <= ?", {d, d}, 1);
  for (size_t i = 0; i < changes.size(); i += 500) {
    size_t end = std::min(changes.size(), i + 500);
    std::map<int64_t, int> sign;  // a member's net sign in this chunk
    Params p;
    std::string in;
    for (size_t j = i; j < end; ++j) sign[changes[j].first] += changes[j].second;
    for (auto& [m, _] : sign) {
      in += in.empty() ? "?" : ", ?";
      p.emplace_back(m);
    }
    auto r = c.query("SELECT member_id, metric, k FROM rollup_member_keys WHERE member_id IN (" + in + ")", p);
    for (auto row : r) counts[row.text(1)][row.text(2)] += sign[row.i64(0)];
  }
}

// The placements in the subtree covering q.asOf() among `ids` (distinct members): one member id
// per placement, as the base tables' join counts them.
std::vector<int64_t> placedRows(store::Connection& c, const Query& q, const std::vector<int64_t>& ids) {
  std::vector<int64_t> out;
  std::string d = q.asOf().iso();
  for (size_t i = 0; i < ids.size(); i += 500) {
    Params p;
    std::string in;
    for (size_t j = i; j < std::min(ids.size(), i + 500); ++j) {
      in += in.empty() ? "?" : ", ?";
      p.emplace_back(ids[j]);
    }
    p.emplace_back(d);
    p.emplace_back(d);
    std::string w = q.scope.where("o.path", p);
    auto r = c.query("SELECT pl.member_id FROM member_placements pl JOIN orgs o ON o.id = pl.org_id WHERE pl.member_id IN (" +
                         in + ") AND pl.from_date <= ? AND (pl.to_date IS NULL OR pl.to_date > ?) AND " + w,
                     p);
    for (auto row : r) out.push_back(row.i64(0));
  }
  return out;
}

// How many of `ids` (distinct members) are placed in the subtree on q.asOf().
int64_t placedAmong(store::Connection& c, const Query& q, const std::vector<int64_t>& ids) {
  return static_cast<int64_t>(placedRows(c, q, ids).size());
}

// Members placed in the subtree on q.asOf() among those `cond` selects — a condition on members
// that only rows dated after today meet, so it is found through that date's index and only those
// few members are then looked up in the placements.
int64_t placedWhere(store::Connection& c, const Query& q, const std::string& cond, const Params& condParams) {
  std::vector<int64_t> ids;
  for (auto row : c.query("SELECT id FROM members WHERE " + cond, condParams)) ids.push_back(row.i64(0));
  return placedAmong(c, q, ids);
}

struct Today {
  rollup::Counts counts;
  int64_t fullLater = 0;  // category 'full' with full_on after today: still probationary today
  int64_t lostLater = 0;  // lost_contact with lost_on after today: not yet lost today
};

// The metrics one figure reads (and only the date corrections it needs).
std::vector<std::string> metricsOf(const std::string& figure) {
  if (figure == "members.by_category") return {"members.category"};
  if (figure == "members.by_status") return {"members.standing", "members.lost"};
  if (figure == "members.by_education") return {"members.education"};
  if (figure == "members.by_joining_decade") return {"members.decade"};
  return rolledMetrics();
}

Today todayCounts(store::Connection& c, const Query& q, const std::string& figure) {
  Today t;
  t.counts = rollup::subtree(c, q.scope, metricsOf(figure));
  correctForDates(c, q, t.counts);
  std::string d = q.asOf().iso();
  if (figure == "members.by_category") t.fullLater = placedWhere(c, q, "full_on > ? AND category = 'full'", {d});
  if (figure == "members.by_status") t.lostLater = placedWhere(c, q, "lost_on > ? AND lost_contact = 1", {d});
  return t;
}

}  // namespace

bool rolledToday(const Query& q) { return rollup::enabled() && q.asOf() == today(); }

// 'mobile.open' (migration 0021) counts the open records (until_date IS NULL) in the organization
// of the member's open placement; correctForDates turns that into the members placed in the
// subtree today (the member keys carry the mobility keys). What remains are the members whose
// records are dated after today — started later (open, not yet ongoing) or ending later (closed,
// still ongoing) — found through mobility_records_dates (usually none): their open records are
// taken out and their records ongoing today put in, for each of their placements in the subtree.
MobileToday mobileToday(store::Connection& c, const Query& q) {
  rollup::Counts counts = rollup::subtree(c, q.scope, {"mobile.open"});
  correctForDates(c, q, counts);
  MobileToday t;
  t.outflow = rollup::get(counts, "mobile.open", "outflow");
  t.inflow = rollup::get(counts, "mobile.open", "inflow");
  t.outflowMembers = t.outflow;  // at most one open record per member and direction (unique index)
  std::string d = q.asOf().iso();
  std::set<int64_t> later;
  for (auto row : c.query("SELECT member_id FROM mobility_records WHERE until_date IS NULL AND since_date > ?", {d}))
    later.insert(row.i64(0));
  for (auto row : c.query("SELECT member_id FROM mobility_records WHERE until_date > ?", {d})) later.insert(row.i64(0));
  if (later.empty()) return t;
  std::map<int64_t, int64_t> times;  // member → its placements in the subtree today
  for (int64_t m : placedRows(c, q, std::vector<int64_t>(later.begin(), later.end()))) ++times[m];
  std::vector<int64_t> ids;
  for (auto& [m, _] : times) ids.push_back(m);
  for (size_t i = 0; i < ids.size(); i += 500) {
    Params p;
    p.emplace_back(d);
    p.emplace_back(d);
    std::string in;
    for (size_t j = i; j < std::min(ids.size(), i + 500); ++j) {
      in += in.empty() ? "?" : ", ?";
      p.emplace_back(ids[j]);
    }
    std::set<int64_t> outToday;
    for (auto row : c.query("SELECT member_id, direction, CASE WHEN until_date IS NULL THEN 1 ELSE 0 END, CASE WHEN "
                            "since_date <= ? AND (until_date IS NULL OR until_date > ?) THEN 1 ELSE 0 END FROM "
                            "mobility_records WHERE member_id IN (" +
                                in + ")",
                            p)) {
      int64_t n = times[row.i64(0)];
      bool out = row.text(1) == "outflow";
      int64_t& cell = out ? t.outflow : t.inflow;
      if (row.i64(2) != 0) {
        cell -= n;
        if (out) t.outflowMembers -= n;
      }
      if (row.i64(3) != 0) {
        cell += n;
        if (out) outToday.insert(row.i64(0));
      }
    }
    for (int64_t m : outToday) t.outflowMembers += times[m];
  }
  return t;
}

namespace {

// The count of one cell from today's roll-ups.
int64_t rolledCount(const std::string& figure, const std::string& cell, const Today& t, store::Connection& c,
                    const Query& q) {
  auto g = [&](const char* metric, const std::string& key) { return rollup::get(t.counts, metric, key); };
  if (figure == "members.by_category") {
    if (cell == "full") return g("members.category", "full") - t.fullLater;
    return g("members.category", "probationary") + t.fullLater;
  }
  if (figure == "members.by_status") {
    if (cell == "lost") return g("members.lost", "1") - t.lostLater;
    if (cell == "mobile") return mobileToday(c, q).outflowMembers;
    return g("members.standing", cell);
  }
  if (figure == "members.by_education") {
    if (cell == "unknown") return g("members.education", "");
    if (cell != "other") return g("members.education", cell);
    int64_t n = 0;
    auto m = t.counts.find("members.education");
    if (m != t.counts.end())
      for (auto& [k, v] : m->second)
        if (!k.empty() && std::find(educations().begin(), educations().end(), k) == educations().end()) n += v;
    return n;
  }
  return g("members.decade", cell);  // by_joining_decade: the cell keys are the decade keys
}

// The age bands as of today from 'members.birth' (k = the birth month, migration 0016). A band
// edge "born on or before X" splits only X's month: every other month lies wholly inside one band
// and is read from the roll-ups; the edge months (one per edge, a few dozen members each) are
// counted from the members born in them (index members_birth) that are placed in the subtree.
figures::Figure rolledAge(figures::Figure f) {
  auto baseCells = f.cells;
  f.cells = [baseCells](store::Connection& c, const Query& q) {
    if (!rolledToday(q)) return baseCells(c, q);
    auto bands = ageBands(c, q.asOf());
    std::vector<figures::Cell> out;
    for (auto& b : bands) out.push_back({b.key, b.label, 0, std::nullopt});
    std::set<std::string> edges;  // 'YYYY-MM'
    for (auto& b : bands)
      for (auto* x : {&b.after, &b.by})
        if (!x->empty()) edges.insert(x->substr(0, 7));
    // Where a birth date (or a whole month, compared by its 'YYYY-MM' prefix) falls.
    auto bandOf = [&](const std::string& born) -> size_t {
      for (size_t i = 0; i < bands.size(); ++i) {
        auto& b = bands[i];
        if (b.unknown) continue;
        bool afterOk = b.after.empty() || born > b.after.substr(0, born.size());
        bool byOk = b.by.empty() || born <= b.by.substr(0, born.size());
        if (afterOk && byOk) return i;
      }
      return bands.size() - 1;
    };
    rollup::Counts counts = rollup::subtree(c, q.scope, {"members.birth"});
    correctForDates(c, q, counts);
    for (auto& [k, n] : counts["members.birth"]) {
      if (k.empty()) out.back().count += n;
      else if (!edges.count(k)) out[bandOf(k)].count += n;
    }
    for (auto& month : edges) {
      Date first{std::stoi(month.substr(0, 4)), std::stoi(month.substr(5, 2)), 1};
      std::map<int64_t, std::string> born;
      std::vector<int64_t> ids;
      for (auto row : c.query("SELECT id, birth_date FROM members WHERE birth_date >= ? AND birth_date < ?",
                              {first.iso(), addMonths(first, 1).iso()})) {
        born[row.i64(0)] = row.text(1);
        ids.push_back(row.i64(0));
      }
      for (int64_t id : placedRows(c, q, ids)) ++out[bandOf(born[id])].count;
    }
    return out;
  };
  return f;
}

// A figure whose cells as of today come from the roll-ups; other dates from the base tables.
figures::Figure rolled(figures::Figure f, std::function<std::vector<SqlCell>(store::Connection&, const Query&)> defs,
                       bool dropEmpty) {
  auto baseCells = f.cells;
  std::string key = f.key;
  f.cells = [baseCells, defs, dropEmpty, key](store::Connection& c, const Query& q) {
    if (!rolledToday(q)) return baseCells(c, q);
    Today t = todayCounts(c, q, key);
    std::vector<figures::Cell> out;
    for (auto& d : defs(c, q)) {
      figures::Cell cell{d.key, d.label, rolledCount(key, d.key, t, c, q), std::nullopt};
      cell.rateOf = d.rateOf;
      if (dropEmpty && cell.count == 0) continue;
      out.push_back(std::move(cell));
    }
    return out;
  };
  return f;
}

}  // namespace

std::string placedOn(const Query& q, Params& p) {
  std::string d = q.asOf().iso();
  p.emplace_back(d);
  p.emplace_back(d);
  return " JOIN member_placements pl ON pl.member_id = m.id AND pl.from_date <= ? AND (pl.to_date IS NULL OR "
         "pl.to_date > ?) JOIN orgs o ON o.id = pl.org_id AND " +
         q.scope.where("o.path", p);
}

void registerFigures() {
  settings::define({"figures.age_bands", "统计年龄段",
                    "党员年龄段统计的分段上限（岁），用逗号分隔，如“30,40,50,60,70”表示≤30、31–40……>70",
                    settings::Type::Text, "30,40,50,60,70"});
  registerRollup();

  using Defs = std::function<std::vector<SqlCell>(store::Connection&, const Query&)>;

  Defs byCategory = [](store::Connection&, const Query& q) {
    std::string d = q.asOf().iso();
    return std::vector<SqlCell>{{"full", "正式党员", kFullOn, {d}},
                                {"probationary", "预备党员", std::string("NOT ") + kFullOn, {d}}};
  };
  figures::define(rolled(figures::sqlFigure("members.by_category", kGroup, "按党员类别", 100, spec(byCategory)),
                         byCategory, false));

  Defs byStatus = [](store::Connection&, const Query& q) {
    std::string d = q.asOf().iso();
    return std::vector<SqlCell>{
        {"normal", "正常", "m.standing = 'normal'", {}},
        {"suspended", "停止党籍", "m.standing = 'suspended'", {}},
        {"lost", "失去联系", "(m.lost_contact = 1 AND (m.lost_on IS NULL OR m.lost_on <= ?))", {d}},
        {"mobile", "流动党员",
         "EXISTS (SELECT 1 FROM mobility_records r WHERE r.member_id = m.id AND r.direction = 'outflow' AND "
         "r.since_date <= ? AND (r.until_date IS NULL OR r.until_date > ?))",
         {d, d}}};
  };
  figures::define(rolled(
      figures::sqlFigure("members.by_status", kGroup, "按党员状态", 110, spec(byStatus, false, false)), byStatus,
      false));

  figures::define(rolledAge(figures::sqlFigure("members.by_age", kGroup, "按年龄段", 120, spec(ageCells))));

  Defs byEducation = [](store::Connection&, const Query&) {
    std::vector<SqlCell> v;
    std::string known;
    Params kp;
    for (auto& e : educations()) {
      v.push_back({e, e, "m.education = ?", {e}});
      known += known.empty() ? "?" : ", ?";
      kp.emplace_back(e);
    }
    v.push_back({"other", "其他",
                 "(m.education IS NOT NULL AND m.education <> '' AND m.education NOT IN (" + known + "))", kp});
    v.push_back({"unknown", "未填写", "(m.education IS NULL OR m.education = '')", {}});
    return v;
  };
  figures::define(rolled(figures::sqlFigure("members.by_education", kGroup, "按学历", 130, spec(byEducation)),
                         byEducation, false));

  Defs byDecade = [](store::Connection&, const Query& q) {
    std::vector<SqlCell> v;
    v.push_back({"before1950", "1950年以前", "m.joined_on < ?", {std::string("1950-01-01")}});
    for (int y = 1950; y <= q.asOf().year; y += 10) {
      std::string a = std::to_string(y) + "-01-01";
      std::string b = std::to_string(y + 10) + "-01-01";
      v.push_back({std::to_string(y) + "s", std::to_string(y) + "–" + std::to_string(y + 9) + "年",
                   "(m.joined_on >= ? AND m.joined_on < ?)", {a, b}});
    }
    v.push_back({"unknown", "入党日期不详", "m.joined_on IS NULL", {}});
    return v;
  };
  figures::define(rolled(figures::sqlFigure("members.by_joining_decade", kGroup, "按入党时间", 140,
                                            spec(byDecade, true)),
                         byDecade, true));
}

void registerRollup() {
  rollup::define({"members",
                  "SELECT pl.org_id, km.metric, km.k, COUNT(*) FROM member_placements pl JOIN rollup_member_keys km ON "
                  "km.member_id = pl.member_id WHERE pl.to_date IS NULL AND km.metric LIKE 'members.%' GROUP BY pl.org_id, "
                  "km.metric, km.k"});  // the view also carries the mobility keys: source "mobile"
}

}  // namespace zg::members
