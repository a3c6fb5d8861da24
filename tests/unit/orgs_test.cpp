#include <gtest/gtest.h>

#include "core/checks.h"
#include "testing.h"

namespace zg {
namespace {

namespace bj = boost::json;

int64_t create(testing::TestApp& t, int64_t parent, const std::string& name, const std::string& kind) {
  return t.createOrg(parent, name, kind);
}

int64_t addMember(testing::TestApp& t, int64_t org, int seq, const std::string& category = "full") {
  bj::object m{{"name", "党员" + std::to_string(seq)}, {"idNumber", testing::idNumber(seq)}, {"category", category},
               {"orgId", org}, {"joinedOn", "2005-07-01"}};
  if (category == "full") m["fullOn"] = "2006-07-01";
  auto r = t.call("POST", "/api/members", m);
  EXPECT_EQ(r.status, 201) << r.raw;
  return r.body.at("id").as_int64();
}

bool hasWarning(const bj::value& node, const std::string& code) {
  for (auto& w : node.at("warnings").as_array())
    if (w.at("code").as_string() == code) return true;
  return false;
}

TEST(Orgs, SizeRulesShowAsWarningsAndFollowSettings) {
  testing::TestApp t;
  t.login("admin", "Admin1234");
  int64_t street = create(t, 1, "甲街道党工委", "street_committee");
  int64_t community = create(t, street, "甲社区党委", "committee");
  int64_t branch = create(t, community, "第一党支部", "branch");
  addMember(t, branch, 1);
  addMember(t, branch, 2);
  auto node = t.call("GET", "/api/orgs/" + std::to_string(branch)).body;
  EXPECT_TRUE(hasWarning(node, "branch_too_small"));  // 2 full members < 3
  addMember(t, branch, 3, "probationary");
  EXPECT_TRUE(hasWarning(t.call("GET", "/api/orgs/" + std::to_string(branch)).body, "branch_too_small"))
      << "a probationary member does not count toward the three full members";
  addMember(t, branch, 4);
  node = t.call("GET", "/api/orgs/" + std::to_string(branch)).body;
  EXPECT_FALSE(hasWarning(node, "branch_too_small"));
  EXPECT_EQ(node.at("counts").at("directMembers").as_int64(), 4);
  EXPECT_EQ(node.at("counts").at("directFull").as_int64(), 3);

  // The rule is a setting: raise the minimum and the warning comes back.
  ASSERT_EQ(t.call("PUT", "/api/settings/org.branch_min_full_members", bj::object{{"value", 5}}).status, 200);
  EXPECT_TRUE(hasWarning(t.call("GET", "/api/orgs/" + std::to_string(branch)).body, "branch_too_small"));
  auto bad = t.call("PUT", "/api/settings/org.branch_min_full_members", bj::object{{"value", "很多"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.at("field").as_string(), "value");

  // Seven full members with no committee → committee_needed; a committee of 9 is over the limit.
  for (int i = 5; i <= 8; ++i) addMember(t, branch, i);
  node = t.call("GET", "/api/orgs/" + std::to_string(branch)).body;
  EXPECT_TRUE(hasWarning(node, "committee_needed"));
  auto upd = t.call("PUT", "/api/orgs/" + std::to_string(branch),
                    bj::object{{"name", "第一党支部"}, {"kind", "branch"}, {"committeeSize", 9}, {"version", node.at("version")}});
  ASSERT_EQ(upd.status, 200) << upd.raw;
  EXPECT_TRUE(hasWarning(upd.body, "committee_size"));
  EXPECT_FALSE(hasWarning(upd.body, "committee_needed"));
}

TEST(Orgs, JointBranchUnitLimit) {
  testing::TestApp t;
  t.login("admin", "Admin1234");
  int64_t street = create(t, 1, "甲街道党工委", "street_committee");
  auto r = t.call("POST", "/api/orgs", bj::object{{"parentId", street}, {"name", "商户联合党支部"}, {"kind", "joint_branch"}, {"unitCount", 6}});
  ASSERT_EQ(r.status, 201);
  EXPECT_TRUE(hasWarning(r.body, "joint_too_many_units"));
}

TEST(Orgs, MoveKeepsCountsAndDatedHistory) {
  testing::TestApp t;
  t.login("admin", "Admin1234");
  int64_t s1 = create(t, 1, "甲街道党工委", "street_committee");
  int64_t s2 = create(t, 1, "乙街道党工委", "street_committee");
  int64_t comm = create(t, s1, "甲社区党委", "committee");
  int64_t branch = create(t, comm, "第一党支部", "branch");
  for (int i = 1; i <= 4; ++i) addMember(t, branch, i);
  EXPECT_EQ(t.call("GET", "/api/orgs/" + std::to_string(s1)).body.at("counts").at("members").as_int64(), 4);

  auto mv = t.call("POST", "/api/orgs/" + std::to_string(comm) + "/move", bj::object{{"parentId", s2}, {"effectiveOn", "2020-06-01"}});
  ASSERT_EQ(mv.status, 200) << mv.raw;
  EXPECT_EQ(t.call("GET", "/api/orgs/" + std::to_string(s1)).body.at("counts").at("members").as_int64(), 0);
  EXPECT_EQ(t.call("GET", "/api/orgs/" + std::to_string(s2)).body.at("counts").at("members").as_int64(), 4);
  auto detail = t.call("GET", "/api/orgs/" + std::to_string(comm)).body;
  auto hist = detail.at("history").as_array();
  ASSERT_EQ(hist.size(), 2u);
  EXPECT_EQ(hist[0].at("parentId").as_int64(), s1);
  EXPECT_EQ(hist[0].at("toDate").as_string(), "2020-06-01");
  EXPECT_EQ(hist[1].at("parentId").as_int64(), s2);
  // Members' scope paths followed: a street-2 user now sees them.
  auto c = t.db->acquire();
  auto paths = c->query("SELECT DISTINCT org_path FROM members");
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths.front().text(0), "/1/" + std::to_string(s2) + "/" + std::to_string(comm) + "/" + std::to_string(branch) + "/");
  // A node cannot move under its own subtree.
  auto loop = t.call("POST", "/api/orgs/" + std::to_string(comm) + "/move", bj::object{{"parentId", branch}});
  EXPECT_EQ(loop.status, 400);
  EXPECT_EQ(loop.body.at("field").as_string(), "parentId");
}

TEST(Orgs, MergeAndSplitAnswerPastPlacements) {
  testing::TestApp t;
  t.login("admin", "Admin1234");
  int64_t s1 = create(t, 1, "甲街道党工委", "street_committee");
  int64_t comm = create(t, s1, "甲社区党委", "committee");
  int64_t a = create(t, comm, "第一党支部", "branch");
  int64_t b = create(t, comm, "第二党支部", "branch");
  std::vector<int64_t> aMembers;
  for (int i = 1; i <= 3; ++i) aMembers.push_back(addMember(t, a, i));
  for (int i = 4; i <= 6; ++i) addMember(t, b, i);

  auto m = t.call("POST", "/api/orgs/" + std::to_string(a) + "/merge", bj::object{{"intoId", b}, {"effectiveOn", "2015-03-01"}});
  ASSERT_EQ(m.status, 200) << m.raw;
  EXPECT_EQ(m.body.at("counts").at("directMembers").as_int64(), 6);
  // Who was in branch A on 2014-12-31? The three who were placed there.
  auto past = t.call("GET", "/api/orgs/" + std::to_string(a) + "/members-on?date=2014-12-31").body.at("items").as_array();
  EXPECT_EQ(past.size(), 3u);
  auto after = t.call("GET", "/api/orgs/" + std::to_string(a) + "/members-on?date=2015-03-01").body.at("items").as_array();
  EXPECT_EQ(after.size(), 0u);
  auto merged = t.call("GET", "/api/orgs/" + std::to_string(a)).body;
  EXPECT_EQ(merged.at("dissolvedOn").as_string(), "2015-03-01");
  EXPECT_EQ(merged.at("mergedInto").as_int64(), b);
  // A dissolved org takes no more changes.
  EXPECT_EQ(t.call("POST", "/api/orgs/" + std::to_string(a) + "/dissolve", bj::object{}).status, 409);

  auto sp = t.call("POST", "/api/orgs/" + std::to_string(b) + "/split",
                   bj::object{{"effectiveOn", "2016-01-01"},
                              {"parts", bj::array{bj::object{{"name", "第三党支部"}, {"memberIds", bj::array{aMembers[0], aMembers[1]}}}}}});
  ASSERT_EQ(sp.status, 201) << sp.raw;
  int64_t c3 = sp.body.at("parts").as_array()[0].at("id").as_int64();
  EXPECT_EQ(t.call("GET", "/api/orgs/" + std::to_string(c3)).body.at("counts").at("directMembers").as_int64(), 2);
  EXPECT_EQ(t.call("GET", "/api/orgs/" + std::to_string(b)).body.at("counts").at("directMembers").as_int64(), 4);
  EXPECT_EQ(t.call("GET", "/api/orgs/" + std::to_string(b) + "/members-on?date=2015-06-01").body.at("items").as_array().size(), 6u);
  // Every member has exactly one open placement.
  auto c = t.db->acquire();
  EXPECT_EQ(c->query("SELECT COUNT(*) FROM (SELECT member_id FROM member_placements WHERE to_date IS NULL GROUP BY member_id HAVING COUNT(*) <> 1) x")
                .front().i64(0), 0);
  // Dissolving needs an empty org.
  EXPECT_EQ(t.call("POST", "/api/orgs/" + std::to_string(c3) + "/dissolve", bj::object{}).status, 409);
}

TEST(Orgs, StreetUserSeesAndChangesOnlyItsSubtree) {
  testing::TestApp t;
  t.login("admin", "Admin1234");
  int64_t s1 = create(t, 1, "甲街道党工委", "street_committee");
  int64_t s2 = create(t, 1, "乙街道党工委", "street_committee");
  int64_t b2 = create(t, create(t, s2, "乙社区党委", "committee"), "乙一支部", "branch");
  int64_t m2 = addMember(t, b2, 9);
  {
    auto c = t.db->acquire();
    store::Transaction tx(*c);
    auth::createUser(*c, auth::Actor::system(), "jd1", "甲街道", auth::Role::Street, s1, "Street1234");
    tx.commit();
  }
  t.login("jd1", "Street1234");
  EXPECT_EQ(t.call("GET", "/api/orgs/" + std::to_string(s2)).status, 404);
  EXPECT_EQ(t.call("GET", "/api/orgs/" + std::to_string(b2) + "/children").status, 404);
  EXPECT_EQ(t.call("GET", "/api/members/" + std::to_string(m2)).status, 404);
  auto roots = t.call("GET", "/api/orgs/roots").body.as_array();
  ASSERT_EQ(roots.size(), 1u);
  EXPECT_EQ(roots[0].at("id").as_int64(), s1);
  EXPECT_EQ(t.call("GET", "/api/orgs/search?q=乙").body.as_array().size(), 0u);
  auto create2 = t.call("POST", "/api/orgs", bj::object{{"parentId", s2}, {"name", "侵入支部"}, {"kind", "branch"}});
  EXPECT_EQ(create2.status, 400);
  EXPECT_EQ(create2.body.at("field").as_string(), "parentId");
  EXPECT_EQ(t.call("POST", "/api/orgs/" + std::to_string(b2) + "/dissolve", bj::object{}).status, 404);
  EXPECT_EQ(t.call("GET", "/api/audit").status, 403);
  t.login("admin", "Admin1234");
  EXPECT_EQ(t.call("GET", "/api/orgs/" + std::to_string(b2)).body.at("dissolvedOn").is_null(), true);
}

}  // namespace
}  // namespace zg

namespace zg {
namespace {

// Export, then import into an empty district: the same tree comes back, even where two
// parents share a name (the export writes "grandparent/parent" for those).
TEST(Orgs, ExportReimportsToTheSamePlaces) {
  namespace bj = boost::json;
  testing::TestApp a;
  a.login("admin", "Admin1234");
  auto mk = [&](int64_t parent, const std::string& name, const std::string& kind) {
    auto r = a.call("POST", "/api/orgs", bj::object{{"parentId", parent}, {"name", name}, {"kind", kind}, {"foundedOn", "2012-05-01"}});
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.at("id").as_int64();
  };
  int64_t s1 = mk(1, "甲街道党工委", "street_committee");
  int64_t s2 = mk(1, "乙街道党工委", "street_committee");
  int64_t c1 = mk(s1, "新村社区党委", "committee");
  int64_t c2 = mk(s2, "新村社区党委", "committee");  // same name under another street
  mk(c1, "第一党支部", "branch");
  mk(c2, "第二党支部", "branch");
  std::string xlsx;
  {
    auto c = a.db->acquire();
    xlsx = orgs::exportXlsx(*c, Scope::all());
  }
  testing::TestApp b;
  auth::Context ctx;
  ctx.user.id = 0;
  ctx.user.displayName = "测试";
  ctx.user.orgPath = "/1/";
  ctx.scope = Scope("/1/");
  // Drop the root row (it exists in every district) by importing everything below it.
  auto out = importer::run(*b.db, ctx, orgs::importSpec(), xlsx, importer::Mode::KeepGood);
  EXPECT_EQ(out.good, 6) << (out.errors.empty() ? "" : out.errors[0].message);
  auto c = b.db->acquire();
  auto r = c->query("SELECT b.name, cm.name, st.name FROM orgs b JOIN orgs cm ON cm.id = b.parent_id "
                    "JOIN orgs st ON st.id = cm.parent_id WHERE b.kind = 'branch' ORDER BY b.name");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r.row(0).text(2), "甲街道党工委");
  EXPECT_EQ(r.row(1).text(2), "乙街道党工委");
}

}  // namespace
}  // namespace zg
