// Residents' problems 民情: the rules (intake through open(), the state machine, escalation by hand
// and by the overdue sweep, the answer and the satisfaction), the public status and rating by
// number + secret, the arithmetic human check, the contact cards PDF and the figure.
#include "modules/problems/problems.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "core/error.h"
#include "modules/orgs/orgs.h"
#include "platform/audit.h"
#include "platform/figures.h"
#include "platform/json.h"
#include "platform/pdf.h"
#include "platform/settings.h"
#include "platform/time.h"

namespace zg::problems {

namespace bj = boost::json;
using store::Connection;
using store::Params;
using store::Value;

namespace {

constexpr const char* kKinds = "problems.kinds";
constexpr const char* kEscalationDays = "problems.escalation_days";
constexpr const char* kSweepSeconds = "problems.sweep_interval_seconds";

const std::vector<std::pair<std::string, std::string>> kStates = {{"received", "已受理"},
                                                                  {"assigned", "已交办"},
                                                                  {"in_progress", "办理中"},
                                                                  {"answered", "已答复"},
                                                                  {"closed", "已办结"}};
const std::vector<std::pair<std::string, std::string>> kSatisfaction = {
    {"satisfied", "满意"}, {"basic", "基本满意"}, {"unsatisfied", "不满意"}};
const std::vector<std::pair<std::string, std::string>> kSources = {
    {"public", "群众扫码"}, {"hotline", "热线电话"}, {"visit", "入户走访"}};

void ensureSettings() {
  static std::once_flag once;
  std::call_once(once, registerSettings);
}

Value opt(const std::optional<std::string>& s) { return s ? Value(*s) : Value(); }

std::optional<std::string> cleanNote(const std::optional<std::string>& n, const char* field, size_t max) {
  if (!n) return std::nullopt;
  std::string t = trim(*n);
  if (t.empty()) return std::nullopt;
  if (utf8Length(t) > max) throw Error::invalid(field, "说明不能超过" + std::to_string(max) + "个字", "too_long");
  return t;
}

struct Ref {
  int64_t id, orgId;
  std::string orgPath, state, number;
  std::optional<int64_t> parentId, memberId;
  int64_t version;
};
Ref find(Connection& c, const Scope& scope, int64_t id) {
  Params p{id};
  std::string w = scope.where("o.path", p);
  auto r = c.query(
      "SELECT p.id, p.org_id, o.path, p.state, p.number, o.parent_id, p.contact_member_id, p.version "
      "FROM resident_problems p JOIN orgs o ON o.id = p.org_id WHERE p.id = ? AND " + w, p);
  if (r.empty()) throw Error::notFound("民情记录不存在或不在管辖范围内");
  auto x = r.front();
  return {x.i64(0), x.i64(1), x.text(2), x.text(3), x.text(4), x.optI64(5), x.optI64(6), x.i64(7)};
}

void event(Connection& c, int64_t problemId, const std::string& action, const std::string& state, int64_t orgId,
           const std::string& actor, const std::optional<std::string>& note) {
  c.exec("INSERT INTO resident_problem_events(problem_id, at, action, state, org_id, actor, note) VALUES (?,?,?,?,?,?,?)",
         {problemId, nowIso(), action, state, orgId, actor, opt(note)});
}

void requireState(const Ref& r, std::initializer_list<const char*> allowed, const std::string& what) {
  for (const char* s : allowed)
    if (r.state == s) return;
  throw Error::conflict("state", "当前状态不能" + what);
}

std::string stateLabel(const std::string& s) {
  for (const auto& [k, l] : kStates)
    if (k == s) return l;
  return s;
}

std::mutex gChallengeMu;
std::map<std::string, long long> gUsed;  // nonce → expiry (epoch seconds)

long long epochNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& states() { return kStates; }
const std::vector<std::pair<std::string, std::string>>& satisfactions() { return kSatisfaction; }

void registerSettings() {
  settings::define({kKinds, "民情类别及办理时限",
                    "民情诉求的类别和每类的办理时限（天），格式“类别:天数”，逗号分隔；超过时限未答复的自动上提一级"
                    "（种子000：民有所呼、我有所应，限时办结）",
                    settings::Type::Text,
                    "环境卫生:5,物业管理:7,邻里纠纷:5,帮扶救助:3,政策咨询:3,设施维修:10,意见建议:15,其他:10"});
  settings::define({kEscalationDays, "上提后办理时限", "民情上提到上级组织后的办理时限（天）", settings::Type::Int, 5, 1,
                    90});
  settings::define({"problems.hotline", "民情热线", "印在民情联系卡上的热线电话", settings::Type::Text, "0571-12345"});
  settings::define({"problems.public_reports_per_hour", "扫码反映频率上限",
                    "同一地址每小时可通过公开页面提交的民情条数（防止滥用）", settings::Type::Int, 5, 1, 10000});
  settings::define({"problems.public_reads_per_minute", "进度查询频率上限",
                    "同一地址每分钟可打开公开反映页或查询进度的次数", settings::Type::Int, 30, 1, 100000});
  settings::define({kSweepSeconds, "超期上提检查间隔",
                    "打开民情列表时，距上次检查超过该秒数则检查一次超期未办的民情并上提一级", settings::Type::Int, 60, 0,
                    86400});
}

std::vector<std::pair<std::string, int64_t>> kinds(Connection& c) {
  ensureSettings();
  std::string s = std::string(settings::get(c, kKinds).as_string());
  std::vector<std::pair<std::string, int64_t>> out;
  std::string item;
  std::stringstream ss(s);
  while (std::getline(ss, item, ',')) {
    // also accept the Chinese comma and colon
    auto colon = item.find(':');
    size_t skip = 1;
    if (colon == std::string::npos) {
      colon = item.find("：");
      skip = std::string("：").size();
    }
    std::string name = trim(colon == std::string::npos ? item : item.substr(0, colon));
    int64_t days = 10;
    if (colon != std::string::npos) {
      try {
        days = std::stoll(trim(item.substr(colon + skip)));
      } catch (...) {
      }
    }
    if (days < 1) days = 1;
    if (!name.empty()) out.emplace_back(name, days);
  }
  if (out.empty()) out.emplace_back("其他", 10);
  return out;
}

Opened open(Connection& c, const Scope& scope, const auth::Actor& actor, const crypto::FieldCipher& cipher,
            const OpenInput& in, const Date& asOf) {
  if (in.source != "public" && in.source != "hotline" && in.source != "visit")
    throw Error::invalid("source", "来源无效");
  int64_t days = -1;
  for (const auto& [k, d] : kinds(c))
    if (k == in.kind) days = d;
  if (days < 0) throw Error::invalid("kind", "请选择反映类别", "bad_kind");
  std::string text = trim(in.text);
  if (text.empty()) throw Error::invalid("text", "请写下要反映的问题或建议", "required");
  if (utf8Length(text) > 1000) throw Error::invalid("text", "内容不能超过1000个字", "too_long");
  std::string name = trim(in.reporterName);
  if (utf8Length(name) > 30) throw Error::invalid("reporterName", "姓名不能超过30个字", "too_long");
  std::optional<std::string> phone;
  if (in.phone && !trim(*in.phone).empty()) {
    phone = normalizePhone(*in.phone);
    if (!phone) throw Error::invalid("phone", "电话号码格式不正确（手机11位，或区号-号码）", "bad_phone");
  }
  if (in.source != "visit" && !phone && name.empty() && !in.householdId)
    throw Error::invalid("phone", "请留下姓名或联系电话，便于答复", "required");

  int64_t orgId = 0;
  std::optional<int64_t> memberId, householdId;
  if (in.householdId) {
    Params p{*in.householdId};
    std::string w = scope.where("o.path", p);
    auto r = c.query(
        "SELECT h.id, h.org_id, (SELECT member_id FROM household_contacts hc WHERE hc.household_id = h.id AND "
        "hc.to_on IS NULL ORDER BY hc.id DESC LIMIT 1) FROM households h JOIN orgs o ON o.id = h.org_id "
        "WHERE h.id = ? AND " + w, p);
    if (r.empty()) throw Error::invalid("householdId", "住户不存在或不在管辖范围内", "not_found");
    householdId = r.front().i64(0);
    orgId = r.front().i64(1);
    memberId = r.front().optI64(2);
  } else if (in.orgId) {
    orgId = orgs::require(c, scope, *in.orgId, "orgId").id;
  } else {
    auto r = c.query("SELECT id FROM orgs WHERE path = ?", {scope.path()});
    if (r.empty()) r = c.query("SELECT id FROM orgs WHERE parent_id IS NULL ORDER BY id LIMIT 1");
    if (r.empty()) throw Error::invalid("orgId", "请选择所在社区");
    orgId = r.front().i64(0);
  }
  std::string state = memberId ? "assigned" : "received";

  std::string prefix = "MQ" + std::to_string(asOf.year) + "-";
  Params lp{prefix + "%"};
  auto last = c.scalar("SELECT MAX(number) FROM resident_problems WHERE number LIKE ?", lp);
  int64_t seq = 1;
  if (last && !last->isNull()) seq = std::stoll(last->asText().substr(prefix.size())) + 1;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%06lld", static_cast<long long>(seq));
  std::string number = prefix + buf;
  std::string secret = crypto::randomHex(4);  // 8 hex characters, told to the resident with the number
  std::string now = nowIso();
  Date due = addDays(asOf, days);
  int64_t id = c.query("INSERT INTO resident_problems(number, secret, source, kind, body, reporter_name, phone_enc, "
                       "phone_mask, household_id, org_id, contact_member_id, state, received_on, due_on, created_at, "
                       "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                       {number, secret, in.source, in.kind, text, name, phone ? Value(cipher.encrypt(*phone)) : Value(),
                        phone ? Value(maskPhone(*phone)) : Value(), Value(householdId), orgId, Value(memberId), state,
                        asOf.iso(), due.iso(), now, now})
                   .front()
                   .i64(0);
  event(c, id, "open", state, orgId, actor.name, std::nullopt);
  auto path = c.query("SELECT path FROM orgs WHERE id = ?", {orgId}).front().text(0);
  audit::record(c, actor,
                {"create", "resident_problem", id, path, "受理民情 " + number + "（" + in.kind + "）", nullptr,
                 bj::object{{"number", number}, {"source", in.source}, {"kind", in.kind}, {"orgId", orgId},
                            {"state", state}, {"dueOn", due.iso()}}});
  return {id, number, secret};
}

void assign(Connection& c, const auth::Context& ctx, int64_t id, std::optional<int64_t> orgId,
            std::optional<int64_t> memberId, const std::optional<std::string>& note) {
  auto r = find(c, ctx.scope, id);
  requireState(r, {"received", "assigned", "in_progress"}, "交办");
  if (!orgId && !memberId) throw Error::invalid("memberId", "请选择承办的组织或联户党员", "required");
  int64_t newOrg = r.orgId;
  std::string newPath = r.orgPath;
  if (orgId) {
    auto o = orgs::require(c, ctx.scope, *orgId, "orgId");
    newOrg = o.id;
    newPath = o.path;
  }
  std::optional<int64_t> newMember = orgId && *orgId != r.orgId ? std::nullopt : r.memberId;
  if (memberId) {
    Params p{*memberId};
    std::string w = ctx.scope.where("org_path", p);
    if (c.query("SELECT id FROM members WHERE active = 1 AND id = ? AND " + w, p).empty())
      throw Error::invalid("memberId", "党员不存在、已出党籍或不在管辖范围内", "not_found");
    newMember = *memberId;
  }
  auto n = cleanNote(note, "note", 300);
  std::string state = newMember ? (r.state == "in_progress" && !orgId ? "in_progress" : "assigned") : "received";
  c.exec("UPDATE resident_problems SET org_id = ?, contact_member_id = ?, state = ?, version = version + 1, "
         "updated_at = ? WHERE id = ?",
         {newOrg, Value(newMember), state, nowIso(), id});
  event(c, id, "assign", state, newOrg, ctx.actor().name, n);
  audit::record(c, ctx.actor(),
                {"assign", "resident_problem", id, newPath, "交办民情 " + r.number,
                 bj::object{{"orgId", r.orgId}, {"memberId", r.memberId ? bj::value(*r.memberId) : nullptr}},
                 bj::object{{"orgId", newOrg}, {"memberId", newMember ? bj::value(*newMember) : nullptr}}});
}

void start(Connection& c, const auth::Context& ctx, int64_t id, const std::optional<std::string>& note) {
  auto r = find(c, ctx.scope, id);
  requireState(r, {"received", "assigned"}, "开始办理");
  auto n = cleanNote(note, "note", 300);
  c.exec("UPDATE resident_problems SET state = 'in_progress', version = version + 1, updated_at = ? WHERE id = ?",
         {nowIso(), id});
  event(c, id, "start", "in_progress", r.orgId, ctx.actor().name, n);
  audit::record(c, ctx.actor(), {"update", "resident_problem", id, r.orgPath, "开始办理民情 " + r.number,
                                 bj::object{{"state", r.state}}, bj::object{{"state", "in_progress"}}});
}

namespace {
// Moves one problem to its organization's parent (the caller checked the state).
void moveUp(Connection& c, const auth::Actor& actor, const Ref& r, const Date& asOf, const std::string& action,
            const std::optional<std::string>& note) {
  if (!r.parentId) throw Error::conflict("top", "已在最高一级，不能再上提");
  ensureSettings();
  Date due = addDays(asOf, settings::getInt(c, kEscalationDays));
  auto parentPath = c.query("SELECT path FROM orgs WHERE id = ?", {*r.parentId}).front().text(0);
  c.exec("UPDATE resident_problems SET org_id = ?, state = 'received', contact_member_id = NULL, due_on = ?, "
         "escalations = escalations + 1, version = version + 1, updated_at = ? WHERE id = ?",
         {*r.parentId, due.iso(), nowIso(), r.id});
  event(c, r.id, action, "received", *r.parentId, actor.name, note);
  audit::record(c, actor,
                {action == "escalate" ? "escalate" : "auto_escalate", "resident_problem", r.id, parentPath,
                 (action == "escalate" ? "上提民情 " : "超期自动上提民情 ") + r.number,
                 bj::object{{"orgId", r.orgId}, {"state", r.state}},
                 bj::object{{"orgId", *r.parentId}, {"state", "received"}, {"dueOn", due.iso()}}});
}
}  // namespace

void escalate(Connection& c, const auth::Context& ctx, int64_t id, const std::optional<std::string>& note) {
  auto r = find(c, ctx.scope, id);
  requireState(r, {"received", "assigned", "in_progress"}, "上提");
  moveUp(c, ctx.actor(), r, today(), "escalate", cleanNote(note, "note", 300));
}

void answer(Connection& c, const auth::Context& ctx, int64_t id, const std::string& text) {
  auto r = find(c, ctx.scope, id);
  requireState(r, {"received", "assigned", "in_progress"}, "答复");
  std::string t = trim(text);
  if (t.empty()) throw Error::invalid("answer", "请填写给群众的答复", "required");
  if (utf8Length(t) > 1000) throw Error::invalid("answer", "答复不能超过1000个字", "too_long");
  c.exec("UPDATE resident_problems SET state = 'answered', answer = ?, answered_on = ?, version = version + 1, "
         "updated_at = ? WHERE id = ?",
         {t, today().iso(), nowIso(), id});
  event(c, id, "answer", "answered", r.orgId, ctx.actor().name, t);
  audit::record(c, ctx.actor(), {"update", "resident_problem", id, r.orgPath, "答复民情 " + r.number,
                                 bj::object{{"state", r.state}}, bj::object{{"state", "answered"}, {"answer", t}}});
}

namespace {
std::string checkSatisfaction(const std::string& s) {
  for (const auto& [k, l] : kSatisfaction)
    if (k == s) return l;
  throw Error::invalid("satisfaction", "请选择满意、基本满意或不满意", "bad_satisfaction");
}
}  // namespace

void close(Connection& c, const auth::Context& ctx, int64_t id, const std::string& satisfaction,
           const std::optional<std::string>& note) {
  auto r = find(c, ctx.scope, id);
  std::string label = checkSatisfaction(satisfaction);
  requireState(r, {"answered"}, "办结（请先答复群众）");
  auto n = cleanNote(note, "note", 300);
  c.exec("UPDATE resident_problems SET state = 'closed', satisfaction = ?, closed_on = ?, version = version + 1, "
         "updated_at = ? WHERE id = ?",
         {satisfaction, today().iso(), nowIso(), id});
  event(c, id, "close", "closed", r.orgId, ctx.actor().name, n ? "群众评价：" + label + "；" + *n : "群众评价：" + label);
  audit::record(c, ctx.actor(), {"update", "resident_problem", id, r.orgPath, "办结民情 " + r.number + "（" + label + "）",
                                 bj::object{{"state", r.state}},
                                 bj::object{{"state", "closed"}, {"satisfaction", satisfaction}}});
}

int sweep(Connection& c, const Date& asOf) {
  store::Transaction tx(c);
  auto rows = c.query(
      "SELECT p.id, p.org_id, o.path, p.state, p.number, o.parent_id, p.contact_member_id, p.version "
      "FROM resident_problems p JOIN orgs o ON o.id = p.org_id "
      "WHERE p.state IN ('received','assigned','in_progress') AND p.due_on < ? AND o.parent_id IS NOT NULL",
      {asOf.iso()});
  int moved = 0;
  auto actor = auth::Actor::system("超期自动上提");
  for (auto x : rows) {
    Ref r{x.i64(0), x.i64(1), x.text(2), x.text(3), x.text(4), x.optI64(5), x.optI64(6), x.i64(7)};
    moveUp(c, actor, r, asOf, "auto_escalate", "超过办理时限未答复，自动上提一级");
    ++moved;
  }
  tx.commit();
  return moved;
}

void sweepIfDue(Connection& c) {
  static std::mutex mu;
  static long long last = 0;
  ensureSettings();
  long long every = settings::getInt(c, kSweepSeconds);
  {
    std::lock_guard lock(mu);
    long long now = epochNow();
    if (last != 0 && now - last < every) return;
    last = now;
  }
  sweep(c, today());
}

bj::object publicStatus(Connection& c, const std::string& number, const std::string& secret) {
  auto r = c.query(
      "SELECT number, secret, kind, state, received_on, due_on, answer, answered_on, satisfaction, closed_on "
      "FROM resident_problems WHERE number = ?",
      {number});
  // Compare the secret in constant time; the same NotFound for an unknown number and a wrong secret.
  if (r.empty() || secret.size() != r.front().text(1).size() ||
      crypto::hmacHex("k", secret) != crypto::hmacHex("k", r.front().text(1)))
    throw Error::notFound("编号或查询码不正确");
  auto x = r.front();
  std::string state = x.text(3);
  std::optional<std::string> satisfaction = x.optText(8);
  std::string satLabel;
  if (satisfaction)
    for (const auto& [k, l] : kSatisfaction)
      if (k == *satisfaction) satLabel = l;
  return {{"number", x.text(0)},
          {"kind", x.text(2)},
          {"state", state},
          {"stateLabel", stateLabel(state)},
          {"receivedOn", x.text(4)},
          {"dueOn", x.text(5)},
          {"answer", json::opt(x.optText(6))},
          {"answeredOn", json::opt(x.optText(7))},
          {"satisfaction", json::opt(satisfaction)},
          {"satisfactionLabel", satLabel.empty() ? bj::value(nullptr) : bj::value(satLabel)},
          {"closedOn", json::opt(x.optText(9))}};
}

void rate(Connection& c, const std::string& number, const std::string& secret, const std::string& satisfaction,
          const std::string& ip) {
  publicStatus(c, number, secret);  // NotFound unless number + secret match
  std::string label = checkSatisfaction(satisfaction);
  auto r = c.query("SELECT p.id, p.org_id, o.path, p.state FROM resident_problems p JOIN orgs o ON o.id = p.org_id "
                   "WHERE p.number = ?",
                   {number});
  auto x = r.front();
  if (x.text(3) != "answered") throw Error::conflict("state", "答复之后才能评价");
  int64_t id = x.i64(0);
  c.exec("UPDATE resident_problems SET state = 'closed', satisfaction = ?, closed_on = ?, version = version + 1, "
         "updated_at = ? WHERE id = ?",
         {satisfaction, today().iso(), nowIso(), id});
  auth::Actor actor{0, "群众（公开页面）", ip};
  event(c, id, "rate", "closed", x.i64(1), actor.name, "群众评价：" + label);
  audit::record(c, actor, {"update", "resident_problem", id, x.text(2), "群众评价民情 " + number + "（" + label + "）",
                           bj::object{{"state", "answered"}},
                           bj::object{{"state", "closed"}, {"satisfaction", satisfaction}}});
}

std::string cardToken(Connection& c, int64_t householdId) {
  auto r = c.query("SELECT token FROM household_card_tokens WHERE household_id = ?", {householdId});
  if (!r.empty()) return r.front().text(0);
  std::string t = crypto::randomHex(16);
  c.exec("INSERT INTO household_card_tokens(household_id, token, created_at) VALUES (?,?,?)",
         {householdId, t, nowIso()});
  return t;
}

std::string cardsPdf(Connection& c, const Scope& scope, const crypto::FieldCipher& cipher,
                     const std::vector<int64_t>& householdIds, const std::string& baseUrl) {
  ensureSettings();
  std::string hotline = std::string(settings::get(c, "problems.hotline").as_string());
  struct Card {
    std::string community, address, contact, phone, url;
  };
  std::vector<Card> cards;
  for (int64_t hid : householdIds) {
    Params p{hid};
    std::string w = scope.where("o.path", p);
    auto r = c.query(
        "SELECT o.name, h.building, h.unit, h.room, h.address, m.name, m.phone_enc, h.id FROM households h "
        "JOIN orgs o ON o.id = h.org_id LEFT JOIN household_contacts hc ON hc.household_id = h.id AND hc.to_on IS NULL "
        "LEFT JOIN members m ON m.id = hc.member_id WHERE h.id = ? AND " + w, p);
    if (r.empty()) throw Error::invalid("householdIds", "住户不存在或不在管辖范围内", "not_found");
    auto x = r.front();
    std::string addr = x.text(4);
    if (!x.text(1).empty()) addr += x.text(1) + "幢";
    if (!x.text(2).empty()) addr += x.text(2) + "单元";
    if (!x.text(3).empty()) addr += x.text(3) + "室";
    cards.push_back({x.text(0), addr, x.isNull(5) ? "（待安排）" : x.text(5), x.isNull(6) ? "" : cipher.decrypt(x.text(6)),
                     baseUrl + "/mq/r/" + cardToken(c, hid)});
  }
  pdf::Document d;
  d.setInfo("民情联系卡", "组工");
  // 2 columns × 4 rows per A4 page; each card 270 × 195 points.
  const double w = 270, h = 195, left = 22, top = 25, gap = 11;
  for (size_t i = 0; i < cards.size(); ++i) {
    if (i > 0 && i % 8 == 0) d.newPage();
    int k = static_cast<int>(i % 8);
    double x = left + (k % 2) * (w + gap), y = top + (k / 2) * (h + gap / 2);
    const auto& cd = cards[i];
    d.rect(x, y, w, h, 1.0);
    d.text(x + 12, y + 26, "民情联系卡", 16);
    d.text(x + 12, y + 46, cd.community, 9);
    d.line(x + 10, y + 54, x + w - 10, y + 54, 0.5);
    d.text(x + 12, y + 74, "住户：" + cd.address, 10);
    d.text(x + 12, y + 96, "联户党员：" + cd.contact, 11);
    d.text(x + 12, y + 116, "联系电话：" + (cd.phone.empty() ? std::string("—") : cd.phone), 10);
    d.text(x + 12, y + 138, "民情热线：" + hotline, 11);
    d.paragraph(x + 12, y + 160, 150, "有困难、有建议，扫右侧二维码反映，或拨打热线。", 8, 12);
    d.qr(x + w - 100, y + 70, 90, cd.url);
    d.text(x + w - 92, y + 172, "扫码反映问题", 8);
  }
  if (cards.empty()) d.centred(100, "未选择住户", 14);
  return d.bytes();
}

Challenge makeChallenge(const crypto::FieldCipher& cipher) {
  std::string r = crypto::randomHex(4);
  int a = 1 + static_cast<int>(std::stoul(r.substr(0, 4), nullptr, 16) % 9);
  int b = 1 + static_cast<int>(std::stoul(r.substr(4, 4), nullptr, 16) % 9);
  long long exp = epochNow() + 600;
  std::string nonce = crypto::randomHex(8);
  std::string payload = std::to_string(exp) + "." + nonce;
  std::string mac = cipher.lookupHash("problems.challenge|" + payload + "|" + std::to_string(a + b));
  return {std::to_string(a) + " + " + std::to_string(b) + " = ?", payload + "." + mac};
}

void checkChallenge(const crypto::FieldCipher& cipher, const std::string& token, const std::string& answer) {
  auto d1 = token.find('.');
  auto d2 = d1 == std::string::npos ? std::string::npos : token.find('.', d1 + 1);
  if (d2 == std::string::npos) throw Error::invalid("answer", "验证题已失效，请刷新后重答", "challenge");
  std::string payload = token.substr(0, d2), mac = token.substr(d2 + 1);
  std::string ans = trim(answer);
  long long exp = 0;
  try {
    exp = std::stoll(token.substr(0, d1));
  } catch (...) {
    throw Error::invalid("answer", "验证题已失效，请刷新后重答", "challenge");
  }
  long long now = epochNow();
  if (exp < now) throw Error::invalid("answer", "验证题已过期，请刷新后重答", "challenge");
  if (ans.empty() || ans.size() > 3 || cipher.lookupHash("problems.challenge|" + payload + "|" + ans) != mac)
    throw Error::invalid("answer", "验证题答案不对，请重新计算", "wrong_answer");
  std::lock_guard lock(gChallengeMu);
  for (auto it = gUsed.begin(); it != gUsed.end();) it = it->second < now ? gUsed.erase(it) : ++it;
  if (!gUsed.emplace(payload, exp).second) throw Error::invalid("answer", "验证题已使用，请刷新后重答", "challenge");
}

}  // namespace zg::problems
