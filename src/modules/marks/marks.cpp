// Responsibility marks 党员责任标识: the rules (marks with dated history, yearly commitments, the
// member's consent to show them), the branch's public page token, the public page itself (no
// login, rate-limited per address, read-only, only consented fields), the printable poster
// 公示牌 (PDF with the page's QR code) and the figure "members with marks by kind". Marks and
// commitments are scoped through their member (members.org_path); the public page through the
// organization the token belongs to.
#include "modules/marks/marks.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <unordered_map>

#include "core/error.h"
#include "modules/orgs/org_kinds.h"
#include "modules/orgs/orgs.h"
#include "platform/audit.h"
#include "platform/crypto.h"
#include "platform/figures.h"
#include "platform/json.h"
#include "platform/pdf.h"
#include "platform/settings.h"
#include "platform/time.h"

namespace zg::marks {

namespace bj = boost::json;
using store::Connection;
using store::Params;
using store::Value;

namespace {

constexpr const char* kRate = "marks.public_requests_per_minute";
constexpr const char* kBaseUrl = "public.base_url";

const std::vector<std::pair<std::string, std::string>> kKinds = {{"pioneer_post", "党员先锋岗"},
                                                                 {"responsibility_area", "党员责任区"},
                                                                 {"model_household", "党员示范户"},
                                                                 {"post_duty", "无职党员设岗定责"}};

std::optional<std::string> kindLabel(std::string_view k) {
  for (const auto& [key, label] : kKinds)
    if (key == k) return label;
  return std::nullopt;
}

void ensureSettings() {
  static std::once_flag once;
  std::call_once(once, registerSettings);
}

Value opt(const std::optional<std::string>& s) { return s ? Value(*s) : Value(); }

struct MemberRef {
  int64_t id;
  std::string orgPath, name;
};
MemberRef memberInScope(Connection& c, const Scope& scope, int64_t id, const char* field) {
  Params p{id};
  std::string w = scope.where("org_path", p);
  auto r = c.query("SELECT id, org_path, name FROM members WHERE active = 1 AND id = ? AND " + w, p);
  if (r.empty()) throw Error::invalid(field, "党员不存在、已出党籍或不在管辖范围内", "not_found");
  return {r.front().i64(0), r.front().text(1), r.front().text(2)};
}

struct MarkRef {
  int64_t id, memberId;
  std::string orgPath, memberName, kind, title;
  std::optional<std::string> description;
  std::string fromDate;
  std::optional<std::string> toDate;
  bool showPublic;
  int64_t version;
};
MarkRef markInScope(Connection& c, const Scope& scope, int64_t id) {
  Params p{id};
  std::string w = scope.where("m.org_path", p);
  auto r = c.query(
      "SELECT k.id, k.member_id, m.org_path, m.name, k.kind, k.title, k.description, k.from_date, k.to_date, "
      "k.show_public, k.version FROM responsibility_marks k JOIN members m ON m.id = k.member_id "
      "WHERE k.id = ? AND " +
          w,
      p);
  if (r.empty()) throw Error::notFound("责任标识记录不存在");
  auto x = r.front();
  return {x.i64(0),      x.i64(1),      x.text(2),           x.text(3),     x.text(4),  x.text(5),
          x.optText(6),  x.text(7),     x.optText(8),        x.i64(9) != 0, x.i64(10)};
}

std::string checkTitle(const std::string& title) {
  std::string t = trim(title);
  if (t.empty()) throw Error::invalid("title", "请填写岗位或责任区名称（如“垃圾分类督导岗”“3幢1-3单元”）", "required");
  if (utf8Length(t) > 60) throw Error::invalid("title", "名称不能超过60个字", "too_long");
  return t;
}

std::optional<std::string> checkDescription(const std::optional<std::string>& d) {
  if (!d) return std::nullopt;
  std::string t = trim(*d);
  if (t.empty()) return std::nullopt;
  if (utf8Length(t) > 300) throw Error::invalid("description", "职责说明不能超过300个字", "too_long");
  return t;
}

bj::object markJson(const store::Row& x, const Date& asOf) {
  // id, kind, title, description, from_date, to_date, show_public, version
  std::string kind = x.text(1);
  auto to = x.optText(5);
  std::string from = x.text(4);
  bool current = from <= asOf.iso() && (!to || *to > asOf.iso());
  return {{"id", x.i64(0)},
          {"kind", kind},
          {"kindLabel", kindLabel(kind).value_or(kind)},
          {"title", x.text(2)},
          {"description", json::opt(x.optText(3))},
          {"fromDate", from},
          {"toDate", json::opt(to)},
          {"current", current},
          {"showPublic", x.i64(6) != 0},
          {"version", x.i64(7)}};
}

// --- The public side ---

// A sliding one-minute window of requests per remote address, shared by the public routes.
class RateLimiter {
 public:
  // True when the address may make one more request now (and counts it).
  bool allow(const std::string& ip, int64_t perMinute) {
    using Clock = std::chrono::steady_clock;
    auto now = Clock::now();
    std::lock_guard lock(mu_);
    if (hits_.size() > 20000) {  // bound the memory: forget addresses idle for a minute
      for (auto it = hits_.begin(); it != hits_.end();)
        it = (it->second.empty() || now - it->second.back() > std::chrono::minutes(1)) ? hits_.erase(it) : ++it;
    }
    auto& q = hits_[ip];
    while (!q.empty() && now - q.front() >= std::chrono::minutes(1)) q.pop_front();
    if (static_cast<int64_t>(q.size()) >= perMinute) return false;
    q.push_back(now);
    return true;
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::deque<std::chrono::steady_clock::time_point>> hits_;
};

RateLimiter& limiter() {
  static RateLimiter r;
  return r;
}

bool wellFormedToken(const std::string& t) {
  if (t.size() != 32) return false;
  for (char ch : t)
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return false;
  return true;
}

// The base of public links: the setting, or the address the request came to.
std::string baseUrl(Connection& c, const http::Request& req) {
  ensureSettings();
  std::string base = std::string(settings::get(c, kBaseUrl).as_string());
  base = trim(base);
  if (base.empty()) {
    std::string host = req.header("host");
    if (host.empty()) host = "127.0.0.1";
    std::string proto = req.header("x-forwarded-proto") == "https" ? "https" : "http";
    base = proto + "://" + host;
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

std::string publicUrl(const std::string& base, const std::string& token) { return base + "/p/" + token; }

std::optional<std::string> tokenOf(Connection& c, int64_t orgId) {
  auto r = c.query("SELECT token FROM branch_public_pages WHERE org_id = ?", {orgId});
  if (r.empty()) return std::nullopt;
  return r.front().text(0);
}

// Marks current on asOf: from ≤ asOf < to.
const char* kCurrent = "k.from_date <= ? AND (k.to_date IS NULL OR k.to_date > ?)";

}  // namespace

const std::vector<std::pair<std::string, std::string>>& kinds() { return kKinds; }

void registerSettings() {
  settings::define({kRate, "公示页访问频率上限",
                    "同一地址每分钟可打开党员公示页的次数（公示页无需登录，超过后暂时拒绝，防止批量抓取）",
                    settings::Type::Int, 60, 1, 100000});
  settings::define({kBaseUrl, "公示页网址前缀",
                    "群众扫码打开的公示页网址前缀（如 https://zg.example.gov.cn）；留空则使用本服务器被访问时的地址",
                    settings::Type::Text, ""});
}

int64_t addMark(Connection& c, const auth::Context& ctx, const MarkInput& in) {
  if (!c.inTransaction()) throw Error::internal("marks::addMark outside a transaction");
  MemberRef m = memberInScope(c, ctx.scope, in.memberId, "memberId");
  auto label = kindLabel(in.kind);
  if (!label) throw Error::invalid("kind", "请选择标识类别（党员先锋岗、党员责任区、党员示范户、无职党员设岗定责）", "bad_choice");
  std::string title = checkTitle(in.title);
  auto desc = checkDescription(in.description);
  Date from = in.fromDate.value_or(today());
  if (from > today()) throw Error::invalid("fromDate", "开始日期不能晚于今天");
  auto dup = c.query(
      "SELECT id FROM responsibility_marks WHERE member_id = ? AND kind = ? AND title = ? AND to_date IS NULL",
      {m.id, in.kind, title});
  if (!dup.empty()) throw Error::conflict("duplicate", "该党员已有同名的" + *label + "，请勿重复登记", "title");
  std::string ts = nowIso();
  int64_t id = c.query(
                    "INSERT INTO responsibility_marks(member_id, kind, title, description, from_date, show_public, "
                    "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?) RETURNING id",
                    {m.id, in.kind, title, opt(desc), from.iso(), in.showPublic, ts, ts})
                   .front()
                   .i64(0);
  audit::record(c, ctx.actor(),
                {"create", "responsibility_mark", id, m.orgPath, "登记" + *label + "：" + m.name + "（" + title + "）",
                 nullptr,
                 bj::object{{"memberId", m.id},
                            {"kind", in.kind},
                            {"title", title},
                            {"description", json::opt(desc)},
                            {"fromDate", from.iso()},
                            {"showPublic", in.showPublic}}});
  return id;
}

void updateMark(Connection& c, const auth::Context& ctx, int64_t id, const std::string& title,
                const std::optional<std::string>& description, bool showPublic, int64_t version) {
  if (!c.inTransaction()) throw Error::internal("marks::updateMark outside a transaction");
  MarkRef k = markInScope(c, ctx.scope, id);
  if (k.version != version) throw Error::conflict("stale", "该记录已被他人修改，请刷新后再试", "version");
  if (k.toDate) throw Error::conflict("ended", "该标识已结束，不能再修改", "title");
  std::string t = checkTitle(title);
  auto d = checkDescription(description);
  // Compare-and-set on the version: a save on another server in between leaves nothing to match.
  if (c.exec("UPDATE responsibility_marks SET title = ?, description = ?, show_public = ?, version = version + 1, "
             "updated_at = ? WHERE id = ? AND version = ?",
             {t, opt(d), showPublic, nowIso(), id, version}) != 1)
    throw Error::conflict("stale", "该记录已被他人修改，请刷新后再试", "version");
  audit::record(c, ctx.actor(),
                {"update", "responsibility_mark", id, k.orgPath,
                 "修改" + kindLabel(k.kind).value_or(k.kind) + "：" + k.memberName + "（" + t + "）",
                 bj::object{{"title", k.title}, {"description", json::opt(k.description)}, {"showPublic", k.showPublic}},
                 bj::object{{"title", t}, {"description", json::opt(d)}, {"showPublic", showPublic}}});
}

void endMark(Connection& c, const auth::Context& ctx, int64_t id, std::optional<Date> toDate) {
  if (!c.inTransaction()) throw Error::internal("marks::endMark outside a transaction");
  MarkRef k = markInScope(c, ctx.scope, id);
  if (k.toDate) throw Error::conflict("ended", "该标识已于" + *k.toDate + "结束", "toDate");
  Date to = toDate.value_or(today());
  if (to.iso() < k.fromDate) throw Error::invalid("toDate", "结束日期不能早于开始日期（" + k.fromDate + "）");
  if (to > today()) throw Error::invalid("toDate", "结束日期不能晚于今天");
  c.exec("UPDATE responsibility_marks SET to_date = ?, version = version + 1, updated_at = ? WHERE id = ?",
         {to.iso(), nowIso(), id});
  audit::record(c, ctx.actor(),
                {"end", "responsibility_mark", id, k.orgPath,
                 "结束" + kindLabel(k.kind).value_or(k.kind) + "：" + k.memberName + "（" + k.title + "）",
                 bj::object{{"toDate", nullptr}}, bj::object{{"toDate", to.iso()}}});
}

void setCommitment(Connection& c, const auth::Context& ctx, int64_t memberId, int64_t year,
                   const std::string& commitment, const std::optional<std::string>& fulfilment, bool showPublic,
                   std::optional<int64_t> version) {
  if (!c.inTransaction()) throw Error::internal("marks::setCommitment outside a transaction");
  MemberRef m = memberInScope(c, ctx.scope, memberId, "memberId");
  int64_t thisYear = today().year;
  if (year < 2000 || year > thisYear + 1) throw Error::invalid("year", "承诺年度应在2000年至明年之间");
  std::string text = trim(commitment);
  if (text.empty()) throw Error::invalid("commitment", "请填写承诺内容", "required");
  if (utf8Length(text) > 300) throw Error::invalid("commitment", "承诺内容不能超过300个字", "too_long");
  std::optional<std::string> ful;
  if (fulfilment && !trim(*fulfilment).empty()) {
    ful = trim(*fulfilment);
    if (utf8Length(*ful) > 500) throw Error::invalid("fulfilment", "践诺情况不能超过500个字", "too_long");
  }
  auto cur = c.query(
      "SELECT id, commitment, fulfilment, show_public, version FROM member_commitments WHERE member_id = ? AND year = ?",
      {m.id, year});
  const char* stale = "该承诺已被他人修改，请刷新后再试";
  if (version && *version != (cur.empty() ? 0 : cur.front().i64(4))) throw Error::conflict("stale", stale, "version");
  std::string ts = nowIso();
  bj::object after{{"year", year}, {"commitment", text}, {"fulfilment", json::opt(ful)}, {"showPublic", showPublic}};
  if (cur.empty()) {
    int64_t id = c.query(
                      "INSERT INTO member_commitments(member_id, year, commitment, fulfilment, show_public, "
                      "created_at, updated_at) VALUES (?,?,?,?,?,?,?) RETURNING id",
                      {m.id, year, text, opt(ful), showPublic, ts, ts})
                     .front()
                     .i64(0);
    audit::record(c, ctx.actor(),
                  {"create", "member_commitment", id, m.orgPath,
                   "登记" + std::to_string(year) + "年度承诺：" + m.name, nullptr, after});
  } else {
    auto x = cur.front();
    if (c.exec("UPDATE member_commitments SET commitment = ?, fulfilment = ?, show_public = ?, version = version + 1, "
               "updated_at = ? WHERE id = ? AND version = ?",
               {text, opt(ful), showPublic, ts, x.i64(0), x.i64(4)}) != 1)
      throw Error::conflict("stale", stale, "version");
    audit::record(c, ctx.actor(),
                  {"update", "member_commitment", x.i64(0), m.orgPath,
                   "修改" + std::to_string(year) + "年度承诺：" + m.name,
                   bj::object{{"commitment", x.text(1)},
                              {"fulfilment", json::opt(x.optText(2))},
                              {"showPublic", x.i64(3) != 0}},
                   after});
  }
}

std::string issueToken(Connection& c, const auth::Context& ctx, int64_t orgId) {
  if (!c.inTransaction()) throw Error::internal("marks::issueToken outside a transaction");
  orgs::Org o = orgs::require(c, ctx.scope, orgId, "orgId");
  if (!orgs::holdsMembers(o.kind)) throw Error::invalid("orgId", "只有党支部（或直接管理党员的党组织）可以设置公示页", "not_branch");
  if (o.dissolvedOn) throw Error::invalid("orgId", "该组织已撤销");
  std::string token = crypto::randomHex(16);
  bool had = tokenOf(c, orgId).has_value();
  if (had)
    c.exec("UPDATE branch_public_pages SET token = ?, issued_at = ? WHERE org_id = ?", {token, nowIso(), orgId});
  else
    c.exec("INSERT INTO branch_public_pages(org_id, token, issued_at) VALUES (?,?,?)", {orgId, token, nowIso()});
  // The token itself is not written to the audit log: the log is readable by more people than
  // the branch's poster.
  audit::record(c, ctx.actor(),
                {had ? "regenerate" : "create", "branch_public_page", orgId, o.path,
                 (had ? "重新生成公示页链接（旧链接作废）：" : "生成公示页链接：") + o.name, nullptr,
                 bj::object{{"issued", true}}});
  return token;
}

bj::object publicPage(Connection& c, const std::string& token, const Date& asOf) {
  if (!wellFormedToken(token)) throw Error::notFound("公示页不存在或链接已更新");
  auto o = c.query(
      "SELECT o.id, o.name, o.secretary FROM branch_public_pages t JOIN orgs o ON o.id = t.org_id "
      "WHERE t.token = ? AND o.dissolved_on IS NULL",
      {token});
  if (o.empty()) throw Error::notFound("公示页不存在或链接已更新");
  int64_t orgId = o.front().i64(0);
  std::string d = asOf.iso();
  // Members (active, in good standing) of this organization, with what they agreed to show.
  std::map<int64_t, bj::object> byMember;
  std::vector<std::pair<std::string, int64_t>> order;  // (collation key, id)
  auto member = [&](int64_t id, const std::string& name, const std::string& sortKey) -> bj::object& {
    auto it = byMember.find(id);
    if (it == byMember.end()) {
      order.emplace_back(sortKey, id);
      it = byMember.emplace(id, bj::object{{"name", name}, {"marks", bj::array()}, {"commitment", nullptr}}).first;
    }
    return it->second;
  };
  for (auto x : c.query(std::string("SELECT m.id, m.name, k.kind, k.title, k.description, m.name_sort FROM responsibility_marks k "
                                    "JOIN members m ON m.id = k.member_id WHERE m.org_id = ? AND m.active = 1 AND "
                                    "m.standing = 'normal' AND k.show_public = 1 AND ") +
                            kCurrent + " ORDER BY m.name_sort, m.id, k.kind, k.from_date, k.id",
                        {orgId, d, d})) {
    std::string kind = x.text(2);
    member(x.i64(0), x.text(1), x.text(5))["marks"].as_array().push_back({{"kind", kind},
                                                               {"kindLabel", kindLabel(kind).value_or(kind)},
                                                               {"title", x.text(3)},
                                                               {"description", json::opt(x.optText(4))}});
  }
  for (auto x : c.query("SELECT m.id, m.name, p.commitment, p.fulfilment, p.year, m.name_sort FROM member_commitments p "
                        "JOIN members m ON m.id = p.member_id WHERE m.org_id = ? AND m.active = 1 AND "
                        "m.standing = 'normal' AND p.show_public = 1 AND p.year = ? ORDER BY m.name_sort, m.id",
                        {orgId, static_cast<int64_t>(asOf.year)}))
    member(x.i64(0), x.text(1), x.text(5))["commitment"] =
        bj::object{{"year", x.i64(4)}, {"text", x.text(2)}, {"fulfilment", json::opt(x.optText(3))}};
  // One list in the registry's name order (pinyin collation key), whichever query found them.
  std::sort(order.begin(), order.end());
  bj::array members;
  for (const auto& [key, id] : order) members.push_back(std::move(byMember[id]));
  return {{"branchName", o.front().text(1)},
          {"secretary", json::opt(o.front().optText(2))},
          {"asOf", d},
          {"year", asOf.year},
          {"members", std::move(members)}};
}

bj::object branchView(Connection& c, const Scope& scope, int64_t orgId, int64_t year) {
  orgs::Org o = orgs::require(c, scope, orgId);
  Date asOf = today();
  std::map<int64_t, bj::object> byMember;
  bj::array order;
  std::vector<int64_t> ids;
  for (auto x : c.query("SELECT id, name, category, post FROM members WHERE org_id = ? AND active = 1 "
                        "ORDER BY name_sort, id",
                        {orgId})) {
    ids.push_back(x.i64(0));
    byMember[x.i64(0)] = bj::object{{"id", x.i64(0)},
                                    {"name", x.text(1)},
                                    {"category", x.text(2)},
                                    {"post", json::opt(x.optText(3))},
                                    {"marks", bj::array()},
                                    {"commitment", nullptr}};
  }
  for (auto x : c.query(
           "SELECT k.id, k.kind, k.title, k.description, k.from_date, k.to_date, k.show_public, k.version, k.member_id "
           "FROM responsibility_marks k JOIN members m ON m.id = k.member_id WHERE m.org_id = ? AND m.active = 1 "
           "ORDER BY CASE WHEN k.to_date IS NULL THEN 0 ELSE 1 END, k.from_date DESC, k.id DESC",
           {orgId})) {
    auto it = byMember.find(x.i64(8));
    if (it != byMember.end()) it->second["marks"].as_array().push_back(markJson(x, asOf));
  }
  for (auto x : c.query("SELECT p.member_id, p.year, p.commitment, p.fulfilment, p.show_public, p.version "
                        "FROM member_commitments p JOIN members m ON m.id = p.member_id WHERE m.org_id = ? AND "
                        "m.active = 1 AND p.year = ?",
                        {orgId, year})) {
    auto it = byMember.find(x.i64(0));
    if (it != byMember.end())
      it->second["commitment"] = bj::object{{"year", x.i64(1)},
                                            {"text", x.text(2)},
                                            {"fulfilment", json::opt(x.optText(3))},
                                            {"showPublic", x.i64(4) != 0},
                                            {"version", x.i64(5)}};
  }
  bj::array members;
  int64_t withMarks = 0, withCommitment = 0;
  for (int64_t id : ids) {
    auto& m = byMember[id];
    bool any = false;
    for (auto& k : m["marks"].as_array())
      if (k.as_object().at("current").as_bool()) any = true;
    withMarks += any;
    withCommitment += !m["commitment"].is_null();
    members.push_back(std::move(m));
  }
  return {{"orgId", o.id},
          {"orgName", o.name},
          {"secretary", json::opt(o.secretary)},
          {"holdsMembers", orgs::holdsMembers(o.kind)},
          {"year", year},
          {"memberCount", static_cast<int64_t>(ids.size())},
          {"withMarks", withMarks},
          {"withCommitment", withCommitment},
          {"members", std::move(members)}};
}

namespace {

std::string poster(const bj::object& page, const std::string& url) {
  pdf::Document d;
  std::string branch(page.at("branchName").as_string());
  d.setInfo(branch + " 党员公示牌", "组工");
  double y = 70;
  d.centred(y, "党员亮身份 · 亮职责 · 亮承诺", 24);
  y += 34;
  d.centred(y, branch, 16);
  y += 24;
  if (page.at("secretary").is_string())
    d.centred(y, "支部书记：" + std::string(page.at("secretary").as_string()), 12);
  y += 16;
  d.qr(455, y, 100, url);
  d.text(40, y + 30, "扫码查看本支部党员公示页", 12);
  d.text(40, y + 50, "欢迎群众监督", 12);
  d.paragraph(40, y + 70, 400, url, 8, 10);
  y += 120;
  d.line(40, y, 555, y, 1);
  y += 22;
  const auto& members = page.at("members").as_array();
  if (members.empty()) {
    d.text(40, y, "（暂无公示内容）", 12);
  }
  for (const auto& mv : members) {
    const auto& m = mv.as_object();
    if (y > 780) {
      d.newPage();
      y = 60;
    }
    d.text(40, y, std::string(m.at("name").as_string()), 13);
    double yy = y;
    for (const auto& kv : m.at("marks").as_array()) {
      const auto& k = kv.as_object();
      std::string line = "【" + std::string(k.at("kindLabel").as_string()) + "】" + std::string(k.at("title").as_string());
      if (k.at("description").is_string()) line += "：" + std::string(k.at("description").as_string());
      yy = d.paragraph(130, yy, 425, line, 10.5, 15) ;
    }
    if (m.at("commitment").is_object())
      yy = d.paragraph(130, yy, 425, "承诺：" + std::string(m.at("commitment").as_object().at("text").as_string()), 10.5,
                       15);
    y = std::max(yy, y + 15) + 8;
    if (y < 800) d.line(40, y - 12, 555, y - 12, 0.3);
  }
  return d.bytes();
}

}  // namespace

void registerRoutes(platform::Api& api) {
  registerSettings();
  using auth::Permission;
  platform::Services svc = api.services();

  api.get("/api/marks/kinds", Permission::MemberRead, [](http::Request&, const auth::Context&, Connection&) {
    bj::array a;
    for (const auto& [k, l] : kinds()) a.push_back({{"value", k}, {"label", l}});
    return json::ok(a);
  });

  // The branch as staff see it, with its public link when issued.
  api.get("/api/marks/branches/:id", Permission::MemberRead,
          [](http::Request& req, const auth::Context& ctx, Connection& c) {
            int64_t orgId = req.idParam();
            int64_t year = today().year;
            if (auto y = req.q("year"); y && !y->empty()) {
              try {
                year = std::stoll(*y);
              } catch (...) {
                throw Error::invalid("year", "年度应为四位数字");
              }
              if (year < 2000 || year > 2100) throw Error::invalid("year", "年度应为四位数字");
            }
            bj::object o = branchView(c, ctx.scope, orgId, year);
            auto t = tokenOf(c, orgId);
            o["publicUrl"] = t ? bj::value(publicUrl(baseUrl(c, req), *t)) : bj::value(nullptr);
            o["publicPath"] = t ? bj::value("/p/" + *t) : bj::value(nullptr);
            return json::ok(o);
          });

  api.post("/api/marks/branches/:id/token", Permission::MemberWrite,
           [](http::Request& req, const auth::Context& ctx, Connection& c) {
             int64_t orgId = req.idParam();
             store::Transaction tx(c);
             std::string token = issueToken(c, ctx, orgId);
             tx.commit();
             return json::ok(bj::object{{"publicUrl", publicUrl(baseUrl(c, req), token)}, {"publicPath", "/p/" + token}},
                             201);
           });

  api.get("/api/marks/branches/:id/poster.pdf", Permission::MemberRead,
          [](http::Request& req, const auth::Context& ctx, Connection& c) {
            int64_t orgId = req.idParam();
            orgs::Org o = orgs::require(c, ctx.scope, orgId);
            auto t = tokenOf(c, orgId);
            if (!t) throw Error::conflict("no_token", "请先生成公示页链接，再打印公示牌");
            bj::object page = publicPage(c, *t, today());
            return http::Response::download(poster(page, publicUrl(baseUrl(c, req), *t)), "application/pdf",
                                            o.name + "-党员公示牌.pdf");
          });

  api.post("/api/marks", Permission::MemberWrite, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    json::Form f(req.body);
    MarkInput in;
    in.memberId = f.requiredInt("memberId", "党员", 1, INT64_MAX);
    in.kind = f.text("kind", "标识类别", 40).value_or("");
    in.title = f.text("title", "名称", 200).value_or("");
    in.description = f.text("description", "职责说明", 1000);
    in.fromDate = f.date("fromDate", "开始日期");
    in.showPublic = f.boolean("showPublic", false);
    store::Transaction tx(c);
    int64_t id = addMark(c, ctx, in);
    tx.commit();
    auto r = c.query(
        "SELECT id, kind, title, description, from_date, to_date, show_public, version, member_id "
        "FROM responsibility_marks WHERE id = ?",
        {id});
    bj::object o = markJson(r.front(), today());
    o["memberId"] = in.memberId;
    return json::ok(o, 201);
  });

  auto markReply = [](Connection& c, const Scope& scope, int64_t id) {
    markInScope(c, scope, id);
    auto r = c.query(
        "SELECT id, kind, title, description, from_date, to_date, show_public, version, member_id "
        "FROM responsibility_marks WHERE id = ?",
        {id});
    bj::object o = markJson(r.front(), today());
    o["memberId"] = r.front().i64(8);
    return json::ok(o);
  };

  api.put("/api/marks/:id", Permission::MemberWrite,
          [markReply](http::Request& req, const auth::Context& ctx, Connection& c) {
            int64_t id = req.idParam();
            json::Form f(req.body);
            int64_t version = f.requiredInt("version", "版本号", 1, INT64_MAX);
            std::string title = f.text("title", "名称", 200).value_or("");
            auto desc = f.text("description", "职责说明", 1000);
            store::Transaction tx(c);
            // Consent left out of the body keeps the recorded one (never silently withdrawn).
            bool show = f.has("showPublic") ? f.boolean("showPublic", false) : markInScope(c, ctx.scope, id).showPublic;
            updateMark(c, ctx, id, title, desc, show, version);
            tx.commit();
            return markReply(c, ctx.scope, id);
          });

  api.post("/api/marks/:id/end", Permission::MemberWrite,
           [markReply](http::Request& req, const auth::Context& ctx, Connection& c) {
             int64_t id = req.idParam();
             json::Form f(req.body);
             auto to = f.date("toDate", "结束日期");
             store::Transaction tx(c);
             endMark(c, ctx, id, to);
             tx.commit();
             return markReply(c, ctx.scope, id);
           });

  api.put("/api/marks/members/:id/commitments/:year", Permission::MemberWrite,
          [](http::Request& req, const auth::Context& ctx, Connection& c) {
            int64_t memberId = req.idParam();
            int64_t year = req.idParam("year");
            json::Form f(req.body);
            std::string text = f.text("commitment", "承诺内容", 1000).value_or("");
            auto ful = f.text("fulfilment", "践诺情况", 2000);
            bool show = f.boolean("showPublic", false);
            auto version = f.integer("version", "版本号", 0, INT64_MAX);  // checked when sent (the web app does)
            store::Transaction tx(c);
            setCommitment(c, ctx, memberId, year, text, ful, show, version);
            tx.commit();
            auto r = c.query(
                "SELECT year, commitment, fulfilment, show_public, version FROM member_commitments "
                "WHERE member_id = ? AND year = ?",
                {memberId, year});
            auto x = r.front();
            return json::ok(bj::object{{"memberId", memberId},
                                       {"year", x.i64(0)},
                                       {"text", x.text(1)},
                                       {"fulfilment", json::opt(x.optText(2))},
                                       {"showPublic", x.i64(3) != 0},
                                       {"version", x.i64(4)}});
          });

  // The public page: no session; read-only; limited per remote address; never cached by
  // shared caches and not indexed.
  api.open("GET", "/api/public/branches/:token", [svc](http::Request& req) {
    auto c = svc.db->acquire();
    ensureSettings();
    if (!limiter().allow(req.remoteIp, settings::getInt(*c, kRate)))
      throw Error(ErrorKind::TooManyRequests, "rate_limited", "访问过于频繁，请稍后再试");
    auto resp = json::ok(publicPage(*c, req.params.at("token"), today()));
    resp.setHeader("Cache-Control", "no-store");
    resp.setHeader("X-Robots-Tag", "noindex");
    return resp;
  });
}

// --- Figures ---

void registerFigures() {
  figures::Figure f;
  f.key = "marks.by_kind";
  f.group = "党员队伍";
  f.title = "党员责任标识（亮身份）";
  f.order = 150;
  // A member counts once per kind when they hold a mark of that kind on the last day of the
  // period; "any" counts each member once.
  auto condition = [](const figures::Query& q, const std::string& cell, Params& p) {
    std::string w = q.scope.where("m.org_path", p);
    std::string asOf = q.asOf().iso();
    p.emplace_back(asOf);
    p.emplace_back(asOf);
    std::string sql = " FROM members m WHERE m.active = 1 AND " + w +
                      " AND EXISTS (SELECT 1 FROM responsibility_marks k WHERE k.member_id = m.id AND " + kCurrent;
    if (cell != "any") {
      if (!kindLabel(cell)) throw Error::invalid("cell", "统计格不存在");
      sql += " AND k.kind = ?";
      p.emplace_back(cell);
    }
    return sql + ")";
  };
  f.cells = [condition](Connection& c, const figures::Query& q) {
    std::vector<figures::Cell> out;
    for (const auto& [k, l] : kKinds) {
      Params p;
      std::string sql = condition(q, k, p);
      out.push_back({k, l, c.scalar("SELECT COUNT(*)" + sql, p)->asInt()});
    }
    Params p;
    std::string sql = condition(q, "any", p);
    out.push_back({"any", "有责任标识的党员", c.scalar("SELECT COUNT(*)" + sql, p)->asInt()});
    return out;
  };
  f.records = [condition](Connection& c, const figures::Query& q, const std::string& cell, int64_t offset,
                          int64_t limit) {
    figures::Records r;
    r.columns = {{"name", "姓名"}, {"orgName", "所在支部"}, {"marks", "责任标识"}};
    Params p;
    std::string sql = condition(q, cell, p);
    r.total = c.scalar("SELECT COUNT(*)" + sql, p)->asInt();
    Params pp = p;
    std::string lim;
    if (limit >= 0) {
      lim = " LIMIT ? OFFSET ?";
      pp.emplace_back(limit);
      pp.emplace_back(offset);
    }
    std::string asOf = q.asOf().iso();
    for (auto x : c.query("SELECT m.id, m.name, (SELECT name FROM orgs WHERE id = m.org_id)" + sql +
                              " ORDER BY m.name_sort, m.id" + lim,
                          pp)) {
      std::string marks;
      for (auto k : c.query(std::string("SELECT k.kind, k.title FROM responsibility_marks k WHERE k.member_id = ? AND ") +
                                kCurrent + " ORDER BY k.kind, k.id",
                            {x.i64(0), asOf, asOf})) {
        if (!marks.empty()) marks += "；";
        marks += kindLabel(k.text(0)).value_or(k.text(0)) + "：" + k.text(1);
      }
      r.rows.push_back(bj::object{{"id", x.i64(0)}, {"name", x.text(1)}, {"orgName", x.text(2)}, {"marks", marks}});
    }
    return r;
  };
  figures::define(std::move(f));
}

}  // namespace zg::marks
