// Pinyin for Chinese names, through ICU's Han-Latin transliterator.
#pragma once
#include <string>
#include <string_view>

namespace zg::pinyin {

// Lowercase initials of each Han character's pinyin ("张三丰" → "zsf"); ASCII letters and
// digits kept lower-cased; other characters dropped. Thread-safe.
std::string initials(std::string_view utf8);
// Full toneless pinyin, lowercase, syllables joined without spaces ("张三" → "zhangsan").
std::string full(std::string_view utf8);
// A key that sorts names as Chinese users expect (ICU zh collation, pinyin order), as bytes
// usable in ORDER BY of a text column (hex of the ICU sort key).
std::string sortKey(std::string_view utf8);

}  // namespace zg::pinyin
