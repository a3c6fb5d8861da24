// The member's own page against a real SQLite database through the real router: a linked
// member sees their own record, ledger, mobility records and dues tasks; an unlinked login gets
// 404; the phone change is stored encrypted and audited with masks only; a member-role login can
// change nothing else.
#include "modules/me/me.h"

#include <gtest/gtest.h>

#include "../../../tests/unit/testing.h"
#include "core/checks.h"
#include "modules/dues/dues.h"

namespace zg::me {
namespace {

namespace bj = boost::json;

struct Fixture {
  testing::TestApp t;
  int64_t street1 = 0, branch1 = 0, branch2 = 0, mobile1 = 0, self = 0, other = 0;

  int64_t org(int64_t parent, const std::string& name, const std::string& kind, const std::string& type = "") {
    return t.createOrg(parent, name, kind, type);
  }
  int64_t member(int64_t orgId, const std::string& name, int seq) {
    auto r = t.call("POST", "/api/members",
                    bj::object{{"name", name},
                               {"idNumber", testing::idNumber(seq)},
                               {"category", "full"},
                               {"orgId", orgId},
                               {"phone", "13900001111"},
                               {"joinedOn", "2005-07-01"},
                               {"fullOn", "2006-07-01"}});
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.at("id").as_int64();
  }
  void user(const std::string& name, std::optional<int64_t> memberId) {
    auto c = t.db->acquire();
    store::Transaction tx(*c);
    auth::createUser(*c, auth::Actor::system(), name, name, auth::Role::Member, branch1, "Member1234", memberId);
    tx.commit();
  }

  Fixture() {
    t.login("admin", "Admin1234");
    street1 = org(1, "甲街道党工委", "street_committee");
    branch1 = org(street1, "甲第一党支部", "branch", "community");
    branch2 = org(street1, "甲第二党支部", "branch", "community");
    mobile1 = org(street1, "甲流动党员党支部", "branch", "mobile");
    self = member(branch1, "张自己", 21);
    other = member(branch1, "李别人", 22);
    // A dues base from three months ago, the month before last paid; an outflow record with a contact.
    dues::Month now = dues::monthOf(today());
    auto r = t.call("PUT", "/api/dues/members/" + std::to_string(self) + "/base",
                    bj::object{{"kind", "employed"}, {"baseFen", 450000}, {"fromMonth", dues::monthText(now - 2)}});
    EXPECT_EQ(r.status, 200) << r.raw;
    r = t.call(
        "POST", "/api/dues/payments",
        bj::object{
            {"memberId", self}, {"month", dues::monthText(now - 2)}, {"amountFen", 4500}, {"paidOn", today().iso()}});
    EXPECT_EQ(r.status, 201) << r.raw;
    r = t.call("POST", "/api/mobile/records",
               bj::object{{"memberId", self},
                          {"direction", "outflow"},
                          {"place", "广东省深圳市"},
                          {"sinceDate", "2024-03-01"},
                          {"mobileBranchId", mobile1}});
    EXPECT_EQ(r.status, 201) << r.raw;
    int64_t rec = r.body.at("id").as_int64();
    r = t.call("POST", "/api/mobile/records/" + std::to_string(rec) + "/contacts",
               bj::object{{"contactedOn", today().iso()}, {"channel", "电话"}});
    EXPECT_EQ(r.status, 201) << r.raw;
    user("zhangzj", self);
    user("nobody", std::nullopt);
  }
};

TEST(Me, LinkedMemberSeesOwnRecordLedgerMobilityAndTasks) {
  Fixture f;
  f.t.login("zhangzj", "Member1234");
  auto me = f.t.call("GET", "/api/auth/me");
  ASSERT_EQ(me.status, 200) << me.raw;
  EXPECT_EQ(me.body.at("user").at("memberId").as_int64(), f.self);

  auto r = f.t.call("GET", "/api/me");
  ASSERT_EQ(r.status, 200) << r.raw;
  const auto& m = r.body.at("member");
  EXPECT_EQ(m.at("id").as_int64(), f.self);
  EXPECT_EQ(m.at("name").as_string(), "张自己");
  EXPECT_EQ(m.at("placements").as_array().size(), 1u);
  EXPECT_EQ(r.raw.find(testing::idNumber(21)), std::string::npos) << "the clear ID number must not be sent";
  EXPECT_EQ(r.raw.find("13900001111"), std::string::npos) << "the clear phone must not be sent";
  EXPECT_EQ(m.at("phoneMasked").as_string(), maskPhone("13900001111"));

  const auto& d = r.body.at("dues");
  EXPECT_EQ(d.at("months").as_array().size(), 12u);
  EXPECT_EQ(d.at("base").at("monthlyDueFen").as_int64(), 4500);

  const auto& mob = r.body.at("mobility").as_array();
  ASSERT_EQ(mob.size(), 1u);
  EXPECT_EQ(mob[0].at("contacts").as_array().size(), 1u);

  // Paid two months ago; last month and this month are owed.
  const auto& tasks = r.body.at("tasks").as_array();
  ASSERT_EQ(tasks.size(), 2u) << r.raw;
  for (const auto& t : tasks) EXPECT_EQ(t.at("kind").as_string(), "dues");
  EXPECT_EQ(tasks[1].at("title").as_string(), "本月党费待交纳（¥45.00）");
  EXPECT_NE(tasks[0].at("title").as_string().find("党费未交纳"), bj::string::npos);
  EXPECT_EQ(tasks[1].at("link").as_string(), "/me#dues");

  // The member reads nothing else: another member, lists, the dues of another member.
  EXPECT_EQ(f.t.call("GET", "/api/members/" + std::to_string(f.other)).status, 403);
  EXPECT_EQ(f.t.call("GET", "/api/members").status, 403);
  EXPECT_EQ(f.t.call("GET", "/api/dues/members/" + std::to_string(f.other)).status, 403);
}

TEST(Me, UnlinkedLoginGets404) {
  Fixture f;
  f.t.login("nobody", "Member1234");
  auto r = f.t.call("GET", "/api/me");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body.at("message").as_string(), "当前账号未关联党员档案");
  EXPECT_EQ(f.t.call("PUT", "/api/me/phone", bj::object{{"phone", "13900002222"}}).status, 404);
  f.t.login("admin", "Admin1234");  // staff without a member record: the same
  EXPECT_EQ(f.t.call("GET", "/api/me").status, 404);
}

TEST(Me, PhoneChangeIsEncryptedAndAuditedWithMasksOnly) {
  Fixture f;
  f.t.login("zhangzj", "Member1234");
  auto bad = f.t.call("PUT", "/api/me/phone", bj::object{{"phone", "12345"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.at("field").as_string(), "phone");
  bad = f.t.call("PUT", "/api/me/phone", bj::object{{"phone", "010-12345678"}});  // a landline is not a mobile
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.at("field").as_string(), "phone");
  bad = f.t.call("PUT", "/api/me/phone", bj::object{});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.at("field").as_string(), "phone");

  auto r = f.t.call("PUT", "/api/me/phone", bj::object{{"phone", "139 0000 2222"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("phoneMasked").as_string(), maskPhone("13900002222"));
  EXPECT_EQ(r.raw.find("13900002222"), std::string::npos);

  auto c = f.t.db->acquire();
  auto rows = c->query("SELECT phone_enc, phone_mask FROM members WHERE id = ?", {f.self});
  auto row = rows.front();
  EXPECT_EQ(row.text(0).find("13900002222"), std::string::npos);
  EXPECT_EQ(f.t.app->cipher.decrypt(row.text(0)), "13900002222");
  EXPECT_EQ(row.text(1), maskPhone("13900002222"));

  auto a = c->query(
      "SELECT COALESCE(before_json,''), COALESCE(after_json,''), summary, entity_id FROM audit_log "
      "WHERE entity = 'member' AND action = 'update' AND summary LIKE '修改手机号码%' ORDER BY id DESC");
  ASSERT_EQ(a.size(), 1u);
  auto entry = a.front();
  EXPECT_EQ(entry.i64(3), f.self);
  EXPECT_NE(entry.text(2).find("修改手机号码"), std::string::npos);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(entry.text(i).find("13900002222"), std::string::npos);
    EXPECT_EQ(entry.text(i).find("13900001111"), std::string::npos);
  }
  EXPECT_NE(entry.text(1).find(maskPhone("13900002222")), std::string::npos);
}

TEST(Me, MemberRoleChangesNothingElse) {
  Fixture f;
  f.t.login("zhangzj", "Member1234");
  std::string self = std::to_string(f.self);
  EXPECT_EQ(f.t.call("POST", "/api/members",
                     bj::object{{"name", "新人"}, {"idNumber", testing::idNumber(23)}, {"category", "full"}, {"orgId", f.branch1}})
                .status,
            403);
  EXPECT_EQ(f.t.call("PUT", "/api/members/" + self, bj::object{{"name", "改名"}, {"version", 1}}).status, 403);
  EXPECT_EQ(f.t.call("POST", "/api/members/" + self + "/move", bj::object{{"orgId", f.branch2}}).status, 403);
  EXPECT_EQ(f.t.call("POST", "/api/dues/payments",
                     bj::object{{"memberId", f.self},
                                {"month", dues::monthText(dues::monthOf(today()))},
                                {"amountFen", 4500},
                                {"paidOn", today().iso()}})
                .status,
            403);
  EXPECT_EQ(f.t.call("PUT", "/api/dues/members/" + self + "/base",
                     bj::object{{"kind", "fixed"}, {"amountFen", 1}, {"fromMonth", "2020-01"}})
                .status,
            403);
  EXPECT_EQ(
      f.t.call("POST", "/api/orgs", bj::object{{"parentId", f.street1}, {"name", "x"}, {"kind", "branch"}}).status,
      403);
  auto c = f.t.db->acquire();
  EXPECT_EQ(c->scalar("SELECT name FROM members WHERE id = ?", {f.self})->asText(), "张自己");
}

}  // namespace
}  // namespace zg::me
