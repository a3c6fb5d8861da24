#include "platform/pinyin.h"

#include <unicode/coll.h>
#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/error.h"

namespace zg::pinyin {

namespace {

// ICU transliterators and collators are not safe to share between threads: one prototype is
// built once (compiling the Han-Latin rules is slow) and each thread works on its own clone.
struct Translit {
  std::unique_ptr<icu::Transliterator> proto;
  // Han-Latin's few context rules ("{重}' '?庆 > chóng;"): the reading of a character when the
  // next character is the given one, already folded to ASCII.
  std::map<std::pair<UChar32, UChar32>, std::string> pairs;
};

const Translit& translit() {
  static std::once_flag once;
  static Translit t;
  std::call_once(once, [] {
    UErrorCode st = U_ZERO_ERROR;
    t.proto.reset(icu::Transliterator::createInstance("Han-Latin; Latin-ASCII; Lower", UTRANS_FORWARD, st));
    if (U_FAILURE(st) || !t.proto) {
      throw Error::internal(std::string("ICU Han-Latin transliterator: ") + u_errorName(st));
    }
    st = U_ZERO_ERROR;
    std::unique_ptr<icu::Transliterator> han(icu::Transliterator::createInstance("Han-Latin", UTRANS_FORWARD, st));
    if (U_FAILURE(st) || !han) return;
    icu::UnicodeString rules;
    han->toRules(rules, false);
    // Lines look like: {重}' '?庆 > chóng;
    int32_t pos = 0;
    while ((pos = rules.indexOf(u'{', pos)) >= 0) {
      int32_t a = pos + 1;
      int32_t b = rules.moveIndex32(a, 1);
      pos = b;
      if (b >= rules.length() || rules.charAt(b) != u'}') continue;
      static const icu::UnicodeString kSpace(u"' '?");
      if (rules.compare(b + 1, kSpace.length(), kSpace) != 0) continue;
      int32_t c = b + 1 + kSpace.length();
      int32_t gt = rules.indexOf(u" > ", c);
      int32_t semi = rules.indexOf(u';', c);
      if (gt < 0 || semi < 0 || semi < gt || rules.moveIndex32(c, 1) != gt) continue;
      icu::UnicodeString reading = rules.tempSubString(gt + 3, semi - gt - 3);
      std::unique_ptr<icu::Transliterator> fold(
          icu::Transliterator::createInstance("Latin-ASCII; Lower", UTRANS_FORWARD, st));
      if (U_FAILURE(st) || !fold) return;
      fold->transliterate(reading);
      std::string r;
      for (int32_t k = 0; k < reading.length(); ++k) {
        char16_t ch = reading.charAt(k);
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) r.push_back(static_cast<char>(ch));
      }
      if (!r.empty()) t.pairs[{rules.char32At(a), rules.char32At(c)}] = r;
    }
  });
  return t;
}

icu::Transliterator& transliterator() {
  thread_local std::unique_ptr<icu::Transliterator> mine(translit().proto->clone());
  return *mine;
}

icu::Collator& collator() {
  static std::once_flag once;
  static std::unique_ptr<icu::Collator> proto;
  std::call_once(once, [] {
    UErrorCode st = U_ZERO_ERROR;
    proto.reset(icu::Collator::createInstance(icu::Locale("zh"), st));
    if (U_FAILURE(st) || !proto) {
      throw Error::internal(std::string("ICU zh collator: ") + u_errorName(st));
    }
  });
  thread_local std::unique_ptr<icu::Collator> mine(proto->clone());
  return *mine;
}

bool isAsciiAlnum(UChar32 c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

char lowerAscii(UChar32 c) { return static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c); }

// Transliterates and keeps only [a-z0-9], with spaces kept as syllable separators.
std::string latin(const icu::UnicodeString& in) {
  icu::UnicodeString u(in);
  transliterator().transliterate(u);
  std::string out;
  out.reserve(u.length());
  for (int32_t i = 0; i < u.length(); ++i) {
    char16_t c = u.charAt(i);
    if (isAsciiAlnum(c) || c == ' ') out.push_back(lowerAscii(c));
  }
  return out;
}

// A non-ASCII character's letters: its pinyin for Han, else ASCII letters and digits ("Ａ" →
// "a", "é" → "e"), possibly empty. Transliterating is slow (tens of microseconds a call), so
// results are kept per thread.
thread_local std::unordered_map<UChar32, std::string> charCache;

const std::string& charLatin(UChar32 c) {
  auto& cache = charCache;
  auto it = cache.find(c);
  if (it != cache.end()) return it->second;
  std::string s = latin(icu::UnicodeString(c));
  std::erase(s, ' ');
  return cache.emplace(c, std::move(s)).first->second;
}

// Splits text into syllables: one per Han character (its pinyin), one per other character that
// has ASCII letters or digits (those, lower-cased). Equivalent to running ICU's
// "Han-Latin; Latin-ASCII; Lower" over the text, including its context rules ("重庆" →
// "chong qing"), but character by character with a cache.
std::vector<std::string_view> syllables(std::string_view utf8) {
  thread_local std::string ascii[128];
  if (ascii['a'].empty()) {
    for (int c = 0; c < 128; ++c) {
      if (isAsciiAlnum(c)) ascii[c] = std::string(1, lowerAscii(c));
    }
  }
  const Translit& t = translit();
  // Views below point into the cache: bound it only between calls.
  if (charCache.size() > 50000) charCache.clear();
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  std::vector<std::string_view> out;
  int32_t n = u.length();
  for (int32_t i = 0; i < n; i = u.moveIndex32(i, 1)) {
    UChar32 c = u.char32At(i);
    if (c < 0x80) {
      if (!ascii[c].empty()) out.emplace_back(ascii[c]);
      continue;
    }
    int32_t next = u.moveIndex32(i, 1);
    if (next < n && !t.pairs.empty()) {
      auto it = t.pairs.find({c, u.char32At(next)});
      if (it != t.pairs.end()) {
        out.emplace_back(it->second);
        continue;
      }
    }
    const std::string& s = charLatin(c);
    if (!s.empty()) out.emplace_back(s);
  }
  return out;
}

}  // namespace

std::string initials(std::string_view utf8) {
  std::string out;
  for (std::string_view s : syllables(utf8)) {
    // Letters and digits that are not Han stay whole ("A1" → "a1"); Han gives its initial.
    out.push_back(s[0]);
  }
  return out;
}

std::string full(std::string_view utf8) {
  std::string out;
  for (std::string_view s : syllables(utf8)) out += s;
  return out;
}

std::string sortKey(std::string_view utf8) {
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  icu::Collator& coll = collator();
  uint8_t buf[256];
  std::vector<uint8_t> big;
  uint8_t* key = buf;
  int32_t len = coll.getSortKey(u, buf, sizeof buf);
  if (len > static_cast<int32_t>(sizeof buf)) {
    big.resize(len);
    key = big.data();
    len = coll.getSortKey(u, key, len);
  }
  // The key ends with a 0 byte; dropping it keeps byte order (a prefix sorts first).
  if (len > 0 && key[len - 1] == 0) --len;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(static_cast<size_t>(len) * 2, '\0');
  for (int32_t k = 0; k < len; ++k) {
    out[2 * k] = kHex[key[k] >> 4];
    out[2 * k + 1] = kHex[key[k] & 15];
  }
  return out;
}

}  // namespace zg::pinyin
