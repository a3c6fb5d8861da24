// Mobilization 一键动员: the forming rule (sizes, leaders, every contact member exactly once),
// then the whole action through the router on SQLite: teams, one outbox message per member
// delivered by the log driver, scope (another street neither sees nor mobilizes it), refusals
// naming the field, close / cancel.
#include "modules/mobilize/mobilize.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "../../../tests/unit/testing.h"
#include "platform/notify.h"

namespace zg::mobilize {
namespace {

namespace bj = boost::json;

Candidate cand(int64_t id, int64_t group, int64_t area, std::optional<int64_t> areaLeader = {},
               std::optional<int64_t> groupLeader = {}) {
  return {id, group, area, 100 + area, "第" + std::to_string(area) + "片", areaLeader, groupLeader};
}

TEST(Mobilize, FormTeamsSplitsEachAreaEvenlyWithLeaders) {
  std::vector<Candidate> v;
  // Area 1: group 1 (members 1..12, leader 3), group 2 (13..20, leader 20); area leader 15.
  for (int i = 1; i <= 12; ++i) v.push_back(cand(i, 1, 1, 15, 3));
  for (int i = 13; i <= 20; ++i) v.push_back(cand(i, 2, 1, 15, 20));
  // Area 2: five members, no leaders, and member 1 listed again (counted once, in area 1).
  for (int i = 21; i <= 25; ++i) v.push_back(cand(i, 3, 2));
  v.push_back(cand(1, 3, 2));
  auto teams = formTeams(v, 7);
  ASSERT_EQ(teams.size(), 4u);
  EXPECT_EQ(teams[0].members.size(), 7u);
  EXPECT_EQ(teams[1].members.size(), 7u);
  EXPECT_EQ(teams[2].members.size(), 6u);
  EXPECT_EQ(teams[3].members.size(), 5u);
  EXPECT_EQ(teams[0].name, "第1片第1队");
  EXPECT_EQ(teams[3].name, "第2片第1队");
  // Team 1 (1..7): the area leader is not on it, group 1's leader 3 is.
  EXPECT_EQ(teams[0].leaderId, 3);
  EXPECT_EQ(teams[0].leaderRule, "group_leader");
  // Team 2 (8..14): neither leader on it → the first member.
  EXPECT_EQ(teams[1].leaderId, 8);
  EXPECT_EQ(teams[1].leaderRule, "first");
  // Team 3 (15..20): the area leader 15 (group 2's leader 20 is also on it; the area leader wins).
  EXPECT_EQ(teams[2].leaderId, 15);
  EXPECT_EQ(teams[2].leaderRule, "area_leader");
  EXPECT_EQ(teams[3].leaderId, 21);
  std::map<int64_t, int> seen;
  for (auto& t : teams)
    for (auto& m : t.members) {
      ++seen[m.memberId];
      EXPECT_EQ(m.areaId, t.areaId);
    }
  EXPECT_EQ(seen.size(), 25u);
  for (auto& [id, n] : seen) EXPECT_EQ(n, 1) << id;
}

TEST(Mobilize, FormTeamsNeverExceedsTheSize) {
  for (int n = 1; n <= 40; ++n)
    for (int size = 2; size <= 9; ++size) {
      std::vector<Candidate> v;
      for (int i = 0; i < n; ++i) v.push_back(cand(i + 1, 1, 1));
      auto teams = formTeams(v, size);
      size_t lo = 1000, hi = 0, total = 0;
      for (auto& t : teams) {
        lo = std::min(lo, t.members.size());
        hi = std::max(hi, t.members.size());
        total += t.members.size();
      }
      EXPECT_EQ(total, static_cast<size_t>(n));
      EXPECT_LE(hi, static_cast<size_t>(size));
      EXPECT_LE(hi - lo, 1u);
      EXPECT_EQ(teams.size(), static_cast<size_t>((n + size - 1) / size));
    }
}

struct Fixture {
  testing::TestApp t;
  int64_t street1 = 0, street2 = 0, community1 = 0, community2 = 0, area = 0;
  std::vector<int64_t> members;
  int seq = 60;

  int64_t member(int64_t orgId, const std::string& phone) {
    bj::object b{{"name", "联户" + std::to_string(seq)}, {"idNumber", testing::idNumber(seq, "19750101")},
                 {"category", "full"}, {"orgId", orgId}, {"joinedOn", "2005-07-01"}, {"fullOn", "2006-07-01"},
                 {"phone", phone}};
    ++seq;
    auto r = t.call("POST", "/api/members", b);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.at("id").as_int64();
  }
  // An area with one group under `community`, each of `n` new members contacting one household.
  int64_t grid(int64_t community, int n, std::vector<int64_t>& out) {
    auto r = t.call("POST", "/api/grid/areas", bj::object{{"orgId", community}, {"name", "片区" + std::to_string(seq)}});
    EXPECT_EQ(r.status, 201) << r.raw;
    int64_t a = r.body.at("id").as_int64();
    int64_t g = t.call("POST", "/api/grid/groups", bj::object{{"areaId", a}, {"name", "第1组"}}).body.at("id").as_int64();
    for (int i = 0; i < n; ++i) {
      int64_t m = member(community, "139000000" + std::to_string(10 + seq % 90));
      auto h = t.call("POST", "/api/grid/households",
                      bj::object{{"groupId", g}, {"building", "1"}, {"room", std::to_string(100 + i)}, {"headName", "户主"}});
      EXPECT_EQ(h.status, 201) << h.raw;
      auto as = t.call("POST", "/api/grid/assign",
                       bj::object{{"memberId", m}, {"householdIds", bj::array{h.body.at("id").as_int64()}}});
      EXPECT_EQ(as.status, 200) << as.raw;
      out.push_back(m);
    }
    return a;
  }
  Fixture() {
    t.login("admin", "Admin1234");
    street1 = t.createOrg(1, "甲街道党工委", "street_committee");
    street2 = t.createOrg(1, "乙街道党工委", "street_committee");
    community1 = t.createOrg(street1, "甲社区党支部", "branch", "community");
    community2 = t.createOrg(street2, "乙社区党支部", "branch", "community");
    area = grid(community1, 5, members);
    std::vector<int64_t> other;
    grid(community2, 2, other);
    auto c = t.db->acquire();
    store::Transaction tx(*c);
    auth::createUser(*c, auth::Actor::system(), "jd2", "乙街道", auth::Role::Street, street2, "Street1234");
    tx.commit();
  }
};

TEST(Mobilize, FormsTeamsSendsMessagesAndKeepsScope) {
  Fixture f;
  // Make the third member the area leader: they lead the team they are on.
  auto r = f.t.call("PUT", "/api/grid/areas/" + std::to_string(f.area),
                    bj::object{{"orgId", f.community1}, {"name", "片区A"}, {"leaderMemberId", f.members[2]}, {"version", 1}});
  ASSERT_EQ(r.status, 200) << r.raw;
  r = f.t.call("GET", "/api/mobilize/preview?orgId=" + std::to_string(f.street1) + "&teamSize=3");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("members").as_int64(), 5);
  EXPECT_EQ(r.body.at("teams").as_int64(), 2);
  EXPECT_EQ(r.body.at("maxTeamSize").as_int64(), 3);

  r = f.t.call("POST", "/api/mobilize",
               bj::object{{"orgId", f.street1}, {"title", "抗雪救灾"}, {"description", "清扫积雪，走访困难户"}, {"teamSize", 3}});
  ASSERT_EQ(r.status, 201) << r.raw;
  int64_t id = r.body.at("id").as_int64();
  EXPECT_EQ(r.body.at("membersCount").as_int64(), 5);
  auto& teams = r.body.at("teams").as_array();
  ASSERT_EQ(teams.size(), 2u);
  std::set<int64_t> onTeams;
  for (auto& t : teams)
    for (auto& m : t.at("members").as_array()) EXPECT_TRUE(onTeams.insert(m.at("memberId").as_int64()).second);
  EXPECT_EQ(onTeams, std::set<int64_t>(f.members.begin(), f.members.end()));  // street 2's contacts not included
  EXPECT_EQ(teams[0].at("leaderId").as_int64(), f.members[2]);
  EXPECT_EQ(teams[0].at("leaderRule").as_string(), "area_leader");
  EXPECT_EQ(r.body.at("messages").at("pending").as_int64(), 5);

  // The log driver delivers them.
  crypto::FieldCipher cipher(std::string(32, 'k'));
  EXPECT_EQ(notify::drainOnce(*f.t.db, cipher), 5);
  r = f.t.call("GET", "/api/mobilize/" + std::to_string(id));
  EXPECT_EQ(r.body.at("messages").at("sent").as_int64(), 5);
  EXPECT_EQ(r.body.at("teams").at(0).at("members").at(0).at("messageState").as_string(), "sent");
  r = f.t.call("GET", "/api/notify/outbox?state=sent&mobilizationId=" + std::to_string(id));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("total").as_int64(), 5);
  std::string preview = r.body.at("items").at(0).at("preview").as_string().c_str();
  EXPECT_NE(preview.find("抗雪救灾"), std::string::npos);
  EXPECT_NE(preview.find("****"), std::string::npos) << preview;  // the leader's phone masked in lists

  // Audited.
  {
    auto c = f.t.db->acquire();
    EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM audit_log WHERE entity = 'mobilization' AND entity_id = ?", {id})->asInt(), 1);
  }
  // Refusals name the field.
  r = f.t.call("POST", "/api/mobilize", bj::object{{"orgId", f.street1}, {"title", "x"}, {"teamSize", 1}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.at("field").as_string(), "teamSize");
  r = f.t.call("POST", "/api/mobilize",
               bj::object{{"orgId", f.street1}, {"title", "x"}, {"description", "身份证330104198001010011"}, {"teamSize", 3}});
  EXPECT_EQ(r.body.at("field").as_string(), "description");

  // Another street: neither sees nor mobilizes street 1.
  f.t.login("jd2", "Street1234");
  EXPECT_EQ(f.t.call("GET", "/api/mobilize/" + std::to_string(id)).status, 404);
  EXPECT_EQ(f.t.call("GET", "/api/mobilize").body.at("total").as_int64(), 0);
  EXPECT_EQ(f.t.call("POST", "/api/mobilize/" + std::to_string(id) + "/close", bj::object{}).status, 404);
  r = f.t.call("POST", "/api/mobilize", bj::object{{"orgId", f.street1}, {"title", "x"}, {"teamSize", 3}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.at("field").as_string(), "orgId");
  EXPECT_EQ(f.t.call("GET", "/api/mobilize/preview?orgId=" + std::to_string(f.street1)).status, 400);
  EXPECT_EQ(f.t.call("GET", "/api/notify/outbox").status, 403);  // street users do not read the outbox

  // Close, then neither close nor cancel again.
  f.t.login("admin", "Admin1234");
  EXPECT_EQ(f.t.call("POST", "/api/mobilize/" + std::to_string(id) + "/close", bj::object{{"note", "完成"}}).status, 200);
  EXPECT_EQ(f.t.call("POST", "/api/mobilize/" + std::to_string(id) + "/cancel", bj::object{}).status, 409);
}

TEST(Mobilize, CancelWithdrawsPendingMessages) {
  Fixture f;
  auto r = f.t.call("POST", "/api/mobilize", bj::object{{"orgId", f.community2}, {"title", "防汛"}, {"teamSize", 2}});
  ASSERT_EQ(r.status, 201) << r.raw;
  int64_t id = r.body.at("id").as_int64();
  r = f.t.call("POST", "/api/mobilize/" + std::to_string(id) + "/cancel", bj::object{});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("state").as_string(), "cancelled");
  EXPECT_EQ(r.body.at("messages").at("cancelled").as_int64(), 2);
  crypto::FieldCipher cipher(std::string(32, 'k'));
  EXPECT_EQ(notify::drainOnce(*f.t.db, cipher), 0);
}

}  // namespace
}  // namespace zg::mobilize
