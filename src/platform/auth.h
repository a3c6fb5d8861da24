// Users, roles, permissions and sessions. Roles are those of DOMAIN.md, each bound to one
// organization; the bound organization's subtree is the user's Scope. The permission table
// (can()) is the one place that says which role may do what; the web app mirrors it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "platform/scope.h"
#include "store/db.h"

namespace zg::auth {

enum class Role { DistrictStaff, Street, Community, BranchSecretary, GridLeader, Member };

// "district_staff", "street", "community", "branch_secretary", "grid_leader", "member".
std::string roleName(Role r);
std::optional<Role> parseRole(std::string_view s);
std::string roleLabel(Role r);  // Chinese
// Lower rank = more authority; a user may only grant roles of equal or lower authority.
int roleRank(Role r);

enum class Permission {
  OrgRead, OrgWrite, MemberRead, MemberWrite, MemberImport, MemberSensitive,
  AuditRead, SettingsWrite, UserManage,
};
std::string permissionName(Permission p);  // "org.read", …
bool can(Role r, Permission p);
std::vector<std::string> permissionsOf(Role r);

struct User {
  int64_t id = 0;
  std::string username;
  std::string displayName;
  Role role = Role::Member;
  int64_t orgId = 0;
  std::string orgPath;
  std::string orgName;
  std::optional<int64_t> memberId;
  bool active = true;
};

// Who does something, for the audit log.
struct Actor {
  int64_t userId = 0;  // 0 = the system (CLI, demo loader)
  std::string name;
  std::string ip;
  static Actor system(std::string what = "系统") { return Actor{0, std::move(what), ""}; }
};

// What the middleware attaches to an authenticated request.
struct Context {
  User user;
  Scope scope;
  std::string csrfToken;
  std::string ip;
  Actor actor() const { return Actor{user.id, user.displayName + "(" + user.username + ")", ip}; }
  bool can(Permission p) const { return auth::can(user.role, p); }
  // Throws Forbidden when the role lacks `p`.
  void require(Permission p) const;
};

// --- Users (all writes audited by the caller's Actor) ---
// Throws Invalid (field named) on bad input, Conflict "duplicate" if the name exists.
int64_t createUser(store::Connection& c, const Actor& actor, const std::string& username,
                   const std::string& displayName, Role role, int64_t orgId,
                   const std::string& password, std::optional<int64_t> memberId = {});
void resetPassword(store::Connection& c, const Actor& actor, int64_t userId, const std::string& password);
void setActive(store::Connection& c, const Actor& actor, int64_t userId, bool active);
std::optional<User> findUser(store::Connection& c, int64_t id);
std::optional<User> findUserByName(store::Connection& c, const std::string& username);
// Users whose organization lies in `scope`.
std::vector<User> listUsers(store::Connection& c, const Scope& scope);
// Password policy: ≥ 8 characters with letters and digits. Throws Invalid on `field`.
void checkPasswordPolicy(const std::string& password, const std::string& field = "password");

// --- Sessions ---
struct LoginResult {
  User user;
  std::string sessionToken;  // goes into the cookie; only its hash is stored
  std::string csrfToken;
};
// Verifies the password with throttling by user name and by address (limits from settings
// auth.max_failures_per_user / auth.max_failures_per_ip / auth.lockout_minutes). Throws
// Unauthorized ("用户名或密码错误") or TooManyRequests.
LoginResult login(store::Connection& c, const std::string& username, const std::string& password,
                  const std::string& ip);
// The session for a cookie token, or nullopt when unknown, expired or the user is inactive.
std::optional<Context> resumeSession(store::Connection& c, const std::string& sessionToken,
                                     const std::string& ip);
void logout(store::Connection& c, const std::string& sessionToken);

}  // namespace zg::auth
