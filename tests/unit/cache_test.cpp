// The exact in-process caches (platform/cache.h, migration 0018): the epoch map's rules, the
// triggers that move the epochs whoever writes, and the two caches built on them (resumed
// sessions, member-list pages) never answering from before a change.
#include <gtest/gtest.h>

#include "core/checks.h"
#include "platform/cache.h"
#include "testing.h"

namespace zg {
namespace {

namespace bj = boost::json;

TEST(EpochMap, ServesOnlyTheEpochAnEntryWasStoredUnder) {
  cache::EpochMap<int> m(3);
  m.put(7, "a", 1);
  EXPECT_EQ(m.get(7, "a"), 1);
  EXPECT_FALSE(m.get(8, "a")) << "a newer epoch misses";
  EXPECT_FALSE(m.get(7, "a")) << "and has dropped the older entries";
  m.put(8, "a", 2);
  m.put(7, "a", 3);  // a slow request still on the old epoch: stored under 7 only
  EXPECT_FALSE(m.get(8, "a"));
  m.put(8, "a", 2);
  m.put(8, "b", 2);
  m.put(8, "c", 2);
  m.put(8, "d", 2);  // full: emptied, then d
  EXPECT_EQ(m.size(), 1u);
  EXPECT_EQ(m.get(8, "d"), 2);
}

struct Fixture {
  testing::TestApp t;
  int64_t branch = 0, branch2 = 0;
  Fixture() {
    t.login("admin", "Admin1234");
    int64_t s = t.createOrg(1, "甲街道党工委", "street_committee");
    branch = t.createOrg(s, "一支部", "branch");
    branch2 = t.createOrg(s, "二支部", "branch");
  }
  // Renamed with SQL: the triggers do not care who writes.
  void renameOrg(int64_t id, const std::string& name) {
    auto c = t.db->acquire();
    c->exec("UPDATE orgs SET name = ? WHERE id = ?", {name, id});
  }
  cache::Epochs epochs() {
    auto c = t.db->acquire();
    return cache::read(*c);
  }
  testing::Reply addMember(const std::string& name, int seq) {
    return t.call("POST", "/api/members",
                  bj::object{{"name", name}, {"idNumber", testing::idNumber(seq)}, {"category", "full"},
                             {"orgId", branch}, {"joinedOn", "2005-07-01"}, {"fullOn", "2006-07-01"}});
  }
};

TEST(CacheEpochs, TriggersMoveThemInTheSameTransactionAsTheChange) {
  Fixture f;
  auto e0 = f.epochs();
  ASSERT_EQ(f.addMember("张三", 1).status, 201);
  auto e1 = f.epochs();
  EXPECT_GT(e1.members, e0.members);
  EXPECT_EQ(e1.auth, e0.auth) << "a member written does not end sessions";
  {
    auto c = f.t.db->acquire();
    store::Transaction tx(*c);
    c->exec("UPDATE members SET address = 'x'");
  }  // not committed: rolled back
  EXPECT_EQ(f.epochs().members, e1.members) << "a rolled back change leaves the epoch";
  f.renameOrg(f.branch, "第一支部");
  auto e2 = f.epochs();
  EXPECT_GT(e2.members, e1.members) << "organization names are on the member list";
  EXPECT_GT(e2.auth, e1.auth) << "a user's scope comes from its organization";
  {
    auto c = f.t.db->acquire();
    auth::logout(*c, std::string(64, 'a'));  // no such session: nothing deleted, nothing moved
  }
  EXPECT_EQ(f.epochs().auth, e2.auth);
}

TEST(CacheEpochs, MemberListNeverAnswersFromBeforeAChange) {
  Fixture f;
  auto m = f.addMember("张三", 1);
  ASSERT_EQ(m.status, 201) << m.raw;
  std::string list = "/api/members?orgId=" + std::to_string(f.branch) + "&sort=name&pageSize=50";
  auto names = [&] {
    std::vector<std::string> out;
    auto r = f.t.call("GET", list);
    for (auto& i : r.body.at("items").as_array())
      out.push_back(std::string(i.at("name").as_string()) + "@" + std::string(i.at("orgName").as_string()));
    return out;
  };
  EXPECT_EQ(names(), std::vector<std::string>{"张三@一支部"});
  EXPECT_EQ(names(), std::vector<std::string>{"张三@一支部"});  // from the cache
  std::string mid = std::to_string(m.body.at("id").as_int64());
  auto u = f.t.call("PUT", "/api/members/" + mid,
                    bj::object{{"name", "阿三"}, {"category", "full"}, {"joinedOn", "2005-07-01"},
                               {"fullOn", "2006-07-01"}, {"version", m.body.at("version")}});
  ASSERT_EQ(u.status, 200) << u.raw;
  EXPECT_EQ(names(), std::vector<std::string>{"阿三@一支部"}) << "a rename shows at once";
  ASSERT_EQ(f.addMember("白四", 2).status, 201);
  EXPECT_EQ(names(), (std::vector<std::string>{"阿三@一支部", "白四@一支部"})) << "in pinyin order, at once";
  f.renameOrg(f.branch, "第一支部");
  EXPECT_EQ(names(), (std::vector<std::string>{"阿三@第一支部", "白四@第一支部"})) << "an organization renamed";
  // A write that bypasses the module code (SQL, as an import or the demo loader does) too.
  {
    auto c = f.t.db->acquire();
    c->exec("UPDATE members SET active = 0 WHERE id = ?", {m.body.at("id").as_int64()});
  }
  EXPECT_EQ(names(), std::vector<std::string>{"白四@第一支部"});
}

TEST(CacheEpochs, EndedSessionIsRefusedAtOnce) {
  Fixture f;
  {
    auto c = f.t.db->acquire();
    store::Transaction tx(*c);
    auth::createUser(*c, auth::Actor::system(), "jd", "街道", auth::Role::Street, 1, "Street1234");
    tx.commit();
  }
  int64_t jd = 0;
  {
    auto c = f.t.db->acquire();
    jd = auth::findUserByName(*c, "jd")->id;
  }
  // Sign-out.
  f.t.login("jd", "Street1234");
  EXPECT_EQ(f.t.call("GET", "/api/auth/me").status, 200);
  EXPECT_EQ(f.t.call("GET", "/api/auth/me").status, 200);  // resumed from the cache
  EXPECT_EQ(f.t.call("POST", "/api/auth/logout", bj::object{}).status / 100, 2);
  EXPECT_EQ(f.t.call("GET", "/api/auth/me").status, 401);
  // Deactivation and a password reset by someone else (another connection, as another server).
  for (int round = 0; round < 2; ++round) {
    f.t.login("jd", "Street1234");
    EXPECT_EQ(f.t.call("GET", "/api/members").status, 200);
    EXPECT_EQ(f.t.call("GET", "/api/members").status, 200);
    {
      auto c = f.t.db->acquire();
      store::Transaction tx(*c);
      if (round == 0) auth::setActive(*c, auth::Actor::system(), jd, false);
      else auth::resetPassword(*c, auth::Actor::system(), jd, "Street5678");
      tx.commit();
    }
    EXPECT_EQ(f.t.call("GET", "/api/members").status, 401) << "round " << round;
    if (round == 0) {
      auto c = f.t.db->acquire();
      store::Transaction tx(*c);
      auth::setActive(*c, auth::Actor::system(), jd, true);
      tx.commit();
    }
  }
}

}  // namespace
}  // namespace zg
