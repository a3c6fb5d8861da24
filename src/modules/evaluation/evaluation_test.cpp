// Democratic evaluation 民主评议 against a real SQLite database through the real router: opening
// with the members placed on the day, one campaign per branch and year, the 好 share limit, the
// 差 follow-up (helper, talk), closing only when complete, the roll-up, the figure, the member's
// task, and another street seeing nothing.
#include "modules/evaluation/evaluation.h"

#include <gtest/gtest.h>

#include "../../../tests/unit/testing.h"
#include "core/checks.h"
#include "platform/figures.h"

namespace zg::evaluation {
namespace {

namespace bj = boost::json;

struct Fixture {
  testing::TestApp t;
  int64_t street1 = 0, street2 = 0, branch1 = 0, branch2 = 0, branch1b = 0;
  std::vector<int64_t> members1;  // 5 members of branch1
  int64_t streetCadre = 0, other = 0;

  int64_t member(int64_t orgId, int seq) {
    bj::object b{{"name", "评议" + std::to_string(seq)},
                 {"idNumber", testing::idNumber(seq, "19800101")},
                 {"category", "full"},
                 {"orgId", orgId},
                 {"joinedOn", "2005-07-01"},
                 {"fullOn", "2006-07-01"}};
    auto r = t.call("POST", "/api/members", b);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.at("id").as_int64();
  }

  Fixture() {
    t.login("admin", "Admin1234");
    street1 = t.createOrg(1, "甲街道党工委", "street_committee");
    street2 = t.createOrg(1, "乙街道党工委", "street_committee");
    branch1 = t.createOrg(street1, "甲社区党支部", "branch", "community");
    branch1b = t.createOrg(street1, "甲小学党支部", "branch", "school");
    branch2 = t.createOrg(street2, "乙社区党支部", "branch", "community");
    for (int i = 0; i < 5; ++i) members1.push_back(member(branch1, 31 + i));
    other = member(branch1b, 40);
    member(branch2, 41);
    auto c = t.db->acquire();
    store::Transaction tx(*c);
    auth::createUser(*c, auth::Actor::system(), "jd1", "甲街道", auth::Role::Street, street1, "Street1234");
    auth::createUser(*c, auth::Actor::system(), "jd2", "乙街道", auth::Role::Street, street2, "Street1234");
    auth::createUser(*c, auth::Actor::system(), "dy1", "党员一", auth::Role::Member, branch1, "Member1234",
                     members1[0]);
    tx.commit();
  }

  void share(int pct) {
    t.login("admin", "Admin1234");
    auto r = t.call("PUT", "/api/settings/evaluation.max_good_share", bj::object{{"value", pct}});
    ASSERT_EQ(r.status, 200) << r.raw;
  }
  testing::Reply openCampaign(int64_t org, int year = today().year) {
    return t.call("POST", "/api/evaluation/campaigns", bj::object{{"orgId", org}, {"year", year}});
  }
  bj::object entryOf(const testing::Reply& campaign, int64_t memberId) {
    for (auto& e : campaign.body.at("entries").as_array())
      if (e.at("memberId").as_int64() == memberId) return e.as_object();
    ADD_FAILURE() << "no entry for " << memberId;
    return {};
  }
  testing::Reply put(const bj::object& entry, bj::object changes) {
    bj::object b = entry;
    for (auto& [k, v] : changes) b[k] = v;
    return t.call("PUT", "/api/evaluation/entries/" + std::to_string(entry.at("id").as_int64()), b);
  }
  int64_t count(const std::string& sql) { return t.db->acquire()->scalar(sql)->asInt(); }
  testing::Reply campaign(int64_t id) { return t.call("GET", "/api/evaluation/campaigns/" + std::to_string(id)); }
};

TEST(Evaluation, MaxGoodIsTheFloorOfTheShare) {
  EXPECT_EQ(maxGood(5, 0), 5);
  EXPECT_EQ(maxGood(5, 40), 2);
  EXPECT_EQ(maxGood(7, 30), 2);
  EXPECT_EQ(maxGood(10, 30), 3);
  EXPECT_EQ(maxGood(3, 20), 0);
  EXPECT_EQ(maxGood(10, 100), 10);
  EXPECT_EQ(*gradeLabel("good"), "好");
  EXPECT_EQ(*gradeLabel("poor"), "差");
  EXPECT_FALSE(gradeLabel("excellent"));
}

TEST(Evaluation, OpensWithTheBranchMembersOncePerYear) {
  Fixture f;
  f.t.login("jd1", "Street1234");
  auto r = f.openCampaign(f.branch1);
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(r.body.at("state").as_string(), "open");
  EXPECT_EQ(r.body.at("members").as_int64(), 5);
  EXPECT_EQ(r.body.at("entries").as_array().size(), 5u);
  EXPECT_EQ(r.body.at("items").as_array().size(), 5u);
  EXPECT_EQ(r.body.at("items").at(0).as_string(), "政治表现");
  // The planned end defaults to 30 days (setting) after the opening.
  EXPECT_EQ(r.body.at("closesOn").as_string(), addDays(today(), 30).iso());

  auto again = f.openCampaign(f.branch1);
  EXPECT_EQ(again.status, 409) << again.raw;
  EXPECT_EQ(again.body.at("field").as_string(), "year");
  // Not a branch, another street's branch, a future year, an opening date outside the year.
  EXPECT_EQ(f.openCampaign(f.street1).body.at("field").as_string(), "orgId");
  auto foreign = f.openCampaign(f.branch2);
  EXPECT_EQ(foreign.status, 400);
  EXPECT_EQ(foreign.body.at("field").as_string(), "orgId");
  EXPECT_EQ(f.openCampaign(f.branch1b, today().year + 1).body.at("field").as_string(), "year");
  auto early = f.t.call("POST", "/api/evaluation/campaigns",
                        bj::object{{"orgId", f.branch1b}, {"year", today().year - 3}, {"openedOn", today().iso()}});
  EXPECT_EQ(early.body.at("field").as_string(), "openedOn");
  // Audited.
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM audit_log WHERE entity = 'evaluation_campaign'"), 1);

  // Street 2 sees nothing of it.
  f.t.login("jd2", "Street1234");
  EXPECT_EQ(f.campaign(r.body.at("id").as_int64()).status, 404);
  EXPECT_EQ(f.t.call("GET", "/api/evaluation/campaigns").body.at("total").as_int64(), 0);
  auto e = f.entryOf(r, f.members1[0]);
  auto w = f.put(e, {{"grade", "good"}});
  EXPECT_EQ(w.status, 404) << w.raw;
}

TEST(Evaluation, GoodShareLimitIsEnforcedWithAClearMessage) {
  Fixture f;
  f.share(40);  // 5 members → at most 2 好
  f.t.login("jd1", "Street1234");
  auto k = f.openCampaign(f.branch1);
  ASSERT_EQ(k.status, 201) << k.raw;
  EXPECT_EQ(k.body.at("maxGood").as_int64(), 2);
  for (int i = 0; i < 2; ++i) {
    auto r = f.put(f.entryOf(k, f.members1[i]), {{"grade", "good"}});
    ASSERT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(r.body.at("gradeLabel").as_string(), "好");
  }
  auto over = f.put(f.entryOf(k, f.members1[2]), {{"grade", "good"}});
  EXPECT_EQ(over.status, 400) << over.raw;
  EXPECT_EQ(over.body.at("field").as_string(), "grade");
  EXPECT_NE(over.body.at("message").as_string().find("40%"), std::string::npos) << over.raw;
  EXPECT_NE(over.body.at("message").as_string().find("最多2人"), std::string::npos) << over.raw;
  // Re-saving one of the two 好 entries is not "over" (it does not count itself twice).
  auto again = f.campaign(k.body.at("id").as_int64());
  auto same = f.put(f.entryOf(again, f.members1[0]), {{"target", "争当先锋"}});
  EXPECT_EQ(same.status, 200) << same.raw;
  // 中 is not limited.
  EXPECT_EQ(f.put(f.entryOf(again, f.members1[2]), {{"grade", "fair"}}).status, 200);
  // With the limit off (0) a third 好 is allowed.
  f.share(0);
  f.t.login("jd1", "Street1234");
  again = f.campaign(k.body.at("id").as_int64());
  EXPECT_EQ(f.put(f.entryOf(again, f.members1[3]), {{"grade", "good"}}).status, 200);
  // A limit lowered afterwards stops the close.
  f.share(20);
  f.t.login("jd1", "Street1234");
  again = f.campaign(k.body.at("id").as_int64());
  EXPECT_EQ(f.put(f.entryOf(again, f.members1[4]), {{"grade", "fair"}}).status, 200);
  auto close = f.t.call("POST", "/api/evaluation/campaigns/" + std::to_string(k.body.at("id").as_int64()) + "/close",
                        bj::object{});
  EXPECT_EQ(close.status, 400) << close.raw;
  EXPECT_NE(close.body.at("message").as_string().find("超过上限1人"), std::string::npos) << close.raw;
}

TEST(Evaluation, PoorNeedsHelperAndTalkBeforeClosing) {
  Fixture f;
  f.t.login("jd1", "Street1234");
  auto k = f.openCampaign(f.branch1);
  ASSERT_EQ(k.status, 201) << k.raw;
  int64_t id = k.body.at("id").as_int64();
  std::string closePath = "/api/evaluation/campaigns/" + std::to_string(id) + "/close";

  // Nothing graded: the message lists the ungraded members.
  auto r = f.t.call("POST", closePath, bj::object{});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.at("field").as_string(), "closedOn");
  EXPECT_NE(r.body.at("message").as_string().find("未评定等次：评议31"), std::string::npos) << r.raw;

  // Ratings: checked against the campaign's items and the four levels.
  auto e0 = f.entryOf(k, f.members1[0]);
  auto bad = f.put(e0, {{"ratings", bj::object{{"peer", bj::object{{"唱歌", bj::array{1, 2, 3, 4}}}}}}});
  EXPECT_EQ(bad.body.at("field").as_string(), "ratings");
  bad = f.put(e0, {{"ratings", bj::object{{"peer", bj::object{{"政治表现", bj::array{1, 2}}}}}}});
  EXPECT_EQ(bad.body.at("field").as_string(), "ratings");
  auto rated = f.put(e0, {{"ratings", bj::object{{"peer", bj::object{{"政治表现", bj::array{6, 2, 1, 1}}}},
                                                  {"masses", bj::object{{"群众评价", bj::array{5, 3, 2, 0}}}}}},
                          {"selfAssessment", "理论学习不够系统"},
                          {"grade", "poor"}});
  ASSERT_EQ(rated.status, 200) << rated.raw;
  EXPECT_DOUBLE_EQ(rated.body.at("goodRate").as_double(), 80.0);  // (6+2+5+3)/20

  for (size_t i = 1; i < f.members1.size(); ++i) ASSERT_EQ(f.put(f.entryOf(k, f.members1[i]), {{"grade", "fair"}}).status, 200);
  r = f.t.call("POST", closePath, bj::object{});
  EXPECT_EQ(r.status, 400);
  std::string msg(r.body.at("message").as_string());
  EXPECT_NE(msg.find("未确定帮扶人：评议31"), std::string::npos) << msg;
  EXPECT_NE(msg.find("未记录谈话：评议31"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("未评定等次"), std::string::npos) << msg;

  auto poor = rated.body.as_object();
  // The helper: not oneself, not from another branch, with a committee post.
  EXPECT_EQ(f.put(poor, {{"helperMemberId", f.members1[0]}, {"helperRole", "支部委员"}}).body.at("field").as_string(),
            "helperMemberId");
  EXPECT_EQ(f.put(poor, {{"helperMemberId", f.other}, {"helperRole", "支部委员"}}).body.at("field").as_string(),
            "helperMemberId");
  EXPECT_EQ(f.put(poor, {{"helperMemberId", f.members1[1]}}).body.at("field").as_string(), "helperRole");
  EXPECT_EQ(f.put(poor, {{"helperMemberId", f.members1[1]}, {"helperRole", "组长"}}).body.at("field").as_string(),
            "helperRole");
  EXPECT_EQ(f.put(poor, {{"talkContent", "谈话"}}).body.at("field").as_string(), "talkOn");
  EXPECT_EQ(f.put(poor, {{"talkOn", addDays(today(), 1).iso()}, {"talkContent", "x"}}).body.at("field").as_string(),
            "talkOn");
  auto done = f.put(poor, {{"helperMemberId", f.members1[1]},
                           {"helperRole", "支部委员"},
                           {"talkOn", today().iso()},
                           {"talkBy", "街道党工委副书记"},
                           {"talkContent", "指出问题，明确三个月整改期限"},
                           {"target", "三个月内按时参加组织生活"}});
  ASSERT_EQ(done.status, 200) << done.raw;
  EXPECT_EQ(done.body.at("helperName").as_string(), "评议32");

  r = f.t.call("POST", closePath, bj::object{{"closedOn", today().iso()}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("state").as_string(), "closed");
  EXPECT_EQ(r.body.at("poor").as_int64(), 1);
  EXPECT_EQ(r.body.at("fair").as_int64(), 4);
  // Closed: no more changes; a second close is refused.
  auto after = f.campaign(id);
  EXPECT_EQ(f.put(f.entryOf(after, f.members1[2]), {{"grade", "good"}}).status, 409);
  EXPECT_EQ(f.t.call("POST", closePath, bj::object{}).status, 409);
  // Every successful save audited (1 rated + 4 graded + the follow-up), the refused ones not.
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM audit_log WHERE entity = 'evaluation_entry'"), 6);
}

TEST(Evaluation, LeavingPoorClearsTheFollowUpAndLaterMembersAreNotIn) {
  Fixture f;
  f.t.login("jd1", "Street1234");
  auto k = f.openCampaign(f.branch1);
  ASSERT_EQ(k.status, 201);
  auto e = f.put(f.entryOf(k, f.members1[1]), {{"grade", "poor"},
                                                {"helperMemberId", f.members1[0]},
                                                {"helperRole", "支部书记"},
                                                {"talkOn", today().iso()},
                                                {"talkContent", "谈心谈话"}});
  ASSERT_EQ(e.status, 200) << e.raw;
  // The poor member cannot be the helper of another poor member.
  auto other = f.put(f.entryOf(k, f.members1[2]), {{"grade", "poor"}, {"helperMemberId", f.members1[1]}, {"helperRole", "支部委员"}});
  EXPECT_EQ(other.body.at("field").as_string(), "helperMemberId") << other.raw;
  auto fair = f.put(e.body.as_object(), {{"grade", "fair"}});
  ASSERT_EQ(fair.status, 200) << fair.raw;
  EXPECT_TRUE(fair.body.at("helperMemberId").is_null());
  EXPECT_TRUE(fair.body.at("talkOn").is_null());
  EXPECT_TRUE(fair.body.at("talkContent").is_null());
  // A member placed in the branch after the opening is not in this campaign.
  f.t.login("admin", "Admin1234");
  int64_t late = f.member(f.branch1, 45);
  f.t.login("jd1", "Street1234");
  auto again = f.campaign(k.body.at("id").as_int64());
  EXPECT_EQ(again.body.at("members").as_int64(), 5);
  for (auto& x : again.body.at("entries").as_array()) EXPECT_NE(x.at("memberId").as_int64(), late);
}

TEST(Evaluation, RollupFigureAndMemberTask) {
  Fixture f;
  f.t.login("jd1", "Street1234");
  auto k = f.openCampaign(f.branch1);
  ASSERT_EQ(k.status, 201);
  auto k2 = f.openCampaign(f.branch1b);
  ASSERT_EQ(k2.status, 201);
  f.put(f.entryOf(k, f.members1[0]), {{"grade", "good"}});
  f.put(f.entryOf(k, f.members1[1]), {{"grade", "fair"}});
  f.put(f.entryOf(k2, f.other), {{"grade", "fair"}});

  // The roll-up of street 1: its two branches, each a row.
  auto r = f.t.call("GET", "/api/evaluation/rollup?year=" + std::to_string(today().year) +
                               "&orgId=" + std::to_string(f.street1));
  ASSERT_EQ(r.status, 200) << r.raw;
  auto& total = r.body.at("total").as_object();
  EXPECT_EQ(total.at("members").as_int64(), 6);
  EXPECT_EQ(total.at("good").as_int64(), 1);
  EXPECT_EQ(total.at("fair").as_int64(), 2);
  EXPECT_EQ(total.at("ungraded").as_int64(), 3);
  EXPECT_EQ(total.at("campaigns").as_int64(), 2);
  EXPECT_EQ(total.at("branches").as_int64(), 2);
  EXPECT_EQ(r.body.at("rows").as_array().size(), 2u);
  // Another street's roll-up is refused naming orgId.
  auto foreign = f.t.call("GET", "/api/evaluation/rollup?orgId=" + std::to_string(f.street2));
  EXPECT_EQ(foreign.status, 400);
  EXPECT_EQ(foreign.body.at("field").as_string(), "orgId");

  // The figure: counts and records agree.
  auto fig = figures::find("evaluation.grades");
  auto c = f.t.db->acquire();
  figures::Query q;
  q.orgId = f.street1;
  q.orgPath = "/1/" + std::to_string(f.street1) + "/";
  q.scope = Scope(q.orgPath);
  q.from = Date{today().year, 1, 1};
  q.to = Date{today().year + 1, 1, 1};
  std::map<std::string, int64_t> cells;
  for (auto& cell : fig.cells(*c, q)) {
    cells[cell.key] = cell.count;
    auto rec = fig.records(*c, q, cell.key, 0, -1);
    EXPECT_EQ(rec.total, cell.count) << cell.key;
    EXPECT_EQ(static_cast<int64_t>(rec.rows.size()), cell.count) << cell.key;
  }
  EXPECT_EQ(cells["good"], 1);
  EXPECT_EQ(cells["fair"], 2);
  EXPECT_EQ(cells["poor"], 0);
  EXPECT_EQ(cells["ungraded"], 3);
  q.from = Date{today().year - 2, 1, 1};
  q.to = Date{today().year, 1, 1};
  for (auto& cell : fig.cells(*c, q)) EXPECT_EQ(cell.count, 0) << cell.key;

  // The member's task while the campaign is open; gone once the branch records the self-assessment and target.
  f.t.login("dy1", "Member1234");
  auto me = f.t.call("GET", "/api/me");
  ASSERT_EQ(me.status, 200) << me.raw;
  int tasks = 0;
  for (auto& t : me.body.at("tasks").as_array())
    if (t.at("kind").as_string() == "evaluation") ++tasks;
  EXPECT_EQ(tasks, 2);
  // The member cannot write their own entry.
  auto self = f.put(f.entryOf(k, f.members1[0]), {{"selfAssessment", "自己写"}});
  EXPECT_EQ(self.status, 403) << self.raw;
  f.t.login("jd1", "Street1234");
  auto fresh = f.campaign(k.body.at("id").as_int64());
  ASSERT_EQ(f.put(f.entryOf(fresh, f.members1[0]), {{"selfAssessment", "书面剖析材料"}, {"target", "争当先锋岗"}}).status,
            200);
  f.t.login("dy1", "Member1234");
  me = f.t.call("GET", "/api/me");
  for (auto& t : me.body.at("tasks").as_array()) EXPECT_NE(t.at("kind").as_string(), "evaluation");
}

}  // namespace
}  // namespace zg::evaluation
