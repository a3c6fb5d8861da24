#include "modules/orgs/orgs.h"

#include <map>
#include <set>

#include "core/error.h"
#include "modules/orgs/org_kinds.h"
#include "platform/audit.h"
#include "platform/json.h"
#include "platform/settings.h"
#include "platform/tabular.h"
#include "platform/time.h"

namespace zg::orgs {

namespace bj = boost::json;
using store::Connection;
using store::Params;

namespace {

const char* kCols =
    "id, parent_id, path, depth, name, short_name, kind, branch_type, unit_count, committee_size, secretary, contact, "
    "phone, unit_info, founded_on, dissolved_on, merged_into, version";

Org fromRow(const store::Row& r) {
  Org o;
  o.id = r.i64(0);
  o.parentId = r.optI64(1);
  o.path = r.text(2);
  o.depth = static_cast<int>(r.i64(3));
  o.name = r.text(4);
  o.shortName = r.optText(5);
  o.kind = r.text(6);
  o.branchType = r.optText(7);
  o.unitCount = r.i64(8);
  o.committeeSize = r.i64(9);
  o.secretary = r.optText(10);
  o.contact = r.optText(11);
  o.phone = r.optText(12);
  o.unitInfo = r.optText(13);
  o.foundedOn = r.text(14);
  o.dissolvedOn = r.optText(15);
  o.mergedInto = r.optI64(16);
  o.version = r.i64(17);
  return o;
}

bj::object plainJson(const Org& o) {
  return {{"id", o.id},
          {"parentId", o.parentId ? bj::value(*o.parentId) : bj::value(nullptr)},
          {"name", o.name},
          {"kind", o.kind},
          {"branchType", json::opt(o.branchType)},
          {"unitCount", o.unitCount},
          {"committeeSize", o.committeeSize},
          {"secretary", json::opt(o.secretary)},
          {"contact", json::opt(o.contact)},
          {"phone", json::opt(o.phone)},
          {"unitInfo", json::opt(o.unitInfo)},
          {"foundedOn", o.foundedOn},
          {"dissolvedOn", json::opt(o.dissolvedOn)},
          {"path", o.path}};
}

std::string today() { return zg::today().iso(); }

void event(Connection& c, int64_t orgId, const std::string& ev, const std::string& onDate, const bj::object& detail,
           const auth::Actor& actor) {
  c.exec("INSERT INTO org_events(org_id, event, on_date, detail, actor_id, created_at) VALUES (?,?,?,?,?,?)",
         {orgId, ev, onDate, bj::serialize(detail), actor.userId ? store::Value(actor.userId) : store::Value(), nowIso()});
}

// Closes the current history row and opens a new one from `onDate`.
void newHistory(Connection& c, const Org& o, std::optional<int64_t> parentId, const std::string& name,
                const std::string& kind, const std::string& onDate) {
  c.exec("UPDATE org_history SET to_date = ? WHERE org_id = ? AND to_date IS NULL", {onDate, o.id});
  c.exec("INSERT INTO org_history(org_id, parent_id, name, kind, from_date) VALUES (?,?,?,?,?)",
         {o.id, parentId, name, kind, onDate});
}

struct Input {
  std::string name;
  std::optional<std::string> shortName;
  std::string kind;
  std::optional<std::string> branchType;
  int64_t unitCount = 1;
  int64_t committeeSize = 0;
  std::optional<std::string> secretary, contact, phone, unitInfo;
};

std::vector<std::string> values(const std::vector<Label>& v) {
  std::vector<std::string> out;
  for (auto& l : v) out.push_back(l.value);
  return out;
}

Input readInput(const json::Form& f) {
  Input in;
  in.name = f.requiredText("name", "组织全称", 60);
  in.shortName = f.text("shortName", "简称", 30);
  in.kind = *[&] {
    auto k = f.choice("kind", "组织类别", values(kinds()));
    if (!k) throw Error::invalid("kind", "组织类别不能为空", "required");
    return k;
  }();
  in.branchType = f.choice("branchType", "支部类型", values(branchTypes()));
  in.unitCount = f.integer("unitCount", "覆盖单位数", 1, 1000).value_or(1);
  in.committeeSize = f.integer("committeeSize", "支委会人数", 0, 15).value_or(0);
  in.secretary = f.text("secretary", "书记", 20);
  in.contact = f.text("contact", "联系人", 20);
  in.phone = f.text("phone", "联系电话", 30);
  if (in.phone && !normalizePhone(*in.phone)) throw Error::invalid("phone", "联系电话格式不正确");
  if (in.phone) in.phone = normalizePhone(*in.phone);
  in.unitInfo = f.text("unitInfo", "所在单位情况", 200);
  if (in.kind != "joint_branch") in.unitCount = 1;
  return in;
}

void checkSiblingName(Connection& c, std::optional<int64_t> parentId, const std::string& name, int64_t exceptId) {
  auto r = c.query("SELECT COUNT(*) FROM orgs WHERE parent_id = ? AND name = ? AND id <> ? AND dissolved_on IS NULL",
                   {parentId, name, exceptId});
  if (r.front().i64(0) > 0) throw Error::conflict("duplicate", "同一上级下已有同名组织", "name");
}

int64_t insertOrg(Connection& c, const auth::Actor& actor, const Org& parent, const Input& in, const std::string& on) {
  if (!allowedChild(parent.kind, in.kind))
    throw Error::invalid("kind", *kindLabel(in.kind) + "不能设在" + *kindLabel(parent.kind) + "之下");
  if (parent.dissolvedOn) throw Error::invalid("parentId", "上级组织已撤销");
  checkSiblingName(c, parent.id, in.name, 0);
  std::string now = nowIso();
  int64_t id = c.query(
                    "INSERT INTO orgs(parent_id, path, depth, name, short_name, kind, branch_type, unit_count, committee_size, "
                    "secretary, contact, phone, unit_info, founded_on, sort_order, created_at, updated_at) "
                    "VALUES (?, '', ?, ?,?,?,?,?,?,?,?,?,?,?, 0, ?, ?) RETURNING id",
                    {parent.id, parent.depth + 1, in.name, in.shortName, in.kind, in.branchType, in.unitCount,
                     in.committeeSize, in.secretary, in.contact, in.phone, in.unitInfo, on, now, now})
                   .front()
                   .i64(0);
  std::string path = parent.path + std::to_string(id) + "/";
  c.exec("UPDATE orgs SET path = ?, sort_order = ? WHERE id = ?", {path, id, id});
  c.exec("INSERT INTO org_history(org_id, parent_id, name, kind, from_date) VALUES (?,?,?,?,?)",
         {id, parent.id, in.name, in.kind, on});
  event(c, id, "create", on, {{"parentId", parent.id}}, actor);
  Org created = parent;
  created.id = id;
  created.path = path;
  audit::record(c, actor,
                {"create", "org", id, path, "新建组织：" + in.name + "（上级：" + parent.name + "）", nullptr,
                 bj::object{{"name", in.name}, {"kind", in.kind}, {"parentId", parent.id}, {"foundedOn", on}}});
  return id;
}

// Moves `o`'s subtree under `parent`: paths and depths of orgs and members follow.
void reparent(Connection& c, const Org& o, const Org& parent) {
  std::string newPath = parent.path + std::to_string(o.id) + "/";
  int64_t delta = parent.depth + 1 - o.depth;
  Params p{newPath, static_cast<int64_t>(o.path.size() + 1), delta};
  Scope sub(o.path);
  std::string w = sub.where("path", p);
  c.exec("UPDATE orgs SET path = ? || substr(path, ?), depth = depth + ? WHERE " + w, p);
  Params q{newPath, static_cast<int64_t>(o.path.size() + 1)};
  std::string w2 = sub.where("org_path", q);
  c.exec("UPDATE members SET org_path = ? || substr(org_path, ?) WHERE " + w2, q);
  // Dues paid keep the branch they were paid in (dues_payments.org_path): the branch moved, so its
  // books follow it, as the dues roll-ups keyed by the branch do (migration 0016).
  Params q3{newPath, static_cast<int64_t>(o.path.size() + 1)};
  std::string w3 = sub.where("org_path", q3);
  c.exec("UPDATE dues_payments SET org_path = ? || substr(org_path, ?) WHERE " + w3, q3);
  c.exec("UPDATE orgs SET parent_id = ?, version = version + 1, updated_at = ? WHERE id = ?", {parent.id, nowIso(), o.id});
}

void requireWritable(const Org& o) {
  if (o.dissolvedOn) throw Error::conflict("dissolved", "该组织已撤销，不能再修改");
}

// Moves every active member placed directly in `from` to `to` on `on`.
int64_t moveMembers(Connection& c, const Org& from, const Org& to, const std::string& on, const std::string& reason,
                    const std::optional<std::vector<int64_t>>& only) {
  std::string sql = "SELECT id FROM members WHERE org_id = ? AND active = 1";
  auto r = c.query(sql, {from.id});
  std::set<int64_t> ids;
  for (auto row : r) ids.insert(row.i64(0));
  if (only) {
    for (int64_t id : *only)
      if (!ids.count(id)) throw Error::invalid("memberIds", "所选党员不在该组织中");
    ids = std::set<int64_t>(only->begin(), only->end());
  }
  for (int64_t id : ids) {
    auto cur = c.query("SELECT from_date FROM member_placements WHERE member_id = ? AND to_date IS NULL", {id});
    if (!cur.empty() && cur.front().text(0) > on)
      throw Error::invalid("effectiveOn", "生效日期早于党员现编入日期（" + cur.front().text(0) + "）");
    c.exec("UPDATE member_placements SET to_date = ? WHERE member_id = ? AND to_date IS NULL", {on, id});
    c.exec("INSERT INTO member_placements(member_id, org_id, from_date, reason) VALUES (?,?,?,?)", {id, to.id, on, reason});
    c.exec("UPDATE members SET org_id = ?, org_path = ?, version = version + 1, updated_at = ? WHERE id = ?",
           {to.id, to.path, nowIso(), id});
  }
  return static_cast<int64_t>(ids.size());
}

std::string effectiveOn(const json::Form& f, const Org& o) {
  auto d = f.date("effectiveOn", "生效日期");
  std::string on = d ? d->iso() : today();
  if (on < o.foundedOn) throw Error::invalid("effectiveOn", "生效日期不能早于组织成立日期（" + o.foundedOn + "）");
  if (on > today()) throw Error::invalid("effectiveOn", "生效日期不能晚于今天");
  return on;
}

struct Rules {
  int64_t branchMinFull, branchMax, committeeMinFull, committeeSizeMin, committeeSizeNormalMax, committeeSizeMax,
      jointMaxUnits, communityBuildingThreshold, generalBranchSuggest, committeeSuggest;
  static Rules load(Connection& c) {
    return {settings::getInt(c, "org.branch_min_full_members"),  settings::getInt(c, "org.branch_max_members"),
            settings::getInt(c, "org.committee_min_full_members"), settings::getInt(c, "org.committee_size_min"),
            settings::getInt(c, "org.committee_size_normal_max"), settings::getInt(c, "org.committee_size_max"),
            settings::getInt(c, "org.joint_branch_max_units"),     settings::getInt(c, "org.community_building_threshold"),
            settings::getInt(c, "org.general_branch_suggest_members"), settings::getInt(c, "org.committee_suggest_members")};
  }
};

bj::array warningsFor(Connection& c, const Org& o, const Counts& n, const Rules& rules) {
  bj::array w;
  auto add = [&](const char* code, std::string msg) { w.push_back({{"code", code}, {"message", std::move(msg)}}); };
  auto s = [](int64_t v) { return std::to_string(v); };
  if (o.dissolvedOn) return w;
  bool branch = o.kind == "branch" || o.kind == "joint_branch";
  if (branch) {
    if (n.directFull < rules.branchMinFull)
      add("branch_too_small", "正式党员" + s(n.directFull) + "名，少于成立支部所需的" + s(rules.branchMinFull) + "名");
    if (n.directMembers > rules.branchMax)
      add("branch_too_large", "党员" + s(n.directMembers) + "名，超过支部一般不超过" + s(rules.branchMax) + "名的规定，宜分设支部或成立党总支");
    if (n.directFull >= rules.committeeMinFull) {
      if (o.committeeSize == 0)
        add("committee_needed", "正式党员" + s(n.directFull) + "名（≥" + s(rules.committeeMinFull) + "），应设立支部委员会");
      else if (o.committeeSize > rules.committeeSizeMax)
        add("committee_size", "支委会" + s(o.committeeSize) + "人，最多不超过" + s(rules.committeeSizeMax) + "人");
      else if (o.committeeSize < rules.committeeSizeMin || o.committeeSize > rules.committeeSizeNormalMax)
        add("committee_size", "支委会一般由" + s(rules.committeeSizeMin) + "至" + s(rules.committeeSizeNormalMax) + "人组成，现为" + s(o.committeeSize) + "人");
    } else if (o.committeeSize > 0) {
      add("committee_size", "正式党员不足" + s(rules.committeeMinFull) + "名，不设支委会，只设书记");
    }
    if (o.kind == "joint_branch" && o.unitCount > rules.jointMaxUnits)
      add("joint_too_many_units", "联合党支部覆盖" + s(o.unitCount) + "个单位，一般不超过" + s(rules.jointMaxUnits) + "个");
    if (n.directMembers >= rules.committeeSuggest)
      add("committee_suggested", "党员" + s(n.directMembers) + "名，可报上级党组织批准成立党委");
    else if (n.directMembers > rules.generalBranchSuggest)
      add("general_branch_suggested", "党员" + s(n.directMembers) + "名，可报上级党组织批准成立党总支");
  }
  if (o.branchType == std::optional<std::string>("community") && !branch && n.members > rules.communityBuildingThreshold) {
    auto r = c.query("SELECT COUNT(*) FROM orgs WHERE parent_id = ? AND branch_type = 'building' AND dissolved_on IS NULL", {o.id});
    if (r.front().i64(0) == 0)
      add("community_needs_building_branches",
          "社区党员" + s(n.members) + "名，超过" + s(rules.communityBuildingThreshold) + "名，应按楼宇建立楼宇党支部");
  }
  return w;
}

bj::object nodeJson(Connection& c, const Org& o, const Rules& rules) {
  bj::object j = plainJson(o);
  j["shortName"] = json::opt(o.shortName);
  j["kindLabel"] = kindLabel(o.kind).value_or(o.kind);
  j["branchTypeLabel"] = o.branchType ? bj::value(branchTypeLabel(*o.branchType).value_or(*o.branchType)) : bj::value(nullptr);
  j["mergedInto"] = o.mergedInto ? bj::value(*o.mergedInto) : bj::value(nullptr);
  j["depth"] = o.depth;
  j["version"] = o.version;
  auto ch = c.query("SELECT COUNT(*) FROM orgs WHERE parent_id = ? AND dissolved_on IS NULL", {o.id});
  j["hasChildren"] = ch.front().i64(0) > 0;
  Counts n = counts(c, o);
  j["counts"] = {{"members", n.members}, {"full", n.full}, {"probationary", n.probationary},
                 {"directMembers", n.directMembers}, {"directFull", n.directFull}};
  j["warnings"] = warningsFor(c, o, n, rules);
  return j;
}

}  // namespace

std::optional<Org> find(Connection& c, const Scope& scope, int64_t id) {
  Params p{id};
  std::string w = scope.where("path", p);
  auto r = c.query(std::string("SELECT ") + kCols + " FROM orgs WHERE id = ? AND " + w, p);
  if (r.empty()) return std::nullopt;
  return fromRow(r.front());
}

Org require(Connection& c, const Scope& scope, int64_t id, const std::string& field) {
  auto o = find(c, scope, id);
  if (!o) {
    if (!field.empty()) throw Error::invalid(field, "所选组织不存在或不在您的管理范围内");
    throw Error::notFound("组织不存在");
  }
  return *o;
}

Org findByName(Connection& c, const Scope& scope, const std::string& nameOrPath, const std::string& field) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t slash = nameOrPath.find('/', start);
    std::string part = trim(nameOrPath.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (!part.empty()) parts.push_back(part);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (parts.empty()) throw Error::invalid(field, "组织名称不能为空", "required");
  Params p{parts.back()};
  std::string w = scope.where("path", p);
  auto r = c.query(std::string("SELECT ") + kCols + " FROM orgs WHERE name = ? AND dissolved_on IS NULL AND " + w, p);
  std::vector<Org> hits;
  for (auto row : r) {
    Org o = fromRow(row);
    // Check the ancestors' names when a path was given.
    bool ok = true;
    if (parts.size() > 1) {
      std::optional<int64_t> pid = o.parentId;
      for (size_t i = parts.size() - 1; i-- > 0 && ok;) {
        if (!pid) { ok = false; break; }
        auto pr = c.query("SELECT name, parent_id FROM orgs WHERE id = ?", {*pid});
        ok = !pr.empty() && pr.front().text(0) == parts[i];
        if (ok) pid = pr.front().optI64(1);
      }
    }
    if (ok) hits.push_back(o);
  }
  if (hits.empty()) throw Error::invalid(field, "找不到组织“" + nameOrPath + "”（或不在您的管理范围内）");
  if (hits.size() > 1)
    throw Error::invalid(field, "有多个组织名为“" + nameOrPath + "”，请写上级名称，如“某某社区/" + parts.back() + "”");
  return hits.front();
}

Counts counts(Connection& c, const Org& o) {
  Counts n;
  Params p;
  std::string w = Scope(o.path).where("org_path", p);
  auto r = c.query("SELECT COUNT(*), SUM(CASE WHEN category = 'full' THEN 1 ELSE 0 END), "
                   "SUM(CASE WHEN org_id = ? THEN 1 ELSE 0 END), "
                   "SUM(CASE WHEN org_id = ? AND category = 'full' THEN 1 ELSE 0 END) "
                   "FROM members WHERE active = 1 AND " + w,
                   [&] {
                     Params q{o.id, o.id};
                     q.insert(q.end(), p.begin(), p.end());
                     return q;
                   }());
  auto row = r.front();
  n.members = row.i64(0);
  n.full = row.i64(1);
  n.probationary = n.members - n.full;
  n.directMembers = row.i64(2);
  n.directFull = row.i64(3);
  return n;
}

bj::object toJson(Connection& c, const Org& o) { return nodeJson(c, o, Rules::load(c)); }

void ensureRoot(Connection& c, const std::string& name) {
  auto r = c.query("SELECT COUNT(*) FROM orgs");
  if (r.front().i64(0) > 0) return;
  std::string now = nowIso(), on = today();
  store::Transaction tx(c);
  c.exec("INSERT INTO orgs(id, parent_id, path, depth, name, kind, founded_on, created_at, updated_at) "
         "VALUES (1, NULL, '/1/', 0, ?, 'district_committee', ?, ?, ?)",
         {name, on, now, now});
  if (c.dialect() == store::Dialect::Postgres)
    c.query("SELECT setval(pg_get_serial_sequence('orgs','id'), (SELECT MAX(id) FROM orgs))");
  c.exec("INSERT INTO org_history(org_id, parent_id, name, kind, from_date) VALUES (1, NULL, ?, 'district_committee', ?)",
         {name, on});
  audit::record(c, auth::Actor::system(), {"create", "org", 1, "/1/", "建立区级根组织：" + name, nullptr, bj::object{{"name", name}}});
  tx.commit();
}

void registerSettings() {
  auto add = [](std::string k, std::string label, std::string desc, int64_t v, int64_t mn, int64_t mx) {
    settings::define({std::move(k), std::move(label), std::move(desc), settings::Type::Int, v, mn, mx});
  };
  add("org.branch_min_full_members", "成立支部的最少正式党员数", "《支部工作条例》：正式党员3人以上的单位应当成立党支部", 3, 1, 100);
  add("org.branch_max_members", "支部党员人数上限", "《支部工作条例》：党支部党员人数一般不超过50人", 50, 5, 1000);
  add("org.committee_min_full_members", "设支委会的正式党员数", "《支部工作条例》：正式党员7人以上的党支部设立支部委员会；不足7人的只设书记", 7, 2, 100);
  add("org.committee_size_min", "支委会人数下限", "支部委员会一般由3至5人组成", 3, 1, 15);
  add("org.committee_size_normal_max", "支委会人数一般上限", "支部委员会一般由3至5人组成", 5, 1, 15);
  add("org.committee_size_max", "支委会人数最高上限", "支部委员会最多不超过7人", 7, 1, 15);
  add("org.joint_branch_max_units", "联合党支部覆盖单位上限", "联合党支部覆盖单位一般不超过5个", 5, 2, 100);
  add("org.community_building_threshold", "社区建立楼宇支部的党员数", "环翠区（材料002）：党员超过50人的社区按楼宇建立党支部", 50, 5, 10000);
  add("org.general_branch_suggest_members", "建议成立党总支的党员数", "党员50人以上的可经上级党组织批准成立党总支（仅提示）", 50, 5, 10000);
  add("org.committee_suggest_members", "建议成立党委的党员数", "党员100人以上的可经上级党组织批准成立党委（仅提示）", 100, 10, 100000);
}

// ---------------------------------------------------------------------------------------------
// Routes

void registerRoutes(platform::Api& api) {
  using P = auth::Permission;

  api.get("/api/orgs/roots", P::OrgRead, [](http::Request&, const auth::Context& ctx, Connection& c) {
    auto r = c.query(std::string("SELECT ") + kCols + " FROM orgs WHERE path = ?", {ctx.scope.path()});
    bj::array out;
    Rules rules = Rules::load(c);
    for (auto row : r) out.push_back(nodeJson(c, fromRow(row), rules));
    return json::ok(out);
  });

  api.get("/api/orgs/search", P::OrgRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    std::string q = trim(req.q("q").value_or(""));
    Params p;
    std::string w = ctx.scope.where("path", p);
    std::string sql = std::string("SELECT ") + kCols + " FROM orgs WHERE dissolved_on IS NULL AND " + w;
    if (!q.empty()) {
      sql += " AND name LIKE ?";
      std::string esc;
      for (char ch : q) if (ch != '%' && ch != '_') esc += ch;
      p.emplace_back("%" + esc + "%");
    }
    if (auto kind = req.q("kind"); kind && !kind->empty()) {
      if (*kind == "member_holder") {
        sql += " AND kind IN ('branch','joint_branch','general_branch','committee')";
      } else {
        sql += " AND kind = ?";
        p.emplace_back(*kind);
      }
    }
    sql += " ORDER BY depth, path LIMIT 50";
    bj::array out;
    for (auto row : c.query(sql, p)) {
      Org o = fromRow(row);
      bj::object j = plainJson(o);
      j["kindLabel"] = kindLabel(o.kind).value_or(o.kind);
      // The parent's name helps tell apart branches with the same name.
      if (o.parentId) {
        auto pr = c.query("SELECT name FROM orgs WHERE id = ?", {*o.parentId});
        if (!pr.empty()) j["parentName"] = pr.front().text(0);
      }
      out.push_back(std::move(j));
    }
    return json::ok(out);
  });

  api.get("/api/orgs/warnings", P::OrgRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    Params p;
    std::string w = ctx.scope.where("path", p);
    auto r = c.query(std::string("SELECT ") + kCols + " FROM orgs WHERE dissolved_on IS NULL AND kind IN "
                     "('branch','joint_branch','committee','general_branch') AND " + w + " ORDER BY path", p);
    Rules rules = Rules::load(c);
    bj::array items;
    for (auto row : r) {
      Org o = fromRow(row);
      bj::object j = nodeJson(c, o, rules);
      if (!j["warnings"].as_array().empty()) items.push_back(std::move(j));
    }
    int64_t total = static_cast<int64_t>(items.size());
    json::PageSpec ps = json::pageSpec(req, {{"path", "path"}}, "path");
    bj::array pageItems;
    for (int64_t i = ps.offset(); i < total && i < ps.offset() + ps.pageSize; ++i) pageItems.push_back(items[i]);
    return json::page(std::move(pageItems), total, ps.page, ps.pageSize);
  });

  api.get("/api/orgs/:id/children", P::OrgRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    Org o = require(c, ctx.scope, req.idParam());
    bool all = req.q("includeDissolved").value_or("") == "1";
    auto r = c.query(std::string("SELECT ") + kCols + " FROM orgs WHERE parent_id = ?" +
                         (all ? "" : " AND dissolved_on IS NULL") + " ORDER BY sort_order, id",
                     {o.id});
    Rules rules = Rules::load(c);
    bj::array out;
    for (auto row : r) out.push_back(nodeJson(c, fromRow(row), rules));
    return json::ok(out);
  });

  api.get("/api/orgs/:id", P::OrgRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    Org o = require(c, ctx.scope, req.idParam());
    bj::object j = toJson(c, o);
    // Ancestors within the caller's scope, for the breadcrumb.
    bj::array anc;
    std::string prefix;
    for (size_t i = 1; i < o.path.size(); ++i) {
      if (o.path[i] != '/') continue;
      std::string ancPath = o.path.substr(0, i + 1);
      if (ancPath == o.path || !ctx.scope.contains(ancPath)) continue;
      auto r = c.query("SELECT id, name FROM orgs WHERE path = ?", {ancPath});
      if (!r.empty()) anc.push_back({{"id", r.front().i64(0)}, {"name", r.front().text(1)}});
    }
    j["ancestors"] = std::move(anc);
    bj::array hist;
    for (auto row : c.query("SELECT h.name, h.kind, h.parent_id, p.name, h.from_date, h.to_date FROM org_history h "
                            "LEFT JOIN orgs p ON p.id = h.parent_id WHERE h.org_id = ? ORDER BY h.from_date, h.id",
                            {o.id}))
      hist.push_back({{"name", row.text(0)}, {"kind", row.text(1)}, {"kindLabel", kindLabel(row.text(1)).value_or("")},
                      {"parentId", json::fromValue(row[2])}, {"parentName", json::fromValue(row[3])},
                      {"fromDate", row.text(4)}, {"toDate", json::fromValue(row[5])}});
    j["history"] = std::move(hist);
    bj::array evs;
    for (auto row : c.query("SELECT event, on_date, detail, created_at FROM org_events WHERE org_id = ? ORDER BY on_date, id", {o.id}))
      evs.push_back({{"event", row.text(0)}, {"onDate", row.text(1)}, {"detail", json::parseStored(row.optText(2))},
                     {"createdAt", row.text(3)}});
    j["events"] = std::move(evs);
    return json::ok(j);
  });

  api.get("/api/orgs/:id/members-on", P::MemberRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    Org o = require(c, ctx.scope, req.idParam());
    auto d = parseDate(req.q("date").value_or(""));
    if (!d) throw Error::invalid("date", "请选择有效日期");
    std::string on = d->iso();
    auto r = c.query(
        "SELECT m.id, m.name, m.sex, m.category, p.from_date, p.to_date FROM member_placements p JOIN members m ON "
        "m.id = p.member_id WHERE p.org_id = ? AND p.from_date <= ? AND (p.to_date IS NULL OR p.to_date > ?) "
        "ORDER BY m.name_sort, m.id",
        {o.id, on, on});
    bj::array out;
    for (auto row : r)
      out.push_back({{"id", row.i64(0)}, {"name", row.text(1)}, {"sex", row.text(2)}, {"category", row.text(3)},
                     {"fromDate", row.text(4)}, {"toDate", json::fromValue(row[5])}});
    return json::ok(bj::object{{"date", on}, {"orgId", o.id}, {"items", std::move(out)}});
  });

  api.post("/api/orgs", P::OrgWrite, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    json::Form f(req.body);
    int64_t parentId = f.requiredInt("parentId", "上级组织", 1, INT64_MAX);
    Input in = readInput(f);
    auto founded = f.date("foundedOn", "成立日期");
    std::string on = founded ? founded->iso() : today();
    if (on > today()) throw Error::invalid("foundedOn", "成立日期不能晚于今天");
    store::Transaction tx(c);
    Org parent = require(c, ctx.scope, parentId, "parentId");
    int64_t id = insertOrg(c, ctx.actor(), parent, in, on);
    tx.commit();
    return json::ok(toJson(c, *find(c, ctx.scope, id)), 201);
  });

  api.put("/api/orgs/:id", P::OrgWrite, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    json::Form f(req.body);
    int64_t version = f.requiredInt("version", "版本号", 1, INT64_MAX);
    Input in = readInput(f);
    store::Transaction tx(c);
    Org o = require(c, ctx.scope, req.idParam());
    requireWritable(o);
    if (o.version != version) throw Error::conflict("stale", "记录已被他人修改，请刷新后重试", "version");
    if (o.parentId) {
      auto parent = c.query("SELECT kind FROM orgs WHERE id = ?", {*o.parentId});
      if (!allowedChild(parent.front().text(0), in.kind))
        throw Error::invalid("kind", *kindLabel(in.kind) + "不能设在" + *kindLabel(parent.front().text(0)) + "之下");
    }
    if (in.name != o.name) checkSiblingName(c, o.parentId, in.name, o.id);
    std::string on = effectiveOn(f, o);
    // Compare-and-set: a save on another server between the check above and here touches the
    // row first, and this one then matches nothing.
    int64_t n = c.exec(
        "UPDATE orgs SET name=?, short_name=?, kind=?, branch_type=?, unit_count=?, committee_size=?, secretary=?, "
        "contact=?, phone=?, unit_info=?, version = version + 1, updated_at=? WHERE id = ? AND version = ?",
        {in.name, in.shortName, in.kind, in.branchType, in.unitCount, in.committeeSize, in.secretary, in.contact,
         in.phone, in.unitInfo, nowIso(), o.id, version});
    if (n != 1) throw Error::conflict("stale", "记录已被他人修改，请刷新后重试", "version");
    if (in.name != o.name || in.kind != o.kind) {
      newHistory(c, o, o.parentId, in.name, in.kind, on);
      event(c, o.id, in.name != o.name ? "rename" : "upgrade", on, {{"from", o.name}, {"to", in.name}, {"fromKind", o.kind}, {"toKind", in.kind}}, ctx.actor());
    }
    Org after = *find(c, ctx.scope, o.id);
    audit::record(c, ctx.actor(), {"update", "org", o.id, o.path, "修改组织：" + o.name + (in.name != o.name ? " → " + in.name : ""),
                                   plainJson(o), plainJson(after)});
    tx.commit();
    return json::ok(toJson(c, after));
  });

  api.post("/api/orgs/:id/move", P::OrgWrite, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    json::Form f(req.body);
    int64_t parentId = f.requiredInt("parentId", "新的上级组织", 1, INT64_MAX);
    store::Transaction tx(c);
    Org o = require(c, ctx.scope, req.idParam());
    requireWritable(o);
    if (o.path == ctx.scope.path()) throw Error::forbidden("不能移动您所在的组织本身");
    Org parent = require(c, ctx.scope, parentId, "parentId");
    if (parent.dissolvedOn) throw Error::invalid("parentId", "新的上级组织已撤销");
    if (Scope(o.path).contains(parent.path)) throw Error::invalid("parentId", "不能移到本组织或其下级组织之下");
    if (o.parentId == parent.id) throw Error::invalid("parentId", "已在该上级组织之下");
    if (!allowedChild(parent.kind, o.kind))
      throw Error::invalid("parentId", *kindLabel(o.kind) + "不能设在" + *kindLabel(parent.kind) + "之下");
    std::string on = effectiveOn(f, o);
    checkSiblingName(c, parent.id, o.name, o.id);
    reparent(c, o, parent);
    newHistory(c, o, parent.id, o.name, o.kind, on);
    event(c, o.id, "move", on, {{"fromParentId", o.parentId ? bj::value(*o.parentId) : bj::value(nullptr)}, {"toParentId", parent.id}}, ctx.actor());
    Org after = *find(c, ctx.scope, o.id);
    audit::record(c, ctx.actor(), {"move", "org", o.id, after.path, "移动组织：" + o.name + " 到 " + parent.name + " 之下（" + on + "起）",
                                   plainJson(o), plainJson(after)});
    tx.commit();
    return json::ok(toJson(c, after));
  });

  api.post("/api/orgs/:id/merge", P::OrgWrite, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    json::Form f(req.body);
    int64_t intoId = f.requiredInt("intoId", "并入的组织", 1, INT64_MAX);
    store::Transaction tx(c);
    Org o = require(c, ctx.scope, req.idParam());
    requireWritable(o);
    if (o.path == ctx.scope.path()) throw Error::forbidden("不能合并您所在的组织本身");
    Org into = require(c, ctx.scope, intoId, "intoId");
    if (into.dissolvedOn) throw Error::invalid("intoId", "目标组织已撤销");
    if (into.id == o.id || Scope(o.path).contains(into.path)) throw Error::invalid("intoId", "不能并入本组织或其下级组织");
    std::string on = effectiveOn(f, o);
    Counts n = counts(c, o);
    if (n.directMembers > 0 && !holdsMembers(into.kind)) throw Error::invalid("intoId", "目标组织不能直接编入党员，请选择党支部");
    int64_t moved = moveMembers(c, o, into, on, "组织合并", std::nullopt);
    auto children = c.query(std::string("SELECT ") + kCols + " FROM orgs WHERE parent_id = ? AND dissolved_on IS NULL", {o.id});
    for (auto row : children) {
      Org child = fromRow(row);
      if (!allowedChild(into.kind, child.kind))
        throw Error::invalid("intoId", "下级组织“" + child.name + "”不能设在" + *kindLabel(into.kind) + "之下");
      reparent(c, child, into);
      newHistory(c, child, into.id, child.name, child.kind, on);
      event(c, child.id, "move", on, {{"fromParentId", o.id}, {"toParentId", into.id}, {"reason", "merge"}}, ctx.actor());
    }
    c.exec("UPDATE orgs SET dissolved_on = ?, merged_into = ?, version = version + 1, updated_at = ? WHERE id = ?",
           {on, into.id, nowIso(), o.id});
    c.exec("UPDATE org_history SET to_date = ? WHERE org_id = ? AND to_date IS NULL", {on, o.id});
    event(c, o.id, "merge", on, {{"intoId", into.id}, {"members", moved}}, ctx.actor());
    event(c, into.id, "absorb", on, {{"fromId", o.id}, {"fromName", o.name}, {"members", moved}}, ctx.actor());
    audit::record(c, ctx.actor(), {"merge", "org", o.id, o.path,
                                   "合并组织：" + o.name + " 并入 " + into.name + "（党员" + std::to_string(moved) + "名，" + on + "起）",
                                   plainJson(o), bj::object{{"mergedInto", into.id}, {"dissolvedOn", on}, {"membersMoved", moved}}});
    tx.commit();
    return json::ok(toJson(c, *find(c, ctx.scope, into.id)));
  });

  api.post("/api/orgs/:id/split", P::OrgWrite, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    json::Form f(req.body);
    auto partsIt = f.object().find("parts");
    if (partsIt == f.object().end() || !partsIt->value().is_array() || partsIt->value().as_array().empty())
      throw Error::invalid("parts", "请至少填写一个拆分出的组织");
    store::Transaction tx(c);
    Org o = require(c, ctx.scope, req.idParam());
    requireWritable(o);
    if (!o.parentId || o.path == ctx.scope.path()) throw Error::forbidden("不能拆分您所在的组织本身");
    Org parent = *find(c, Scope::all(), *o.parentId);
    std::string on = effectiveOn(f, o);
    bj::array created;
    std::set<int64_t> seen;
    for (auto& pv : partsIt->value().as_array()) {
      if (!pv.is_object()) throw Error::invalid("parts", "拆分内容格式不正确");
      json::Form pf(pv.as_object());
      Input in;
      in.name = pf.requiredText("name", "新组织名称", 60);
      in.kind = pf.choice("kind", "组织类别", values(kinds())).value_or(o.kind);
      in.branchType = pf.choice("branchType", "支部类型", values(branchTypes()));
      if (!in.branchType) in.branchType = o.branchType;
      std::vector<int64_t> ids;
      auto mi = pv.as_object().find("memberIds");
      if (mi != pv.as_object().end() && mi->value().is_array())
        for (auto& idv : mi->value().as_array()) {
          if (!idv.is_int64()) throw Error::invalid("memberIds", "党员编号无效");
          if (!seen.insert(idv.as_int64()).second) throw Error::invalid("memberIds", "同一党员不能分到两个组织");
          ids.push_back(idv.as_int64());
        }
      int64_t id = insertOrg(c, ctx.actor(), parent, in, on);
      Org part = *find(c, Scope::all(), id);
      int64_t moved = ids.empty() ? 0 : moveMembers(c, o, part, on, "组织拆分", ids);
      created.push_back({{"id", id}, {"name", in.name}, {"members", moved}});
    }
    event(c, o.id, "split", on, {{"parts", created}}, ctx.actor());
    audit::record(c, ctx.actor(), {"split", "org", o.id, o.path, "拆分组织：" + o.name + "（" + on + "起）", plainJson(o),
                                   bj::object{{"parts", created}}});
    tx.commit();
    return json::ok(bj::object{{"parts", created}}, 201);
  });

  api.post("/api/orgs/:id/dissolve", P::OrgWrite, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    json::Form f(req.body);
    store::Transaction tx(c);
    Org o = require(c, ctx.scope, req.idParam());
    requireWritable(o);
    if (o.path == ctx.scope.path()) throw Error::forbidden("不能撤销您所在的组织本身");
    std::string on = effectiveOn(f, o);
    if (counts(c, o).members > 0) throw Error::conflict("has_members", "该组织还有党员，请先调出或合并");
    if (c.query("SELECT COUNT(*) FROM orgs WHERE parent_id = ? AND dissolved_on IS NULL", {o.id}).front().i64(0) > 0)
      throw Error::conflict("has_children", "该组织还有下级组织，请先处理");
    c.exec("UPDATE orgs SET dissolved_on = ?, version = version + 1, updated_at = ? WHERE id = ?", {on, nowIso(), o.id});
    c.exec("UPDATE org_history SET to_date = ? WHERE org_id = ? AND to_date IS NULL", {on, o.id});
    event(c, o.id, "dissolve", on, {}, ctx.actor());
    audit::record(c, ctx.actor(), {"dissolve", "org", o.id, o.path, "撤销组织：" + o.name + "（" + on + "）", plainJson(o),
                                   bj::object{{"dissolvedOn", on}}});
    tx.commit();
    return json::ok(bj::object{{"id", o.id}, {"dissolvedOn", on}});
  });

  api.get("/api/orgs/export", P::OrgRead, [](http::Request&, const auth::Context& ctx, Connection& c) {
    return http::Response::download(exportXlsx(c, ctx.scope),
                                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "党组织信息.xlsx");
  });

  api.get("/api/orgs/import-template", P::OrgRead, [](http::Request&, const auth::Context&, Connection&) {
    return http::Response::download(importer::templateXlsx(importSpec()),
                                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "党组织导入模板.xlsx");
  });

  platform::Services svc = api.services();
  api.post("/api/orgs/import", P::OrgWrite, [svc](http::Request& req, const auth::Context& ctx, Connection&) {
    auto mode = importer::parseMode(req.q("mode").value_or(""));
    if (!mode) throw Error::invalid("mode", "请选择导入方式");
    if (req.body.empty()) throw Error::invalid("file", "请选择要导入的文件");
    auto body = std::make_shared<std::string>(std::move(req.body));
    auto db = svc.db;
    int64_t job = svc.jobs->start("import.orgs", ctx.user.orgPath, ctx.user.id, [db, ctx, body, m = *mode](platform::Progress& p) {
      return bj::value(importer::run(*db, ctx, importSpec(), *body, m, &p).toJson());
    });
    return json::ok(bj::object{{"jobId", job}}, 202);
  }, http::RouteOptions{20 * 1024 * 1024});
}

std::string exportXlsx(Connection& c, const Scope& scope) {
  tabular::Sheet s;
  s.name = "党组织信息";
  std::vector<std::string> header;
  for (auto& col : importSpec().columns) header.push_back(col.header);
  s.rows.push_back(header);
  Params p;
  std::string w = scope.where("o.path", p);
  auto r = c.query("SELECT o.name, o.kind, o.branch_type, par.name, o.secretary, o.contact, o.phone, o.unit_info, "
                   "o.unit_count, o.committee_size, o.founded_on, gp.name FROM orgs o "
                   "LEFT JOIN orgs par ON par.id = o.parent_id LEFT JOIN orgs gp ON gp.id = par.parent_id "
                   "WHERE o.dissolved_on IS NULL AND " + w + " ORDER BY o.path",
                   p);
  // A parent whose name is not unique in the export is written as "grandparent/parent", the
  // form the importer's findByName() resolves, so the file re-imports to the same places.
  std::map<std::string, int> nameCount;
  for (auto row : r) ++nameCount[row.text(0)];
  for (auto row : r) {
    std::string parent = row.text(3);
    if (nameCount[parent] > 1 && !row.isNull(11)) parent = row.text(11) + "/" + parent;
    s.rows.push_back({row.text(0), kindLabel(row.text(1)).value_or(""),
                      row.isNull(2) ? "" : branchTypeLabel(row.text(2)).value_or(""), parent, row.text(4),
                      row.text(5), row.text(6), row.text(7), row.text(8), row.text(9), row.text(10)});
  }
  return tabular::writeXlsx(s);
}

importer::Spec importSpec() {
  importer::Spec s;
  s.entity = "orgs";
  s.label = "党组织";
  s.columns = {
      {"name", "党组织全称", true, {"组织全称", "党组织名称"}, "与党组织印章一致的全称"},
      {"kind", "组织类别", true, {"党组织类别"}, "党委、党总支、党支部、联合党支部、党小组等"},
      {"branchType", "支部类型", false, {}, "社区、村、楼宇、网格、非公企业等"},
      {"parent", "上级党组织", true, {"上级组织"}, "上级党组织全称；重名时写路径，如“凯旋街道/景芳社区”"},
      {"secretary", "书记", false, {"党组织书记"}, ""},
      {"contact", "联系人", false, {}, ""},
      {"phone", "联系电话", false, {"电话"}, ""},
      {"unitInfo", "所在单位情况", false, {"单位情况"}, ""},
      {"unitCount", "覆盖单位数", false, {}, "联合党支部填写"},
      {"committeeSize", "支委会人数", false, {}, "不设支委会填0"},
      {"foundedOn", "成立日期", false, {}, "如 2015-07-01，空则为今天"},
  };
  s.instructions = {"每行一个党组织；上级党组织须已存在或在本文件中排在前面。"};
  s.apply = [](Connection& c, const auth::Context& ctx, const importer::Row& row) {
    auto byLabel = [](const std::vector<Label>& v, const std::string& text, const char* field, const char* what) -> std::optional<std::string> {
      if (text.empty()) return std::nullopt;
      for (auto& l : v)
        if (l.label == text || l.value == text) return l.value;
      throw Error::invalid(field, std::string(what) + "“" + text + "”无效");
    };
    bj::object body{{"name", row["name"]}};
    auto kind = byLabel(kinds(), row["kind"], "kind", "组织类别");
    if (!kind) throw Error::invalid("kind", "组织类别不能为空", "required");
    body["kind"] = *kind;
    if (auto bt = byLabel(branchTypes(), row["branchType"], "branchType", "支部类型")) body["branchType"] = *bt;
    for (const char* k : {"secretary", "contact", "phone", "unitInfo", "unitCount", "committeeSize"})
      if (!row[k].empty()) body[k] = row[k];
    json::Form f(body);
    Input in = readInput(f);
    std::string on = today();
    if (!row["foundedOn"].empty()) {
      auto d = parseDate(row["foundedOn"]);
      if (!d || d->iso() > today()) throw Error::invalid("foundedOn", "成立日期无效");
      on = d->iso();
    }
    if (row["parent"].empty()) throw Error::invalid("parent", "上级党组织不能为空", "required");
    Org parent = findByName(c, ctx.scope, row["parent"], "parent");
    insertOrg(c, ctx.actor(), parent, in, on);
  };
  return s;
}

}  // namespace zg::orgs
