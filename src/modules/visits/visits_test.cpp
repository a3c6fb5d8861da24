// Visit logs 网格日志 against a real SQLite database through the real router: a visit moves the
// household's last visit and the grid's “key households not visited” count; a contact member logs
// only for the households it looks after now; dates, kinds and photos are checked; lists are
// scoped; “三必访” due visits for building party groups (tags and holidays) and the 我的 task; the
// figure's records equal its cells; the demo's logs agree with last_visited_on.
#include "modules/visits/visits.h"

#include <gtest/gtest.h>

#include "../../../tests/unit/testing.h"
#include "app/demo.h"
#include "app/demo_grid.h"
#include "app/demo_visits.h"
#include "modules/me/me.h"
#include "platform/figures.h"
#include "platform/settings.h"

namespace zg::visits {
namespace {

namespace bj = boost::json;

struct Fixture {
  testing::TestApp t;
  int64_t street1 = 0, street2 = 0, community1 = 0, community2 = 0, partyGroup = 0;
  int64_t m1 = 0, m2 = 0, area = 0, group = 0, h1 = 0, h2 = 0, h3 = 0;

  int64_t member(int64_t orgId, int seq) {
    bj::object b{{"name", "联户" + std::to_string(seq)}, {"idNumber", testing::idNumber(seq, "19750101")},
                 {"category", "full"}, {"orgId", orgId}, {"joinedOn", "2005-07-01"}, {"fullOn", "2006-07-01"}};
    auto r = t.call("POST", "/api/members", b);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.at("id").as_int64();
  }
  int64_t household(const std::string& building, const std::string& room, bj::array tags = {}) {
    auto r = t.call("POST", "/api/grid/households",
                    bj::object{{"groupId", group}, {"building", building}, {"unit", "1"}, {"room", room},
                               {"headName", "住户" + room}, {"tags", tags}});
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.status == 201 ? r.body.at("id").as_int64() : 0;
  }
  Fixture() {
    t.login("admin", "Admin1234");
    street1 = t.createOrg(1, "甲街道党工委", "street_committee");
    street2 = t.createOrg(1, "乙街道党工委", "street_committee");
    community1 = t.createOrg(street1, "甲社区党支部", "branch", "community");
    community2 = t.createOrg(street2, "乙社区党支部", "branch", "community");
    m1 = member(community1, 41), m2 = member(community1, 42);
    area = t.call("POST", "/api/grid/areas", bj::object{{"orgId", community1}, {"name", "第一片区"}}).body.at("id").as_int64();
    group = t.call("POST", "/api/grid/groups", bj::object{{"areaId", area}, {"name", "第1组"}}).body.at("id").as_int64();
    h1 = household("3", "101", bj::array{"elderly_alone"});
    h2 = household("3", "102", bj::array{"difficulty"});
    h3 = household("5", "201", bj::array{"new_arrival"});
    EXPECT_EQ(t.call("POST", "/api/grid/assign", bj::object{{"householdIds", bj::array{h1, h2, h3}}, {"memberId", m1}})
                  .status,
              200);
    auto c = t.db->acquire();
    store::Transaction tx(*c);
    auth::createUser(*c, auth::Actor::system(), "jd2", "乙街道", auth::Role::Street, street2, "Street1234");
    auth::createUser(*c, auth::Actor::system(), "lh1", "联户1", auth::Role::Member, community1, "Member1234", m1);
    auth::createUser(*c, auth::Actor::system(), "lh2", "联户2", auth::Role::Member, community1, "Member1234", m2);
    tx.commit();
  }
  int64_t keyUnvisited() {
    auto r = t.call("GET", "/api/grid/coverage?orgId=" + std::to_string(community1));
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body.at("node").at("counts").at("keyUnvisited").as_int64();
  }
  testing::Reply visit(int64_t h, const std::string& on, const std::string& kind = "home") {
    return t.call("POST", "/api/visits",
                  bj::object{{"householdId", h}, {"visitedOn", on}, {"kind", kind}, {"note", "了解近况"}});
  }
  std::string lastVisited(int64_t h) {
    auto c = t.db->acquire();
    auto v = c->scalar("SELECT last_visited_on FROM households WHERE id = ?", {h});
    return v && !v->isNull() ? v->asText() : "";
  }
};

TEST(Visits, LoggingMovesLastVisitAndTheCoverageCount) {
  Fixture f;
  EXPECT_EQ(f.keyUnvisited(), 2);  // h1 elderly_alone, h2 difficulty: never visited
  f.t.login("lh1", "Member1234");
  std::string d = addDays(today(), -3).iso();
  auto r = f.visit(f.h1, d);
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(r.body.at("visitorName").as_string(), "联户41");
  EXPECT_EQ(r.body.at("kindLabel").as_string(), "入户走访");
  EXPECT_EQ(f.lastVisited(f.h1), d);
  // An older visit logged late does not move the last visit back.
  ASSERT_EQ(f.visit(f.h1, addDays(today(), -50).iso(), "phone").status, 201);
  EXPECT_EQ(f.lastVisited(f.h1), d);
  f.t.login("admin", "Admin1234");
  EXPECT_EQ(f.keyUnvisited(), 1);
  // A visit older than the interval does not count as visited.
  auto c = f.t.db->acquire();
  c->exec("UPDATE households SET last_visited_on = ? WHERE id = ?", {addDays(today(), -40).iso(), f.h1});
  EXPECT_EQ(f.keyUnvisited(), 2);
  // The visit is audited.
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM audit_log WHERE entity = 'visit'")->asInt(), 2);
}

TEST(Visits, BadInputNamesTheField) {
  Fixture f;
  f.t.login("lh1", "Member1234");
  auto r = f.visit(f.h1, addDays(today(), 1).iso());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.at("field").as_string(), "visitedOn");
  r = f.visit(f.h1, today().iso(), "fax");
  EXPECT_EQ(r.body.at("field").as_string(), "kind");
  r = f.t.call("POST", "/api/visits", bj::object{{"householdId", f.h1}, {"kind", "home"}});
  EXPECT_EQ(r.body.at("field").as_string(), "note");
  // The date defaults to today.
  r = f.t.call("POST", "/api/visits", bj::object{{"householdId", f.h1}, {"kind", "phone"}, {"problems", "楼道灯坏"}});
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(r.body.at("visitedOn").as_string(), today().iso());
}

TEST(Visits, ProblemsFoundBecomeAResidentsProblemOfTheHousehold) {
  Fixture f;
  f.t.login("lh1", "Member1234");
  // A visit without problems opens nothing.
  ASSERT_EQ(f.visit(f.h1, today().iso()).status, 201);
  auto c = f.t.db->acquire();
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM resident_problems")->asInt(), 0);
  // The contact member (a member login, no member.read) logs problems found: one problem, source
  // "visit", of the household, at its community, handled by its contact member, linked from the log.
  auto r = f.t.call("POST", "/api/visits",
                    bj::object{{"householdId", f.h1}, {"kind", "home"}, {"problems", "楼道灯坏了一个月"}});
  ASSERT_EQ(r.status, 201) << r.raw;
  ASSERT_TRUE(r.body.at("problemId").is_int64()) << r.raw;
  auto p = c->query("SELECT source, kind, body, household_id, org_id, contact_member_id FROM resident_problems WHERE id = ?",
                    {r.body.at("problemId").as_int64()});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p.front().text(0), "visit");
  EXPECT_EQ(p.front().text(1), "其他");
  EXPECT_EQ(p.front().text(2), "楼道灯坏了一个月");
  EXPECT_EQ(p.front().i64(3), f.h1);
  EXPECT_EQ(p.front().i64(4), f.community1);
  EXPECT_EQ(p.front().i64(5), f.m1);
  // A kind from the list is kept; an unknown one names the visit form's field and logs nothing.
  r = f.t.call("POST", "/api/visits", bj::object{{"householdId", f.h1}, {"kind", "home"}, {"problems", "垃圾桶满溢"},
                                                 {"problemKind", "环境卫生"}});
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(c->scalar("SELECT kind FROM resident_problems WHERE id = ?", {r.body.at("problemId").as_int64()})->asText(),
            "环境卫生");
  int64_t visits = c->scalar("SELECT COUNT(*) FROM visit_logs")->asInt();
  r = f.t.call("POST", "/api/visits", bj::object{{"householdId", f.h1}, {"kind", "home"}, {"problems", "噪音"},
                                                 {"problemKind", "不存在的类别"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.at("field").as_string(), "problemKind");
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM visit_logs")->asInt(), visits);
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM resident_problems")->asInt(), 2);
}

TEST(Visits, AContactLogsOnlyForTheHouseholdsItLooksAfterNow) {
  Fixture f;
  f.t.login("lh2", "Member1234");
  auto r = f.visit(f.h1, today().iso());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.at("field").as_string(), "householdId");
  EXPECT_EQ(f.t.call("GET", "/api/visits?householdId=" + std::to_string(f.h1)).status, 400);
  // Reassigned: the new contact may, the former may not.
  f.t.login("admin", "Admin1234");
  ASSERT_EQ(f.t.call("POST", "/api/grid/assign", bj::object{{"householdIds", bj::array{f.h1}}, {"memberId", f.m2}}).status,
            200);
  f.t.login("lh2", "Member1234");
  EXPECT_EQ(f.visit(f.h1, today().iso()).status, 201);
  f.t.login("lh1", "Member1234");
  EXPECT_EQ(f.visit(f.h1, today().iso()).status, 400);
  // A member sees only its own visits.
  EXPECT_EQ(f.t.call("GET", "/api/visits").body.at("total").as_int64(), 0);
  EXPECT_EQ(f.t.call("GET", "/api/visits?memberId=" + std::to_string(f.m2)).status, 400);
  // Staff log for any household in scope, naming the member who visited.
  f.t.login("admin", "Admin1234");
  r = f.t.call("POST", "/api/visits",
               bj::object{{"householdId", f.h2}, {"kind", "home"}, {"note", "节前慰问"}, {"memberId", f.m1}});
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(r.body.at("memberId").as_int64(), f.m1);
  auto list = f.t.call("GET", "/api/visits?memberId=" + std::to_string(f.m1));
  EXPECT_EQ(list.body.at("total").as_int64(), 1);
  list = f.t.call("GET", "/api/visits?householdId=" + std::to_string(f.h1));
  EXPECT_EQ(list.body.at("total").as_int64(), 1);
}

TEST(Visits, AnotherStreetSeesAndChangesNothing) {
  Fixture f;
  ASSERT_EQ(f.visit(f.h1, today().iso()).status, 201);
  f.t.login("jd2", "Street1234");
  EXPECT_EQ(f.t.call("GET", "/api/visits").body.at("total").as_int64(), 0);
  EXPECT_EQ(f.t.call("GET", "/api/visits?householdId=" + std::to_string(f.h1)).status, 400);
  EXPECT_EQ(f.visit(f.h1, today().iso()).status, 400);
  EXPECT_EQ(f.t.call("GET", "/api/visits/due").body.at("total").as_int64(), 0);
  EXPECT_EQ(f.lastVisited(f.h1), today().iso());
}

TEST(Visits, PhotosAreCheckedByTypeAndSize) {
  EXPECT_EQ(imageType("\xFF\xD8\xFF\xE0"), "image/jpeg");
  EXPECT_EQ(imageType(std::string("\x89PNG\r\n\x1a\n", 8) + "rest"), "image/png");
  EXPECT_EQ(imageType("RIFF\x10\0\0\0WEBPVP8 "), "");  // NUL cut the literal: too short
  EXPECT_EQ(imageType(std::string("RIFF\x10\0\0\0WEBPVP8 ", 16)), "image/webp");
  EXPECT_EQ(imageType("<html>"), "");
  Fixture f;
  f.t.login("lh1", "Member1234");
  int64_t id = f.visit(f.h1, today().iso()).body.at("id").as_int64();
  auto c = f.t.db->acquire();
  auth::Context ctx;
  ctx.user = *auth::findUserByName(*c, "lh1");
  ctx.scope = Scope(c->scalar("SELECT path FROM orgs WHERE id = ?", {f.community1})->asText());
  {
    store::Transaction tx(*c);
    EXPECT_THROW(attachPhoto(*c, ctx, id, "<html>not an image</html>"), Error);
  }
  {
    store::Transaction tx(*c);
    attachPhoto(*c, ctx, id, std::string("\x89PNG\r\n\x1a\n", 8) + std::string(1000, 'x'));
    tx.commit();
  }
  auto r = f.t.call("GET", "/api/visits/" + std::to_string(id) + "/photo");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.raw.size(), 1008u);
  {
    store::Transaction tx(*c);
    settings::set(*c, auth::Actor::system(), "visits.photo_max_kb", bj::value(50));
    tx.commit();
  }
  {
    store::Transaction tx(*c);
    try {
      attachPhoto(*c, ctx, id, std::string("\xFF\xD8\xFF", 3) + std::string(60 * 1024, 'x'));
      ADD_FAILURE() << "a photo above the limit was stored";
    } catch (const Error& e) {
      EXPECT_EQ(e.field(), "photo");
    }
  }
  // Another member cannot see the photo.
  f.t.login("lh2", "Member1234");
  EXPECT_EQ(f.t.call("GET", "/api/visits/" + std::to_string(id) + "/photo").status, 404);
}

TEST(Visits, ThreeMustVisitsForBuildingPartyGroups) {
  Fixture f;
  // No building party group: nothing due.
  EXPECT_EQ(f.t.call("GET", "/api/visits/due").body.at("total").as_int64(), 0);
  ASSERT_EQ(f.t.call("POST", "/api/grid/areas/" + std::to_string(f.area) + "/buildings",
                     bj::object{{"building", "3"}, {"partyOrgId", f.community1}})
                .status,
            200);
  // Building 3: h2 (difficulty) is due; h1 (elderly_alone) only before a holiday; building 5 has no group.
  auto r = f.t.call("GET", "/api/visits/due");
  ASSERT_EQ(r.body.at("total").as_int64(), 1) << r.raw;
  EXPECT_EQ(r.body.at("items").at(0).at("householdId").as_int64(), f.h2);
  EXPECT_EQ(r.body.at("items").at(0).at("reason").as_string(), "difficulty");
  // Before a holiday (within the lead days) the key households of the building are due too.
  Date holiday = addDays(today(), 5);
  ASSERT_EQ(f.t.call("PUT", "/api/settings/visits.holidays", bj::object{{"value", holiday.iso() + ":重阳,bad"}}).status,
            200);
  r = f.t.call("GET", "/api/visits/due");
  ASSERT_EQ(r.body.at("total").as_int64(), 3) << r.raw;  // h2 difficulty, h1 and h2 holiday
  int holidays = 0;
  for (auto& i : r.body.at("items").as_array())
    if (i.at("reason").as_string() == "holiday") {
      ++holidays;
      EXPECT_EQ(i.at("dueOn").as_string(), holiday.iso());
      EXPECT_EQ(i.at("reasonLabel").as_string(), "重阳节前必访");
    }
  EXPECT_EQ(holidays, 2);
  // The contact's 我的 shows them as tasks; a visit clears both of h2's.
  f.t.login("lh1", "Member1234");
  auto me = f.t.call("GET", "/api/me");
  int tasks = 0;
  for (auto& t : me.body.at("tasks").as_array()) tasks += t.at("kind").as_string() == "visit";
  EXPECT_EQ(tasks, 3);
  ASSERT_EQ(f.visit(f.h2, today().iso()).status, 201);
  r = f.t.call("GET", "/api/visits/due");
  ASSERT_EQ(r.body.at("total").as_int64(), 1) << r.raw;
  EXPECT_EQ(r.body.at("items").at(0).at("householdId").as_int64(), f.h1);
  // Outside the lead window the holiday is not due yet.
  f.t.login("admin", "Admin1234");
  r = f.t.call("GET", "/api/visits/due?asOf=" + addDays(today(), -30).iso());
  EXPECT_EQ(r.body.at("total").as_int64(), 0) << r.raw;
}

TEST(Visits, TheFigureRecordsEqualItsCells) {
  Fixture f;
  ASSERT_EQ(f.visit(f.h1, today().iso()).status, 201);
  ASSERT_EQ(f.visit(f.h2, today().iso(), "phone").status, 201);
  ASSERT_EQ(f.t.call("POST", "/api/visits", bj::object{{"householdId", f.h3}, {"kind", "home"}, {"problems", "路灯坏"}})
                .status,
            201);
  auto fig = figures::find("grid.visits");
  auto c = f.t.db->acquire();
  figures::Query q;
  q.orgId = f.community1;
  q.orgPath = c->scalar("SELECT path FROM orgs WHERE id = ?", {f.community1})->asText();
  q.scope = Scope(q.orgPath);
  q.from = addDays(today(), -30);
  q.to = addDays(today(), 1);
  std::map<std::string, int64_t> counts;
  for (auto& cell : fig.cells(*c, q)) {
    counts[cell.key] = cell.count;
    EXPECT_EQ(fig.records(*c, q, cell.key, 0, -1).total, cell.count) << cell.key;
  }
  EXPECT_EQ(counts["home"], 2);
  EXPECT_EQ(counts["phone"], 1);
  EXPECT_EQ(counts["problems"], 1);
}

TEST(Visits, DemoLogsAgreeWithLastVisits) {
  testing::TestApp t;
  demo::Options o;
  o.scale = "small";
  demo::load(*t.db, t.app->cipher, o);
  demo::loadGrid(*t.db, t.app->cipher, o.seed, today());
  auto v = demo::loadVisits(*t.db, o.seed, today());
  EXPECT_GT(v.visits, v.households);
  EXPECT_GT(v.buildingGroups, 0);
  EXPECT_GT(v.withProblems, 0);
  auto c = t.db->acquire();
  // Every visited household's last visit is its newest log, and every log is within the year.
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM households h WHERE h.last_visited_on >= ? AND h.last_visited_on IS NOT "
                      "(SELECT MAX(v.visited_on) FROM visit_logs v WHERE v.household_id = h.id)",
                      {addDays(today(), -365).iso()})
                ->asInt(),
            0);
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM visit_logs WHERE visited_on > ? OR visited_on < ?",
                      {today().iso(), addDays(today(), -366).iso()})
                ->asInt(),
            0);
  EXPECT_THROW(demo::loadVisits(*t.db, o.seed, today()), Error);
}

}  // namespace
}  // namespace zg::visits
