// Mobilization 一键动员: the forming rule, the one-transaction create, end (close / cancel) and
// the routes, including the outbox list for staff. Scope: a mobilization carries the path of
// the subtree it mobilized; every read filters on it, and the subtree must lie in the caller's.
#include "modules/mobilize/mobilize.h"

#include <map>
#include <mutex>
#include <set>

#include "core/error.h"
#include "modules/orgs/orgs.h"
#include "platform/audit.h"
#include "platform/json.h"
#include "platform/notify.h"
#include "platform/settings.h"
#include "platform/time.h"

namespace zg::mobilize {

namespace bj = boost::json;
using store::Connection;
using store::Params;
using store::Value;
using P = auth::Permission;

void registerSettings() {
  static std::once_flag once;
  std::call_once(once, [] {
    settings::define({"mobilize.team_size", "动员默认每队人数",
                      "种子文件000：2011年雪灾中约1万名联户党员一次组成1500余支志愿服务队，平均每队约7人。"
                      "一键动员时未填写每队人数则用此值。",
                      settings::Type::Int, 7, 2, 100});
    settings::define({"mobilize.max_team_size", "动员每队人数上限", "一键动员时每队人数不能超过此值。",
                      settings::Type::Int, 50, 2, 500});
  });
  notify::registerSettings();
}

std::vector<Team> formTeams(const std::vector<Candidate>& all, int64_t teamSize) {
  if (teamSize < 1) teamSize = 1;
  std::vector<Team> teams;
  std::set<int64_t> seen;
  std::vector<Candidate> area;
  auto flush = [&] {
    if (area.empty()) return;
    int64_t n = static_cast<int64_t>(area.size());
    int64_t k = (n + teamSize - 1) / teamSize;
    int64_t base = n / k, extra = n % k;
    size_t at = 0;
    for (int64_t t = 0; t < k; ++t) {
      Team team;
      team.areaId = area.front().areaId;
      team.orgId = area.front().orgId;
      team.areaName = area.front().areaName;
      team.name = team.areaName + "第" + std::to_string(t + 1) + "队";
      int64_t size = base + (t < extra ? 1 : 0);
      for (int64_t i = 0; i < size; ++i) team.members.push_back(area[at++]);
      std::set<int64_t> on;
      for (auto& m : team.members) on.insert(m.memberId);
      const auto& first = team.members.front();
      if (first.areaLeaderId && on.count(*first.areaLeaderId)) {
        team.leaderId = *first.areaLeaderId;
        team.leaderRule = "area_leader";
      } else {
        for (auto& m : team.members)
          if (m.groupLeaderId && on.count(*m.groupLeaderId)) {
            team.leaderId = *m.groupLeaderId;
            team.leaderRule = "group_leader";
            break;
          }
        if (!team.leaderId) {
          team.leaderId = first.memberId;
          team.leaderRule = "first";
        }
      }
      teams.push_back(std::move(team));
    }
    area.clear();
  };
  for (const auto& c : all) {
    if (!seen.insert(c.memberId).second) continue;
    if (!area.empty() && area.front().areaId != c.areaId) flush();
    area.push_back(c);
  }
  flush();
  return teams;
}

std::vector<Candidate> candidates(Connection& c, const std::string& orgPath) {
  Params p;
  std::string w = Scope(orgPath).where("o.path", p);
  auto r = c.query(
      "SELECT cm.member_id, cm.group_id, g.area_id, a.org_id, a.name, a.leader_member_id, g.leader_member_id "
      "FROM grid_contact_members cm JOIN grid_groups g ON g.id = cm.group_id JOIN grid_areas a ON a.id = g.area_id "
      "JOIN orgs o ON o.id = a.org_id JOIN members m ON m.id = cm.member_id "
      "WHERE " + w + " AND m.active = 1 AND cm.to_on IS NULL "
      "ORDER BY a.id, g.id, m.name_sort, m.id",
      p);
  std::vector<Candidate> out;
  out.reserve(r.size());
  for (auto x : r) out.push_back({x.i64(0), x.i64(1), x.i64(2), x.i64(3), x.text(4), x.optI64(5), x.optI64(6)});
  return out;
}

namespace {

int64_t checkTeamSize(Connection& c, int64_t size) {
  int64_t max = settings::getInt(c, "mobilize.max_team_size");
  if (size < 2 || size > max)
    throw Error::invalid("teamSize", "每队人数应在2到" + std::to_string(max) + "人之间");
  return size;
}

struct MobRef {
  int64_t id;
  std::string orgPath, title, state;
};
MobRef find(Connection& c, const Scope& scope, int64_t id) {
  Params p{id};
  std::string w = scope.where("org_path", p);
  auto r = c.query("SELECT id, org_path, title, state FROM mobilizations WHERE id = ? AND " + w, p);
  if (r.empty()) throw Error::notFound("动员任务不存在");
  return {r.front().i64(0), r.front().text(1), r.front().text(2), r.front().text(3)};
}

std::string stateLabel(const std::string& s) {
  return s == "formed" ? "已组队" : s == "closed" ? "已结束" : s == "cancelled" ? "已撤销" : s;
}

bj::object summary(Connection& c, int64_t id) {
  auto r = c.query(
      "SELECT m.id, m.org_id, o.name, m.title, m.description, m.team_size, m.on_date, m.state, m.teams_count, "
      "m.members_count, m.created_by, m.created_at, m.result_note, m.ended_at "
      "FROM mobilizations m JOIN orgs o ON o.id = m.org_id WHERE m.id = ?",
      {id});
  auto x = r.front();
  auto n = notify::counts(c, "mobilization", id);
  return {{"id", x.i64(0)},          {"orgId", x.i64(1)},        {"orgName", x.text(2)},
          {"title", x.text(3)},      {"description", x.text(4)}, {"teamSize", x.i64(5)},
          {"date", x.text(6)},       {"state", x.text(7)},       {"stateLabel", stateLabel(x.text(7))},
          {"teamsCount", x.i64(8)},  {"membersCount", x.i64(9)}, {"createdBy", x.text(10)},
          {"createdAt", x.text(11)}, {"resultNote", json::fromValue(x[12])}, {"endedAt", json::fromValue(x[13])},
          {"messages", {{"pending", n.pending}, {"sent", n.sent}, {"failed", n.failed}, {"cancelled", n.cancelled}}}};
}

bj::object detail(Connection& c, int64_t id) {
  bj::object o = summary(c, id);
  // Message states by member, read apart from the members (two index scans, no join whose plan
  // depends on PostgreSQL's statistics of a table just filled in the same transaction).
  struct State {
    bj::value state, sentAt, error;
  };
  std::map<int64_t, State> states;
  auto ob = c.query("SELECT member_id, state, sent_at, last_error FROM notify_outbox WHERE ref_kind = 'mobilization' "
                    "AND ref_id = ?",
                    {id});
  for (auto x : ob)
    if (!x.isNull(0)) states[x.i64(0)] = {bj::value(x.text(1)), json::fromValue(x[2]), json::fromValue(x[3])};
  std::map<int64_t, bj::array> members;
  for (auto x : c.query("SELECT mm.team_id, mm.member_id, mem.name, mem.phone_mask, mm.is_leader "
                        "FROM mobilization_members mm JOIN members mem ON mem.id = mm.member_id "
                        "WHERE mm.mobilization_id = ? ORDER BY mm.team_id, mm.is_leader DESC, mm.id",
                        {id})) {
    auto st = states.find(x.i64(1));
    bool has = st != states.end();
    members[x.i64(0)].push_back({{"memberId", x.i64(1)},
                                 {"name", x.text(2)},
                                 {"phoneMasked", json::fromValue(x[3])},
                                 {"leader", x.i64(4) != 0},
                                 {"messageState", has ? st->second.state : bj::value(nullptr)},
                                 {"sentAt", has ? st->second.sentAt : bj::value(nullptr)},
                                 {"error", has ? st->second.error : bj::value(nullptr)}});
  }
  bj::array teams;
  for (auto x : c.query(
           "SELECT t.id, t.seq, t.name, t.area_id, t.org_id, o.name, t.leader_member_id, m.name, m.phone_mask, "
           "t.leader_rule, t.size FROM mobilization_teams t JOIN orgs o ON o.id = t.org_id "
           "JOIN members m ON m.id = t.leader_member_id WHERE t.mobilization_id = ? ORDER BY t.seq",
           {id}))
    teams.push_back({{"id", x.i64(0)},
                     {"seq", x.i64(1)},
                     {"name", x.text(2)},
                     {"areaId", x.i64(3)},
                     {"orgId", x.i64(4)},
                     {"orgName", x.text(5)},
                     {"leaderId", x.i64(6)},
                     {"leaderName", x.text(7)},
                     {"leaderPhoneMasked", json::fromValue(x[8])},
                     {"leaderRule", x.text(9)},
                     {"size", x.i64(10)},
                     {"members", std::move(members[x.i64(0)])}});
  o["teams"] = std::move(teams);
  return o;
}

}  // namespace

int64_t create(Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, const Input& in) {
  auto org = orgs::require(c, ctx.scope, in.orgId, "orgId");
  std::string title = trim(in.title);
  if (title.empty()) throw Error::invalid("title", "请填写动员任务名称", "required");
  if (utf8Length(title) > 60) throw Error::invalid("title", "任务名称不能超过60个字");
  if (utf8Length(in.description) > 200) throw Error::invalid("description", "任务说明不能超过200个字");
  if (notify::holdsIdNumber(title)) throw Error::invalid("title", "任务名称不能包含身份证号码");
  if (notify::holdsIdNumber(in.description)) throw Error::invalid("description", "任务说明不能包含身份证号码");
  int64_t teamSize = checkTeamSize(c, in.teamSize);
  Date on = in.on.value_or(today());

  auto cands = candidates(c, org.path);
  if (cands.empty()) throw Error::conflict("no_contacts", "所选组织范围内没有联户党员，请先在“片组户”中编组", "orgId");
  auto teams = formTeams(cands, teamSize);
  int64_t memberCount = 0;
  for (auto& t : teams) memberCount += static_cast<int64_t>(t.members.size());

  std::string now = nowIso();
  int64_t id = c.query(
                    "INSERT INTO mobilizations (org_id, org_path, title, description, team_size, on_date, state, "
                    "teams_count, members_count, created_by, created_at, updated_at) "
                    "VALUES (?,?,?,?,?,?,'formed',?,?,?,?,?) RETURNING id",
                    {org.id, org.path, title, in.description, teamSize, on.iso(), static_cast<int64_t>(teams.size()),
                     memberCount, ctx.user.displayName, now, now})
                   .front()
                   .i64(0);
  // Names and phones of everyone on a team, read once.
  std::map<int64_t, std::pair<std::string, std::optional<std::string>>> people;
  {
    Params p;
    std::string w = Scope(org.path).where("o.path", p);
    for (auto x : c.query("SELECT DISTINCT m.id, m.name, m.phone_enc FROM grid_contact_members cm "
                          "JOIN grid_groups g ON g.id = cm.group_id JOIN grid_areas a ON a.id = g.area_id "
                          "JOIN orgs o ON o.id = a.org_id JOIN members m ON m.id = cm.member_id WHERE " +
                              w + " AND cm.to_on IS NULL AND m.active = 1",
                          p))
      people[x.i64(0)] = {x.text(1), x.isNull(2) ? std::nullopt : std::optional(cipher.decrypt(x.text(2)))};
  }
  std::vector<std::vector<Value>> memberRows;
  std::vector<notify::Message> messages;
  memberRows.reserve(memberCount);
  messages.reserve(memberCount);
  std::string tail = trim(in.description).empty() ? "" : "任务：" + trim(in.description);
  int64_t seq = 0;
  for (auto& t : teams) {
    int64_t teamId = c.query(
                          "INSERT INTO mobilization_teams (mobilization_id, seq, org_id, area_id, name, "
                          "leader_member_id, leader_rule, size) VALUES (?,?,?,?,?,?,?,?) RETURNING id",
                          {id, ++seq, t.orgId, t.areaId, t.name, t.leaderId, t.leaderRule,
                           static_cast<int64_t>(t.members.size())})
                         .front()
                         .i64(0);
    auto& leader = people[t.leaderId];
    for (auto& m : t.members) {
      bool isLeader = m.memberId == t.leaderId;
      memberRows.push_back({id, teamId, m.memberId, m.groupId, isLeader ? int64_t(1) : int64_t(0)});
      auto& who = people[m.memberId];
      std::string text =
          isLeader ? "【一键动员】" + title + "：您任" + t.name + "队长，队员" + std::to_string(t.members.size()) +
                         "人（名单见系统“一键动员”），请即联系队员集合。" + tail
                   : "【一键动员】" + title + "：您编入" + t.name + "，队长" + leader.first + "，电话" +
                         leader.second.value_or("未登记") + "，请与队长联系集合。" + tail;
      messages.push_back({m.memberId, who.first, who.second, text, "mobilization", id, org.path});
    }
  }
  c.bulkInsert("mobilization_members", {"mobilization_id", "team_id", "member_id", "group_id", "is_leader"},
               memberRows);
  notify::enqueueMany(c, cipher, messages, "description");
  audit::record(c, ctx.actor(),
                {"create", "mobilization", id, org.path,
                 "一键动员：" + title + "（" + org.name + "，" + std::to_string(teams.size()) + "支队伍，" +
                     std::to_string(memberCount) + "名联户党员）",
                 nullptr,
                 bj::object{{"orgId", org.id},
                            {"title", title},
                            {"teamSize", teamSize},
                            {"date", on.iso()},
                            {"teams", static_cast<int64_t>(teams.size())},
                            {"members", memberCount}}});
  return id;
}

void end(Connection& c, const auth::Context& ctx, int64_t id, bool cancel, const std::optional<std::string>& note) {
  auto m = find(c, ctx.scope, id);
  if (m.state != "formed") throw Error::conflict("state", "该动员任务已" + stateLabel(m.state) + "，不能再" + (cancel ? "撤销" : "结束"));
  std::string to = cancel ? "cancelled" : "closed";
  std::string now = nowIso();
  c.exec("UPDATE mobilizations SET state = ?, result_note = ?, ended_at = ?, updated_at = ?, version = version + 1 "
         "WHERE id = ?",
         {to, Value(note), now, now, id});
  int64_t withdrawn = cancel ? notify::cancel(c, "mobilization", id) : 0;
  audit::record(c, ctx.actor(),
                {cancel ? "cancel" : "close", "mobilization", id, m.orgPath,
                 (cancel ? "撤销一键动员：" : "结束一键动员：") + m.title +
                     (cancel ? "（撤回未发送消息" + std::to_string(withdrawn) + "条）" : ""),
                 bj::object{{"state", m.state}}, bj::object{{"state", to}, {"note", json::opt(note)}}});
}

void registerRoutes(platform::Api& api) {
  registerSettings();
  platform::Services svc = api.services();
  api.get("/api/mobilize", P::MemberRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    Params p;
    std::string w = ctx.scope.where("org_path", p);
    auto ps = json::pageSpec(req, {{"id", "id"}}, "-id");
    int64_t total = c.query("SELECT COUNT(*) FROM mobilizations WHERE " + w, p).front().i64(0);
    p.emplace_back(ps.pageSize);
    p.emplace_back(ps.offset());
    bj::array items;
    for (auto x : c.query("SELECT id FROM mobilizations WHERE " + w + " ORDER BY " + ps.orderBy + " LIMIT ? OFFSET ?", p))
      items.push_back(summary(c, x.i64(0)));
    return json::page(std::move(items), total, ps.page, ps.pageSize);
  });
  api.get("/api/mobilize/preview", P::MemberRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    auto orgId = req.q("orgId");
    if (!orgId || orgId->empty()) throw Error::invalid("orgId", "请选择动员范围（街道或全区）", "required");
    auto org = orgs::require(c, ctx.scope, std::atoll(orgId->c_str()), "orgId");
    auto sizeQ = req.q("teamSize");
    int64_t size = sizeQ && !sizeQ->empty() ? std::atoll(sizeQ->c_str()) : settings::getInt(c, "mobilize.team_size");
    checkTeamSize(c, size);
    auto teams = formTeams(candidates(c, org.path), size);
    std::set<int64_t> areas;
    int64_t members = 0, minSize = 0, maxSize = 0, noPhone = 0;
    for (auto& t : teams) {
      areas.insert(t.areaId);
      int64_t n = static_cast<int64_t>(t.members.size());
      members += n;
      minSize = minSize == 0 ? n : std::min(minSize, n);
      maxSize = std::max(maxSize, n);
    }
    {
      Params p;
      std::string w = Scope(org.path).where("o.path", p);
      noPhone = c.query("SELECT COUNT(DISTINCT m.id) FROM grid_contact_members cm JOIN grid_groups g ON g.id = "
                        "cm.group_id JOIN grid_areas a ON a.id = g.area_id JOIN orgs o ON o.id = a.org_id JOIN members "
                        "m ON m.id = cm.member_id WHERE " + w + " AND cm.to_on IS NULL AND m.active = 1 AND m.phone_enc IS NULL",
                        p)
                    .front()
                    .i64(0);
    }
    return json::ok(bj::object{{"orgId", org.id},
                               {"orgName", org.name},
                               {"teamSize", size},
                               {"members", members},
                               {"areas", static_cast<int64_t>(areas.size())},
                               {"teams", static_cast<int64_t>(teams.size())},
                               {"minTeamSize", minSize},
                               {"maxTeamSize", maxSize},
                               {"withoutPhone", noPhone}});
  });
  api.post("/api/mobilize", P::MemberWrite, [svc](http::Request& req, const auth::Context& ctx, Connection& c) {
    json::Form f(req.body);
    Input in;
    in.orgId = f.requiredInt("orgId", "动员范围", 1, INT64_MAX);
    in.title = f.requiredText("title", "任务名称", 60);
    in.description = f.text("description", "任务说明", 200).value_or("");
    in.teamSize = f.integer("teamSize", "每队人数", 1, 100000).value_or(settings::getInt(c, "mobilize.team_size"));
    in.on = f.date("date", "日期");
    store::Transaction tx(c);
    int64_t id = create(c, ctx, *svc.cipher, in);
    tx.commit();
    return json::ok(detail(c, id), 201);
  });
  api.get("/api/mobilize/:id", P::MemberRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    auto m = find(c, ctx.scope, req.idParam());
    return json::ok(detail(c, m.id));
  });
  for (bool cancel : {false, true}) {
    api.post(cancel ? "/api/mobilize/:id/cancel" : "/api/mobilize/:id/close", P::MemberWrite,
             [cancel](http::Request& req, const auth::Context& ctx, Connection& c) {
               json::Form f(req.body);
               auto note = f.text("note", "说明", 200);
               store::Transaction tx(c);
               end(c, ctx, req.idParam(), cancel, note);
               tx.commit();
               return json::ok(summary(c, req.idParam()));
             });
  }
  api.get("/api/notify/outbox", P::AuditRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    Params p;
    std::string w = ctx.scope.where("org_path", p);
    if (auto s = req.q("state"); s && !s->empty()) {
      if (*s != "pending" && *s != "sent" && *s != "failed" && *s != "cancelled")
        throw Error::invalid("state", "状态应为 pending、sent、failed 或 cancelled");
      w += " AND state = ?";
      p.emplace_back(*s);
    }
    if (auto r = req.q("mobilizationId"); r && !r->empty()) {
      w += " AND ref_kind = 'mobilization' AND ref_id = ?";
      p.emplace_back(static_cast<int64_t>(std::atoll(r->c_str())));
    }
    auto ps = json::pageSpec(req, {{"id", "id"}}, "-id");
    int64_t total = c.query("SELECT COUNT(*) FROM notify_outbox WHERE " + w, p).front().i64(0);
    bj::object byState;
    {
      Params q;
      std::string ws = ctx.scope.where("org_path", q);
      for (auto x : c.query("SELECT state, COUNT(*) FROM notify_outbox WHERE " + ws + " GROUP BY state", q))
        byState[x.text(0)] = x.i64(1);
    }
    p.emplace_back(ps.pageSize);
    p.emplace_back(ps.offset());
    bj::array items;
    for (auto x : c.query("SELECT id, recipient_name, phone_mask, preview, ref_kind, ref_id, state, attempts, "
                          "last_error, driver, created_at, sent_at FROM notify_outbox WHERE " +
                              w + " ORDER BY " + ps.orderBy + " LIMIT ? OFFSET ?",
                          p))
      items.push_back({{"id", x.i64(0)},           {"recipientName", x.text(1)}, {"phoneMasked", json::fromValue(x[2])},
                       {"preview", x.text(3)},     {"refKind", x.text(4)},       {"refId", json::fromValue(x[5])},
                       {"state", x.text(6)},       {"attempts", x.i64(7)},       {"error", json::fromValue(x[8])},
                       {"driver", json::fromValue(x[9])}, {"createdAt", x.text(10)}, {"sentAt", json::fromValue(x[11])}});
    return json::ok(bj::object{{"items", std::move(items)},
                               {"total", total},
                               {"page", ps.page},
                               {"pageSize", ps.pageSize},
                               {"byState", std::move(byState)}});
  });
}

}  // namespace zg::mobilize
