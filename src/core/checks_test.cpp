#include "core/checks.h"

#include <gtest/gtest.h>

#include <ctime>

namespace zg {
namespace {

TEST(ParseDate, AcceptsCommonForms) {
  EXPECT_EQ(parseDate("2024-03-05"), (Date{2024, 3, 5}));
  EXPECT_EQ(parseDate("2024/03/05"), (Date{2024, 3, 5}));
  EXPECT_EQ(parseDate("2024.03.05"), (Date{2024, 3, 5}));
  EXPECT_EQ(parseDate("20240305"), (Date{2024, 3, 5}));
  EXPECT_EQ(parseDate("2024-3-5"), (Date{2024, 3, 5}));
  EXPECT_EQ(parseDate("2024/3/15"), (Date{2024, 3, 15}));
  EXPECT_EQ(parseDate("2024年3月5日"), (Date{2024, 3, 5}));
  EXPECT_EQ(parseDate("  2024-03-05 "), (Date{2024, 3, 5}));
  EXPECT_EQ(parseDate("2024-03-05 00:00:00"), (Date{2024, 3, 5}));
  EXPECT_EQ(parseDate("2024-03-05T08:30"), (Date{2024, 3, 5}));
}

TEST(ParseDate, RejectsNonDates) {
  for (const char* s : {"", "2024", "2024-13-01", "2024-00-10", "2024-04-31", "2023-02-29", "1900-02-29", "2024-03",
                        "2024-03-05x", "2024-03/05", "24-03-05", "202403050", "2024-003-05", "abcd-ef-gh", "2024年3月",
                        "2024-03-05 noon", "20241305"}) {
    EXPECT_FALSE(parseDate(s).has_value()) << s;
  }
}

TEST(ParseDate, LeapYears) {
  EXPECT_TRUE(parseDate("2024-02-29"));
  EXPECT_TRUE(parseDate("2000-02-29"));
  EXPECT_FALSE(parseDate("2100-02-29"));
  EXPECT_FALSE(parseDate("2023-02-29"));
  EXPECT_TRUE(parseDate("20000229"));
}

TEST(Date, IsoAndOrder) {
  EXPECT_EQ((Date{2024, 3, 5}).iso(), "2024-03-05");
  EXPECT_EQ((Date{987, 12, 31}).iso(), "0987-12-31");
  EXPECT_LT((Date{2024, 3, 5}), (Date{2024, 3, 6}));
  EXPECT_LT((Date{2023, 12, 31}), (Date{2024, 1, 1}));
}

TEST(Date, TodayIsPlausibleAndMatchesUtcPlus8) {
  Date t = today();
  EXPECT_GE(t.year, 2024);
  EXPECT_TRUE(parseDate(t.iso()));
  std::time_t now = std::time(nullptr) + 8 * 3600;
  std::tm tm{};
  gmtime_r(&now, &tm);
  Date expected{tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
  // Allow for midnight passing between the two reads.
  EXPECT_TRUE(t == expected || t < expected) << t.iso() << " vs " << expected.iso();
}

TEST(Date, AgeOn) {
  Date birth{1990, 6, 15};
  EXPECT_EQ(ageOn(birth, {2020, 6, 14}), 29);
  EXPECT_EQ(ageOn(birth, {2020, 6, 15}), 30);
  EXPECT_EQ(ageOn(birth, {2020, 12, 1}), 30);
  EXPECT_EQ(ageOn(birth, {2021, 1, 1}), 30);
  EXPECT_EQ(ageOn({2000, 2, 29}, {2018, 2, 28}), 17);
  EXPECT_EQ(ageOn({2000, 2, 29}, {2018, 3, 1}), 18);
}

TEST(IdNumber, CheckDigit) {
  EXPECT_EQ(idCheckDigit("11010519491231002"), 'X');
  EXPECT_EQ(idCheckDigit("44052418800101001"), '4');
  EXPECT_EQ(idCheckDigit("32010620000229123"), '0');
  EXPECT_EQ(idCheckDigit("1101051949123100"), 0);
  EXPECT_EQ(idCheckDigit("1101051949123100A"), 0);
}

TEST(IdNumber, Valid) {
  auto r = checkIdNumber("11010519491231002x");
  EXPECT_TRUE(r.ok) << r.errorMessage;
  EXPECT_EQ(r.normalized, "11010519491231002X");
  EXPECT_EQ(r.birthDate, (Date{1949, 12, 31}));
  EXPECT_EQ(r.sex, 'F');  // 17th digit 2
  EXPECT_TRUE(r.errorCode.empty());

  r = checkIdNumber(" 310104198506150015 ");
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.normalized, "310104198506150015");
  EXPECT_EQ(r.sex, 'M');  // 17th digit 1
  EXPECT_EQ(r.birthDate, (Date{1985, 6, 15}));

  r = checkIdNumber("320106200002291230");  // born on a leap day
  EXPECT_TRUE(r.ok) << r.errorMessage;
  EXPECT_EQ(r.sex, 'M');
}

TEST(IdNumber, Errors) {
  auto r = checkIdNumber("110105491231002");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.errorCode, "id_number.old15");
  EXPECT_EQ(r.errorMessage, "不支持15位旧身份证号码，请填写18位号码");

  r = checkIdNumber("");
  EXPECT_EQ(r.errorCode, "id_number.length");
  EXPECT_FALSE(r.errorMessage.empty());
  r = checkIdNumber("1101051949123100");
  EXPECT_EQ(r.errorCode, "id_number.length");
  EXPECT_EQ(r.errorMessage, "身份证号码应为18位");
  r = checkIdNumber("11010519491231002X1");
  EXPECT_EQ(r.errorCode, "id_number.length");

  r = checkIdNumber("1101051949123A002X");
  EXPECT_EQ(r.errorCode, "id_number.chars");
  r = checkIdNumber("11010519491231002Y");
  EXPECT_EQ(r.errorCode, "id_number.chars");
  r = checkIdNumber("１１０１０５１９４９１２３１００２Ｘ");  // full-width
  EXPECT_EQ(r.errorCode, "id_number.chars");

  // Wrong check digit.
  r = checkIdNumber("110105194912310021");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.errorCode, "id_number.checksum");
  EXPECT_NE(r.errorMessage.find("身份证号码校验位错误"), std::string::npos);

  // Birth dates: not a real date, before 1900, in the future.
  auto withCheck = [](std::string first17) { return first17 + idCheckDigit(first17); };
  r = checkIdNumber(withCheck("11010519490230002"));
  EXPECT_EQ(r.errorCode, "id_number.birth");
  EXPECT_EQ(r.errorMessage, "身份证号码中的出生日期无效");
  r = checkIdNumber(withCheck("11010518991231002"));
  EXPECT_EQ(r.errorCode, "id_number.birth");
  std::string future = std::to_string(today().year + 1) + "0101";
  r = checkIdNumber(withCheck("110105" + future + "002"));
  EXPECT_EQ(r.errorCode, "id_number.birth");
  r = checkIdNumber(withCheck("110105" + today().iso().substr(0, 4) + today().iso().substr(5, 2) +
                              today().iso().substr(8, 2) + "002"));
  EXPECT_TRUE(r.ok) << r.errorMessage;  // born today is allowed
}

TEST(Phone, Mobile) {
  EXPECT_EQ(normalizePhone("13812345678"), "13812345678");
  EXPECT_EQ(normalizePhone(" 138 1234 5678 "), "13812345678");
  EXPECT_EQ(normalizePhone("138-1234-5678"), "13812345678");
  EXPECT_EQ(normalizePhone("+86 138 1234 5678"), "13812345678");
  EXPECT_EQ(normalizePhone("+8613812345678"), "13812345678");
  EXPECT_EQ(normalizePhone("8613812345678"), "13812345678");
  EXPECT_EQ(normalizePhone("008613812345678"), "13812345678");
  EXPECT_EQ(normalizePhone("19912345678"), "19912345678");
  EXPECT_FALSE(normalizePhone("12812345678"));   // 1[3-9]
  EXPECT_FALSE(normalizePhone("1381234567"));    // 10 digits
  EXPECT_FALSE(normalizePhone("138123456789"));  // 12 digits
  EXPECT_FALSE(normalizePhone("+1 13812345678"));
  EXPECT_FALSE(normalizePhone("1381234567a"));
  EXPECT_FALSE(normalizePhone(""));
}

TEST(Phone, Landline) {
  EXPECT_EQ(normalizePhone("010-12345678"), "010-12345678");
  EXPECT_EQ(normalizePhone("01012345678"), "010-12345678");
  EXPECT_EQ(normalizePhone("(010) 1234 5678"), "010-12345678");
  EXPECT_EQ(normalizePhone("021-6666-8888"), "021-66668888");
  EXPECT_EQ(normalizePhone("0755-1234567"), "0755-1234567");
  EXPECT_EQ(normalizePhone("075512345678"), "0755-12345678");
  EXPECT_EQ(normalizePhone("0571 87654321"), "0571-87654321");
  EXPECT_EQ(normalizePhone("010-12345678-123"), "010-12345678-123");
  EXPECT_EQ(normalizePhone("0755-1234567-8"), "0755-1234567-8");
  EXPECT_EQ(normalizePhone("010-12345678转1234"), "010-12345678-1234");
  EXPECT_EQ(normalizePhone("010-12345678 ext 12"), "010-12345678-12");
  EXPECT_FALSE(normalizePhone("0755-123456"));     // 6 digits
  EXPECT_FALSE(normalizePhone("0755-123456789"));  // 9 digits
  EXPECT_FALSE(normalizePhone("0100-1234567"));    // 010 has three digits
  EXPECT_FALSE(normalizePhone("12345678"));        // no area code
  EXPECT_FALSE(normalizePhone("010-01234567"));    // number starting with 0
  EXPECT_FALSE(normalizePhone("010-12345678转"));
  EXPECT_FALSE(normalizePhone("13812345678转12"));  // mobiles have no extension
}

TEST(Mask, IdAndPhone) {
  EXPECT_EQ(maskIdNumber("11010519491231002X"), "110105********002X");
  EXPECT_EQ(maskIdNumber("123"), "***");
  EXPECT_EQ(maskIdNumber(""), "");
  EXPECT_EQ(maskPhone("13812345678"), "138****5678");
  EXPECT_EQ(maskPhone("010-12345678"), "010*****5678");
  EXPECT_EQ(maskPhone("1234"), "****");
  EXPECT_EQ(maskPhone("123456"), "****56");
}

TEST(Utf8, Validity) {
  EXPECT_TRUE(isValidUtf8(""));
  EXPECT_TRUE(isValidUtf8("abc"));
  EXPECT_TRUE(isValidUtf8("张三丰"));
  EXPECT_TRUE(isValidUtf8("\xF0\x9F\x98\x80"));   // emoji
  EXPECT_TRUE(isValidUtf8("\xF0\xA0\x80\x80"));   // U+20000 CJK ext B
  EXPECT_FALSE(isValidUtf8("\xD5\xC5"));          // GBK 张
  EXPECT_FALSE(isValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(isValidUtf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(isValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(isValidUtf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(isValidUtf8("\xE5\xBC"));          // truncated
  EXPECT_FALSE(isValidUtf8("\x80"));
}

TEST(Utf8, TrimAndLength) {
  EXPECT_EQ(trim("  a b \t\r\n"), "a b");
  EXPECT_EQ(trim("\xE3\x80\x80张三\xE3\x80\x80 "), "张三");
  EXPECT_EQ(trim("   "), "");
  EXPECT_EQ(trim("\xE3\x80\x80"), "");
  EXPECT_EQ(trim("中\xE3\x80\x80文"), "中\xE3\x80\x80文");
  EXPECT_EQ(utf8Length("张三丰"), 3u);
  EXPECT_EQ(utf8Length("a张b"), 3u);
  EXPECT_EQ(utf8Length(""), 0u);
}

TEST(Calendar, AddDaysAndMonthsRoundTripThroughLeapYears) {
  Date d{2024, 2, 28};
  EXPECT_EQ(addDays(d, 1), (Date{2024, 2, 29}));
  EXPECT_EQ(addDays(d, 2), (Date{2024, 3, 1}));
  EXPECT_EQ(addDays(Date{2023, 12, 31}, 1), (Date{2024, 1, 1}));
  EXPECT_EQ(addDays(Date{2024, 1, 1}, -1), (Date{2023, 12, 31}));
  EXPECT_EQ(daysBetween(Date{2024, 1, 1}, Date{2025, 1, 1}), 366);
  for (int64_t n = -800000; n < 800000; n += 997) EXPECT_EQ(dayNumber(fromDayNumber(n)), n);
  EXPECT_EQ(addMonths(Date{2024, 1, 31}, 1), (Date{2024, 2, 29}));
  EXPECT_EQ(addMonths(Date{2023, 1, 31}, 1), (Date{2023, 2, 28}));
  EXPECT_EQ(addMonths(Date{2024, 11, 15}, 2), (Date{2025, 1, 15}));
  EXPECT_EQ(addMonths(Date{2025, 1, 15}, -12), (Date{2024, 1, 15}));
}

}  // namespace
}  // namespace zg
