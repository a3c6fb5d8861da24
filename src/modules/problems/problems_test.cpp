// Residents' problems 民情 against a real SQLite database through the real router: the life-cycle
// from the hotline to the resident's satisfaction, routing to the household's contact member,
// escalation by hand (and out of a street's sight), the overdue sweep moving an item up exactly one
// level, the human check, the public status (number + secret only), the cards PDF, the figure.
#include "modules/problems/problems.h"

#include <gtest/gtest.h>

#include "../../../tests/unit/testing.h"
#include "platform/figures.h"
#include "platform/settings.h"
#include "platform/time.h"

namespace zg::problems {
namespace {

namespace bj = boost::json;

struct Fixture {
  testing::TestApp t;
  int64_t street1 = 0, street2 = 0, community1 = 0, community2 = 0, m1 = 0, area = 0, group = 0, hh = 0;
  crypto::FieldCipher cipher{std::string(32, 'k')};
  Fixture() {
    t.login("admin", "Admin1234");
    street1 = t.createOrg(1, "甲街道党工委", "street_committee");
    street2 = t.createOrg(1, "乙街道党工委", "street_committee");
    community1 = t.createOrg(street1, "甲社区党支部", "branch", "community");
    community2 = t.createOrg(street2, "乙社区党支部", "branch", "community");
    auto r = t.call("POST", "/api/members",
                    bj::object{{"name", "联户甲"}, {"idNumber", testing::idNumber(41, "19750101")}, {"category", "full"},
                               {"orgId", community2}, {"joinedOn", "2005-07-01"}, {"fullOn", "2006-07-01"},
                               {"phone", "13900001234"}});
    EXPECT_EQ(r.status, 201) << r.raw;
    m1 = r.body.at("id").as_int64();
    area = t.call("POST", "/api/grid/areas", bj::object{{"orgId", community2}, {"name", "一片"}}).body.at("id").as_int64();
    group = t.call("POST", "/api/grid/groups", bj::object{{"areaId", area}, {"name", "1组"}}).body.at("id").as_int64();
    r = t.call("POST", "/api/grid/households",
               bj::object{{"groupId", group}, {"building", "3"}, {"unit", "1"}, {"room", "101"}, {"headName", "王大妈"}});
    EXPECT_EQ(r.status, 201) << r.raw;
    hh = r.body.at("id").as_int64();
    r = t.call("POST", "/api/grid/assign", bj::object{{"householdIds", bj::array{hh}}, {"memberId", m1}});
    EXPECT_EQ(r.status, 200) << r.raw;
    auto c = t.db->acquire();
    store::Transaction tx(*c);
    auth::createUser(*c, auth::Actor::system(), "jd1", "甲街道", auth::Role::Street, street1, "Street1234");
    auth::createUser(*c, auth::Actor::system(), "jd2", "乙街道", auth::Role::Street, street2, "Street1234");
    tx.commit();
  }
  testing::Reply hotline(std::optional<int64_t> household, const std::string& kind = "环境卫生") {
    bj::object b{{"kind", kind}, {"text", "楼道堆放杂物，影响通行"}, {"reporterName", "王大妈"}, {"phone", "13812345678"}};
    if (household) b["householdId"] = *household;
    return t.call("POST", "/api/problems", b);
  }
  int64_t auditCount() {
    return t.db->acquire()->scalar("SELECT COUNT(*) FROM audit_log WHERE entity = 'resident_problem'")->asInt();
  }
};

TEST(Problems, LifeCycleFromHotlineToSatisfaction) {
  Fixture f;
  auto r = f.hotline(f.hh);
  ASSERT_EQ(r.status, 201) << r.raw;
  auto p = r.body.as_object();
  int64_t id = p.at("id").as_int64();
  // Numbered, routed to the household's community and its contact member, deadline by kind (环境卫生: 5).
  EXPECT_EQ(std::string(p.at("number").as_string()).substr(0, 7), "MQ" + std::to_string(today().year) + "-");
  EXPECT_EQ(p.at("number").as_string().size(), 13u);
  EXPECT_EQ(p.at("orgId").as_int64(), f.community2);
  EXPECT_EQ(p.at("memberId").as_int64(), f.m1);
  EXPECT_EQ(p.at("state").as_string(), "assigned");
  EXPECT_EQ(p.at("dueOn").as_string(), addDays(today(), 5).iso());
  EXPECT_EQ(p.at("phoneMasked").as_string(), maskPhone("13812345678"));
  EXPECT_EQ(r.raw.find("13812345678"), std::string::npos);
  // A second one gets the next number.
  auto r2 = f.hotline(f.hh, "政策咨询");
  ASSERT_EQ(r2.status, 201);
  EXPECT_EQ(r2.body.at("dueOn").as_string(), addDays(today(), 3).iso());
  EXPECT_GT(std::string(r2.body.at("number").as_string()), std::string(p.at("number").as_string()));

  // Closing before answering is refused; the state machine holds.
  EXPECT_EQ(f.t.call("POST", "/api/problems/" + std::to_string(id) + "/close", bj::object{{"satisfaction", "satisfied"}}).status,
            409);
  ASSERT_EQ(f.t.call("POST", "/api/problems/" + std::to_string(id) + "/start", bj::object{}).status, 200);
  EXPECT_EQ(f.t.call("POST", "/api/problems/" + std::to_string(id) + "/answer", bj::object{{"answer", " "}}).body.at("field"),
            "answer");
  r = f.t.call("POST", "/api/problems/" + std::to_string(id) + "/answer", bj::object{{"answer", "已联系物业清理"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("state").as_string(), "answered");
  EXPECT_EQ(f.t.call("POST", "/api/problems/" + std::to_string(id) + "/close", bj::object{{"satisfaction", "great"}}).body.at("field"),
            "satisfaction");
  r = f.t.call("POST", "/api/problems/" + std::to_string(id) + "/close", bj::object{{"satisfaction", "basic"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("state").as_string(), "closed");
  EXPECT_EQ(r.body.at("satisfactionLabel").as_string(), "基本满意");
  auto ev = r.body.at("events").as_array();
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[0].at("action").as_string(), "open");
  EXPECT_EQ(ev[3].at("action").as_string(), "close");
  EXPECT_EQ(f.auditCount(), 5);  // two opens, start, answer, close
  // Bad input names the field.
  EXPECT_EQ(f.hotline(f.hh, "买菜").body.at("field"), "kind");
  EXPECT_EQ(f.t.call("POST", "/api/problems", bj::object{{"kind", "其他"}, {"text", "x"}, {"phone", "12"}}).body.at("field"),
            "phone");
}

TEST(Problems, EscalationMovesUpAndOutOfSight) {
  Fixture f;
  int64_t id = f.hotline(f.hh).body.at("id").as_int64();
  std::string path = "/api/problems/" + std::to_string(id);
  // Street 1 cannot see or act on street 2's problem.
  f.t.login("jd1", "Street1234");
  EXPECT_EQ(f.t.call("GET", path).status, 404);
  EXPECT_EQ(f.t.call("POST", path + "/escalate", bj::object{}).status, 404);
  EXPECT_EQ(f.t.call("GET", "/api/problems").body.at("total").as_int64(), 0);
  // Street 2 sees it; escalating moves it to the street, then to the district (out of street 2's sight).
  f.t.login("jd2", "Street1234");
  auto r = f.t.call("POST", path + "/escalate", bj::object{{"note", "社区无法解决"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("orgId").as_int64(), f.street2);
  EXPECT_EQ(r.body.at("state").as_string(), "received");
  EXPECT_EQ(r.body.at("escalations").as_int64(), 1);
  r = f.t.call("POST", path + "/escalate", bj::object{});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_TRUE(r.body.at("outOfScope").as_bool());
  EXPECT_EQ(f.t.call("GET", path).status, 404);
  f.t.login("admin", "Admin1234");
  r = f.t.call("GET", path);
  EXPECT_EQ(r.body.at("orgId").as_int64(), 1);
  EXPECT_EQ(f.t.call("POST", path + "/escalate", bj::object{}).body.at("code"), "top");
  // The district assigns it back down to the community and its member.
  r = f.t.call("POST", path + "/assign", bj::object{{"orgId", f.community2}, {"memberId", f.m1}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("state").as_string(), "assigned");
  EXPECT_EQ(r.body.at("orgId").as_int64(), f.community2);
}

TEST(Problems, OverdueSweepMovesUpOneLevel) {
  Fixture f;
  int64_t id = f.hotline(f.hh).body.at("id").as_int64();
  int64_t closed = f.hotline(f.hh).body.at("id").as_int64();
  f.t.call("POST", "/api/problems/" + std::to_string(closed) + "/answer", bj::object{{"answer", "已处理"}});
  auto c = f.t.db->acquire();
  // Not overdue yet: nothing moves.
  EXPECT_EQ(sweep(*c, addDays(today(), 5)), 0);
  // A day after the deadline the open one rises to the street, the answered one stays.
  Date later = addDays(today(), 6);
  EXPECT_EQ(sweep(*c, later), 1);
  auto r = c->query("SELECT org_id, state, due_on, escalations FROM resident_problems WHERE id = ?", {id});
  EXPECT_EQ(r.front().i64(0), f.street2);
  EXPECT_EQ(r.front().text(1), "received");
  EXPECT_EQ(r.front().text(2), addDays(later, 5).iso());  // problems.escalation_days
  EXPECT_EQ(c->query("SELECT org_id FROM resident_problems WHERE id = ?", {closed}).front().i64(0), f.community2);
  // The same day again: it does not climb further (one level per deadline).
  EXPECT_EQ(sweep(*c, later), 0);
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM resident_problem_events WHERE problem_id = ? AND action = 'auto_escalate'",
                      {id})->asInt(),
            1);
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'auto_escalate'")->asInt(), 1);
  // After the new deadline it reaches the district root, and stays there.
  EXPECT_EQ(sweep(*c, addDays(later, 6)), 1);
  EXPECT_EQ(c->query("SELECT org_id FROM resident_problems WHERE id = ?", {id}).front().i64(0), 1);
  EXPECT_EQ(sweep(*c, addDays(later, 30)), 0);
}

TEST(Problems, PublicStatusNeedsNumberAndSecretAndRatesOnlyAnswered) {
  Fixture f;
  auto c = f.t.db->acquire();
  Opened o;
  {
    store::Transaction tx(*c);
    OpenInput in{"public", "设施维修", "路灯坏了", "", "13812345678", f.hh, std::nullopt};
    o = open(*c, Scope::all(), auth::Actor{0, "群众", "1.2.3.4"}, f.cipher, in, today());
    tx.commit();
  }
  auto s = publicStatus(*c, o.number, o.secret);
  EXPECT_EQ(s.at("state").as_string(), "assigned");
  for (const char* hidden : {"text", "phoneMasked", "reporterName", "orgId", "memberName", "household"})
    EXPECT_FALSE(s.contains(hidden)) << hidden;
  EXPECT_THROW(publicStatus(*c, o.number, "00000000"), Error);
  EXPECT_THROW(publicStatus(*c, "MQ2000-000001", o.secret), Error);
  EXPECT_THROW(rate(*c, o.number, o.secret, "satisfied", "1.2.3.4"), Error);  // not answered yet
  f.t.call("POST", "/api/problems/1/answer", bj::object{{"answer", "已修好"}});
  {
    store::Transaction tx(*c);
    rate(*c, o.number, o.secret, "satisfied", "1.2.3.4");
    tx.commit();
  }
  s = publicStatus(*c, o.number, o.secret);
  EXPECT_EQ(s.at("state").as_string(), "closed");
  EXPECT_EQ(s.at("answer").as_string(), "已修好");
  EXPECT_EQ(s.at("satisfactionLabel").as_string(), "满意");
}

TEST(Problems, HumanCheckIsSignedAndUsedOnce) {
  crypto::FieldCipher cipher(std::string(32, 'z'));
  auto ch = makeChallenge(cipher);
  int a = ch.question[0] - '0', b = ch.question[4] - '0';
  EXPECT_THROW(checkChallenge(cipher, ch.token, std::to_string(a + b + 1)), Error);
  EXPECT_NO_THROW(checkChallenge(cipher, ch.token, std::to_string(a + b)));
  EXPECT_THROW(checkChallenge(cipher, ch.token, std::to_string(a + b)), Error);  // replay
  EXPECT_THROW(checkChallenge(crypto::FieldCipher(std::string(32, 'y')), makeChallenge(cipher).token, "5"), Error);
  EXPECT_THROW(checkChallenge(cipher, "garbage", "5"), Error);
}

TEST(Problems, CardsPdfOnlyForHouseholdsInScope) {
  Fixture f;
  auto r = f.t.call("GET", "/api/problems/cards.pdf?householdIds=" + std::to_string(f.hh));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.raw.substr(0, 5), "%PDF-");
  auto c = f.t.db->acquire();
  std::string token = c->query("SELECT token FROM household_card_tokens WHERE household_id = ?", {f.hh}).front().text(0);
  EXPECT_EQ(token.size(), 32u);
  // The same token next time (cards already handed out keep working).
  f.t.call("GET", "/api/problems/cards.pdf?householdIds=" + std::to_string(f.hh));
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM household_card_tokens")->asInt(), 1);
  f.t.login("jd1", "Street1234");
  r = f.t.call("GET", "/api/problems/cards.pdf?householdIds=" + std::to_string(f.hh));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.at("field"), "householdIds");
}

TEST(Problems, FigureRecordsEqualCells) {
  Fixture f;
  int64_t a = f.hotline(f.hh).body.at("id").as_int64();
  f.hotline(f.hh);
  f.t.call("POST", "/api/problems/" + std::to_string(a) + "/answer", bj::object{{"answer", "好"}});
  f.t.call("POST", "/api/problems/" + std::to_string(a) + "/close", bj::object{{"satisfaction", "satisfied"}});
  auto fig = figures::find("problems.flow");
  auto c = f.t.db->acquire();
  figures::Query q;
  q.orgId = 1;
  q.orgPath = "/1/";
  q.scope = Scope("/1/");
  q.from = Date{today().year, 1, 1};
  q.to = Date{today().year + 1, 1, 1};
  std::map<std::string, int64_t> got;
  for (const auto& cell : fig.cells(*c, q)) {
    got[cell.key] = cell.count;
    EXPECT_EQ(fig.records(*c, q, cell.key, 0, -1).total, cell.count) << cell.key;
    EXPECT_EQ(static_cast<int64_t>(fig.records(*c, q, cell.key, 0, -1).rows.size()), cell.count) << cell.key;
  }
  EXPECT_EQ(got["received"], 2);
  EXPECT_EQ(got["answered"], 1);
  EXPECT_EQ(got["satisfied"], 1);
}

}  // namespace
}  // namespace zg::problems
