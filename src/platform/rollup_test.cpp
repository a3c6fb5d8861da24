#include "platform/rollup_months.h"

#include <gtest/gtest.h>

namespace zg::rollup {
namespace {

TEST(Rollup, MonthsOfSplitsWholeMonthsFromPartialEdges) {
  Months y = monthsOf(Date{2026, 1, 1}, Date{2027, 1, 1});  // a year: whole months only
  EXPECT_EQ(y.first, "2026-01");
  EXPECT_EQ(y.last, "2027-01");
  EXPECT_TRUE(y.edges.empty());
  Months c = monthsOf(Date{2026, 1, 15}, Date{2026, 3, 10});  // custom: two partial edges
  EXPECT_EQ(c.first, "2026-02");
  EXPECT_EQ(c.last, "2026-03");
  ASSERT_EQ(c.edges.size(), 2u);
  EXPECT_EQ(c.edges[0].first, (Date{2026, 1, 15}));
  EXPECT_EQ(c.edges[0].second, (Date{2026, 2, 1}));
  EXPECT_EQ(c.edges[1].first, (Date{2026, 3, 1}));
  EXPECT_EQ(c.edges[1].second, (Date{2026, 3, 10}));
  Months in = monthsOf(Date{2026, 3, 5}, Date{2026, 3, 20});  // inside one month: one edge, no keys
  EXPECT_EQ(in.first, in.last);
  ASSERT_EQ(in.edges.size(), 1u);
  EXPECT_EQ(in.edges[0].first, (Date{2026, 3, 5}));
  Months dec = monthsOf(Date{2025, 12, 1}, Date{2026, 1, 20});  // across a year end
  EXPECT_EQ(dec.first, "2025-12");
  EXPECT_EQ(dec.last, "2026-01");
  ASSERT_EQ(dec.edges.size(), 1u);
  EXPECT_EQ(dec.edges[0].first, (Date{2026, 1, 1}));
  EXPECT_TRUE(monthsOf(Date{2026, 3, 1}, Date{2026, 3, 1}).edges.empty());
}

TEST(Rollup, KeysSplitAtTheFirstBar) {
  EXPECT_EQ(splitKey("2026-03|home"), (std::pair<std::string, std::string>{"2026-03", "home"}));
  EXPECT_EQ(splitKey(",disabled,|2026-01"), (std::pair<std::string, std::string>{",disabled,", "2026-01"}));
  EXPECT_EQ(splitKey("2026-03|2026-04|x"), (std::pair<std::string, std::string>{"2026-03", "2026-04|x"}));
  EXPECT_EQ(splitKey("full"), (std::pair<std::string, std::string>{"full", ""}));
  EXPECT_EQ(monthKey(Date{2026, 3, 31}), "2026-03");
}

}  // namespace
}  // namespace zg::rollup
