// Transfer of organizational relationship 组织关系接转: the state machine, the two-sided scope,
// the placement change on completion and the public receipt. Routes are in transfer_routes.cpp,
// the letter in transfer_letter.cpp, the figures in transfer_figures.cpp.
#include "modules/transfer/transfer.h"

#include <openssl/crypto.h>

#include <mutex>

#include "core/error.h"
#include "modules/members/members.h"
#include "modules/orgs/org_kinds.h"
#include "modules/orgs/orgs.h"
#include "modules/transfer/transfer_internal.h"
#include "platform/audit.h"
#include "platform/json.h"
#include "platform/settings.h"
#include "platform/time.h"

namespace zg::transfer {

namespace bj = boost::json;
using store::Connection;
using store::Params;
using store::Value;

namespace detail {

const char* kValidDays = "transfer.letter_valid_days";
const char* kMaxFailures = "transfer.receipt_max_failures";
const char* kRatePerMinute = "transfer.public_rate_per_minute";
const char* kBaseUrl = "transfer.public_base_url";

const char* kSelect =
    "SELECT t.id, t.code, t.check_code, t.direction, t.state, t.member_id, t.member_name, t.from_org_id, "
    "t.from_outside, t.to_org_id, t.to_outside, t.reason, t.note, t.outside_letter, t.in_member_enc, t.in_id_mask, "
    "t.in_id_hash, t.started_on, t.sent_on, t.deadline, t.received_on, t.completed_on, t.returned_on, "
    "t.cancelled_on, t.closing_reason, t.check_failures, t.version, fo.path, tor.path, fo.name, tor.name "
    "FROM transfer_cases t LEFT JOIN orgs fo ON fo.id = t.from_org_id LEFT JOIN orgs tor ON tor.id = t.to_org_id";

Case caseOf(const store::Row& x, const Scope& scope) {
  Case k;
  k.id = x.i64(0);
  k.code = x.text(1);
  k.check = x.text(2);
  k.direction = x.text(3);
  k.state = x.text(4);
  k.memberId = x.optI64(5);
  k.memberName = x.text(6);
  k.fromOrgId = x.optI64(7);
  k.fromOutside = x.optText(8);
  k.toOrgId = x.optI64(9);
  k.toOutside = x.optText(10);
  k.reason = x.text(11);
  k.note = x.optText(12);
  k.outsideLetter = x.optText(13);
  k.inEnc = x.optText(14);
  k.inMask = x.optText(15);
  k.inHash = x.optText(16);
  k.startedOn = x.text(17);
  k.sentOn = x.optText(18);
  k.deadline = x.optText(19);
  k.receivedOn = x.optText(20);
  k.completedOn = x.optText(21);
  k.returnedOn = x.optText(22);
  k.cancelledOn = x.optText(23);
  k.closingReason = x.optText(24);
  k.failures = x.i64(25);
  k.version = x.i64(26);
  k.fromPath = x.optText(27);
  k.toPath = x.optText(28);
  k.fromName = x.isNull(29) ? k.fromOutside.value_or("") : x.text(29);
  k.toName = x.isNull(30) ? k.toOutside.value_or("") : x.text(30);
  k.sendingSide = k.fromPath && scope.contains(*k.fromPath);
  k.receivingSide = k.toPath && scope.contains(*k.toPath);
  return k;
}

std::string visibleWhere(const Scope& scope, Params& p) {
  std::string a = scope.where("fo.path", p);
  std::string b = scope.where("tor.path", p);
  return "(" + a + " OR " + b + ")";
}

Case load(Connection& c, const Scope& scope, int64_t id) {
  Params p{id};
  std::string w = visibleWhere(scope, p);
  auto r = c.query(std::string(kSelect) + " WHERE t.id = ? AND " + w, p);
  if (r.empty()) throw Error::notFound("接转记录不存在");
  return caseOf(r.front(), scope);
}

std::optional<Case> byCode(Connection& c, const std::string& code) {
  if (code.empty() || code.size() > 20) return std::nullopt;
  for (char ch : code)
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-')) return std::nullopt;
  auto r = c.query(std::string(kSelect) + " WHERE t.code = ?", {code});
  if (r.empty()) return std::nullopt;
  return caseOf(r.front(), Scope());
}

bool isOpen(const std::string& state) { return state == "started" || state == "sent" || state == "received"; }

std::string stateLabel(const std::string& s) {
  if (s == "started") return "已发起";
  if (s == "sent") return "已开介绍信";
  if (s == "received") return "已接收";
  if (s == "completed") return "已办结";
  if (s == "returned") return "已退回";
  if (s == "cancelled") return "已撤销";
  return s;
}

std::string directionLabel(const std::string& d) {
  if (d == "within") return "区内接转";
  if (d == "out") return "转出区外";
  if (d == "in") return "从区外转入";
  return d;
}

bool overdueOn(const Case& k, const Date& on) {
  return k.state == "sent" && k.deadline && *k.deadline < on.iso();
}

// Who acts as the receiving side: for 'out' the receiving organization has no account, so the
// sending side records the returned counterfoil 回执.
bool actsAsReceiver(const Case& k) { return k.direction == "out" ? k.sendingSide : k.receivingSide; }

Actions actionsOf(const Case& k) {
  Actions a;
  bool sender = k.sendingSide && k.direction != "in";
  bool receiver = actsAsReceiver(k);
  a.send = sender && k.state == "started";
  a.cancel = sender && (k.state == "started" || k.state == "sent");
  a.receive = receiver && k.state == "sent";
  a.complete = receiver && k.state == "received";
  a.returnCase = receiver && (k.state == "sent" || k.state == "received");
  a.print = sender && (k.state == "sent" || k.state == "received" || k.state == "completed");
  return a;
}

bj::object row(const Case& k, const Date& on) {
  Actions a = actionsOf(k);
  return {{"id", k.id},
          {"code", k.code},
          {"direction", k.direction},
          {"directionLabel", directionLabel(k.direction)},
          {"state", k.state},
          {"stateLabel", stateLabel(k.state)},
          {"memberId", k.memberId ? bj::value(*k.memberId) : bj::value(nullptr)},
          {"memberName", k.memberName},
          {"fromOrgId", k.fromOrgId ? bj::value(*k.fromOrgId) : bj::value(nullptr)},
          {"fromName", k.fromName},
          {"toOrgId", k.toOrgId ? bj::value(*k.toOrgId) : bj::value(nullptr)},
          {"toName", k.toName},
          {"reason", k.reason},
          {"note", json::opt(k.note)},
          {"outsideLetter", json::opt(k.outsideLetter)},
          {"idNumberMask", json::opt(k.inMask)},
          {"startedOn", k.startedOn},
          {"sentOn", json::opt(k.sentOn)},
          {"deadline", json::opt(k.deadline)},
          {"receivedOn", json::opt(k.receivedOn)},
          {"completedOn", json::opt(k.completedOn)},
          {"returnedOn", json::opt(k.returnedOn)},
          {"cancelledOn", json::opt(k.cancelledOn)},
          {"closingReason", json::opt(k.closingReason)},
          {"open", isOpen(k.state)},
          {"overdue", overdueOn(k, on)},
          {"sendingSide", k.sendingSide},
          {"receivingSide", k.receivingSide},
          {"version", k.version},
          {"actions",
           bj::object{{"send", a.send},
                      {"cancel", a.cancel},
                      {"receive", a.receive},
                      {"complete", a.complete},
                      {"return", a.returnCase},
                      {"print", a.print}}}};
}

int validDays(Connection& c) {
  ensureSettings();
  return static_cast<int>(settings::getInt(c, kValidDays));
}

void ensureSettings() {
  static std::once_flag once;
  std::call_once(once, registerSettings);
}

}  // namespace detail

using namespace detail;

namespace {

bj::object snapshot(Connection& c, int64_t id) {
  auto r = c.query(
      "SELECT code, direction, state, member_id, member_name, from_org_id, from_outside, to_org_id, to_outside, "
      "reason, sent_on, deadline, received_on, completed_on, returned_on, cancelled_on, closing_reason, version "
      "FROM transfer_cases WHERE id = ?",
      {id});
  if (r.empty()) return {};
  auto x = r.front();
  static const char* keys[] = {"code",       "direction", "state",     "memberId",   "memberName", "fromOrgId",
                               "fromOutside", "toOrgId",  "toOutside", "reason",     "sentOn",     "deadline",
                               "receivedOn", "completedOn", "returnedOn", "cancelledOn", "closingReason", "version"};
  bj::object o;
  for (size_t i = 0; i < std::size(keys); ++i) o[keys[i]] = json::fromValue(x[i]);
  return o;
}

void event(Connection& c, int64_t id, const std::string& state, const Date& on, const auth::Actor& actor,
           const std::optional<std::string>& note) {
  c.exec("INSERT INTO transfer_events(case_id, state, on_date, at, user_id, actor_name, note) VALUES (?,?,?,?,?,?,?)",
         {id, state, on.iso(), nowIso(), actor.userId ? Value(actor.userId) : Value(), actor.name,
          note ? Value(*note) : Value()});
}

// Moves the case from one of `from` to `to`, setting `dateColumn` (and optional extra columns);
// Conflict "state" when the case is no longer in one of `from` (someone else acted first).
void transition(Connection& c, const Case& k, std::initializer_list<const char*> from, const std::string& to,
                const std::string& dateColumn, const Date& on, const std::string& extraSet = "",
                Params extra = {}) {
  bool allowed = false;
  for (auto s : from) allowed = allowed || k.state == s;
  if (!allowed)
    throw Error::conflict("state", "该接转记录当前状态为“" + stateLabel(k.state) + "”，不能办理此项", "state");
  Params p{to, on.iso(), nowIso()};
  for (auto& v : extra) p.push_back(v);
  p.emplace_back(k.id);
  std::string in;
  for (auto s : from) {
    in += in.empty() ? "?" : ",?";
    p.emplace_back(s);
  }
  int64_t n = c.exec("UPDATE transfer_cases SET state = ?, " + dateColumn + " = ?, updated_at = ?" + extraSet +
                         ", version = version + 1 WHERE id = ? AND state IN (" + in + ")",
                     p);
  if (n != 1) throw Error::conflict("state", "该接转记录已被他人办理，请刷新后重试", "state");
}

void requireSender(const Case& k) {
  if (!k.sendingSide || k.direction == "in")
    throw Error::forbidden("只有转出方党组织可以办理此项（接收方只能接收、办结或退回）");
}
void requireReceiver(const Case& k) {
  if (!actsAsReceiver(k))
    throw Error::forbidden(k.direction == "out" ? "只有转出方党组织可以登记区外接收单位的回执"
                                                : "只有接收方党组织可以办理此项（转出方只能发起、开具介绍信或撤销）");
}

// The member must still be active and in the sending branch; in PostgreSQL the UPDATE also locks
// the member row so a concurrent move (members::move, another transfer) waits and then finds the
// changed branch. Conflict "moved" otherwise.
void lockMemberInBranch(Connection& c, const Case& k) {
  int64_t n = c.exec(
      "UPDATE members SET updated_at = updated_at WHERE id = ? AND active = 1 AND org_id = ?",
      {k.memberId.value_or(0), k.fromOrgId.value_or(0)});
  if (n != 1)
    throw Error::conflict("moved",
                          "该党员的组织关系已在其他业务中变动（或已移出名册），不能继续本次接转，请撤销或退回后重新发起",
                          "memberId");
}

std::string audited(const Case& k) { return k.fromPath ? *k.fromPath : k.toPath.value_or("/"); }

// The caller acting with the whole district in reach, for the placement change only: the case
// was checked against the caller's own scope before (one side is theirs) and names both ends.
auth::Context districtWide(const auth::Context& ctx) {
  auth::Context w = ctx;
  w.scope = Scope::all();
  return w;
}

void validateReason(const std::string& reason, const char* field, const char* what) {
  if (trim(reason).empty()) throw Error::invalid(field, std::string("请填写") + what, "required");
  if (utf8Length(trim(reason)) > 100) throw Error::invalid(field, std::string(what) + "不能超过100个字", "too_long");
}

}  // namespace

void registerSettings() {
  settings::define({kValidDays, "组织关系介绍信有效期（天）",
                    "组织关系接转：介绍信自开具之日起的有效天数，逾期未接收的列入“逾期”名单。按组织关系介绍信"
                    "的通行规定，有效期一般为1个月、最长不超过3个月，默认30天。",
                    settings::Type::Int, 30, 1, 90});
  settings::define({kMaxFailures, "介绍信回执校验码错误次数上限",
                    "区外接收单位在公开回执页输入校验码，错误达到此次数后该介绍信锁定，需联系开具单位。默认5次。",
                    settings::Type::Int, 5, 1, 20});
  settings::define({kRatePerMinute, "公开回执页每分钟请求上限（每个IP）",
                    "公开回执页（无需登录）每个IP地址每分钟最多请求次数，超过返回“操作过于频繁”。默认10次。",
                    settings::Type::Int, 10, 1, 600});
  settings::define({kBaseUrl, "介绍信二维码网址前缀",
                    "介绍信二维码指向的公开回执页网址前缀（如 https://zugong.example.gov.cn）；为空时使用打印请求的"
                    "访问地址。",
                    settings::Type::Text, ""});
}

std::string letterCode(int year, int64_t id) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "JZ%04d-%06lld", year, static_cast<long long>(id));
  return buf;
}

std::string newCheckPart() {
  static const char kAlphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";  // no 0/O, 1/I
  std::string hex = crypto::randomHex(6), out;
  for (size_t i = 0; i < 6; ++i) out += kAlphabet[std::stoi(hex.substr(2 * i, 2), nullptr, 16) % 32];
  return out;
}

int64_t start(Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, const StartInput& in) {
  if (!c.inTransaction()) throw Error::internal("transfer::start outside a transaction");
  ensureSettings();
  const std::string& dir = in.direction;
  if (dir != "within" && dir != "out" && dir != "in")
    throw Error::invalid("direction", "接转类型应为区内接转、转出区外或从区外转入", "bad_choice");
  validateReason(in.reason, "reason", "接转原因");
  std::string reason = trim(in.reason);
  std::optional<std::string> note;
  if (in.note && !trim(*in.note).empty()) note = trim(*in.note);
  if (note && utf8Length(*note) > 500) throw Error::invalid("note", "备注不能超过500个字", "too_long");
  Date now = today();

  Params cols;  // values in the INSERT order below
  std::optional<int64_t> memberId, fromOrgId, toOrgId;
  std::optional<std::string> fromOutside, toOutside, outsideLetter, inEnc, inMask, inHash;
  std::string memberName, auditPath, toLabel;
  std::string state = "started";
  std::optional<Date> sentOn;

  if (dir == "within" || dir == "out") {
    if (!in.memberId) throw Error::invalid("memberId", "请选择要转接组织关系的党员", "required");
    Params p{*in.memberId};
    std::string w = ctx.scope.where("m.org_path", p);
    auto r = c.query("SELECT m.id, m.name, m.org_id, m.org_path FROM members m WHERE m.id = ? AND m.active = 1 AND " + w,
                     p);
    if (r.empty()) throw Error::invalid("memberId", "党员不存在或不在管辖范围内", "not_found");
    memberId = r.front().i64(0);
    memberName = r.front().text(1);
    fromOrgId = r.front().i64(2);
    auditPath = r.front().text(3);
    if (auto open = c.scalar("SELECT code FROM transfer_cases WHERE member_id = ? AND state IN ('started','sent','received')",
                             {*memberId}))
      throw Error::conflict("open_case", "该党员已有未办结的组织关系接转（" + open->asText() + "），请先办结或撤销",
                            "memberId");
    if (dir == "within") {
      if (!in.toOrgId) throw Error::invalid("toOrgId", "请选择接收党组织", "required");
      auto target = orgs::find(c, Scope::all(), *in.toOrgId);
      if (!target) throw Error::invalid("toOrgId", "接收党组织不存在", "not_found");
      if (!orgs::holdsMembers(target->kind))
        throw Error::invalid("toOrgId", "接收组织应为党支部（或直接管理党员的党组织）", "not_branch");
      if (target->dissolvedOn) throw Error::invalid("toOrgId", "接收党组织已撤销", "dissolved");
      if (target->id == *fromOrgId) throw Error::invalid("toOrgId", "党员已在该组织中，无需接转", "same_org");
      toOrgId = target->id;
      toLabel = target->name;
    } else {
      if (!in.toOutside || trim(*in.toOutside).empty())
        throw Error::invalid("toOutside", "请填写区外接收党组织的全称", "required");
      if (utf8Length(trim(*in.toOutside)) > 100) throw Error::invalid("toOutside", "接收党组织名称不能超过100个字", "too_long");
      toOutside = trim(*in.toOutside);
      toLabel = *toOutside;
    }
  } else {  // in
    if (!in.toOrgId) throw Error::invalid("toOrgId", "请选择接收党组织", "required");
    orgs::Org target = orgs::require(c, ctx.scope, *in.toOrgId, "toOrgId");
    if (!orgs::holdsMembers(target.kind))
      throw Error::invalid("toOrgId", "接收组织应为党支部（或直接管理党员的党组织）", "not_branch");
    if (target.dissolvedOn) throw Error::invalid("toOrgId", "接收党组织已撤销", "dissolved");
    toOrgId = target.id;
    toLabel = target.name;
    auditPath = target.path;
    if (!in.fromOutside || trim(*in.fromOutside).empty())
      throw Error::invalid("fromOutside", "请填写转出党组织（区外）的全称", "required");
    if (utf8Length(trim(*in.fromOutside)) > 100)
      throw Error::invalid("fromOutside", "转出党组织名称不能超过100个字", "too_long");
    fromOutside = trim(*in.fromOutside);
    if (in.outsideLetter && !trim(*in.outsideLetter).empty()) {
      if (utf8Length(trim(*in.outsideLetter)) > 40) throw Error::invalid("outsideLetter", "介绍信编号不能超过40个字");
      outsideLetter = trim(*in.outsideLetter);
    }
    // The incoming member: the same fields and checks as a new member (created on completion).
    bj::object body = in.incoming.value_or(bj::object{});
    json::Form f(body);
    members::Input mi = members::parseInput(f, false);
    IdNumberCheck chk = checkIdNumber(mi.idNumber);
    if (!chk.ok) throw Error::invalid("idNumber", chk.errorMessage, chk.errorCode);
    if (mi.category != "full" && mi.category != "probationary")
      throw Error::invalid("category", "人员类别应为正式党员或预备党员", "bad_choice");
    memberName = trim(mi.name);
    inHash = cipher.lookupHash(chk.normalized);
    if (c.scalar("SELECT id FROM members WHERE id_number_hash = ? AND active = 1", {*inHash}))
      throw Error::conflict("duplicate", "该身份证号码的党员已在本区名册中，不能从区外转入", "idNumber");
    if (auto open = c.scalar("SELECT code FROM transfer_cases WHERE in_id_hash = ? AND state IN ('started','sent','received')",
                             {*inHash}))
      throw Error::conflict("open_case", "该党员已有未办结的转入记录（" + open->asText() + "）", "idNumber");
    body.erase("orgId");
    body["idNumber"] = chk.normalized;
    inEnc = cipher.encrypt(bj::serialize(body));
    inMask = maskIdNumber(chk.normalized);
    sentOn = in.sentOn.value_or(now);
    if (*sentOn > now) throw Error::invalid("sentOn", "介绍信开具日期不能晚于今天");
    state = "sent";
  }

  std::optional<std::string> deadline;
  if (sentOn) deadline = addDays(*sentOn, validDays(c)).iso();
  std::string ts = nowIso();
  int64_t id = 0;
  try {
    id = c.query(
              "INSERT INTO transfer_cases(check_code, direction, state, member_id, member_name, from_org_id, "
              "from_outside, to_org_id, to_outside, reason, note, outside_letter, in_member_enc, in_id_mask, in_id_hash, "
              "started_on, sent_on, deadline, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
              "RETURNING id",
              {newCheckPart(), dir, state, Value(memberId), memberName, Value(fromOrgId), Value(fromOutside),
               Value(toOrgId), Value(toOutside), reason, Value(note), Value(outsideLetter), Value(inEnc), Value(inMask),
               Value(inHash), now.iso(), sentOn ? Value(sentOn->iso()) : Value(), Value(deadline), ts, ts})
             .front()
             .i64(0);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::Conflict && e.code() == "unique")
      throw Error::conflict("open_case", "该党员已有未办结的组织关系接转，请先办结或撤销", "memberId");
    throw;
  }
  std::string code = letterCode(std::stoi(now.iso().substr(0, 4)), id);
  c.exec("UPDATE transfer_cases SET code = ? WHERE id = ?", {code, id});
  event(c, id, "started", now, ctx.actor(), reason);
  if (state == "sent")
    event(c, id, "sent", *sentOn, ctx.actor(),
          "区外介绍信" + (outsideLetter ? "（" + *outsideLetter + "）" : std::string()) + "：" + *fromOutside);
  audit::record(c, ctx.actor(),
                {"create", "transfer", id, auditPath,
                 "发起组织关系接转（" + code + "）：" + memberName + " → " + toLabel, nullptr, snapshot(c, id)});
  return id;
}

void send(Connection& c, const auth::Context& ctx, int64_t id) {
  if (!c.inTransaction()) throw Error::internal("transfer::send outside a transaction");
  Case k = load(c, ctx.scope, id);
  requireSender(k);
  if (k.state == "started") lockMemberInBranch(c, k);
  Date now = today();
  bj::object before = snapshot(c, id);
  transition(c, k, {"started"}, "sent", "sent_on", now, ", deadline = ?", {addDays(now, validDays(c)).iso()});
  event(c, id, "sent", now, ctx.actor(), std::nullopt);
  audit::record(c, ctx.actor(),
                {"send", "transfer", id, audited(k), "开具组织关系介绍信（" + k.code + "）：" + k.memberName, before,
                 snapshot(c, id)});
}

void receive(Connection& c, const auth::Context& ctx, int64_t id) {
  if (!c.inTransaction()) throw Error::internal("transfer::receive outside a transaction");
  Case k = load(c, ctx.scope, id);
  requireReceiver(k);
  Date now = today();
  bj::object before = snapshot(c, id);
  transition(c, k, {"sent"}, "received", "received_on", now);
  event(c, id, "received", now, ctx.actor(), k.direction == "out" ? std::optional<std::string>("回执已收到") : std::nullopt);
  audit::record(c, ctx.actor(),
                {"receive", "transfer", id, audited(k), "接收组织关系（" + k.code + "）：" + k.memberName, before,
                 snapshot(c, id)});
}

namespace {

// The placement change of a completion, after the case row moved to completed.
void changePlacement(Connection& c, const auth::Context& ctx, const crypto::FieldCipher* cipher, const Case& k,
                     const Date& on) {
  std::string why = "组织关系接转（" + k.code + "）";
  if (k.direction == "within") {
    lockMemberInBranch(c, k);
    members::move(c, districtWide(ctx), *k.memberId, *k.toOrgId, on, why);
  } else if (k.direction == "out") {
    lockMemberInBranch(c, k);
    members::remove(c, districtWide(ctx), *k.memberId, "转出", on);
  } else {
    if (!k.inEnc || !cipher) throw Error::internal("transfer: 'in' case without the incoming member");
    bj::value v = bj::parse(cipher->decrypt(*k.inEnc));
    json::Form f(v.as_object());
    members::Input mi = members::parseInput(f, false);
    mi.orgId = *k.toOrgId;
    mi.orgField = "toOrgId";
    auth::Context receiving = ctx;
    receiving.scope = Scope(*k.toPath);
    int64_t memberId = members::create(c, receiving, *cipher, mi);
    // The placement opens on the completion day (members::create dates it from joinedOn).
    c.exec("UPDATE member_placements SET from_date = ?, reason = ? WHERE member_id = ? AND to_date IS NULL",
           {on.iso(), why, memberId});
    c.exec("UPDATE transfer_cases SET member_id = ? WHERE id = ?", {memberId, k.id});
  }
}

}  // namespace

void complete(Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, int64_t id) {
  if (!c.inTransaction()) throw Error::internal("transfer::complete outside a transaction");
  Case k = load(c, ctx.scope, id);
  requireReceiver(k);
  Date now = today();
  bj::object before = snapshot(c, id);
  transition(c, k, {"received"}, "completed", "completed_on", now);
  changePlacement(c, ctx, &cipher, k, now);
  event(c, id, "completed", now, ctx.actor(), std::nullopt);
  audit::record(c, ctx.actor(),
                {"complete", "transfer", id, audited(k),
                 "组织关系接转办结（" + k.code + "）：" + k.memberName + "，" + k.fromName + " → " + k.toName, before,
                 snapshot(c, id)});
}

void returnCase(Connection& c, const auth::Context& ctx, int64_t id, const std::string& reason) {
  if (!c.inTransaction()) throw Error::internal("transfer::returnCase outside a transaction");
  Case k = load(c, ctx.scope, id);
  requireReceiver(k);
  validateReason(reason, "reason", "退回原因");
  Date now = today();
  bj::object before = snapshot(c, id);
  transition(c, k, {"sent", "received"}, "returned", "returned_on", now, ", closing_reason = ?", {trim(reason)});
  event(c, id, "returned", now, ctx.actor(), trim(reason));
  audit::record(c, ctx.actor(),
                {"return", "transfer", id, audited(k), "退回组织关系介绍信（" + k.code + "）：" + k.memberName, before,
                 snapshot(c, id)});
}

void cancel(Connection& c, const auth::Context& ctx, int64_t id, const std::string& reason) {
  if (!c.inTransaction()) throw Error::internal("transfer::cancel outside a transaction");
  Case k = load(c, ctx.scope, id);
  requireSender(k);
  validateReason(reason, "reason", "撤销原因");
  Date now = today();
  bj::object before = snapshot(c, id);
  transition(c, k, {"started", "sent"}, "cancelled", "cancelled_on", now, ", closing_reason = ?", {trim(reason)});
  event(c, id, "cancelled", now, ctx.actor(), trim(reason));
  audit::record(c, ctx.actor(),
                {"cancel", "transfer", id, audited(k), "撤销组织关系接转（" + k.code + "）：" + k.memberName, before,
                 snapshot(c, id)});
}

namespace {

std::string maskName(const std::string& name) {
  // First character kept, the rest starred (张** / 欧阳**).
  std::string out;
  size_t i = 0, n = 0;
  while (i < name.size()) {
    unsigned char ch = static_cast<unsigned char>(name[i]);
    size_t len = ch < 0x80 ? 1 : (ch >> 5) == 6 ? 2 : (ch >> 4) == 14 ? 3 : 4;
    out += n == 0 ? name.substr(i, len) : std::string("*");
    i += len;
    ++n;
  }
  return out;
}

std::string normalizeCheck(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == ' ' || ch == '-') continue;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  return out;
}

}  // namespace

bj::object publicView(Connection& c, const std::string& code) {
  ensureSettings();
  auto k = byCode(c, code);
  if (!k) throw Error::notFound("介绍信编号不存在，请核对二维码或编号");
  int64_t max = settings::getInt(c, kMaxFailures);
  bool locked = k->failures >= max;
  return {{"code", k->code},
          {"direction", k->direction},
          {"directionLabel", directionLabel(k->direction)},
          {"state", k->state},
          {"stateLabel", stateLabel(k->state)},
          {"memberName", maskName(k->memberName)},
          {"fromName", k->fromName},
          {"toName", k->toName},
          {"sentOn", json::opt(k->sentOn)},
          {"deadline", json::opt(k->deadline)},
          {"receivedOn", json::opt(k->receivedOn)},
          {"overdue", overdueOn(*k, today())},
          {"locked", locked},
          {"canConfirm", k->direction == "out" && k->state == "sent" && !locked}};
}

void confirmPublic(Connection& c, const std::string& code, const std::string& check, const std::string& receiver,
                   const std::string& ip) {
  ensureSettings();
  std::string who = trim(receiver);
  if (who.empty()) throw Error::invalid("receiver", "请填写接收党组织名称", "required");
  if (utf8Length(who) > 100) throw Error::invalid("receiver", "接收党组织名称不能超过100个字", "too_long");
  std::string given = normalizeCheck(check);
  if (given.empty()) throw Error::invalid("check", "请输入介绍信上的校验码", "required");
  store::Transaction tx(c);
  auto k = byCode(c, code);
  if (!k) throw Error::notFound("介绍信编号不存在，请核对二维码或编号");
  if (k->direction != "out")
    throw Error::conflict("not_outside", "本区内的组织关系接转由接收党组织在系统中办理", "check");
  int64_t max = settings::getInt(c, kMaxFailures);
  if (k->failures >= max)
    throw Error::conflict("locked", "校验码错误次数过多，该介绍信已锁定，请联系开具介绍信的党组织", "check");
  auth::Context pub;
  pub.user.username = "public";
  pub.user.displayName = "介绍信回执：" + who;
  pub.scope = Scope::all();
  pub.ip = ip;
  bool same = given.size() == k->check.size() && CRYPTO_memcmp(given.data(), k->check.data(), given.size()) == 0;
  if (!same) {
    c.exec("UPDATE transfer_cases SET check_failures = check_failures + 1 WHERE id = ?", {k->id});
    audit::record(c, pub.actor(),
                  {"receipt_failed", "transfer", k->id, audited(*k), "介绍信回执校验码错误（" + k->code + "）", nullptr,
                   bj::object{{"failures", k->failures + 1}}});
    tx.commit();
    int64_t left = max - k->failures - 1;
    throw Error::invalid("check", left > 0 ? "校验码不正确，还可尝试" + std::to_string(left) + "次"
                                           : "校验码不正确，该介绍信已锁定，请联系开具介绍信的党组织",
                         "wrong");
  }
  if (k->state != "sent")
    throw Error::conflict("state", "该介绍信当前状态为“" + stateLabel(k->state) + "”，不能确认接收", "check");
  Date now = today();
  bj::object before = snapshot(c, k->id);
  transition(c, *k, {"sent"}, "received", "received_on", now);
  event(c, k->id, "received", now, pub.actor(), "区外接收单位在回执页确认：" + who);
  Case again = *k;
  again.state = "received";
  transition(c, again, {"received"}, "completed", "completed_on", now);
  changePlacement(c, pub, nullptr, *k, now);
  event(c, k->id, "completed", now, pub.actor(), std::nullopt);
  audit::record(c, pub.actor(),
                {"receipt", "transfer", k->id, audited(*k),
                 "区外接收单位确认接收组织关系（" + k->code + "）：" + k->memberName + " → " + who, before,
                 snapshot(c, k->id)});
  tx.commit();
}

std::vector<int64_t> overdue(Connection& c, const Scope& scope, const Date& on) {
  Params p{on.iso()};
  std::string w = visibleWhere(scope, p);
  std::vector<int64_t> out;
  for (auto x : c.query(std::string(kSelect) + " WHERE t.state = 'sent' AND t.deadline < ? AND " + w +
                            " ORDER BY t.deadline, t.id",
                        p))
    out.push_back(x.i64(0));
  return out;
}

std::vector<me::Task> memberTasks(Connection& c, const me::Self& self, const Date& on) {
  std::vector<me::Task> out;
  auto r = c.query(
      "SELECT t.code, t.state, t.deadline, COALESCE(tor.name, t.to_outside) FROM transfer_cases t "
      "LEFT JOIN orgs tor ON tor.id = t.to_org_id WHERE t.member_id = ? AND t.state IN ('started','sent','received') "
      "ORDER BY t.id",
      {self.memberId});
  for (auto x : r) {
    std::string state = x.text(1);
    std::string title = "组织关系转接中（" + x.text(0) + "）：转往" + x.text(3) + "，" + stateLabel(state);
    if (state == "sent") {
      title += x.isNull(2) ? "" : "，请在" + x.text(2) + "前持介绍信到接收党组织报到";
      if (!x.isNull(2) && x.text(2) < on.iso()) title += "（已逾期，请联系党组织）";
    }
    out.push_back({"transfer", title, x.optText(2), "/me"});
  }
  return out;
}

}  // namespace zg::transfer
