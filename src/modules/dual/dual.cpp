// In-service members' dual management 在职党员双重管理: the rules (who is in-service, the
// two-sided visibility, the community-side-only writes) and the routes.
#include "modules/dual/dual.h"

#include <algorithm>
#include <mutex>

#include "core/error.h"
#include "modules/orgs/orgs.h"
#include "platform/audit.h"
#include "platform/json.h"
#include "platform/settings.h"
#include "platform/time.h"

namespace zg::dual {

namespace bj = boost::json;
using store::Connection;
using store::Params;
using store::Value;

namespace {

constexpr const char* kNonWorkplace = "dual.non_workplace_branch_types";

void ensureSettings() {
  static std::once_flag once;
  std::call_once(once, registerSettings);
}

Value opt(const std::optional<std::string>& s) { return s ? Value(*s) : Value(); }

std::optional<std::string> clean(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  std::string t = trim(*s);
  if (t.empty()) return std::nullopt;
  return t;
}

// " AND <col> NOT IN (?, ?, …)" for the non-workplace branch types (NULL branch type counts as
// workplace: a committee or general branch of a unit).
std::string inServiceWhere(Connection& c, Params& p) {
  std::string w = "m.active = 1 AND (m.six_category IS NULL OR m.six_category <> 'veteran')";
  auto types = nonWorkplaceBranchTypes(c);
  if (!types.empty()) {
    w += " AND (mo.branch_type IS NULL OR mo.branch_type NOT IN (";
    for (size_t i = 0; i < types.size(); ++i) {
      w += i ? ",?" : "?";
      p.emplace_back(types[i]);
    }
    w += "))";
  }
  return w;
}

struct RegRef {
  int64_t id, memberId, communityId;
  std::string memberPath, communityPath, memberName, communityName, registeredOn;
  std::optional<std::string> endedOn, post, note;
  int64_t version;
  bool workplaceSide, communitySide;
};

// A registration the caller sees from either side; NotFound otherwise.
RegRef regVisible(Connection& c, const Scope& scope, int64_t id) {
  Params p{id};
  std::string w = visibleWhere(scope, "m.org_path", "co.path", p);
  auto r = c.query(
      "SELECT g.id, g.member_id, g.community_org_id, m.org_path, co.path, m.name, co.name, g.registered_on, "
      "g.ended_on, g.post, g.note, g.version FROM community_registrations g JOIN members m ON m.id = g.member_id "
      "JOIN orgs co ON co.id = g.community_org_id WHERE g.id = ? AND " +
          w,
      p);
  if (r.empty()) throw Error::notFound("报到记录不存在");
  auto x = r.front();
  RegRef g{x.i64(0),  x.i64(1),     x.i64(2),     x.text(3),     x.text(4), x.text(5), x.text(6),
           x.text(7), x.optText(8), x.optText(9), x.optText(10), x.i64(11), false,     false};
  g.workplaceSide = scope.contains(g.memberPath);
  g.communitySide = scope.contains(g.communityPath);
  return g;
}

// The community side only: the workplace side sees the record but may not change it.
RegRef regForCommunity(Connection& c, const Scope& scope, int64_t id) {
  RegRef g = regVisible(c, scope, id);
  if (!g.communitySide) throw Error::forbidden("只有报到社区（村）党组织可以办理此项（本单位只能查看）");
  return g;
}

bj::object snapshot(Connection& c, int64_t id) {
  auto r = c.query(
      "SELECT member_id, community_org_id, registered_on, ended_on, post, note, version FROM community_registrations "
      "WHERE id = ?",
      {id});
  if (r.empty()) return {};
  auto x = r.front();
  return {{"memberId", x.i64(0)},
          {"communityOrgId", x.i64(1)},
          {"registeredOn", x.text(2)},
          {"endedOn", json::fromValue(x[3])},
          {"post", json::fromValue(x[4])},
          {"note", json::fromValue(x[5])},
          {"version", x.i64(6)}};
}

const char* kCols =
    "g.id, g.member_id, m.name, m.org_id, mo.name, g.community_org_id, co.name, g.registered_on, g.ended_on, g.post, "
    "g.note, g.version, m.org_path, co.path, "
    "(SELECT COUNT(*) FROM community_service_logs s WHERE s.registration_id = g.id), "
    "(SELECT COALESCE(SUM(s.hours), 0) FROM community_service_logs s WHERE s.registration_id = g.id)";
const char* kFrom =
    " FROM community_registrations g JOIN members m ON m.id = g.member_id JOIN orgs mo ON mo.id = m.org_id "
    "JOIN orgs co ON co.id = g.community_org_id";

bj::object row(const store::Row& x, const Scope& scope) {
  return {{"id", x.i64(0)},
          {"memberId", x.i64(1)},
          {"memberName", x.text(2)},
          {"memberOrgId", x.i64(3)},
          {"memberOrgName", x.text(4)},
          {"communityOrgId", x.i64(5)},
          {"communityOrgName", x.text(6)},
          {"registeredOn", x.text(7)},
          {"endedOn", json::opt(x.optText(8))},
          {"current", x.isNull(8)},
          {"post", json::opt(x.optText(9))},
          {"note", json::opt(x.optText(10))},
          {"version", x.i64(11)},
          {"workplaceSide", scope.contains(x.text(12))},
          {"communitySide", scope.contains(x.text(13))},
          {"serviceCount", x.i64(14)},
          {"serviceHours", x.i64(15)}};
}

bj::object detail(Connection& c, const Scope& scope, int64_t id) {
  Params p{id};
  std::string w = visibleWhere(scope, "m.org_path", "co.path", p);
  auto r = c.query(std::string("SELECT ") + kCols + kFrom + " WHERE g.id = ? AND " + w, p);
  if (r.empty()) throw Error::notFound("报到记录不存在");
  bj::object o = row(r.front(), scope);
  bj::array logs;
  for (auto s : c.query("SELECT id, served_on, hours, description, user_name FROM community_service_logs WHERE "
                        "registration_id = ? ORDER BY served_on DESC, id DESC",
                        {id}))
    logs.push_back({{"id", s.i64(0)},
                    {"servedOn", s.text(1)},
                    {"hours", s.i64(2)},
                    {"description", s.text(3)},
                    {"byName", s.text(4)}});
  o["services"] = std::move(logs);
  return o;
}

// `orgId=` narrows to that organization's subtree (it must be in scope).
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

void checkPost(const std::optional<std::string>& post) {
  if (post && utf8Length(*post) > 50) throw Error::invalid("post", "认领岗位不能超过50个字", "too_long");
}

}  // namespace

void registerSettings() {
  settings::define({kNonWorkplace, "非在职党员的支部类型",
                    "在职党员双重管理（到社区报到）：这些支部类型（逗号分隔的英文代码）的党员不计为在职党员，"
                    "不列入“未报到党员”名单，也不能登记报到；6×3类别为“老党员及离退休职工党员”的也不计。"
                    "默认：社区、村、村民小组、离退休、流动党员、驻外流动党员、网格、楼宇。",
                    settings::Type::Text,
                    "community,village,villager_group,retired,mobile,mobile_outside,grid,building"});
}

std::vector<std::string> nonWorkplaceBranchTypes(Connection& c) {
  ensureSettings();
  auto v = settings::get(c, kNonWorkplace);
  std::vector<std::string> out;
  if (!v.is_string()) return out;
  std::string s(v.as_string());
  for (size_t i; (i = s.find("，")) != std::string::npos;) s.replace(i, std::string("，").size(), ",");
  size_t start = 0;
  while (true) {
    size_t comma = s.find(',', start);
    std::string t = trim(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!t.empty()) out.push_back(t);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string visibleWhere(const Scope& scope, const std::string& memberPathColumn,
                         const std::string& communityPathColumn, Params& params) {
  std::string a = scope.where(memberPathColumn, params);
  std::string b = scope.where(communityPathColumn, params);
  return "(" + a + " OR " + b + ")";
}

int64_t registerMember(Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher,
                       const RegisterInput& in) {
  if (!c.inTransaction()) throw Error::internal("dual::registerMember outside a transaction");
  int64_t communityOrgId = in.communityOrgId;
  auto co = orgs::find(c, Scope::all(), communityOrgId);
  if (!co) throw Error::invalid("communityOrgId", "报到社区（村）党组织不存在", "not_found");
  if (co->branchType != "community" && co->branchType != "village")
    throw Error::invalid("communityOrgId", "所选组织不是社区（村）党组织，请选择支部类型为“社区”或“村”的党组织",
                         "not_community");
  if (co->dissolvedOn) throw Error::invalid("communityOrgId", "该社区（村）党组织已撤销");
  bool communitySide = ctx.scope.contains(co->path);

  // The member: by id, or (the community side, the member present in person) by ID number.
  std::optional<std::string> idHash;
  if (in.idNumber && !trim(*in.idNumber).empty()) {
    IdNumberCheck chk = checkIdNumber(*in.idNumber);
    if (!chk.ok) throw Error::invalid("idNumber", chk.errorMessage, chk.errorCode);
    idHash = cipher.lookupHash(chk.normalized);
  }
  store::Result r;
  if (idHash) {
    r = c.query("SELECT id, org_path, name FROM members WHERE active = 1 AND id_number_hash = ?", {*idHash});
    if (r.empty() || (in.memberId && r.front().i64(0) != *in.memberId))
      throw Error::invalid("idNumber", "未找到该身份证号码的在册党员（或与所选党员不符），请核对", "not_found");
  } else {
    if (!in.memberId) throw Error::invalid("memberId", "请选择报到的党员（或填写其身份证号码）", "required");
    r = c.query("SELECT id, org_path, name FROM members WHERE active = 1 AND id = ?", {*in.memberId});
  }
  // Either side may record the registration; the community side, for a member of a branch
  // outside its scope, only with the member's ID number (no browsing of other streets' members).
  bool workplaceSide = !r.empty() && ctx.scope.contains(r.front().text(1));
  if (r.empty() || !(workplaceSide || (communitySide && idHash))) {
    if (communitySide && !idHash)
      throw Error::invalid("idNumber", "登记外单位党员到本社区报到，请填写该党员的身份证号码以核对身份", "required");
    throw Error::invalid("memberId", "党员不存在或不在管辖范围内", "not_found");
  }
  int64_t memberId = r.front().i64(0);
  std::string memberPath = r.front().text(1), name = r.front().text(2);
  Params p;
  std::string w = inServiceWhere(c, p);
  p.emplace_back(memberId);
  if (c.scalar("SELECT COUNT(*) FROM members m JOIN orgs mo ON mo.id = m.org_id WHERE " + w + " AND m.id = ?", p)
          ->asInt() == 0)
    throw Error::invalid("memberId",
                         "该党员不是在职党员（所在支部为社区、村、离退休等类型，或为离退休党员），无需到社区报到",
                         "not_in_service");
  if (c.scalar("SELECT id FROM community_registrations WHERE member_id = ? AND ended_on IS NULL", {memberId}))
    throw Error::conflict("registered", "该党员已在社区报到，请先结束原报到记录", "memberId");
  Date on = in.registeredOn.value_or(today());
  if (on > today()) throw Error::invalid("registeredOn", "报到日期不能晚于今天");
  auto post = clean(in.post);
  checkPost(post);
  std::string now = nowIso();
  int64_t id = c.query(
                    "INSERT INTO community_registrations(member_id, community_org_id, registered_on, post, created_at, "
                    "updated_at) VALUES (?,?,?,?,?,?) RETURNING id",
                    {memberId, communityOrgId, on.iso(), opt(post), now, now})
                   .front()
                   .i64(0);
  audit::record(c, ctx.actor(),
                {"create", "community_registration", id, memberPath,
                 "在职党员到社区报到：" + name + "（" + co->name + "）", nullptr, snapshot(c, id)});
  return id;
}

void update(Connection& c, const auth::Context& ctx, int64_t id, const std::optional<std::string>& givenPost,
            const std::optional<std::string>& givenNote, int64_t version) {
  if (!c.inTransaction()) throw Error::internal("dual::update outside a transaction");
  RegRef g = regForCommunity(c, ctx.scope, id);
  if (g.version != version) throw Error::conflict("stale", "记录已被他人修改，请刷新后重试", "version");
  if (g.endedOn) throw Error::conflict("ended", "该报到记录已于" + *g.endedOn + "结束", "post");
  auto post = clean(givenPost), note = clean(givenNote);
  checkPost(post);
  if (note && utf8Length(*note) > 500) throw Error::invalid("note", "备注不能超过500个字", "too_long");
  bj::object before = snapshot(c, id);
  int64_t n = c.exec(
      "UPDATE community_registrations SET post = ?, note = ?, version = version + 1, updated_at = ? WHERE id = ? AND "
      "version = ?",
      {opt(post), opt(note), nowIso(), id, version});
  if (n != 1) throw Error::conflict("stale", "记录已被他人修改，请刷新后重试", "version");
  audit::record(c, ctx.actor(),
                {"update", "community_registration", id, g.memberPath,
                 "认领岗位：" + g.memberName + "（" + post.value_or("未定") + "）", before, snapshot(c, id)});
}

void end(Connection& c, const auth::Context& ctx, int64_t id, std::optional<Date> endedOn) {
  if (!c.inTransaction()) throw Error::internal("dual::end outside a transaction");
  RegRef g = regForCommunity(c, ctx.scope, id);
  if (g.endedOn) throw Error::conflict("ended", "该报到记录已于" + *g.endedOn + "结束", "endedOn");
  Date on = endedOn.value_or(today());
  if (on > today()) throw Error::invalid("endedOn", "结束日期不能晚于今天");
  if (on.iso() < g.registeredOn) throw Error::invalid("endedOn", "结束日期不能早于报到日期（" + g.registeredOn + "）");
  bj::object before = snapshot(c, id);
  c.exec("UPDATE community_registrations SET ended_on = ?, version = version + 1, updated_at = ? WHERE id = ?",
         {on.iso(), nowIso(), id});
  audit::record(
      c, ctx.actor(),
      {"close", "community_registration", id, g.memberPath,
       "结束社区报到：" + g.memberName + "（" + g.communityName + "，" + on.iso() + "）", before, snapshot(c, id)});
}

int64_t addService(Connection& c, const auth::Context& ctx, int64_t id, const Date& servedOn, int64_t hours,
                   const std::string& description) {
  if (!c.inTransaction()) throw Error::internal("dual::addService outside a transaction");
  RegRef g = regForCommunity(c, ctx.scope, id);
  if (g.endedOn) throw Error::conflict("ended", "该报到记录已结束，不能再登记服务", "servedOn");
  if (servedOn > today()) throw Error::invalid("servedOn", "服务日期不能晚于今天");
  if (servedOn.iso() < g.registeredOn)
    throw Error::invalid("servedOn", "服务日期不能早于报到日期（" + g.registeredOn + "）");
  if (hours < 1 || hours > 24) throw Error::invalid("hours", "服务时长应为1到24之间的整数（小时）");
  std::string d = trim(description);
  if (d.empty()) throw Error::invalid("description", "请填写服务内容", "required");
  if (utf8Length(d) > 500) throw Error::invalid("description", "服务内容不能超过500个字", "too_long");
  int64_t sid = c.query(
                     "INSERT INTO community_service_logs(registration_id, served_on, hours, description, user_id, "
                     "user_name, created_at) VALUES (?,?,?,?,?,?,?) RETURNING id",
                     {id, servedOn.iso(), hours, d, ctx.user.id, ctx.user.displayName, nowIso()})
                    .front()
                    .i64(0);
  audit::record(
      c, ctx.actor(),
      {"service", "community_registration", id, g.memberPath,
       "登记社区服务：" + g.memberName + "（" + servedOn.iso() + "，" + std::to_string(hours) + "小时）", nullptr,
       bj::object{{"serviceId", sid}, {"servedOn", servedOn.iso()}, {"hours", hours}, {"description", d}}});
  return sid;
}

namespace {

// FROM/WHERE of the unregistered list; parameters appended to `p`.
std::string unregisteredSql(Connection& c, const Scope& scope, Params& p) {
  std::string w = inServiceWhere(c, p);
  w += " AND " + scope.where("m.org_path", p);
  return " FROM members m JOIN orgs mo ON mo.id = m.org_id WHERE " + w +
         " AND NOT EXISTS (SELECT 1 FROM community_registrations g WHERE g.member_id = m.id AND g.ended_on IS NULL)";
}

}  // namespace

std::vector<int64_t> unregistered(Connection& c, const Scope& scope) {
  Params p;
  std::string sql = "SELECT m.id" + unregisteredSql(c, scope, p) + " ORDER BY m.name_sort, m.id";
  std::vector<int64_t> out;
  for (auto x : c.query(sql, p)) out.push_back(x.i64(0));
  return out;
}

void registerRoutes(platform::Api& api) {
  registerSettings();
  using auth::Permission;

  api.get("/api/dual/registrations", Permission::MemberRead,
          [](http::Request& req, const auth::Context& ctx, Connection& c) {
            auto ps = json::pageSpec(req, {{"registeredOn", "g.registered_on, g.id"}, {"id", "g.id"}}, "-registeredOn");
            Scope within = narrowed(c, ctx.scope, req);
            Params p;
            std::string w;
            std::string side = req.q("side").value_or("");
            if (side == "workplace")
              w = within.where("m.org_path", p);
            else if (side == "community")
              w = within.where("co.path", p);
            else if (side.empty())
              w = visibleWhere(within, "m.org_path", "co.path", p);
            else
              throw Error::invalid("side", "side 应为 workplace（本单位）或 community（本社区）", "bad_choice");
            if (auto cur = req.q("current"); cur && !cur->empty()) {
              if (*cur == "true" || *cur == "1")
                w += " AND g.ended_on IS NULL";
              else if (*cur == "false" || *cur == "0")
                w += " AND g.ended_on IS NOT NULL";
              else
                throw Error::invalid("current", "current 应为 true 或 false");
            }
            int64_t total = c.scalar(std::string("SELECT COUNT(*)") + kFrom + " WHERE " + w, p)->asInt();
            Params q = p;
            q.emplace_back(ps.pageSize);
            q.emplace_back(ps.offset());
            bj::array items;
            for (auto x : c.query(std::string("SELECT ") + kCols + kFrom + " WHERE " + w + " ORDER BY " + ps.orderBy +
                                      " LIMIT ? OFFSET ?",
                                  q))
              items.push_back(row(x, ctx.scope));
            return json::page(std::move(items), total, ps.page, ps.pageSize);
          });

  api.get("/api/dual/registrations/:id", Permission::MemberRead,
          [](http::Request& req, const auth::Context& ctx, Connection& c) {
            return json::ok(detail(c, ctx.scope, req.idParam()));
          });

  platform::Services svc = api.services();
  api.post("/api/dual/registrations", Permission::MemberWrite,
           [svc](http::Request& req, const auth::Context& ctx, Connection& c) {
             json::Form f(req.body);
             RegisterInput in;
             in.memberId = f.integer("memberId", "党员", 1, INT64_MAX);
             in.idNumber = f.text("idNumber", "身份证号码", 30);
             in.communityOrgId = f.requiredInt("communityOrgId", "报到社区（村）", 1, INT64_MAX);
             in.registeredOn = f.date("registeredOn", "报到日期");
             in.post = f.text("post", "认领岗位", 50);
             store::Transaction tx(c);
             int64_t id = registerMember(c, ctx, *svc.cipher, in);
             tx.commit();
             return json::ok(detail(c, ctx.scope, id), 201);
           });

  api.put("/api/dual/registrations/:id", Permission::MemberWrite,
          [](http::Request& req, const auth::Context& ctx, Connection& c) {
            int64_t id = req.idParam();
            json::Form f(req.body);
            int64_t version = f.requiredInt("version", "版本号", 1, INT64_MAX);
            auto post = f.text("post", "认领岗位", 50);
            auto note = f.text("note", "备注", 500);
            store::Transaction tx(c);
            update(c, ctx, id, post, note, version);
            tx.commit();
            return json::ok(detail(c, ctx.scope, id));
          });

  api.post("/api/dual/registrations/:id/end", Permission::MemberWrite,
           [](http::Request& req, const auth::Context& ctx, Connection& c) {
             int64_t id = req.idParam();
             json::Form f(req.body);
             auto on = f.date("endedOn", "结束日期");
             store::Transaction tx(c);
             end(c, ctx, id, on);
             tx.commit();
             return json::ok(detail(c, ctx.scope, id));
           });

  api.post("/api/dual/registrations/:id/services", Permission::MemberWrite,
           [](http::Request& req, const auth::Context& ctx, Connection& c) {
             int64_t id = req.idParam();
             json::Form f(req.body);
             Date on = f.date("servedOn", "服务日期").value_or(today());
             int64_t hours = f.requiredInt("hours", "服务时长（小时）", 1, 24);
             std::string desc = f.text("description", "服务内容", 500).value_or("");
             store::Transaction tx(c);
             addService(c, ctx, id, on, hours, desc);
             tx.commit();
             return json::ok(detail(c, ctx.scope, id), 201);
           });

  api.get("/api/dual/unregistered", Permission::MemberRead,
          [](http::Request& req, const auth::Context& ctx, Connection& c) {
            auto ps = json::pageSpec(req, {{"name", "m.name_sort, m.id"}}, "name");
            Scope within = narrowed(c, ctx.scope, req);
            Params p;
            std::string from = unregisteredSql(c, within, p);
            int64_t total = c.scalar("SELECT COUNT(*)" + from, p)->asInt();
            Params q = p;
            q.emplace_back(ps.pageSize);
            q.emplace_back(ps.offset());
            bj::array items;
            for (auto x : c.query("SELECT m.id, m.name, m.org_id, mo.name, mo.branch_type, m.six_category" + from +
                                      " ORDER BY " + ps.orderBy + " LIMIT ? OFFSET ?",
                                  q))
              items.push_back({{"memberId", x.i64(0)},
                               {"memberName", x.text(1)},
                               {"orgId", x.i64(2)},
                               {"orgName", x.text(3)},
                               {"branchType", json::opt(x.optText(4))},
                               {"sixCategory", json::opt(x.optText(5))}});
            return json::page(std::move(items), total, ps.page, ps.pageSize);
          });
}

}  // namespace zg::dual
