#include "platform/accounts.h"

#include <algorithm>
#include <chrono>

#include "core/error.h"
#include "platform/audit.h"
#include "platform/crypto.h"
#include "platform/settings.h"
#include "platform/time.h"
#include "platform/totp.h"

namespace zg::auth {

namespace {
constexpr const char* kIssuer = "祖功";
constexpr int kRecoveryCodes = 10;

int64_t unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// "ab12-cd34-ef56" → "ab12cd34ef56"; case-insensitive.
std::string normalizeRecovery(const std::string& code) {
  std::string out;
  for (unsigned char ch : code) {
    if (ch == '-' || ch == ' ') continue;
    out += static_cast<char>(std::tolower(ch));
  }
  return out;
}

std::string recoveryHash(int64_t userId, const std::string& normalized) {
  return crypto::sha256Hex("zugong-recovery:" + std::to_string(userId) + ":" + normalized);
}

// 12 base32 characters (60 random bits) as three groups of four.
std::string newRecoveryCode() {
  std::string raw = crypto::hexDecode(crypto::randomHex(8));
  std::string b32 = totp::base32Encode(raw).substr(0, 12);
  std::transform(b32.begin(), b32.end(), b32.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return b32.substr(0, 4) + "-" + b32.substr(4, 4) + "-" + b32.substr(8, 4);
}

std::vector<std::string> storeRecoveryCodes(store::Connection& c, int64_t userId) {
  c.exec("DELETE FROM totp_recovery_codes WHERE user_id = ?", {userId});
  std::vector<std::string> codes;
  for (int i = 0; i < kRecoveryCodes; ++i) {
    codes.push_back(newRecoveryCode());
    c.exec("INSERT INTO totp_recovery_codes(user_id, code_hash) VALUES (?,?)",
           {userId, recoveryHash(userId, normalizeRecovery(codes.back()))});
  }
  return codes;
}

bool isStaffRole(Role r) { return r == Role::DistrictStaff || r == Role::Street; }
}  // namespace

bool totpRequired(store::Connection& c, const User& u) {
  return isStaffRole(u.role) && settings::getBool(c, "auth.totp_required");
}

TotpStatus totpStatus(store::Connection& c, const User& u) {
  TotpStatus s;
  s.required = totpRequired(c, u);
  auto r = c.query("SELECT enrolled_at FROM user_totp WHERE user_id = ? AND secret_enc IS NOT NULL", {u.id});
  if (!r.empty()) {
    s.enrolled = true;
    s.enrolledAt = r.front().optText(0).value_or("");
    s.recoveryCodesLeft =
        c.query("SELECT COUNT(*) FROM totp_recovery_codes WHERE user_id = ? AND used_at IS NULL", {u.id}).front().i64(0);
  }
  return s;
}

Enrolment beginTotp(store::Connection& c, const crypto::FieldCipher& cipher, const User& u) {
  if (totpStatus(c, u).enrolled) throw Error::conflict("totp_enrolled", "已启用两步验证；如需更换手机，请联系管理员重置");
  Enrolment e;
  e.secret = totp::base32Encode(crypto::hexDecode(crypto::randomHex(20)));
  e.uri = totp::uri(kIssuer, u.username, e.secret);
  std::string now = nowIso();
  std::string sealed = cipher.encrypt(e.secret);
  if (c.query("SELECT id FROM user_totp WHERE user_id = ?", {u.id}).empty())
    c.exec("INSERT INTO user_totp(user_id, pending_enc, updated_at) VALUES (?,?,?)", {u.id, sealed, now});
  else
    c.exec("UPDATE user_totp SET pending_enc = ?, updated_at = ? WHERE user_id = ?", {sealed, now, u.id});
  return e;
}

std::optional<std::vector<std::string>> confirmTotp(store::Connection& c, const crypto::FieldCipher& cipher,
                                                    const Actor& actor, const User& u, const std::string& code) {
  auto r = c.query("SELECT pending_enc, last_step FROM user_totp WHERE user_id = ? AND secret_enc IS NULL", {u.id});
  if (r.empty() || r.front().isNull(0)) return std::nullopt;
  std::string sealed = r.front().text(0);
  std::string key = totp::base32Decode(cipher.decrypt(sealed));
  auto step = totp::verify(key, code, unixNow(), r.front().i64(1));
  if (!step) return std::nullopt;
  std::string now = nowIso();
  // Compare-and-set on the pending value: two confirmations at once cannot both succeed.
  int64_t n = c.exec(
      "UPDATE user_totp SET secret_enc = pending_enc, pending_enc = NULL, last_step = ?, enrolled_at = ?, updated_at = ? "
      "WHERE user_id = ? AND secret_enc IS NULL AND pending_enc = ?",
      {*step, now, now, u.id, sealed});
  if (n != 1) return std::nullopt;
  auto codes = storeRecoveryCodes(c, u.id);
  audit::record(c, actor, {"enable_totp", "user", u.id, u.orgPath, "启用两步验证：" + u.username, nullptr, nullptr});
  return codes;
}

FactorUsed checkSecondFactor(store::Connection& c, const crypto::FieldCipher& cipher, int64_t userId,
                             const std::string& code) {
  auto r = c.query("SELECT secret_enc, last_step FROM user_totp WHERE user_id = ? AND secret_enc IS NOT NULL", {userId});
  if (r.empty()) return FactorUsed::None;
  std::string key = totp::base32Decode(cipher.decrypt(r.front().text(0)));
  if (auto step = totp::verify(key, code, unixNow(), r.front().i64(1))) {
    // The step is used up only if no one used it (or a later one) in the meantime.
    int64_t n = c.exec("UPDATE user_totp SET last_step = ?, updated_at = ? WHERE user_id = ? AND last_step < ?",
                       {*step, nowIso(), userId, *step});
    return n == 1 ? FactorUsed::Totp : FactorUsed::None;
  }
  std::string norm = normalizeRecovery(code);
  if (norm.size() != 12) return FactorUsed::None;
  int64_t n = c.exec("UPDATE totp_recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
                     {nowIso(), userId, recoveryHash(userId, norm)});
  return n == 1 ? FactorUsed::RecoveryCode : FactorUsed::None;
}

std::vector<std::string> newRecoveryCodes(store::Connection& c, const Actor& actor, const User& u) {
  auto codes = storeRecoveryCodes(c, u.id);
  audit::record(c, actor, {"new_recovery_codes", "user", u.id, u.orgPath, "重新生成恢复码：" + u.username, nullptr, nullptr});
  return codes;
}

void resetTotp(store::Connection& c, const Actor& actor, const User& u) {
  int64_t n = c.exec("DELETE FROM user_totp WHERE user_id = ?", {u.id});
  c.exec("DELETE FROM totp_recovery_codes WHERE user_id = ?", {u.id});
  dropSessions(c, u.id);
  audit::record(c, actor,
                {"reset_totp", "user", u.id, u.orgPath, "重置用户 " + u.username + " 的两步验证",
                 boost::json::object{{"enrolled", n > 0}}, boost::json::object{{"enrolled", false}}});
}

void checkPasswordReuse(store::Connection& c, int64_t userId, const std::string& password, const std::string& field) {
  int64_t keep = settings::getInt(c, "auth.password_history");
  if (keep <= 0) return;
  std::vector<std::string> hashes;
  auto cur = c.query("SELECT password_hash FROM users WHERE id = ?", {userId});
  if (!cur.empty()) hashes.push_back(cur.front().text(0));
  auto old = c.query("SELECT password_hash FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT ?",
                     {userId, keep - 1});
  for (auto row : old) hashes.push_back(row.text(0));
  for (auto& h : hashes)
    if (crypto::verifyPassword(h, password))
      throw Error::invalid(field, "新密码不能与最近" + std::to_string(keep) + "次使用过的密码相同", "password_reused");
}

void rememberPassword(store::Connection& c, int64_t userId, const std::string& oldHash) {
  c.exec("INSERT INTO password_history(user_id, password_hash, replaced_at) VALUES (?,?,?)", {userId, oldHash, nowIso()});
  // Keep no more than the largest history the setting allows (its maximum), newest first.
  int64_t cap = 24;
  for (auto& d : settings::all())
    if (d.key == "auth.password_history") cap = d.max;
  c.exec("DELETE FROM password_history WHERE user_id = ? AND id NOT IN "
         "(SELECT id FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT ?)",
         {userId, userId, cap});
}

void dropSessions(store::Connection& c, int64_t userId) { c.exec("DELETE FROM sessions WHERE user_id = ?", {userId}); }

int64_t endAllSessions(store::Connection& c, const Actor& actor, const User& u) {
  int64_t n = c.query("SELECT COUNT(*) FROM sessions WHERE user_id = ?", {u.id}).front().i64(0);
  dropSessions(c, u.id);
  std::string who = actor.userId == u.id ? "退出全部登录" : "结束用户 " + u.username + " 的全部登录";
  audit::record(c, actor, {"end_sessions", "user", u.id, u.orgPath, who + "（" + std::to_string(n) + " 个会话）",
                           nullptr, boost::json::object{{"sessions", n}}});
  return n;
}

void recordSignIn(store::Connection& c, std::optional<int64_t> userId, const std::string& username, const std::string& ip,
                  const std::string& result) {
  c.exec("INSERT INTO sign_ins(user_id, username, signed_at, ip, result) VALUES (?,?,?,?,?)",
         {userId, username.substr(0, 64), nowIso(), ip, result});
}

SignInPage signIns(store::Connection& c, int64_t userId, int64_t limit, int64_t offset) {
  SignInPage p;
  p.total = c.query("SELECT COUNT(*) FROM sign_ins WHERE user_id = ?", {userId}).front().i64(0);
  auto r = c.query("SELECT id, signed_at, ip, result FROM sign_ins WHERE user_id = ? ORDER BY id DESC LIMIT ? OFFSET ?",
                   {userId, limit, offset});
  for (auto row : r) p.items.push_back({row.i64(0), row.text(1), row.text(2), row.text(3)});
  return p;
}

}  // namespace zg::auth
