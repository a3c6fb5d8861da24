// Fuzz target: the identity checks (ID number, dates, phones, masks, UTF-8 helpers). Contract:
// none of them throws; an ID number reported ok is 18 characters with a matching check digit
// and a real birth date.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  auto id = zg::checkIdNumber(s);
  if (id.ok) {
    if (id.normalized.size() != 18) __builtin_trap();
    if (zg::idCheckDigit(std::string_view(id.normalized).substr(0, 17)) != id.normalized[17]) __builtin_trap();
    if (!zg::parseDate(id.birthDate.iso())) __builtin_trap();
  }
  if (auto d = zg::parseDate(s)) {
    if (zg::parseDate(d->iso()) != d) __builtin_trap();  // ISO output parses back to itself
  }
  if (auto p = zg::normalizePhone(s)) {
    if (zg::normalizePhone(*p) != p) __builtin_trap();  // normalizing is idempotent
    (void)zg::maskPhone(*p);
  }
  (void)zg::maskIdNumber(s);
  if (zg::isValidUtf8(s)) (void)zg::utf8Length(zg::trim(s));
  return 0;
}
