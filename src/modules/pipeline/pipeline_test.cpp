// M3 recruitment against a real SQLite database through the real router: each rule at its
// boundary (age 18, a year as activist, 3 days / 24 hours of training, a year of probation,
// step order and dates), sponsors and introducers, the member record created at approval and
// made full, the points ledger carried through a move, scope, the figure, and the me task.
#include "modules/pipeline/pipeline.h"

#include <gtest/gtest.h>

#include "../../../tests/unit/testing.h"
#include "core/checks.h"
#include "platform/figures.h"

namespace zg::pipeline {
namespace {

namespace bj = boost::json;

struct Fixture {
  testing::TestApp t;
  int64_t street1 = 0, street2 = 0, branch1 = 0, branch1b = 0, branch2 = 0, full1 = 0, full2 = 0, full3 = 0,
          prob1 = 0;

  int64_t member(int64_t orgId, int seq, const std::string& category) {
    bj::object b{{"name", "党员" + std::to_string(seq)},
                 {"idNumber", testing::idNumber(seq, "19700101")},
                 {"category", category},
                 {"orgId", orgId},
                 {"joinedOn", category == "full" ? "2000-07-01" : "2026-01-01"}};
    if (category == "full") b["fullOn"] = "2001-07-01";
    auto r = t.call("POST", "/api/members", b);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.at("id").as_int64();
  }

  Fixture() {
    t.login("admin", "Admin1234");
    street1 = t.createOrg(1, "甲街道党工委", "street_committee");
    street2 = t.createOrg(1, "乙街道党工委", "street_committee");
    branch1 = t.createOrg(street1, "甲第一党支部", "branch", "community");
    branch1b = t.createOrg(street1, "甲第二党支部", "branch", "community");
    branch2 = t.createOrg(street2, "乙第一党支部", "branch", "community");
    full1 = member(branch1, 1, "full");
    full2 = member(branch1, 2, "full");
    full3 = member(branch1, 3, "full");
    prob1 = member(branch1, 4, "probationary");
    auto c = t.db->acquire();
    store::Transaction tx(*c);
    auth::createUser(*c, auth::Actor::system(), "jd1", "甲街道", auth::Role::Street, street1, "Street1234");
    tx.commit();
  }

  testing::Reply apply(int seq, const std::string& birth, const std::string& appliedOn, int64_t orgId,
                       bool migrant = false) {
    return t.call("POST", "/api/pipeline/applicants",
                  bj::object{{"name", "申请人" + std::to_string(seq)},
                             {"idNumber", testing::idNumber(seq, birth)},
                             {"orgId", orgId},
                             {"migrant", migrant},
                             {"appliedOn", appliedOn}});
  }
  int64_t applicant(int seq, int64_t orgId = 0, bool migrant = false) {
    auto r = apply(seq, "19950315", "2023-01-10", orgId ? orgId : branch1, migrant);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.at("id").as_int64();
  }
  testing::Reply step(int64_t id, int no, const std::string& on) {
    return t.call("POST", "/api/pipeline/applicants/" + std::to_string(id) + "/steps",
                  bj::object{{"stepNo", no}, {"doneOn", on}, {"decision", "同意"}});
  }
  void ok(const testing::Reply& r) { ASSERT_TRUE(r.status == 201 || r.status == 200) << r.raw; }
  testing::Reply person(int64_t id, const std::string& role, int64_t memberId) {
    return t.call("POST", "/api/pipeline/applicants/" + std::to_string(id) + "/people",
                  bj::object{{"role", role}, {"memberId", memberId}, {"fromDate", "2023-07-02"}});
  }
  testing::Reply training(int64_t id, const std::string& from, const std::string& to, int days, int hours) {
    return t.call("POST", "/api/pipeline/applicants/" + std::to_string(id) + "/training",
                  bj::object{{"fromDate", from}, {"toDate", to}, {"days", days}, {"hours", hours}, {"organizer", "区委党校"}});
  }
  // Steps 2..upTo with plausible dates that satisfy every rule.
  void advance(int64_t id, int upTo) {
    const char* dates[26] = {"",           "2023-01-10", "2023-02-01", "2023-07-01", "2023-07-05", "2023-07-06",
                             "2024-06-01", "2024-07-01", "2024-07-05", "2024-07-10", "2024-07-20",
                             "2024-08-20", "2024-08-25", "2024-09-01", "2024-09-05", "2024-09-10",
                             "2024-09-20", "2024-10-08", "2024-10-15", "2024-10-16", "2024-10-20",
                             "2025-03-01", "2025-08-20", "2025-09-10", "2025-09-20", "2025-10-01"};
    auto detailOf = t.call("GET", "/api/pipeline/applicants/" + std::to_string(id));
    int last = static_cast<int>(detailOf.body.at("lastStep").as_int64());
    for (int no = last + 1; no <= upTo; ++no) {
      if (no == kStepSponsors) ok(person(id, "sponsor", full1));
      if (no == kStepIntroducers) {
        ok(person(id, "introducer", full2));
        ok(person(id, "introducer", full3));
      }
      if (no == kStepTraining) ok(training(id, "2024-08-12", "2024-08-14", 3, 24));
      auto r = step(id, no, dates[no]);
      ASSERT_EQ(r.status, 201) << "step " << no << ": " << r.raw;
    }
  }
  std::string field(const testing::Reply& r) { return std::string(r.body.at("field").as_string()); }
  std::string message(const testing::Reply& r) { return std::string(r.body.at("message").as_string()); }
};

TEST(Pipeline, AgeEighteenOnTheApplicationDay) {
  Fixture f;
  auto young = f.apply(10, "20050311", "2023-03-10", f.branch1);  // one day short of 18
  ASSERT_EQ(young.status, 400) << young.raw;
  EXPECT_EQ(f.field(young), "appliedOn");
  EXPECT_NE(f.message(young).find("年满18周岁"), std::string::npos) << young.raw;
  EXPECT_NE(f.message(young).find("2023-03-11"), std::string::npos) << young.raw;
  auto r = f.apply(10, "20050311", "2023-03-11", f.branch1);  // the birthday
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(r.body.at("stage").as_string(), "applicant");
  EXPECT_EQ(r.body.at("steps").as_array().size(), 1u);
  EXPECT_NE(std::string(r.body.at("idNumberMasked").as_string()).find("****"), std::string::npos);
  EXPECT_EQ(f.apply(10, "20050311", "2023-06-01", f.branch1).status, 409);  // duplicate ID number
  // The setting changes the rule.
  auto s = f.t.call("PUT", "/api/settings/pipeline.min_age", bj::object{{"value", 20}});
  ASSERT_EQ(s.status, 200) << s.raw;
  EXPECT_EQ(f.apply(11, "20040101", "2023-06-01", f.branch1).status, 400);
  // Bad ID number names the field; a duplicate is a conflict.
  auto bad = f.t.call("POST", "/api/pipeline/applicants",
                      bj::object{{"name", "甲"}, {"idNumber", "123"}, {"orgId", f.branch1}, {"appliedOn", "2023-01-01"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(f.field(bad), "idNumber");
  // The organization must be a branch.
  auto notBranch = f.apply(12, "19900101", "2023-06-01", f.street1);
  EXPECT_EQ(notBranch.status, 400);
  EXPECT_EQ(f.field(notBranch), "orgId");
}

TEST(Pipeline, StepsInOrderAndNotBeforeThePreviousDate) {
  Fixture f;
  int64_t id = f.applicant(20);
  auto skip = f.step(id, 3, "2023-07-01");
  ASSERT_EQ(skip.status, 400);
  EXPECT_EQ(f.field(skip), "stepNo");
  EXPECT_NE(f.message(skip).find("党组织派人谈话"), std::string::npos) << skip.raw;
  auto before = f.step(id, 2, "2023-01-09");  // the application was 2023-01-10
  ASSERT_EQ(before.status, 400);
  EXPECT_EQ(f.field(before), "doneOn");
  EXPECT_NE(f.message(before).find("2023-01-10"), std::string::npos);
  f.ok(f.step(id, 2, "2023-01-10"));  // same day is allowed
  auto future = f.step(id, 3, addDays(today(), 1).iso());
  EXPECT_EQ(future.status, 400);
  f.ok(f.step(id, 3, "2023-07-01"));
  auto d = f.t.call("GET", "/api/pipeline/applicants/" + std::to_string(id));
  EXPECT_EQ(d.body.at("stage").as_string(), "activist");
  EXPECT_EQ(d.body.at("activistOn").as_string(), "2023-07-01");
  EXPECT_EQ(d.body.at("nextStep").as_int64(), 4);
  EXPECT_EQ(d.body.at("nextEarliest").as_string(), "2023-07-01");
}

TEST(Pipeline, SponsorsBeforeStepFiveAndOnlyFullMembers) {
  Fixture f;
  int64_t id = f.applicant(30);
  auto early = f.person(id, "sponsor", f.full1);
  EXPECT_EQ(early.status, 400) << early.raw;  // not an activist yet
  f.advance(id, 4);
  auto none = f.step(id, 5, "2023-07-06");
  ASSERT_EQ(none.status, 400);
  EXPECT_NE(f.message(none).find("培养联系人"), std::string::npos);
  auto prob = f.person(id, "sponsor", f.prob1);
  ASSERT_EQ(prob.status, 400);
  EXPECT_EQ(f.field(prob), "memberId");
  f.ok(f.person(id, "sponsor", f.full1));
  f.ok(f.person(id, "sponsor", f.full2));
  EXPECT_EQ(f.person(id, "sponsor", f.full3).status, 400);  // at most 2
  f.ok(f.step(id, 5, "2023-07-06"));
}

TEST(Pipeline, OneYearAsActivistBeforeDevelopmentTarget) {
  Fixture f;
  int64_t id = f.applicant(40);
  f.advance(id, 6);  // activist on 2023-07-01
  auto d = f.t.call("GET", "/api/pipeline/applicants/" + std::to_string(id));
  EXPECT_EQ(d.body.at("nextEarliest").as_string(), "2024-07-01");
  auto early = f.step(id, 7, "2024-06-30");
  ASSERT_EQ(early.status, 400) << early.raw;
  EXPECT_EQ(f.field(early), "doneOn");
  EXPECT_EQ(early.body.at("code").as_string(), "too_early");
  EXPECT_NE(f.message(early).find("2024-07-01"), std::string::npos) << early.raw;
  f.ok(f.step(id, 7, "2024-07-01"));
  EXPECT_EQ(f.t.call("GET", "/api/pipeline/applicants/" + std::to_string(id)).body.at("stage").as_string(), "target");
}

TEST(Pipeline, IntroducersAreTwoFullMembers) {
  Fixture f;
  int64_t id = f.applicant(50);
  f.advance(id, 8);
  EXPECT_EQ(f.person(id, "introducer", f.prob1).status, 400);
  f.ok(f.person(id, "introducer", f.full2));
  auto one = f.step(id, 9, "2024-07-10");
  ASSERT_EQ(one.status, 400);
  EXPECT_NE(f.message(one).find("2名正式党员"), std::string::npos) << one.raw;
  // A member of another street is not found.
  int64_t other = f.member(f.branch2, 5, "full");
  f.t.login("jd1", "Street1234");
  EXPECT_EQ(f.person(id, "introducer", other).status, 400);
  f.ok(f.person(id, "introducer", f.full3));
  f.ok(f.step(id, 9, "2024-07-10"));
}

TEST(Pipeline, TrainingThreeDaysOrTwentyFourHours) {
  Fixture f;
  int64_t a = f.applicant(60), b = f.applicant(61), c = f.applicant(62);
  for (int64_t id : {a, b, c}) {
    f.advance(id, 10);
  }
  f.ok(f.training(a, "2024-08-12", "2024-08-13", 2, 16));
  auto shortA = f.step(a, 11, "2024-08-20");
  ASSERT_EQ(shortA.status, 400);
  EXPECT_EQ(shortA.body.at("code").as_string(), "training");
  EXPECT_NE(f.message(shortA).find("2天、16学时"), std::string::npos) << shortA.raw;
  f.ok(f.training(a, "2024-08-15", "2024-08-15", 1, 4));  // 3 days in total → enough
  f.ok(f.step(a, 11, "2024-08-20"));
  f.ok(f.training(b, "2024-08-12", "2024-08-13", 2, 24));  // 24 hours in 2 days → enough
  f.ok(f.step(b, 11, "2024-08-20"));
  f.ok(f.training(c, "2024-08-12", "2024-08-13", 2, 23));
  EXPECT_EQ(f.step(c, 11, "2024-08-20").status, 400);
  // Training days cannot exceed the dates.
  EXPECT_EQ(f.training(c, "2024-08-12", "2024-08-13", 3, 10).status, 400);
}

TEST(Pipeline, ApprovalCreatesTheProbationaryMemberAndProbationIsOneYear) {
  Fixture f;
  int64_t id = f.applicant(70);
  f.advance(id, 16);
  auto d = f.t.call("GET", "/api/pipeline/applicants/" + std::to_string(id));
  EXPECT_TRUE(d.body.at("memberId").is_null());
  f.ok(f.step(id, 17, "2024-10-08"));
  d = f.t.call("GET", "/api/pipeline/applicants/" + std::to_string(id));
  EXPECT_EQ(d.body.at("stage").as_string(), "probationary");
  int64_t memberId = d.body.at("memberId").as_int64();
  auto m = f.t.call("GET", "/api/members/" + std::to_string(memberId));
  ASSERT_EQ(m.status, 200) << m.raw;
  EXPECT_EQ(m.body.at("category").as_string(), "probationary");
  EXPECT_EQ(m.body.at("joinedOn").as_string(), "2024-09-10");  // the branch meeting (step 15)
  EXPECT_EQ(m.body.at("orgId").as_int64(), f.branch1);
  f.advance(id, 22);
  auto early = f.step(id, 23, "2025-09-09");
  ASSERT_EQ(early.status, 400) << early.raw;
  EXPECT_EQ(early.body.at("code").as_string(), "too_early");
  EXPECT_NE(f.message(early).find("2025-09-10"), std::string::npos) << early.raw;
  f.ok(f.step(id, 23, "2025-09-10"));
  f.ok(f.step(id, 24, "2025-09-20"));
  m = f.t.call("GET", "/api/members/" + std::to_string(memberId));
  EXPECT_EQ(m.body.at("category").as_string(), "full");
  EXPECT_EQ(m.body.at("fullOn").as_string(), "2025-09-10");
  f.ok(f.step(id, 25, "2025-10-01"));
  auto done = f.step(id, 25, "2025-10-02");
  EXPECT_EQ(done.status, 400);
  // Audit: the creation (step 1), each of steps 2..25, one sponsor, two introducers, one training.
  auto audit = f.t.call("GET", "/api/audit?entity=applicant&entityId=" + std::to_string(id) + "&pageSize=100");
  EXPECT_EQ(audit.body.at("total").as_int64(), 1 + 24 + 3 + 1);
}

TEST(Pipeline, PointsCarriedWhenTheApplicantMoves) {
  Fixture f;
  int64_t plain = f.applicant(80);
  auto cfg = f.t.call("GET", "/api/pipeline/config");
  int64_t item = cfg.body.at("pointItems").as_array()[0].at("id").as_int64();
  int64_t itemPts = cfg.body.at("pointItems").as_array()[0].at("points").as_int64();
  auto refused = f.t.call("POST", "/api/pipeline/applicants/" + std::to_string(plain) + "/points",
                          bj::object{{"itemId", item}, {"earnedOn", "2023-03-01"}});
  ASSERT_EQ(refused.status, 400);
  EXPECT_EQ(refused.body.at("code").as_string(), "not_migrant");
  int64_t id = f.applicant(81, f.branch1, true);
  f.advance(id, 4);
  for (const char* on : {"2023-03-01", "2023-05-01"})
    f.ok(f.t.call("POST", "/api/pipeline/applicants/" + std::to_string(id) + "/points",
                  bj::object{{"itemId", item}, {"earnedOn", on}}));
  // A district-staff change of the item's value does not rewrite earned points.
  f.ok(f.t.call("PUT", "/api/pipeline/point-items/" + std::to_string(item),
                bj::object{{"name", "参加志愿服务"}, {"points", itemPts + 3}}));
  auto mv = f.t.call("POST", "/api/pipeline/applicants/" + std::to_string(id) + "/move",
                     bj::object{{"orgId", f.branch1b}, {"movedOn", "2023-08-01"}, {"reason", "务工地变动"}});
  ASSERT_EQ(mv.status, 200) << mv.raw;
  f.ok(f.t.call("POST", "/api/pipeline/applicants/" + std::to_string(id) + "/points",
                bj::object{{"itemId", item}, {"earnedOn", "2023-09-01"}}));
  auto d = f.t.call("GET", "/api/pipeline/applicants/" + std::to_string(id));
  EXPECT_EQ(d.body.at("orgId").as_int64(), f.branch1b);
  EXPECT_EQ(d.body.at("points").as_int64(), itemPts * 2 + itemPts + 3);
  auto ledger = d.body.at("pointsLedger").as_array();
  ASSERT_EQ(ledger.size(), 3u);
  EXPECT_EQ(ledger[0].at("orgId").as_int64(), f.branch1);  // earned in the old branch, kept
  EXPECT_EQ(ledger[2].at("orgId").as_int64(), f.branch1b);
  EXPECT_EQ(d.body.at("steps").as_array().size(), 4u);  // the steps stay too
  EXPECT_EQ(d.body.at("moves").as_array().size(), 1u);
  // The activist year counts across the move: step 7 still refused before 2024-07-01.
  f.advance(id, 6);
  EXPECT_EQ(f.step(id, 7, "2024-06-30").status, 400);
  // A street user cannot move an applicant into another street (400 on orgId).
  f.t.login("jd1", "Street1234");
  auto out = f.t.call("POST", "/api/pipeline/applicants/" + std::to_string(id) + "/move",
                      bj::object{{"orgId", f.branch2}, {"movedOn", "2024-07-01"}, {"reason", "x"}});
  EXPECT_EQ(out.status, 400);
  EXPECT_EQ(f.field(out), "orgId");
}

TEST(Pipeline, ScopeHidesAnotherStreetsApplicants) {
  Fixture f;
  int64_t theirs = f.applicant(90, f.branch2);
  int64_t mine = f.applicant(91, f.branch1);
  f.t.login("jd1", "Street1234");
  EXPECT_EQ(f.t.call("GET", "/api/pipeline/applicants/" + std::to_string(theirs)).status, 404);
  EXPECT_EQ(f.step(theirs, 2, "2023-02-01").status, 404);
  auto board = f.t.call("GET", "/api/pipeline/board");
  ASSERT_EQ(board.status, 200);
  int64_t total = 0;
  for (auto& col : board.body.at("columns").as_array()) total += col.at("count").as_int64();
  EXPECT_EQ(total, 1);
  EXPECT_EQ(board.body.at("columns").as_array()[0].at("cards").as_array()[0].at("id").as_int64(), mine);
  EXPECT_EQ(f.apply(92, "19900101", "2023-01-01", f.branch2).status, 400);
}

TEST(Pipeline, FigureCountsMatchTheRecords) {
  Fixture f;
  int64_t a = f.applicant(100), b = f.applicant(101), c = f.applicant(102), d = f.applicant(103);
  f.advance(b, 3);
  f.advance(c, 17);
  f.advance(d, 24);
  (void)a;
  auto fig = figures::find("pipeline.by_stage");
  auto conn = f.t.db->acquire();
  figures::Query q;
  q.orgId = 1;
  q.orgPath = "/1/";
  q.scope = Scope("/1/");
  q.from = Date{2025, 1, 1};
  q.to = Date{2026, 1, 1};
  auto cells = fig.cells(*conn, q);
  std::map<std::string, int64_t> n;
  for (auto& cell : cells) {
    n[cell.key] = cell.count;
    auto recs = fig.records(*conn, q, cell.key, 0, -1);
    EXPECT_EQ(recs.total, cell.count) << cell.key;
    EXPECT_EQ(static_cast<int64_t>(recs.rows.size()), cell.count) << cell.key;
  }
  EXPECT_EQ(n["applicant"], 1);
  EXPECT_EQ(n["activist"], 1);
  EXPECT_EQ(n["target"], 0);
  EXPECT_EQ(n["probationary"], 1);  // c approved 2024-10-08, still probationary at 2025-12-31
  EXPECT_EQ(n["full"], 1);          // d became full in 2025
  // As of mid-2024, c and d were development targets.
  q.from = Date{2024, 1, 1};
  q.to = Date{2024, 8, 1};
  for (auto& cell : fig.cells(*conn, q))
    if (cell.key == "target") {
      EXPECT_EQ(cell.count, 2);
    }
}

TEST(Pipeline, ProbationaryMemberSeesTheTaskOnTheirPage) {
  Fixture f;
  int64_t id = f.applicant(110);
  f.advance(id, 17);
  int64_t memberId = f.t.call("GET", "/api/pipeline/applicants/" + std::to_string(id)).body.at("memberId").as_int64();
  auto c = f.t.db->acquire();
  me::Self self{memberId, "", Scope("/"), true};
  auto tasks = meTasks(*c, self, Date{2025, 8, 1});
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].kind, "pipeline");
  EXPECT_EQ(tasks[0].due.value_or(""), "2025-09-10");
  EXPECT_NE(tasks[0].title.find("提出书面转正申请"), std::string::npos) << tasks[0].title;
  // None for a member with no pipeline record.
  me::Self other{f.full1, "", Scope("/"), true};
  EXPECT_TRUE(meTasks(*c, other, Date{2025, 8, 1}).empty());
}

TEST(Pipeline, QuestionnaireForActivists) {
  Fixture f;
  int64_t id = f.applicant(120);
  auto cfg = f.t.call("GET", "/api/pipeline/config");
  int64_t q1 = cfg.body.at("questions").as_array()[0].at("id").as_int64();
  bj::object body{{"answeredOn", "2023-08-01"},
                  {"answers", bj::array{bj::object{{"questionId", q1}, {"answer", "为人民服务"}}}}};
  auto early = f.t.call("PUT", "/api/pipeline/applicants/" + std::to_string(id) + "/questionnaire", body);
  EXPECT_EQ(early.status, 400);
  f.advance(id, 3);
  auto r = f.t.call("PUT", "/api/pipeline/applicants/" + std::to_string(id) + "/questionnaire", body);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("questionnaire").as_array()[0].at("answer").as_string(), "为人民服务");
  // A new question added by district staff appears unanswered.
  auto add = f.t.call("POST", "/api/pipeline/questions", bj::object{{"text", "新问题"}, {"ord", 9}});
  ASSERT_EQ(add.status, 201) << add.raw;
  auto d = f.t.call("GET", "/api/pipeline/applicants/" + std::to_string(id));
  EXPECT_EQ(d.body.at("questionnaire").as_array().size(), 6u);
}

}  // namespace
}  // namespace zg::pipeline
