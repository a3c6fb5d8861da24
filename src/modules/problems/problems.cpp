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

#include <spdlog/spdlog.h>

#include "core/error.h"
#include "modules/orgs/orgs.h"
#include "platform/audit.h"
#include "platform/figures.h"
#include "platform/json.h"
#include "platform/notify.h"
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

const char* kOpenStates = "('received','assigned','in_progress')";

// The problem as a notification names it: number, kind, the household's address when known.
std::string problemLine(Connection& c, int64_t id) {
  auto r = c.query(
      "SELECT p.number, p.kind, h.address, h.building, h.unit, h.room FROM resident_problems p "
      "LEFT JOIN households h ON h.id = p.household_id WHERE p.id = ?",
      {id});
  auto x = r.front();
  std::string s = x.text(0) + "（" + x.text(1) + "）";
  if (!x.isNull(2)) {
    std::string addr = x.text(2);
    if (!x.text(3).empty()) addr += x.text(3) + "幢";
    if (!x.text(4).empty()) addr += x.text(4) + "单元";
    if (!x.text(5).empty()) addr += x.text(5) + "室";
    if (!addr.empty()) s += "，" + addr;
  }
  return s;
}

// Tells the member handling problem `id` that it is theirs (SMS through the outbox, in the caller's
// transaction). No resident's text, name or phone goes into the message.
void notifyMember(Connection& c, const crypto::FieldCipher& cipher, int64_t id, int64_t memberId, const Date& due,
                  const std::string& orgPath) {
  auto m = c.query("SELECT name, phone_enc FROM members WHERE id = ?", {memberId});
  if (m.empty()) return;
  notify::Message msg;
  msg.memberId = memberId;
  msg.recipientName = m.front().text(0);
  if (!m.front().isNull(1)) msg.phone = cipher.decrypt(m.front().text(1));
  msg.text = "【民情交办】" + problemLine(c, id) + "已交您办理，请于" + due.iso() +
             "前答复群众。登录组工“我的”查看并答复，或交回社区。";
  msg.refKind = "resident_problem";
  msg.refId = id;
  msg.orgPath = orgPath;
  notify::enqueue(c, cipher, msg);
}

// Tells the organization problem `id` now sits at (its phone, to its contact person or secretary).
void notifyOrg(Connection& c, const crypto::FieldCipher& cipher, int64_t id, int64_t orgId, const Date& due,
               const std::string& why) {
  auto o = c.query("SELECT name, contact, secretary, phone, path FROM orgs WHERE id = ?", {orgId});
  if (o.empty()) return;
  auto x = o.front();
  notify::Message msg;
  std::string who = x.optText(1).value_or("");
  if (who.empty()) who = x.optText(2).value_or("");
  msg.recipientName = who.empty() ? x.text(0) : x.text(0) + " " + who;
  if (!x.isNull(3) && !x.text(3).empty()) msg.phone = x.text(3);
  msg.text = "【民情" + why + "】" + problemLine(c, id) + "已转至" + x.text(0) + "，请于" + due.iso() +
             "前办理答复。登录组工“民情诉求”查看。";
  msg.refKind = "resident_problem";
  msg.refId = id;
  msg.orgPath = x.text(4);
  notify::enqueue(c, cipher, msg);
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
                    "服务运行时每隔该秒数检查一次超期未答复的民情并自动上提一级；0 表示不由服务检查（改用定时任务"
                    "执行 zugong problems sweep）",
                    settings::Type::Int, 60, 0, 86400});
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
  // The contact member hears of it, unless they are the one who recorded it (a visit they logged).
  bool self = memberId && actor.userId &&
              !c.query("SELECT id FROM users WHERE id = ? AND member_id = ?", {actor.userId, *memberId}).empty();
  if (memberId && !self) notifyMember(c, cipher, id, *memberId, due, path);
  audit::record(c, actor,
                {"create", "resident_problem", id, path, "受理民情 " + number + "（" + in.kind + "）", nullptr,
                 bj::object{{"number", number}, {"source", in.source}, {"kind", in.kind}, {"orgId", orgId},
                            {"state", state}, {"dueOn", due.iso()}}});
  return {id, number, secret};
}

void assign(Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, int64_t id,
            std::optional<int64_t> orgId, std::optional<int64_t> memberId, const std::optional<std::string>& note) {
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
  if (c.exec("UPDATE resident_problems SET org_id = ?, contact_member_id = ?, state = ?, version = version + 1, "
             "updated_at = ? WHERE id = ? AND version = ?",
             {newOrg, Value(newMember), state, nowIso(), id, r.version}) != 1)
    throw Error::conflict("version", "这条民情刚被他人更新，请刷新后再试");
  event(c, id, "assign", state, newOrg, ctx.actor().name, n);
  Date due = *parseDate(c.query("SELECT due_on FROM resident_problems WHERE id = ?", {id}).front().text(0));
  // The one it goes to hears of it: the new handler, or the organization when it moved there unhandled.
  if (newMember && newMember != r.memberId)
    notifyMember(c, cipher, id, *newMember, due, newPath);
  else if (!newMember && newOrg != r.orgId)
    notifyOrg(c, cipher, id, newOrg, due, "转派");
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
// The UPDATE is conditional on the row as `r` saw it (org, version, still open; for the sweep also
// still overdue): false, and nothing written, when it changed meanwhile.
bool moveUp(Connection& c, const auth::Actor& actor, const crypto::FieldCipher& cipher, const Ref& r, const Date& asOf,
            const std::string& action, const std::optional<std::string>& note) {
  if (!r.parentId) throw Error::conflict("top", "已在最高一级，不能再上提");
  ensureSettings();
  Date due = addDays(asOf, settings::getInt(c, kEscalationDays));
  auto parentPath = c.query("SELECT path FROM orgs WHERE id = ?", {*r.parentId}).front().text(0);
  std::string sql =
      "UPDATE resident_problems SET org_id = ?, state = 'received', contact_member_id = NULL, due_on = ?, "
      "escalations = escalations + 1, version = version + 1, updated_at = ? "
      "WHERE id = ? AND org_id = ? AND version = ? AND state IN " + std::string(kOpenStates);
  Params p{*r.parentId, due.iso(), nowIso(), r.id, r.orgId, r.version};
  if (action == "auto_escalate") {
    sql += " AND due_on < ?";
    p.emplace_back(asOf.iso());
  }
  if (c.exec(sql, p) != 1) return false;
  event(c, r.id, action, "received", *r.parentId, actor.name, note);
  audit::record(c, actor,
                {action == "escalate" ? "escalate" : "auto_escalate", "resident_problem", r.id, parentPath,
                 (action == "escalate" ? "上提民情 " : "超期自动上提民情 ") + r.number,
                 bj::object{{"orgId", r.orgId}, {"state", r.state}},
                 bj::object{{"orgId", *r.parentId}, {"state", "received"}, {"dueOn", due.iso()}}});
  notifyOrg(c, cipher, r.id, *r.parentId, due, action == "escalate" ? "上提" : "超期上提");
  return true;
}
}  // namespace

void escalate(Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, int64_t id,
              const std::optional<std::string>& note) {
  auto r = find(c, ctx.scope, id);
  requireState(r, {"received", "assigned", "in_progress"}, "上提");
  if (!moveUp(c, ctx.actor(), cipher, r, today(), "escalate", cleanNote(note, "note", 300)))
    throw Error::conflict("version", "这条民情刚被他人更新（可能已超期自动上提），请刷新后再试");
}

namespace {
void answerRef(Connection& c, const auth::Actor& actor, const Ref& r, const std::string& text) {
  requireState(r, {"received", "assigned", "in_progress"}, "答复");
  std::string t = trim(text);
  if (t.empty()) throw Error::invalid("answer", "请填写给群众的答复", "required");
  if (utf8Length(t) > 1000) throw Error::invalid("answer", "答复不能超过1000个字", "too_long");
  if (c.exec("UPDATE resident_problems SET state = 'answered', answer = ?, answered_on = ?, version = version + 1, "
             "updated_at = ? WHERE id = ? AND version = ?",
             {t, today().iso(), nowIso(), r.id, r.version}) != 1)
    throw Error::conflict("version", "这条民情刚被他人更新（可能已超期自动上提），请刷新后再试");
  event(c, r.id, "answer", "answered", r.orgId, actor.name, t);
  audit::record(c, actor, {"update", "resident_problem", r.id, r.orgPath, "答复民情 " + r.number,
                           bj::object{{"state", r.state}}, bj::object{{"state", "answered"}, {"answer", t}}});
}

// The problem if it is open and names `memberId` as its handler (NotFound otherwise: the member
// learns nothing of others' problems).
Ref findMine(Connection& c, int64_t memberId, int64_t id) {
  auto r = c.query(
      "SELECT p.id, p.org_id, o.path, p.state, p.number, o.parent_id, p.contact_member_id, p.version "
      "FROM resident_problems p JOIN orgs o ON o.id = p.org_id WHERE p.id = ? AND p.contact_member_id = ?",
      {id, memberId});
  if (r.empty()) throw Error::notFound("民情记录不存在或未交由您办理");
  auto x = r.front();
  return {x.i64(0), x.i64(1), x.text(2), x.text(3), x.text(4), x.optI64(5), x.optI64(6), x.i64(7)};
}
}  // namespace

void answer(Connection& c, const auth::Context& ctx, int64_t id, const std::string& text) {
  answerRef(c, ctx.actor(), find(c, ctx.scope, id), text);
}

std::vector<me::Task> meTasks(Connection& c, const me::Self& self, const Date& on) {
  std::vector<me::Task> out;
  for (auto x : c.query(
           "SELECT p.id, p.number, p.kind, p.due_on, h.address, h.building, h.unit, h.room FROM resident_problems p "
           "LEFT JOIN households h ON h.id = p.household_id WHERE p.contact_member_id = ? AND p.state IN " +
               std::string(kOpenStates) + " ORDER BY p.due_on, p.id",
           {self.memberId})) {
    std::string title = "民情 " + x.text(1) + "（" + x.text(2) + "）";
    if (!x.isNull(4)) {
      std::string addr = x.text(4);
      if (!x.text(5).empty()) addr += x.text(5) + "幢";
      if (!x.text(6).empty()) addr += x.text(6) + "单元";
      if (!x.text(7).empty()) addr += x.text(7) + "室";
      if (!addr.empty()) title += "：" + addr;
    }
    me::Task t{"problem", title, x.text(3), "/me/problems/" + std::to_string(x.i64(0))};
    t.overdue = x.text(3) < on.iso();
    out.push_back(std::move(t));
  }
  return out;
}

void memberAnswer(Connection& c, const auth::Actor& actor, int64_t memberId, int64_t id, const std::string& text) {
  auto r = findMine(c, memberId, id);
  answerRef(c, actor, r, text);
}

void memberPass(Connection& c, const auth::Actor& actor, const crypto::FieldCipher& cipher, int64_t memberId,
                int64_t id, const std::string& note) {
  auto r = findMine(c, memberId, id);
  requireState(r, {"assigned", "in_progress"}, "交回");
  auto n = cleanNote(note, "note", 300);
  if (!n) throw Error::invalid("note", "请写明交回社区的原因", "required");
  if (c.exec("UPDATE resident_problems SET state = 'received', contact_member_id = NULL, version = version + 1, "
             "updated_at = ? WHERE id = ? AND version = ?",
             {nowIso(), id, r.version}) != 1)
    throw Error::conflict("version", "这条民情刚被他人更新（可能已超期自动上提），请刷新后再试");
  event(c, id, "pass", "received", r.orgId, actor.name, n);
  audit::record(c, actor, {"update", "resident_problem", id, r.orgPath, "联户党员交回民情 " + r.number,
                           bj::object{{"state", r.state}, {"memberId", memberId}},
                           bj::object{{"state", "received"}, {"memberId", nullptr}, {"note", *n}}});
  Date due = *parseDate(c.query("SELECT due_on FROM resident_problems WHERE id = ?", {id}).front().text(0));
  notifyOrg(c, cipher, id, r.orgId, due, "交回");
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

std::vector<Overdue> overdue(Connection& c, const Date& asOf) {
  std::vector<Overdue> out;
  for (auto x : c.query("SELECT p.id, p.org_id, p.version FROM resident_problems p JOIN orgs o ON o.id = p.org_id "
                        "WHERE p.state IN " + std::string(kOpenStates) +
                            " AND p.due_on < ? AND o.parent_id IS NOT NULL ORDER BY p.id",
                        {asOf.iso()}))
    out.push_back({x.i64(0), x.i64(1), x.i64(2)});
  return out;
}

bool autoEscalate(Connection& c, const crypto::FieldCipher& cipher, const Overdue& item, const Date& asOf) {
  store::Transaction tx(c);
  auto rows = c.query(
      "SELECT p.id, p.org_id, o.path, p.state, p.number, o.parent_id, p.contact_member_id, p.version "
      "FROM resident_problems p JOIN orgs o ON o.id = p.org_id WHERE p.id = ?",
      {item.id});
  if (rows.empty()) return false;
  auto x = rows.front();
  // Describe the row as the sweep saw it: the conditional UPDATE then refuses a row moved since.
  Ref r{x.i64(0), item.orgId, x.text(2), x.text(3), x.text(4), x.optI64(5), x.optI64(6), item.version};
  if (x.i64(1) != item.orgId || x.i64(7) != item.version || !r.parentId) return false;
  if (!moveUp(c, auth::Actor::system("超期自动上提"), cipher, r, asOf, "auto_escalate",
              "超过办理时限未答复，自动上提一级"))
    return false;
  tx.commit();
  return true;
}

int sweep(Connection& c, const crypto::FieldCipher& cipher, const Date& asOf) {
  int moved = 0;
  for (const auto& item : overdue(c, asOf)) {
    try {
      if (autoEscalate(c, cipher, item, asOf)) ++moved;
    } catch (const std::exception& e) {
      // One bad row (e.g. a message the outbox refuses) must not stop the others.
      spdlog::error("problems sweep: problem {}: {}", item.id, e.what());
    }
  }
  return moved;
}

Sweeper::Sweeper(store::Database& db, crypto::FieldCipher cipher) : db_(db), cipher_(std::move(cipher)) {}
Sweeper::~Sweeper() { stop(); }

void Sweeper::start() {
  thread_ = std::thread([this] {
    using clock = std::chrono::steady_clock;
    std::optional<clock::time_point> last;
    std::unique_lock lk(mu_);
    while (!stop_) {
      lk.unlock();
      int64_t every = 60;
      try {
        auto c = db_.acquire();
        ensureSettings();
        every = settings::getInt(*c, kSweepSeconds);
        auto now = clock::now();
        if (every > 0 && (!last || now - *last >= std::chrono::seconds(every))) {
          last = now;
          int n = sweep(*c, cipher_, today());
          if (n > 0) spdlog::info("problems sweep: {} overdue problem(s) moved up one level", n);
        }
      } catch (const std::exception& e) {
        spdlog::error("problems sweep: {}", e.what());
      }
      lk.lock();
      int64_t wait = every > 0 ? std::min<int64_t>(every, 5) : 5;
      cv_.wait_for(lk, std::chrono::seconds(wait), [this] { return stop_; });
    }
  });
}

void Sweeper::stop() {
  {
    std::lock_guard g(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
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
