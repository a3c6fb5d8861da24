// Party dues 党费: rules (brackets, obligation start, back-payment limit, the 6-month flag) and
// routes under /api/dues. See README.md beside this file.
#include "modules/dues/dues.h"

#include <algorithm>
#include <mutex>

#include "core/error.h"
#include "modules/orgs/orgs.h"
#include "platform/audit.h"
#include "platform/crypto.h"
#include "platform/json.h"
#include "platform/settings.h"
#include "platform/tabular.h"
#include "platform/time.h"

namespace zg::dues {

namespace bj = boost::json;
using store::Connection;
using store::Params;
using P = auth::Permission;

namespace {

constexpr const char* kXlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

void ensureSettings() {
  static std::once_flag once;
  std::call_once(once, registerSettings);
}

const char* kindLabel(const std::string& k) {
  if (k == "employed") return "在职";
  if (k == "retired") return "离退休";
  if (k == "student") return "学生";
  if (k == "fixed") return "定额（无固定收入或生活困难）";
  return "";
}

std::string yuan(int64_t fen) {
  std::string sign = fen < 0 ? "-" : "";
  int64_t a = fen < 0 ? -fen : fen;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%lld.%02lld", sign.c_str(), static_cast<long long>(a / 100),
                static_cast<long long>(a % 100));
  return buf;
}

Month requiredMonth(const json::Form& f, const char* key, const std::string& label) {
  std::string t = f.requiredText(key, label, 10);
  auto m = parseMonth(t);
  if (!m) throw Error::invalid(key, label + "格式应为 年-月，如 2024-01");
  return *m;
}

Month queryMonth(const http::Request& req, const char* key, Month fallback) {
  auto v = req.q(key);
  if (!v || trim(*v).empty()) return fallback;
  auto m = parseMonth(trim(*v));
  if (!m) throw Error::invalid(key, "月份格式应为 年-月，如 2024-01");
  return *m;
}

// The organization named by ?orgId= (default: the caller's own), within scope.
orgs::Org queryOrg(Connection& c, const http::Request& req, const auth::Context& ctx) {
  int64_t id = ctx.user.orgId;
  if (auto v = req.q("orgId"); v && !trim(*v).empty()) {
    try {
      size_t pos = 0;
      long long n = std::stoll(*v, &pos);
      if (pos != v->size() || n <= 0) throw 0;
      id = n;
    } catch (...) {
      throw Error::invalid("orgId", "组织编号无效");
    }
  }
  return orgs::require(c, ctx.scope, id, "orgId");
}

MemberDues requireMember(Connection& c, const Scope& scope, int64_t id) {
  auto v = load(c, scope, id);
  if (v.empty()) throw Error::notFound("党员不存在");
  return std::move(v.front());
}

const MemberDues::DatedBase* baseOn(const MemberDues& m, Month month) {
  for (auto& b : m.bases)
    if (b.from <= month && (!b.to || month < *b.to)) return &b;
  return nullptr;
}

const MemberDues::DatedBase* currentBase(const MemberDues& m) {
  for (auto& b : m.bases)
    if (!b.to) return &b;
  return nullptr;
}

// The version of a member's current base, sent back by the editor: a stamp of the row (the
// bases have no version column); "0" while the member has none.
std::string baseVersion(const MemberDues::DatedBase* b) {
  if (!b) return "0";
  return crypto::sha256Hex(std::to_string(b->id) + "|" + b->base.kind + "|" + std::to_string(b->base.baseFen) + "|" +
                           std::to_string(b->base.amountFen) + "|" + monthText(b->from) + "|" +
                           (b->to ? monthText(*b->to) : "") + "|" + b->setBy)
      .substr(0, 16);
}

bj::object baseJson(const Rules& r, const MemberDues::DatedBase& b) {
  return {{"id", b.id},
          {"version", baseVersion(&b)},
          {"kind", b.base.kind},
          {"kindLabel", kindLabel(b.base.kind)},
          {"baseFen", b.base.baseFen},
          {"amountFen", b.base.amountFen},
          {"monthlyDueFen", monthlyDue(r, b.base)},
          {"fromMonth", monthText(b.from)},
          {"toMonth", b.to ? bj::value(bj::string(monthText(*b.to))) : bj::value(nullptr)},
          {"setBy", b.setBy}};
}

bj::object paymentJson(int64_t memberId, Month month, const MemberDues::Payment& p) {
  return {{"id", p.id},
          {"memberId", memberId},
          {"month", monthText(month)},
          {"amountFen", p.amountFen},
          {"paidOn", p.paidOn},
          {"method", p.method},
          {"note", p.note},
          {"recordedBy", p.recordedBy}};
}

// One member's standing in the books of a month: a paid month's due is what was paid (the
// amount equalled the due when recorded), so due = paid + owed holds exactly.
struct Booked {
  bool obliged = false, paid = false, exempt = false;
  int64_t dueFen = 0, paidFen = 0, owedFen = 0;
};
Booked book(const Rules& r, const MemberDues& m, Month month) {
  MonthState s = stateOf(r, m, month);
  Booked b;
  b.exempt = s.exempt;
  if (s.paid) {
    b.obliged = true;
    b.paid = true;
    b.paidFen = s.paidFen;
    b.dueFen = s.paidFen;
  } else if (s.obliged) {
    b.obliged = true;
    b.dueFen = s.dueFen;
    b.owedFen = s.dueFen;
  }
  return b;
}

struct SummaryRow {
  int64_t orgId = 0;
  std::string orgName;
  std::string path;
  bool self = false;
  int64_t obliged = 0, dueFen = 0, paidFen = 0, owedFen = 0, paidCount = 0, unpaidCount = 0;
  void add(const Booked& b) {
    if (!b.obliged) return;
    ++obliged;
    dueFen += b.dueFen;
    paidFen += b.paidFen;
    owedFen += b.owedFen;
    (b.paid ? paidCount : unpaidCount) += 1;
  }
  bj::object json() const {
    return {{"orgId", orgId},
            {"orgName", orgName},
            {"self", self},
            {"membersObliged", obliged},
            {"dueFen", dueFen},
            {"paidFen", paidFen},
            {"owedFen", owedFen},
            {"membersPaid", paidCount},
            {"membersUnpaid", unpaidCount}};
  }
};

struct Summary {
  std::vector<SummaryRow> rows;
  SummaryRow total;
};

// Rows per direct child organization (its whole subtree), and the organization itself for the
// members placed directly in it; total = sum of rows.
Summary summarize(Connection& c, const Rules& r, const orgs::Org& org, const std::vector<MemberDues>& members,
                  Month month) {
  Summary s;
  auto kids =
      c.query("SELECT id, name, path, dissolved_on FROM orgs WHERE parent_id = ? ORDER BY sort_order, id", {org.id});
  std::vector<bool> keep;
  for (auto row : kids) {
    SummaryRow x;
    x.orgId = row.i64(0);
    x.orgName = row.text(1);
    x.path = row.text(2);
    s.rows.push_back(x);
    keep.push_back(row.isNull(3));
  }
  SummaryRow self;
  self.orgId = org.id;
  self.orgName = org.name + "（本级）";
  self.path = org.path;
  self.self = true;
  bool selfUsed = false;
  for (auto& m : members) {
    Booked b = book(r, m, month);
    bool placed = false;
    for (size_t i = 0; i < s.rows.size(); ++i)
      if (m.orgPath.starts_with(s.rows[i].path)) {
        s.rows[i].add(b);
        keep[i] = true;
        placed = true;
        break;
      }
    if (!placed) {
      self.add(b);
      selfUsed = true;
    }
  }
  std::vector<SummaryRow> rows;
  for (size_t i = 0; i < s.rows.size(); ++i)
    if (keep[i]) rows.push_back(s.rows[i]);
  if (selfUsed || rows.empty()) rows.insert(rows.begin(), self);
  s.rows = rows;
  s.total.orgId = org.id;
  s.total.orgName = "合计";
  for (auto& x : s.rows) {
    s.total.obliged += x.obliged;
    s.total.dueFen += x.dueFen;
    s.total.paidFen += x.paidFen;
    s.total.owedFen += x.owedFen;
    s.total.paidCount += x.paidCount;
    s.total.unpaidCount += x.unpaidCount;
  }
  return s;
}

// The months a member owes up to `upTo` (oldest first).
std::vector<MonthState> owedMonths(const Rules& r, const MemberDues& m, Month upTo) {
  std::vector<MonthState> out;
  if (m.bases.empty()) return out;
  Month from = m.bases.front().from;
  for (auto& b : m.bases) from = std::min(from, b.from);
  if (m.start) from = std::max(from, *m.start);
  for (Month x = from; x <= upTo; ++x) {
    MonthState s = stateOf(r, m, x);
    if (s.obliged && !s.paid) out.push_back(s);
  }
  return out;
}

// The ledger from the first obliged month (or `upTo` - flagMonths) through `upTo`.
std::vector<MonthState> ledger(const Rules& r, const MemberDues& m, Month from, Month upTo) {
  std::vector<MonthState> out;
  for (Month x = from; x <= upTo; ++x) out.push_back(stateOf(r, m, x));
  return out;
}

int unpaidRun(const Rules& r, const MemberDues& m, Month upTo) {
  int n = static_cast<int>(std::max<int64_t>(r.flagMonths, 1));
  // Counting back further than needed changes nothing once the run reaches the limit.
  return trailingUnpaid(ledger(r, m, upTo - n - 1, upTo));
}

bj::object memberRef(const MemberDues& m) {
  return {{"memberId", m.id}, {"name", m.name}, {"orgId", m.orgId}, {"orgName", m.orgName}};
}

bj::object memberJson(Connection& c, const Rules& r, const MemberDues& m, int year) {
  bj::array bases, exemptions, rows;
  for (auto& b : m.bases) bases.push_back(baseJson(r, b));
  auto ex = c.query(
      "SELECT id, from_month, to_month, reason, set_by FROM dues_exemptions WHERE member_id = ? ORDER BY from_month, "
      "id",
      {m.id});
  for (auto row : ex)
    exemptions.push_back({{"id", row.i64(0)},
                          {"fromMonth", row.text(1)},
                          {"toMonth", row.text(2)},
                          {"reason", row.text(3)},
                          {"setBy", row.text(4)}});
  Month now = monthOf(today());
  for (int mo = 1; mo <= 12; ++mo) {
    Month x = year * 12 + mo - 1;
    MonthState s = stateOf(r, m, x);
    std::string status = s.paid       ? "paid"
                         : x > now    ? "future"
                         : !s.obliged ? "not_obliged"
                         : s.exempt   ? "exempt"
                                      : "unpaid";
    bj::object o{{"month", monthText(x)},
                 {"obliged", s.obliged},
                 {"dueFen", s.paid ? s.paidFen : s.dueFen},
                 {"paidFen", s.paidFen},
                 {"balanceFen", s.paid ? 0 : (s.obliged && x <= now ? s.dueFen : 0)},
                 {"exempt", s.exempt},
                 {"status", status},
                 {"payment", nullptr}};
    if (auto it = m.payments.find(x); it != m.payments.end()) o["payment"] = paymentJson(m.id, x, it->second);
    rows.push_back(o);
  }
  const auto* cur = currentBase(m);
  int run = unpaidRun(r, m, now - 1);
  bj::object o = memberRef(m);
  o["obligationStart"] = m.start ? bj::value(bj::string(monthText(*m.start))) : bj::value(nullptr);
  o["base"] = cur ? bj::value(baseJson(r, *cur)) : bj::value(nullptr);
  o["bases"] = bases;
  o["exemptions"] = exemptions;
  o["year"] = year;
  o["ledger"] = rows;
  o["unpaidRun"] = run;
  o["flagged"] = run >= r.flagMonths;
  o["backPayMonths"] = r.backPayMonths;
  return o;
}

bj::object baseSnapshot(const std::string& kind, int64_t baseFen, int64_t amountFen, Month from) {
  return {{"kind", kind}, {"baseFen", baseFen}, {"amountFen", amountFen}, {"fromMonth", monthText(from)}};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Rules.

void registerSettings() {
  using settings::Type;
  constexpr const char* kSrc = "依据《关于中国共产党党费收缴、使用和管理的规定》（中组发〔2008〕3号）。";
  auto fen = [&](const char* key, const char* label, const char* what, int64_t v) {
    settings::define({key, label, std::string(what) + kSrc, Type::Int, v, 0, 100000000});
  };
  auto bp = [&](const char* key, const char* label, const char* what, int64_t v) {
    settings::define(
        {key, label, std::string(what) + "（以万分之一为单位，50 即 0.5%）" + kSrc, Type::Int, v, 0, 10000});
  };
  fen("dues.employed_max1_fen", "在职党员第一档上限（分）", "月工资收入（税后）在此数及以下的，按第一档比例交纳。",
      300000);
  fen("dues.employed_max2_fen", "在职党员第二档上限（分）", "月工资收入（税后）在此数及以下的，按第二档比例交纳。",
      500000);
  fen("dues.employed_max3_fen", "在职党员第三档上限（分）",
      "月工资收入（税后）在此数及以下的，按第三档比例交纳；以上按第四档。", 1000000);
  bp("dues.employed_rate1_bp", "在职党员第一档比例", "3000元以下（含）交纳月工资收入的0.5%", 50);
  bp("dues.employed_rate2_bp", "在职党员第二档比例", "3000元以上至5000元（含）交纳1%", 100);
  bp("dues.employed_rate3_bp", "在职党员第三档比例", "5000元以上至10000元（含）交纳1.5%", 150);
  bp("dues.employed_rate4_bp", "在职党员第四档比例", "10000元以上交纳2%", 200);
  fen("dues.retired_max1_fen", "离退休党员第一档上限（分）", "离退休费总额在此数及以下的按0.5%交纳，以上按1%交纳。",
      500000);
  bp("dues.retired_rate1_bp", "离退休党员第一档比例", "5000元以下（含）交纳0.5%", 50);
  bp("dues.retired_rate2_bp", "离退休党员第二档比例", "5000元以上交纳1%", 100);
  fen("dues.student_monthly_fen", "学生党员每月党费（分）", "没有收入的学生党员每月交纳党费0.2元。", 20);
  settings::define({"dues.back_pay_max_months", "补交党费最长月数",
                    std::string("交纳日期之前超过此月数的月份不能补交。") + kSrc, Type::Int, 6, 1, 120});
  settings::define({"dues.unpaid_flag_months", "连续未交党费月数（列入名单）",
                    std::string("无正当理由连续此月数不交纳党费的党员，列入名单由支部按《党章》第九条处理。") + kSrc,
                    Type::Int, 6, 1, 60});
}

Rules rules(Connection& c) {
  ensureSettings();
  Rules r;
  auto g = [&](const char* k) { return settings::getInt(c, k); };
  r.employedMax1 = g("dues.employed_max1_fen");
  r.employedMax2 = g("dues.employed_max2_fen");
  r.employedMax3 = g("dues.employed_max3_fen");
  r.employedRate1 = g("dues.employed_rate1_bp");
  r.employedRate2 = g("dues.employed_rate2_bp");
  r.employedRate3 = g("dues.employed_rate3_bp");
  r.employedRate4 = g("dues.employed_rate4_bp");
  r.retiredMax1 = g("dues.retired_max1_fen");
  r.retiredRate1 = g("dues.retired_rate1_bp");
  r.retiredRate2 = g("dues.retired_rate2_bp");
  r.studentFen = g("dues.student_monthly_fen");
  r.backPayMonths = g("dues.back_pay_max_months");
  r.flagMonths = g("dues.unpaid_flag_months");
  return r;
}

std::optional<Month> parseMonth(std::string_view s) {
  if (s.size() != 7 || s[4] != '-') return std::nullopt;
  int y = 0, m = 0;
  for (int i = 0; i < 7; ++i) {
    if (i == 4) continue;
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    (i < 4 ? y : m) = (i < 4 ? y : m) * 10 + (s[i] - '0');
  }
  if (y < 1900 || y > 2999 || m < 1 || m > 12) return std::nullopt;
  return y * 12 + m - 1;
}

std::string monthText(Month m) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", m / 12, m % 12 + 1);
  return buf;
}

Month monthOf(const Date& d) { return d.year * 12 + d.month - 1; }

int64_t monthlyDue(const Rules& r, const Base& b) {
  auto pct = [](int64_t base, int64_t bp) { return (base * bp + 5000) / 10000; };  // half up
  if (b.kind == "employed") {
    int64_t rate = b.baseFen <= r.employedMax1   ? r.employedRate1
                   : b.baseFen <= r.employedMax2 ? r.employedRate2
                   : b.baseFen <= r.employedMax3 ? r.employedRate3
                                                 : r.employedRate4;
    return pct(b.baseFen, rate);
  }
  if (b.kind == "retired") return pct(b.baseFen, b.baseFen <= r.retiredMax1 ? r.retiredRate1 : r.retiredRate2);
  if (b.kind == "student") return r.studentFen;
  if (b.kind == "fixed") return b.amountFen;
  return 0;
}

int trailingUnpaid(const std::vector<MonthState>& months) {
  int n = 0;
  for (auto it = months.rbegin(); it != months.rend(); ++it) {
    if (!it->obliged || it->paid || it->exempt) break;
    ++n;
  }
  return n;
}

MonthState stateOf(const Rules& r, const MemberDues& m, Month month) {
  MonthState s;
  s.month = month;
  if (auto it = m.payments.find(month); it != m.payments.end()) {
    s.paid = true;
    s.paidFen = it->second.amountFen;
  }
  for (auto& [a, b] : m.exemptions)
    if (a <= month && month <= b) s.exempt = true;
  const auto* base = baseOn(m, month);
  s.obliged = base && (!m.start || month >= *m.start);
  if (s.obliged) s.dueFen = monthlyDue(r, base->base);
  return s;
}

std::vector<MemberDues> load(Connection& c, const Scope& scope, std::optional<int64_t> memberId) {
  Params p;
  std::string w = "m.active = 1 AND " + scope.where("m.org_path", p);
  if (memberId) {
    w += " AND m.id = ?";
    p.emplace_back(*memberId);
  }
  std::vector<MemberDues> out;
  std::map<int64_t, size_t> at;
  for (auto row : c.query("SELECT m.id, m.name, m.org_path, m.org_id, o.name, m.joined_on FROM members m "
                          "JOIN orgs o ON o.id = m.org_id WHERE " +
                              w + " ORDER BY m.org_path, m.name_sort, m.id",
                          p)) {
    MemberDues d;
    d.id = row.i64(0);
    d.name = row.text(1);
    d.orgPath = row.text(2);
    d.orgId = row.i64(3);
    d.orgName = row.text(4);
    if (auto j = row.optText(5))
      if (auto dt = parseDate(*j)) d.start = monthOf(*dt);
    at[d.id] = out.size();
    out.push_back(std::move(d));
  }
  if (out.empty()) return out;
  for (auto row :
       c.query("SELECT b.member_id, b.id, b.kind, b.base_fen, b.amount_fen, b.from_month, b.to_month, b.set_by "
               "FROM dues_bases b JOIN members m ON m.id = b.member_id WHERE " +
                   w + " ORDER BY b.member_id, b.from_month, b.id",
               p)) {
    auto it = at.find(row.i64(0));
    if (it == at.end()) continue;
    auto from = parseMonth(row.text(5));
    if (!from) continue;
    std::optional<Month> to;
    if (auto t = row.optText(6)) to = parseMonth(*t);
    out[it->second].bases.push_back({row.i64(1), Base{row.text(2), row.i64(3), row.i64(4)}, *from, to, row.text(7)});
  }
  for (auto row : c.query("SELECT d.member_id, d.id, d.month, d.amount_fen, d.paid_on, d.method, d.note, d.recorded_by "
                          "FROM dues_payments d JOIN members m ON m.id = d.member_id WHERE " +
                              w,
                          p)) {
    auto it = at.find(row.i64(0));
    auto month = parseMonth(row.text(2));
    if (it == at.end() || !month) continue;
    out[it->second].payments[*month] = {row.i64(1), row.i64(3), row.text(4), row.text(5), row.text(6), row.text(7)};
  }
  for (auto row : c.query("SELECT e.member_id, e.from_month, e.to_month FROM dues_exemptions e "
                          "JOIN members m ON m.id = e.member_id WHERE " +
                              w,
                          p)) {
    auto it = at.find(row.i64(0));
    auto a = parseMonth(row.text(1)), b = parseMonth(row.text(2));
    if (it == at.end() || !a || !b) continue;
    out[it->second].exemptions.emplace_back(*a, *b);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
boost::json::object memberLedger(Connection& c, const Scope& scope, int64_t memberId, int year) {
  return memberJson(c, rules(c), requireMember(c, scope, memberId), year);
}

// Routes.

void registerRoutes(platform::Api& api) {
  ensureSettings();

  api.get("/api/dues/members/:id", P::MemberRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    auto m = requireMember(c, ctx.scope, req.idParam());
    int year = today().year;
    if (auto v = req.q("year"); v && !trim(*v).empty()) {
      try {
        size_t pos = 0;
        year = std::stoi(*v, &pos);
        if (pos != v->size() || year < 1900 || year > 2999) throw 0;
      } catch (...) {
        throw Error::invalid("year", "年份无效");
      }
    }
    return json::ok(memberJson(c, rules(c), m, year));
  });

  api.get("/api/dues/members/:id/base", P::MemberRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    auto m = requireMember(c, ctx.scope, req.idParam());
    const auto* b = currentBase(m);
    return json::ok(b ? bj::value(baseJson(rules(c), *b)) : bj::value(nullptr));
  });

  api.put("/api/dues/members/:id/base", P::MemberWrite,
          [](http::Request& req, const auth::Context& ctx, Connection& c) {
            json::Form f(req.body);
            auto kind = f.choice("kind", "基数类别", {"employed", "retired", "student", "fixed"});
            if (!kind) throw Error::invalid("kind", "请选择基数类别（在职、离退休、学生或定额）", "required");
            int64_t baseFen = 0, amountFen = 0;
            if (*kind == "employed" || *kind == "retired")
              baseFen = f.requiredInt("baseFen", "月收入基数（分）", 0, 100000000000LL);
            if (*kind == "fixed") amountFen = f.requiredInt("amountFen", "定额党费（分）", 1, 100000000LL);
            Month from = requiredMonth(f, "fromMonth", "起始月份");
            auto version = f.text("version", "版本号", 64);  // checked when sent (the web app does)
            store::Transaction tx(c);
            // Row lock on the member first (PostgreSQL): two servers saving the same member's base
            // take turns, and the second then sees the first's base and its new version.
            c.exec("UPDATE members SET version = version WHERE id = ?", {req.idParam()});
            auto m = requireMember(c, ctx.scope, req.idParam());
            const auto* cur = currentBase(m);
            if (version && *version != baseVersion(cur))
              throw Error::conflict("stale", "该党员的党费基数已被他人修改，请刷新后重试", "version");
            bj::value before = nullptr;
            if (cur) {
              before = baseSnapshot(cur->base.kind, cur->base.baseFen, cur->base.amountFen, cur->from);
              if (from < cur->from)
                throw Error::invalid("fromMonth", "起始月份不能早于现行基数的起始月份（" + monthText(cur->from) + "）");
            }
            std::string now = nowIso();
            if (cur && from == cur->from) {
              c.exec("UPDATE dues_bases SET kind = ?, base_fen = ?, amount_fen = ?, set_by = ? WHERE id = ?",
                     {*kind, baseFen, amountFen, ctx.actor().name, cur->id});
            } else {
              if (cur) c.exec("UPDATE dues_bases SET to_month = ? WHERE id = ?", {monthText(from), cur->id});
              c.exec(
                  "INSERT INTO dues_bases (member_id, kind, base_fen, amount_fen, from_month, to_month, set_by, "
                  "created_at) "
                  "VALUES (?, ?, ?, ?, ?, NULL, ?, ?)",
                  {m.id, *kind, baseFen, amountFen, monthText(from), ctx.actor().name, now});
            }
            Rules r = rules(c);
            int64_t due = monthlyDue(r, Base{*kind, baseFen, amountFen});
            audit::record(c, ctx.actor(),
                          {"update", "dues_base", m.id, m.orgPath,
                           "核定党费基数：" + m.name + "，" + kindLabel(*kind) + "，自" + monthText(from) + "起每月" +
                               yuan(due) + "元",
                           before, baseSnapshot(*kind, baseFen, amountFen, from)});
            tx.commit();
            auto after = requireMember(c, ctx.scope, m.id);
            return json::ok(baseJson(r, *currentBase(after)));
          });

  api.post("/api/dues/payments", P::MemberWrite, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    json::Form f(req.body);
    int64_t memberId = f.requiredInt("memberId", "党员", 1, INT64_MAX);
    Month month = requiredMonth(f, "month", "党费所属月份");
    int64_t amount = f.requiredInt("amountFen", "金额（分）", 1, 100000000000LL);
    Date paidOn = f.requiredDate("paidOn", "交纳日期");
    std::string method = f.text("method", "交纳方式", 20).value_or("");
    std::string note = f.text("note", "备注", 200).value_or("");
    store::Transaction tx(c);
    auto m = requireMember(c, ctx.scope, memberId);
    Rules r = rules(c);
    Date now = today();
    if (paidOn > now) throw Error::invalid("paidOn", "交纳日期不能晚于今天");
    if (month > monthOf(now)) throw Error::invalid("month", "不能交纳未来月份（" + monthText(month) + "）的党费");
    if (m.start && month < *m.start)
      throw Error::invalid("month", "党费所属月份早于该党员入党（接收为预备党员）的月份（" + monthText(*m.start) +
                                        "），该月无需交纳党费");
    if (monthOf(paidOn) - month > r.backPayMonths)
      throw Error::invalid("month", "补交党费不能超过" + std::to_string(r.backPayMonths) + "个月：交纳日期为" +
                                        paidOn.iso() + "，最早只能补交" +
                                        monthText(monthOf(paidOn) - static_cast<Month>(r.backPayMonths)) + "的党费");
    MonthState s = stateOf(r, m, month);
    if (!s.obliged) throw Error::invalid("month", "该党员" + monthText(month) + "尚未核定党费基数，请先设置交纳基数");
    if (s.paid) throw Error::conflict("duplicate", "该党员" + monthText(month) + "的党费已交纳，不能重复登记", "month");
    if (amount != s.dueFen)
      throw Error::invalid("amountFen",
                           "金额应为该月应交党费" + yuan(s.dueFen) + "元（" + std::to_string(s.dueFen) + "分）");
    auto id =
        c.query(
             "INSERT INTO dues_payments (member_id, month, amount_fen, paid_on, method, note, recorded_by, org_path, "
             "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
             {m.id, monthText(month), amount, paidOn.iso(), method, note, ctx.actor().name, m.orgPath, nowIso()})
            .front()
            .i64(0);
    MemberDues::Payment p{id, amount, paidOn.iso(), method, note, ctx.actor().name};
    bj::object pj = paymentJson(m.id, month, p);
    audit::record(c, ctx.actor(),
                  {"create", "dues_payment", id, m.orgPath,
                   "登记党费：" + m.name + " " + monthText(month) + " " + yuan(amount) + "元", nullptr, pj});
    tx.commit();
    return json::ok(pj, 201);
  });

  api.del("/api/dues/payments/:id", P::MemberWrite, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    json::Form f(req.body);
    std::string reason = f.requiredText("reason", "撤销原因", 100);
    int64_t id = req.idParam();
    store::Transaction tx(c);
    Params p{id};
    std::string w = ctx.scope.where("m.org_path", p);
    auto r = c.query(
        "SELECT d.member_id, d.month, d.amount_fen, d.paid_on, d.method, d.note, d.recorded_by, m.name, "
        "m.org_path FROM dues_payments d JOIN members m ON m.id = d.member_id WHERE d.id = ? AND " +
            w,
        p);
    if (r.empty()) throw Error::notFound("党费记录不存在");
    auto row = r.front();
    auto month = parseMonth(row.text(1)).value_or(0);
    MemberDues::Payment pay{id, row.i64(2), row.text(3), row.text(4), row.text(5), row.text(6)};
    bj::object before = paymentJson(row.i64(0), month, pay);
    c.exec("DELETE FROM dues_payments WHERE id = ?", {id});
    audit::record(
        c, ctx.actor(),
        {"delete", "dues_payment", id, row.text(8),
         "撤销党费记录：" + row.text(7) + " " + row.text(1) + " " + yuan(pay.amountFen) + "元（原因：" + reason + "）",
         before, bj::object{{"reason", reason}}});
    tx.commit();
    return json::ok(bj::object{{"ok", true}});
  });

  api.post("/api/dues/exemptions", P::MemberWrite, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    json::Form f(req.body);
    int64_t memberId = f.requiredInt("memberId", "党员", 1, INT64_MAX);
    Month from = requiredMonth(f, "fromMonth", "起始月份");
    Month to = requiredMonth(f, "toMonth", "截止月份");
    if (to < from) throw Error::invalid("toMonth", "截止月份不能早于起始月份");
    std::string reason = f.requiredText("reason", "未交纳原因", 200);
    store::Transaction tx(c);
    auto m = requireMember(c, ctx.scope, memberId);
    auto id = c.query(
                   "INSERT INTO dues_exemptions (member_id, from_month, to_month, reason, set_by, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                   {m.id, monthText(from), monthText(to), reason, ctx.actor().name, nowIso()})
                  .front()
                  .i64(0);
    bj::object o{
        {"id", id},         {"memberId", m.id},         {"fromMonth", monthText(from)}, {"toMonth", monthText(to)},
        {"reason", reason}, {"setBy", ctx.actor().name}};
    audit::record(c, ctx.actor(),
                  {"create", "dues_exemption", id, m.orgPath,
                   "登记未交党费原因：" + m.name + " " + monthText(from) + "至" + monthText(to) + "（" + reason + "）",
                   nullptr, o});
    tx.commit();
    return json::ok(o, 201);
  });

  api.get("/api/dues/summary", P::MemberRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    auto org = queryOrg(c, req, ctx);
    Month month = queryMonth(req, "month", monthOf(today()));
    auto members = load(c, Scope(org.path));
    auto s = summarize(c, rules(c), org, members, month);
    bj::array rows;
    for (auto& x : s.rows) rows.push_back(x.json());
    return json::ok(bj::object{{"orgId", org.id},
                               {"orgName", org.name},
                               {"month", monthText(month)},
                               {"rows", rows},
                               {"total", s.total.json()}});
  });

  api.get("/api/dues/arrears", P::MemberRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    auto org = queryOrg(c, req, ctx);
    Month month = queryMonth(req, "month", monthOf(today()));
    Rules r = rules(c);
    bj::array items;
    int64_t total = 0;
    for (auto& m : load(c, Scope(org.path))) {
      auto owed = owedMonths(r, m, month);
      if (owed.empty()) continue;
      bj::array months;
      int64_t sum = 0;
      for (auto& s : owed) {
        months.push_back({{"month", monthText(s.month)}, {"dueFen", s.dueFen}, {"exempt", s.exempt}});
        sum += s.dueFen;
      }
      bj::object o = memberRef(m);
      o["months"] = months;
      o["monthsOwed"] = static_cast<int64_t>(owed.size());
      o["owedFen"] = sum;
      total += sum;
      items.push_back(o);
    }
    return json::ok(bj::object{{"orgId", org.id}, {"month", monthText(month)}, {"items", items}, {"owedFen", total}});
  });

  api.get("/api/dues/flagged", P::MemberRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    auto org = queryOrg(c, req, ctx);
    // The current month is still payable: the rule looks at the months before it.
    Month month = queryMonth(req, "month", monthOf(today()) - 1);
    Rules r = rules(c);
    bj::array items;
    for (auto& m : load(c, Scope(org.path))) {
      int run = unpaidRun(r, m, month);
      if (run < r.flagMonths) continue;
      bj::array months;
      for (Month x = month - run + 1; x <= month; ++x) months.push_back(bj::string(monthText(x)));
      bj::object o = memberRef(m);
      o["unpaidMonths"] = run;
      o["months"] = months;
      items.push_back(o);
    }
    return json::ok(bj::object{
        {"orgId", org.id}, {"throughMonth", monthText(month)}, {"flagMonths", r.flagMonths}, {"items", items}});
  });

  api.get("/api/dues/export", P::MemberRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    auto org = queryOrg(c, req, ctx);
    Month month = queryMonth(req, "month", monthOf(today()));
    Rules r = rules(c);
    auto members = load(c, Scope(org.path));
    auto s = summarize(c, r, org, members, month);
    tabular::Sheet sum{
        "汇总", {{"党组织", "应交人数", "已交人数", "未交人数", "应交金额（元）", "已交金额（元）", "欠交金额（元）"}}};
    auto line = [&](const SummaryRow& x) {
      sum.rows.push_back({x.orgName, std::to_string(x.obliged), std::to_string(x.paidCount),
                          std::to_string(x.unpaidCount), yuan(x.dueFen), yuan(x.paidFen), yuan(x.owedFen)});
    };
    for (auto& x : s.rows) line(x);
    line(s.total);
    tabular::Sheet det{"明细",
                       {{"姓名", "所在党组织", "基数类别", "月收入基数（元）", "应交（元）", "已交（元）", "交纳日期",
                         "交纳方式", "状态"}}};
    for (auto& m : members) {
      Booked b = book(r, m, month);
      if (!b.obliged) continue;
      const auto* base = baseOn(m, month);
      auto pit = m.payments.find(month);
      bool paid = pit != m.payments.end();
      det.rows.push_back(
          {m.name, m.orgName, base ? kindLabel(base->base.kind) : "",
           base && (base->base.kind == "employed" || base->base.kind == "retired") ? yuan(base->base.baseFen) : "",
           yuan(b.dueFen), yuan(b.paidFen), paid ? pit->second.paidOn : "", paid ? pit->second.method : "",
           paid       ? "已交"
           : b.exempt ? "未交（已登记原因）"
                      : "未交"});
    }
    std::string bytes = tabular::writeXlsx(std::vector<tabular::Sheet>{sum, det});
    store::Transaction tx(c);
    audit::record(
        c, ctx.actor(),
        {"export", "dues", org.id, org.path, "导出党费台账：" + org.name + " " + monthText(month), nullptr, nullptr});
    tx.commit();
    return http::Response::download(std::move(bytes), kXlsxType,
                                    "党费台账-" + org.name + "-" + monthText(month) + ".xlsx");
  });
}

}  // namespace zg::dues
