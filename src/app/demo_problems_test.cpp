// The demo's year of residents' problems: about 3 per 100 households, numbers unique and in date
// order, every problem with its opening event, closed ones with a satisfaction, and the same data
// for the same seed and date.
#include "app/demo_problems.h"

#include <gtest/gtest.h>

#include "../../tests/unit/testing.h"
#include "app/demo.h"
#include "app/demo_grid.h"

namespace zg::demo {
namespace {

TEST(DemoProblems, AYearOfProblemsForTheGrid) {
  testing::TestApp t;
  Options o;
  o.scale = "small";
  load(*t.db, t.app->cipher, o);
  Date asOf{2026, 11, 20};
  auto g = loadGrid(*t.db, t.app->cipher, o.seed, asOf);
  auto r = loadProblems(*t.db, t.app->cipher, o.seed, asOf);
  EXPECT_GT(r.problems, g.households / 50);
  EXPECT_LT(r.problems, g.households / 20);
  EXPECT_GT(r.open, 0);
  EXPECT_GT(r.escalated, 0);
  auto c = t.db->acquire();
  EXPECT_EQ(c->scalar("SELECT COUNT(DISTINCT number) FROM resident_problems")->asInt(), r.problems);
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM resident_problems p WHERE NOT EXISTS (SELECT 1 FROM resident_problem_events e "
                      "WHERE e.problem_id = p.id AND e.action = 'open')")->asInt(),
            0);
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM resident_problems WHERE state = 'closed' AND satisfaction IS NULL")->asInt(), 0);
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM resident_problems WHERE received_on > ?", {asOf.iso()})->asInt(), 0);
  // Numbers follow the dates within a year.
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM resident_problems a JOIN resident_problems b ON substr(a.number, 1, 7) = "
                      "substr(b.number, 1, 7) AND a.number < b.number AND a.received_on > b.received_on")->asInt(),
            0);
  EXPECT_THROW(loadProblems(*t.db, t.app->cipher, o.seed, asOf), Error);
}

}  // namespace
}  // namespace zg::demo
