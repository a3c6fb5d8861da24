// Cryptography used across the platform: password hashing (Argon2id, libsodium), field
// encryption at rest (AES-256-GCM, OpenSSL 3), keyed lookup hashes (HMAC-SHA-256), SHA-256 for
// the audit chain, and random tokens.
#pragma once
#include <string>
#include <string_view>

namespace zg::crypto {

// Argon2id with libsodium's interactive limits; returns the encoded "$argon2id$..." string.
std::string hashPassword(std::string_view password);
bool verifyPassword(std::string_view encoded, std::string_view password);

// Lowercase hex of SHA-256.
std::string sha256Hex(std::string_view data);
// Lowercase hex of HMAC-SHA-256(key, data).
std::string hmacHex(std::string_view key, std::string_view data);
// `n` random bytes as lowercase hex (2n characters), from a CSPRNG.
std::string randomHex(size_t n);

// Field encryption with a 32-byte key. Output: base64(12-byte nonce | ciphertext | 16-byte tag).
// decrypt() throws zg::Error(Internal) if the tag does not verify.
class FieldCipher {
 public:
  // `key` is 32 raw bytes.
  explicit FieldCipher(std::string key);
  std::string encrypt(std::string_view plain) const;
  std::string decrypt(std::string_view sealed) const;
  // Keyed hash for equality lookups of encrypted values (uses a key derived from the same key).
  std::string lookupHash(std::string_view plain) const;

 private:
  std::string key_;
  std::string macKey_;
};

std::string base64Encode(std::string_view bytes);
std::string base64Decode(std::string_view text);  // throws zg::Error(Invalid) on bad input
std::string hexDecode(std::string_view hex);        // throws zg::Error(Invalid) on bad input

}  // namespace zg::crypto
