// Account protections beyond the password (issue 6, item 2; design in docs/accounts.md):
// the TOTP second factor (enrolment, verification with replay guard, recovery codes, reset by an
// administrator), password history, sign-out everywhere and the sign-in log. Sessions and the
// sign-in itself stay in auth.{h,cpp}, which calls into these.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "platform/auth.h"
#include "store/db.h"

namespace zg::crypto { class FieldCipher; }

namespace zg::auth {

// --- Sign-in with the second factor ---

// A TOTP secret being enrolled: base32 for typing in, and the otpauth:// URI for the QR code.
struct Enrolment {
  std::string secret;
  std::string uri;
};
enum class LoginStep {
  Done,       // signed in: session.sessionToken and session.csrfToken are set
  NeedCode,   // password right; the user's second factor is asked for (send it with the password)
  NeedEnrol,  // password right; the user must enrol a second factor first: `enrolment` is set;
              // send the password again with a first code of it
};
struct SignInResult {
  LoginStep step = LoginStep::Done;
  LoginResult session;                     // Done
  Enrolment enrolment;                     // NeedEnrol
  std::vector<std::string> recoveryCodes;  // Done after enrolling at this sign-in
  bool usedRecoveryCode = false;
};
// auth::login() with the second factor: verifies the password (throttled as login() does), then
// — when the user has a second factor, or must have one (auth.totp_required for district and
// street staff) — `code`, a TOTP code or a recovery code. A wrong, expired or used code throws
// Unauthorized "bad_code" on field "code" and counts as a failure toward the lock-out. Every
// attempt goes to the sign-in log. auth::login() itself refuses ("second_factor_required") users
// that need a second factor, so no path signs them in with the password alone.
SignInResult signIn(store::Connection& c, const crypto::FieldCipher& cipher, const std::string& username,
                    const std::string& password, const std::string& code, const std::string& ip);

// --- TOTP second factor (RFC 6238, platform/totp.h) ---

// Whether `u` must have a second factor: district and street staff, while the setting
// auth.totp_required is on.
bool totpRequired(store::Connection& c, const User& u);

struct TotpStatus {
  bool enrolled = false;
  bool required = false;
  int64_t recoveryCodesLeft = 0;
  std::string enrolledAt;
};
TotpStatus totpStatus(store::Connection& c, const User& u);

// Starts (or restarts) enrolment: a new 160-bit secret, stored sealed as pending. Throws
// Conflict "totp_enrolled" when the user already has a confirmed second factor.
Enrolment beginTotp(store::Connection& c, const crypto::FieldCipher& cipher, const User& u);
// Confirms the pending secret with a first code: the secret becomes the user's second factor
// and ten new one-time recovery codes are returned (only their hashes are kept). Audited.
// nullopt when the code is wrong or there is nothing pending.
std::optional<std::vector<std::string>> confirmTotp(store::Connection& c, const crypto::FieldCipher& cipher,
                                                    const Actor& actor, const User& u, const std::string& code);
// A sign-in's second factor: a current TOTP code (whose step is then used up, atomically, so
// two requests cannot both use it) or an unused recovery code (then marked used).
enum class FactorUsed { None, Totp, RecoveryCode };
FactorUsed checkSecondFactor(store::Connection& c, const crypto::FieldCipher& cipher, int64_t userId,
                             const std::string& code);
// Replaces the recovery codes (the caller has checked a current code). Audited.
std::vector<std::string> newRecoveryCodes(store::Connection& c, const Actor& actor, const User& u);
// An administrator removes a user's second factor (lost phone); the user enrols again at the
// next sign-in when it is required. Ends the user's sessions. Audited.
void resetTotp(store::Connection& c, const Actor& actor, const User& u);

// --- Passwords ---

// Throws Invalid(`field`, code "password_reused") when `password` is the current password or
// one of the auth.password_history - 1 before it. auth::resetPassword() checks it (field
// "password") and keeps the replaced hash with rememberPassword().
void checkPasswordReuse(store::Connection& c, int64_t userId, const std::string& password, const std::string& field);
// Keeps `oldHash` in the history (called when the password changes), trimming older entries.
void rememberPassword(store::Connection& c, int64_t userId, const std::string& oldHash);

// --- Sessions ---
// Besides the absolute expiry (auth.session_hours), resumeSession() ends a session unused for
// auth.idle_minutes (sessions.last_seen_at, recorded at most once a minute).

// Deletes every session of the user (no audit; see endAllSessions). The one place sessions of a
// user end, so a session cache has one place to forget them.
void dropSessions(store::Connection& c, int64_t userId);
// Sign-out everywhere, by the user or an administrator: ends all the user's sessions at once.
// Audited; returns how many were ended.
int64_t endAllSessions(store::Connection& c, const Actor& actor, const User& u);

// --- Sign-in log ---

// result: "ok", "recovery_code" (signed in with a recovery code), "bad_password", "bad_code",
// "locked" (refused while throttled).
void recordSignIn(store::Connection& c, std::optional<int64_t> userId, const std::string& username,
                  const std::string& ip, const std::string& result);
struct SignIn {
  int64_t id = 0;
  std::string at;
  std::string ip;
  std::string result;
};
struct SignInPage {
  std::vector<SignIn> items;
  int64_t total = 0;
};
SignInPage signIns(store::Connection& c, int64_t userId, int64_t limit, int64_t offset);

}  // namespace zg::auth
