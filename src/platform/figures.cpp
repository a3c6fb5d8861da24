#include "platform/figures.h"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>

#include "core/error.h"
#include "platform/json.h"

namespace zg::figures {

namespace {
std::mutex& lock() {
  static std::mutex m;
  return m;
}
std::map<std::string, Figure>& registry() {
  static std::map<std::string, Figure> r;
  return r;
}
}  // namespace

std::optional<int64_t> permille(int64_t part, int64_t whole) {
  if (whole <= 0) return std::nullopt;
  part = std::clamp<int64_t>(part, 0, whole);
  return part * 1000 / whole;
}

std::string percentText(std::optional<int64_t> pm) {
  if (!pm) return "—";
  return std::to_string(*pm / 10) + "." + std::to_string(*pm % 10) + "%";
}

std::optional<int64_t> meanTenths(int64_t sum, int64_t count) {
  if (count <= 0) return std::nullopt;
  bool neg = sum < 0;
  int64_t a = neg ? -sum : sum;
  int64_t t = (a * 20 / count + 1) / 2;  // round half up (away from zero)
  return neg ? -t : t;
}

std::string tenthsText(std::optional<int64_t> t) {
  if (!t) return "—";
  int64_t a = *t < 0 ? -*t : *t;
  return (*t < 0 ? "-" : "") + std::to_string(a / 10) + "." + std::to_string(a % 10);
}

std::optional<int64_t> rateOfCell(const Cell& c, const std::vector<Cell>& cells) {
  if (c.rateOf.empty()) return std::nullopt;
  for (auto& w : cells)
    if (w.key == c.rateOf) return permille(c.count, w.count);
  return std::nullopt;
}

Date Query::asOf() const { return std::min(addDays(to, -1), today()); }

void define(Figure f) {
  std::lock_guard g(lock());
  registry()[f.key] = std::move(f);
}

std::vector<Figure> all() {
  std::vector<Figure> out;
  {
    std::lock_guard g(lock());
    for (auto& [k, f] : registry()) out.push_back(f);
  }
  std::stable_sort(out.begin(), out.end(), [](const Figure& a, const Figure& b) { return a.order < b.order; });
  return out;
}

Figure sqlFigure(std::string key, std::string group, std::string title, int order, SqlSpec spec) {
  auto sp = std::make_shared<SqlSpec>(std::move(spec));
  Figure f;
  f.key = std::move(key);
  f.group = std::move(group);
  f.title = std::move(title);
  f.order = order;
  f.partition = sp->partition;
  f.cells = [sp](store::Connection& c, const Query& q) {
    std::vector<SqlCell> defs = sp->cells(c, q);
    std::vector<Cell> out;
    if (defs.empty()) return out;
    store::Params p;
    std::string sel;
    for (auto& d : defs) {
      if (!sel.empty()) sel += ", ";
      sel += "COALESCE(SUM(CASE WHEN " + d.condition + " THEN 1 ELSE 0 END), 0)";
      p.insert(p.end(), d.params.begin(), d.params.end());
      if (!sp->amount.empty()) {
        sel += ", COALESCE(SUM(CASE WHEN " + d.condition + " THEN " + sp->amount + " ELSE 0 END), 0)";
        p.insert(p.end(), d.params.begin(), d.params.end());
      }
      if (!d.mean.empty()) {
        sel += ", COALESCE(SUM(CASE WHEN " + d.condition + " THEN " + d.mean + " ELSE 0 END), 0)";
        p.insert(p.end(), d.params.begin(), d.params.end());
      }
    }
    std::string base = sp->base(q, p);
    auto r = c.query("SELECT " + sel + " " + base, p);
    size_t i = 0;
    for (auto& d : defs) {
      Cell cell{d.key, d.label, r.empty() ? 0 : r.front().i64(i++), std::nullopt};
      if (!sp->amount.empty()) cell.amountFen = r.empty() ? 0 : r.front().i64(i++);
      if (!d.mean.empty()) {
        cell.sum = r.empty() ? 0 : r.front().i64(i++);
        cell.unit = d.unit;
      }
      cell.rateOf = d.rateOf;
      if (sp->dropEmpty && cell.count == 0) continue;
      out.push_back(std::move(cell));
    }
    return out;
  };
  f.records = [sp](store::Connection& c, const Query& q, const std::string& cellKey, int64_t offset, int64_t limit) {
    std::vector<SqlCell> defs = sp->cells(c, q);
    const SqlCell* d = nullptr;
    for (auto& x : defs)
      if (x.key == cellKey) d = &x;
    if (!d) throw Error::invalid("cell", "统计格不存在");
    Records rec;
    rec.columns = sp->columns;
    store::Params bp;
    std::string base = sp->base(q, bp);
    std::string where = " AND (" + d->condition + ")";
    bp.insert(bp.end(), d->params.begin(), d->params.end());
    std::string agg = "COUNT(*)";
    if (!sp->amount.empty()) agg += ", COALESCE(SUM(" + sp->amount + "), 0)";
    if (!d->mean.empty()) agg += ", COALESCE(SUM(" + d->mean + "), 0)";
    auto t = c.query("SELECT " + agg + " " + base + where, bp);
    rec.total = t.front().i64(0);
    if (!sp->amount.empty()) rec.amountFen = t.front().i64(1);
    if (!d->mean.empty()) {
      rec.sum = t.front().i64(sp->amount.empty() ? 1 : 2);
      rec.meanKey = d->meanColumn.key;
      rec.unit = d->unit;
      rec.columns.push_back(d->meanColumn);
    }
    store::Params p;
    std::string sel = sp->select(q, p);
    if (!d->mean.empty()) sel += ", " + d->mean;
    p.insert(p.end(), bp.begin(), bp.end());
    std::string sql = "SELECT " + sel + " " + base + where + " ORDER BY " + sp->orderBy;
    if (limit >= 0) {
      sql += " LIMIT ? OFFSET ?";
      p.emplace_back(limit);
      p.emplace_back(offset);
    }
    for (auto row : c.query(sql, p)) {
      boost::json::object o;
      o["id"] = json::fromValue(row[0]);
      for (size_t k = 0; k < rec.columns.size(); ++k) o[rec.columns[k].key] = json::fromValue(row[k + 1]);
      rec.rows.push_back(std::move(o));
    }
    return rec;
  };
  return f;
}

Figure find(const std::string& key) {
  std::lock_guard g(lock());
  auto it = registry().find(key);
  if (it == registry().end()) throw Error::notFound("统计项不存在");
  return it->second;
}

}  // namespace zg::figures
