#include "core/checks.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <vector>

namespace zg {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool isLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int daysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && isLeap(y)) return 29;
  return kDays[m - 1];
}

bool validDate(int y, int m, int d) {
  return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

// Reads 1..maxDigits digits at `pos`; returns -1 if none.
int readNumber(std::string_view s, size_t& pos, size_t maxDigits) {
  size_t start = pos;
  int v = 0;
  while (pos < s.size() && isDigit(s[pos]) && pos - start < maxDigits) {
    v = v * 10 + (s[pos] - '0');
    ++pos;
  }
  if (pos == start) return -1;
  // More digits than allowed: not a date of this shape.
  if (pos < s.size() && isDigit(s[pos])) return -1;
  return v;
}

bool startsWith(std::string_view s, size_t pos, std::string_view p) { return s.substr(pos, p.size()) == p; }

// A time of day after a date ("2024-01-05 00:00:00", "2024-01-05T08:30"), as spreadsheets and
// databases sometimes add; it is accepted and ignored.
bool isTimeSuffix(std::string_view rest) {
  if (rest.empty()) return true;
  if (rest[0] != ' ' && rest[0] != 'T') return false;
  rest.remove_prefix(1);
  if (rest.empty()) return false;
  for (char c : rest) {
    if (!isDigit(c) && c != ':' && c != '.') return false;
  }
  return isDigit(rest[0]);
}

const std::string_view kIdeographicSpace = "\xE3\x80\x80";

bool isAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

}  // namespace

std::string Date::iso() const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
  return buf;
}

std::optional<Date> parseDate(std::string_view raw) {
  std::string t = trim(raw);
  std::string_view s = t;
  if (s.size() < 8) return std::nullopt;
  // Compact "YYYYMMDD".
  if (s.size() == 8 && s.find_first_not_of("0123456789") == std::string_view::npos) {
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[4] - '0') * 10 + (s[5] - '0');
    int d = (s[6] - '0') * 10 + (s[7] - '0');
    if (!validDate(y, m, d)) return std::nullopt;
    return Date{y, m, d};
  }
  size_t pos = 0;
  size_t before = pos;
  int y = readNumber(s, pos, 4);
  if (y < 0 || pos - before != 4) return std::nullopt;
  // Separators: '-', '/', '.', or the Chinese "年/月/日".
  bool chinese = false;
  char sep = 0;
  if (startsWith(s, pos, "年")) {
    chinese = true;
    pos += std::string_view("年").size();
  } else if (pos < s.size() && (s[pos] == '-' || s[pos] == '/' || s[pos] == '.')) {
    sep = s[pos++];
  } else {
    return std::nullopt;
  }
  int m = readNumber(s, pos, 2);
  if (m < 0) return std::nullopt;
  if (chinese) {
    if (!startsWith(s, pos, "月")) return std::nullopt;
    pos += std::string_view("月").size();
  } else {
    if (pos >= s.size() || s[pos] != sep) return std::nullopt;
    ++pos;
  }
  int d = readNumber(s, pos, 2);
  if (d < 0) return std::nullopt;
  if (chinese) {
    if (startsWith(s, pos, "日")) pos += std::string_view("日").size();
    if (pos != s.size()) return std::nullopt;
  } else if (!isTimeSuffix(s.substr(pos))) {
    return std::nullopt;
  }
  if (!validDate(y, m, d)) return std::nullopt;
  return Date{y, m, d};
}

Date today() {
  using namespace std::chrono;
  auto now = system_clock::now() + hours(8);
  year_month_day ymd{floor<days>(now)};
  return Date{static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
              static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

int ageOn(const Date& birth, const Date& on) {
  int age = on.year - birth.year;
  if (on.month < birth.month || (on.month == birth.month && on.day < birth.day)) --age;
  return age;
}

int64_t dayNumber(const Date& d) {
  int y = d.year - (d.month <= 2 ? 1 : 0);
  int era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = static_cast<unsigned>(y - era * 400);
  unsigned mp = static_cast<unsigned>(d.month + (d.month > 2 ? -3 : 9));
  unsigned doy = (153 * mp + 2) / 5 + static_cast<unsigned>(d.day) - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int64_t>(era) * 146097 + static_cast<int64_t>(doe) - 719468;
}

Date fromDayNumber(int64_t z) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  auto doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return Date{static_cast<int>(y + (m <= 2 ? 1 : 0)), static_cast<int>(m), static_cast<int>(d)};
}

Date addDays(const Date& d, int64_t days) { return fromDayNumber(dayNumber(d) + days); }

int64_t daysBetween(const Date& a, const Date& b) { return dayNumber(b) - dayNumber(a); }

Date addMonths(const Date& d, int months) {
  int total = d.year * 12 + (d.month - 1) + months;
  int y = total / 12, m = total % 12 + 1;
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int last = kDays[m - 1] + ((m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) ? 1 : 0);
  return Date{y, m, std::min(d.day, last)};
}

char idCheckDigit(std::string_view first17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kChars[] = "10X98765432";
  if (first17.size() != 17) return 0;
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) {
    if (!isDigit(first17[i])) return 0;
    sum += (first17[i] - '0') * kWeights[i];
  }
  return kChars[sum % 11];
}

IdNumberCheck checkIdNumber(std::string_view raw) {
  IdNumberCheck r;
  auto fail = [&r](const char* code, const char* message) {
    r.ok = false;
    r.errorCode = code;
    r.errorMessage = message;
    return r;
  };
  // Spaces inside (as people group digits, "110105 19900101 123X") are dropped.
  std::string id;
  std::string t = trim(raw);
  id.reserve(t.size());
  for (char c : t) {
    if (c != ' ') id.push_back(c == 'x' ? 'X' : c);
  }
  r.normalized = id;
  if (id.empty()) return fail("id_number.length", "请填写身份证号码");
  bool allDigits = true;
  for (char c : id) allDigits = allDigits && isDigit(c);
  if (id.size() == 15 && allDigits) {
    return fail("id_number.old15", "不支持15位旧身份证号码，请填写18位号码");
  }
  if (id.size() != 18) {
    // Eighteen characters but not eighteen bytes: full-width digits or other non-ASCII.
    if (utf8Length(id) == 18) {
      return fail("id_number.chars", "身份证号码只能由数字组成，最后一位可以是X");
    }
    return fail("id_number.length", "身份证号码应为18位");
  }
  for (size_t i = 0; i < 17; ++i) {
    if (!isDigit(id[i])) {
      return fail("id_number.chars", "身份证号码只能由数字组成，最后一位可以是X");
    }
  }
  if (!isDigit(id[17]) && id[17] != 'X') {
    return fail("id_number.chars", "身份证号码只能由数字组成，最后一位可以是X");
  }
  auto birth = parseDate(std::string_view(id).substr(6, 8));
  if (!birth || birth->year < 1900 || *birth > today()) {
    return fail("id_number.birth", "身份证号码中的出生日期无效");
  }
  if (idCheckDigit(std::string_view(id).substr(0, 17)) != id[17]) {
    return fail("id_number.checksum", "身份证号码校验位错误，请核对");
  }
  r.ok = true;
  r.birthDate = *birth;
  r.sex = ((id[16] - '0') % 2 == 1) ? 'M' : 'F';
  return r;
}

namespace {

// Area codes of mainland landlines: "010" and "02x" have three digits (with the 0), all others
// four ("0755", "0571").
size_t areaCodeLength(std::string_view digits) {
  return (digits.size() > 1 && (digits[1] == '1' || digits[1] == '2')) ? 3 : 4;
}

std::optional<std::string> landline(std::string_view digits, std::string_view ext, size_t userAreaLen) {
  if (digits.size() < 2 || digits[0] != '0') return std::nullopt;
  size_t area = areaCodeLength(digits);
  if (userAreaLen != 0 && userAreaLen != area) return std::nullopt;
  size_t rest = digits.size() - area;
  if (rest != 7 && rest != 8) return std::nullopt;
  if (digits[area] == '0') return std::nullopt;
  std::string out;
  out.reserve(digits.size() + ext.size() + 2);
  out.append(digits.substr(0, area)).push_back('-');
  out.append(digits.substr(area));
  if (!ext.empty()) out.append("-").append(ext);
  return out;
}

bool isMobile(std::string_view d) { return d.size() == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9'; }

}  // namespace

std::optional<std::string> normalizePhone(std::string_view raw) {
  std::string s = trim(raw);
  if (s.empty() || s.size() > 64) return std::nullopt;
  // An explicit extension marker: "转", "ext", "x", "#", ",".
  std::string ext;
  for (std::string_view marker : {"转", "分机", "ext.", "ext", "EXT", "x", "X", "#", ","}) {
    size_t p = s.find(marker);
    if (p == std::string::npos) continue;
    std::string tail = trim(std::string_view(s).substr(p + marker.size()));
    if (tail.empty() || tail.size() > 6) return std::nullopt;
    for (char c : tail) {
      if (!isDigit(c)) return std::nullopt;
    }
    ext = tail;
    s.resize(p);
    break;
  }
  // Groups of digits separated by spaces, dashes or parentheses; a leading '+' is allowed only
  // for the country code.
  std::vector<std::string> groups;
  std::string cur;
  bool plus = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (isDigit(c)) {
      cur.push_back(c);
    } else if (c == ' ' || c == '-' || c == '(' || c == ')' || c == '\t') {
      if (!cur.empty()) groups.push_back(std::move(cur)), cur.clear();
    } else if (c == '+' && groups.empty() && cur.empty() && !plus) {
      plus = true;
    } else {
      return std::nullopt;
    }
  }
  if (!cur.empty()) groups.push_back(std::move(cur));
  if (groups.empty()) return std::nullopt;
  std::string all;
  for (auto& g : groups) all += g;
  // Country code: "+86", "86", "0086" before a mobile number.
  for (std::string_view cc : {"0086", "86"}) {
    if (all.size() == 11 + cc.size() && all.compare(0, cc.size(), cc) == 0 &&
        isMobile(std::string_view(all).substr(cc.size()))) {
      return ext.empty() ? std::optional<std::string>(all.substr(cc.size())) : std::nullopt;
    }
  }
  if (plus) return std::nullopt;
  if (isMobile(all)) return ext.empty() ? std::optional<std::string>(all) : std::nullopt;
  if (all[0] != '0') return std::nullopt;
  // The user's own split of the area code, when the first group looks like one.
  size_t userArea = (groups.size() > 1 && groups[0][0] == '0' && (groups[0].size() == 3 || groups[0].size() == 4))
                        ? groups[0].size()
                        : 0;
  // "0755-1234567-8": with three or more groups, a valid number before the last group makes
  // the last group an extension.
  if (ext.empty() && groups.size() >= 3 && groups.back().size() <= 6) {
    std::string head = all.substr(0, all.size() - groups.back().size());
    if (auto r = landline(head, groups.back(), userArea)) return r;
  }
  return landline(all, ext, userArea);
}

namespace {

// Splits into UTF-8 code points (invalid bytes stand alone).
std::vector<std::string_view> codePoints(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + n > s.size()) n = 1;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

std::string maskKeeping(std::string_view s, size_t head, size_t tail) {
  auto cps = codePoints(s);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < cps.size(); ++i) {
    if (i < head || i + tail >= cps.size()) {
      out.append(cps[i]);
    } else {
      out.push_back('*');
    }
  }
  return out;
}

}  // namespace

std::string maskIdNumber(std::string_view id) {
  size_t n = utf8Length(id);
  if (n <= 10) return std::string(n, '*');
  return maskKeeping(id, 6, 4);
}

std::string maskPhone(std::string_view phone) {
  size_t n = utf8Length(phone);
  if (n <= 4) return std::string(n, '*');
  if (n < 8) return maskKeeping(phone, 0, 2);
  return maskKeeping(phone, 3, 4);
}

bool isValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;  // range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // no overlong forms
      if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // no overlong forms
      if (c == 0xF4) hi = 0x8F;  // ≤ U+10FFFF
    } else {
      return false;
    }
    if (i + len > n) return false;
    if (p[i + 1] < lo || p[i + 1] > hi) return false;
    for (size_t k = 2; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

std::string trim(std::string_view s) {
  for (;;) {
    if (!s.empty() && isAsciiSpace(s.front())) {
      s.remove_prefix(1);
    } else if (s.substr(0, 3) == kIdeographicSpace) {
      s.remove_prefix(3);
    } else {
      break;
    }
  }
  for (;;) {
    if (!s.empty() && isAsciiSpace(s.back())) {
      s.remove_suffix(1);
    } else if (s.size() >= 3 && s.substr(s.size() - 3) == kIdeographicSpace) {
      s.remove_suffix(3);
    } else {
      break;
    }
  }
  return std::string(s);
}

size_t utf8Length(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace zg
