// Pure checks of personal identifiers and dates. No I/O.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zg {

// A date as ISO "YYYY-MM-DD".
struct Date {
  int year = 0, month = 0, day = 0;
  std::string iso() const;
  bool operator==(const Date&) const = default;
  auto operator<=>(const Date&) const = default;
};
// Parses "YYYY-MM-DD" (also accepts "YYYY/MM/DD", "YYYY.MM.DD", "YYYYMMDD" and Excel-style
// "YYYY-M-D"); checks the calendar (leap years). nullopt if not a real date.
std::optional<Date> parseDate(std::string_view s);
// Today in Asia/Shanghai (UTC+8, no DST).
Date today();
// Whole years from `birth` to `on`.
int ageOn(const Date& birth, const Date& on);
// Calendar arithmetic (proleptic Gregorian). daysBetween(a, b) = b − a in days.
int64_t dayNumber(const Date& d);  // days since 1970-01-01
Date fromDayNumber(int64_t n);
Date addDays(const Date& d, int64_t days);
int64_t daysBetween(const Date& a, const Date& b);
// Same day `months` later, clamped to the month's last day (2024-01-31 + 1 → 2024-02-29).
Date addMonths(const Date& d, int months);

// Result of checking a resident identity number (公民身份号码, GB 11643-1999).
struct IdNumberCheck {
  bool ok = false;
  std::string normalized;  // 18 characters, final 'x' upper-cased
  Date birthDate;
  char sex = 0;            // 'M' or 'F' (17th digit odd → male)
  std::string errorCode;   // "id_number.length", "id_number.old15", "id_number.chars",
                           // "id_number.birth", "id_number.checksum"
  std::string errorMessage;  // Chinese, for the user
};
// Checks length (18; a 15-digit number is refused as the old format), characters, the birth
// date (a real date, not in the future, not before 1900) and the ISO 7064 MOD 11-2 check digit.
IdNumberCheck checkIdNumber(std::string_view raw);
// The check digit for the first 17 digits ('0'..'9' or 'X').
char idCheckDigit(std::string_view first17);

// Mainland mobile (11 digits, 1[3-9]…) or landline (area code 0xx(x)-7/8 digits, optional
// extension). Spaces and dashes are tolerated; returns the normalized form or nullopt.
std::optional<std::string> normalizePhone(std::string_view raw);

// Masks for lists: "110105********123X" style (first 6, last 4) and "138****5678".
std::string maskIdNumber(std::string_view id);
std::string maskPhone(std::string_view phone);

// UTF-8 helpers.
bool isValidUtf8(std::string_view s);
std::string trim(std::string_view s);  // trims ASCII whitespace and U+3000 ideographic space
size_t utf8Length(std::string_view s);

}  // namespace zg
