// Figures 统计 — the routes, the period, the page and its .xlsx. The figures themselves live in
// the modules that own the data (members, mobile, dues, …): see platform/figures.h.
#include "modules/figures/figures.h"

#include <cstdlib>

#include "core/error.h"
#include "modules/orgs/orgs.h"
#include "platform/audit.h"
#include "platform/json.h"
#include "platform/tabular.h"

namespace zg::figures {

namespace bj = boost::json;
using store::Connection;
using P = auth::Permission;

namespace {

constexpr const char* kXlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

int intParam(const http::Request& req, const std::string& name, int def, int lo, int hi, const std::string& what) {
  auto v = req.q(name);
  if (!v || v->empty()) return def;
  char* end = nullptr;
  long n = std::strtol(v->c_str(), &end, 10);
  if (*end != '\0' || n < lo || n > hi)
    throw Error::invalid(name, what + "无效（" + std::to_string(lo) + "–" + std::to_string(hi) + "）");
  return static_cast<int>(n);
}

Date dateParam(const http::Request& req, const std::string& name, const std::string& what) {
  auto v = req.q(name);
  if (!v || v->empty()) throw Error::invalid(name, "请选择" + what);
  auto d = parseDate(*v);
  if (!d) throw Error::invalid(name, what + "不是有效日期（格式：2026-01-31）");
  return *d;
}

struct Target {
  orgs::Org org;
  figures::Query q;
  Period period;
};

Target target(Connection& c, const http::Request& req, const auth::Context& ctx) {
  int64_t id = ctx.user.orgId;
  if (auto v = req.q("orgId"); v && !v->empty()) {
    char* end = nullptr;
    long long n = std::strtoll(v->c_str(), &end, 10);
    if (*end != '\0' || n <= 0) throw Error::invalid("orgId", "组织编号无效");
    id = n;
  }
  Target t{orgs::require(c, ctx.scope, id), {}, parsePeriod(req)};
  t.q.orgId = t.org.id;
  t.q.orgPath = t.org.path;
  t.q.scope = Scope(t.org.path);
  t.q.from = t.period.from;
  t.q.to = t.period.to;
  return t;
}

bj::object periodJson(const Period& p) {
  return {{"kind", p.kind},
          {"from", p.from.iso()},
          {"to", p.to.iso()},
          {"asOf", std::min(addDays(p.to, -1), today()).iso()},
          {"label", p.label}};
}

bool isMoney(const figures::Figure& f, const std::vector<figures::Cell>& cells) {
  for (auto& c : cells)
    if (c.amountFen) return true;
  (void)f;
  return false;
}

void audited(Connection& c, const auth::Context& ctx, const Target& t, const std::string& what) {
  store::Transaction tx(c);
  audit::record(c, ctx.actor(),
                {"export", "figures", t.org.id, t.org.path, what + "：" + t.org.name + " " + t.period.label, nullptr,
                 nullptr});
  tx.commit();
}

}  // namespace

bj::object cellJson(const figures::Cell& x, const std::vector<figures::Cell>& cells) {
  bj::object o{{"key", x.key}, {"label", x.label}, {"count", x.count}};
  if (x.amountFen) o["amountFen"] = *x.amountFen;
  if (!x.rateOf.empty()) {
    o["rateOf"] = x.rateOf;
    auto pm = figures::rateOfCell(x, cells);
    o["permille"] = pm ? bj::value(*pm) : bj::value(nullptr);
  }
  if (x.sum) {
    o["sum"] = *x.sum;
    auto t = figures::meanTenths(*x.sum, x.count);
    o["meanTenths"] = t ? bj::value(*t) : bj::value(nullptr);
    o["unit"] = x.unit;
  }
  return o;
}

std::string extraText(const figures::Cell& x, const std::vector<figures::Cell>& cells) {
  std::string out;
  if (!x.rateOf.empty()) {
    std::string of = x.rateOf;
    for (auto& w : cells)
      if (w.key == x.rateOf) of = w.label;
    out = "占" + of + " " + figures::percentText(figures::rateOfCell(x, cells));
  }
  if (x.sum) {
    if (!out.empty()) out += "；";
    out += "平均 " + figures::tenthsText(figures::meanTenths(*x.sum, x.count)) + " " + x.unit;
  }
  return out;
}

std::string yuan(int64_t fen) {
  std::string sign = fen < 0 ? "-" : "";
  int64_t a = fen < 0 ? -fen : fen;
  std::string cents = std::to_string(a % 100);
  if (cents.size() < 2) cents = "0" + cents;
  return sign + std::to_string(a / 100) + "." + cents;
}

Period parsePeriod(const http::Request& req) {
  Date now = today();
  std::string kind = req.q("period").value_or("year");
  if (kind.empty()) kind = "year";
  Period p;
  p.kind = kind;
  if (kind == "year" || kind == "quarter") {
    int y = intParam(req, "year", now.year, 1900, 2999, "年份");
    if (kind == "year") {
      p.from = {y, 1, 1};
      p.to = {y + 1, 1, 1};
      p.label = std::to_string(y) + "年";
    } else {
      int qn = intParam(req, "quarter", (now.month - 1) / 3 + 1, 1, 4, "季度");
      p.from = {y, (qn - 1) * 3 + 1, 1};
      p.to = addMonths(p.from, 3);
      p.label = std::to_string(y) + "年第" + std::to_string(qn) + "季度";
    }
  } else if (kind == "month") {
    std::string m = req.q("month").value_or("");
    auto d = m.size() == 7 ? parseDate(m + "-01") : std::nullopt;
    if (m.empty()) d = Date{now.year, now.month, 1};
    if (!d || d->year < 1900 || d->year > 2999) throw Error::invalid("month", "月份无效（格式：2026-03）");
    p.from = *d;
    p.to = addMonths(p.from, 1);
    p.label = std::to_string(d->year) + "年" + std::to_string(d->month) + "月";
  } else if (kind == "custom") {
    p.from = dateParam(req, "from", "开始日期");
    p.to = dateParam(req, "to", "结束日期");
    if (!(p.from < p.to)) throw Error::invalid("to", "结束日期应晚于开始日期");
    if (daysBetween(p.from, p.to) > 366 * 100) throw Error::invalid("to", "统计期间不能超过100年");
    p.label = p.from.iso() + " 至 " + addDays(p.to, -1).iso();
  } else {
    throw Error::invalid("period", "统计期间应为 year、quarter、month 或 custom");
  }
  return p;
}

// `only`: "" for every figure, a key group ("members") for the figures whose key starts with it
// and a dot, or one figure's key.
bj::object page(Connection& c, const figures::Query& q, const std::string& only = "") {
  bj::array groups;
  bj::object* group = nullptr;
  for (auto& f : figures::all()) {
    if (!f.cells) continue;
    if (!only.empty() && f.key != only && f.key.rfind(only + ".", 0) != 0) continue;
    auto cells = f.cells(c, q);
    bj::array cj;
    for (auto& x : cells) cj.push_back(cellJson(x, cells));
    if (!group || group->at("title").as_string() != f.group) {
      groups.push_back(bj::object{{"title", f.group}, {"figures", bj::array{}}});
      group = &groups.back().as_object();
    }
    group->at("figures").as_array().push_back(
        bj::object{{"key", f.key}, {"title", f.title}, {"money", isMoney(f, cells)},
                   {"partition", f.partition}, {"cells", std::move(cj)}});
  }
  return {{"groups", std::move(groups)}};
}

std::string pageXlsx(Connection& c, const figures::Query& q, const std::string& orgName, const Period& p) {
  tabular::Sheet s{"统计", {}};
  s.rows.push_back({"党组织统计表", "", "", ""});
  s.rows.push_back({"党组织", orgName, "", ""});
  s.rows.push_back({"统计期间", p.label + "（" + p.from.iso() + " 至 " + addDays(p.to, -1).iso() + "）", ""});
  s.rows.push_back({"说明", "时点数截至 " + addDays(p.to, -1).iso() + "，发生数为期间内合计", ""});
  std::string lastGroup;
  for (auto& f : figures::all()) {
    if (!f.cells) continue;
    auto cells = f.cells(c, q);
    bool money = isMoney(f, cells);
    if (f.group != lastGroup) {
      s.rows.push_back({});
      s.rows.push_back({"【" + f.group + "】", "", ""});
      lastGroup = f.group;
    }
    bool extra = false;
    for (auto& x : cells) extra = extra || !x.rateOf.empty() || x.sum;
    s.rows.push_back({f.title, "数量", money ? "金额（元）" : "", extra ? "比例／平均" : ""});
    int64_t total = 0;
    for (auto& x : cells) {
      s.rows.push_back({"  " + x.label, std::to_string(x.count), x.amountFen ? yuan(*x.amountFen) : "",
                        extraText(x, cells)});
      total += x.count;
    }
    if (f.partition) s.rows.push_back({"  合计", std::to_string(total), ""});
  }
  return tabular::writeXlsx(s);
}

std::string recordsXlsx(const figures::Figure& f, const figures::Records& r) {
  tabular::Sheet s{"明细", {}};
  std::vector<std::string> head;
  for (auto& col : r.columns) head.push_back(col.title);
  s.rows.push_back(head);
  for (auto& row : r.rows) {
    std::vector<std::string> line;
    for (auto& col : r.columns) {
      auto it = row.find(col.key);
      if (it == row.end() || it->value().is_null()) {
        line.emplace_back();
      } else if (col.kind == "money" && it->value().is_int64()) {
        line.push_back(yuan(it->value().as_int64()));
      } else if (it->value().is_string()) {
        line.emplace_back(it->value().as_string().c_str());
      } else {
        line.push_back(bj::serialize(it->value()));
      }
    }
    s.rows.push_back(std::move(line));
  }
  if (r.sum) {
    s.rows.push_back({});
    s.rows.push_back({"合计 " + std::to_string(*r.sum) + " " + r.unit + "，共 " + std::to_string(r.total) + " 条，平均 " +
                      figures::tenthsText(figures::meanTenths(*r.sum, r.total)) + " " + r.unit});
  }
  return tabular::writeXlsx(s);
}

void registerRoutes(platform::Api& api) {
  api.get("/api/figures", P::MemberRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    Target t = target(c, req, ctx);
    auto only = req.query.find("group");  // ?group=members or a figure's key (dashboards, benchmarks)
    bj::object o = page(c, t.q, only == req.query.end() ? "" : only->second);
    o["org"] = bj::object{{"id", t.org.id}, {"name", t.org.name}};
    o["period"] = periodJson(t.period);
    return json::ok(o);
  });

  api.get("/api/figures/export", P::MemberRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    Target t = target(c, req, ctx);
    std::string bytes = pageXlsx(c, t.q, t.org.name, t.period);
    audited(c, ctx, t, "导出统计表");
    return http::Response::download(std::move(bytes), kXlsxType, "统计-" + t.org.name + "-" + t.period.label + ".xlsx");
  });

  auto cellOf = [](const http::Request& req) {
    std::string key = req.q("figure").value_or("");
    if (key.empty()) throw Error::invalid("figure", "请指定统计项");
    figures::Figure f = figures::find(key);
    std::string cell = req.q("cell").value_or("");
    if (cell.empty()) throw Error::invalid("cell", "请指定统计格");
    return std::pair{f, cell};
  };

  api.get("/api/figures/records", P::MemberRead, [cellOf](http::Request& req, const auth::Context& ctx, Connection& c) {
    auto [f, cell] = cellOf(req);
    Target t = target(c, req, ctx);
    auto ps = json::pageSpec(req, {{"default", "1"}}, "default");
    auto r = f.records(c, t.q, cell, ps.offset(), ps.pageSize);
    bj::array cols, items;
    for (auto& col : r.columns) cols.push_back({{"key", col.key}, {"title", col.title}, {"kind", col.kind}});
    for (auto& row : r.rows) items.push_back(row);
    bj::object o{{"items", std::move(items)}, {"total", r.total},      {"page", ps.page},
                 {"pageSize", ps.pageSize},   {"columns", std::move(cols)}, {"figure", f.title},
                 {"period", periodJson(t.period)}, {"org", bj::object{{"id", t.org.id}, {"name", t.org.name}}}};
    if (r.amountFen) o["amountFen"] = *r.amountFen;
    if (r.sum) {
      o["sum"] = *r.sum;
      auto mt = figures::meanTenths(*r.sum, r.total);
      o["meanTenths"] = mt ? bj::value(*mt) : bj::value(nullptr);
      o["meanKey"] = r.meanKey;
      o["unit"] = r.unit;
    }
    return json::ok(o);
  });

  api.get("/api/figures/records/export", P::MemberRead,
          [cellOf](http::Request& req, const auth::Context& ctx, Connection& c) {
            auto [f, cell] = cellOf(req);
            Target t = target(c, req, ctx);
            auto r = f.records(c, t.q, cell, 0, -1);
            std::string bytes = recordsXlsx(f, r);
            std::string label = cell;
            for (auto& x : f.cells(c, t.q))
              if (x.key == cell) label = x.label;
            audited(c, ctx, t, "导出统计明细（" + f.title + "·" + label + "）");
            return http::Response::download(std::move(bytes), kXlsxType,
                                            "统计明细-" + f.title + "-" + label + "-" + t.org.name + "-" +
                                                t.period.label + ".xlsx");
          });
}

}  // namespace zg::figures
