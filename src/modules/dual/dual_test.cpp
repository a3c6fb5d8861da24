// In-service members' dual management 在职党员双重管理 against a real SQLite database through the
// real router: both sides see a registration, a third street sees nothing, only the community
// side assigns posts / records service / ends, and the unregistered list.
#include "modules/dual/dual.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "../../../tests/unit/testing.h"
#include "core/checks.h"

namespace zg::dual {
namespace {

namespace bj = boost::json;

struct Fixture {
  testing::TestApp t;
  int64_t street1 = 0, street2 = 0, street3 = 0;
  int64_t community1 = 0, school2 = 0, community2 = 0, retired2 = 0;
  int64_t worker = 0, worker2 = 0, resident = 0, retiree = 0, veteran = 0;

  int64_t org(int64_t parent, const std::string& name, const std::string& kind, const std::string& type = "") {
    return t.createOrg(parent, name, kind, type);
  }
  int64_t member(int64_t orgId, int seq, const std::string& six = "") {
    bj::object b{{"name", "报到" + std::to_string(seq)},
                 {"idNumber", testing::idNumber(seq, "19810101")},
                 {"category", "full"},
                 {"orgId", orgId},
                 {"joinedOn", "2005-07-01"},
                 {"fullOn", "2006-07-01"}};
    if (!six.empty()) b["sixCategory"] = six;
    auto r = t.call("POST", "/api/members", b);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.at("id").as_int64();
  }

  Fixture() {
    t.login("admin", "Admin1234");
    street1 = org(1, "甲街道党工委", "street_committee");
    street2 = org(1, "乙街道党工委", "street_committee");
    street3 = org(1, "丙街道党工委", "street_committee");
    community1 = org(street1, "甲社区党支部", "branch", "community");
    school2 = org(street2, "乙小学党支部", "branch", "school");
    community2 = org(street2, "乙社区党支部", "branch", "community");
    retired2 = org(street2, "乙离退休党支部", "branch", "retired");
    worker = member(school2, 21);
    worker2 = member(school2, 22);
    resident = member(community2, 23);
    retiree = member(retired2, 24);
    veteran = member(school2, 25, "veteran");
    auto c = t.db->acquire();
    store::Transaction tx(*c);
    auth::createUser(*c, auth::Actor::system(), "jd1", "甲街道", auth::Role::Street, street1, "Street1234");
    auth::createUser(*c, auth::Actor::system(), "jd2", "乙街道", auth::Role::Street, street2, "Street1234");
    auth::createUser(*c, auth::Actor::system(), "jd3", "丙街道", auth::Role::Street, street3, "Street1234");
    tx.commit();
  }

  std::vector<int64_t> unregisteredIds() {
    auto r = t.call("GET", "/api/dual/unregistered?pageSize=200");
    EXPECT_EQ(r.status, 200) << r.raw;
    std::vector<int64_t> out;
    for (auto& x : r.body.at("items").as_array()) out.push_back(x.at("memberId").as_int64());
    return out;
  }
};

std::string path(int64_t id, const std::string& rest = "") {
  return "/api/dual/registrations/" + std::to_string(id) + rest;
}
bool has(const std::vector<int64_t>& v, int64_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

TEST(Dual, BothSidesSeeTheRegistrationAThirdStreetDoesNot) {
  Fixture f;
  // The workplace side (street 2) registers its member with a community in street 1.
  f.t.login("jd2", "Street1234");
  auto r =
      f.t.call("POST", "/api/dual/registrations",
               bj::object{{"memberId", f.worker}, {"communityOrgId", f.community1}, {"registeredOn", "2024-03-01"}});
  ASSERT_EQ(r.status, 201) << r.raw;
  int64_t id = r.body.at("id").as_int64();
  EXPECT_TRUE(r.body.at("workplaceSide").as_bool());
  EXPECT_FALSE(r.body.at("communitySide").as_bool());
  EXPECT_EQ(r.body.at("communityOrgName").as_string(), "甲社区党支部");

  // A second current registration is refused.
  auto again =
      f.t.call("POST", "/api/dual/registrations", bj::object{{"memberId", f.worker}, {"communityOrgId", f.community2}});
  EXPECT_EQ(again.status, 409) << again.raw;
  EXPECT_EQ(again.body.at("field").as_string(), "memberId");

  // The workplace side cannot assign a post, record service or end (Forbidden: it sees the record).
  EXPECT_EQ(f.t.call("PUT", path(id), bj::object{{"post", "楼道长"}, {"version", 1}}).status, 403);
  EXPECT_EQ(f.t.call("POST", path(id, "/services"),
                     bj::object{{"servedOn", "2024-03-02"}, {"hours", 2}, {"description", "清理楼道"}})
                .status,
            403);
  EXPECT_EQ(f.t.call("POST", path(id, "/end"), bj::object{}).status, 403);
  auto wlist = f.t.call("GET", "/api/dual/registrations?side=workplace");
  ASSERT_EQ(wlist.status, 200);
  EXPECT_EQ(wlist.body.at("total").as_int64(), 1);
  EXPECT_EQ(f.t.call("GET", "/api/dual/registrations?side=community").body.at("total").as_int64(), 0);

  // The community side (street 1) sees it, assigns the post, records service.
  f.t.login("jd1", "Street1234");
  auto clist = f.t.call("GET", "/api/dual/registrations?side=community");
  ASSERT_EQ(clist.status, 200);
  ASSERT_EQ(clist.body.at("total").as_int64(), 1);
  EXPECT_TRUE(clist.body.at("items").at(0).at("communitySide").as_bool());
  EXPECT_EQ(f.t.call("GET", "/api/dual/registrations?side=workplace").body.at("total").as_int64(), 0);
  auto u = f.t.call("PUT", path(id), bj::object{{"post", "楼道长"}, {"note", "三号楼"}, {"version", 1}});
  ASSERT_EQ(u.status, 200) << u.raw;
  EXPECT_EQ(u.body.at("post").as_string(), "楼道长");
  EXPECT_EQ(f.t.call("PUT", path(id), bj::object{{"post", "楼道长"}, {"version", 1}}).status, 409);
  auto s = f.t.call("POST", path(id, "/services"),
                    bj::object{{"servedOn", "2024-03-02"}, {"hours", 2}, {"description", "清理楼道杂物"}});
  ASSERT_EQ(s.status, 201) << s.raw;
  EXPECT_EQ(s.body.at("serviceHours").as_int64(), 2);
  auto bad = f.t.call("POST", path(id, "/services"),
                      bj::object{{"servedOn", "2024-02-01"}, {"hours", 2}, {"description", "早于报到"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.at("field").as_string(), "servedOn");
  bad = f.t.call("POST", path(id, "/services"), bj::object{{"hours", 30}, {"description", "x"}});
  EXPECT_EQ(bad.body.at("field").as_string(), "hours");
  bad = f.t.call("POST", path(id, "/services"), bj::object{{"hours", 1}});
  EXPECT_EQ(bad.body.at("field").as_string(), "description");

  // The workplace side sees the post and the service log.
  f.t.login("jd2", "Street1234");
  auto d = f.t.call("GET", path(id));
  ASSERT_EQ(d.status, 200) << d.raw;
  EXPECT_EQ(d.body.at("post").as_string(), "楼道长");
  ASSERT_EQ(d.body.at("services").as_array().size(), 1u);
  EXPECT_EQ(d.body.at("services").at(0).at("description").as_string(), "清理楼道杂物");

  // A third street sees nothing and changes nothing.
  f.t.login("jd3", "Street1234");
  EXPECT_EQ(f.t.call("GET", path(id)).status, 404);
  EXPECT_EQ(f.t.call("GET", "/api/dual/registrations").body.at("total").as_int64(), 0);
  EXPECT_EQ(f.t.call("PUT", path(id), bj::object{{"post", "越权"}, {"version", 2}}).status, 404);
  EXPECT_EQ(f.t.call("POST", path(id, "/end"), bj::object{}).status, 404);
  EXPECT_EQ(f.t.call("POST", path(id, "/services"), bj::object{{"hours", 1}, {"description", "越权"}}).status, 404);
  auto reg = f.t.call("POST", "/api/dual/registrations",
                      bj::object{{"memberId", f.worker2}, {"communityOrgId", f.community1}});
  EXPECT_EQ(reg.status, 400);
  EXPECT_EQ(reg.body.at("field").as_string(), "memberId");
}

TEST(Dual, TheCommunitySideMayRegisterAMemberFromElsewhere) {
  Fixture f;
  f.t.login("jd1", "Street1234");
  // A member of another street's branch: only with the member's ID number (no browsing by id).
  auto bad = f.t.call("POST", "/api/dual/registrations",
                      bj::object{{"memberId", f.worker2}, {"communityOrgId", f.community1}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.at("field").as_string(), "idNumber");
  bad = f.t.call("POST", "/api/dual/registrations",
                 bj::object{{"memberId", f.worker2}, {"idNumber", testing::idNumber(21, "19810101")}, {"communityOrgId", f.community1}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.at("field").as_string(), "idNumber");
  auto r = f.t.call("POST", "/api/dual/registrations",
                    bj::object{{"idNumber", testing::idNumber(22, "19810101")}, {"communityOrgId", f.community1}, {"post", "文明劝导员"}});
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(r.body.at("memberId").as_int64(), f.worker2);
  // Not the community side: the ID number does not help.
  f.t.login("jd3", "Street1234");
  bad =
      f.t.call("POST", "/api/dual/registrations", bj::object{{"idNumber", testing::idNumber(21, "19810101")}, {"communityOrgId", f.community1}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.at("field").as_string(), "memberId");
  EXPECT_EQ(r.body.at("post").as_string(), "文明劝导员");
  // Not a community: refused, naming the field.
  f.t.login("admin", "Admin1234");
  bad = f.t.call("POST", "/api/dual/registrations", bj::object{{"memberId", f.worker}, {"communityOrgId", f.school2}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.at("field").as_string(), "communityOrgId");
  // Not in service: refused.
  bad = f.t.call("POST", "/api/dual/registrations",
                 bj::object{{"memberId", f.retiree}, {"communityOrgId", f.community1}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.at("field").as_string(), "memberId");
}

TEST(Dual, UnregisteredListAndEnding) {
  Fixture f;
  auto ids = f.unregisteredIds();
  EXPECT_TRUE(has(ids, f.worker));
  EXPECT_TRUE(has(ids, f.worker2));
  EXPECT_FALSE(has(ids, f.resident)) << "community branch members are not in-service";
  EXPECT_FALSE(has(ids, f.retiree)) << "retired branch members are not in-service";
  EXPECT_FALSE(has(ids, f.veteran)) << "six category veteran is not in-service";

  auto r =
      f.t.call("POST", "/api/dual/registrations",
               bj::object{{"memberId", f.worker}, {"communityOrgId", f.community1}, {"registeredOn", "2024-01-10"}});
  ASSERT_EQ(r.status, 201) << r.raw;
  int64_t id = r.body.at("id").as_int64();
  ids = f.unregisteredIds();
  EXPECT_FALSE(has(ids, f.worker)) << "registered";
  EXPECT_TRUE(has(ids, f.worker2));

  auto bad = f.t.call("POST", path(id, "/end"), bj::object{{"endedOn", "2024-01-01"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.at("field").as_string(), "endedOn");
  auto e = f.t.call("POST", path(id, "/end"), bj::object{{"endedOn", "2024-06-30"}});
  ASSERT_EQ(e.status, 200) << e.raw;
  EXPECT_FALSE(e.body.at("current").as_bool());
  EXPECT_EQ(f.t.call("POST", path(id, "/end"), bj::object{}).status, 409);
  EXPECT_TRUE(has(f.unregisteredIds(), f.worker)) << "ending puts the member back on the list";

  // The setting decides which branch types are not workplaces.
  ASSERT_EQ(f.t.call("PUT", "/api/settings/dual.non_workplace_branch_types", bj::object{{"value", "community，school"}})
                .status,
            200);
  ids = f.unregisteredIds();
  EXPECT_FALSE(has(ids, f.worker));
  EXPECT_TRUE(has(ids, f.retiree));

  // Every change was audited with the member's org path.
  auto c = f.t.db->acquire();
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM audit_log WHERE entity = 'community_registration'")->asInt(), 2);
}

}  // namespace
}  // namespace zg::dual
