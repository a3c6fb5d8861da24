#include "platform/crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sodium.h>

#include <memory>
#include <mutex>

#include "core/error.h"

namespace zg::crypto {

namespace {

constexpr size_t kNonceLen = 12;
constexpr size_t kTagLen = 16;
constexpr size_t kKeyLen = 32;

void ensureSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) throw Error::internal("sodium_init failed");
  });
}

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

std::string toHex(const unsigned char* p, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '\0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[p[i] >> 4];
    out[2 * i + 1] = kHex[p[i] & 15];
  }
  return out;
}

std::string hmacRaw(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), bytes(data), data.size(), out, &len)) {
    throw Error::internal("HMAC-SHA-256 failed");
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::string hashPassword(std::string_view password) {
  ensureSodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw Error::internal("crypto_pwhash_str failed (out of memory?)");
  }
  return out;
}

bool verifyPassword(std::string_view encoded, std::string_view password) {
  ensureSodium();
  // libsodium wants a NUL-terminated string that fits its buffer.
  if (encoded.empty() || encoded.size() >= crypto_pwhash_STRBYTES) return false;
  std::string enc(encoded);
  return crypto_pwhash_str_verify(enc.c_str(), password.data(), password.size()) == 0;
}

std::string sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr)) {
    throw Error::internal("SHA-256 failed");
  }
  return toHex(md, len);
}

std::string hmacHex(std::string_view key, std::string_view data) {
  std::string raw = hmacRaw(key, data);
  return toHex(bytes(raw), raw.size());
}

std::string randomHex(size_t n) {
  std::string buf(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(buf.data()), static_cast<int>(n)) != 1) {
    throw Error::internal("RAND_bytes failed");
  }
  return toHex(bytes(buf), n);
}

FieldCipher::FieldCipher(std::string key) : key_(std::move(key)) {
  if (key_.size() != kKeyLen) {
    throw Error::internal("FieldCipher key must be 32 bytes, got " + std::to_string(key_.size()));
  }
  macKey_ = hmacRaw(key_, "zugong-lookup");
}

std::string FieldCipher::encrypt(std::string_view plain) const {
  std::string out(kNonceLen + plain.size() + kTagLen, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (RAND_bytes(o, kNonceLen) != 1) throw Error::internal("RAND_bytes failed");
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceLen, nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key_), o) != 1 ||
      (!plain.empty() &&
       EVP_EncryptUpdate(ctx.get(), o + kNonceLen, &len, bytes(plain), static_cast<int>(plain.size())) != 1) ||
      EVP_EncryptFinal_ex(ctx.get(), o + kNonceLen + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagLen, o + kNonceLen + plain.size()) != 1) {
    throw Error::internal("AES-256-GCM encryption failed");
  }
  return base64Encode(out);
}

std::string FieldCipher::decrypt(std::string_view sealed) const {
  std::string raw;
  try {
    raw = base64Decode(sealed);
  } catch (const Error&) {
    throw Error::internal("sealed field is not base64");
  }
  if (raw.size() < kNonceLen + kTagLen) throw Error::internal("sealed field too short");
  size_t n = raw.size() - kNonceLen - kTagLen;
  auto* r = reinterpret_cast<unsigned char*>(raw.data());
  std::string plain(n, '\0');
  auto* p = reinterpret_cast<unsigned char*>(plain.data());
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceLen, nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key_), r) != 1 ||
      (n > 0 && EVP_DecryptUpdate(ctx.get(), p, &len, r + kNonceLen, static_cast<int>(n)) != 1) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagLen, r + kNonceLen + n) != 1) {
    throw Error::internal("AES-256-GCM decryption setup failed");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), p + len, &len) != 1) {
    throw Error::internal("sealed field does not verify (wrong key or tampered)");
  }
  return plain;
}

std::string FieldCipher::lookupHash(std::string_view plain) const { return hmacHex(macKey_, plain); }

std::string base64Encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  const auto* p = bytes(in);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    unsigned v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    out.push_back(kB64[v >> 18]);
    out.push_back(kB64[(v >> 12) & 63]);
    out.push_back(kB64[(v >> 6) & 63]);
    out.push_back(kB64[v & 63]);
  }
  size_t rest = in.size() - i;
  if (rest == 1) {
    unsigned v = p[i] << 16;
    out.push_back(kB64[v >> 18]);
    out.push_back(kB64[(v >> 12) & 63]);
    out.append("==");
  } else if (rest == 2) {
    unsigned v = (p[i] << 16) | (p[i + 1] << 8);
    out.push_back(kB64[v >> 18]);
    out.push_back(kB64[(v >> 12) & 63]);
    out.push_back(kB64[(v >> 6) & 63]);
    out.push_back('=');
  }
  return out;
}

std::string base64Decode(std::string_view text) {
  auto bad = [] { return Error::invalid("", "Base64 数据格式错误", "invalid_base64"); };
  if (text.size() % 4 != 0) throw bad();
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') ++pad;
  if (pad == 1 && text[text.size() - 2] == '=') ++pad;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    int v[4];
    for (int k = 0; k < 4; ++k) {
      char c = text[i + k];
      if (last && c == '=' && k >= 4 - static_cast<int>(pad)) {
        v[k] = 0;
      } else {
        v[k] = b64Value(c);
        if (v[k] < 0) throw bad();
      }
    }
    unsigned w = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out.push_back(static_cast<char>(w >> 16));
    if (!(last && pad == 2)) out.push_back(static_cast<char>((w >> 8) & 255));
    if (!(last && pad >= 1)) out.push_back(static_cast<char>(w & 255));
    // Canonical form only: the bits dropped by padding must be zero.
    if (last && pad == 2 && (w & 0xFFFF) != 0) throw bad();
    if (last && pad == 1 && (w & 0xFF) != 0) throw bad();
  }
  return out;
}

std::string hexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) throw Error::invalid("", "十六进制数据格式错误", "invalid_hex");
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = hexValue(hex[2 * i]), lo = hexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) throw Error::invalid("", "十六进制数据格式错误", "invalid_hex");
    out[i] = static_cast<char>((hi << 4) | lo);
  }
  return out;
}

}  // namespace zg::crypto
