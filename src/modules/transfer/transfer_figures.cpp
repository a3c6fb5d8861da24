// Figures 统计 of transfers: "transfer.flow" 转入转出 (completed transfers crossing the subtree's
// border, or inside it, completed in the period) and "transfer.open" 在途接转 (cases open on the
// period's last day, and those past their letter's deadline then). Cells and records come from
// the same condition (cellWhere), so a cell's count is its records' total.
#include <functional>

#include "core/error.h"
#include "modules/transfer/transfer.h"
#include "modules/transfer/transfer_internal.h"
#include "platform/figures.h"

namespace zg::transfer {

namespace bj = boost::json;
using store::Connection;
using store::Params;
using namespace detail;

namespace {

const char* kFrom =
    " FROM transfer_cases t LEFT JOIN orgs fo ON fo.id = t.from_org_id LEFT JOIN orgs tor ON tor.id = t.to_org_id";

struct CellDef {
  std::string key, label;
  // Appends the WHERE condition for (query) to params.
  std::function<std::string(const figures::Query&, Params&)> where;
};

std::string inSub(const figures::Query& q, const char* col, Params& p) { return q.scope.where(col, p); }
std::string notInSub(const figures::Query& q, const char* idCol, const char* col, Params& p) {
  return "(" + std::string(idCol) + " IS NULL OR NOT " + q.scope.where(col, p) + ")";
}
std::string completedIn(const figures::Query& q, Params& p) {
  p.emplace_back(q.from.iso());
  p.emplace_back(q.to.iso());
  return "t.state = 'completed' AND t.completed_on >= ? AND t.completed_on < ?";
}
// Open on day d: started by d and not closed by d (closing dates are exclusive ends).
std::string openOn(const figures::Query& q, Params& p) {
  std::string d = q.asOf().iso();
  for (int i = 0; i < 4; ++i) p.emplace_back(d);
  return "t.started_on <= ? AND (t.completed_on IS NULL OR t.completed_on > ?) AND (t.returned_on IS NULL OR "
         "t.returned_on > ?) AND (t.cancelled_on IS NULL OR t.cancelled_on > ?)";
}
std::string eitherSide(const figures::Query& q, Params& p) {
  std::string a = q.scope.where("fo.path", p);
  std::string b = q.scope.where("tor.path", p);
  return "(" + a + " OR " + b + ")";
}

std::vector<CellDef> flowCells() {
  return {
      {"in", "转入",
       [](const figures::Query& q, Params& p) {
         std::string w = completedIn(q, p);
         w += " AND " + inSub(q, "tor.path", p);
         return w + " AND " + notInSub(q, "t.from_org_id", "fo.path", p);
       }},
      {"out", "转出",
       [](const figures::Query& q, Params& p) {
         std::string w = completedIn(q, p);
         w += " AND " + inSub(q, "fo.path", p);
         return w + " AND " + notInSub(q, "t.to_org_id", "tor.path", p);
       }},
      {"inside", "内部接转",
       [](const figures::Query& q, Params& p) {
         std::string w = completedIn(q, p);
         w += " AND " + inSub(q, "fo.path", p);
         return w + " AND " + inSub(q, "tor.path", p);
       }},
      {"from_outside", "其中：从区外转入",
       [](const figures::Query& q, Params& p) {
         std::string w = completedIn(q, p);
         return w + " AND t.direction = 'in' AND " + inSub(q, "tor.path", p);
       }},
      {"to_outside", "其中：转出区外",
       [](const figures::Query& q, Params& p) {
         std::string w = completedIn(q, p);
         return w + " AND t.direction = 'out' AND " + inSub(q, "fo.path", p);
       }},
  };
}

std::vector<CellDef> openCells() {
  return {
      {"open", "在途",
       [](const figures::Query& q, Params& p) {
         std::string w = openOn(q, p);
         return w + " AND " + eitherSide(q, p);
       }},
      {"overdue", "介绍信逾期未接收",
       [](const figures::Query& q, Params& p) {
         std::string w = openOn(q, p);
         std::string d = q.asOf().iso();
         p.emplace_back(d);
         p.emplace_back(d);
         w += " AND t.deadline < ? AND (t.received_on IS NULL OR t.received_on > ?)";
         return w + " AND " + eitherSide(q, p);
       }},
  };
}

figures::Figure make(const std::string& key, const std::string& title, int order, std::vector<CellDef> defs) {
  figures::Figure f;
  f.key = key;
  f.group = "组织关系接转";
  f.title = title;
  f.order = order;
  f.cells = [defs](Connection& c, const figures::Query& q) {
    std::vector<figures::Cell> out;
    for (auto& d : defs) {
      Params p;
      std::string w = d.where(q, p);
      out.push_back({d.key, d.label, c.scalar(std::string("SELECT COUNT(*)") + kFrom + " WHERE " + w, p)->asInt()});
    }
    return out;
  };
  f.records = [defs](Connection& c, const figures::Query& q, const std::string& cell, int64_t offset, int64_t limit) {
    const CellDef* d = nullptr;
    for (auto& x : defs)
      if (x.key == cell) d = &x;
    if (!d) throw Error::invalid("cell", "统计格不存在", "bad_choice");
    Params p;
    std::string w = d->where(q, p);
    figures::Records r;
    r.columns = {{"code", "介绍信编号"},   {"memberName", "姓名"}, {"directionLabel", "接转类型"},
                 {"fromName", "转出组织"}, {"toName", "接收组织"}, {"stateLabel", "状态"},
                 {"sentOn", "开具日期"},   {"deadline", "有效期至"}, {"completedOn", "办结日期"}};
    r.total = c.scalar(std::string("SELECT COUNT(*)") + kFrom + " WHERE " + w, p)->asInt();
    Params lp = p;
    std::string sql = std::string(kSelect) + " WHERE " + w + " ORDER BY t.id";
    if (limit >= 0) {
      sql += " LIMIT ? OFFSET ?";
      lp.emplace_back(limit);
      lp.emplace_back(offset);
    }
    Date asOf = q.asOf();
    for (auto x : c.query(sql, lp)) {
      Case k = caseOf(x, q.scope);
      bj::object full = row(k, asOf);
      bj::object o{{"id", k.id}};
      for (auto& col : r.columns) o[col.key] = full[col.key];
      r.rows.push_back(std::move(o));
    }
    return r;
  };
  return f;
}

}  // namespace

void registerFigures() {
  figures::define(make("transfer.flow", "转入转出（办结）", 220, flowCells()));
  figures::define(make("transfer.open", "在途接转（期末）", 221, openCells()));
}

}  // namespace zg::transfer
