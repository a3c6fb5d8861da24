// M2 mobile members against a real SQLite database through the real router: the overdue list
// at the interval boundary, the member's 流动党员 flag, the service request state machine, and
// scope (another street's records are not found; a mobile branch outside scope is refused).
#include "modules/mobile/mobile.h"

#include <gtest/gtest.h>

#include "../../../tests/unit/testing.h"
#include "core/checks.h"
#include "platform/figures.h"
#include "platform/rollup.h"

namespace zg::mobile {
namespace {

namespace bj = boost::json;

struct Fixture {
  testing::TestApp t;
  int64_t street1 = 0, street2 = 0, branch1 = 0, branch2 = 0, mobile1 = 0, mobile2 = 0, member1 = 0, member2 = 0;
  int64_t jd1 = 0;

  int64_t org(int64_t parent, const std::string& name, const std::string& kind, const std::string& type = "") {
    return t.createOrg(parent, name, kind, type);
  }
  int64_t member(int64_t orgId, int seq) {
    auto r = t.call("POST", "/api/members",
                    bj::object{{"name", "流动" + std::to_string(seq)},
                               {"idNumber", testing::idNumber(seq)},
                               {"category", "full"},
                               {"orgId", orgId},
                               {"joinedOn", "2005-07-01"},
                               {"fullOn", "2006-07-01"}});
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.at("id").as_int64();
  }

  Fixture() {
    t.login("admin", "Admin1234");
    street1 = org(1, "甲街道党工委", "street_committee");
    street2 = org(1, "乙街道党工委", "street_committee");
    branch1 = org(street1, "甲第一党支部", "branch", "community");
    branch2 = org(street2, "乙第一党支部", "branch", "community");
    mobile1 = org(street1, "甲流动党员党支部", "branch", "mobile");
    mobile2 = org(street2, "乙驻外流动党员党支部", "branch", "mobile_outside");
    member1 = member(branch1, 11);
    member2 = member(branch2, 12);
    auto c = t.db->acquire();
    store::Transaction tx(*c);
    jd1 = auth::createUser(*c, auth::Actor::system(), "jd1", "甲街道", auth::Role::Street, street1, "Street1234");
    tx.commit();
  }

  testing::Reply openRecord(int64_t memberId, const std::string& direction, const std::string& since,
                            bj::object extra = {}) {
    bj::object b{
        {"memberId", memberId}, {"direction", direction}, {"place", "广东省深圳市南山区"}, {"sinceDate", since}};
    for (auto& kv : extra) b[kv.key()] = kv.value();
    return t.call("POST", "/api/mobile/records", b);
  }
};

std::string path(const std::string& base, int64_t id, const std::string& rest = "") {
  return base + std::to_string(id) + rest;
}

TEST(Mobile, OverdueAtTheIntervalBoundary) {
  Fixture f;
  auto r = f.openRecord(f.member1, "outflow", "2024-01-01");
  ASSERT_EQ(r.status, 201) << r.raw;
  int64_t id = r.body.at("id").as_int64();
  auto c = f.t.db->acquire();
  Scope all = Scope::all();
  // No contact yet: counted from the since date. 2024-01-01 → 2024-03-31 is 90 days.
  EXPECT_TRUE(overdue(*c, all, *parseDate("2024-03-31"), 90).empty()) << "exactly the interval is not overdue";
  auto late = overdue(*c, all, *parseDate("2024-04-01"), 90);
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].recordId, id);
  EXPECT_EQ(late[0].daysOverdue, 1);
  EXPECT_FALSE(late[0].contacted);

  // A contact on 2024-03-01 restarts the count: 2024-05-30 is 90 days later.
  auto k = f.t.call("POST", path("/api/mobile/records/", id, "/contacts"),
                    bj::object{{"contactedOn", "2024-03-01"}, {"channel", "电话"}, {"note", "在深圳务工，情况良好"}});
  ASSERT_EQ(k.status, 201) << k.raw;
  EXPECT_EQ(k.body.at("lastContactOn").as_string(), "2024-03-01");
  EXPECT_EQ(k.body.at("contacts").as_array().size(), 1u);
  EXPECT_TRUE(overdue(*c, all, *parseDate("2024-05-30"), 90).empty());
  late = overdue(*c, all, *parseDate("2024-05-31"), 90);
  ASSERT_EQ(late.size(), 1u);
  EXPECT_TRUE(late[0].contacted);
  EXPECT_EQ(late[0].lastContact, "2024-03-01");

  // Bad contact input names the field.
  auto bad = f.t.call("POST", path("/api/mobile/records/", id, "/contacts"),
                      bj::object{{"contactedOn", "2023-12-31"}, {"channel", "电话"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.at("field").as_string(), "contactedOn");
  bad = f.t.call("POST", path("/api/mobile/records/", id, "/contacts"), bj::object{{"channel", "飞鸽"}});
  EXPECT_EQ(bad.body.at("field").as_string(), "channel");

  // Through the API, the interval is the setting.
  auto list = f.t.call("GET", "/api/mobile/overdue");
  ASSERT_EQ(list.status, 200) << list.raw;
  EXPECT_EQ(list.body.at("intervalDays").as_int64(), 90);
  ASSERT_EQ(list.body.at("items").as_array().size(), 1u);  // the last contact is long ago
  EXPECT_GT(list.body.at("items").at(0).at("daysOverdue").as_int64(), 0);
  ASSERT_EQ(f.t.call("PUT", "/api/settings/mobile.contact_interval_days", bj::object{{"value", 3650}}).status, 200);
  EXPECT_TRUE(f.t.call("GET", "/api/mobile/overdue").body.at("items").as_array().empty());

  // A closed record is never overdue.
  ASSERT_EQ(
      f.t.call("POST", path("/api/mobile/records/", id, "/close"), bj::object{{"untilDate", "2024-06-01"}}).status,
      200);
  EXPECT_TRUE(overdue(*c, all, *parseDate("2030-01-01"), 90).empty());
}

TEST(Mobile, OutflowSetsAndClosingClearsTheMemberFlag) {
  Fixture f;
  auto before = f.t.call("GET", path("/api/members/", f.member1));
  EXPECT_FALSE(before.body.at("mobile").as_bool());
  int64_t v0 = before.body.at("version").as_int64();

  // An inflow does not make the member 流动党员 (流出) in the registry.
  auto in = f.openRecord(f.member1, "inflow", "2024-02-01", {{"place", "安徽省合肥市"}});
  ASSERT_EQ(in.status, 201) << in.raw;
  EXPECT_FALSE(f.t.call("GET", path("/api/members/", f.member1)).body.at("mobile").as_bool());

  auto out = f.openRecord(
      f.member1, "outflow", "2024-03-01",
      {{"phone", "139 1234 5678"}, {"receivingOrg", "深圳市南山区某党支部"}, {"mobileBranchId", f.mobile1}});
  ASSERT_EQ(out.status, 201) << out.raw;
  EXPECT_EQ(out.body.at("mobileBranchName").as_string(), "甲流动党员党支部");
  EXPECT_NE(out.body.at("phoneMasked").as_string().find('*'), std::string::npos);
  EXPECT_EQ(out.raw.find("13912345678"), std::string::npos) << "the clear phone is not in the answer";
  auto m = f.t.call("GET", path("/api/members/", f.member1)).body;
  EXPECT_TRUE(m.at("mobile").as_bool());
  EXPECT_EQ(m.at("mobileTo").as_string(), "广东省深圳市南山区");
  EXPECT_EQ(m.at("version").as_int64(), v0 + 1);

  // A second ongoing outflow for the same member is refused.
  auto dup = f.openRecord(f.member1, "outflow", "2024-04-01");
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.body.at("field").as_string(), "memberId");

  // Edit keeps the phone when left out; place change follows into mobile_to.
  int64_t id = out.body.at("id").as_int64();
  auto upd = f.t.call(
      "PUT", path("/api/mobile/records/", id),
      bj::object{
          {"place", "广东省广州市天河区"}, {"sinceDate", "2024-03-01"}, {"version", 1}, {"mobileBranchId", f.mobile1}});
  ASSERT_EQ(upd.status, 200) << upd.raw;
  EXPECT_EQ(upd.body.at("phoneMasked"), out.body.at("phoneMasked"));
  EXPECT_EQ(f.t.call("GET", path("/api/members/", f.member1)).body.at("mobileTo").as_string(), "广东省广州市天河区");
  auto stale = f.t.call("PUT", path("/api/mobile/records/", id),
                        bj::object{{"place", "x"}, {"sinceDate", "2024-03-01"}, {"version", 1}});
  EXPECT_EQ(stale.status, 409);

  auto bad = f.t.call("POST", path("/api/mobile/records/", id, "/close"), bj::object{{"untilDate", "2024-02-01"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.at("field").as_string(), "untilDate");
  ASSERT_EQ(f.t.call("POST", path("/api/mobile/records/", id, "/close"), bj::object{}).status, 200);
  m = f.t.call("GET", path("/api/members/", f.member1)).body;
  EXPECT_FALSE(m.at("mobile").as_bool());
  EXPECT_TRUE(m.at("mobileTo").is_null());
  EXPECT_EQ(f.t.call("POST", path("/api/mobile/records/", id, "/close"), bj::object{}).status, 409);

  // Audited: the record and the member's flag, both ways.
  auto audit = f.t.call("GET", "/api/audit?entity=member&entityId=" + std::to_string(f.member1)).body;
  int flagEntries = 0;
  for (auto& e : audit.at("items").as_array()) {
    std::string s(e.at("summary").as_string());
    if (s.find("流动党员") != std::string::npos) ++flagEntries;
  }
  EXPECT_EQ(flagEntries, 3);  // set, mobile_to changed, cleared
  auto ra = f.t.call("GET", "/api/audit?entity=mobility_record&entityId=" + std::to_string(id)).body;
  EXPECT_EQ(ra.at("total").as_int64(), 3);  // create, update, close

  // Validation names the field.
  EXPECT_EQ(f.openRecord(f.member2, "sideways", "2024-01-01").body.at("field").as_string(), "direction");
  EXPECT_EQ(f.openRecord(f.member2, "outflow", "2999-01-01").body.at("field").as_string(), "sinceDate");
  EXPECT_EQ(f.openRecord(f.member2, "outflow", "2024-01-01", {{"phone", "12"}}).body.at("field").as_string(), "phone");
  EXPECT_EQ(f.openRecord(f.member2, "outflow", "2024-01-01", {{"place", ""}}).body.at("field").as_string(), "place");
  EXPECT_EQ(
      f.openRecord(f.member2, "outflow", "2024-01-01", {{"mobileBranchId", f.branch2}}).body.at("field").as_string(),
      "mobileBranchId");
}

TEST(Mobile, RequestStateMachine) {
  Fixture f;
  auto rec = f.openRecord(f.member1, "outflow", "2024-01-01");
  int64_t rid = rec.body.at("id").as_int64();
  auto kinds = f.t.call("GET", "/api/mobile/service-kinds").body.as_array();
  EXPECT_EQ(kinds.size(), 17u);

  auto bad = f.t.call("POST", path("/api/mobile/records/", rid, "/requests"),
                      bj::object{{"kind", "flying"}, {"description", "x"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.at("field").as_string(), "kind");
  bad = f.t.call("POST", path("/api/mobile/records/", rid, "/requests"), bj::object{{"kind", "children_school"}});
  EXPECT_EQ(bad.body.at("field").as_string(), "description");

  auto q = f.t.call("POST", path("/api/mobile/records/", rid, "/requests"),
                    bj::object{{"kind", "children_school"}, {"description", "子女在深圳就读小学"}});
  ASSERT_EQ(q.status, 201) << q.raw;
  EXPECT_EQ(q.body.at("status").as_string(), "open");
  EXPECT_EQ(q.body.at("kindLabel").as_string(), "子女入学");
  int64_t id = q.body.at("id").as_int64();

  // Assignee must be a user in scope: jd1 is; a street-2 user is not (as seen by jd1).
  int64_t jd2 = 0;
  {
    auto c = f.t.db->acquire();
    store::Transaction tx(*c);
    jd2 = auth::createUser(*c, auth::Actor::system(), "jd2", "乙街道", auth::Role::Street, f.street2, "Street1234");
    tx.commit();
  }
  EXPECT_EQ(f.t.call("POST", path("/api/mobile/requests/", id, "/close"), bj::object{}).body.at("field").as_string(),
            "result");
  auto a = f.t.call("POST", path("/api/mobile/requests/", id, "/assign"), bj::object{{"userId", f.jd1}});
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body.at("status").as_string(), "assigned");
  EXPECT_EQ(a.body.at("assigneeName").as_string(), "甲街道");

  auto open = f.t.call("GET", "/api/mobile/requests?status=assigned");
  EXPECT_EQ(open.body.at("total").as_int64(), 1);

  auto done = f.t.call("POST", path("/api/mobile/requests/", id, "/close"),
                       bj::object{{"result", "已联系当地教育局，办妥入学"}});
  ASSERT_EQ(done.status, 200) << done.raw;
  EXPECT_EQ(done.body.at("status").as_string(), "closed");
  EXPECT_FALSE(done.body.at("closedOn").is_null());

  auto again = f.t.call("POST", path("/api/mobile/requests/", id, "/assign"), bj::object{{"userId", f.jd1}});
  EXPECT_EQ(again.status, 409) << "assign after close";
  EXPECT_EQ(again.body.at("code").as_string(), "closed");
  EXPECT_EQ(f.t.call("POST", path("/api/mobile/requests/", id, "/close"), bj::object{{"result", "再次"}}).status, 409);

  auto detail = f.t.call("GET", path("/api/mobile/records/", rid)).body;
  EXPECT_EQ(detail.at("requests").as_array().size(), 1u);
  EXPECT_EQ(detail.at("openRequests").as_int64(), 0);

  // As jd1: a street-2 user cannot be made assignee.
  auto q2 = f.t.call("POST", path("/api/mobile/records/", rid, "/requests"),
                     bj::object{{"kind", "medical"}, {"description", "就医报销"}, {"deadline", "2999-01-01"}});
  ASSERT_EQ(q2.status, 201);
  f.t.login("jd1", "Street1234");
  auto out = f.t.call("POST", path("/api/mobile/requests/", q2.body.at("id").as_int64(), "/assign"),
                      bj::object{{"userId", jd2}});
  EXPECT_EQ(out.status, 400);
  EXPECT_EQ(out.body.at("field").as_string(), "userId");
}

TEST(Mobile, ScopeStreetUserSeesOnlyItsOwn) {
  Fixture f;
  auto own = f.openRecord(f.member1, "outflow", "2024-01-01");
  auto other = f.openRecord(f.member2, "outflow", "2024-01-01", {{"mobileBranchId", f.mobile2}});
  ASSERT_EQ(other.status, 201) << other.raw;
  int64_t otherId = other.body.at("id").as_int64();
  auto oq = f.t.call("POST", path("/api/mobile/records/", otherId, "/requests"),
                     bj::object{{"kind", "legal_aid"}, {"description", "劳动纠纷"}});
  int64_t otherReq = oq.body.at("id").as_int64();

  f.t.login("jd1", "Street1234");
  EXPECT_EQ(f.t.call("GET", path("/api/mobile/records/", otherId)).status, 404);
  EXPECT_EQ(f.t.call("GET", path("/api/mobile/records/", own.body.at("id").as_int64())).status, 200);
  EXPECT_EQ(f.t.call("PUT", path("/api/mobile/records/", otherId),
                     bj::object{{"place", "x"}, {"sinceDate", "2024-01-01"}, {"version", 1}})
                .status,
            404);
  EXPECT_EQ(f.t.call("POST", path("/api/mobile/records/", otherId, "/close"), bj::object{}).status, 404);
  EXPECT_EQ(
      f.t.call("POST", path("/api/mobile/records/", otherId, "/contacts"), bj::object{{"channel", "电话"}}).status,
      404);
  EXPECT_EQ(f.t.call("POST", path("/api/mobile/records/", otherId, "/requests"),
                     bj::object{{"kind", "other"}, {"description", "x"}})
                .status,
            404);
  EXPECT_EQ(f.t.call("POST", path("/api/mobile/requests/", otherReq, "/assign"), bj::object{{"userId", f.jd1}}).status,
            404);
  EXPECT_EQ(f.t.call("POST", path("/api/mobile/requests/", otherReq, "/close"), bj::object{{"result", "x"}}).status,
            404);

  // Targets in bodies: a street-2 member, a street-2 mobile branch.
  auto m = f.openRecord(f.member2, "inflow", "2024-01-01");
  EXPECT_EQ(m.status, 400);
  EXPECT_EQ(m.body.at("field").as_string(), "memberId");
  auto b = f.openRecord(f.member1, "inflow", "2024-01-01", {{"mobileBranchId", f.mobile2}});
  EXPECT_EQ(b.status, 400);
  EXPECT_EQ(b.body.at("field").as_string(), "mobileBranchId");

  // Lists: only street 1.
  auto list = f.t.call("GET", "/api/mobile/records");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.at("total").as_int64(), 1);
  EXPECT_EQ(f.t.call("GET", "/api/mobile/records?orgId=" + std::to_string(f.street2)).body.at("field").as_string(),
            "orgId");
  EXPECT_EQ(f.t.call("GET", "/api/mobile/requests").body.at("total").as_int64(), 0);
  auto od = f.t.call("GET", "/api/mobile/overdue").body.at("items").as_array();
  for (auto& x : od) EXPECT_NE(x.at("id").as_int64(), otherId);
  EXPECT_EQ(f.t.call("GET", "/api/mobile/overdue?orgId=" + std::to_string(f.street2)).status, 400);
}

TEST(Mobile, DaysBetween) {
  EXPECT_EQ(daysBetween(*parseDate("2024-01-01"), *parseDate("2024-03-31")), 90);
  EXPECT_EQ(daysBetween(*parseDate("2023-12-31"), *parseDate("2024-01-01")), 1);
  EXPECT_EQ(daysBetween(*parseDate("2024-03-01"), *parseDate("2024-02-28")), -2);
}


// As of today mobile.members and members.by_status "mobile" read the roll-ups (migration 0021);
// they equal the base-table count at every level, also for records dated after today (starting
// later, or closed on a later day) and after a move, and the aggregates equal a full recount.
TEST(Mobile, RolledFiguresEqualTheBaseCountAtTheDateEdges) {
  Fixture f;
  int64_t m3 = f.member(f.branch1, 13), m4 = f.member(f.branch1, 14), m5 = f.member(f.branch2, 15);
  auto id = [](const testing::Reply& r) {
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.status == 201 ? r.body.at("id").as_int64() : 0;
  };
  id(f.openRecord(f.member1, "outflow", addDays(today(), -40).iso()));
  id(f.openRecord(f.member1, "inflow", addDays(today(), -2).iso()));
  int64_t startsLater = id(f.openRecord(m3, "outflow", today().iso()));
  int64_t endsLater = id(f.openRecord(m4, "outflow", addDays(today(), -10).iso()));
  int64_t closed = id(f.openRecord(m5, "outflow", addDays(today(), -20).iso()));
  ASSERT_EQ(f.t.call("POST", path("/api/mobile/records/", closed, "/close"), bj::object{}).status, 200);
  auto c = f.t.db->acquire();
  {
    store::Transaction tx(*c);  // closed on a later day (a repair): still ongoing today
    c->exec("UPDATE mobility_records SET until_date = ? WHERE id = ?", {addDays(today(), 7).iso(), endsLater});
    // starts later (the form refuses later dates): open, not yet ongoing
    c->exec("UPDATE mobility_records SET since_date = ? WHERE id = ?", {addDays(today(), 3).iso(), startsLater});
    tx.commit();
  }
  ASSERT_EQ(f.t.call("POST", path("/api/members/", m3, "/move"), bj::object{{"orgId", f.branch2}}).status, 200);
  EXPECT_TRUE(rollup::check(*c).empty());
  for (int64_t org : {int64_t{1}, f.street1, f.street2, f.branch1, f.branch2}) {
    auto p = c->scalar("SELECT path FROM orgs WHERE id = ?", {org})->asText();
    figures::Query q;
    q.orgId = org, q.orgPath = p, q.scope = Scope(p), q.from = addDays(today(), -30), q.to = addDays(today(), 1);
    for (const char* key : {"mobile.members", "members.by_status"}) {
      auto fig = figures::find(key);
      auto rolled = fig.cells(*c, q);
      rollup::setEnabled(false);
      auto base = fig.cells(*c, q);
      rollup::setEnabled(true);
      std::map<std::string, int64_t> b;
      for (auto& cell : base) b[cell.key] = cell.count;
      for (auto& cell : rolled) {
        EXPECT_EQ(cell.count, b[cell.key]) << key << "/" << cell.key << " at org " << org;
        EXPECT_EQ(fig.records(*c, q, cell.key, 0, -1).total, cell.count) << key << "/" << cell.key;
      }
    }
  }
  figures::Query q;
  q.orgId = 1, q.orgPath = "/1/", q.scope = Scope("/1/"), q.from = addDays(today(), -30), q.to = addDays(today(), 1);
  auto cells = figures::find("mobile.members").cells(*c, q);
  EXPECT_EQ(cells.at(0).count, 2);  // member1, m4 (m3 starts later, m5 closed)
  EXPECT_EQ(cells.at(1).count, 1);
}

}  // namespace
}  // namespace zg::mobile
