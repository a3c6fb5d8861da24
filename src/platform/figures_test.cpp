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

}  // namespace
}  // namespace zg::figures
