// Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP): HMAC-SHA1, 30-second steps,
// 6 digits — the parameters every ordinary authenticator app uses by default. Pure functions;
// the enrolment, replay guard and recovery codes live in platform/twofactor.h.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zg::totp {

inline constexpr int64_t kStepSeconds = 30;
inline constexpr int kDigits = 6;

// RFC 4648 base32 without padding (the form authenticator apps take); decode ignores case,
// spaces and '=' padding, throws zg::Error(Invalid) on other characters.
std::string base32Encode(std::string_view bytes);
std::string base32Decode(std::string_view text);

// The time step of a Unix time (floor(t / 30)).
int64_t stepOf(int64_t unixSeconds);
// HOTP value of `key` (raw bytes) at counter `step`, zero-padded to `digits` digits.
std::string code(std::string_view key, int64_t step, int digits = kDigits);
// The step in [step(now) - window, step(now) + window] whose code equals `candidate` and that is
// later than `lastUsedStep` (so a used code, or an older one, cannot be replayed); nullopt
// otherwise. `candidate` may contain spaces; anything but 6 digits fails. Constant-time compare.
std::optional<int64_t> verify(std::string_view key, std::string_view candidate, int64_t unixSeconds,
                              int64_t lastUsedStep, int window = 1);
// otpauth://totp/<issuer>:<account>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30
std::string uri(const std::string& issuer, const std::string& account, const std::string& base32Secret);

}  // namespace zg::totp
