#include "platform/auth.h"

#include <algorithm>
#include <array>

#include "core/checks.h"
#include "core/error.h"
#include "platform/accounts.h"
#include "platform/audit.h"
#include "platform/cache.h"
#include "platform/crypto.h"
#include "platform/settings.h"
#include "platform/time.h"

namespace zg::auth {

namespace {
struct RoleInfo {
  Role role;
  const char* name;
  const char* label;
};
constexpr std::array<RoleInfo, 6> kRoles = {{
    {Role::DistrictStaff, "district_staff", "区委组织部"},
    {Role::Street, "street", "街道（乡镇）党（工）委"},
    {Role::Community, "community", "社区（村）党组织"},
    {Role::BranchSecretary, "branch_secretary", "支部书记"},
    {Role::GridLeader, "grid_leader", "网格长（片长、组长）"},
    {Role::Member, "member", "党员"},
}};

const char* kUserColumns =
    "u.id, u.username, u.display_name, u.role, u.org_id, o.path, o.name, u.member_id, u.active";

User userFromRow(const store::Row& r) {
  User u;
  u.id = r.i64(0);
  u.username = r.text(1);
  u.displayName = r.text(2);
  u.role = parseRole(r.text(3)).value_or(Role::Member);
  u.orgId = r.i64(4);
  u.orgPath = r.text(5);
  u.orgName = r.text(6);
  u.memberId = r.optI64(7);
  u.active = r.i64(8) != 0;
  return u;
}

boost::json::object userJson(const User& u) {
  return {{"id", u.id}, {"username", u.username}, {"displayName", u.displayName},
          {"role", roleName(u.role)}, {"orgId", u.orgId}, {"active", u.active}};
}
}  // namespace

std::string roleName(Role r) {
  for (auto& i : kRoles)
    if (i.role == r) return i.name;
  return "member";
}
std::optional<Role> parseRole(std::string_view s) {
  for (auto& i : kRoles)
    if (s == i.name) return i.role;
  return std::nullopt;
}
std::string roleLabel(Role r) {
  for (auto& i : kRoles)
    if (i.role == r) return i.label;
  return "";
}
int roleRank(Role r) { return static_cast<int>(r); }

std::string permissionName(Permission p) {
  switch (p) {
    case Permission::OrgRead: return "org.read";
    case Permission::OrgWrite: return "org.write";
    case Permission::MemberRead: return "member.read";
    case Permission::MemberWrite: return "member.write";
    case Permission::MemberImport: return "member.import";
    case Permission::MemberSensitive: return "member.sensitive";
    case Permission::AuditRead: return "audit.read";
    case Permission::SettingsWrite: return "settings.write";
    case Permission::UserManage: return "user.manage";
  }
  return "";
}

// The one table of who may do what.
bool can(Role r, Permission p) {
  using P = Permission;
  switch (r) {
    case Role::DistrictStaff:
      return true;
    case Role::Street:
    case Role::Community:
      return p == P::OrgRead || p == P::OrgWrite || p == P::MemberRead || p == P::MemberWrite ||
             p == P::MemberImport || p == P::MemberSensitive || p == P::UserManage;
    case Role::BranchSecretary:
      return p == P::OrgRead || p == P::MemberRead || p == P::MemberWrite || p == P::MemberSensitive;
    case Role::GridLeader:
      return p == P::OrgRead || p == P::MemberRead;
    case Role::Member:
      return p == P::OrgRead;
  }
  return false;
}

std::vector<std::string> permissionsOf(Role r) {
  std::vector<std::string> out;
  for (int i = 0; i <= static_cast<int>(Permission::UserManage); ++i)
    if (can(r, static_cast<Permission>(i))) out.push_back(permissionName(static_cast<Permission>(i)));
  return out;
}

void Context::require(Permission p) const {
  if (!can(p)) throw Error::forbidden("您的角色无权执行此操作");
}

void checkPasswordPolicy(const std::string& password, const std::string& field) {
  bool letter = std::any_of(password.begin(), password.end(), [](unsigned char c) { return std::isalpha(c); });
  bool digit = std::any_of(password.begin(), password.end(), [](unsigned char c) { return std::isdigit(c); });
  if (password.size() < 8 || password.size() > 128 || !letter || !digit)
    throw Error::invalid(field, "密码至少8位，且须同时包含字母和数字", "weak_password");
}

int64_t createUser(store::Connection& c, const Actor& actor, const std::string& username,
                   const std::string& displayName, Role role, int64_t orgId, const std::string& password,
                   std::optional<int64_t> memberId) {
  if (username.size() < 2 || username.size() > 32 ||
      !std::all_of(username.begin(), username.end(),
                   [](unsigned char ch) { return std::isalnum(ch) || ch == '_' || ch == '.' || ch == '-'; }))
    throw Error::invalid("username", "用户名应为2到32位字母、数字、下划线、点或连字符");
  if (displayName.empty() || utf8Length(displayName) > 40) throw Error::invalid("displayName", "姓名不能为空且不超过40字");
  checkPasswordPolicy(password);
  auto org = c.query("SELECT path FROM orgs WHERE id = ? AND dissolved_on IS NULL", {orgId});
  if (org.empty()) throw Error::invalid("orgId", "所属组织不存在");
  if (findUserByName(c, username)) throw Error::conflict("duplicate", "用户名已存在", "username");
  std::string now = nowIso();
  auto r = c.query(
      "INSERT INTO users(username, display_name, password_hash, role, org_id, member_id, active, created_at, updated_at) "
      "VALUES (?,?,?,?,?,?,1,?,?) RETURNING id",
      {username, displayName, crypto::hashPassword(password), roleName(role), orgId, memberId, now, now});
  int64_t id = r.front().i64(0);
  User u{id, username, displayName, role, orgId, org.front().text(0), "", memberId, true};
  audit::Entry e{"create", "user", id, u.orgPath, "新增用户 " + username + "（" + roleLabel(role) + "）", nullptr,
                 userJson(u)};
  audit::record(c, actor, e);
  return id;
}

std::optional<User> findUser(store::Connection& c, int64_t id) {
  auto r = c.query(std::string("SELECT ") + kUserColumns + " FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.id = ?", {id});
  if (r.empty()) return std::nullopt;
  return userFromRow(r.front());
}

std::optional<User> findUserByName(store::Connection& c, const std::string& username) {
  auto r = c.query(std::string("SELECT ") + kUserColumns + " FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.username = ?",
                   {username});
  if (r.empty()) return std::nullopt;
  return userFromRow(r.front());
}

std::vector<User> listUsers(store::Connection& c, const Scope& scope) {
  store::Params p;
  std::string w = scope.where("o.path", p);
  auto r = c.query(std::string("SELECT ") + kUserColumns + " FROM users u JOIN orgs o ON o.id = u.org_id WHERE " + w +
                       " ORDER BY o.path, u.username",
                   p);
  std::vector<User> out;
  for (auto row : r) out.push_back(userFromRow(row));
  return out;
}

void resetPassword(store::Connection& c, const Actor& actor, int64_t userId, const std::string& password) {
  checkPasswordPolicy(password);
  auto u = findUser(c, userId);
  if (!u) throw Error::notFound("用户不存在");
  checkPasswordReuse(c, userId, password, "password");
  auto old = c.query("SELECT password_hash FROM users WHERE id = ?", {userId});
  rememberPassword(c, userId, old.front().text(0));
  c.exec("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", {crypto::hashPassword(password), nowIso(), userId});
  dropSessions(c, userId);
  audit::record(c, actor, {"reset_password", "user", userId, u->orgPath, "重置用户 " + u->username + " 的密码", nullptr, nullptr});
}

void setActive(store::Connection& c, const Actor& actor, int64_t userId, bool active) {
  auto u = findUser(c, userId);
  if (!u) throw Error::notFound("用户不存在");
  c.exec("UPDATE users SET active = ?, updated_at = ? WHERE id = ?", {active, nowIso(), userId});
  if (!active) dropSessions(c, userId);
  audit::record(c, actor,
                {"update", "user", userId, u->orgPath, (active ? "启用用户 " : "停用用户 ") + u->username,
                 boost::json::object{{"active", u->active}}, boost::json::object{{"active", active}}});
}

namespace {
// Returns true when `key` is locked now.
bool locked(store::Connection& c, const std::string& key, const std::string& now) {
  auto r = c.query("SELECT locked_until FROM login_throttle WHERE key = ?", {key});
  return !r.empty() && !r.front().isNull(0) && r.front().text(0) > now;
}

void countFailure(store::Connection& c, const std::string& key, int64_t max, int64_t minutes, const std::string& now) {
  std::string windowStart = isoAfterSeconds(-minutes * 60);
  auto r = c.query("SELECT failures, window_start FROM login_throttle WHERE key = ?", {key});
  int64_t failures = 1;
  std::string start = now;
  if (!r.empty() && r.front().text(1) > windowStart) {
    failures = r.front().i64(0) + 1;
    start = r.front().text(1);
  }
  std::optional<std::string> until;
  if (failures >= max) until = isoAfterSeconds(minutes * 60);
  c.exec("DELETE FROM login_throttle WHERE key = ?", {key});
  c.exec("INSERT INTO login_throttle(key, failures, window_start, locked_until) VALUES (?,?,?,?)",
         {key, failures, start, until});
}
}  // namespace

namespace {
// The one sign-in path. Without a cipher (auth::login) a user who needs a second factor gets
// NeedCode/NeedEnrol and no session.
SignInResult signInWith(store::Connection& c, const crypto::FieldCipher* cipher, const std::string& username,
                        const std::string& password, const std::string& code, const std::string& ip) {
  if (username.empty()) throw Error::invalid("username", "请输入用户名", "required");
  if (password.empty()) throw Error::invalid("password", "请输入密码", "required");
  const std::string userKey = "user:" + username.substr(0, 64);
  const std::string ipKey = "ip:" + ip;
  int64_t minutes = 15, maxUser = 5, maxIp = 20;
  {
    minutes = settings::getInt(c, "auth.lockout_minutes");
    maxUser = settings::getInt(c, "auth.max_failures_per_user");
    maxIp = settings::getInt(c, "auth.max_failures_per_ip");
  }
  std::string now = nowIso();
  if (locked(c, userKey, now) || locked(c, ipKey, now)) {
    auto known = c.query("SELECT id FROM users WHERE username = ?", {username});
    recordSignIn(c, known.empty() ? std::nullopt : std::optional<int64_t>(known.front().i64(0)), username, ip, "locked");
    throw Error(ErrorKind::TooManyRequests, "throttled",
                "登录失败次数过多，请" + std::to_string(minutes) + "分钟后再试");
  }

  auto row = c.query("SELECT u.password_hash, u.id FROM users u WHERE u.username = ? AND u.active = 1", {username});
  // Verify against a dummy hash when the user does not exist, so timing does not reveal names.
  static const std::string dummy = crypto::hashPassword("zugong-dummy-password-1");
  bool good = crypto::verifyPassword(row.empty() ? dummy : row.front().text(0), password) && !row.empty();
  auto user = good ? findUserByName(c, username) : std::nullopt;

  store::Transaction tx(c);
  if (!good) {
    countFailure(c, userKey, maxUser, minutes, now);
    countFailure(c, ipKey, maxIp, minutes, now);
    audit::record(c, Actor{0, username.substr(0, 64), ip},
                  {"login_failed", "session", std::nullopt, "/", "登录失败：" + username.substr(0, 64), nullptr, nullptr});
    auto known = c.query("SELECT id FROM users WHERE username = ?", {username});
    recordSignIn(c, known.empty() ? std::nullopt : std::optional<int64_t>(known.front().i64(0)), username, ip,
                 "bad_password");
    tx.commit();
    throw Error(ErrorKind::Unauthorized, "bad_credentials", "用户名或密码错误", "password");
  }
  SignInResult out;
  out.session.user = *user;
  // The second factor (platform/accounts.h): asked for when enrolled, enrolled here when required.
  const Actor userActor{user->id, user->displayName + "(" + user->username + ")", ip};
  auto status = totpStatus(c, *user);
  if (status.enrolled || status.required) {
    if (!status.enrolled && (code.empty() || cipher == nullptr)) {
      out.step = LoginStep::NeedEnrol;
      if (cipher == nullptr) return out;
      out.enrolment = beginTotp(c, *cipher, *user);
      tx.commit();
      return out;
    }
    if (code.empty() || cipher == nullptr) {
      out.step = LoginStep::NeedCode;
      return out;
    }
    bool passed = false;
    if (status.enrolled) {
      FactorUsed used = checkSecondFactor(c, *cipher, user->id, code);
      passed = used != FactorUsed::None;
      out.usedRecoveryCode = used == FactorUsed::RecoveryCode;
    } else if (auto codes = confirmTotp(c, *cipher, userActor, *user, code)) {
      passed = true;
      out.recoveryCodes = std::move(*codes);
    }
    if (!passed) {
      countFailure(c, userKey, maxUser, minutes, now);
      countFailure(c, ipKey, maxIp, minutes, now);
      audit::record(c, userActor,
                    {"login_failed", "session", user->id, user->orgPath, "登录失败：动态验证码错误", nullptr, nullptr});
      recordSignIn(c, user->id, username, ip, "bad_code");
      tx.commit();
      throw Error(ErrorKind::Unauthorized, "bad_code", "动态验证码错误、已过期或已使用过，请输入验证器上当前显示的6位数字",
                  "code");
    }
  }
  c.exec("DELETE FROM login_throttle WHERE key = ?", {userKey});
  out.session.sessionToken = crypto::randomHex(32);
  out.session.csrfToken = crypto::randomHex(24);
  int64_t hours = settings::getInt(c, "auth.session_hours");
  c.exec("INSERT INTO sessions(token_hash, user_id, csrf_token, created_at, expires_at, ip, last_seen_at) "
         "VALUES (?,?,?,?,?,?,?)",
         {crypto::sha256Hex(out.session.sessionToken), user->id, out.session.csrfToken, now, isoAfterSeconds(hours * 3600), ip, now});
  c.exec("DELETE FROM sessions WHERE expires_at < ?", {now});
  audit::record(c, userActor,
                {"login", "session", user->id, user->orgPath, out.usedRecoveryCode ? "登录（使用恢复码）" : "登录",
                 nullptr, nullptr});
  recordSignIn(c, user->id, username, ip, out.usedRecoveryCode ? "recovery_code" : "ok");
  tx.commit();
  return out;
}
}  // namespace

SignInResult signIn(store::Connection& c, const crypto::FieldCipher& cipher, const std::string& username,
                    const std::string& password, const std::string& code, const std::string& ip) {
  return signInWith(c, &cipher, username, password, code, ip);
}

LoginResult login(store::Connection& c, const std::string& username, const std::string& password,
                  const std::string& ip) {
  auto r = signInWith(c, nullptr, username, password, "", ip);
  if (r.step != LoginStep::Done)
    throw Error(ErrorKind::Unauthorized, "second_factor_required", "本账号须使用两步验证登录，请输入动态验证码", "code");
  return r.session;
}

namespace {
// Idle timeout (auth.idle_minutes): false when the session was last used too long ago (it is
// then deleted). Otherwise records the use, at most once a minute so reads stay reads.
bool touchSession(store::Connection& c, const std::string& tokenHash, const std::string& lastSeen) {
  int64_t idle = settings::getInt(c, "auth.idle_minutes");
  if (lastSeen < isoAfterSeconds(-idle * 60)) {
    c.exec("DELETE FROM sessions WHERE token_hash = ?", {tokenHash});
    return false;
  }
  if (lastSeen < isoAfterSeconds(-60)) {
    try {
      c.exec("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?", {nowIso(), tokenHash});
    } catch (const std::exception&) {
      // A busy database must not fail the request; the next one records the use.
    }
  }
  return true;
}
}  // namespace

// Resumed sessions are kept in memory under the `auth` epoch read first (platform/cache.h): a
// session ended or a user or organization changed anywhere (any server) moves it, so the next
// request on every server reads the row again.
namespace {
// A resumed session as read from the database, before the request's own address is set.
struct Resumed {
  Context ctx;
  std::string expiresAt;
  std::string lastSeen;  // the last recorded use (idle timeout)
};
// Keyed by the token's hash, as the table is: the cache holds no token.
cache::EpochMap<Resumed>& sessionCache() {
  static cache::EpochMap<Resumed> m(10000);
  return m;
}
}  // namespace

std::optional<Context> resumeSession(store::Connection& c, const std::string& token, const std::string& ip) {
  if (token.size() != 64) return std::nullopt;
  cache::Epochs epochs = cache::read(c);  // first: see platform/cache.h
  std::string hash = crypto::sha256Hex(token);
  auto load = [&]() -> std::optional<Resumed> {
    auto r = c.query(std::string("SELECT ") + kUserColumns +
                         ", s.csrf_token, s.expires_at, COALESCE(s.last_seen_at, s.created_at) "
                         "FROM sessions s JOIN users u ON u.id = s.user_id "
                         "JOIN orgs o ON o.id = u.org_id WHERE s.token_hash = ?",
                     {hash});
    if (r.empty()) return std::nullopt;
    auto row = r.front();
    Resumed fresh;
    fresh.ctx.user = userFromRow(row);
    if (!fresh.ctx.user.active) return std::nullopt;
    fresh.ctx.scope = Scope(fresh.ctx.user.orgPath);
    fresh.ctx.csrfToken = row.text(9);
    fresh.expiresAt = row.text(10);
    fresh.lastSeen = row.text(11);
    return fresh;
  };
  std::optional<Resumed> got = sessionCache().get(epochs.auth, hash);
  bool cached = got.has_value();
  if (!cached && !(got = load())) return std::nullopt;
  if (got->expiresAt < nowIso()) return std::nullopt;
  // The idle timeout: a use is recorded at most once a minute (recording it does not move the
  // epoch, 0019). A cached last use may be older than one recorded by another server, so the row
  // is read again before the session is judged idle or its use recorded.
  bool reread = false;
  if (got->lastSeen < isoAfterSeconds(-60)) {
    reread = cached;
    if (cached && !(got = load())) return std::nullopt;
    if (!touchSession(c, hash, got->lastSeen)) {
      sessionCache().erase(hash);
      return std::nullopt;
    }
    if (got->lastSeen < isoAfterSeconds(-60)) got->lastSeen = nowIso();
  }
  if (!cached || reread) sessionCache().put(epochs.auth, hash, *got);
  Context ctx = std::move(got->ctx);
  ctx.ip = ip;
  return ctx;
}

void logout(store::Connection& c, const std::string& token) {
  std::string hash = crypto::sha256Hex(token);
  c.exec("DELETE FROM sessions WHERE token_hash = ?", {hash});  // moves the auth epoch (0018)
  sessionCache().erase(hash);
}

}  // namespace zg::auth
