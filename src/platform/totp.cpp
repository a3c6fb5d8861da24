#include "platform/totp.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/error.h"

namespace zg::totp {

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::string percentEncode(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}
}  // namespace

std::string base32Encode(std::string_view in) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char ch : in) {
    buffer = (buffer << 8) | ch;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  return out;
}

std::string base32Decode(std::string_view text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char raw : text) {
    if (raw == ' ' || raw == '=' || raw == '-') continue;
    char ch = static_cast<char>(std::toupper(static_cast<unsigned char>(raw)));
    int v = -1;
    if (ch >= 'A' && ch <= 'Z') v = ch - 'A';
    else if (ch >= '2' && ch <= '7') v = ch - '2' + 26;
    if (v < 0) throw Error::invalid("secret", "密钥格式无效");
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out += static_cast<char>((buffer >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return out;
}

int64_t stepOf(int64_t unixSeconds) {
  return unixSeconds >= 0 ? unixSeconds / kStepSeconds : -((-unixSeconds + kStepSeconds - 1) / kStepSeconds);
}

std::string code(std::string_view key, int64_t step, int digits) {
  unsigned char msg[8];
  auto counter = static_cast<uint64_t>(step);
  for (int i = 7; i >= 0; --i) {
    msg[i] = static_cast<unsigned char>(counter & 0xff);
    counter >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), msg, sizeof msg, mac, &len) == nullptr || len < 20)
    throw Error::internal("totp: HMAC-SHA1 failed");
  int offset = mac[len - 1] & 0x0f;
  uint32_t bin = (static_cast<uint32_t>(mac[offset] & 0x7f) << 24) | (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                 (static_cast<uint32_t>(mac[offset + 2]) << 8) | static_cast<uint32_t>(mac[offset + 3]);
  uint32_t mod = 1;
  for (int i = 0; i < digits; ++i) mod *= 10;
  std::string s = std::to_string(bin % mod);
  return std::string(static_cast<size_t>(digits) - s.size(), '0') + s;
}

std::optional<int64_t> verify(std::string_view key, std::string_view candidate, int64_t unixSeconds,
                              int64_t lastUsedStep, int window) {
  std::string digits;
  for (char ch : candidate) {
    if (ch == ' ') continue;
    if (ch < '0' || ch > '9' || digits.size() >= static_cast<size_t>(kDigits)) return std::nullopt;
    digits += ch;
  }
  if (digits.size() != static_cast<size_t>(kDigits)) return std::nullopt;
  int64_t now = stepOf(unixSeconds);
  std::optional<int64_t> found;
  for (int64_t s = now - window; s <= now + window; ++s) {
    std::string expect = code(key, s);
    // Every step of the window is computed and compared, matched or not: no early exit.
    bool same = CRYPTO_memcmp(expect.data(), digits.data(), digits.size()) == 0;
    if (same && s > lastUsedStep && !found) found = s;
  }
  return found;
}

std::string uri(const std::string& issuer, const std::string& account, const std::string& base32Secret) {
  std::string label = percentEncode(issuer) + ":" + percentEncode(account);
  return "otpauth://totp/" + label + "?secret=" + base32Secret + "&issuer=" + percentEncode(issuer) +
         "&algorithm=SHA1&digits=" + std::to_string(kDigits) + "&period=" + std::to_string(kStepSeconds);
}

}  // namespace zg::totp
