// The grid 片组户 against a real SQLite database through the real router: key-household rules
// from the setting, the contact load flags and hard limit, reassignment history, coverage counts
// after a move and a reassignment (and the figure's records equal its cells), another street
// sees nothing, and the demo grid.
#include "modules/grid/grid.h"

#include "modules/grid/coverage.h"

#include <gtest/gtest.h>

#include "../../../tests/unit/testing.h"
#include "app/demo.h"
#include "app/demo_grid.h"
#include "modules/orgs/orgs.h"
#include "platform/figures.h"
#include "platform/rollup.h"
#include "platform/settings.h"

namespace zg::grid {
namespace {

namespace bj = boost::json;

struct Fixture {
  testing::TestApp t;
  int64_t street1 = 0, street2 = 0, community1 = 0, community2 = 0;
  int64_t m1 = 0, m2 = 0, m3 = 0, outsider = 0;
  int64_t area = 0, group1 = 0, group2 = 0;

  int64_t member(int64_t orgId, int seq) {
    bj::object b{{"name", "联户" + std::to_string(seq)}, {"idNumber", testing::idNumber(seq, "19750101")},
                 {"category", "full"}, {"orgId", orgId}, {"joinedOn", "2005-07-01"}, {"fullOn", "2006-07-01"}};
    auto r = t.call("POST", "/api/members", b);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.at("id").as_int64();
  }
  int64_t household(int64_t group, const std::string& room, bj::array tags = {}) {
    auto r = t.call("POST", "/api/grid/households",
                    bj::object{{"groupId", group}, {"building", "3"}, {"unit", "1"}, {"room", room},
                               {"headName", "住户" + room}, {"phone", "13800001111"}, {"tags", tags},
                               {"people", bj::array{bj::object{{"name", "住户" + room}, {"relation", "户主"}}}}});
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.status == 201 ? r.body.at("id").as_int64() : 0;
  }
  Fixture() {
    t.login("admin", "Admin1234");
    street1 = t.createOrg(1, "甲街道党工委", "street_committee");
    street2 = t.createOrg(1, "乙街道党工委", "street_committee");
    community1 = t.createOrg(street1, "甲社区党支部", "branch", "community");
    community2 = t.createOrg(street2, "乙社区党支部", "branch", "community");
    m1 = member(community1, 31), m2 = member(community1, 32), m3 = member(community1, 33);
    outsider = member(community2, 34);
    auto r = t.call("POST", "/api/grid/areas", bj::object{{"orgId", community1}, {"name", "第一片区"}});
    EXPECT_EQ(r.status, 201) << r.raw;
    area = r.body.at("id").as_int64();
    group1 = t.call("POST", "/api/grid/groups", bj::object{{"areaId", area}, {"name", "第1组"}}).body.at("id").as_int64();
    group2 = t.call("POST", "/api/grid/groups", bj::object{{"areaId", area}, {"name", "第2组"}}).body.at("id").as_int64();
    auto c = t.db->acquire();
    store::Transaction tx(*c);
    auth::createUser(*c, auth::Actor::system(), "jd2", "乙街道", auth::Role::Street, street2, "Street1234");
    tx.commit();
  }
  bj::object cov(int64_t orgId) {
    auto r = t.call("GET", "/api/grid/coverage?orgId=" + std::to_string(orgId));
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body.at("node").at("counts").as_object();
  }
};

TEST(Grid, KeyHouseholdsFollowTheSetting) {
  EXPECT_TRUE(isKey({"elderly_alone"}, {"elderly_alone", "disabled"}));
  EXPECT_FALSE(isKey({"new_arrival"}, {"elderly_alone", "disabled"}));
  Fixture f;
  f.household(f.group1, "101", bj::array{"elderly_alone"});
  f.household(f.group1, "102", bj::array{"new_arrival"});
  f.household(f.group1, "103");
  EXPECT_EQ(f.cov(f.community1).at("key").as_int64(), 1);
  auto r = f.t.call("PUT", "/api/settings/grid.key_tags", bj::object{{"value", "elderly_alone,new_arrival"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(f.cov(f.community1).at("key").as_int64(), 2);
  // Unknown tags are refused naming the field.
  r = f.t.call("POST", "/api/grid/households",
               bj::object{{"groupId", f.group1}, {"building", "3"}, {"headName", "甲"}, {"tags", bj::array{"rich"}}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.at("field").as_string(), "tags");
}

TEST(Grid, LoadFlagsAndHardLimit) {
  Load l{10, 2, 30};
  EXPECT_EQ(loadFlag(0, l), "idle");
  EXPECT_EQ(loadFlag(7, l), "under");
  EXPECT_EQ(loadFlag(8, l), "ok");
  EXPECT_EQ(loadFlag(12, l), "ok");
  EXPECT_EQ(loadFlag(13, l), "over");
  Fixture f;
  ASSERT_EQ(f.t.call("PUT", "/api/settings/grid.contact_max_households", bj::object{{"value", 2}}).status, 200);
  bj::array ids{f.household(f.group1, "201"), f.household(f.group1, "202"), f.household(f.group1, "203")};
  auto r = f.t.call("POST", "/api/grid/assign", bj::object{{"householdIds", ids}, {"memberId", f.m1}});
  EXPECT_EQ(r.status, 400) << r.raw;
  EXPECT_EQ(r.body.at("field").as_string(), "memberId");
  r = f.t.call("POST", "/api/grid/assign", bj::object{{"householdIds", bj::array{ids[0], ids[1]}}, {"memberId", f.m1}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("households").as_int64(), 2);
  EXPECT_EQ(r.body.at("load").as_string(), "under");
  // A member outside the caller's… here: not active / not existing.
  r = f.t.call("POST", "/api/grid/assign", bj::object{{"householdIds", bj::array{ids[2]}}, {"memberId", 999999}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.at("field").as_string(), "memberId");
}

TEST(Grid, ReassignmentKeepsDatedHistoryAndCoverageFollows) {
  Fixture f;
  int64_t h1 = f.household(f.group1, "301", bj::array{"disabled"});
  int64_t h2 = f.household(f.group2, "302");
  auto c0 = f.cov(f.community1);
  EXPECT_EQ(c0.at("households").as_int64(), 2);
  EXPECT_EQ(c0.at("noContact").as_int64(), 2);
  EXPECT_EQ(c0.at("permille").as_int64(), 0);
  EXPECT_EQ(c0.at("areasNoLeader").as_int64(), 1);
  Date d1 = addDays(today(), -100), d2 = addDays(today(), -10);
  auto r = f.t.call("POST", "/api/grid/assign",
                    bj::object{{"householdIds", bj::array{h1, h2}}, {"memberId", f.m1}, {"on", d1.iso()}});
  ASSERT_EQ(r.status, 200) << r.raw;
  // m3 enrolled through a household, then released: an idle contact member.
  r = f.t.call("POST", "/api/grid/assign", bj::object{{"householdIds", bj::array{h2}}, {"memberId", f.m2}, {"on", d2.iso()}});
  ASSERT_EQ(r.status, 200) << r.raw;
  // Before the current contact's start: refused on "on".
  r = f.t.call("POST", "/api/grid/assign",
               bj::object{{"householdIds", bj::array{h2}}, {"memberId", f.m3}, {"on", addDays(d2, -1).iso()}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.at("field").as_string(), "on");
  auto d = f.t.call("GET", "/api/grid/households/" + std::to_string(h2));
  ASSERT_EQ(d.status, 200);
  auto& hist = d.body.at("contactHistory").as_array();
  ASSERT_EQ(hist.size(), 2u);
  EXPECT_EQ(hist[0].at("memberId").as_int64(), f.m2);
  EXPECT_TRUE(hist[0].at("toOn").is_null());
  EXPECT_EQ(hist[1].at("memberId").as_int64(), f.m1);
  EXPECT_EQ(hist[1].at("toOn").as_string(), d2.iso());
  EXPECT_EQ(d.body.at("contact").at("memberId").as_int64(), f.m2);
  auto c1 = f.cov(f.community1);
  EXPECT_EQ(c1.at("noContact").as_int64(), 0);
  EXPECT_EQ(c1.at("permille").as_int64(), 1000);
  EXPECT_EQ(c1.at("contacts").as_int64(), 2);
  EXPECT_EQ(c1.at("keyUnvisited").as_int64(), 1);  // the disabled household was never visited
  // As of a day before the reassignment, h2 belonged to m1.
  auto old = f.t.call("GET", "/api/grid/coverage/list?kind=no_contact&orgId=" + std::to_string(f.community1) +
                                 "&asOf=" + addDays(d1, -1).iso());
  EXPECT_EQ(old.body.at("total").as_int64(), 2);
  // Move h2 to group 1: the group counts follow, the contact stays.
  auto v = d.body.at("version").as_int64();
  r = f.t.call("PUT", "/api/grid/households/" + std::to_string(h2),
               bj::object{{"groupId", f.group1}, {"building", "3"}, {"unit", "1"}, {"room", "302"}, {"headName", "住户302"},
                          {"version", v}});
  ASSERT_EQ(r.status, 200) << r.raw;
  auto g1 = f.t.call("GET", "/api/grid/coverage/list?kind=households&groupId=" + std::to_string(f.group1));
  EXPECT_EQ(g1.body.at("total").as_int64(), 2);
  // Release h1: one household without a contact, m1 idle; the root is no longer 100%.
  ASSERT_EQ(f.t.call("POST", "/api/grid/households/" + std::to_string(h1) + "/release", bj::object{}).status, 200);
  auto c2 = f.cov(1);
  EXPECT_EQ(c2.at("noContact").as_int64(), 1);
  EXPECT_EQ(c2.at("idleContacts").as_int64(), 1);
  EXPECT_EQ(c2.at("permille").as_int64(), 500);
  // The figure's cells equal its records' totals.
  auto fig = figures::find("grid.coverage");
  auto conn = f.t.db->acquire();
  figures::Query q;
  q.orgId = 1, q.orgPath = "/1/", q.scope = Scope("/1/"), q.from = addDays(today(), -30), q.to = addDays(today(), 1);
  for (auto& cell : fig.cells(*conn, q)) EXPECT_EQ(fig.records(*conn, q, cell.key, 0, -1).total, cell.count) << cell.key;
}

// The household kinds as of today from the roll-ups (migration 0015) equal the base-table count,
// also at the exact edges: last visits around the "visited within N days" threshold (inside its
// month, before and on the threshold day), contact periods opening or ending after today.
TEST(Grid, RolledCoverageEqualsTheBaseCountAtTheDateEdges) {
  Fixture f;
  std::vector<int64_t> hs;
  for (int i = 0; i < 8; ++i) hs.push_back(f.household(i % 2 ? f.group1 : f.group2, std::to_string(500 + i),
                                                       i % 3 ? bj::array{"disabled"} : bj::array{}));
  ASSERT_EQ(f.t.call("POST", "/api/grid/assign", bj::object{{"householdIds", bj::array{hs[0], hs[1], hs[2]}}, {"memberId", f.m1}})
                .status,
            200);
  auto c = f.t.db->acquire();
  Date threshold = addDays(today(), -static_cast<int>(settings::getInt(*c, "grid.key_visit_interval_days")));
  Date monthStart{threshold.year, threshold.month, 1};
  std::vector<std::optional<Date>> last = {addDays(threshold, -1), threshold, monthStart, addDays(monthStart, -1),
                                           today(), std::nullopt, addDays(threshold, 1), addDays(monthStart, 3)};
  {
    store::Transaction tx(*c);
    for (size_t i = 0; i < hs.size(); ++i)
      c->exec("UPDATE households SET last_visited_on = ? WHERE id = ?",
              {last[i] ? store::Value(last[i]->iso()) : store::Value(nullptr), hs[i]});
    // A period opening tomorrow (no contact today) and one that ends tomorrow (a contact today).
    c->exec("INSERT INTO household_contacts (household_id, member_id, from_on, to_on, created_at) VALUES (?, ?, ?, NULL, "
            "'2026-01-01T00:00:00Z')",
            {hs[4], f.m2, addDays(today(), 1).iso()});
    c->exec("INSERT INTO household_contacts (household_id, member_id, from_on, to_on, created_at) VALUES (?, ?, ?, ?, "
            "'2026-01-01T00:00:00Z')",
            {hs[5], f.m2, addDays(today(), -3).iso(), addDays(today(), 1).iso()});
    tx.commit();
  }
  EXPECT_TRUE(rollup::check(*c).empty());
  for (int64_t org : {int64_t{1}, f.street1, f.community1}) {
    orgs::Org o = orgs::require(*c, Scope::all(), org);
    Place pl{Scope(o.path), std::nullopt, std::nullopt};
    Coverage rolled = coverage(*c, pl, today(), householdKinds());
    rollup::setEnabled(false);
    Coverage base = coverage(*c, pl, today(), householdKinds());
    auto baseBy = coverageBy(*c, pl, today(), "org", householdKinds());
    rollup::setEnabled(true);
    auto rolledBy = coverageBy(*c, pl, today(), "org", householdKinds());
    EXPECT_EQ(rolled.households, base.households) << org;
    EXPECT_EQ(rolled.key, base.key) << org;
    EXPECT_EQ(rolled.noContact, base.noContact) << org;
    EXPECT_EQ(rolled.keyUnvisited, base.keyUnvisited) << org;
    for (auto& [id, v] : baseBy) {
      EXPECT_EQ(rolledBy[id].noContact, v.noContact) << id;
      EXPECT_EQ(rolledBy[id].keyUnvisited, v.keyUnvisited) << id;
    }
  }
  Coverage now = coverage(*c, Place{Scope::all(), std::nullopt, std::nullopt}, today(), householdKinds());
  EXPECT_EQ(now.households, 8);
  EXPECT_EQ(now.noContact, 8 - 4);  // hs[0..2] assigned, hs[5] until tomorrow; hs[4] only from tomorrow
}

TEST(Grid, AnotherStreetSeesNothing) {
  Fixture f;
  int64_t h = f.household(f.group1, "401");
  f.t.login("jd2", "Street1234");
  EXPECT_EQ(f.t.call("GET", "/api/grid/households/" + std::to_string(h)).status, 404);
  EXPECT_EQ(f.t.call("GET", "/api/grid/households").body.at("total").as_int64(), 0);
  auto r = f.t.call("POST", "/api/grid/assign", bj::object{{"householdIds", bj::array{h}}, {"memberId", f.outsider}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.at("field").as_string(), "householdIds");
  EXPECT_EQ(f.t.call("GET", "/api/grid/coverage?orgId=" + std::to_string(f.community1)).status, 400);
}

TEST(Grid, DemoGridHasAboutTenHouseholdsPerContact) {
  testing::TestApp t;
  demo::Options o;
  o.scale = "small";
  auto r = demo::load(*t.db, t.app->cipher, o);
  auto g = demo::loadGrid(*t.db, t.app->cipher, o.seed, today());
  EXPECT_GT(g.households, 1000);
  EXPECT_GT(g.keyHouseholds, g.households / 20);
  EXPECT_LT(g.keyHouseholds, g.households / 4);
  auto c = t.db->acquire();
  double perContact =
      c->scalar("SELECT COUNT(*) * 1.0 / COUNT(DISTINCT member_id) FROM household_contacts WHERE to_on IS NULL")->asReal();
  EXPECT_GT(perContact, 8.0);
  EXPECT_LT(perContact, 12.5);
  // One address once per community, as createHousehold requires (so a demo household can be
  // saved unchanged from its page).
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM (SELECT org_id, building, unit, room, address FROM households "
                      "GROUP BY org_id, building, unit, room, address HAVING COUNT(*) > 1) d")
                ->asInt(),
            0);
  EXPECT_THROW(demo::loadGrid(*t.db, t.app->cipher, o.seed, today()), Error);
  (void)r;
}

// Leaders and attached organizations belong to the community; a household moves only within it.
TEST(Grid, LeadersAndPartyOrgsInsideTheCommunity) {
  Fixture f;
  auto area = [&] {
    auto r = f.t.call("GET", "/api/grid/areas?areaId=" + std::to_string(f.area));
    return r.body.at("items").as_array().at(0).as_object();
  };
  int64_t v = area().at("version").as_int64();
  // The district user sees the other street's member, but it is outside this community.
  auto r = f.t.call("PUT", "/api/grid/areas/" + std::to_string(f.area),
                    bj::object{{"name", "第一片区"}, {"leaderMemberId", f.outsider}, {"version", v}});
  ASSERT_EQ(r.status, 400) << r.raw;
  EXPECT_EQ(r.body.at("field").as_string(), "leaderMemberId");
  r = f.t.call("PUT", "/api/grid/areas/" + std::to_string(f.area),
               bj::object{{"name", "第一片区"}, {"branchOrgId", f.community2}, {"version", v}});
  ASSERT_EQ(r.status, 400) << r.raw;
  EXPECT_EQ(r.body.at("field").as_string(), "branchOrgId");
  r = f.t.call("PUT", "/api/grid/groups/" + std::to_string(f.group1),
               bj::object{{"name", "第1组"}, {"leaderMemberId", f.outsider}, {"version", 1}});
  ASSERT_EQ(r.status, 400) << r.raw;
  EXPECT_EQ(r.body.at("field").as_string(), "leaderMemberId");
  r = f.t.call("POST", "/api/grid/areas/" + std::to_string(f.area) + "/buildings",
               bj::object{{"building", "3"}, {"partyOrgId", f.community2}});
  ASSERT_EQ(r.status, 400) << r.raw;
  EXPECT_EQ(r.body.at("field").as_string(), "partyOrgId");
  // Inside: accepted; a building without a party group stays listed.
  r = f.t.call("PUT", "/api/grid/areas/" + std::to_string(f.area),
               bj::object{{"name", "第一片区"}, {"leaderMemberId", f.m1}, {"branchOrgId", f.community1}, {"version", v}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("leaderMemberId").as_int64(), f.m1);
  f.household(f.group1, "101");
  r = f.t.call("POST", "/api/grid/areas/" + std::to_string(f.area) + "/buildings", bj::object{{"building", "7"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  r = f.t.call("GET", "/api/grid/areas/" + std::to_string(f.area) + "/buildings");
  ASSERT_EQ(r.status, 200) << r.raw;
  auto items = r.body.at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("building").as_string(), "3");
  EXPECT_EQ(items[0].at("households").as_int64(), 1);
  EXPECT_EQ(items[1].at("building").as_string(), "7");
  EXPECT_TRUE(items[1].at("partyOrgId").is_null());
  // A household of community 1 cannot move into a group of community 2.
  auto a2 = f.t.call("POST", "/api/grid/areas", bj::object{{"orgId", f.community2}, {"name", "乙片区"}});
  ASSERT_EQ(a2.status, 201) << a2.raw;
  auto g2 = f.t.call("POST", "/api/grid/groups", bj::object{{"areaId", a2.body.at("id").as_int64()}, {"name", "第1组"}});
  int64_t h = f.household(f.group1, "102");
  r = f.t.call("PUT", "/api/grid/households/" + std::to_string(h),
               bj::object{{"groupId", g2.body.at("id").as_int64()}, {"building", "3"}, {"headName", "住户102"}, {"version", 1}});
  ASSERT_EQ(r.status, 400) << r.raw;
  EXPECT_EQ(r.body.at("field").as_string(), "groupId");
}

}  // namespace
}  // namespace zg::grid
