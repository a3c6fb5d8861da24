#include "platform/rollup.h"

#include "platform/rollup_months.h"

#include <atomic>
#include <memory>
#include <cstdlib>
#include <mutex>
#include <set>
#include <tuple>

namespace zg::rollup {

namespace {

std::mutex& mu() {
  static std::mutex m;
  return m;
}
std::vector<Source>& sources() {
  static std::vector<Source> v;
  return v;
}
std::atomic<bool>& flag() {
  static std::atomic<bool> on{[] {
    const char* v = std::getenv("ZUGONG_ROLLUP");
    return !(v && std::string(v) == "off");
  }()};
  return on;
}
std::vector<Source> snapshot() {
  std::lock_guard<std::mutex> l(mu());
  return sources();
}

using Key = std::tuple<int64_t, std::string, std::string>;

}  // namespace

void define(Source s) {
  std::lock_guard<std::mutex> l(mu());
  for (auto& x : sources())
    if (x.name == s.name) {
      x = std::move(s);
      return;
    }
  sources().push_back(std::move(s));
}

bool enabled() { return flag().load(); }
void setEnabled(bool on) { flag().store(on); }

namespace {

// "SELECT <cols> FROM orgs o JOIN org_counts oc … WHERE <subtree> [AND k range] GROUP BY <cols>".
store::Result sumRows(store::Connection& c, const Scope& scope, const std::vector<std::string>& metrics,
                    const std::string& cols, const std::string* kFrom, const std::string* kTo) {
  store::Params p;
  std::string in;
  for (auto& m : metrics) {
    in += in.empty() ? "?" : ", ?";
    p.emplace_back(m);
  }
  std::string range;
  if (kFrom && kTo) {
    range = " AND oc.k >= ? AND oc.k < ?";
    p.emplace_back(*kFrom);
    p.emplace_back(*kTo);
  }
  std::string w = scope.where("o.path", p);
  return c.query("SELECT " + cols + ", SUM(oc.n) FROM orgs o JOIN org_counts oc ON oc.org_id = o.id AND oc.metric IN (" +
                     in + ")" + range + " WHERE " + w + " GROUP BY " + cols,
                 p);
}

}  // namespace

Counts subtree(store::Connection& c, const Scope& scope, const std::vector<std::string>& metrics) {
  Counts out;
  if (metrics.empty()) return out;
  for (auto row : sumRows(c, scope, metrics, "oc.metric, oc.k", nullptr, nullptr)) out[row.text(0)][row.text(1)] = row.i64(2);
  return out;
}

Counts subtree(store::Connection& c, const Scope& scope, const std::vector<std::string>& metrics,
               const std::string& kFrom, const std::string& kTo) {
  Counts out;
  if (metrics.empty() || kFrom >= kTo) return out;
  for (auto row : sumRows(c, scope, metrics, "oc.metric, oc.k", &kFrom, &kTo)) out[row.text(0)][row.text(1)] = row.i64(2);
  return out;
}

std::map<int64_t, Counts> byOrg(store::Connection& c, const Scope& scope, const std::vector<std::string>& metrics) {
  std::map<int64_t, Counts> out;
  if (metrics.empty()) return out;
  for (auto row : sumRows(c, scope, metrics, "oc.org_id, oc.metric, oc.k", nullptr, nullptr))
    out[row.i64(0)][row.text(1)][row.text(2)] = row.i64(3);
  return out;
}

std::string monthKey(const Date& d) { return d.iso().substr(0, 7); }

Months monthsOf(const Date& from, const Date& to) {
  Months m;
  if (!(from < to)) return m;
  Date first = from.day == 1 ? from : addMonths(Date{from.year, from.month, 1}, 1);
  Date last{to.year, to.month, 1};  // the first day of to's month: whole months end there
  if (!(first < last)) {            // no whole month inside: one partial range
    m.edges.push_back({from, to});
    return m;
  }
  m.first = monthKey(first);
  m.last = monthKey(last);
  if (from < first) m.edges.push_back({from, first});
  if (last < to) m.edges.push_back({last, to});
  return m;
}

std::pair<std::string, std::string> splitKey(const std::string& k) {
  auto i = k.find('|');
  if (i == std::string::npos) return {k, ""};
  return {k.substr(0, i), k.substr(i + 1)};
}

int64_t get(const Counts& counts, const std::string& metric, const std::string& key) {
  auto m = counts.find(metric);
  if (m == counts.end()) return 0;
  auto k = m->second.find(key);
  return k == m->second.end() ? 0 : k->second;
}

figures::Figure flowFigure(std::string key, std::string group, std::string title, int order, figures::SqlSpec spec,
                           MonthCells fromMonths) {
  auto sp = std::make_shared<figures::SqlSpec>(spec);
  figures::Figure f = figures::sqlFigure(std::move(key), std::move(group), std::move(title), order, std::move(spec));
  auto baseCells = f.cells;
  f.cells = [sp, baseCells, fromMonths](store::Connection& c, const figures::Query& q) {
    if (!enabled()) return baseCells(c, q);
    std::vector<figures::SqlCell> defs = sp->cells(c, q);  // built for the whole period (its asOf)
    Months m = monthsOf(q.from, q.to);
    std::map<std::string, Tally> t;
    if (m.first < m.last) t = fromMonths(c, q, m);
    for (auto& [from, to] : m.edges) {
      figures::Query e = q;
      e.from = from;
      e.to = to;
      store::Params p;
      std::string sel;
      for (auto& d : defs) {
        sel += std::string(sel.empty() ? "" : ", ") + "COALESCE(SUM(CASE WHEN " + d.condition + " THEN 1 ELSE 0 END), 0)";
        p.insert(p.end(), d.params.begin(), d.params.end());
        if (d.mean.empty()) continue;
        sel += ", COALESCE(SUM(CASE WHEN " + d.condition + " THEN " + d.mean + " ELSE 0 END), 0)";
        p.insert(p.end(), d.params.begin(), d.params.end());
      }
      std::string from_ = sp->base(e, p);
      auto r = c.query("SELECT " + sel + " " + from_, p);
      size_t i = 0;
      for (auto& d : defs) {
        t[d.key].count += r.empty() ? 0 : r.front().i64(i);
        ++i;
        if (d.mean.empty()) continue;
        t[d.key].sum += r.empty() ? 0 : r.front().i64(i);
        ++i;
      }
    }
    std::vector<figures::Cell> out;
    for (auto& d : defs) {
      figures::Cell cell{d.key, d.label, t[d.key].count, std::nullopt};
      cell.rateOf = d.rateOf;
      if (!d.mean.empty()) {
        cell.sum = t[d.key].sum;
        cell.unit = d.unit;
      }
      if (sp->dropEmpty && cell.count == 0) continue;
      out.push_back(std::move(cell));
    }
    return out;
  };
  return f;
}

PausedTriggers::PausedTriggers(store::Connection& c, std::string table, std::string keysView)
    : c_(c), table_(std::move(table)), view_(std::move(keysView)) {
  if (c_.dialect() != store::Dialect::Sqlite) return;
  auto m = c_.scalar("SELECT COALESCE(MAX(id), 0) FROM " + table_);
  maxId_ = m ? m->asInt() : 0;
  for (auto r : c_.query("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND name LIKE "
                         "'rollup\\_%' ESCAPE '\\'",
                         {table_})) {
    triggers_.push_back(r.text(1));
    c_.exec("DROP TRIGGER " + r.text(0));
  }
}

void PausedTriggers::finish() {
  if (c_.dialect() != store::Dialect::Sqlite) return;
  for (auto& t : triggers_) c_.exec(t);
  triggers_.clear();
  c_.exec("INSERT INTO org_counts(org_id, metric, k, n) SELECT org_id, metric, k, SUM(n) FROM " + view_ +
              " WHERE id > ? GROUP BY org_id, metric, k ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + excluded.n",
          {maxId_});
}

std::vector<Difference> check(store::Connection& c) {
  std::map<Key, int64_t> stored, counted;
  for (auto row : c.query("SELECT org_id, metric, k, n FROM org_counts WHERE n <> 0"))
    stored[{row.i64(0), row.text(1), row.text(2)}] = row.i64(3);
  for (auto& s : snapshot())
    for (auto row : c.query(s.recount))
      if (row.i64(3) != 0) counted[{row.i64(0), row.text(1), row.text(2)}] += row.i64(3);
  std::set<Key> keys;
  for (auto& [k, _] : stored) keys.insert(k);
  for (auto& [k, _] : counted) keys.insert(k);
  std::vector<Difference> out;
  for (auto& k : keys) {
    int64_t a = stored.count(k) ? stored[k] : 0, b = counted.count(k) ? counted[k] : 0;
    if (a != b) out.push_back({std::get<0>(k), std::get<1>(k), std::get<2>(k), a, b});
  }
  return out;
}

int64_t rebuild(store::Connection& c) {
  int64_t n = 0;
  c.exec("DELETE FROM org_counts");
  for (auto& s : snapshot()) n += c.exec("INSERT INTO org_counts(org_id, metric, k, n) " + s.recount);
  return n;
}

}  // namespace zg::rollup
