// Account protections (platform/accounts.h) through auth::login and the session functions:
// two-step sign-in with enrolment, replay guard and recovery codes, password history, sign-out
// everywhere, idle timeout and the sign-in log.
#include <gtest/gtest.h>

#include <chrono>

#include "platform/accounts.h"
#include "platform/crypto.h"
#include "platform/settings.h"
#include "platform/time.h"
#include "platform/totp.h"
#include "testing.h"

namespace zg {
namespace {

int64_t unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
// The code an authenticator app shows for `secret` (base32) now.
std::string codeFor(const std::string& secret) {
  return totp::code(totp::base32Decode(secret), totp::stepOf(unixNow()));
}

class AccountsTest : public ::testing::Test {
 protected:
  testing::TestApp t;
  const crypto::FieldCipher& cipher() { return t.app->cipher; }
  void SetUp() override {
    auto c = t.db->acquire();
    store::Transaction tx(*c);
    auth::createUser(*c, auth::Actor::system(), "jd", "街道", auth::Role::Street, 1, "Passw0rd1");
    auth::createUser(*c, auth::Actor::system(), "dy", "党员", auth::Role::Member, 1, "Passw0rd1");
    settings::set(*c, auth::Actor::system(), "auth.totp_required", true);
    tx.commit();
  }
  auth::SignInResult login(const std::string& user, const std::string& code = "", const std::string& pw = "Passw0rd1") {
    auto c = t.db->acquire();
    return auth::signIn(*c, cipher(), user, pw, code, "10.0.0.9");
  }
  // Enrols `user` at sign-in; returns the secret and the recovery codes.
  std::pair<std::string, std::vector<std::string>> enrol(const std::string& user) {
    auto first = login(user);
    EXPECT_EQ(first.step, auth::LoginStep::NeedEnrol);
    EXPECT_TRUE(first.session.sessionToken.empty());
    EXPECT_TRUE(first.enrolment.uri.starts_with("otpauth://totp/"));
    auto done = login(user, codeFor(first.enrolment.secret));
    EXPECT_EQ(done.step, auth::LoginStep::Done);
    EXPECT_FALSE(done.session.sessionToken.empty());
    return {first.enrolment.secret, done.recoveryCodes};
  }
  int64_t lastStep(const std::string& user) {
    auto c = t.db->acquire();
    return c->query("SELECT t.last_step FROM user_totp t JOIN users u ON u.id = t.user_id WHERE u.username = ?", {user})
        .front()
        .i64(0);
  }
  static std::string codeAt(const std::string& secret, int64_t step) {
    return totp::code(totp::base32Decode(secret), step);
  }
  int64_t errorOf(const std::function<void()>& f, const std::string& code) {
    try {
      f();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.message();
      return httpStatus(e.kind());
    }
    ADD_FAILURE() << "no error, expected " << code;
    return 0;
  }
};

TEST_F(AccountsTest, StreetStaffEnrolAtFirstSignInThenNeedTheCode) {
  auto [secret, recovery] = enrol("jd");
  EXPECT_EQ(recovery.size(), 10u);
  // Password alone is no longer enough: the code is asked for, no session is made.
  auto step = login("jd");
  EXPECT_EQ(step.step, auth::LoginStep::NeedCode);
  EXPECT_TRUE(step.session.sessionToken.empty());
  // Nor does the password-only auth::login() let the user in.
  {
    auto c = t.db->acquire();
    EXPECT_EQ(errorOf([&] { auth::login(*c, "jd", "Passw0rd1", "x"); }, "second_factor_required"), 401);
  }
  // The code used to enrol cannot be used again; the next step's can (within the ±1 window
  // whichever step "now" is by then), and only once.
  int64_t used = lastStep("jd");
  EXPECT_EQ(errorOf([&] { login("jd", codeAt(secret, used)); }, "bad_code"), 401);
  EXPECT_EQ(login("jd", codeAt(secret, used + 1)).step, auth::LoginStep::Done);
  EXPECT_EQ(errorOf([&] { login("jd", codeAt(secret, used + 1)); }, "bad_code"), 401);
  // A member (not staff) signs in with the password alone.
  EXPECT_EQ(login("dy").step, auth::LoginStep::Done);
}

TEST_F(AccountsTest, RecoveryCodesWorkOnceAndWrongCodesCountTowardLockOut) {
  auto [secret, recovery] = enrol("jd");
  auto r = login("jd", recovery[0]);
  EXPECT_EQ(r.step, auth::LoginStep::Done);
  EXPECT_TRUE(r.usedRecoveryCode);
  EXPECT_EQ(errorOf([&] { login("jd", recovery[0]); }, "bad_code"), 401);
  // Upper case and without dashes is the same code.
  std::string loose = recovery[1];
  std::erase(loose, '-');
  for (auto& ch : loose) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_TRUE(login("jd", loose).usedRecoveryCode);
  {
    auto c = t.db->acquire();
    EXPECT_EQ(auth::totpStatus(*c, *auth::findUserByName(*c, "jd")).recoveryCodesLeft, 8);
  }
  // Five wrong codes (the default limit) lock the name, even with the right code after.
  for (int i = 0; i < 5; ++i) errorOf([&] { login("jd", "000000"); }, "bad_code");
  EXPECT_EQ(errorOf([&] { login("jd", codeAt(secret, lastStep("jd") + 1)); }, "throttled"), 429);
}

TEST_F(AccountsTest, AdminResetRemovesTheFactorAndEndsSessions) {
  auto [secret, recovery] = enrol("jd");
  auto c = t.db->acquire();
  auto u = *auth::findUserByName(*c, "jd");
  EXPECT_GT(c->query("SELECT COUNT(*) FROM sessions WHERE user_id = ?", {u.id}).front().i64(0), 0);
  // Only the sealed secret is stored.
  auto stored = c->query("SELECT secret_enc FROM user_totp WHERE user_id = ?", {u.id}).front().text(0);
  EXPECT_EQ(stored.find(secret), std::string::npos);
  EXPECT_EQ(cipher().decrypt(stored), secret);
  store::Transaction tx(*c);
  auth::resetTotp(*c, auth::Actor::system(), u);
  tx.commit();
  EXPECT_EQ(c->query("SELECT COUNT(*) FROM sessions WHERE user_id = ?", {u.id}).front().i64(0), 0);
  EXPECT_EQ(c->query("SELECT COUNT(*) FROM audit_log WHERE action = 'reset_totp'").front().i64(0), 1);
  EXPECT_EQ(login("jd").step, auth::LoginStep::NeedEnrol);  // enrols again
}

TEST_F(AccountsTest, PasswordHistoryRefusesTheLastFive) {
  auto c = t.db->acquire();
  int64_t id = auth::findUserByName(*c, "dy")->id;
  auto change = [&](const std::string& pw) {
    store::Transaction tx(*c);
    auth::resetPassword(*c, auth::Actor::system(), id, pw);
    tx.commit();
  };
  errorOf([&] { change("Passw0rd1"); }, "password_reused");  // the current one
  for (auto pw : {"Second22", "Third333", "Fourth44", "Fifth555"}) change(pw);
  // Passw0rd1 is now the 5th most recent (with the current Fifth555): still refused.
  try {
    change("Passw0rd1");
    ADD_FAILURE() << "reuse accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "password");
    EXPECT_NE(e.message().find("最近5次"), std::string::npos) << e.message();
  }
  change("Sixth666");
  change("Passw0rd1");  // 6 changes ago: allowed again
  EXPECT_LE(c->query("SELECT COUNT(*) FROM password_history WHERE user_id = ?", {id}).front().i64(0), 24);
}

TEST_F(AccountsTest, EndAllSessionsAndIdleTimeout) {
  auto a = login("dy").session, b = login("dy").session;
  auto c = t.db->acquire();
  ASSERT_TRUE(auth::resumeSession(*c, a.sessionToken, "x"));
  ASSERT_TRUE(auth::resumeSession(*c, b.sessionToken, "x"));
  {
    store::Transaction tx(*c);
    EXPECT_EQ(auth::endAllSessions(*c, auth::Actor::system(), a.user), 2);
    tx.commit();
  }
  EXPECT_FALSE(auth::resumeSession(*c, a.sessionToken, "x"));
  EXPECT_FALSE(auth::resumeSession(*c, b.sessionToken, "x"));
  // Idle: a session last used longer ago than auth.idle_minutes is gone, one used recently stays.
  auto d = login("dy").session;
  c->exec("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?",
          {isoAfterSeconds(-31 * 60), crypto::sha256Hex(d.sessionToken)});
  EXPECT_FALSE(auth::resumeSession(*c, d.sessionToken, "x"));
  auto e = login("dy").session;
  c->exec("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?",
          {isoAfterSeconds(-29 * 60), crypto::sha256Hex(e.sessionToken)});
  EXPECT_TRUE(auth::resumeSession(*c, e.sessionToken, "x"));
  // … and using it moved last_seen_at forward.
  auto seen = c->query("SELECT last_seen_at FROM sessions WHERE token_hash = ?", {crypto::sha256Hex(e.sessionToken)});
  EXPECT_GT(seen.front().text(0), isoAfterSeconds(-60));
}

TEST_F(AccountsTest, SignInLogHasSuccessesAndFailuresWithAddress) {
  login("dy");
  EXPECT_THROW(login("dy", "", "WrongPass1"), Error);
  auto c = t.db->acquire();
  auto p = auth::signIns(*c, auth::findUserByName(*c, "dy")->id, 10, 0);
  ASSERT_EQ(p.total, 2);
  EXPECT_EQ(p.items[0].result, "bad_password");
  EXPECT_EQ(p.items[1].result, "ok");
  EXPECT_EQ(p.items[0].ip, "10.0.0.9");
}

}  // namespace
}  // namespace zg
