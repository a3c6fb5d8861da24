#include "platform/figures.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace zg::figures {
namespace {

TEST(Figures, DefinedOnceByKeyOrderedAndFound) {
  define(Figure{"ztest.b", "测试", "乙", 9001, nullptr, nullptr});
  define(Figure{"ztest.a", "测试", "甲", 9000, nullptr, nullptr});
  define(Figure{"ztest.b", "测试", "乙（新）", 9001, nullptr, nullptr});
  std::vector<std::string> keys;
  for (auto& f : all())
    if (f.key.starts_with("ztest.")) keys.push_back(f.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"ztest.a", "ztest.b"}));
  EXPECT_EQ(find("ztest.b").title, "乙（新）");
  EXPECT_THROW(find("ztest.none"), Error);
  Query q;
  q.to = Date{2026, 1, 1};
  EXPECT_EQ(q.asOf(), (Date{2025, 12, 31}));
  q.to = addDays(today(), 40);  // a period still running counts as of today
  EXPECT_EQ(q.asOf(), today());
}

TEST(Figures, PermilleRoundsDownSoHundredOnlyWhenWhole) {
  EXPECT_EQ(permille(0, 0), std::nullopt);
  EXPECT_EQ(permille(5, 0), std::nullopt);
  EXPECT_EQ(permille(0, 7), 0);
  EXPECT_EQ(permille(999, 1000), 999);
  EXPECT_EQ(permille(9999, 10000), 999);  // 99.99% is not 100.0%
  EXPECT_EQ(permille(10000, 10000), 1000);
  EXPECT_EQ(permille(2, 3), 666);        // 66.66… → 66.6%
  EXPECT_EQ(permille(12, 10), 1000);     // clamped
  EXPECT_EQ(permille(-1, 10), 0);
  EXPECT_EQ(percentText(permille(12345, 12500)), "98.7%");
  EXPECT_EQ(percentText(permille(1, 3)), "33.3%");
  EXPECT_EQ(percentText(1000), "100.0%");
  EXPECT_EQ(percentText(std::nullopt), "—");
}

TEST(Figures, MeanInTenthsRoundsHalfUp) {
  EXPECT_EQ(meanTenths(10, 0), std::nullopt);
  EXPECT_EQ(meanTenths(0, 4), 0);
  EXPECT_EQ(meanTenths(10, 4), 25);      // 2.5
  EXPECT_EQ(meanTenths(1235, 100), 124);  // 12.35 → 12.4
  EXPECT_EQ(meanTenths(1234, 100), 123);  // 12.34 → 12.3
  EXPECT_EQ(meanTenths(2, 3), 7);         // 0.666… → 0.7
  EXPECT_EQ(meanTenths(-5, 2), -25);
  EXPECT_EQ(tenthsText(meanTenths(10, 4)), "2.5");
  EXPECT_EQ(tenthsText(meanTenths(1, 30)), "0.0");
  EXPECT_EQ(tenthsText(-25), "-2.5");
  EXPECT_EQ(tenthsText(std::nullopt), "—");
}

TEST(Figures, RateOfCellLooksUpTheWholeInTheSameFigure) {
  std::vector<Cell> cells{{"households", "住户", 800}, {"with_contact", "已落实", 799, {}, "households"},
                          {"key", "重点", 0}, {"key_visited", "按期", 0, {}, "key"}, {"plain", "无", 5}};
  EXPECT_EQ(rateOfCell(cells[1], cells), 998);  // 99.875% → 99.8%
  EXPECT_EQ(rateOfCell(cells[3], cells), std::nullopt);  // of 0
  EXPECT_EQ(rateOfCell(cells[4], cells), std::nullopt);  // no rate
  Cell stray{"x", "x", 1, {}, "missing"};
  EXPECT_EQ(rateOfCell(stray, cells), std::nullopt);
}

}  // namespace
}  // namespace zg::figures
