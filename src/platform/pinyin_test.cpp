#include "platform/pinyin.h"

#include <gtest/gtest.h>
#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <memory>
#include <thread>
#include <vector>

namespace zg::pinyin {
namespace {

TEST(Pinyin, Initials) {
  EXPECT_EQ(initials("张三丰"), "zsf");
  EXPECT_EQ(initials("李四"), "ls");
  EXPECT_EQ(initials("王A1"), "wa1");
  EXPECT_EQ(initials("欧阳修"), "oyx");
  EXPECT_EQ(initials("阿依古丽·买买提"),
            "aygl"
            "mmt");
  EXPECT_EQ(initials("第一党支部（2024）"), "dydzb2024");
  EXPECT_EQ(initials("Ａ１"), "a1");  // full-width forms
  EXPECT_EQ(initials(""), "");
  EXPECT_EQ(initials("!@# ,"), "");
}

TEST(Pinyin, Full) {
  EXPECT_EQ(full("张三"), "zhangsan");
  EXPECT_EQ(full("张三丰"), "zhangsanfeng");
  EXPECT_EQ(full("王A1"), "wanga1");
  EXPECT_EQ(full("吕布"), "lubu");       // ü without the umlaut
  EXPECT_EQ(full("重庆"), "chongqing");  // phrase rule, not character by character
  EXPECT_EQ(full(""), "");
}

TEST(Pinyin, ContextRulesOfHanLatin) {
  EXPECT_EQ(full("重庆路"), "chongqinglu");
  EXPECT_EQ(full("重要"), "zhongyao");
  EXPECT_EQ(full("沈阳"), "shenyang");
  EXPECT_EQ(full("藏文"), "zangwen");
  EXPECT_EQ(initials("重庆"), "cq");
}

// full() works character by character with a cache; it must agree with ICU run over the whole
// text.
TEST(Pinyin, AgreesWithIcuOverWholeText) {
  UErrorCode st = U_ZERO_ERROR;
  std::unique_ptr<icu::Transliterator> t(
      icu::Transliterator::createInstance("Han-Latin; Latin-ASCII; Lower", UTRANS_FORWARD, st));
  ASSERT_TRUE(U_SUCCESS(st));
  for (const char* text : {"中国共产党北京市东城区委员会组织部", "重庆市沈阳路第三党支部", "欧阳娜娜、诸葛亮与司马懿",
                           "长江长城黄山黄河", "银行行长", "藏文秘鲁", "绿色吕氏女"}) {
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(text);
    t->transliterate(u);
    std::string whole, raw;
    u.toUTF8String(raw);
    for (char c : raw) {
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) whole.push_back(c);
    }
    EXPECT_EQ(full(text), whole) << text;
  }
}

TEST(Pinyin, SortKeyOrdersByPinyin) {
  std::vector<std::string> names = {"张三", "白居易", "安然", "李四", "赵六", "阿明", "王五"};
  std::vector<std::pair<std::string, std::string>> keyed;
  for (auto& n : names) keyed.emplace_back(sortKey(n), n);
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::string> sorted;
  for (auto& [k, n] : keyed) sorted.push_back(n);
  EXPECT_EQ(sorted, (std::vector<std::string>{"阿明", "安然", "白居易", "李四", "王五", "张三", "赵六"}));
  EXPECT_LT(sortKey("安"), sortKey("白"));
  EXPECT_LT(sortKey("白"), sortKey("张"));
  EXPECT_LT(sortKey("张"), sortKey("张三"));  // prefix first
  EXPECT_EQ(sortKey("张三"), sortKey("张三"));
  EXPECT_EQ(sortKey("张三").find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_FALSE(sortKey("张三").empty());
  std::string longName(2000, 'a');
  EXPECT_GT(sortKey(longName).size(), 512u);
}

TEST(Pinyin, ThreadSafe) {
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &ok] {
      bool good = true;
      for (int i = 0; i < 200; ++i) {
        good = good && initials("张三丰") == "zsf" && full("李四") == "lisi" && sortKey("安") < sortKey("白");
      }
      ok[t] = good;
    });
  }
  for (auto& th : threads) th.join();
  for (int v : ok) EXPECT_EQ(v, 1);
}

}  // namespace
}  // namespace zg::pinyin
