#include "platform/totp.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace zg::totp {
namespace {

const std::string kRfcKey = "12345678901234567890";  // RFC 4226 / RFC 6238 SHA-1 seed

TEST(Totp, Rfc6238Sha1Vectors) {
  struct V {
    int64_t t;
    const char* code;
  };
  for (auto [t, expect] : {V{59, "94287082"}, V{1111111109, "07081804"}, V{1111111111, "14050471"},
                           V{1234567890, "89005924"}, V{2000000000, "69279037"}, V{20000000000, "65353130"}})
    EXPECT_EQ(code(kRfcKey, stepOf(t), 8), expect) << t;
}

TEST(Totp, Rfc4226HotpVectors) {
  const char* expect[] = {"755224", "287082", "359152", "969429", "338314",
                          "254676", "287922", "162583", "399871", "520489"};
  for (int i = 0; i < 10; ++i) EXPECT_EQ(code(kRfcKey, i), expect[i]) << i;
}

TEST(Totp, WindowIsOneStepEitherSide) {
  int64_t t = 1111111111;  // step 37037037
  int64_t s = stepOf(t);
  EXPECT_EQ(verify(kRfcKey, code(kRfcKey, s), t, 0), s);
  EXPECT_EQ(verify(kRfcKey, code(kRfcKey, s - 1), t, 0), s - 1);
  EXPECT_EQ(verify(kRfcKey, code(kRfcKey, s + 1), t, 0), s + 1);
  EXPECT_FALSE(verify(kRfcKey, code(kRfcKey, s - 2), t, 0));
  EXPECT_FALSE(verify(kRfcKey, code(kRfcKey, s + 2), t, 0));
}

TEST(Totp, UsedStepCannotBeReplayed) {
  int64_t t = 2000000000;
  int64_t s = stepOf(t);
  std::string c = code(kRfcKey, s);
  auto first = verify(kRfcKey, c, t, 0);
  ASSERT_EQ(first, s);
  EXPECT_FALSE(verify(kRfcKey, c, t, *first));                    // the same code again
  EXPECT_FALSE(verify(kRfcKey, code(kRfcKey, s - 1), t, *first));  // an older one within the window
  EXPECT_EQ(verify(kRfcKey, code(kRfcKey, s + 1), t + 30, *first), s + 1);
}

TEST(Totp, RejectsMalformedCodes) {
  int64_t t = 59;
  std::string good = code(kRfcKey, stepOf(t));
  EXPECT_TRUE(verify(kRfcKey, good.substr(0, 3) + " " + good.substr(3), t, -100));
  EXPECT_FALSE(verify(kRfcKey, "", t, -100));
  EXPECT_FALSE(verify(kRfcKey, good + "0", t, -100));
  EXPECT_FALSE(verify(kRfcKey, "12345a", t, -100));
  EXPECT_FALSE(verify(kRfcKey, "１２３４５６", t, -100));  // full-width digits
}

TEST(Totp, Base32RoundTripAndRfc4648Vectors) {
  EXPECT_EQ(base32Encode("foobar"), "MZXW6YTBOI");
  EXPECT_EQ(base32Encode("f"), "MY");
  EXPECT_EQ(base32Decode("mzxw6ytboi======"), "foobar");
  EXPECT_EQ(base32Decode("MZXW 6YTB OI"), "foobar");
  EXPECT_EQ(base32Encode(kRfcKey), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  EXPECT_EQ(base32Decode(base32Encode(kRfcKey)), kRfcKey);
  EXPECT_THROW(base32Decode("ABC1"), Error);
}

TEST(Totp, UriForAuthenticatorApps) {
  EXPECT_EQ(uri("祖功", "sq0101", "JBSWY3DPEHPK3PXP"),
            "otpauth://totp/%E7%A5%96%E5%8A%9F:sq0101?secret=JBSWY3DPEHPK3PXP&issuer=%E7%A5%96%E5%8A%9F"
            "&algorithm=SHA1&digits=6&period=30");
}

}  // namespace
}  // namespace zg::totp
