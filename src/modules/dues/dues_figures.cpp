// Figures 统计 of party dues 党费: collected (payments dated inside the period, on the books of
// the branch where they were paid — dues_payments.org_path) and owed (members who, as of the
// period's last day, have obliged months unpaid — the rule of GET /api/dues/arrears — and those
// with dues.flag_months consecutive unpaid months without a recorded reason).
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "modules/dues/dues.h"
#include "modules/members/members.h"
#include "platform/rollup.h"
#include "platform/rollup_range.h"

namespace zg::dues {

namespace {

using figures::Query;
using figures::SqlCell;
using store::Params;

constexpr const char* kGroup = "党费";

struct Owing {
  int64_t id = 0;
  std::string name, orgName, firstMonth;
  int64_t months = 0, owedFen = 0;
  bool flagged = false;
};

// The ledger of the members placed in the subtree on asOf (and active, currently within the scope:
// the set load() gives), batch by batch: only the columns stateOf needs, payments made after
// asOf or for months after the last counted one left out in SQL. Each batch is released before
// the next, so memory stays bounded by the batch, not by the subtree's members (load() keeps every
// member's whole books — names, methods, notes — at once: ~65 MB at the demo district's root).
constexpr size_t kLedgerBatch = 1000;

template <class Fn>
void eachLedger(store::Connection& c, const Query& q, Month upTo, Fn&& fn) {
  Params p;
  // One statement each: the parameters are pushed in the order of the placeholders.
  std::string sql = "SELECT m.id, m.name, o.name, m.joined_on FROM members m" + members::placedOn(q, p);
  sql += " WHERE m.active = 1 AND " + q.scope.where("m.org_path", p) + " ORDER BY m.id";
  struct Placed {
    std::string name, orgName;
    std::optional<Month> start;
  };
  std::map<int64_t, Placed> placed;  // several placements on asOf: the last one's organization (as before)
  for (auto row : c.query(sql, p)) {
    Placed& x = placed[row.i64(0)];
    x.name = row.text(1);
    x.orgName = row.text(2);
    x.start.reset();
    if (auto j = row.optText(3))
      if (auto dt = parseDate(*j)) x.start = monthOf(*dt);
  }
  std::string asOf = q.asOf().iso(), last = monthText(upTo);
  for (auto it = placed.begin(); it != placed.end();) {
    std::vector<int64_t> ids;
    std::map<int64_t, MemberDues> books;
    Params in;
    std::string list;
    for (; it != placed.end() && ids.size() < kLedgerBatch; ++it) {
      ids.push_back(it->first);
      in.emplace_back(it->first);
      list += list.empty() ? "?" : ", ?";
      MemberDues& m = books[it->first];
      m.id = it->first;
      m.start = it->second.start;
    }
    for (auto row : c.query("SELECT member_id, kind, base_fen, amount_fen, from_month, to_month FROM dues_bases "
                            "WHERE member_id IN (" + list + ") ORDER BY member_id, from_month, id",
                            in)) {
      auto from = parseMonth(row.text(4));
      if (!from) continue;
      std::optional<Month> to;
      if (auto t = row.optText(5)) to = parseMonth(*t);
      books[row.i64(0)].bases.push_back({0, Base{row.text(1), row.i64(2), row.i64(3)}, *from, to, ""});
    }
    Params pp = in;
    pp.emplace_back(asOf);
    pp.emplace_back(last);
    for (auto row : c.query("SELECT member_id, month, amount_fen FROM dues_payments WHERE member_id IN (" + list +
                                ") AND paid_on <= ? AND month <= ?",
                            pp))
      if (auto month = parseMonth(row.text(1))) books[row.i64(0)].payments[*month] = {0, row.i64(2), "", "", "", ""};
    for (auto row : c.query("SELECT member_id, from_month, to_month FROM dues_exemptions WHERE member_id IN (" + list + ")",
                            in)) {
      auto a = parseMonth(row.text(1)), b = parseMonth(row.text(2));
      if (a && b) books[row.i64(0)].exemptions.emplace_back(*a, *b);
    }
    for (auto& [id, m] : books) {
      const Placed& x = placed.at(id);
      fn(m, x.name, x.orgName);
    }
  }
}

// Members placed in the subtree on asOf who owe, payments made after asOf left out (as the
// books stood that day). Months counted: the obliged ones before asOf's month and before the
// current month — a month is still payable while it lasts (the rule of GET /api/dues/flagged).
std::vector<Owing> owing(store::Connection& c, const Query& q) {
  Rules r = rules(c);
  Month now = monthOf(today());
  Month upTo = std::min(monthOf(q.asOf()), now) - 1;
  std::vector<Owing> out;
  eachLedger(c, q, upTo, [&](const MemberDues& m, const std::string& name, const std::string& orgName) {
    if (m.bases.empty()) return;
    Month from = m.bases.front().from;
    for (auto& b : m.bases) from = std::min(from, b.from);
    if (m.start) from = std::max(from, *m.start);
    Owing o{m.id, name, orgName, "", 0, 0, false};
    std::vector<MonthState> ledger;
    for (Month x = from; x <= upTo; ++x) {
      MonthState s = stateOf(r, m, x);
      ledger.push_back(s);
      if (s.obliged && !s.paid) {
        if (o.months == 0) o.firstMonth = monthText(x);
        ++o.months;
        o.owedFen += s.dueFen;
      }
    }
    if (o.months == 0) return;
    o.flagged = trailingUnpaid(ledger) >= r.flagMonths;
    out.push_back(std::move(o));
  });
  std::sort(out.begin(), out.end(), [](const Owing& a, const Owing& b) {
    return a.orgName != b.orgName ? a.orgName < b.orgName : a.id < b.id;
  });
  return out;
}

bool inCell(const Owing& o, const std::string& cell) { return cell == "owing" || (cell == "flagged" && o.flagged); }

// The cells of dues.collected: a payment is for the month it is paid in, an earlier month or a
// later one (the key of its roll-up metric, migration 0016).
std::vector<SqlCell> collectedCells() {
  return {{"all", "已收缴", "1 = 1", {}},
          {"current", "当月交纳", "d.month = substr(d.paid_on, 1, 7)", {}},
          {"back", "补交往月", "d.month < substr(d.paid_on, 1, 7)", {}},
          {"advance", "预交", "d.month > substr(d.paid_on, 1, 7)", {}}};
}

// Live roll-ups (docs/rollup.md): the whole months of the period come from org_counts
// ('dues.paid.current|back|advance' and their '.fen' sums, keyed by the month of the payment date,
// kept by triggers on dues_payments); only the partial months at the period's edges count the
// payments themselves (the base set of the records, through the index dues_payments_books).
figures::Figure rolledCollected(figures::Figure f) {
  auto baseCells = f.cells;
  f.cells = [baseCells](store::Connection& c, const Query& q) {
    if (!rollup::enabled()) return baseCells(c, q);
    Date a = q.from.day == 1 ? q.from : addMonths(Date{q.from.year, q.from.month, 1}, 1);  // first whole month
    Date b{q.to.year, q.to.month, 1};  // end of the last whole month
    if (!(a < b)) return baseCells(c, q);  // no whole month: the payments of a few days
    std::vector<figures::Cell> out;
    for (auto& d : collectedCells()) out.push_back({d.key, d.label, 0, 0});
    auto add = [&](const std::string& key, int64_t count, int64_t fen) {
      for (auto& cell : out)
        if (cell.key == key || cell.key == "all") {
          cell.count += count;
          *cell.amountFen += fen;
        }
    };
    std::vector<std::string> metrics;
    for (const char* k : {"current", "back", "advance"}) {
      metrics.push_back(std::string("dues.paid.") + k);
      metrics.push_back(std::string("dues.paid.") + k + ".fen");
    }
    auto counts = rollup::subtreeRange(c, q.scope, metrics, monthText(monthOf(a)), monthText(monthOf(b)));
    for (const char* k : {"current", "back", "advance"}) {
      std::string m = std::string("dues.paid.") + k;
      int64_t n = 0, fen = 0;
      if (auto it = counts.find(m); it != counts.end())
        for (auto& [_, v] : it->second) n += v;
      if (auto it = counts.find(m + ".fen"); it != counts.end())
        for (auto& [_, v] : it->second) fen += v;
      add(k, n, fen);
    }
    auto edge = [&](const Date& from, const Date& to) {
      if (!(from < to)) return;
      Query e = q;
      e.from = from;
      e.to = to;
      for (auto& cell : baseCells(c, e))
        if (cell.key != "all") add(cell.key, cell.count, cell.amountFen.value_or(0));
    };
    edge(q.from, a);
    edge(b, q.to);
    return out;
  };
  return f;
}

}  // namespace

void registerFigures() {
  figures::SqlSpec s;
  s.base = [](const Query& q, Params& p) {
    std::string w = q.scope.where("d.org_path", p);
    p.emplace_back(q.from.iso());
    p.emplace_back(q.to.iso());
    // No joins: counts and sums come from the index dues_payments_books (migration 0010); the
    // records look up names one row at a time.
    return "FROM dues_payments d WHERE " + w + " AND d.paid_on >= ? AND d.paid_on < ?";
  };
  s.cells = [](store::Connection&, const Query&) { return collectedCells(); };
  s.select = [](const Query&, Params&) {
    return std::string(
        "d.id, (SELECT m.name FROM members m WHERE m.id = d.member_id), (SELECT o.name FROM orgs o WHERE o.path = "
        "d.org_path), d.month, d.paid_on, d.amount_fen, d.method");
  };
  s.columns = {{"name", "姓名", ""},         {"orgName", "交纳时所在党组织", ""}, {"month", "所属月份", ""},
               {"paidOn", "交纳日期", ""},    {"amountFen", "金额（元）", "money"}, {"method", "交纳方式", ""}};
  s.orderBy = "d.paid_on, d.id";
  s.amount = "d.amount_fen";
  registerRollup();
  figures::define(rolledCollected(figures::sqlFigure("dues.collected", kGroup, "党费收缴", 300, std::move(s))));

  figures::Figure f;
  f.key = "dues.owed";
  f.group = kGroup;
  f.title = "欠交党费";
  f.order = 310;
  f.cells = [](store::Connection& c, const Query& q) {
    std::vector<figures::Cell> cells{{"owing", "欠交党员", 0, 0}, {"flagged", "", 0, 0}};
    cells[1].label = "连续" + std::to_string(rules(c).flagMonths) + "个月未交";
    for (auto& o : owing(c, q))
      for (auto& cell : cells)
        if (inCell(o, cell.key)) {
          ++cell.count;
          *cell.amountFen += o.owedFen;
        }
    return cells;
  };
  f.records = [](store::Connection& c, const Query& q, const std::string& cell, int64_t offset, int64_t limit) {
    if (cell != "owing" && cell != "flagged") throw Error::invalid("cell", "统计格不存在");
    figures::Records rec;
    rec.columns = {{"name", "姓名", ""},
                   {"orgName", "所在党组织", ""},
                   {"firstMonth", "最早欠交月份", ""},
                   {"monthsOwed", "欠交月数", ""},
                   {"owedFen", "欠交金额（元）", "money"}};
    rec.amountFen = 0;
    for (auto& o : owing(c, q)) {
      if (!inCell(o, cell)) continue;
      if (rec.total >= offset && (limit < 0 || rec.total < offset + limit))
        rec.rows.push_back({{"id", o.id},
                            {"name", o.name},
                            {"orgName", o.orgName},
                            {"firstMonth", o.firstMonth},
                            {"monthsOwed", o.months},
                            {"owedFen", o.owedFen}});
      ++rec.total;
      *rec.amountFen += o.owedFen;
    }
    return rec;
  };
  figures::define(std::move(f));
}

void registerRollup() {
  rollup::define({"dues", "SELECT org_id, metric, k, SUM(n) FROM rollup_dues_keys GROUP BY org_id, metric, k"});
}

}  // namespace zg::dues
