// Transfer of organizational relationship 组织关系接转 against a real SQLite database through the
// real router: the state machine and its two sides, the placement invariant (one branch, never
// two, never none; only completion changes it; a completion racing with another move), the
// letter, the public receipt, transfers into the district, overdue, figures and 我的待办.
#include "modules/transfer/transfer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "../../../tests/unit/testing.h"
#include "core/checks.h"
#include "modules/transfer/transfer_internal.h"
#include "platform/figures.h"

namespace zg::transfer {
namespace {

namespace bj = boost::json;

struct Fixture {
  testing::TestApp t;
  int64_t street1 = 0, street2 = 0, street3 = 0, branchA = 0, branchA2 = 0, branchB = 0, communityB = 0;
  int64_t member = 0;

  Fixture() {
    t.login("admin", "Admin1234");
    street1 = t.createOrg(1, "甲街道党工委", "street_committee");
    street2 = t.createOrg(1, "乙街道党工委", "street_committee");
    street3 = t.createOrg(1, "丙街道党工委", "street_committee");
    branchA = t.createOrg(street1, "甲一社区党支部", "branch", "community");
    branchA2 = t.createOrg(street1, "甲二社区党支部", "branch", "community");
    branchB = t.createOrg(street2, "乙一社区党支部", "branch", "community");
    member = newMember(branchA, 31);
    auto c = t.db->acquire();
    store::Transaction tx(*c);
    auth::createUser(*c, auth::Actor::system(), "jd1", "甲街道", auth::Role::Street, street1, "Street1234");
    auth::createUser(*c, auth::Actor::system(), "jd2", "乙街道", auth::Role::Street, street2, "Street1234");
    auth::createUser(*c, auth::Actor::system(), "jd3", "丙街道", auth::Role::Street, street3, "Street1234");
    tx.commit();
  }

  int64_t newMember(int64_t orgId, int seq) {
    auto r = t.call("POST", "/api/members",
                    bj::object{{"name", "接转" + std::to_string(seq)},
                               {"idNumber", testing::idNumber(seq, "19850315")},
                               {"category", "full"},
                               {"orgId", orgId},
                               {"joinedOn", "2008-07-01"},
                               {"fullOn", "2009-07-01"}});
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.status == 201 ? r.body.at("id").as_int64() : 0;
  }

  // The member's placements as (org, from, to) with to "" when open.
  std::vector<std::tuple<int64_t, std::string, std::string>> placements(int64_t memberId) {
    auto c = t.db->acquire();
    std::vector<std::tuple<int64_t, std::string, std::string>> out;
    for (auto x : c->query("SELECT org_id, from_date, to_date FROM member_placements WHERE member_id = ? ORDER BY id",
                           {memberId}))
      out.emplace_back(x.i64(0), x.text(1), x.isNull(2) ? "" : x.text(2));
    return out;
  }
  int64_t openPlacements(int64_t memberId) {
    auto c = t.db->acquire();
    return c->scalar("SELECT COUNT(*) FROM member_placements WHERE member_id = ? AND to_date IS NULL", {memberId})
        ->asInt();
  }
  int64_t orgOf(int64_t memberId) {
    auto c = t.db->acquire();
    return c->scalar("SELECT org_id FROM members WHERE id = ?", {memberId})->asInt();
  }

  testing::Reply startWithin(int64_t memberId, int64_t toOrgId) {
    return t.call("POST", "/api/transfers",
                  bj::object{{"direction", "within"}, {"memberId", memberId}, {"toOrgId", toOrgId}, {"reason", "工作调动"}});
  }
};

std::string path(int64_t id, const std::string& rest = "") { return "/api/transfers/" + std::to_string(id) + rest; }

TEST(Transfer, WithinDistrictBothSidesEachDoTheirPartAndPlacementChangesOnlyOnCompletion) {
  Fixture f;
  f.t.login("jd1", "Street1234");
  auto r = f.startWithin(f.member, f.branchB);
  ASSERT_EQ(r.status, 201) << r.raw;
  int64_t id = r.body.at("id").as_int64();
  EXPECT_EQ(r.body.at("state"), "started");
  std::string code(r.body.at("code").as_string());
  EXPECT_EQ(code.substr(0, 2), "JZ");
  EXPECT_EQ(code.size(), std::string("JZ2026-000001").size());
  EXPECT_TRUE(r.body.at("actions").at("send").as_bool());
  EXPECT_FALSE(r.body.at("actions").at("complete").as_bool());
  EXPECT_EQ(f.orgOf(f.member), f.branchA);

  // The receiving side sees it under 转入 but may not send or cancel; a third street sees nothing.
  f.t.login("jd2", "Street1234");
  r = f.t.call("GET", "/api/transfers?tab=in");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("total").as_int64(), 1);
  EXPECT_EQ(f.t.call("GET", "/api/transfers?tab=out").body.at("total").as_int64(), 0);
  EXPECT_EQ(f.t.call("POST", path(id, "/send")).status, 403);
  EXPECT_EQ(f.t.call("POST", path(id, "/cancel"), bj::object{{"reason", "x"}}).status, 403);
  EXPECT_EQ(f.t.call("POST", path(id, "/receive")).status, 409);  // not sent yet
  f.t.login("jd3", "Street1234");
  EXPECT_EQ(f.t.call("GET", path(id)).status, 404);
  EXPECT_EQ(f.t.call("GET", "/api/transfers").body.at("total").as_int64(), 0);
  EXPECT_EQ(f.t.call("POST", path(id, "/receive")).status, 404);

  f.t.login("jd1", "Street1234");
  r = f.t.call("POST", path(id, "/send"));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("state"), "sent");
  EXPECT_EQ(r.body.at("deadline").as_string(), addDays(today(), 30).iso());
  EXPECT_EQ(f.t.call("POST", path(id, "/send")).status, 409);
  EXPECT_EQ(f.t.call("POST", path(id, "/receive")).status, 403);  // the sending side does not receive
  EXPECT_EQ(f.orgOf(f.member), f.branchA);

  f.t.login("jd2", "Street1234");
  EXPECT_EQ(f.t.call("POST", path(id, "/complete")).status, 409);  // receive first
  r = f.t.call("POST", path(id, "/receive"));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(f.orgOf(f.member), f.branchA);
  EXPECT_EQ(f.openPlacements(f.member), 1);
  r = f.t.call("POST", path(id, "/complete"));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("state"), "completed");
  EXPECT_EQ(r.body.at("events").as_array().size(), 4u);
  EXPECT_EQ(r.body.at("events").as_array()[3].at("by"), "乙街道(jd2)");

  // Closed and opened the same day: never two, never none.
  auto ps = f.placements(f.member);
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(std::get<0>(ps[0]), f.branchA);
  EXPECT_EQ(std::get<2>(ps[0]), today().iso());
  EXPECT_EQ(std::get<0>(ps[1]), f.branchB);
  EXPECT_EQ(std::get<1>(ps[1]), today().iso());
  EXPECT_EQ(std::get<2>(ps[1]), "");
  EXPECT_EQ(f.orgOf(f.member), f.branchB);
  EXPECT_EQ(f.t.call("POST", path(id, "/complete")).status, 409);
  // Both sides still see the finished case.
  f.t.login("jd1", "Street1234");
  EXPECT_EQ(f.t.call("GET", path(id)).status, 200);
}

TEST(Transfer, OneOpenCasePerMember) {
  Fixture f;
  f.t.login("jd1", "Street1234");
  ASSERT_EQ(f.startWithin(f.member, f.branchB).status, 201);
  auto r = f.startWithin(f.member, f.branchA2);
  EXPECT_EQ(r.status, 409) << r.raw;
  EXPECT_EQ(r.body.at("code"), "open_case");
  EXPECT_EQ(r.body.at("field"), "memberId");
  r = f.t.call("POST", "/api/transfers",
               bj::object{{"direction", "out"}, {"memberId", f.member}, {"toOutside", "中共某县某支部"}, {"reason", "迁居"}});
  EXPECT_EQ(r.status, 409);
  // The database refuses a second open case even past the check.
  auto c = f.t.db->acquire();
  EXPECT_THROW(c->exec("INSERT INTO transfer_cases(check_code, direction, state, member_id, member_name, reason, "
                       "started_on, created_at, updated_at) VALUES ('X','within','sent',?,'x','x','2026-01-01','t','t')",
                       {f.member}),
               Error);
}

TEST(Transfer, ReturnedAndCancelledLeaveThePlacementUntouched) {
  Fixture f;
  auto before = f.placements(f.member);
  f.t.login("jd1", "Street1234");
  int64_t a = f.startWithin(f.member, f.branchB).body.at("id").as_int64();
  ASSERT_EQ(f.t.call("POST", path(a, "/send")).status, 200);
  f.t.login("jd2", "Street1234");
  ASSERT_EQ(f.t.call("POST", path(a, "/receive")).status, 200);
  auto r = f.t.call("POST", path(a, "/return"), bj::object{});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.at("field"), "reason");
  r = f.t.call("POST", path(a, "/return"), bj::object{{"reason", "接收组织有误"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("state"), "returned");
  EXPECT_EQ(f.placements(f.member), before);
  EXPECT_EQ(f.t.call("POST", path(a, "/complete")).status, 409);

  // A new case may start after a return; cancelling it leaves the placement too.
  f.t.login("jd1", "Street1234");
  r = f.startWithin(f.member, f.branchA2);
  ASSERT_EQ(r.status, 201) << r.raw;
  int64_t b = r.body.at("id").as_int64();
  ASSERT_EQ(f.t.call("POST", path(b, "/send")).status, 200);
  r = f.t.call("POST", path(b, "/cancel"), bj::object{{"reason", "本人申请暂缓"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("state"), "cancelled");
  EXPECT_EQ(f.placements(f.member), before);
  EXPECT_EQ(f.orgOf(f.member), f.branchA);
}

TEST(Transfer, CompletionRacingWithAnotherMoveCannotPlaceTheMemberTwice) {
  Fixture f;
  f.t.login("jd1", "Street1234");
  int64_t id = f.startWithin(f.member, f.branchB).body.at("id").as_int64();
  ASSERT_EQ(f.t.call("POST", path(id, "/send")).status, 200);
  f.t.login("jd2", "Street1234");
  ASSERT_EQ(f.t.call("POST", path(id, "/receive")).status, 200);
  // Meanwhile the sending street moves the member to another of its branches.
  f.t.login("jd1", "Street1234");
  auto r = f.t.call("POST", "/api/members/" + std::to_string(f.member) + "/move",
                    bj::object{{"orgId", f.branchA2}, {"reason", "社区调整"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  f.t.login("jd2", "Street1234");
  r = f.t.call("POST", path(id, "/complete"));
  EXPECT_EQ(r.status, 409) << r.raw;
  EXPECT_EQ(r.body.at("code"), "moved");
  EXPECT_EQ(f.openPlacements(f.member), 1);
  EXPECT_EQ(f.orgOf(f.member), f.branchA2);
  EXPECT_EQ(f.t.call("GET", path(id)).body.at("state"), "received");  // rolled back whole
  // The database itself refuses a second open placement.
  auto c = f.t.db->acquire();
  EXPECT_THROW(c->exec("INSERT INTO member_placements(member_id, org_id, from_date) VALUES (?,?,?)",
                       {f.member, f.branchB, today().iso()}),
               Error);
  // A removed member cannot be completed either.
  int64_t other = 0;
  {
    f.t.login("admin", "Admin1234");
    other = f.newMember(f.branchA, 32);
  }
  f.t.login("jd1", "Street1234");
  int64_t id2 = f.startWithin(other, f.branchB).body.at("id").as_int64();
  ASSERT_EQ(f.t.call("POST", path(id2, "/send")).status, 200);
  ASSERT_EQ(f.t.call("DELETE", "/api/members/" + std::to_string(other), bj::object{{"reason", "死亡"}}).status, 200);
  f.t.login("jd2", "Street1234");
  ASSERT_EQ(f.t.call("POST", path(id2, "/receive")).status, 200);
  EXPECT_EQ(f.t.call("POST", path(id2, "/complete")).status, 409);
  EXPECT_EQ(f.openPlacements(other), 0);
}

TEST(Transfer, BadInputNamesTheField) {
  Fixture f;
  f.t.login("jd1", "Street1234");
  auto r = f.t.call("POST", "/api/transfers", bj::object{{"direction", "within"}, {"memberId", f.member}, {"toOrgId", f.branchB}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.at("field"), "reason");
  r = f.t.call("POST", "/api/transfers", bj::object{{"direction", "within"}, {"memberId", f.member}, {"reason", "x"}});
  EXPECT_EQ(r.body.at("field"), "toOrgId");
  r = f.startWithin(f.member, f.street2);  // a committee, not a branch
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.at("field"), "toOrgId");
  r = f.startWithin(f.member, f.branchA);
  EXPECT_EQ(r.body.at("field"), "toOrgId");
  r = f.t.call("POST", "/api/transfers", bj::object{{"direction", "sideways"}, {"reason", "x"}});
  EXPECT_EQ(r.body.at("field"), "direction");
  r = f.t.call("POST", "/api/transfers", bj::object{{"direction", "out"}, {"memberId", f.member}, {"reason", "x"}});
  EXPECT_EQ(r.body.at("field"), "toOutside");
  // Street 2 cannot start a transfer of street 1's member.
  f.t.login("jd2", "Street1234");
  r = f.startWithin(f.member, f.branchB);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.at("field"), "memberId");
}

std::string pdfText(const std::string& bytes) {
  std::string p = ::testing::TempDir() + "zg_transfer_letter.pdf";
  std::ofstream(p, std::ios::binary) << bytes;
  std::string out;
  if (FILE* h = popen(("pdftotext -layout " + p + " - 2>/dev/null").c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, h)) > 0) out.append(buf, n);
    pclose(h);
  }
  return out;
}

TEST(Transfer, OutOfDistrictLetterAndPublicReceiptRemoveTheMember) {
  Fixture f;
  f.t.login("jd1", "Street1234");
  auto r = f.t.call("POST", "/api/transfers",
                    bj::object{{"direction", "out"},
                               {"memberId", f.member},
                               {"toOutside", "中共宁波市海曙区某社区支部委员会"},
                               {"reason", "迁居外地"}});
  ASSERT_EQ(r.status, 201) << r.raw;
  int64_t id = r.body.at("id").as_int64();
  std::string code(r.body.at("code").as_string());
  EXPECT_EQ(f.t.call("GET", path(id, "/letter.pdf")).status, 409);  // not sent yet
  ASSERT_EQ(f.t.call("POST", path(id, "/send")).status, 200);
  r = f.t.call("GET", path(id));
  std::string check(r.body.at("checkCode").as_string());
  EXPECT_EQ(check.size(), 6u);
  auto pdf = f.t.call("GET", path(id, "/letter.pdf"));
  ASSERT_EQ(pdf.status, 200);
  ASSERT_EQ(pdf.raw.substr(0, 5), "%PDF-");
  std::string text = pdfText(pdf.raw);
  EXPECT_NE(text.find("中国共产党党员组织关系介绍信"), std::string::npos) << text;
  EXPECT_NE(text.find(code), std::string::npos);
  EXPECT_NE(text.find(check), std::string::npos);
  EXPECT_NE(text.find("接转31"), std::string::npos);
  EXPECT_NE(text.find(testing::idNumber(31, "19850315")), std::string::npos);
  EXPECT_NE(text.find("有效期30天"), std::string::npos);
  EXPECT_NE(text.find("/t/" + code), std::string::npos);

  // The public page: masked name; wrong check parts are counted and lock the letter.
  auto c = f.t.db->acquire();
  auto v = publicView(*c, code);
  EXPECT_EQ(v.at("memberName"), "接***");  // 接转31: first character kept
  EXPECT_TRUE(v.at("canConfirm").as_bool());
  EXPECT_THROW(publicView(*c, "JZ0000-999999"), Error);
  EXPECT_THROW(publicView(*c, "<script>"), Error);
  try {
    confirmPublic(*c, code, "ZZZZZZ", "某社区支部", "10.0.0.9");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "check");
    EXPECT_NE(e.message().find("还可尝试4次"), std::string::npos) << e.message();
  }
  EXPECT_EQ(f.orgOf(f.member), f.branchA);
  EXPECT_EQ(f.openPlacements(f.member), 1);
  std::string lower = check;
  for (auto& ch : lower) ch = static_cast<char>(std::tolower(ch));
  confirmPublic(*c, code, lower.substr(0, 3) + "-" + lower.substr(3), "中共宁波市海曙区某社区支部委员会", "10.0.0.9");
  r = f.t.call("GET", path(id));
  EXPECT_EQ(r.body.at("state"), "completed");
  EXPECT_EQ(r.body.at("memberActive"), false);
  EXPECT_EQ(f.openPlacements(f.member), 0);
  EXPECT_EQ(c->scalar("SELECT removed_reason FROM members WHERE id = ?", {f.member})->asText(), "转出");
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM audit_log WHERE entity = 'transfer' AND action = 'receipt' AND actor_name LIKE "
                      "'%介绍信回执%'")
                ->asInt(),
            1);
  EXPECT_THROW(confirmPublic(*c, code, check, "x", "10.0.0.9"), Error);  // once only
}

TEST(Transfer, PublicReceiptLocksAfterTooManyWrongCheckParts) {
  Fixture f;
  f.t.login("jd1", "Street1234");
  int64_t id = f.t.call("POST", "/api/transfers",
                        bj::object{{"direction", "out"}, {"memberId", f.member}, {"toOutside", "外地支部"}, {"reason", "迁居"}})
                   .body.at("id")
                   .as_int64();
  ASSERT_EQ(f.t.call("POST", path(id, "/send")).status, 200);
  auto d = f.t.call("GET", path(id));
  std::string code(d.body.at("code").as_string()), check(d.body.at("checkCode").as_string());
  auto c = f.t.db->acquire();
  for (int i = 0; i < 5; ++i) EXPECT_THROW(confirmPublic(*c, code, "WRONG1", "外地支部", "10.0.0.8"), Error);
  try {
    confirmPublic(*c, code, check, "外地支部", "10.0.0.8");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "locked");
  }
  EXPECT_FALSE(publicView(*c, code).at("canConfirm").as_bool());
  EXPECT_EQ(f.openPlacements(f.member), 1);
  EXPECT_EQ(f.orgOf(f.member), f.branchA);
}

TEST(Transfer, IntoTheDistrictCreatesTheMemberOnlyOnCompletion) {
  Fixture f;
  f.t.login("jd2", "Street1234");
  std::string idn = testing::idNumber(77, "19900101");
  bj::object body{{"direction", "in"},
                  {"toOrgId", f.branchB},
                  {"fromOutside", "中共绍兴市越城区某支部委员会"},
                  {"outsideLetter", "越组转〔2026〕15号"},
                  {"reason", "工作调入"},
                  {"name", "外来党员"},
                  {"idNumber", idn},
                  {"category", "full"},
                  {"joinedOn", "2012-06-01"},
                  {"fullOn", "2013-06-01"}};
  auto r = f.t.call("POST", "/api/transfers", body);
  ASSERT_EQ(r.status, 201) << r.raw;
  int64_t id = r.body.at("id").as_int64();
  EXPECT_EQ(r.body.at("state"), "sent");
  EXPECT_TRUE(r.body.at("memberId").is_null());
  EXPECT_EQ(r.body.at("fromName"), "中共绍兴市越城区某支部委员会");
  auto c = f.t.db->acquire();
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM members WHERE name = '外来党员'")->asInt(), 0);
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM transfer_cases WHERE in_member_enc LIKE ?", {"%" + idn + "%"})->asInt(), 0);
  EXPECT_EQ(f.t.call("POST", "/api/transfers", body).status, 409);  // one open case per person
  EXPECT_EQ(f.t.call("POST", path(id, "/send")).status, 403);
  ASSERT_EQ(f.t.call("POST", path(id, "/receive")).status, 200);
  r = f.t.call("POST", path(id, "/complete"));
  ASSERT_EQ(r.status, 200) << r.raw;
  int64_t m = r.body.at("memberId").as_int64();
  EXPECT_EQ(f.orgOf(m), f.branchB);
  auto ps = f.placements(m);
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(std::get<1>(ps[0]), today().iso());
  // Street 1 never sees it.
  f.t.login("jd1", "Street1234");
  EXPECT_EQ(f.t.call("GET", path(id)).status, 404);
  // An ID number already in the registry cannot come in.
  f.t.login("jd2", "Street1234");
  r = f.t.call("POST", "/api/transfers", body);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body.at("field"), "idNumber");
  body["idNumber"] = "330104199001010000";
  EXPECT_EQ(f.t.call("POST", "/api/transfers", body).body.at("field"), "idNumber");
}

TEST(Transfer, OverdueLettersFiguresAndTheMembersTask) {
  Fixture f;
  f.t.login("jd1", "Street1234");
  int64_t a = f.startWithin(f.member, f.branchB).body.at("id").as_int64();
  ASSERT_EQ(f.t.call("POST", path(a, "/send")).status, 200);
  {
    auto c = f.t.db->acquire();
    me::Self self{f.member, "", Scope(), true};
    auto tasks = memberTasks(*c, self, today());
    ASSERT_EQ(tasks.size(), 1u);
    EXPECT_EQ(tasks[0].kind, "transfer");
    EXPECT_NE(tasks[0].title.find("乙一社区党支部"), std::string::npos);
    EXPECT_EQ(*tasks[0].due, addDays(today(), 30).iso());
    EXPECT_TRUE(overdue(*c, Scope::all(), today()).empty());
    EXPECT_EQ(overdue(*c, Scope::all(), addDays(today(), 31)), std::vector<int64_t>{a});
    c->exec("UPDATE transfer_cases SET deadline = ? WHERE id = ?", {addDays(today(), -1).iso(), a});
  }
  auto r = f.t.call("GET", "/api/transfers?overdue=true");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("total").as_int64(), 1);
  EXPECT_TRUE(r.body.at("items").as_array()[0].at("overdue").as_bool());
  f.t.login("jd2", "Street1234");
  ASSERT_EQ(f.t.call("POST", path(a, "/receive")).status, 200);
  ASSERT_EQ(f.t.call("POST", path(a, "/complete")).status, 200);
  EXPECT_EQ(f.t.call("GET", "/api/transfers?overdue=true").body.at("total").as_int64(), 0);

  // Figures: street 2 counts one in, street 1 one out, the district one inside; records = count.
  registerFigures();
  auto flow = figures::find("transfer.flow");
  auto c = f.t.db->acquire();
  auto ask = [&](int64_t orgId, const std::string& cell) {
    std::string p = c->scalar("SELECT path FROM orgs WHERE id = ?", {orgId})->asText();
    figures::Query q{orgId, p, Scope(p), addDays(today(), -30), addDays(today(), 1)};
    int64_t n = -1;
    for (auto& x : flow.cells(*c, q))
      if (x.key == cell) n = x.count;
    auto recs = flow.records(*c, q, cell, 0, -1);
    EXPECT_EQ(recs.total, n) << cell;
    EXPECT_EQ(static_cast<int64_t>(recs.rows.size()), n) << cell;
    return n;
  };
  EXPECT_EQ(ask(f.street2, "in"), 1);
  EXPECT_EQ(ask(f.street2, "out"), 0);
  EXPECT_EQ(ask(f.street1, "out"), 1);
  EXPECT_EQ(ask(f.street1, "in"), 0);
  EXPECT_EQ(ask(1, "inside"), 1);
  EXPECT_EQ(ask(1, "in"), 0);
  EXPECT_EQ(ask(f.street3, "in"), 0);
  auto open = figures::find("transfer.open");
  std::string p1 = c->scalar("SELECT path FROM orgs WHERE id = ?", {f.street1})->asText();
  figures::Query q{f.street1, p1, Scope(p1), addDays(today(), -1), today()};  // as of yesterday: not yet started
  EXPECT_EQ(open.cells(*c, q)[0].count, 0);
  me::Self self{f.member, "", Scope(), true};
  EXPECT_TRUE(memberTasks(*c, self, today()).empty());
}

TEST(Transfer, LetterCodesAndCheckParts) {
  EXPECT_EQ(letterCode(2026, 123), "JZ2026-000123");
  std::string a = newCheckPart(), b = newCheckPart();
  EXPECT_EQ(a.size(), 6u);
  EXPECT_NE(a, b);
  for (char ch : a) EXPECT_EQ(std::string("ABCDEFGHJKLMNPQRSTUVWXYZ23456789").find(ch) != std::string::npos, true);
}

}  // namespace
}  // namespace zg::transfer
