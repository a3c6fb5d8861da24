// Residents' problems 民情 against a real SQLite database through the real router: the life-cycle
// from the hotline to the resident's satisfaction, routing to the household's contact member,
// escalation by hand (and out of a street's sight), the overdue sweep moving an item up exactly one
// level, the human check, the public status (number + secret only), the cards PDF, the figure.
#include "modules/problems/problems.h"

#include <gtest/gtest.h>

#include <thread>

#include "../../../tests/unit/testing.h"
#include "modules/me/me.h"
#include "platform/audit.h"
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
  EXPECT_EQ(sweep(*c, f.cipher, addDays(today(), 5)), 0);
  // A day after the deadline the open one rises to the street, the answered one stays.
  Date later = addDays(today(), 6);
  EXPECT_EQ(sweep(*c, f.cipher, later), 1);
  auto r = c->query("SELECT org_id, state, due_on, escalations FROM resident_problems WHERE id = ?", {id});
  EXPECT_EQ(r.front().i64(0), f.street2);
  EXPECT_EQ(r.front().text(1), "received");
  EXPECT_EQ(r.front().text(2), addDays(later, 5).iso());  // problems.escalation_days
  EXPECT_EQ(c->query("SELECT org_id FROM resident_problems WHERE id = ?", {closed}).front().i64(0), f.community2);
  // The same day again: it does not climb further (one level per deadline).
  EXPECT_EQ(sweep(*c, f.cipher, later), 0);
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM resident_problem_events WHERE problem_id = ? AND action = 'auto_escalate'",
                      {id})->asInt(),
            1);
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'auto_escalate'")->asInt(), 1);
  // After the new deadline it reaches the district root, and stays there.
  EXPECT_EQ(sweep(*c, f.cipher, addDays(later, 6)), 1);
  EXPECT_EQ(c->query("SELECT org_id FROM resident_problems WHERE id = ?", {id}).front().i64(0), 1);
  EXPECT_EQ(sweep(*c, f.cipher, addDays(later, 30)), 0);
}

// Two sweeps at once (two servers on one PostgreSQL, or the timer and a cron run): each overdue item
// moves exactly one level and is audited once. First deterministically — both sweeps read the same
// overdue rows before either moves them — then with two threads on two connections.
TEST(Problems, TwoSweepsMoveEachItemOnceAndAuditOnce) {
  Fixture f;
  std::vector<int64_t> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(f.hotline(f.hh).body.at("id").as_int64());
  Date later = addDays(today(), 6);  // a day past the 5-day deadline of 环境卫生
  auto a = f.t.db->acquire();
  auto b = f.t.db->acquire();
  auto seenA = overdue(*a, later);
  auto seenB = overdue(*b, later);
  ASSERT_EQ(seenA.size(), 6u);
  ASSERT_EQ(seenB.size(), 6u);
  int movedA = 0, movedB = 0;
  for (const auto& it : seenA) movedA += autoEscalate(*a, f.cipher, it, later) ? 1 : 0;
  for (const auto& it : seenB) movedB += autoEscalate(*b, f.cipher, it, later) ? 1 : 0;
  EXPECT_EQ(movedA, 6);
  EXPECT_EQ(movedB, 0);  // the stale view moves nothing
  for (int64_t id : ids) {
    EXPECT_EQ(a->query("SELECT org_id FROM resident_problems WHERE id = ?", {id}).front().i64(0), f.street2);
    EXPECT_EQ(a->scalar("SELECT COUNT(*) FROM resident_problem_events WHERE problem_id = ? AND action = 'auto_escalate'",
                        {id})->asInt(), 1);
    EXPECT_EQ(a->scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'auto_escalate' AND entity_id = ?", {id})->asInt(),
              1);
  }
  // Each rise tells the street (notification outbox, one message per move).
  EXPECT_EQ(a->scalar("SELECT COUNT(*) FROM notify_outbox WHERE ref_kind = 'resident_problem' AND org_path = "
                      "(SELECT path FROM orgs WHERE id = ?)",
                      {f.street2})->asInt(), 6);

  // Past the street's deadline two threads sweep at the same moment on their own connections.
  Date after = addDays(later, 6);
  int n1 = 0, n2 = 0;
  std::thread t1([&] { n1 = sweep(*a, f.cipher, after); });
  std::thread t2([&] { n2 = sweep(*b, f.cipher, after); });
  t1.join();
  t2.join();
  EXPECT_EQ(n1 + n2, 6);
  for (int64_t id : ids) {
    EXPECT_EQ(a->query("SELECT org_id, escalations FROM resident_problems WHERE id = ?", {id}).front().i64(0), 1);
    EXPECT_EQ(a->query("SELECT escalations FROM resident_problems WHERE id = ?", {id}).front().i64(0), 2);
    EXPECT_EQ(a->scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'auto_escalate' AND entity_id = ?", {id})->asInt(),
              2);
  }
  EXPECT_TRUE(audit::verify(*a).ok);
}

// The sweep's UPDATE is conditional on the row it read: a problem answered between the read and
// the move stays where it is, with no event and no audit entry.
TEST(Problems, SweepLeavesWhatChangedSinceItWasRead) {
  Fixture f;
  int64_t id = f.hotline(f.hh).body.at("id").as_int64();
  auto c = f.t.db->acquire();
  auto seen = overdue(*c, addDays(today(), 6));
  ASSERT_EQ(seen.size(), 1u);
  // Someone answered it in between: the sweep leaves it where it is.
  ASSERT_EQ(f.t.call("POST", "/api/problems/" + std::to_string(id) + "/answer", bj::object{{"answer", "已处理"}}).status, 200);
  EXPECT_FALSE(autoEscalate(*c, f.cipher, seen.front(), addDays(today(), 6)));
  EXPECT_EQ(c->query("SELECT org_id, state FROM resident_problems WHERE id = ?", {id}).front().text(1), "answered");
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'auto_escalate'")->asInt(), 0);
}

// Routed to a person: the contact member is told (outbox), sees it as a task on 我的, answers it or
// passes it back to the community (told too); nobody else can.
TEST(Problems, ContactMemberGetsTaskAnswersOrPassesBack) {
  Fixture f;
  {
    auto c = f.t.db->acquire();
    store::Transaction tx(*c);
    auth::createUser(*c, auth::Actor::system(), "lh1", "联户甲", auth::Role::Member, f.community2, "Member1234", f.m1);
    tx.commit();
  }
  int64_t id = f.hotline(f.hh).body.at("id").as_int64();
  int64_t other = f.hotline(f.hh, "政策咨询").body.at("id").as_int64();
  auto c = f.t.db->acquire();
  // The intake told the member by SMS (phone encrypted, masked preview; no resident's text).
  auto msg = c->query("SELECT member_id, phone_mask, preview FROM notify_outbox WHERE ref_kind = 'resident_problem' "
                      "AND ref_id = ?",
                      {id});
  ASSERT_EQ(msg.size(), 1u);
  EXPECT_EQ(msg.front().i64(0), f.m1);
  EXPECT_EQ(msg.front().text(1), maskPhone("13900001234"));
  EXPECT_NE(msg.front().text(2).find("3幢1单元101室"), std::string::npos) << msg.front().text(2);
  EXPECT_EQ(msg.front().text(2).find("楼道堆放杂物"), std::string::npos);

  // 我的待办: both open problems, with number, kind, due date, link; overdue once past the date.
  me::Self self{f.m1, "", Scope("/"), true};
  auto tasks = meTasks(*c, self, today());
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].kind, "problem");
  EXPECT_EQ(tasks[0].link, "/me/problems/" + std::to_string(other));  // 政策咨询: 3 days, due first
  EXPECT_NE(tasks[0].title.find("政策咨询"), std::string::npos);
  EXPECT_EQ(*tasks[1].due, addDays(today(), 5).iso());
  EXPECT_FALSE(tasks[1].overdue);
  EXPECT_TRUE(meTasks(*c, self, addDays(today(), 6))[1].overdue);
  me::Self stranger{f.m1 + 1000, "", Scope("/"), true};
  EXPECT_TRUE(meTasks(*c, stranger, today()).empty());

  // Through HTTP as the member login: the task on /api/me, the detail, the answer.
  f.t.login("lh1", "Member1234");
  auto r = f.t.call("GET", "/api/me");
  ASSERT_EQ(r.status, 200) << r.raw;
  int problemTasks = 0;
  for (const auto& t : r.body.at("tasks").as_array())
    if (t.at("kind") == "problem") {
      ++problemTasks;
      EXPECT_FALSE(t.at("overdue").as_bool());
    }
  EXPECT_EQ(problemTasks, 2);
  std::string path = "/api/me/problems/" + std::to_string(id);
  r = f.t.call("GET", path);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("number").as_string().size(), 13u);
  EXPECT_EQ(f.t.call("GET", "/api/problems/" + std::to_string(id)).status, 403);  // not the staff route
  EXPECT_EQ(f.t.call("POST", path + "/answer", bj::object{{"answer", ""}}).body.at("field"), "answer");
  r = f.t.call("POST", path + "/answer", bj::object{{"answer", "已联系物业，明天清理"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("state").as_string(), "answered");
  EXPECT_EQ(f.t.call("POST", path + "/answer", bj::object{{"answer", "再答一次"}}).status, 409);
  // Pass the other back to the community: a reason is required; then it is no longer theirs.
  std::string otherPath = "/api/me/problems/" + std::to_string(other);
  EXPECT_EQ(f.t.call("POST", otherPath + "/pass", bj::object{}).body.at("field"), "note");
  r = f.t.call("POST", otherPath + "/pass", bj::object{{"note", "涉及低保政策，需社区答复"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(f.t.call("GET", otherPath).status, 404);
  auto after = c->query("SELECT state, contact_member_id, org_id FROM resident_problems WHERE id = ?", {other});
  EXPECT_EQ(after.front().text(0), "received");
  EXPECT_TRUE(after.front().isNull(1));
  EXPECT_EQ(after.front().i64(2), f.community2);
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM notify_outbox WHERE ref_id = ? AND member_id IS NULL AND org_path = "
                      "(SELECT path FROM orgs WHERE id = ?)",
                      {other, f.community2})->asInt(), 1);
  EXPECT_EQ(f.t.call("GET", "/api/me").body.at("tasks").as_array().size(), 0u);
  // Audited by the member's login.
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM audit_log WHERE entity = 'resident_problem' AND actor_name LIKE '%lh1%'")
                ->asInt(),
            2);

  // Another member's login sees none of it, nor does a login without a member record.
  f.t.login("admin", "Admin1234");
  int64_t id3 = f.hotline(f.hh).body.at("id").as_int64();
  auto r2 = f.t.call("POST", "/api/members",
                     bj::object{{"name", "联户乙"}, {"idNumber", testing::idNumber(42, "19800101")}, {"category", "full"},
                                {"orgId", f.community2}, {"joinedOn", "2005-07-01"}, {"fullOn", "2006-07-01"}});
  ASSERT_EQ(r2.status, 201) << r2.raw;
  {
    store::Transaction tx(*c);
    auth::createUser(*c, auth::Actor::system(), "lh2", "联户乙", auth::Role::Member, f.community2, "Member1234",
                     r2.body.at("id").as_int64());
    tx.commit();
  }
  for (const char* who : {"lh2", "jd2"}) {
    f.t.login(who, std::string(who) == "lh2" ? "Member1234" : "Street1234");
    EXPECT_EQ(f.t.call("GET", "/api/me/problems/" + std::to_string(id3)).status, 404) << who;
    EXPECT_EQ(f.t.call("POST", "/api/me/problems/" + std::to_string(id3) + "/answer", bj::object{{"answer", "x"}}).status,
              404) << who;
    EXPECT_EQ(f.t.call("POST", "/api/me/problems/" + std::to_string(id3) + "/pass", bj::object{{"note", "x"}}).status,
              404) << who;
  }
  EXPECT_EQ(c->query("SELECT state FROM resident_problems WHERE id = ?", {id3}).front().text(0), "assigned");
  // A problem the contact member records on their own visit is theirs without a message to themselves.
  f.t.login("lh1", "Member1234");
  auto v = f.t.call("POST", "/api/visits",
                    bj::object{{"householdId", f.hh}, {"kind", "home"}, {"note", "入户"}, {"problems", "楼顶漏水"}});
  ASSERT_EQ(v.status, 201) << v.raw;
  int64_t fromVisit = c->query("SELECT problem_id FROM visit_logs WHERE id = ?", {v.body.at("id").as_int64()}).front().i64(0);
  EXPECT_EQ(c->query("SELECT contact_member_id FROM resident_problems WHERE id = ?", {fromVisit}).front().i64(0), f.m1);
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM notify_outbox WHERE ref_kind = 'resident_problem' AND ref_id = ?", {fromVisit})->asInt(), 0);
}

// Routed or escalated to an organization: it is told (its phone, its contact person).
TEST(Problems, RoutingAndEscalationNotifyWhereItGoes) {
  Fixture f;
  int64_t id = f.hotline(std::nullopt).body.at("id").as_int64();  // sits at the district, no member
  auto c = f.t.db->acquire();
  auto count = [&](int64_t orgId) {
    return c->scalar("SELECT COUNT(*) FROM notify_outbox WHERE ref_kind = 'resident_problem' AND ref_id = ? AND "
                     "org_path = (SELECT path FROM orgs WHERE id = ?)",
                     {id, orgId})->asInt();
  };
  ASSERT_EQ(f.t.call("POST", "/api/problems/" + std::to_string(id) + "/assign", bj::object{{"orgId", f.community2}}).status,
            200);
  EXPECT_EQ(count(f.community2), 1);
  ASSERT_EQ(f.t.call("POST", "/api/problems/" + std::to_string(id) + "/escalate", bj::object{}).status, 200);
  EXPECT_EQ(count(f.street2), 1);
  ASSERT_EQ(f.t.call("POST", "/api/problems/" + std::to_string(id) + "/assign",
                     bj::object{{"orgId", f.community2}, {"memberId", f.m1}})
                .status,
            200);
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM notify_outbox WHERE ref_id = ? AND member_id = ?", {id, f.m1})->asInt(), 1);
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
