// The demo's recruitment data obeys the rules the module enforces: steps 1..n in order with
// dates never going back, 18 at application, a year as activist, training before step 11, a
// year of probation, the registry's probationary members linked with joined_on = step 15, and
// migrant workers with points; applicants at every stage; deterministic; refused twice.
#include "app/demo_pipeline.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "app/app.h"
#include "app/demo.h"
#include "core/error.h"
#include "modules/orgs/orgs.h"

namespace zg {
namespace {

TEST(DemoPipeline, FollowsTheRecruitmentRules) {
  auto dir = std::filesystem::temp_directory_path() / ("zg-demo-pipe-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    auto db = store::open((dir / "d.db").string());
    store::migrate(*db);
    app::registerSettings();
    {
      auto c = db->acquire();
      orgs::ensureRoot(*c, "测试区委");
    }
    crypto::FieldCipher cipher(std::string(32, 'k'));
    demo::Options o;
    o.scale = "small";
    o.asOf = "2026-06-30";
    ASSERT_FALSE(demo::load(*db, cipher, o).skipped);
    Date asOf = *parseDate("2026-06-30");
    auto r = demo::loadPipeline(*db, cipher, o.seed, asOf);
    EXPECT_GT(r.applicants, 20);
    EXPECT_GT(r.migrants, 0);
    EXPECT_GT(r.points, r.migrants);
    auto c = db->acquire();
    std::map<std::string, int64_t> stages;
    for (auto x : c->query("SELECT stage, COUNT(*) FROM pipeline_applicants GROUP BY stage")) stages[x.text(0)] = x.i64(1);
    for (const char* s : {"applicant", "activist", "target", "probationary"}) EXPECT_GT(stages[s], 0) << s;
    EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM pipeline_steps")->asInt(), r.steps);

    int checked = 0;
    for (auto a : c->query("SELECT id, birth_date, last_step, last_step_on, member_id, migrant, stage FROM "
                           "pipeline_applicants ORDER BY id")) {
      int64_t id = a.i64(0);
      std::vector<Date> d(26);
      int n = 0;
      for (auto s : c->query("SELECT step_no, done_on FROM pipeline_steps WHERE applicant_id = ? ORDER BY step_no", {id})) {
        ++n;
        ASSERT_EQ(s.i64(0), n) << "applicant " << id << ": steps in order";
        d[n] = *parseDate(s.text(1));
        if (n > 1) {
          ASSERT_GE(d[n], d[n - 1]) << "applicant " << id << " step " << n;
        }
        ASSERT_LE(d[n], asOf);
      }
      ASSERT_EQ(n, a.i64(2));
      ASSERT_EQ(d[n].iso(), a.text(3));
      ASSERT_GE(ageOn(*parseDate(a.text(1)), d[1]), 18) << "applicant " << id;
      if (n >= 7) {
        ASSERT_GE(d[7], addMonths(d[3], 12)) << "applicant " << id;
      }
      if (n >= 11) {
        auto t = c->query("SELECT SUM(days), SUM(hours) FROM pipeline_training WHERE applicant_id = ? AND to_date <= ?",
                          {id, d[11].iso()});
        ASSERT_TRUE(t.front().i64(0) >= 3 || t.front().i64(1) >= 24) << "applicant " << id;
      }
      if (n >= 9) {
        ASSERT_EQ(c->scalar("SELECT COUNT(*) FROM pipeline_people WHERE applicant_id = ? AND role = 'introducer'", {id})->asInt(), 2);
      }
      if (n >= 23) {
        ASSERT_GE(d[23], addMonths(d[15], 12)) << "applicant " << id;
      }
      if (n >= 17) {
        ASSERT_FALSE(a.isNull(4)) << "applicant " << id << " approved without a member record";
        auto m = c->query("SELECT category, joined_on, full_on FROM members WHERE id = ?", {a.i64(4)});
        ASSERT_EQ(m.front().text(1), d[15].iso());
        ASSERT_EQ(m.front().text(0), n >= 24 ? "full" : "probationary");
        if (n >= 24) {
          ASSERT_EQ(m.front().text(2), addMonths(d[15], 12).iso());
        }
      } else {
        ASSERT_TRUE(a.isNull(4));
      }
      if (a.i64(5) == 0) {
        ASSERT_EQ(c->scalar("SELECT COUNT(*) FROM pipeline_points WHERE applicant_id = ?", {id})->asInt(), 0);
      }
      ++checked;
    }
    EXPECT_EQ(checked, r.applicants);
    // Every probationary member of the registry whose dates allow a history has one.
    EXPECT_GT(r.linkedMembers, 0);
    EXPECT_THROW(demo::loadPipeline(*db, cipher, o.seed, asOf), Error);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace zg
