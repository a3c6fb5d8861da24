#include "modules/dashboard/dashboard.h"

#include <cstdlib>
#include <map>

#include "core/error.h"
#include "modules/grid/coverage.h"
#include "modules/grid/grid.h"
#include "platform/json.h"
#include "platform/rollup_months.h"

namespace zg::dashboard {

namespace bj = boost::json;
using store::Connection;
using store::Params;

namespace {

// The KPI cards: which figure's cell each one is (the page links it to that cell's records).
struct Kpi {
  const char* name;    // the card's key in the JSON
  const char* figure;  // figures registry key
  const char* cell;    // that figure's cell
};
constexpr Kpi kKpis[] = {
    {"households", "grid.coverage", "households"}, {"key", "grid.coverage", "key"},
    {"withContact", "grid.coverage", "with_contact"}, {"keyVisited", "grid.coverage", "key_visited"},
    {"visits", "grid.visits", "all"},              {"received", "problems.flow", "received"},
    {"answered", "problems.flow", "answered"},     {"overdue", "problems.flow", "overdue"},
    {"answerDays", "problems.flow", "answer_days"}, {"content", "problems.flow", "content"},
};

bool isCommunityType(const std::optional<std::string>& t) { return t && (*t == "community" || *t == "village"); }

// A community (not a village inside a community…): its children on the chart are its areas.
bool isCommunity(Connection& c, const orgs::Org& o) {
  if (!isCommunityType(o.branchType) || !o.parentId) return false;
  auto parent = orgs::find(c, Scope::all(), *o.parentId);
  return !parent || !isCommunityType(parent->branchType);
}

bj::object childJson(const std::string& type, int64_t id, const std::string& name, const grid::Coverage& v) {
  auto pm = figures::permille(v.households - v.noContact, v.households);
  auto kpm = figures::permille(v.key - v.keyUnvisited, v.key);
  return {{"type", type},
          {"id", id},
          {"name", name},
          {"households", v.households},
          {"withContact", v.households - v.noContact},
          {"permille", pm ? bj::value(*pm) : bj::value(nullptr)},
          {"key", v.key},
          {"keyVisited", v.key - v.keyUnvisited},
          {"keyPermille", kpm ? bj::value(*kpm) : bj::value(nullptr)}};
}

// Coverage by child as of `asOf`: a community's areas, else the organization's direct children
// that hold a community (each the roll-up of the communities below it), in tree order.
bj::array children(Connection& c, const orgs::Org& o, const Date& asOf) {
  grid::Place pl{Scope(o.path), std::nullopt, std::nullopt};
  bj::array out;
  if (isCommunity(c, o)) {
    auto by = grid::coverageBy(c, pl, asOf, "area", grid::householdKinds());
    for (auto a : c.query("SELECT id, name FROM grid_areas WHERE org_id = ? ORDER BY name, id", {o.id}))
      out.push_back(childJson("area", a.i64(0), a.text(1), by[a.i64(0)]));
    return out;
  }
  auto by = grid::coverageBy(c, pl, asOf, "org", grid::householdKinds());
  std::vector<std::pair<std::string, int64_t>> paths;  // community path → its id in `by`
  if (!by.empty()) {
    std::string in;
    Params ip;
    for (auto& [id, v] : by) {
      in += in.empty() ? "?" : ",?";
      ip.emplace_back(id);
    }
    for (auto r : c.query("SELECT path, id FROM orgs WHERE id IN (" + in + ")", ip)) paths.emplace_back(r.text(0), r.i64(1));
  }
  Params cp{o.id};
  std::string cw = pl.scope.where("x.path", cp);
  for (auto ch : c.query("SELECT o.id, o.name, o.path FROM orgs o WHERE o.parent_id = ? AND o.dissolved_on IS NULL AND "
                         "EXISTS (SELECT 1 FROM orgs x WHERE x.branch_type IN ('community', 'village') AND x.path >= "
                         "o.path AND x.path < (substr(o.path, 1, length(o.path) - 1) || '0') AND " + cw +
                         ") ORDER BY o.path",
                         cp)) {
    grid::Coverage v;
    std::string path = ch.text(2);
    for (auto& [p, id] : paths)
      if (p.rfind(path, 0) == 0) v += by[id];
    out.push_back(childJson("org", ch.i64(0), ch.text(1), v));
  }
  return out;
}

std::string monthOf(const Date& d) {
  std::string s = d.iso();
  return s.substr(0, 7);
}

// Visits, problems received and problems answered per month ("2026-03") of the period, every
// month present (0 when none). The same rows as grid.visits·all, problems.flow·received and
// ·answered (answered on or before asOf, grouped by the month answered), so each series adds up
// to its card. Whole months come from the roll-ups (docs/rollup.md); the partial edge months of a
// custom period, and the answers dated after asOf in asOf's month, from the base rows.
bj::array months(Connection& c, const figures::Query& q) {
  std::map<std::string, std::array<int64_t, 3>> m;
  for (Date d{q.from.year, q.from.month, 1}; d < q.to; d = addMonths(d, 1)) m[monthOf(d)] = {0, 0, 0};
  std::string asOf = q.asOf().iso();
  auto add = [&](int idx, const std::string& sql, Params p, int sign) {
    for (auto r : c.query(sql, p)) m[r.text(0)][idx] += sign * r.i64(1);
  };
  // From the base rows: visits and problems received in [from, to) (answered ones on or before asOf).
  auto baseRows = [&](const Date& from, const Date& to) {
    {
      Params p;
      std::string w = q.scope.where("o.path", p);
      p.emplace_back(from.iso());
      p.emplace_back(to.iso());
      add(0,
          "SELECT substr(v.visited_on, 1, 7), COUNT(*) FROM visit_logs v JOIN orgs o ON o.id = v.org_id JOIN households "
          "h ON h.id = v.household_id WHERE " + w + " AND v.visited_on >= ? AND v.visited_on < ? GROUP BY 1",
          p, 1);
    }
    Params p;
    std::string w = q.scope.where("o.path", p);
    p.emplace_back(from.iso());
    p.emplace_back(to.iso());
    std::string base = " FROM resident_problems p JOIN orgs o ON o.id = p.org_id WHERE " + w +
                       " AND p.received_on >= ? AND p.received_on < ?";
    add(1, "SELECT substr(p.received_on, 1, 7), COUNT(*)" + base + " GROUP BY 1", p, 1);
    p.emplace_back(asOf);
    add(2,
        "SELECT substr(p.answered_on, 1, 7), COUNT(*)" + base +
            " AND p.answered_on IS NOT NULL AND p.answered_on <= ? GROUP BY 1",
        p, 1);
  };
  if (!rollup::enabled()) {
    baseRows(q.from, q.to);
  } else {
    rollup::Months span = rollup::monthsOf(q.from, q.to);
    for (auto& [from, to] : span.edges) baseRows(from, to);
    if (span.first < span.last) {
      std::string asOfMonth = asOf.substr(0, 7);
      auto counts = rollup::subtree(c, q.scope, {"visits.month", "problems.month", "problems.answered"}, span.first,
                                    span.last);
      for (auto& [k, n] : counts["visits.month"]) {
        auto [month, what] = rollup::splitKey(k);
        if (what != "problems") m[month][0] += n;
      }
      for (auto& [k, n] : counts["problems.month"]) {
        auto [month, what] = rollup::splitKey(k);
        if (what == "received") m[month][1] += n;
      }
      for (auto& [k, n] : counts["problems.answered"]) {
        auto answered = rollup::splitKey(k).second;
        if (answered <= asOfMonth) m[answered][2] += n;
      }
      // Answered after asOf within asOf's month (none when asOf is today or a month's last day).
      Params p;
      std::string w = q.scope.where("o.path", p);
      p.emplace_back(asOf);
      p.emplace_back(addMonths(Date{q.asOf().year, q.asOf().month, 1}, 1).iso());
      p.emplace_back(span.first + "-01");
      p.emplace_back(span.last + "-01");
      add(2,
          "SELECT substr(p.answered_on, 1, 7), COUNT(*) FROM resident_problems p JOIN orgs o ON o.id = p.org_id WHERE " +
              w + " AND p.answered_on > ? AND p.answered_on < ? AND p.received_on >= ? AND p.received_on < ? GROUP BY 1",
          p, -1);
    }
  }
  bj::array out;
  for (auto& [month, v] : m)
    out.push_back({{"month", month}, {"visits", v[0]}, {"received", v[1]}, {"answered", v[2]}});
  return out;
}

int64_t countOf(const std::vector<figures::Cell>& cells, const std::string& key) {
  for (auto& x : cells)
    if (x.key == key) return x.count;
  return 0;
}

}  // namespace

bj::object grid(Connection& c, const orgs::Org& org, const figures::Period& period) {
  figures::Query q;
  q.orgId = org.id;
  q.orgPath = org.path;
  q.scope = Scope(org.path);
  q.from = period.from;
  q.to = period.to;
  std::map<std::string, std::vector<figures::Cell>> cells;
  for (auto& k : kKpis)
    if (!cells.count(k.figure))
      // grid.coverage: only the household kinds the cards show (not the contact members' ones).
      cells[k.figure] = std::string(k.figure) == "grid.coverage" ? grid::coverageCells(c, q, grid::householdKinds())
                                                                  : figures::find(k.figure).cells(c, q);
  bj::object kpis;
  for (auto& k : kKpis) {
    auto& cs = cells[k.figure];
    const figures::Cell* cell = nullptr;
    for (auto& x : cs)
      if (x.key == k.cell) cell = &x;
    if (!cell) throw Error::internal(std::string("dashboard: no cell ") + k.figure + "·" + k.cell);
    bj::object o = figures::cellJson(*cell, cs);
    o["figure"] = k.figure;
    kpis[k.name] = std::move(o);
  }
  auto& pf = cells["problems.flow"];
  bool community = isCommunity(c, org);
  return {{"org", {{"id", org.id}, {"name", org.name}, {"type", community ? "community" : "org"}}},
          {"period",
           {{"kind", period.kind},
            {"from", period.from.iso()},
            {"to", period.to.iso()},
            {"asOf", q.asOf().iso()},
            {"label", period.label}}},
          {"kpis", std::move(kpis)},
          {"children", children(c, org, q.asOf())},
          {"months", months(c, q)},
          {"satisfaction",
           {{"satisfied", countOf(pf, "satisfied")},
            {"basic", countOf(pf, "basic")},
            {"unsatisfied", countOf(pf, "unsatisfied")}}}};
}

void registerRoutes(platform::Api& api) {
  api.get("/api/dashboard/grid", auth::Permission::MemberRead,
          [](http::Request& req, const auth::Context& ctx, Connection& c) {
            int64_t id = ctx.user.orgId;
            if (auto v = req.q("orgId"); v && !v->empty()) {
              char* end = nullptr;
              long long n = std::strtoll(v->c_str(), &end, 10);
              if (*end != '\0' || n <= 0) throw Error::invalid("orgId", "组织编号无效");
              id = n;
            }
            orgs::Org org = orgs::require(c, ctx.scope, id);
            figures::Period period = figures::parsePeriod(req);
            return json::ok(grid(c, org, period));
          });
}

}  // namespace zg::dashboard
