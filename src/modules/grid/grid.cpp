// The grid 片组户: the rules (key households, contact load, dated assignment), the coverage
// counts and their lists. Routes are in grid_routes.cpp.
#include "modules/grid/grid.h"

#include "modules/grid/coverage.h"

#include <algorithm>
#include <mutex>
#include <set>

#include "core/error.h"
#include "modules/orgs/orgs.h"
#include "platform/audit.h"
#include "platform/figures.h"
#include "platform/json.h"
#include "platform/rollup_months.h"
#include "platform/settings.h"
#include "platform/time.h"

namespace zg::grid {

namespace bj = boost::json;
using store::Connection;
using store::Params;
using store::Value;

namespace {

constexpr const char* kPerContact = "grid.households_per_contact";
constexpr const char* kTolerance = "grid.contact_tolerance";
constexpr const char* kHardMax = "grid.contact_max_households";
constexpr const char* kKeyTags = "grid.key_tags";
constexpr const char* kVisitDays = "grid.key_visit_interval_days";

void ensureSettings() {
  static std::once_flag once;
  std::call_once(once, registerSettings);
}

Value opt(const std::optional<std::string>& s) { return s ? Value(*s) : Value(); }

std::vector<std::string> splitList(std::string s) {
  for (const char* sep : {"，", "、", "；", ";", " "})
    for (size_t i; (i = s.find(sep)) != std::string::npos;) s.replace(i, std::string(sep).size(), ",");
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t comma = s.find(',', start);
    std::string t = trim(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!t.empty() && std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string storedTags(std::vector<std::string> tags) {
  std::sort(tags.begin(), tags.end());
  std::string s = ",";
  for (auto& t : tags) s += t + ",";
  return s;
}

bj::array tagsJson(const std::string& stored) {
  bj::array a;
  for (auto& t : splitList(stored))
    for (auto& [code, label] : tagLabels())
      if (code == t) a.push_back({{"code", code}, {"label", label}});
  return a;
}

// The organization of a grid: a community or village (committee, general branch or branch of
// branch type community/village), not dissolved, in scope.
orgs::Org communityOf(Connection& c, const Scope& scope, int64_t orgId, const std::string& field) {
  orgs::Org o = orgs::require(c, scope, orgId, field);
  if (o.branchType != "community" && o.branchType != "village")
    throw Error::invalid(field, "片区只能设在社区或村党组织下，请选择支部类型为“社区”或“村”的党组织", "not_community");
  if (o.dissolvedOn) throw Error::invalid(field, "该党组织已撤销");
  return o;
}

struct MemberRef {
  int64_t id;
  std::string name, orgPath;
};
MemberRef memberInScope(Connection& c, const Scope& scope, int64_t id, const std::string& field) {
  Params p{id};
  std::string w = scope.where("org_path", p);
  auto r = c.query("SELECT id, name, org_path FROM members WHERE id = ? AND active = 1 AND " + w, p);
  if (r.empty()) throw Error::invalid(field, "党员不存在、已不在册或不在管辖范围内", "not_found");
  return {r.front().i64(0), r.front().text(1), r.front().text(2)};
}

// A leader 片长/组长 belongs to the community: a member of one of its organizations, or a contact
// member currently enrolled in its grid (members of workplace branches who live there).
void leaderInCommunity(Connection& c, const Scope& scope, int64_t memberId, int64_t communityId,
                       const std::string& communityPath, const std::string& field) {
  MemberRef m = memberInScope(c, scope, memberId, field);
  if (Scope(communityPath).contains(m.orgPath)) return;
  if (c.scalar("SELECT 1 FROM grid_contact_members WHERE member_id = ? AND org_id = ? AND to_on IS NULL",
               {memberId, communityId}))
    return;
  throw Error::invalid(field, "“" + m.name + "”不是本社区（村）的党员，也不是本社区的联户党员，不能担任片长或组长",
                       "outside_community");
}

// A grid branch 片区党支部 or building party group 楼宇党小组: the community's organization or one
// inside it, not dissolved.
orgs::Org orgInCommunity(Connection& c, const Scope& scope, int64_t orgId, const std::string& communityPath,
                         const std::string& field) {
  orgs::Org o = orgs::require(c, scope, orgId, field);
  if (!Scope(communityPath).contains(o.path))
    throw Error::invalid(field, "“" + o.name + "”不在本社区（村）党组织之下，请选择本社区的支部或党小组", "outside_community");
  if (o.dissolvedOn) throw Error::invalid(field, "该党组织已撤销");
  return o;
}

struct AreaRef {
  int64_t id, orgId, version;
  std::string name, orgPath, orgName;
};
AreaRef areaInScope(Connection& c, const Scope& scope, int64_t id, const std::string& field = {}) {
  Params p{id};
  std::string w = scope.where("o.path", p);
  auto r = c.query("SELECT a.id, a.org_id, a.version, a.name, o.path, o.name FROM grid_areas a JOIN orgs o ON o.id = "
                   "a.org_id WHERE a.id = ? AND " + w, p);
  if (r.empty()) {
    if (!field.empty()) throw Error::invalid(field, "片区不存在或不在管辖范围内", "not_found");
    throw Error::notFound("片区不存在");
  }
  auto x = r.front();
  return {x.i64(0), x.i64(1), x.i64(2), x.text(3), x.text(4), x.text(5)};
}

struct GroupRef {
  int64_t id, areaId, orgId, version;
  std::string name, orgPath, areaName;
};
GroupRef groupInScope(Connection& c, const Scope& scope, int64_t id, const std::string& field = {}) {
  Params p{id};
  std::string w = scope.where("o.path", p);
  auto r = c.query("SELECT g.id, g.area_id, g.org_id, g.version, g.name, o.path, a.name FROM grid_groups g JOIN "
                   "grid_areas a ON a.id = g.area_id JOIN orgs o ON o.id = g.org_id WHERE g.id = ? AND " + w, p);
  if (r.empty()) {
    if (!field.empty()) throw Error::invalid(field, "联户小组不存在或不在管辖范围内", "not_found");
    throw Error::notFound("联户小组不存在");
  }
  auto x = r.front();
  return {x.i64(0), x.i64(1), x.i64(2), x.i64(3), x.text(4), x.text(5), x.text(6)};
}

struct HouseholdRef {
  int64_t id, orgId, areaId, groupId, version;
  std::string orgPath, headName, address;
};
HouseholdRef householdInScope(Connection& c, const Scope& scope, int64_t id, const std::string& field = {}) {
  Params p{id};
  std::string w = scope.where("o.path", p);
  auto r = c.query("SELECT h.id, h.org_id, h.area_id, h.group_id, h.version, o.path, h.head_name, h.building, h.unit, "
                   "h.room, h.address FROM households h JOIN orgs o ON o.id = h.org_id WHERE h.id = ? AND " + w, p);
  if (r.empty()) {
    if (!field.empty()) throw Error::invalid(field, "住户不存在或不在管辖范围内（编号" + std::to_string(id) + "）", "not_found");
    throw Error::notFound("住户不存在");
  }
  auto x = r.front();
  std::string addr = x.text(10) + x.text(7) + (x.text(7).empty() ? "" : "幢") + x.text(8) +
                     (x.text(8).empty() ? "" : "单元") + x.text(9) + (x.text(9).empty() ? "" : "室");
  return {x.i64(0), x.i64(1), x.i64(2), x.i64(3), x.i64(4), x.text(5), x.text(6), addr};
}

bj::object householdSnapshot(Connection& c, int64_t id) {
  auto r = c.query("SELECT group_id, building, unit, room, address, head_name, phone_mask, tags, people_count, note, "
                   "version FROM households WHERE id = ?", {id});
  if (r.empty()) return {};
  auto x = r.front();
  return {{"groupId", x.i64(0)},    {"building", x.text(1)},          {"unit", x.text(2)},
          {"room", x.text(3)},      {"address", x.text(4)},           {"headName", x.text(5)},
          {"phoneMasked", json::fromValue(x[6])}, {"tags", x.text(7)}, {"peopleCount", x.i64(8)},
          {"note", json::fromValue(x[9])}, {"version", x.i64(10)}};
}

void checkName(const std::string& name, const std::string& field, const std::string& label, size_t max = 50) {
  if (trim(name).empty()) throw Error::invalid(field, "请填写" + label, "required");
  if (utf8Length(name) > max) throw Error::invalid(field, label + "不能超过" + std::to_string(max) + "个字", "too_long");
}

std::optional<std::string> phoneOf(const std::optional<std::string>& raw, const std::string& field) {
  if (!raw || trim(*raw).empty()) return std::nullopt;
  auto p = normalizePhone(*raw);
  if (!p) throw Error::invalid(field, "电话号码格式不正确（手机11位，或区号-号码）", "bad_phone");
  return p;
}

void checkHousehold(const HouseholdInput& in) {
  checkName(in.headName, "headName", "户主姓名", 30);
  for (auto [v, f, l] : {std::tuple{&in.building, "building", "幢（楼）"}, {&in.unit, "unit", "单元"},
                         {&in.room, "room", "室"}})
    if (utf8Length(*v) > 20) throw Error::invalid(f, std::string(l) + "不能超过20个字", "too_long");
  if (utf8Length(in.address) > 100) throw Error::invalid("address", "地址不能超过100个字", "too_long");
  if (in.building.empty() && in.address.empty())
    throw Error::invalid("address", "请填写地址或幢（楼）号", "required");
  for (auto& t : in.tags) {
    bool known = false;
    for (auto& [code, label] : tagLabels()) known = known || code == t;
    if (!known) throw Error::invalid("tags", "未知的住户标签：" + t, "bad_choice");
  }
  if (in.people.size() > 30) throw Error::invalid("people", "家庭成员不能超过30人");
  for (size_t i = 0; i < in.people.size(); ++i) {
    const Person& p = in.people[i];
    std::string f = "people[" + std::to_string(i) + "]";
    checkName(p.name, f + ".name", "家庭成员姓名", 30);
    if (p.birthYear && (*p.birthYear < 1900 || *p.birthYear > today().year))
      throw Error::invalid(f + ".birthYear", "出生年份应在1900年到今年之间");
  }
}

void writePeople(Connection& c, const crypto::FieldCipher& cipher, int64_t id, const HouseholdInput& in) {
  c.exec("DELETE FROM household_people WHERE household_id = ?", {id});
  for (size_t i = 0; i < in.people.size(); ++i) {
    const Person& p = in.people[i];
    auto phone = phoneOf(p.phone, "people[" + std::to_string(i) + "].phone");
    c.exec("INSERT INTO household_people(household_id, name, relation, birth_year, phone_enc, phone_mask) VALUES "
           "(?,?,?,?,?,?)",
           {id, trim(p.name), trim(p.relation), p.birthYear ? Value(*p.birthYear) : Value(),
            phone ? Value(cipher.encrypt(*phone)) : Value(), phone ? Value(maskPhone(*phone)) : Value()});
  }
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& tagLabels() {
  static const std::vector<std::pair<std::string, std::string>> v = {{"elderly_alone", "独居老人"},
                                                                     {"empty_nest", "空巢老人"},
                                                                     {"disabled", "残疾人"},
                                                                     {"difficulty", "生活困难"},
                                                                     {"new_arrival", "新迁入"}};
  return v;
}

void registerSettings() {
  settings::define({kPerContact, "每名联户党员联系户数",
                    "划片管理、分组服务、入户联系：每名党员干部联系10户左右（种子000）。联户党员的联系户数以此为准，"
                    "偏多、偏少时标示。",
                    settings::Type::Int, 10, 1, 200});
  settings::define({kTolerance, "联系户数允许偏差",
                    "联系户数与“每名联户党员联系户数”相差超过此数时，标示为“偏多”或“偏少”。", settings::Type::Int, 2,
                    0, 100});
  settings::define({kHardMax, "每名联户党员联系户数上限",
                    "分配住户后联系户数超过此数时拒绝分配（偏多只是提示，超过上限不能保存）。", settings::Type::Int, 30,
                    1, 1000});
  settings::define({kKeyTags, "重点联系户标签",
                    "带有这些标签（逗号分隔的英文代码：elderly_alone 独居老人、empty_nest 空巢老人、disabled 残疾人、"
                    "difficulty 生活困难、new_arrival 新迁入）之一的住户为重点联系户（种子000：老人、困难户、残疾人）。",
                    settings::Type::Text, "elderly_alone,disabled,difficulty"});
  settings::define({kVisitDays, "重点联系户走访间隔（天）",
                    "重点联系户超过此天数未走访，计入“三无”中的“重点户未按期走访”。", settings::Type::Int, 30, 1, 365});
}

std::vector<std::string> keyTags(Connection& c) {
  ensureSettings();
  auto v = settings::get(c, kKeyTags);
  return v.is_string() ? splitList(std::string(v.as_string())) : std::vector<std::string>{};
}

bool isKey(const std::vector<std::string>& tags, const std::vector<std::string>& key) {
  for (auto& t : tags)
    if (std::find(key.begin(), key.end(), t) != key.end()) return true;
  return false;
}

std::string keyWhere(Connection& c, const std::string& col, Params& p) {
  auto tags = keyTags(c);
  if (tags.empty()) return "(1=0)";
  std::string w = "(";
  for (size_t i = 0; i < tags.size(); ++i) {
    w += (i ? " OR " : "") + col + " LIKE ?";
    p.emplace_back("%," + tags[i] + ",%");
  }
  return w + ")";
}

Load load(Connection& c) {
  ensureSettings();
  return {settings::getInt(c, kPerContact), settings::getInt(c, kTolerance), settings::getInt(c, kHardMax)};
}

std::string loadFlag(int64_t n, const Load& l) {
  if (n == 0) return "idle";
  if (n < l.minOk()) return "under";
  if (n > l.maxOk()) return "over";
  return "ok";
}

int64_t createArea(Connection& c, const auth::Context& ctx, const AreaInput& in) {
  if (!c.inTransaction()) throw Error::internal("grid::createArea outside a transaction");
  orgs::Org co = communityOf(c, ctx.scope, in.orgId, "orgId");
  checkName(in.name, "name", "片区名称");
  if (c.scalar("SELECT id FROM grid_areas WHERE org_id = ? AND name = ?", {in.orgId, trim(in.name)}))
    throw Error::conflict("duplicate", "本社区（村）已有同名片区", "name");
  std::optional<int64_t> leader;
  if (in.leaderMemberId) {
    leaderInCommunity(c, ctx.scope, *in.leaderMemberId, co.id, co.path, "leaderMemberId");
    leader = in.leaderMemberId;
  }
  if (in.branchOrgId) orgInCommunity(c, ctx.scope, *in.branchOrgId, co.path, "branchOrgId");
  std::string now = nowIso();
  int64_t id = c.query("INSERT INTO grid_areas(org_id, name, leader_member_id, branch_org_id, note, created_at, "
                       "updated_at) VALUES (?,?,?,?,?,?,?) RETURNING id",
                       {in.orgId, trim(in.name), leader, in.branchOrgId, opt(in.note), now, now})
                   .front()
                   .i64(0);
  audit::record(c, ctx.actor(),
                {"create", "grid_area", id, co.path, "新建片区：" + co.name + " " + trim(in.name), nullptr,
                 bj::object{{"orgId", in.orgId}, {"name", trim(in.name)}, {"leaderMemberId", json::fromValue(Value(leader))},
                            {"branchOrgId", json::fromValue(Value(in.branchOrgId))}}});
  return id;
}

void updateArea(Connection& c, const auth::Context& ctx, int64_t id, const AreaInput& in, int64_t version) {
  if (!c.inTransaction()) throw Error::internal("grid::updateArea outside a transaction");
  AreaRef a = areaInScope(c, ctx.scope, id);
  if (a.version != version) throw Error::conflict("stale", "记录已被他人修改，请刷新后重试", "version");
  checkName(in.name, "name", "片区名称");
  if (c.scalar("SELECT id FROM grid_areas WHERE org_id = ? AND name = ? AND id <> ?", {a.orgId, trim(in.name), id}))
    throw Error::conflict("duplicate", "本社区（村）已有同名片区", "name");
  auto beforeRows = c.query("SELECT name, leader_member_id, branch_org_id, note FROM grid_areas WHERE id = ?", {id});
  auto before = beforeRows.front();
  // A leader or branch kept as it was is not checked again (the demo draws some from outside).
  if (in.leaderMemberId && (before[1].isNull() || before.i64(1) != *in.leaderMemberId))
    leaderInCommunity(c, ctx.scope, *in.leaderMemberId, a.orgId, a.orgPath, "leaderMemberId");
  if (in.branchOrgId && (before[2].isNull() || before.i64(2) != *in.branchOrgId))
    orgInCommunity(c, ctx.scope, *in.branchOrgId, a.orgPath, "branchOrgId");
  bj::object b{{"name", before.text(0)}, {"leaderMemberId", json::fromValue(before[1])},
               {"branchOrgId", json::fromValue(before[2])}, {"note", json::fromValue(before[3])}};
  // Compare-and-set on the version: a save on another server in between leaves nothing to match.
  if (c.exec("UPDATE grid_areas SET name = ?, leader_member_id = ?, branch_org_id = ?, note = ?, version = version + 1, "
             "updated_at = ? WHERE id = ? AND version = ?",
             {trim(in.name), in.leaderMemberId, in.branchOrgId, opt(in.note), nowIso(), id, version}) != 1)
    throw Error::conflict("stale", "记录已被他人修改，请刷新后重试", "version");
  audit::record(c, ctx.actor(),
                {"update", "grid_area", id, a.orgPath, "修改片区：" + a.orgName + " " + trim(in.name), b,
                 bj::object{{"name", trim(in.name)}, {"leaderMemberId", json::fromValue(Value(in.leaderMemberId))},
                            {"branchOrgId", json::fromValue(Value(in.branchOrgId))}, {"note", json::opt(in.note)}}});
}

int64_t createGroup(Connection& c, const auth::Context& ctx, int64_t areaId, const std::string& name,
                    std::optional<int64_t> leaderMemberId) {
  if (!c.inTransaction()) throw Error::internal("grid::createGroup outside a transaction");
  AreaRef a = areaInScope(c, ctx.scope, areaId, "areaId");
  checkName(name, "name", "联户小组名称");
  if (c.scalar("SELECT id FROM grid_groups WHERE area_id = ? AND name = ?", {areaId, trim(name)}))
    throw Error::conflict("duplicate", "本片区已有同名小组", "name");
  if (leaderMemberId) leaderInCommunity(c, ctx.scope, *leaderMemberId, a.orgId, a.orgPath, "leaderMemberId");
  std::string now = nowIso();
  int64_t id = c.query("INSERT INTO grid_groups(area_id, org_id, name, leader_member_id, created_at, updated_at) VALUES "
                       "(?,?,?,?,?,?) RETURNING id",
                       {areaId, a.orgId, trim(name), leaderMemberId, now, now})
                   .front()
                   .i64(0);
  audit::record(c, ctx.actor(),
                {"create", "grid_group", id, a.orgPath, "新建联户小组：" + a.name + " " + trim(name), nullptr,
                 bj::object{{"areaId", areaId}, {"name", trim(name)},
                            {"leaderMemberId", json::fromValue(Value(leaderMemberId))}}});
  return id;
}

void updateGroup(Connection& c, const auth::Context& ctx, int64_t id, const std::string& name,
                 std::optional<int64_t> leaderMemberId, int64_t version) {
  if (!c.inTransaction()) throw Error::internal("grid::updateGroup outside a transaction");
  GroupRef g = groupInScope(c, ctx.scope, id);
  if (g.version != version) throw Error::conflict("stale", "记录已被他人修改，请刷新后重试", "version");
  checkName(name, "name", "联户小组名称");
  if (c.scalar("SELECT id FROM grid_groups WHERE area_id = ? AND name = ? AND id <> ?", {g.areaId, trim(name), id}))
    throw Error::conflict("duplicate", "本片区已有同名小组", "name");
  auto beforeRows = c.query("SELECT name, leader_member_id FROM grid_groups WHERE id = ?", {id});
  auto before = beforeRows.front();
  if (leaderMemberId && (before[1].isNull() || before.i64(1) != *leaderMemberId))
    leaderInCommunity(c, ctx.scope, *leaderMemberId, g.orgId, g.orgPath, "leaderMemberId");
  if (c.exec("UPDATE grid_groups SET name = ?, leader_member_id = ?, version = version + 1, updated_at = ? WHERE id = ? "
             "AND version = ?",
             {trim(name), leaderMemberId, nowIso(), id, version}) != 1)
    throw Error::conflict("stale", "记录已被他人修改，请刷新后重试", "version");
  audit::record(c, ctx.actor(),
                {"update", "grid_group", id, g.orgPath, "修改联户小组：" + g.areaName + " " + trim(name),
                 bj::object{{"name", before.text(0)}, {"leaderMemberId", json::fromValue(before[1])}},
                 bj::object{{"name", trim(name)}, {"leaderMemberId", json::fromValue(Value(leaderMemberId))}}});
}

void attachBuilding(Connection& c, const auth::Context& ctx, int64_t areaId, const std::string& building,
                    std::optional<int64_t> partyOrgId) {
  if (!c.inTransaction()) throw Error::internal("grid::attachBuilding outside a transaction");
  AreaRef a = areaInScope(c, ctx.scope, areaId);
  checkName(building, "building", "幢（楼）号", 20);
  std::string orgName;
  if (partyOrgId) orgName = orgInCommunity(c, ctx.scope, *partyOrgId, a.orgPath, "partyOrgId").name;
  // The building stays listed (with no party organization) when its party group is detached.
  c.exec("DELETE FROM grid_buildings WHERE area_id = ? AND building = ?", {areaId, trim(building)});
  c.exec("INSERT INTO grid_buildings(area_id, building, party_org_id, created_at) VALUES (?,?,?,?)",
         {areaId, trim(building), partyOrgId ? Value(*partyOrgId) : Value(), nowIso()});
  audit::record(c, ctx.actor(),
                {"attach", "grid_area", areaId, a.orgPath,
                 "楼宇党组织：" + a.name + " " + trim(building) + "幢 → " + (partyOrgId ? orgName : "（取消）"), nullptr,
                 bj::object{{"building", trim(building)}, {"partyOrgId", json::fromValue(Value(partyOrgId))}}});
}

namespace {
// One address (幢/单元/室, or the free address) is registered once per community — through the
// page, the API and the import alike. The refusal names the most specific address field given.
void checkAddressFree(Connection& c, int64_t orgId, const HouseholdInput& in, std::optional<int64_t> except) {
  Params p{orgId, trim(in.building), trim(in.unit), trim(in.room), trim(in.address)};
  std::string sql = "SELECT id FROM households WHERE org_id = ? AND building = ? AND unit = ? AND room = ? AND address = ?";
  if (except) sql += " AND id <> ?", p.emplace_back(*except);
  if (c.scalar(sql, p))
    throw Error::invalid(trim(in.room).empty() ? (trim(in.building).empty() ? "address" : "building") : "room",
                         "本社区（村）已登记该地址的住户");
}
}  // namespace

int64_t createHousehold(Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher,
                        const HouseholdInput& in) {
  if (!c.inTransaction()) throw Error::internal("grid::createHousehold outside a transaction");
  GroupRef g = groupInScope(c, ctx.scope, in.groupId, "groupId");
  checkHousehold(in);
  checkAddressFree(c, g.orgId, in, std::nullopt);
  auto phone = phoneOf(in.phone, "phone");
  std::string now = nowIso();
  int64_t id = c.query("INSERT INTO households(org_id, area_id, group_id, building, unit, room, address, head_name, "
                       "phone_enc, phone_mask, tags, people_count, note, created_at, updated_at) VALUES "
                       "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                       {g.orgId, g.areaId, g.id, trim(in.building), trim(in.unit), trim(in.room), trim(in.address),
                        trim(in.headName), phone ? Value(cipher.encrypt(*phone)) : Value(),
                        phone ? Value(maskPhone(*phone)) : Value(), storedTags(in.tags),
                        static_cast<int64_t>(in.people.size()), opt(in.note), now, now})
                   .front()
                   .i64(0);
  writePeople(c, cipher, id, in);
  audit::record(c, ctx.actor(),
                {"create", "household", id, g.orgPath, "新建住户：" + trim(in.headName) + "（" + g.areaName + " " + g.name + "）",
                 nullptr, householdSnapshot(c, id)});
  return id;
}

void updateHousehold(Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, int64_t id,
                     const HouseholdInput& in, int64_t version) {
  if (!c.inTransaction()) throw Error::internal("grid::updateHousehold outside a transaction");
  HouseholdRef h = householdInScope(c, ctx.scope, id);
  if (h.version != version) throw Error::conflict("stale", "记录已被他人修改，请刷新后重试", "version");
  GroupRef g = groupInScope(c, ctx.scope, in.groupId, "groupId");
  if (g.orgId != h.orgId)
    throw Error::invalid("groupId", "住户只能调整到本社区（村）的联户小组", "other_community");
  checkHousehold(in);
  checkAddressFree(c, g.orgId, in, id);
  auto phone = phoneOf(in.phone, "phone");
  bj::object before = householdSnapshot(c, id);
  if (c.exec("UPDATE households SET org_id = ?, area_id = ?, group_id = ?, building = ?, unit = ?, room = ?, "
             "address = ?, head_name = ?, tags = ?, note = ?, version = version + 1, updated_at = ? WHERE id = ? AND "
             "version = ?",
             {g.orgId, g.areaId, g.id, trim(in.building), trim(in.unit), trim(in.room), trim(in.address),
              trim(in.headName), storedTags(in.tags), opt(in.note), nowIso(), id, version}) != 1)
    throw Error::conflict("stale", "记录已被他人修改，请刷新后重试", "version");
  if (in.phoneGiven)
    c.exec("UPDATE households SET phone_enc = ?, phone_mask = ? WHERE id = ?",
           {phone ? Value(cipher.encrypt(*phone)) : Value(), phone ? Value(maskPhone(*phone)) : Value(), id});
  if (in.peopleGiven) {
    c.exec("UPDATE households SET people_count = ? WHERE id = ?", {static_cast<int64_t>(in.people.size()), id});
    writePeople(c, cipher, id, in);
  }
  bool moved = g.id != h.groupId;
  audit::record(c, ctx.actor(),
                {moved ? "move" : "update", "household", id, g.orgPath,
                 (moved ? "住户调整小组：" : "修改住户：") + trim(in.headName) + (moved ? "（→ " + g.areaName + " " + g.name + "）" : ""),
                 before, householdSnapshot(c, id)});
}

namespace {

// Enrolls the member in the group unless enrolled in a group already.
void enroll(Connection& c, int64_t memberId, int64_t groupId, int64_t orgId, const Date& on) {
  if (c.scalar("SELECT id FROM grid_contact_members WHERE member_id = ? AND to_on IS NULL", {memberId})) return;
  c.exec("INSERT INTO grid_contact_members(group_id, org_id, member_id, from_on) VALUES (?,?,?,?)",
         {groupId, orgId, memberId, on.iso()});
}

struct Current {
  int64_t rowId, memberId;
  std::string fromOn, memberName;
};
std::optional<Current> currentContact(Connection& c, int64_t householdId) {
  auto r = c.query("SELECT hc.id, hc.member_id, hc.from_on, m.name FROM household_contacts hc JOIN members m ON m.id = "
                   "hc.member_id WHERE hc.household_id = ? AND hc.to_on IS NULL",
                   {householdId});
  if (r.empty()) return std::nullopt;
  return Current{r.front().i64(0), r.front().i64(1), r.front().text(2), r.front().text(3)};
}

}  // namespace

int assign(Connection& c, const auth::Context& ctx, const std::vector<int64_t>& ids, int64_t memberId,
           std::optional<Date> givenOn) {
  if (!c.inTransaction()) throw Error::internal("grid::assign outside a transaction");
  if (ids.empty()) throw Error::invalid("householdIds", "请选择要分配的住户", "required");
  if (ids.size() > 500) throw Error::invalid("householdIds", "一次最多分配500户");
  MemberRef m = memberInScope(c, ctx.scope, memberId, "memberId");
  Date on = givenOn.value_or(today());
  if (on > today()) throw Error::invalid("on", "分配日期不能晚于今天");
  std::set<int64_t> unique(ids.begin(), ids.end());
  std::vector<std::pair<HouseholdRef, std::optional<Current>>> todo;
  for (int64_t id : unique) {
    HouseholdRef h = householdInScope(c, ctx.scope, id, "householdIds");
    auto cur = currentContact(c, id);
    if (cur && cur->memberId == memberId) continue;
    if (cur && on.iso() < cur->fromOn)
      throw Error::invalid("on", "分配日期不能早于现任联户党员（" + cur->memberName + "）的开始日期" + cur->fromOn);
    todo.emplace_back(h, cur);
  }
  Load l = load(c);
  int64_t has = c.scalar("SELECT COUNT(*) FROM household_contacts WHERE member_id = ? AND to_on IS NULL", {memberId})->asInt();
  if (has + static_cast<int64_t>(todo.size()) > l.hardMax)
    throw Error::invalid("memberId", m.name + "已联系" + std::to_string(has) + "户，再分配" + std::to_string(todo.size()) +
                                         "户将超过上限" + std::to_string(l.hardMax) + "户，请改派其他党员",
                         "over_limit");
  std::string now = nowIso(), by = ctx.user.displayName;
  for (auto& [h, cur] : todo) {
    if (cur) c.exec("UPDATE household_contacts SET to_on = ? WHERE id = ?", {on.iso(), cur->rowId});
    c.exec("INSERT INTO household_contacts(household_id, member_id, from_on, assigned_by, created_at) VALUES (?,?,?,?,?)",
           {h.id, memberId, on.iso(), by, now});
    enroll(c, memberId, h.groupId, h.orgId, on);
    audit::record(c, ctx.actor(),
                  {cur ? "reassign" : "assign", "household", h.id, h.orgPath,
                   "联户党员：" + h.headName + "（" + h.address + "）" + (cur ? cur->memberName + " → " : "") + m.name +
                       "，自" + on.iso(),
                   cur ? bj::value(bj::object{{"memberId", cur->memberId}, {"fromOn", cur->fromOn}}) : bj::value(nullptr),
                   bj::object{{"memberId", memberId}, {"fromOn", on.iso()}}});
  }
  return static_cast<int>(todo.size());
}

void release(Connection& c, const auth::Context& ctx, int64_t householdId, std::optional<Date> givenOn) {
  if (!c.inTransaction()) throw Error::internal("grid::release outside a transaction");
  HouseholdRef h = householdInScope(c, ctx.scope, householdId);
  auto cur = currentContact(c, householdId);
  if (!cur) throw Error::conflict("no_contact", "该住户目前没有联户党员", "on");
  Date on = givenOn.value_or(today());
  if (on > today()) throw Error::invalid("on", "结束日期不能晚于今天");
  if (on.iso() < cur->fromOn) throw Error::invalid("on", "结束日期不能早于开始日期" + cur->fromOn);
  c.exec("UPDATE household_contacts SET to_on = ? WHERE id = ?", {on.iso(), cur->rowId});
  audit::record(c, ctx.actor(),
                {"release", "household", h.id, h.orgPath, "取消联户：" + h.headName + "（" + cur->memberName + "，" + on.iso() + "）",
                 bj::object{{"memberId", cur->memberId}, {"fromOn", cur->fromOn}}, bj::object{{"toOn", on.iso()}}});
}

// ---------------------------------------------------------------- coverage

Coverage& Coverage::operator+=(const Coverage& o) {
  households += o.households, noContact += o.noContact, key += o.key, keyUnvisited += o.keyUnvisited;
  contacts += o.contacts, idleContacts += o.idleContacts, over += o.over, under += o.under;
  areas += o.areas, areasNoLeader += o.areasNoLeader, groups += o.groups, groupsNoLeader += o.groupsNoLeader;
  return *this;
}

int64_t Coverage::permille() const {
  if (households == 0) return 1000;
  return (households - noContact) * 1000 / households;
}

const std::vector<std::pair<std::string, std::string>>& coverageKinds() {
  static const std::vector<std::pair<std::string, std::string>> v = {
      {"households", "住户"},           {"no_contact", "无联户党员的住户"},   {"key", "重点联系户"},
      {"key_unvisited", "重点户未按期走访"}, {"contacts", "联户党员"},        {"idle_contacts", "未联系住户的联户党员"},
      {"over", "联系户数偏多"},          {"under", "联系户数偏少"},          {"areas", "片区"},
      {"areas_no_leader", "无片长的片区"}, {"groups", "联户小组"},           {"groups_no_leader", "无组长的小组"}};
  return v;
}

namespace detail {

// The FROM/WHERE of one kind at a place, and the columns that say which community, area and
// group a row belongs to (for grouping in the drill-down). Parameters appended in text order.
struct KindSql {
  std::string from;  // " FROM … WHERE …"
  std::string orgCol, areaCol, groupCol;
  std::string loadExpr;  // contacts kinds: the households count of g.member_id (params in loadParams)
  Params loadParams;
};

std::string currentAsOf(const std::string& alias, const Date& asOf, Params& p) {
  p.emplace_back(asOf.iso());
  p.emplace_back(asOf.iso());
  return "(" + alias + ".from_on <= ? AND (" + alias + ".to_on IS NULL OR " + alias + ".to_on > ?))";
}

KindSql kindSql(Connection& c, const Place& place, const Date& asOf, const std::string& kind, Params& p) {
  KindSql k;
  auto placeWhere = [&](std::string& w) {
    w += " AND " + place.scope.where("o.path", p);
    if (place.areaId) {
      if (k.areaCol.empty()) w += " AND 1=0";
      else { w += " AND " + k.areaCol + " = ?"; p.emplace_back(*place.areaId); }
    }
    if (place.groupId) {
      if (k.groupCol.empty()) w += " AND 1=0";
      else { w += " AND " + k.groupCol + " = ?"; p.emplace_back(*place.groupId); }
    }
  };
  if (kind == "households" || kind == "no_contact" || kind == "key" || kind == "key_unvisited" ||
      kind == "with_contact" || kind == "key_visited") {
    k.orgCol = "h.org_id", k.areaCol = "h.area_id", k.groupCol = "h.group_id";
    std::string w = " FROM households h JOIN orgs o ON o.id = h.org_id JOIN grid_areas a ON a.id = h.area_id "
                    "JOIN grid_groups gg ON gg.id = h.group_id WHERE 1=1";
    placeWhere(w);
    if (place.contactMemberId) {
      w += " AND EXISTS (SELECT 1 FROM household_contacts hm WHERE hm.household_id = h.id AND hm.member_id = ? AND " +
           currentAsOf("hm", asOf, p) + ")";
      p.insert(p.end() - 2, Value(*place.contactMemberId));
    }
    if (kind == "no_contact")
      w += " AND NOT EXISTS (SELECT 1 FROM household_contacts hc WHERE hc.household_id = h.id AND " +
           currentAsOf("hc", asOf, p) + ")";
    // with_contact / key_visited: the exact complements of no_contact within households and of
    // key_unvisited within key (the dashboard's and the figures' rates).
    if (kind == "with_contact")
      w += " AND EXISTS (SELECT 1 FROM household_contacts hc WHERE hc.household_id = h.id AND " +
           currentAsOf("hc", asOf, p) + ")";
    if (kind == "key" || kind == "key_unvisited" || kind == "key_visited") w += " AND " + keyWhere(c, "h.tags", p);
    if (kind == "key_unvisited") {
      w += " AND (h.last_visited_on IS NULL OR h.last_visited_on < ?)";
      p.emplace_back(addDays(asOf, -static_cast<int>(settings::getInt(c, kVisitDays))).iso());
    }
    if (kind == "key_visited") {
      w += " AND h.last_visited_on IS NOT NULL AND h.last_visited_on >= ?";
      p.emplace_back(addDays(asOf, -static_cast<int>(settings::getInt(c, kVisitDays))).iso());
    }
    k.from = w;
  } else if (kind == "contacts" || kind == "idle_contacts" || kind == "over" || kind == "under") {
    k.orgCol = "g.org_id", k.areaCol = "gg.area_id", k.groupCol = "g.group_id";
    auto loadOf = [&](Params& lp) {
      return "(SELECT COUNT(*) FROM household_contacts hc WHERE hc.member_id = g.member_id AND " +
             currentAsOf("hc", asOf, lp) + ")";
    };
    std::string w = " FROM grid_contact_members g JOIN grid_groups gg ON gg.id = g.group_id JOIN grid_areas a ON a.id = "
                    "gg.area_id JOIN orgs o ON o.id = g.org_id JOIN members m ON m.id = g.member_id WHERE " +
                    currentAsOf("g", asOf, p);
    placeWhere(w);
    Load l = load(c);
    if (kind == "idle_contacts") w += " AND " + loadOf(p) + " = 0";
    if (kind == "over") { w += " AND " + loadOf(p) + " > ?"; p.emplace_back(l.maxOk()); }
    if (kind == "under") {
      std::string e = loadOf(p);
      w += " AND " + e + " > 0 AND " + loadOf(p) + " < ?";
      p.emplace_back(l.minOk());
    }
    k.from = w;
    k.loadExpr = loadOf(k.loadParams);
  } else if (kind == "areas" || kind == "areas_no_leader") {
    k.orgCol = "a.org_id", k.areaCol = "a.id";
    std::string w = " FROM grid_areas a JOIN orgs o ON o.id = a.org_id WHERE 1=1";
    placeWhere(w);
    if (kind == "areas_no_leader") w += " AND a.leader_member_id IS NULL";
    k.from = w;
  } else if (kind == "groups" || kind == "groups_no_leader") {
    k.orgCol = "gg.org_id", k.areaCol = "gg.area_id", k.groupCol = "gg.id";
    std::string w = " FROM grid_groups gg JOIN grid_areas a ON a.id = gg.area_id JOIN orgs o ON o.id = gg.org_id "
                    "WHERE 1=1";
    placeWhere(w);
    if (kind == "groups_no_leader") w += " AND gg.leader_member_id IS NULL";
    k.from = w;
  } else {
    throw Error::invalid("kind", "未知的统计项：" + kind, "bad_choice");
  }
  return k;
}

int64_t* field(Coverage& v, const std::string& kind) {
  if (kind == "households") return &v.households;
  if (kind == "no_contact") return &v.noContact;
  if (kind == "key") return &v.key;
  if (kind == "key_unvisited") return &v.keyUnvisited;
  if (kind == "contacts") return &v.contacts;
  if (kind == "idle_contacts") return &v.idleContacts;
  if (kind == "over") return &v.over;
  if (kind == "under") return &v.under;
  if (kind == "areas") return &v.areas;
  if (kind == "areas_no_leader") return &v.areasNoLeader;
  if (kind == "groups") return &v.groups;
  return &v.groupsNoLeader;
}

}  // namespace detail

// ---- Live roll-ups (migration 0015, docs/rollup.md) ---------------------------------------------
// As of today, households, key, no_contact and key_unvisited of a subtree come from org_counts
// (grid.households by tags, grid.contacted, grid.lastvisit by tags and month of the last visit),
// per community, plus exact edges read through date indexes: households last visited in the
// threshold day's month but before that day, and households whose contact periods are dated after
// today. Past dates, areas and groups, and the contact members' kinds count from the base tables.

namespace {

bool rolledPlace(const Place& place, const Date& asOf) {
  return rollup::enabled() && asOf == today() && !place.areaId && !place.groupId && !place.contactMemberId;
}

bool isHouseholdKind(const std::string& kind) {
  return kind == "households" || kind == "no_contact" || kind == "key" || kind == "key_unvisited";
}

// A stored tags column (",a,b,") holds a key tag (the same test as keyWhere's LIKE).
bool keyTagsIn(const std::string& tags, const std::vector<std::string>& key) {
  for (auto& t : key)
    if (tags.find("," + t + ",") != std::string::npos) return true;
  return false;
}

// Community organization id → its household kinds as of today, for the communities in `scope`.
std::map<int64_t, Coverage> rolledHouseholds(Connection& c, const Scope& scope) {
  std::map<int64_t, Coverage> out;
  auto key = keyTags(c);
  Date threshold = addDays(today(), -static_cast<int>(settings::getInt(c, kVisitDays)));
  std::string thresholdMonth = rollup::monthKey(threshold);
  for (auto& [org, counts] : rollup::byOrg(c, scope, {"grid.households", "grid.contacted", "grid.lastvisit"})) {
    Coverage& v = out[org];
    for (auto& [tags, n] : counts["grid.households"]) {
      v.households += n;
      if (keyTagsIn(tags, key)) v.key += n;
    }
    v.noContact = v.households - rollup::get(counts, "grid.contacted", "");
    for (auto& [k, n] : counts["grid.lastvisit"]) {
      auto [tags, month] = rollup::splitKey(k);
      if (keyTagsIn(tags, key) && (month.empty() || month < thresholdMonth)) v.keyUnvisited += n;
    }
  }
  // Last visited in the threshold's month before the threshold day: not visited on time either.
  for (auto r : c.query("SELECT h.org_id, o.path, h.tags FROM households h JOIN orgs o ON o.id = h.org_id WHERE "
                        "h.last_visited_on >= ? AND h.last_visited_on < ?",
                        {thresholdMonth + "-01", threshold.iso()}))
    if (scope.contains(r.text(1)) && keyTagsIn(r.text(2), key)) out[r.i64(0)].keyUnvisited += 1;
  // Contact periods dated after today (opened from a later day, or closed on a later day): the
  // aggregate knows "has an open period", today's count "has a period covering today".
  std::set<int64_t> households;
  std::string d = today().iso();
  for (auto r : c.query("SELECT household_id FROM household_contacts WHERE to_on IS NULL AND from_on > ?", {d}))
    households.insert(r.i64(0));
  for (auto r : c.query("SELECT household_id FROM household_contacts WHERE to_on > ?", {d})) households.insert(r.i64(0));
  std::vector<int64_t> ids(households.begin(), households.end());
  for (size_t i = 0; i < ids.size(); i += 500) {
    Params p{d, d};
    std::string in;
    for (size_t j = i; j < std::min(ids.size(), i + 500); ++j) {
      in += in.empty() ? "?" : ", ?";
      p.emplace_back(ids[j]);
    }
    for (auto r : c.query("SELECT h.org_id, o.path, CASE WHEN EXISTS (SELECT 1 FROM household_contacts hc WHERE "
                          "hc.household_id = h.id AND hc.from_on <= ? AND (hc.to_on IS NULL OR hc.to_on > ?)) THEN 1 "
                          "ELSE 0 END, CASE WHEN EXISTS (SELECT 1 FROM household_contacts hc WHERE hc.household_id = "
                          "h.id AND hc.to_on IS NULL) THEN 1 ELSE 0 END FROM households h JOIN orgs o ON o.id = "
                          "h.org_id WHERE h.id IN (" + in + ")",
                          p))
      if (scope.contains(r.text(1))) out[r.i64(0)].noContact -= (r.i64(2) != 0 ? 1 : 0) - (r.i64(3) != 0 ? 1 : 0);
  }
  return out;
}

}  // namespace

const std::vector<std::string>& householdKinds() {
  static const std::vector<std::string> v = {"households", "no_contact", "key", "key_unvisited"};
  return v;
}

// Counts grouped by `by` ("org" → community org id, "area", "group"); key → counts.
std::map<int64_t, Coverage> coverageBy(Connection& c, const Place& place, const Date& asOf, const std::string& by,
                                       const std::vector<std::string>& kinds) {
  std::map<int64_t, Coverage> out;
  bool rolled = by == "org" && rolledPlace(place, asOf);
  if (rolled) out = rolledHouseholds(c, place.scope);
  for (auto& [kind, label] : coverageKinds()) {
    if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) continue;
    if (rolled && isHouseholdKind(kind)) continue;
    Params p;
    detail::KindSql k = detail::kindSql(c, place, asOf, kind, p);
    std::string col = by == "org" ? k.orgCol : by == "area" ? k.areaCol : k.groupCol;
    if (col.empty()) continue;
    for (auto r : c.query("SELECT " + col + ", COUNT(*)" + k.from + " GROUP BY " + col, p))
      *detail::field(out[r.i64(0)], kind) += r.i64(1);
  }
  return out;
}

Coverage coverage(Connection& c, const Place& place, const Date& asOf) { return coverage(c, place, asOf, {}); }

std::map<int64_t, Coverage> coverageBy(Connection& c, const Place& place, const Date& asOf, const std::string& by) {
  return coverageBy(c, place, asOf, by, {});
}

Coverage coverage(Connection& c, const Place& place, const Date& asOf, const std::vector<std::string>& kinds) {
  Coverage total;
  bool rolled = rolledPlace(place, asOf);
  if (rolled)
    for (auto& [org, v] : rolledHouseholds(c, place.scope)) total += v;
  for (auto& [kind, label] : coverageKinds()) {
    if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) continue;
    if (rolled && isHouseholdKind(kind)) continue;
    Params p;
    detail::KindSql k = detail::kindSql(c, place, asOf, kind, p);
    *detail::field(total, kind) = c.scalar("SELECT COUNT(*)" + k.from, p)->asInt();
  }
  return total;
}

Listing list(Connection& c, const Place& place, const Date& asOf, const std::string& kind, int64_t offset,
             int64_t limit) {
  Params p;
  detail::KindSql k = detail::kindSql(c, place, asOf, kind, p);
  Listing out;
  out.total = c.scalar("SELECT COUNT(*)" + k.from, p)->asInt();
  std::string page = limit >= 0 ? " LIMIT " + std::to_string(limit) + " OFFSET " + std::to_string(offset) : "";
  if (k.orgCol == "h.org_id") {
    Params q;
    std::string contact = "(SELECT m.name FROM household_contacts hc JOIN members m ON m.id = hc.member_id WHERE "
                          "hc.household_id = h.id AND " + detail::currentAsOf("hc", asOf, q) + ")";
    Params kp;
    std::string key = keyWhere(c, "h.tags", kp);
    q.insert(q.end(), kp.begin(), kp.end());
    q.insert(q.end(), p.begin(), p.end());
    for (auto x : c.query("SELECT h.id, o.id, o.name, a.id, a.name, gg.id, gg.name, h.building, h.unit, h.room, "
                          "h.address, h.head_name, h.phone_mask, h.tags, h.last_visited_on, " + contact +
                          ", CASE WHEN " + key + " THEN 1 ELSE 0 END" + k.from +
                          " ORDER BY o.path, a.name, gg.name, h.building, h.unit, h.room, h.id" + page, q))
      out.rows.push_back({{"id", x.i64(0)},         {"orgId", x.i64(1)},       {"orgName", x.text(2)},
                          {"areaId", x.i64(3)},     {"areaName", x.text(4)},   {"groupId", x.i64(5)},
                          {"groupName", x.text(6)}, {"building", x.text(7)},   {"unit", x.text(8)},
                          {"room", x.text(9)},      {"address", x.text(10)},   {"headName", x.text(11)},
                          {"phoneMasked", json::fromValue(x[12])},             {"tags", tagsJson(x.text(13))},
                          {"lastVisitedOn", json::fromValue(x[14])},           {"contactName", json::fromValue(x[15])},
                          {"key", x.i64(16) == 1}});
  } else if (k.orgCol == "g.org_id") {
    Params q = k.loadParams;
    q.insert(q.end(), p.begin(), p.end());
    Load l = load(c);
    for (auto x : c.query("SELECT g.member_id, m.name, o.id, o.name, a.id, a.name, gg.id, gg.name, " + k.loadExpr +
                              k.from + " ORDER BY o.path, a.name, gg.name, m.name_sort, g.member_id" + page, q))
      out.rows.push_back({{"id", x.i64(0)},        {"memberId", x.i64(0)},    {"memberName", x.text(1)},
                          {"orgId", x.i64(2)},     {"orgName", x.text(3)},    {"areaId", x.i64(4)},
                          {"areaName", x.text(5)}, {"groupId", x.i64(6)},     {"groupName", x.text(7)},
                          {"households", x.i64(8)}, {"load", loadFlag(x.i64(8), l)}});
  } else if (k.orgCol == "a.org_id") {
    for (auto x : c.query("SELECT a.id, a.name, o.id, o.name, (SELECT m.name FROM members m WHERE m.id = "
                          "a.leader_member_id)" + k.from + " ORDER BY o.path, a.name, a.id" + page, p))
      out.rows.push_back({{"id", x.i64(0)}, {"areaId", x.i64(0)}, {"areaName", x.text(1)}, {"orgId", x.i64(2)},
                          {"orgName", x.text(3)}, {"leaderName", json::fromValue(x[4])}});
  } else {
    for (auto x : c.query("SELECT gg.id, gg.name, a.id, a.name, o.id, o.name, (SELECT m.name FROM members m WHERE m.id = "
                          "gg.leader_member_id)" + k.from + " ORDER BY o.path, a.name, gg.name, gg.id" + page, p))
      out.rows.push_back({{"id", x.i64(0)}, {"groupId", x.i64(0)}, {"groupName", x.text(1)}, {"areaId", x.i64(2)},
                          {"areaName", x.text(3)}, {"orgId", x.i64(4)}, {"orgName", x.text(5)},
                          {"leaderName", json::fromValue(x[6])}});
  }
  return out;
}

}  // namespace zg::grid

// ---------------------------------------------------------------- routes

namespace zg::grid {

namespace {

bool isCommunityType(const std::optional<std::string>& t) { return t && (*t == "community" || *t == "village"); }

std::optional<int64_t> qId(const http::Request& req, const std::string& name) {
  auto v = req.q(name);
  if (!v || trim(*v).empty()) return std::nullopt;
  try {
    size_t pos = 0;
    int64_t id = std::stoll(*v, &pos);
    if (pos != v->size() || id <= 0) throw 0;
    return id;
  } catch (...) {
    throw Error::invalid(name, "编号无效");
  }
}

Date qDate(const http::Request& req, const std::string& name) {
  auto v = req.q(name);
  if (!v || trim(*v).empty()) return today();
  auto d = parseDate(*v);
  if (!d) throw Error::invalid(name, "日期无效（格式：2024-01-31）");
  return *d;
}

// orgId= / areaId= / groupId= narrow the caller's scope (each must be in it).
Place placeOf(Connection& c, const auth::Context& ctx, const http::Request& req) {
  Place pl{ctx.scope, std::nullopt, std::nullopt};
  if (auto id = qId(req, "orgId")) pl.scope = Scope(orgs::require(c, ctx.scope, *id, "orgId").path);
  if (auto id = qId(req, "areaId")) pl.areaId = areaInScope(c, pl.scope, *id, "areaId").id;
  if (auto id = qId(req, "groupId")) pl.groupId = groupInScope(c, pl.scope, *id, "groupId").id;
  return pl;
}

bj::object countsJson(const Coverage& v) {
  return {{"households", v.households},       {"covered", v.households - v.noContact}, {"noContact", v.noContact},
          {"key", v.key},                     {"keyUnvisited", v.keyUnvisited},       {"contacts", v.contacts},
          {"idleContacts", v.idleContacts},   {"over", v.over},                       {"under", v.under},
          {"areas", v.areas},                 {"areasNoLeader", v.areasNoLeader},     {"groups", v.groups},
          {"groupsNoLeader", v.groupsNoLeader}, {"permille", v.permille()},
          {"complete", v.noContact == 0 && v.idleContacts == 0 && v.keyUnvisited == 0 && v.areasNoLeader == 0}};
}

HouseholdInput householdFrom(const json::Form& f) {
  HouseholdInput in;
  in.groupId = f.requiredInt("groupId", "联户小组", 1, INT64_MAX);
  in.building = f.text("building", "幢（楼）", 20).value_or("");
  in.unit = f.text("unit", "单元", 20).value_or("");
  in.room = f.text("room", "室", 20).value_or("");
  in.address = f.text("address", "地址", 100).value_or("");
  in.headName = f.text("headName", "户主姓名", 30).value_or("");
  in.phone = f.text("phone", "联系电话", 30);
  in.note = f.text("note", "备注", 500);
  const auto& o = f.object();
  if (auto it = o.find("tags"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_array()) throw Error::invalid("tags", "标签应为列表");
    for (auto& t : it->value().as_array()) {
      if (!t.is_string()) throw Error::invalid("tags", "标签应为文字代码");
      in.tags.emplace_back(t.as_string());
    }
  }
  if (auto it = o.find("people"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_array()) throw Error::invalid("people", "家庭成员应为列表");
    size_t i = 0;
    for (auto& v : it->value().as_array()) {
      if (!v.is_object()) throw Error::invalid("people[" + std::to_string(i) + "]", "家庭成员格式不正确");
      json::Form pf(v.as_object());
      Person p;
      std::string pre = "people[" + std::to_string(i) + "].";
      try {
        p.name = pf.text("name", "姓名", 30).value_or("");
        p.relation = pf.text("relation", "与户主关系", 20).value_or("");
        p.birthYear = pf.integer("birthYear", "出生年份", 1900, 2100);
        p.phone = pf.text("phone", "电话", 30);
      } catch (const Error& e) {
        throw Error::invalid(pre + e.field(), e.message());
      }
      in.people.push_back(std::move(p));
      ++i;
    }
  }
  return in;
}

bj::object householdDetail(Connection& c, const Scope& scope, int64_t id) {
  HouseholdRef ref = householdInScope(c, scope, id);
  Params kp;
  std::string key = keyWhere(c, "h.tags", kp);
  kp.push_back(id);
  auto rows = c.query("SELECT h.id, h.org_id, o.name, h.area_id, a.name, h.group_id, gg.name, h.building, h.unit, h.room, "
                   "h.address, h.head_name, h.phone_mask, h.tags, h.people_count, h.last_visited_on, h.note, h.version, "
                   "CASE WHEN " + key + " THEN 1 ELSE 0 END, "
                   "(SELECT m.name FROM members m WHERE m.id = a.leader_member_id), "
                   "(SELECT m.name FROM members m WHERE m.id = gg.leader_member_id), "
                   "(SELECT b.name FROM orgs b WHERE b.id = a.branch_org_id), "
                   "(SELECT b.name FROM grid_buildings gb JOIN orgs b ON b.id = gb.party_org_id WHERE gb.area_id = "
                   "h.area_id AND gb.building = h.building) "
                   "FROM households h JOIN orgs o ON o.id = h.org_id JOIN grid_areas a ON a.id = h.area_id "
                   "JOIN grid_groups gg ON gg.id = h.group_id WHERE h.id = ?",
                   kp);
  auto x = rows.front();
  bj::object o{{"id", x.i64(0)},          {"orgId", x.i64(1)},        {"orgName", x.text(2)},
               {"areaId", x.i64(3)},      {"areaName", x.text(4)},    {"groupId", x.i64(5)},
               {"groupName", x.text(6)},  {"building", x.text(7)},    {"unit", x.text(8)},
               {"room", x.text(9)},       {"address", x.text(10)},    {"fullAddress", ref.address},
               {"headName", x.text(11)},  {"phoneMasked", json::fromValue(x[12])},
               {"tags", tagsJson(x.text(13))}, {"tagCodes", [&] { bj::array a; for (auto& t : splitList(x.text(13))) a.push_back(bj::value(t)); return a; }()},
               {"peopleCount", x.i64(14)}, {"lastVisitedOn", json::fromValue(x[15])},
               {"note", json::fromValue(x[16])}, {"version", x.i64(17)}, {"key", x.i64(18) == 1},
               {"areaLeaderName", json::fromValue(x[19])}, {"groupLeaderName", json::fromValue(x[20])},
               {"areaBranchName", json::fromValue(x[21])}, {"buildingPartyOrgName", json::fromValue(x[22])}};
  bj::array people;
  for (auto p : c.query("SELECT id, name, relation, birth_year, phone_mask FROM household_people WHERE household_id = ? "
                        "ORDER BY id", {id}))
    people.push_back({{"id", p.i64(0)}, {"name", p.text(1)}, {"relation", p.text(2)},
                      {"birthYear", json::fromValue(p[3])}, {"phoneMasked", json::fromValue(p[4])}});
  o["people"] = std::move(people);
  bj::array history;
  bj::value contact = nullptr;
  for (auto h : c.query("SELECT hc.member_id, m.name, hc.from_on, hc.to_on, hc.assigned_by, m.phone_mask FROM "
                        "household_contacts hc JOIN members m ON m.id = hc.member_id WHERE hc.household_id = ? "
                        "ORDER BY hc.from_on DESC, hc.id DESC", {id})) {
    bj::object e{{"memberId", h.i64(0)}, {"memberName", h.text(1)}, {"fromOn", h.text(2)},
                 {"toOn", json::fromValue(h[3])}, {"assignedBy", h.text(4)}, {"phoneMasked", json::fromValue(h[5])}};
    if (h.isNull(3)) contact = e;
    history.push_back(std::move(e));
  }
  o["contact"] = contact;
  o["contactHistory"] = std::move(history);
  // The archive page loads its visits (GET /api/visits?householdId=) and residents' problems
  // (GET /api/problems?householdId=, or /api/me/problems?householdId= for the contact member) itself.
  return o;
}

bj::array areasJson(Connection& c, const Place& place) {
  Params p;
  std::string w = place.scope.where("o.path", p);
  auto byArea = coverageBy(c, place, today(), "area");
  auto byGroup = coverageBy(c, place, today(), "group");
  std::map<int64_t, bj::array> groups;
  for (auto g : c.query("SELECT gg.id, gg.area_id, gg.name, gg.leader_member_id, (SELECT m.name FROM members m WHERE "
                        "m.id = gg.leader_member_id), gg.version FROM grid_groups gg JOIN orgs o ON o.id = gg.org_id "
                        "WHERE " + w + " ORDER BY gg.area_id, gg.name, gg.id", p)) {
    Coverage v = byGroup[g.i64(0)];
    groups[g.i64(1)].push_back({{"id", g.i64(0)}, {"name", g.text(2)}, {"leaderMemberId", json::fromValue(g[3])},
                                {"leaderName", json::fromValue(g[4])}, {"version", g.i64(5)},
                                {"counts", countsJson(v)}});
  }
  std::map<int64_t, bj::array> buildings;
  Params bp;
  std::string bw = place.scope.where("o.path", bp);
  for (auto b : c.query("SELECT gb.area_id, gb.building, gb.party_org_id, po.name FROM grid_buildings gb JOIN grid_areas a "
                        "ON a.id = gb.area_id JOIN orgs o ON o.id = a.org_id LEFT JOIN orgs po ON po.id = "
                        "gb.party_org_id WHERE " + bw + " ORDER BY gb.building", bp))
    buildings[b.i64(0)].push_back({{"building", b.text(1)}, {"partyOrgId", json::fromValue(b[2])},
                                   {"partyOrgName", json::fromValue(b[3])}});
  Params ap;
  std::string aw = place.scope.where("o.path", ap);
  bj::array out;
  for (auto a : c.query("SELECT a.id, a.name, a.org_id, o.name, a.leader_member_id, (SELECT m.name FROM members m WHERE "
                        "m.id = a.leader_member_id), a.branch_org_id, (SELECT b.name FROM orgs b WHERE b.id = "
                        "a.branch_org_id), a.note, a.version FROM grid_areas a JOIN orgs o ON o.id = a.org_id WHERE " +
                            aw + " ORDER BY o.path, a.name, a.id", ap)) {
    int64_t id = a.i64(0);
    if (place.areaId && *place.areaId != id) continue;
    out.push_back({{"id", id}, {"name", a.text(1)}, {"orgId", a.i64(2)}, {"orgName", a.text(3)},
                   {"leaderMemberId", json::fromValue(a[4])}, {"leaderName", json::fromValue(a[5])},
                   {"branchOrgId", json::fromValue(a[6])}, {"branchOrgName", json::fromValue(a[7])},
                   {"note", json::fromValue(a[8])}, {"version", a.i64(9)}, {"counts", countsJson(byArea[id])},
                   {"groups", std::move(groups[id])}, {"buildings", std::move(buildings[id])}});
  }
  return out;
}

// The coverage table of a node and its children: an organization's children down to its
// communities, a community's areas, an area's groups.
bj::object coverageJson(Connection& c, const auth::Context& ctx, const http::Request& req) {
  Date asOf = qDate(req, "asOf");
  if (auto areaId = qId(req, "areaId")) {
    AreaRef a = areaInScope(c, ctx.scope, *areaId);
    Place pl{ctx.scope, a.id, std::nullopt};
    auto by = coverageBy(c, pl, asOf, "group");
    bj::array children;
    for (auto g : c.query("SELECT id, name FROM grid_groups WHERE area_id = ? ORDER BY name, id", {a.id}))
      children.push_back({{"type", "group"}, {"id", g.i64(0)}, {"name", g.text(1)}, {"counts", countsJson(by[g.i64(0)])}});
    return {{"asOf", asOf.iso()},
            {"node", {{"type", "area"}, {"id", a.id}, {"name", a.name}, {"orgId", a.orgId}, {"orgName", a.orgName},
                      {"counts", countsJson(coverage(c, pl, asOf))}}},
            {"children", std::move(children)}};
  }
  int64_t orgId = qId(req, "orgId").value_or(ctx.user.orgId);
  orgs::Org o = orgs::require(c, ctx.scope, orgId, "orgId");
  Place pl{Scope(o.path), std::nullopt, std::nullopt};
  bj::array children;
  bool community = false;
  if (isCommunityType(o.branchType) && o.parentId) {
    auto parent = orgs::find(c, Scope::all(), *o.parentId);
    community = !parent || !isCommunityType(parent->branchType);
  }
  if (community) {
    auto by = coverageBy(c, pl, asOf, "area");
    for (auto a : c.query("SELECT id, name FROM grid_areas WHERE org_id = ? ORDER BY name, id", {o.id}))
      children.push_back({{"type", "area"}, {"id", a.i64(0)}, {"name", a.text(1)}, {"counts", countsJson(by[a.i64(0)])}});
  } else {
    auto by = coverageBy(c, pl, asOf, "org");
    // Community org id → its path, to roll each up into the child that holds it.
    std::vector<std::pair<std::string, int64_t>> paths;
    if (!by.empty()) {
      std::string in;
      Params ip;
      for (auto& [id, v] : by) {
        in += in.empty() ? "?" : ",?";
        ip.emplace_back(id);
      }
      for (auto r : c.query("SELECT path, id FROM orgs WHERE id IN (" + in + ")", ip)) paths.emplace_back(r.text(0), r.i64(1));
    }
    Params cp;
    std::string cw = pl.scope.where("x.path", cp);
    cp.insert(cp.begin(), Value(o.id));
    for (auto ch : c.query("SELECT o.id, o.name, o.path FROM orgs o WHERE o.parent_id = ? AND o.dissolved_on IS NULL AND "
                           "EXISTS (SELECT 1 FROM orgs x WHERE x.branch_type IN ('community', 'village') AND x.path >= "
                           "o.path AND x.path < " + std::string("(substr(o.path, 1, length(o.path) - 1) || '0')") +
                           " AND " + cw + ") ORDER BY o.path",
                           cp)) {
      Coverage v;
      std::string path = ch.text(2);
      for (auto& [p, id] : paths)
        if (p.rfind(path, 0) == 0) v += by[id];
      children.push_back({{"type", "org"}, {"id", ch.i64(0)}, {"name", ch.text(1)}, {"counts", countsJson(v)}});
    }
  }
  return {{"asOf", asOf.iso()},
          {"node", {{"type", community ? "community" : "org"}, {"id", o.id}, {"name", o.name},
                    {"parentId", o.parentId && ctx.scope.contains(orgs::find(c, Scope::all(), *o.parentId)->path)
                                     ? bj::value(*o.parentId) : bj::value(nullptr)},
                    {"counts", countsJson(coverage(c, pl, asOf))}}},
          {"children", std::move(children)}};
}

}  // namespace

importer::Spec importSpec(const crypto::FieldCipher& cipher) {
  importer::Spec s;
  s.entity = "households";
  s.label = "住户";
  s.columns = {{"community", "社区（村）", true, {"社区", "村", "所属社区"}, "社区（村）党组织全称，或“街道/社区”"},
               {"area", "片区", true, {"片"}, "本社区已建立的片区名称"},
               {"group", "联户小组", true, {"小组", "组"}, "该片区已建立的小组名称"},
               {"building", "幢（楼）", false, {"幢", "楼", "楼号", "楼栋"}, ""},
               {"unit", "单元", false, {}, ""},
               {"room", "室", false, {"房号", "门牌"}, ""},
               {"address", "地址", false, {"住址", "详细地址"}, "无幢号时必填（如村组门牌）"},
               {"headName", "户主姓名", true, {"户主"}, ""},
               {"phone", "联系电话", false, {"电话", "手机号码"}, ""},
               {"tags", "标签", false, {"住户标签"}, "独居老人、空巢老人、残疾人、生活困难、新迁入，用顿号分隔"},
               {"peopleCount", "人口数", false, {"人数"}, "家庭人口（不填则不记录成员）"}};
  s.instructions = {"每行一户。社区（村）、片区、联户小组须已建立。", "标签可填中文名称，多个用顿号或逗号分隔。",
                    "同一社区同一地址（幢、单元、室）不能重复登记。"};
  s.apply = [&cipher](Connection& c, const auth::Context& ctx, const importer::Row& row) {
    orgs::Org co = orgs::findByName(c, ctx.scope, row["community"], "community");
    auto a = c.query("SELECT id FROM grid_areas WHERE org_id = ? AND name = ?", {co.id, trim(row["area"])});
    if (a.empty()) throw Error::invalid("area", "本社区（村）没有名为“" + row["area"] + "”的片区");
    auto g = c.query("SELECT id FROM grid_groups WHERE area_id = ? AND name = ?", {a.front().i64(0), trim(row["group"])});
    if (g.empty()) throw Error::invalid("group", "该片区没有名为“" + row["group"] + "”的小组");
    HouseholdInput in;
    in.groupId = g.front().i64(0);
    in.building = trim(row["building"]), in.unit = trim(row["unit"]), in.room = trim(row["room"]);
    in.address = trim(row["address"]), in.headName = trim(row["headName"]);
    if (!trim(row["phone"]).empty()) in.phone = trim(row["phone"]);
    for (auto& t : splitList(row["tags"])) {
      std::string code;
      for (auto& [k, label] : tagLabels())
        if (t == k || t == label) code = k;
      if (code.empty()) throw Error::invalid("tags", "未知的住户标签：" + t + "（可填：独居老人、空巢老人、残疾人、生活困难、新迁入）");
      in.tags.push_back(code);
    }
    int people = 0;
    if (!trim(row["peopleCount"]).empty()) {
      try { people = std::stoi(trim(row["peopleCount"])); } catch (...) { people = -1; }
      if (people < 1 || people > 30) throw Error::invalid("peopleCount", "人口数应为1到30之间的整数");
    }
    int64_t id = createHousehold(c, ctx, cipher, in);
    // 人口数 without the people's names: the count is kept, no people rows are made up.
    if (people > 0) c.exec("UPDATE households SET people_count = ? WHERE id = ?", {static_cast<int64_t>(people), id});
  };
  return s;
}

std::vector<figures::Cell> coverageCells(Connection& c, const figures::Query& q, const std::vector<std::string>& kinds) {
  Coverage v = coverage(c, Place{q.scope, std::nullopt, std::nullopt}, q.asOf(), kinds);
  std::vector<figures::Cell> cells;
  for (auto& [kind, label] : coverageKinds()) {
    if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) continue;
    cells.push_back({kind, label, *detail::field(v, kind)});
    // The rates: households with a contact (of households), key households visited on time
    // (of key households) — complements of the cell before, listed by their own kinds.
    if (kind == "households") cells.push_back({"with_contact", "已落实联系户", v.households - v.noContact, {}, "households"});
    if (kind == "key") cells.push_back({"key_visited", "重点户按期走访", v.key - v.keyUnvisited, {}, "key"});
  }
  return cells;
}

void registerFigures() {
  // Live roll-ups (migration 0015, docs/rollup.md): households' tags, contact and last visit.
  rollup::define({"grid", "SELECT org_id, metric, k, SUM(n) FROM rollup_household_keys GROUP BY org_id, metric, k"});
  figures::Figure f;
  f.key = "grid.coverage";
  f.group = "网格联户";
  f.title = "“三无”覆盖";
  f.order = 400;
  f.cells = [](Connection& c, const figures::Query& q) { return coverageCells(c, q, {}); };
  f.records = [](Connection& c, const figures::Query& q, const std::string& cell, int64_t offset, int64_t limit) {
    bool known = cell == "with_contact" || cell == "key_visited";
    for (auto& [kind, label] : coverageKinds()) known = known || kind == cell;
    if (!known) throw Error::invalid("cell", "未知的统计格：" + cell);
    Listing l = list(c, Place{q.scope, std::nullopt, std::nullopt}, q.asOf(), cell, offset, limit);
    figures::Records r;
    r.total = l.total;
    r.rows = std::move(l.rows);
    if (cell == "households" || cell == "no_contact" || cell == "key" || cell == "key_unvisited" ||
        cell == "with_contact" || cell == "key_visited")
      r.columns = {{"orgName", "社区（村）"}, {"areaName", "片区"}, {"groupName", "小组"}, {"building", "幢"},
                   {"unit", "单元"}, {"room", "室"}, {"address", "地址"}, {"headName", "户主"},
                   {"contactName", "联户党员"}, {"lastVisitedOn", "最近走访"}};
    else if (cell == "contacts" || cell == "idle_contacts" || cell == "over" || cell == "under")
      r.columns = {{"memberName", "党员"}, {"orgName", "社区（村）"}, {"areaName", "片区"}, {"groupName", "小组"},
                   {"households", "联系户数"}};
    else if (cell == "areas" || cell == "areas_no_leader")
      r.columns = {{"orgName", "社区（村）"}, {"areaName", "片区"}, {"leaderName", "片长"}};
    else
      r.columns = {{"orgName", "社区（村）"}, {"areaName", "片区"}, {"groupName", "小组"}, {"leaderName", "组长"}};
    return r;
  };
  figures::define(std::move(f));
}

void registerRoutes(platform::Api& api) {
  registerSettings();
  using auth::Permission;
  platform::Services svc = api.services();

  api.get("/api/grid/areas", Permission::OrgRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    Place pl = placeOf(c, ctx, req);
    return json::ok(bj::object{{"items", areasJson(c, pl)}});
  });
  api.post("/api/grid/areas", Permission::MemberWrite, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    json::Form f(req.body);
    AreaInput in;
    in.orgId = f.requiredInt("orgId", "社区（村）", 1, INT64_MAX);
    in.name = f.text("name", "片区名称", 50).value_or("");
    in.leaderMemberId = f.integer("leaderMemberId", "片长", 1, INT64_MAX);
    in.branchOrgId = f.integer("branchOrgId", "片区党支部", 1, INT64_MAX);
    in.note = f.text("note", "备注", 500);
    store::Transaction tx(c);
    int64_t id = createArea(c, ctx, in);
    tx.commit();
    Place pl{ctx.scope, id, std::nullopt};
    return json::ok(areasJson(c, pl).at(0), 201);
  });
  api.put("/api/grid/areas/:id", Permission::MemberWrite, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    int64_t id = req.idParam();
    json::Form f(req.body);
    AreaInput in;
    in.name = f.text("name", "片区名称", 50).value_or("");
    in.leaderMemberId = f.integer("leaderMemberId", "片长", 1, INT64_MAX);
    in.branchOrgId = f.integer("branchOrgId", "片区党支部", 1, INT64_MAX);
    in.note = f.text("note", "备注", 500);
    int64_t version = f.requiredInt("version", "版本号", 1, INT64_MAX);
    store::Transaction tx(c);
    updateArea(c, ctx, id, in, version);
    tx.commit();
    return json::ok(areasJson(c, Place{ctx.scope, id, std::nullopt}).at(0));
  });
  api.post("/api/grid/areas/:id/buildings", Permission::MemberWrite,
           [](http::Request& req, const auth::Context& ctx, Connection& c) {
             int64_t id = req.idParam();
             json::Form f(req.body);
             std::string building = f.text("building", "幢（楼）号", 20).value_or("");
             auto org = f.integer("partyOrgId", "楼宇党组织", 1, INT64_MAX);
             store::Transaction tx(c);
             attachBuilding(c, ctx, id, building, org);
             tx.commit();
             return json::ok(areasJson(c, Place{ctx.scope, id, std::nullopt}).at(0));
           });
  // The buildings of an area: those with households and those added (with or without a party group).
  api.get("/api/grid/areas/:id/buildings", Permission::OrgRead,
          [](http::Request& req, const auth::Context& ctx, Connection& c) {
            AreaRef a = areaInScope(c, ctx.scope, req.idParam());
            std::map<std::string, bj::object> rows;
            for (auto h : c.query("SELECT building, COUNT(*) FROM households WHERE area_id = ? AND building <> '' "
                                  "GROUP BY building", {a.id}))
              rows[h.text(0)] = {{"building", h.text(0)}, {"households", h.i64(1)}, {"partyOrgId", nullptr},
                                 {"partyOrgName", nullptr}};
            for (auto b : c.query("SELECT gb.building, gb.party_org_id, po.name FROM grid_buildings gb LEFT JOIN orgs po "
                                  "ON po.id = gb.party_org_id WHERE gb.area_id = ?", {a.id})) {
              auto& r = rows[b.text(0)];
              if (r.empty()) r = {{"building", b.text(0)}, {"households", 0}};
              r["partyOrgId"] = json::fromValue(b[1]);
              r["partyOrgName"] = json::fromValue(b[2]);
            }
            std::vector<bj::object> sorted;
            for (auto& [k, v] : rows) sorted.push_back(std::move(v));
            // Natural order: "2" before "10".
            std::sort(sorted.begin(), sorted.end(), [](const bj::object& x, const bj::object& y) {
              const auto& a1 = x.at("building").as_string();
              const auto& b1 = y.at("building").as_string();
              if (a1.size() != b1.size()) return a1.size() < b1.size();
              return a1 < b1;
            });
            bj::array items;
            for (auto& r : sorted) items.push_back(std::move(r));
            return json::ok(bj::object{{"areaId", a.id}, {"items", std::move(items)}});
          });
  // The organizations a community's grid can attach: the community's organization and those
  // inside it (grid branches 片区党支部, building party groups 楼宇党小组).
  api.get("/api/grid/org-options", Permission::OrgRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    auto id = qId(req, "orgId");
    if (!id) throw Error::invalid("orgId", "请选择社区（村）", "required");
    orgs::Org co = communityOf(c, ctx.scope, *id, "orgId");
    bj::array items;
    Params p;
    std::string w = Scope(co.path).where("path", p);
    for (auto o : c.query("SELECT id, name, kind FROM orgs WHERE " + w + " AND dissolved_on IS NULL ORDER BY path", p))
      items.push_back({{"id", o.i64(0)}, {"name", o.text(1)}, {"kind", o.text(2)}});
    return json::ok(bj::object{{"items", std::move(items)}});
  });
  api.post("/api/grid/groups", Permission::MemberWrite, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    json::Form f(req.body);
    int64_t areaId = f.requiredInt("areaId", "片区", 1, INT64_MAX);
    std::string name = f.text("name", "小组名称", 50).value_or("");
    auto leader = f.integer("leaderMemberId", "组长", 1, INT64_MAX);
    store::Transaction tx(c);
    int64_t id = createGroup(c, ctx, areaId, name, leader);
    tx.commit();
    return json::ok(bj::object{{"id", id}, {"areaId", areaId}, {"name", trim(name)}}, 201);
  });
  api.put("/api/grid/groups/:id", Permission::MemberWrite, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    int64_t id = req.idParam();
    json::Form f(req.body);
    std::string name = f.text("name", "小组名称", 50).value_or("");
    auto leader = f.integer("leaderMemberId", "组长", 1, INT64_MAX);
    int64_t version = f.requiredInt("version", "版本号", 1, INT64_MAX);
    store::Transaction tx(c);
    updateGroup(c, ctx, id, name, leader, version);
    tx.commit();
    return json::ok(bj::object{{"id", id}, {"name", trim(name)}, {"version", version + 1}});
  });

  api.get("/api/grid/households/import-template", Permission::MemberImport,
          [svc](http::Request&, const auth::Context&, Connection&) {
            return http::Response::download(importer::templateXlsx(importSpec(*svc.cipher)),
                                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                            "住户导入模板.xlsx");
          });
  http::RouteOptions big;
  big.bodyLimit = 20 * 1024 * 1024;
  api.post(
      "/api/grid/households/import", Permission::MemberImport,
      [svc](http::Request& req, const auth::Context& ctx, Connection&) {
        auto mode = importer::parseMode(req.q("mode").value_or(""));
        if (!mode) throw Error::invalid("mode", "导入方式无效（dry_run、all_or_nothing 或 keep_good）");
        if (req.body.empty()) throw Error::invalid("file", "请选择要导入的文件", "required");
        auto spec = std::make_shared<importer::Spec>(importSpec(*svc.cipher));
        store::Database* db = svc.db;
        int64_t jobId =
            svc.jobs->start("import.households", ctx.user.orgPath, ctx.user.id,
                            [db, ctx, spec, body = std::move(req.body), m = *mode](platform::Progress& p) -> bj::value {
                              return importer::run(*db, ctx, *spec, body, m, &p).toJson();
                            });
        return json::ok(bj::object{{"jobId", jobId}}, 202);
      },
      big);

  api.get("/api/grid/households", Permission::MemberRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    auto ps = json::pageSpec(req, {{"default", ""}}, "default");
    Place pl = placeOf(c, ctx, req);
    if (auto m = qId(req, "memberId")) pl.contactMemberId = memberInScope(c, ctx.scope, *m, "memberId").id;
    std::string kind = req.q("filter").value_or("households");
    if (kind.empty()) kind = "households";
    if (kind != "households" && kind != "no_contact" && kind != "key" && kind != "key_unvisited")
      throw Error::invalid("filter", "filter 应为 households、no_contact、key 或 key_unvisited", "bad_choice");
    Listing l = list(c, pl, today(), kind, ps.offset(), ps.pageSize);
    bj::array items;
    for (auto& r : l.rows) items.push_back(std::move(r));
    return json::page(std::move(items), l.total, ps.page, ps.pageSize);
  });
  // Readers of the grid see a household in their scope; a contact member also sees the
  // households they are currently responsible for (their archive, from "my households").
  api.getAny("/api/grid/households/:id", [](http::Request& req, const auth::Context& ctx, Connection& c) {
    int64_t id = req.idParam();
    if (!ctx.can(Permission::MemberRead)) {
      if (!ctx.user.memberId ||
          !c.scalar("SELECT id FROM household_contacts WHERE household_id = ? AND member_id = ? AND to_on IS NULL",
                    {id, *ctx.user.memberId}))
        throw Error::notFound("住户不存在");
      return json::ok(householdDetail(c, Scope::all(), id));
    }
    return json::ok(householdDetail(c, ctx.scope, id));
  });
  api.post("/api/grid/households", Permission::MemberWrite,
           [svc](http::Request& req, const auth::Context& ctx, Connection& c) {
             json::Form f(req.body);
             HouseholdInput in = householdFrom(f);
             store::Transaction tx(c);
             int64_t id = createHousehold(c, ctx, *svc.cipher, in);
             tx.commit();
             return json::ok(householdDetail(c, ctx.scope, id), 201);
           });
  api.put("/api/grid/households/:id", Permission::MemberWrite,
          [svc](http::Request& req, const auth::Context& ctx, Connection& c) {
            int64_t id = req.idParam();
            json::Form f(req.body);
            HouseholdInput in = householdFrom(f);
            in.phoneGiven = f.object().contains("phone");
            in.peopleGiven = f.object().contains("people");
            int64_t version = f.requiredInt("version", "版本号", 1, INT64_MAX);
            store::Transaction tx(c);
            updateHousehold(c, ctx, *svc.cipher, id, in, version);
            tx.commit();
            return json::ok(householdDetail(c, ctx.scope, id));
          });
  api.post("/api/grid/households/:id/release", Permission::MemberWrite,
           [](http::Request& req, const auth::Context& ctx, Connection& c) {
             int64_t id = req.idParam();
             json::Form f(req.body);
             auto on = f.date("on", "结束日期");
             store::Transaction tx(c);
             release(c, ctx, id, on);
             tx.commit();
             return json::ok(householdDetail(c, ctx.scope, id));
           });
  api.post("/api/grid/assign", Permission::MemberWrite, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    json::Form f(req.body);
    int64_t memberId = f.requiredInt("memberId", "联户党员", 1, INT64_MAX);
    auto on = f.date("on", "分配日期");
    std::vector<int64_t> ids;
    const auto& o = f.object();
    auto it = o.find("householdIds");
    if (it == o.end() || !it->value().is_array()) throw Error::invalid("householdIds", "请选择要分配的住户", "required");
    for (auto& v : it->value().as_array()) {
      if (!v.is_int64() || v.as_int64() <= 0) throw Error::invalid("householdIds", "住户编号无效");
      ids.push_back(v.as_int64());
    }
    store::Transaction tx(c);
    int changed = assign(c, ctx, ids, memberId, on);
    tx.commit();
    int64_t n = c.scalar("SELECT COUNT(*) FROM household_contacts WHERE member_id = ? AND to_on IS NULL", {memberId})->asInt();
    return json::ok(bj::object{{"changed", changed}, {"memberId", memberId}, {"households", n}, {"load", loadFlag(n, load(c))}});
  });
  api.get("/api/grid/contacts", Permission::MemberRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    auto ps = json::pageSpec(req, {{"default", ""}}, "default");
    Place pl = placeOf(c, ctx, req);
    std::string kind = req.q("load").value_or("");
    kind = kind.empty() ? "contacts" : kind == "idle" ? "idle_contacts" : kind;
    if (kind != "contacts" && kind != "idle_contacts" && kind != "over" && kind != "under")
      throw Error::invalid("load", "load 应为 idle、over 或 under", "bad_choice");
    Listing l = list(c, pl, today(), kind, ps.offset(), ps.pageSize);
    bj::array items;
    for (auto& r : l.rows) items.push_back(std::move(r));
    return json::page(std::move(items), l.total, ps.page, ps.pageSize);
  });
  api.get("/api/grid/coverage", Permission::OrgRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    return json::ok(coverageJson(c, ctx, req));
  });
  api.get("/api/grid/coverage/list", Permission::MemberRead,
          [](http::Request& req, const auth::Context& ctx, Connection& c) {
            auto ps = json::pageSpec(req, {{"default", ""}}, "default");
            Place pl = placeOf(c, ctx, req);
            std::string kind = req.q("kind").value_or("");
            bool known = false;
            for (auto& [k, label] : coverageKinds()) known = known || k == kind;
            if (!known) throw Error::invalid("kind", "请选择统计项", "bad_choice");
            Listing l = list(c, pl, qDate(req, "asOf"), kind, ps.offset(), ps.pageSize);
            bj::array items;
            for (auto& r : l.rows) items.push_back(std::move(r));
            return json::page(std::move(items), l.total, ps.page, ps.pageSize);
          });
  api.getAny("/api/grid/my-households", [](http::Request&, const auth::Context& ctx, Connection& c) {
    bj::array items;
    Load l = load(c);
    if (ctx.user.memberId) {
      Params p;
      std::string key = keyWhere(c, "h.tags", p);
      p.emplace_back(*ctx.user.memberId);
      for (auto x : c.query("SELECT h.id, o.name, a.name, gg.name, h.building, h.unit, h.room, h.address, h.head_name, "
                            "h.phone_mask, h.tags, h.people_count, h.last_visited_on, hc.from_on, CASE WHEN " + key +
                            " THEN 1 ELSE 0 END FROM household_contacts hc JOIN households h ON h.id = hc.household_id "
                            "JOIN orgs o ON o.id = h.org_id JOIN grid_areas a ON a.id = h.area_id JOIN grid_groups gg "
                            "ON gg.id = h.group_id WHERE hc.to_on IS NULL AND hc.member_id = ? ORDER BY h.building, "
                            "h.unit, h.room, h.address, h.id", p))
        items.push_back({{"id", x.i64(0)},         {"orgName", x.text(1)},   {"areaName", x.text(2)},
                         {"groupName", x.text(3)}, {"building", x.text(4)},  {"unit", x.text(5)},
                         {"room", x.text(6)},      {"address", x.text(7)},   {"headName", x.text(8)},
                         {"phoneMasked", json::fromValue(x[9])},             {"tags", tagsJson(x.text(10))},
                         {"peopleCount", x.i64(11)}, {"lastVisitedOn", json::fromValue(x[12])},
                         {"fromOn", x.text(13)},   {"key", x.i64(14) == 1}});
    }
    int64_t n = static_cast<int64_t>(items.size());
    return json::ok(bj::object{{"items", std::move(items)}, {"total", n}, {"memberId", json::fromValue(Value(ctx.user.memberId))},
                               {"target", l.target}, {"load", ctx.user.memberId ? bj::value(loadFlag(n, l)) : bj::value(nullptr)}});
  });
}

}  // namespace zg::grid
