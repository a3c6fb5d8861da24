#include "platform/crypto.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "core/error.h"

namespace zg::crypto {
namespace {

std::string testKey() { return std::string("0123456789abcdef0123456789ABCDEF"); }

TEST(Crypto, Sha256KnownVectors) {
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex("张三"), sha256Hex("\xE5\xBC\xA0\xE4\xB8\x89"));
}

TEST(Crypto, HmacKnownVector) {
  // RFC 4231 test case 2.
  EXPECT_EQ(hmacHex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_NE(hmacHex("Jefe", "a"), hmacHex("Jeff", "a"));
}

TEST(Crypto, RandomHex) {
  std::string a = randomHex(16), b = randomHex(16);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(randomHex(0), "");
}

TEST(Crypto, PasswordRoundTrip) {
  std::string h = hashPassword("正确的密码 horse battery");
  EXPECT_EQ(h.rfind("$argon2id$", 0), 0u) << h;
  EXPECT_TRUE(verifyPassword(h, "正确的密码 horse battery"));
  EXPECT_FALSE(verifyPassword(h, "正确的密码 horse batterY"));
  EXPECT_FALSE(verifyPassword(h, ""));
  // Same password, different salt.
  EXPECT_NE(hashPassword("x"), hashPassword("x"));
  EXPECT_FALSE(verifyPassword("", "x"));
  EXPECT_FALSE(verifyPassword("not-a-hash", "x"));
  EXPECT_FALSE(verifyPassword(std::string(500, '$'), "x"));
}

TEST(Crypto, PasswordHashingFromThreads) {
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([i, &ok] {
      std::string pw = "pw" + std::to_string(i);
      ok[i] = verifyPassword(hashPassword(pw), pw) ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  for (int v : ok) EXPECT_EQ(v, 1);
}

TEST(FieldCipher, RoundTrip) {
  FieldCipher c(testKey());
  for (std::string plain : {std::string(), std::string("11010519491231002X"), std::string("张三 13812345678"),
                            std::string(5000, 'z'), std::string("a\0b", 3)}) {
    std::string sealed = c.encrypt(plain);
    EXPECT_EQ(base64Decode(sealed).size(), 12 + plain.size() + 16);
    EXPECT_EQ(c.decrypt(sealed), plain);
  }
  // Random nonce: two seals of the same text differ.
  EXPECT_NE(c.encrypt("same"), c.encrypt("same"));
}

TEST(FieldCipher, TamperAndWrongKeyDetected) {
  FieldCipher c(testKey());
  std::string raw = base64Decode(c.encrypt("110105194912310029"));
  for (size_t pos : {size_t(0), size_t(12), raw.size() - 1}) {  // nonce, body, tag
    std::string t = raw;
    t[pos] ^= 1;
    try {
      c.decrypt(base64Encode(t));
      ADD_FAILURE() << "tampered byte " << pos << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Internal);
    }
  }
  std::string otherKey = testKey();
  otherKey[0] = 'X';
  FieldCipher other(otherKey);
  EXPECT_THROW(other.decrypt(base64Encode(raw)), Error);
  EXPECT_THROW(c.decrypt("short"), Error);
  EXPECT_THROW(c.decrypt("!!!!"), Error);
  EXPECT_THROW(c.decrypt(base64Encode(raw.substr(0, 27))), Error);
}

TEST(FieldCipher, KeyMustBe32Bytes) {
  EXPECT_THROW(FieldCipher("short"), Error);
  EXPECT_THROW(FieldCipher(std::string(33, 'k')), Error);
}

TEST(FieldCipher, LookupHashIsDeterministicAndKeyed) {
  FieldCipher c(testKey());
  FieldCipher c2(testKey());
  EXPECT_EQ(c.lookupHash("13812345678"), c2.lookupHash("13812345678"));
  EXPECT_NE(c.lookupHash("13812345678"), c.lookupHash("13812345679"));
  EXPECT_EQ(c.lookupHash("x").size(), 64u);
  // Derived key: HMAC(HMAC(key, "zugong-lookup"), plain), not HMAC(key, plain).
  std::string macKey = hexDecode(hmacHex(testKey(), "zugong-lookup"));
  EXPECT_EQ(c.lookupHash("13812345678"), hmacHex(macKey, "13812345678"));
  EXPECT_NE(c.lookupHash("13812345678"), hmacHex(testKey(), "13812345678"));
  std::string otherKey = testKey();
  otherKey[31] = '!';
  EXPECT_NE(FieldCipher(otherKey).lookupHash("13812345678"), c.lookupHash("13812345678"));
}

TEST(Encoding, Base64Rfc4648) {
  const std::pair<const char*, const char*> cases[] = {{"", ""},
                                                       {"f", "Zg=="},
                                                       {"fo", "Zm8="},
                                                       {"foo", "Zm9v"},
                                                       {"foob", "Zm9vYg=="},
                                                       {"fooba", "Zm9vYmE="},
                                                       {"foobar", "Zm9vYmFy"}};
  for (auto [plain, enc] : cases) {
    EXPECT_EQ(base64Encode(plain), enc);
    EXPECT_EQ(base64Decode(enc), plain);
  }
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(base64Decode(base64Encode(all)), all);
  for (const char* bad : {"Zg=", "Zg", "Z===", "Zm9v!A==", "Zh==", "=Zg=", "Zm=v"}) {
    try {
      base64Decode(bad);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Invalid);
    }
  }
}

TEST(Encoding, Hex) {
  EXPECT_EQ(hexDecode("00ff7Fa0"), std::string("\x00\xff\x7f\xa0", 4));
  EXPECT_EQ(hexDecode(""), "");
  EXPECT_THROW(hexDecode("abc"), Error);
  EXPECT_THROW(hexDecode("zz"), Error);
  std::string r = randomHex(8);
  EXPECT_EQ(hexDecode(r).size(), 8u);
}

}  // namespace
}  // namespace zg::crypto
