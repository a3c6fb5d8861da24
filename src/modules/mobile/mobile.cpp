// M2 Mobile members 流动党员: the rules (records, the member's 流动党员 flag, contacts, the
// overdue computation, the request state machine) and the routes. Every query joins members
// and filters members.org_path by the caller's scope.
#include "modules/mobile/mobile.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "core/error.h"
#include "modules/orgs/orgs.h"
#include "platform/audit.h"
#include "platform/settings.h"
#include "platform/time.h"

namespace zg::mobile {

namespace bj = boost::json;
using store::Connection;
using store::Params;
using store::Value;

namespace {

constexpr const char* kInterval = "mobile.contact_interval_days";

const std::vector<std::pair<std::string, std::string>> kDirections = {{"outflow", "流出"}, {"inflow", "流入"}};
const std::vector<std::string> kChannels = {"电话", "微信", "走访", "来信"};
const std::vector<std::pair<std::string, std::string>> kStatuses = {
    {"open", "待办理"}, {"assigned", "办理中"}, {"closed", "已办结"}};

std::optional<std::string> lookup(const std::vector<std::pair<std::string, std::string>>& v, std::string_view k) {
  for (const auto& [key, label] : v)
    if (key == k) return label;
  return std::nullopt;
}

void ensureSettings() {
  static std::once_flag once;
  std::call_once(once, registerSettings);
}

Value opt(const std::optional<std::string>& s) { return s ? Value(*s) : Value(); }

// The member, active and within scope; Invalid on `field` otherwise (never says where it is).
struct MemberRef {
  int64_t id;
  std::string orgPath, name;
};
MemberRef memberInScope(Connection& c, const Scope& scope, int64_t id, const char* field) {
  Params p{id};
  std::string w = scope.where("org_path", p);
  auto r = c.query("SELECT id, org_path, name FROM members WHERE active = 1 AND id = ? AND " + w, p);
  if (r.empty()) throw Error::invalid(field, "党员不存在或不在管辖范围内", "not_found");
  return {r.front().i64(0), r.front().text(1), r.front().text(2)};
}

// A record within scope (through its member); NotFound otherwise.
struct RecordRef {
  int64_t id, memberId;
  std::string orgPath, memberName, direction, place;
  Date since;
  std::optional<std::string> until;
  int64_t version;
};
RecordRef recordInScope(Connection& c, const Scope& scope, int64_t id) {
  Params p{id};
  std::string w = scope.where("m.org_path", p);
  auto r = c.query(
      "SELECT r.id, r.member_id, m.org_path, m.name, r.direction, r.place, r.since_date, r.until_date, r.version "
      "FROM mobility_records r JOIN members m ON m.id = r.member_id WHERE r.id = ? AND " +
          w,
      p);
  if (r.empty()) throw Error::notFound("流动党员记录不存在");
  auto x = r.front();
  return {x.i64(0),
          x.i64(1),
          x.text(2),
          x.text(3),
          x.text(4),
          x.text(5),
          parseDate(x.text(6)).value_or(Date{1900, 1, 1}),
          x.optText(7),
          x.i64(8)};
}

bj::object recordSnapshot(Connection& c, int64_t id) {
  auto r = c.query(
      "SELECT member_id, direction, place, since_date, until_date, phone_mask, receiving_org, mobile_branch_id, "
      "reason, "
      "version FROM mobility_records WHERE id = ?",
      {id});
  if (r.empty()) return {};
  auto x = r.front();
  return {{"memberId", x.i64(0)},
          {"direction", x.text(1)},
          {"place", x.text(2)},
          {"sinceDate", x.text(3)},
          {"untilDate", json::fromValue(x[4])},
          {"phoneMasked", json::fromValue(x[5])},
          {"receivingOrg", json::fromValue(x[6])},
          {"mobileBranchId", json::fromValue(x[7])},
          {"reason", json::fromValue(x[8])},
          {"version", x.i64(9)}};
}

// Sets the member's 流动党员 flag from its ongoing outflows (the latest one's place as
// 外出流向), bumping the version and auditing when it changes.
void syncMemberFlag(Connection& c, const auth::Context& ctx, int64_t memberId) {
  auto cur = c.query("SELECT mobile, mobile_to, org_path, name FROM members WHERE id = ?", {memberId});
  if (cur.empty()) return;
  bool was = cur.front().i64(0) != 0;
  auto wasTo = cur.front().optText(1);
  auto ongoing = c.query(
      "SELECT place FROM mobility_records WHERE member_id = ? AND direction = 'outflow' AND until_date IS NULL "
      "ORDER BY since_date DESC, id DESC LIMIT 1",
      {memberId});
  bool now = !ongoing.empty();
  std::optional<std::string> nowTo = now ? std::optional<std::string>(ongoing.front().text(0)) : std::nullopt;
  if (was == now && wasTo == nowTo) return;
  c.exec("UPDATE members SET mobile = ?, mobile_to = ?, version = version + 1, updated_at = ? WHERE id = ?",
         {now, opt(nowTo), nowIso(), memberId});
  std::string name = cur.front().text(3);
  audit::record(
      c, ctx.actor(),
      {"update", "member", memberId, cur.front().text(2), (now ? "标记为流动党员：" : "取消流动党员标记：") + name,
       bj::object{{"mobile", was}, {"mobileTo", json::opt(wasTo)}},
       bj::object{{"mobile", now}, {"mobileTo", json::opt(nowTo)}}});
}

struct CheckedRecord {
  std::optional<std::string> phone;
  std::optional<std::string> branchName;
};

CheckedRecord check(Connection& c, const Scope& scope, const RecordInput& in) {
  CheckedRecord out;
  if (!lookup(kDirections, in.direction)) throw Error::invalid("direction", "流动方向应为“流出”或“流入”", "bad_choice");
  if (trim(in.place).empty()) throw Error::invalid("place", "请填写流动地点（省、市、区县）", "required");
  if (utf8Length(in.place) > 100) throw Error::invalid("place", "流动地点不能超过100个字", "too_long");
  if (!in.since) throw Error::invalid("sinceDate", "请填写流动开始日期", "required");
  if (*in.since > today()) throw Error::invalid("sinceDate", "流动开始日期不能晚于今天");
  if (in.phone) {
    auto p = normalizePhone(*in.phone);
    if (!p) throw Error::invalid("phone", "联系电话格式不正确（手机号码或带区号的固定电话）", "bad_phone");
    out.phone = *p;
  }
  if (in.mobileBranchId) {
    orgs::Org o = orgs::require(c, scope, *in.mobileBranchId, "mobileBranchId");
    if (o.branchType != "mobile" && o.branchType != "mobile_outside")
      throw Error::invalid("mobileBranchId", "所选组织不是流动党员党支部", "not_mobile_branch");
    if (o.dissolvedOn) throw Error::invalid("mobileBranchId", "该流动党员党支部已撤销");
    out.branchName = o.name;
  }
  return out;
}

Date requireDate(const std::optional<std::string>& s) { return parseDate(s.value_or("")).value_or(Date{1900, 1, 1}); }

// --- JSON ---

const char* kRecordCols =
    "r.id, r.member_id, m.name, m.org_id, o.name, r.direction, r.place, r.since_date, r.until_date, r.phone_mask, "
    "r.receiving_org, r.mobile_branch_id, b.name, r.reason, r.version, "
    "(SELECT MAX(k.contacted_on) FROM mobility_contacts k WHERE k.record_id = r.id), "
    "(SELECT COUNT(*) FROM mobility_requests q WHERE q.record_id = r.id AND q.status <> 'closed')";
const char* kRecordFrom =
    " FROM mobility_records r JOIN members m ON m.id = r.member_id JOIN orgs o ON o.id = m.org_id "
    "LEFT JOIN orgs b ON b.id = r.mobile_branch_id";

bj::object recordRow(const store::Row& x) {
  std::string dir = x.text(5);
  return {{"id", x.i64(0)},
          {"memberId", x.i64(1)},
          {"memberName", x.text(2)},
          {"orgId", x.i64(3)},
          {"orgName", x.text(4)},
          {"direction", dir},
          {"directionLabel", lookup(kDirections, dir).value_or(dir)},
          {"place", x.text(6)},
          {"sinceDate", x.text(7)},
          {"untilDate", json::opt(x.optText(8))},
          {"ongoing", x.isNull(8)},
          {"phoneMasked", json::opt(x.optText(9))},
          {"receivingOrg", json::opt(x.optText(10))},
          {"mobileBranchId", json::fromValue(x[11])},
          {"mobileBranchName", json::opt(x.optText(12))},
          {"reason", json::opt(x.optText(13))},
          {"version", x.i64(14)},
          {"lastContactOn", json::opt(x.optText(15))},
          {"openRequests", x.i64(16)}};
}

const char* kRequestCols =
    "q.id, q.record_id, r.member_id, m.name, q.kind, q.description, q.status, q.assignee_id, u.display_name, "
    "q.deadline, q.result, q.opened_on, q.assigned_on, q.closed_on, r.direction";
const char* kRequestFrom =
    " FROM mobility_requests q JOIN mobility_records r ON r.id = q.record_id JOIN members m ON m.id = r.member_id "
    "LEFT JOIN users u ON u.id = q.assignee_id";

bj::object requestRow(const store::Row& x) {
  std::string kind = x.text(4), status = x.text(6);
  auto deadline = x.optText(9);
  bool late = status != "closed" && deadline && *deadline < today().iso();
  return {{"id", x.i64(0)},
          {"recordId", x.i64(1)},
          {"memberId", x.i64(2)},
          {"memberName", x.text(3)},
          {"kind", kind},
          {"kindLabel", lookup(serviceKinds(), kind).value_or(kind)},
          {"description", x.text(5)},
          {"status", status},
          {"statusLabel", lookup(kStatuses, status).value_or(status)},
          {"assigneeId", json::fromValue(x[7])},
          {"assigneeName", json::opt(x.optText(8))},
          {"deadline", json::opt(deadline)},
          {"result", json::opt(x.optText(10))},
          {"openedOn", x.text(11)},
          {"assignedOn", json::opt(x.optText(12))},
          {"closedOn", json::opt(x.optText(13))},
          {"late", late},
          {"direction", x.text(14)}};
}

bj::object recordDetail(Connection& c, const Scope& scope, int64_t id) {
  Params p{id};
  std::string w = scope.where("m.org_path", p);
  auto r = c.query(std::string("SELECT ") + kRecordCols + kRecordFrom + " WHERE r.id = ? AND " + w, p);
  if (r.empty()) throw Error::notFound("流动党员记录不存在");
  bj::object o = recordRow(r.front());
  bj::array contacts;
  for (auto k : c.query("SELECT id, contacted_on, channel, note, user_name FROM mobility_contacts WHERE record_id = ? "
                        "ORDER BY contacted_on DESC, id DESC",
                        {id}))
    contacts.push_back({{"id", k.i64(0)},
                        {"contactedOn", k.text(1)},
                        {"channel", k.text(2)},
                        {"note", json::opt(k.optText(3))},
                        {"byName", k.text(4)}});
  o["contacts"] = std::move(contacts);
  bj::array requests;
  for (auto q : c.query(
           std::string("SELECT ") + kRequestCols + kRequestFrom + " WHERE q.record_id = ? ORDER BY q.id DESC", {id}))
    requests.push_back(requestRow(q));
  o["requests"] = std::move(requests);
  return o;
}

// The WHERE for lists: scope, optionally narrowed to an organization's subtree (in scope).
// The caller's scope, narrowed to an organization's subtree by `orgId=` (which must be in scope).
Scope narrowed(Connection& c, const Scope& scope, const http::Request& req) {
  auto v = req.q("orgId");
  if (!v || trim(*v).empty()) return scope;
  int64_t id = 0;
  try {
    size_t pos = 0;
    id = std::stoll(*v, &pos);
    if (pos != v->size() || id <= 0) throw 0;
  } catch (...) {
    throw Error::invalid("orgId", "组织编号无效");
  }
  return Scope(orgs::require(c, scope, id, "orgId").path);
}

std::string scopedWhere(Connection& c, const Scope& scope, const http::Request& req, Params& p) {
  return narrowed(c, scope, req).where("m.org_path", p);
}

struct RequestRef {
  int64_t id, recordId;
  std::string status, orgPath, memberName, kind;
};
RequestRef requestInScope(Connection& c, const Scope& scope, int64_t id) {
  Params p{id};
  std::string w = scope.where("m.org_path", p);
  auto r = c.query(
      "SELECT q.id, q.record_id, q.status, m.org_path, m.name, q.kind FROM mobility_requests q "
      "JOIN mobility_records r ON r.id = q.record_id JOIN members m ON m.id = r.member_id WHERE q.id = ? AND " +
          w,
      p);
  if (r.empty()) throw Error::notFound("服务诉求不存在");
  auto x = r.front();
  return {x.i64(0), x.i64(1), x.text(2), x.text(3), x.text(4), x.text(5)};
}

// Days since the civil epoch (Howard Hinnant's days_from_civil).
}  // namespace

const std::vector<std::pair<std::string, std::string>>& serviceKinds() {
  static const std::vector<std::pair<std::string, std::string>> v = {
      {"children_school", "子女入学"},
      {"job_training", "就业培训"},
      {"medical", "医疗服务"},
      {"legal_aid", "法律援助"},
      {"social_insurance", "社会保险"},
      {"org_transfer", "组织关系接转"},
      {"dues", "党费交纳"},
      {"study", "学习教育"},
      {"certificates", "证照办理"},
      {"hardship_aid", "困难帮扶"},
      {"rights", "权益维护"},
      {"skills", "技能培训"},
      {"housing", "住房保障"},
      {"family_planning", "计划生育"},
      {"household", "户籍办理"},
      {"consulting", "信息咨询"},
      {"other", "其他"},
  };
  return v;
}

void registerSettings() {
  settings::define({kInterval, "流动党员联系间隔（天）",
                    "“流动不流失、学习不掉队”（种子文件001）：流出地党组织应与流动党员保持经常联系。"
                    "超过该天数未登记联系的在外流动党员列入“联系超期”名单。默认90天（约每季度一次）"
                    "为本系统的默认做法，不是文件规定的天数，可按本区要求调整。",
                    settings::Type::Int, 90, 1, 3650});
}

RecordInput parseRecord(const json::Form& f, bool create) {
  RecordInput in;
  if (create) {
    in.memberId = f.requiredInt("memberId", "党员", 1, INT64_MAX);
    auto d = f.text("direction", "流动方向", 20);
    if (!d) throw Error::invalid("direction", "请选择流动方向（流出或流入）", "required");
    in.direction = *d == "流出" ? "outflow" : *d == "流入" ? "inflow" : *d;
  }
  in.place = f.requiredText("place", "流动地点", 100);
  in.since = f.date("sinceDate", "流动开始日期");
  in.phone = f.text("phone", "联系电话", 30);
  in.receivingOrg = f.text("receivingOrg", "接收党组织", 100);
  in.mobileBranchId = f.integer("mobileBranchId", "流动党员党支部", 1, INT64_MAX);
  in.reason = f.text("reason", "外出原因", 200);
  return in;
}

int64_t open(Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, const RecordInput& in) {
  if (!c.inTransaction()) throw Error::internal("mobile::open outside a transaction");
  MemberRef m = memberInScope(c, ctx.scope, in.memberId, "memberId");
  CheckedRecord k = check(c, ctx.scope, in);
  if (c.scalar("SELECT id FROM mobility_records WHERE member_id = ? AND direction = ? AND until_date IS NULL",
               {m.id, in.direction}))
    throw Error::conflict("ongoing", "该党员已有未结束的" + *lookup(kDirections, in.direction) + "记录，请先结束原记录",
                          "memberId");
  std::string now = nowIso();
  int64_t id =
      c.query(
           "INSERT INTO mobility_records(member_id, direction, place, since_date, phone_enc, phone_mask, "
           "receiving_org, mobile_branch_id, reason, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
           "RETURNING id",
           {m.id, in.direction, trim(in.place), in.since->iso(), k.phone ? Value(cipher.encrypt(*k.phone)) : Value(),
            k.phone ? Value(maskPhone(*k.phone)) : Value(), opt(in.receivingOrg),
            in.mobileBranchId ? Value(*in.mobileBranchId) : Value(), opt(in.reason), now, now})
          .front()
          .i64(0);
  audit::record(c, ctx.actor(),
                {"create", "mobility_record", id, m.orgPath,
                 "登记" + *lookup(kDirections, in.direction) + "党员：" + m.name + "（" + trim(in.place) + "）",
                 nullptr, recordSnapshot(c, id)});
  syncMemberFlag(c, ctx, m.id);
  return id;
}

void update(Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, int64_t id,
            const RecordInput& given, int64_t version) {
  if (!c.inTransaction()) throw Error::internal("mobile::update outside a transaction");
  RecordRef r = recordInScope(c, ctx.scope, id);
  if (r.version != version) throw Error::conflict("stale", "记录已被他人修改，请刷新后重试", "version");
  RecordInput in = given;
  in.memberId = r.memberId;
  in.direction = r.direction;
  CheckedRecord k = check(c, ctx.scope, in);
  if (r.until && *in.since > requireDate(r.until))
    throw Error::invalid("sinceDate", "流动开始日期不能晚于结束日期（" + *r.until + "）");
  bj::object before = recordSnapshot(c, id);
  int64_t n = c.exec(
      "UPDATE mobility_records SET place = ?, since_date = ?, phone_enc = ?, phone_mask = ?, receiving_org = ?, "
      "mobile_branch_id = ?, reason = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
      {trim(in.place), in.since->iso(), k.phone ? Value(cipher.encrypt(*k.phone)) : Value(),
       k.phone ? Value(maskPhone(*k.phone)) : Value(), opt(in.receivingOrg),
       in.mobileBranchId ? Value(*in.mobileBranchId) : Value(), opt(in.reason), nowIso(), id, version});
  if (n != 1) throw Error::conflict("stale", "记录已被他人修改，请刷新后重试", "version");
  audit::record(
      c, ctx.actor(),
      {"update", "mobility_record", id, r.orgPath, "修改流动党员记录：" + r.memberName, before, recordSnapshot(c, id)});
  syncMemberFlag(c, ctx, r.memberId);
}

void close(Connection& c, const auth::Context& ctx, int64_t id, std::optional<Date> until) {
  if (!c.inTransaction()) throw Error::internal("mobile::close outside a transaction");
  RecordRef r = recordInScope(c, ctx.scope, id);
  if (r.until) throw Error::conflict("closed", "该流动记录已于" + *r.until + "结束", "untilDate");
  Date end = until.value_or(today());
  if (end > today()) throw Error::invalid("untilDate", "结束日期不能晚于今天");
  if (end < r.since) throw Error::invalid("untilDate", "结束日期不能早于流动开始日期（" + r.since.iso() + "）");
  bj::object before = recordSnapshot(c, id);
  c.exec("UPDATE mobility_records SET until_date = ?, version = version + 1, updated_at = ? WHERE id = ?",
         {end.iso(), nowIso(), id});
  audit::record(c, ctx.actor(),
                {"close", "mobility_record", id, r.orgPath,
                 "结束流动党员记录：" + r.memberName + "（" + end.iso() + "）", before, recordSnapshot(c, id)});
  syncMemberFlag(c, ctx, r.memberId);
}

int64_t addContact(Connection& c, const auth::Context& ctx, int64_t recordId, const Date& on,
                   const std::string& channel, const std::optional<std::string>& note) {
  if (!c.inTransaction()) throw Error::internal("mobile::addContact outside a transaction");
  RecordRef r = recordInScope(c, ctx.scope, recordId);
  if (r.until) throw Error::conflict("closed", "该流动记录已结束，不能再登记联系", "contactedOn");
  if (std::find(kChannels.begin(), kChannels.end(), channel) == kChannels.end())
    throw Error::invalid("channel", "联系方式应为：电话、微信、走访、来信", "bad_choice");
  if (on > today()) throw Error::invalid("contactedOn", "联系日期不能晚于今天");
  if (on < r.since) throw Error::invalid("contactedOn", "联系日期不能早于流动开始日期（" + r.since.iso() + "）");
  if (note && utf8Length(*note) > 500) throw Error::invalid("note", "联系情况不能超过500个字", "too_long");
  int64_t id =
      c.query(
           "INSERT INTO mobility_contacts(record_id, contacted_on, channel, note, user_id, user_name, created_at) "
           "VALUES (?,?,?,?,?,?,?) RETURNING id",
           {recordId, on.iso(), channel, opt(note), ctx.user.id, ctx.user.displayName, nowIso()})
          .front()
          .i64(0);
  audit::record(
      c, ctx.actor(),
      {"contact", "mobility_record", recordId, r.orgPath,
       "登记与流动党员联系：" + r.memberName + "（" + on.iso() + "，" + channel + "）", nullptr,
       bj::object{{"contactId", id}, {"contactedOn", on.iso()}, {"channel", channel}, {"note", json::opt(note)}}});
  return id;
}

std::vector<Overdue> overdue(Connection& c, const Scope& scope, const Date& asOf, int64_t intervalDays) {
  Params p;
  std::string w = scope.where("m.org_path", p);
  auto rows = c.query(
      "SELECT r.id, r.member_id, r.since_date, (SELECT MAX(k.contacted_on) FROM mobility_contacts k WHERE k.record_id "
      "= "
      "r.id) FROM mobility_records r JOIN members m ON m.id = r.member_id WHERE r.until_date IS NULL AND m.active = 1 "
      "AND " +
          w,
      p);
  std::vector<Overdue> out;
  for (auto x : rows) {
    Overdue o;
    o.recordId = x.i64(0);
    o.memberId = x.i64(1);
    o.contacted = !x.isNull(3);
    o.lastContact = o.contacted ? x.text(3) : x.text(2);
    auto d = parseDate(o.lastContact);
    if (!d) continue;
    o.daysSince = daysBetween(*d, asOf);
    o.daysOverdue = o.daysSince - intervalDays;
    if (o.daysOverdue > 0) out.push_back(o);
  }
  std::sort(out.begin(), out.end(), [](const Overdue& a, const Overdue& b) {
    return a.daysOverdue != b.daysOverdue ? a.daysOverdue > b.daysOverdue : a.recordId < b.recordId;
  });
  return out;
}

int64_t openRequest(Connection& c, const auth::Context& ctx, int64_t recordId, const std::string& kind,
                    const std::string& description, std::optional<Date> deadline) {
  if (!c.inTransaction()) throw Error::internal("mobile::openRequest outside a transaction");
  RecordRef r = recordInScope(c, ctx.scope, recordId);
  if (r.until) throw Error::conflict("closed", "该流动记录已结束，不能再登记服务诉求", "kind");
  auto label = lookup(serviceKinds(), kind);
  if (!label) throw Error::invalid("kind", "请选择服务类别", "bad_choice");
  std::string desc = trim(description);
  if (desc.empty()) throw Error::invalid("description", "请填写诉求内容", "required");
  if (utf8Length(desc) > 500) throw Error::invalid("description", "诉求内容不能超过500个字", "too_long");
  Date now = today();
  if (deadline && *deadline < now) throw Error::invalid("deadline", "办理期限不能早于今天");
  std::string ts = nowIso();
  int64_t id =
      c.query(
           "INSERT INTO mobility_requests(record_id, kind, description, status, deadline, opened_on, created_at, "
           "updated_at) VALUES (?,?,?,'open',?,?,?,?) RETURNING id",
           {recordId, kind, desc, deadline ? Value(deadline->iso()) : Value(), now.iso(), ts, ts})
          .front()
          .i64(0);
  audit::record(
      c, ctx.actor(),
      {"create", "mobility_request", id, r.orgPath, "登记流动党员服务诉求：" + r.memberName + "（" + *label + "）",
       nullptr, bj::object{{"recordId", recordId}, {"kind", kind}, {"description", desc}}});
  return id;
}

void assignRequest(Connection& c, const auth::Context& ctx, int64_t id, int64_t userId) {
  if (!c.inTransaction()) throw Error::internal("mobile::assignRequest outside a transaction");
  RequestRef q = requestInScope(c, ctx.scope, id);
  if (q.status == "closed") throw Error::conflict("closed", "该服务诉求已办结，不能再指派", "status");
  auto u = auth::findUser(c, userId);
  if (!u || !u->active || !ctx.scope.contains(u->orgPath))
    throw Error::invalid("userId", "办理人不存在或不在管辖范围内", "not_found");
  auto before = c.query("SELECT status, assignee_id FROM mobility_requests WHERE id = ?", {id});
  bj::object b{{"status", before.front().text(0)}, {"assigneeId", json::fromValue(before.front()[1])}};
  c.exec(
      "UPDATE mobility_requests SET status = 'assigned', assignee_id = ?, assigned_on = ?, updated_at = ? WHERE id = ?",
      {u->id, today().iso(), nowIso(), id});
  audit::record(c, ctx.actor(),
                {"assign", "mobility_request", id, q.orgPath, "指派服务诉求：" + q.memberName + " → " + u->displayName,
                 b, bj::object{{"status", "assigned"}, {"assigneeId", u->id}, {"assigneeName", u->displayName}}});
}

void closeRequest(Connection& c, const auth::Context& ctx, int64_t id, const std::string& result) {
  if (!c.inTransaction()) throw Error::internal("mobile::closeRequest outside a transaction");
  RequestRef q = requestInScope(c, ctx.scope, id);
  if (q.status == "closed") throw Error::conflict("closed", "该服务诉求已办结", "status");
  std::string res = trim(result);
  if (res.empty()) throw Error::invalid("result", "请填写办理结果", "required");
  if (utf8Length(res) > 500) throw Error::invalid("result", "办理结果不能超过500个字", "too_long");
  c.exec("UPDATE mobility_requests SET status = 'closed', result = ?, closed_on = ?, updated_at = ? WHERE id = ?",
         {res, today().iso(), nowIso(), id});
  audit::record(c, ctx.actor(),
                {"close", "mobility_request", id, q.orgPath, "办结服务诉求：" + q.memberName,
                 bj::object{{"status", q.status}}, bj::object{{"status", "closed"}, {"result", res}}});
}

void registerRoutes(platform::Api& api) {
  registerSettings();
  using auth::Permission;
  platform::Services svc = api.services();

  api.get("/api/mobile/service-kinds", Permission::MemberRead, [](http::Request&, const auth::Context&, Connection&) {
    bj::array a;
    for (const auto& [k, l] : serviceKinds()) a.push_back({{"value", k}, {"label", l}});
    return json::ok(a);
  });

  api.get("/api/mobile/records", Permission::MemberRead,
          [](http::Request& req, const auth::Context& ctx, Connection& c) {
            auto ps = json::pageSpec(req, {{"sinceDate", "r.since_date, r.id"}, {"id", "r.id"}}, "-sinceDate");
            Params p;
            std::string w = scopedWhere(c, ctx.scope, req, p);
            if (auto d = req.q("direction"); d && !d->empty()) {
              if (!lookup(kDirections, *d))
                throw Error::invalid("direction", "流动方向应为 outflow 或 inflow", "bad_choice");
              w += " AND r.direction = ?";
              p.emplace_back(*d);
            }
            if (auto o = req.q("ongoing"); o && !o->empty()) {
              if (*o == "true" || *o == "1")
                w += " AND r.until_date IS NULL";
              else if (*o == "false" || *o == "0")
                w += " AND r.until_date IS NOT NULL";
              else
                throw Error::invalid("ongoing", "ongoing 应为 true 或 false");
            }
            if (auto s = req.q("q"); s && !trim(*s).empty()) {
              std::string e;
              for (char ch : trim(*s)) {
                if (ch == '%' || ch == '_' || ch == '\\') e.push_back('\\');
                e.push_back(ch);
              }
              w += " AND m.name LIKE ? ESCAPE '\\'";
              p.emplace_back("%" + e + "%");
            }
            int64_t total = c.scalar(std::string("SELECT COUNT(*)") + kRecordFrom + " WHERE " + w, p)->asInt();
            Params q = p;
            q.emplace_back(ps.pageSize);
            q.emplace_back(ps.offset());
            bj::array items;
            for (auto x : c.query(std::string("SELECT ") + kRecordCols + kRecordFrom + " WHERE " + w + " ORDER BY " +
                                      ps.orderBy + " LIMIT ? OFFSET ?",
                                  q))
              items.push_back(recordRow(x));
            return json::page(std::move(items), total, ps.page, ps.pageSize);
          });

  api.get("/api/mobile/records/:id", Permission::MemberRead,
          [](http::Request& req, const auth::Context& ctx, Connection& c) {
            return json::ok(recordDetail(c, ctx.scope, req.idParam()));
          });

  api.post("/api/mobile/records", Permission::MemberWrite,
           [svc](http::Request& req, const auth::Context& ctx, Connection& c) {
             RecordInput in = parseRecord(json::Form(req.body), true);
             store::Transaction tx(c);
             int64_t id = open(c, ctx, *svc.cipher, in);
             tx.commit();
             return json::ok(recordDetail(c, ctx.scope, id), 201);
           });

  api.put(
      "/api/mobile/records/:id", Permission::MemberWrite,
      [svc](http::Request& req, const auth::Context& ctx, Connection& c) {
        int64_t id = req.idParam();
        json::Form f(req.body);
        int64_t version = f.requiredInt("version", "版本号", 1, INT64_MAX);
        RecordInput in = parseRecord(f, false);
        store::Transaction tx(c);
        // The phone is shown masked only: an edit that leaves it out keeps the stored one.
        if (!f.has("phone")) {
          Params p{id};
          std::string w = ctx.scope.where("m.org_path", p);
          auto cur = c.query(
              "SELECT r.phone_enc FROM mobility_records r JOIN members m ON m.id = r.member_id WHERE r.id = ? AND " + w,
              p);
          if (!cur.empty() && !cur.front().isNull(0)) in.phone = svc.cipher->decrypt(cur.front().text(0));
        }
        update(c, ctx, *svc.cipher, id, in, version);
        tx.commit();
        return json::ok(recordDetail(c, ctx.scope, id));
      });

  api.post("/api/mobile/records/:id/close", Permission::MemberWrite,
           [](http::Request& req, const auth::Context& ctx, Connection& c) {
             int64_t id = req.idParam();
             json::Form f(req.body);
             auto until = f.date("untilDate", "结束日期");
             store::Transaction tx(c);
             close(c, ctx, id, until);
             tx.commit();
             return json::ok(recordDetail(c, ctx.scope, id));
           });

  api.post("/api/mobile/records/:id/contacts", Permission::MemberWrite,
           [](http::Request& req, const auth::Context& ctx, Connection& c) {
             int64_t id = req.idParam();
             json::Form f(req.body);
             Date on = f.date("contactedOn", "联系日期").value_or(today());
             auto channel = f.text("channel", "联系方式", 10);
             if (!channel) throw Error::invalid("channel", "请选择联系方式（电话、微信、走访、来信）", "required");
             auto note = f.text("note", "联系情况", 500);
             store::Transaction tx(c);
             addContact(c, ctx, id, on, *channel, note);
             tx.commit();
             return json::ok(recordDetail(c, ctx.scope, id), 201);
           });

  api.get(
      "/api/mobile/overdue", Permission::MemberRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
        ensureSettings();
        Scope within = narrowed(c, ctx.scope, req);
        int64_t interval = settings::getInt(c, kInterval);
        Date asOf = today();
        auto list = overdue(c, within, asOf, interval);
        // The rows of the ongoing records in the same scope, in one query.
        Params p;
        std::string w = within.where("m.org_path", p);
        std::map<int64_t, bj::object> rows;
        if (!list.empty())
          for (auto x :
               c.query(std::string("SELECT ") + kRecordCols + kRecordFrom + " WHERE r.until_date IS NULL AND " + w, p))
            rows[x.i64(0)] = recordRow(x);
        bj::array items;
        for (const auto& o : list) {
          auto it = rows.find(o.recordId);
          if (it == rows.end()) continue;
          bj::object row = std::move(it->second);
          row["daysSinceContact"] = o.daysSince;
          row["daysOverdue"] = o.daysOverdue;
          row["neverContacted"] = !o.contacted;
          items.push_back(std::move(row));
        }
        return json::ok(bj::object{{"items", items},
                                   {"total", static_cast<int64_t>(items.size())},
                                   {"intervalDays", interval},
                                   {"asOf", asOf.iso()}});
      });

  api.post("/api/mobile/records/:id/requests", Permission::MemberWrite,
           [](http::Request& req, const auth::Context& ctx, Connection& c) {
             int64_t id = req.idParam();
             json::Form f(req.body);
             auto kind = f.text("kind", "服务类别", 40);
             if (!kind) throw Error::invalid("kind", "请选择服务类别", "required");
             std::string desc = f.text("description", "诉求内容", 500).value_or("");
             auto deadline = f.date("deadline", "办理期限");
             store::Transaction tx(c);
             int64_t rid = openRequest(c, ctx, id, *kind, desc, deadline);
             tx.commit();
             Params p{rid};
             auto r = c.query(std::string("SELECT ") + kRequestCols + kRequestFrom + " WHERE q.id = ?", p);
             return json::ok(requestRow(r.front()), 201);
           });

  auto requestJson = [](Connection& c, int64_t id) {
    auto r = c.query(std::string("SELECT ") + kRequestCols + kRequestFrom + " WHERE q.id = ?", {id});
    return requestRow(r.front());
  };

  api.post("/api/mobile/requests/:id/assign", Permission::MemberWrite,
           [requestJson](http::Request& req, const auth::Context& ctx, Connection& c) {
             int64_t id = req.idParam();
             json::Form f(req.body);
             int64_t userId = f.requiredInt("userId", "办理人", 1, INT64_MAX);
             store::Transaction tx(c);
             assignRequest(c, ctx, id, userId);
             tx.commit();
             return json::ok(requestJson(c, id));
           });

  api.post("/api/mobile/requests/:id/close", Permission::MemberWrite,
           [requestJson](http::Request& req, const auth::Context& ctx, Connection& c) {
             int64_t id = req.idParam();
             json::Form f(req.body);
             std::string result = f.text("result", "办理结果", 500).value_or("");
             store::Transaction tx(c);
             closeRequest(c, ctx, id, result);
             tx.commit();
             return json::ok(requestJson(c, id));
           });

  api.get("/api/mobile/requests", Permission::MemberRead,
          [](http::Request& req, const auth::Context& ctx, Connection& c) {
            auto ps = json::pageSpec(req, {{"id", "q.id"}}, "-id");
            Params p;
            std::string w = scopedWhere(c, ctx.scope, req, p);
            if (auto s = req.q("status"); s && !s->empty()) {
              if (!lookup(kStatuses, *s))
                throw Error::invalid("status", "状态应为 open、assigned 或 closed", "bad_choice");
              w += " AND q.status = ?";
              p.emplace_back(*s);
            }
            int64_t total = c.scalar(std::string("SELECT COUNT(*)") + kRequestFrom + " WHERE " + w, p)->asInt();
            Params q = p;
            q.emplace_back(ps.pageSize);
            q.emplace_back(ps.offset());
            bj::array items;
            for (auto x : c.query(std::string("SELECT ") + kRequestCols + kRequestFrom + " WHERE " + w + " ORDER BY " +
                                      ps.orderBy + " LIMIT ? OFFSET ?",
                                  q))
              items.push_back(requestRow(x));
            return json::page(std::move(items), total, ps.page, ps.pageSize);
          });
}

boost::json::array memberRecords(Connection& c, const Scope& scope, int64_t memberId) {
  Params p{memberId};
  std::string w = scope.where("m.org_path", p);
  bj::array out;
  for (auto x : c.query(std::string("SELECT r.id") + kRecordFrom + " WHERE r.member_id = ? AND " + w +
                            " ORDER BY CASE WHEN r.until_date IS NULL THEN 0 ELSE 1 END, r.since_date DESC, r.id DESC",
                        p))
    out.push_back(recordDetail(c, scope, x.i64(0)));
  return out;
}

}  // namespace zg::mobile
