#include "platform/settings.h"

#include <map>
#include <mutex>

#include "core/error.h"
#include "platform/audit.h"
#include "platform/crypto.h"
#include "platform/time.h"

namespace zg::settings {

namespace {
std::mutex mu;
std::map<std::string, Definition>& registry() {
  static std::map<std::string, Definition> r;
  return r;
}

const Definition& find(const std::string& key) {
  std::lock_guard lk(mu);
  auto it = registry().find(key);
  if (it == registry().end()) throw Error::internal("unknown setting " + key);
  return it->second;
}

// Settings of the platform itself.
struct PlatformDefaults {
  PlatformDefaults() {
    auto add = [](std::string k, std::string l, std::string d, int64_t v, int64_t mn, int64_t mx) {
      registry()[k] = Definition{k, std::move(l), std::move(d), Type::Int, v, mn, mx};
    };
    add("auth.max_failures_per_user", "同一账号连续登录失败上限", "在锁定时长内同一用户名登录失败达到该次数后暂时锁定", 5, 1, 100);
    add("auth.max_failures_per_ip", "同一地址登录失败上限", "在锁定时长内同一网络地址登录失败达到该次数后暂时锁定", 20, 1, 1000);
    add("auth.lockout_minutes", "登录锁定时长（分钟）", "登录失败次数达到上限后的锁定时长，也是计数窗口", 15, 1, 1440);
    add("auth.session_hours", "会话有效期（小时）", "登录后多长时间需要重新登录", 12, 1, 720);
    add("auth.idle_minutes", "无操作自动退出（分钟）", "会话超过该时长未使用即失效，需重新登录（另有会话有效期上限）", 30, 1, 1440);
    add("auth.password_history", "不得重复使用的近期密码数", "修改或重置密码时，新密码不得与最近这么多次使用过的密码（含当前密码）相同；0 为不限制", 5, 0, 24);
    registry()["auth.totp_required"] =
        Definition{"auth.totp_required", "区、街道工作人员须启用两步验证",
                   "开启后，区委组织部和街道（乡镇）党（工）委账号登录时除密码外还须输入验证器（TOTP）动态验证码；"
                   "未绑定的账号在下次登录时先完成绑定（等保2.0三级 身份鉴别）",
                   Type::Bool, true, 0, 1};
  }
};
PlatformDefaults platformDefaults;
}  // namespace

void define(Definition d) {
  std::lock_guard lk(mu);
  registry()[d.key] = std::move(d);
}

std::vector<Definition> all() {
  std::lock_guard lk(mu);
  std::vector<Definition> out;
  for (auto& [k, d] : registry()) out.push_back(d);
  return out;
}

boost::json::value get(store::Connection& c, const std::string& key) {
  const Definition& d = find(key);
  auto r = c.query("SELECT value_json FROM settings WHERE key = ? AND org_id = 0", {key});
  if (r.empty()) return d.defaultValue;
  boost::system::error_code ec;
  auto v = boost::json::parse(r.front().text(0), ec);
  if (ec) return d.defaultValue;
  return v;
}

int64_t getInt(store::Connection& c, const std::string& key) {
  auto v = get(c, key);
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.as_uint64());
  if (v.is_double()) return static_cast<int64_t>(v.as_double());
  return find(key).defaultValue.to_number<int64_t>();
}

bool getBool(store::Connection& c, const std::string& key) {
  auto v = get(c, key);
  return v.is_bool() ? v.as_bool() : find(key).defaultValue.as_bool();
}

namespace {
std::string stampOf(const std::string& valueJson, const std::string& updatedAt) {
  return crypto::sha256Hex(valueJson + "|" + updatedAt).substr(0, 16);
}
const char* kStale = "该设置已被他人修改，请刷新后重试";
}  // namespace

std::string versionOf(store::Connection& c, const std::string& key) {
  auto r = c.query("SELECT value_json, updated_at FROM settings WHERE key = ? AND org_id = 0", {key});
  return r.empty() ? "0" : stampOf(r.front().text(0), r.front().text(1));
}

void set(store::Connection& c, const auth::Actor& actor, const std::string& key, const boost::json::value& v,
         const std::optional<std::string>& expectedVersion) {
  Definition d;
  {
    std::lock_guard lk(mu);
    auto it = registry().find(key);
    if (it == registry().end()) throw Error::notFound("没有这项设置");
    d = it->second;
  }
  boost::json::value stored;
  switch (d.type) {
    case Type::Int: {
      int64_t n;
      if (v.is_int64()) n = v.as_int64();
      else if (v.is_uint64() && v.as_uint64() < uint64_t(INT64_MAX)) n = int64_t(v.as_uint64());
      else if (v.is_string()) {
        try {
          size_t pos;
          std::string s(v.as_string());
          n = std::stoll(s, &pos);
          if (pos != s.size()) throw 0;
        } catch (...) {
          throw Error::invalid("value", d.label + "应为整数");
        }
      } else {
        throw Error::invalid("value", d.label + "应为整数");
      }
      if (n < d.min || n > d.max)
        throw Error::invalid("value", d.label + "应在" + std::to_string(d.min) + "到" + std::to_string(d.max) + "之间");
      stored = n;
      break;
    }
    case Type::Bool:
      if (!v.is_bool()) throw Error::invalid("value", d.label + "应为是或否");
      stored = v.as_bool();
      break;
    case Type::Text:
      if (!v.is_string() || v.as_string().size() > 2000) throw Error::invalid("value", d.label + "应为文本（不超过2000字）");
      stored = v;
      break;
  }
  auto before = get(c, key);
  std::string now = nowIso();
  store::Value by = actor.userId ? store::Value(actor.userId) : store::Value();
  auto cur = c.query("SELECT value_json, updated_at FROM settings WHERE key = ? AND org_id = 0", {key});
  if (expectedVersion && *expectedVersion != (cur.empty() ? "0" : stampOf(cur.front().text(0), cur.front().text(1))))
    throw Error::conflict("stale", kStale, "version");
  // Compare-and-set on what was read: another process that saved in between makes this touch
  // no row (PostgreSQL re-checks the WHERE after the other commit), and it becomes a conflict.
  int64_t n;
  if (cur.empty()) {
    n = c.exec(
        "INSERT INTO settings(key, org_id, value_json, updated_at, updated_by) VALUES (?, 0, ?, ?, ?) "
        "ON CONFLICT (key, org_id) DO NOTHING",
        {key, boost::json::serialize(stored), now, by});
  } else {
    n = c.exec(
        "UPDATE settings SET value_json = ?, updated_at = ?, updated_by = ? WHERE key = ? AND org_id = 0 AND "
        "value_json = ? AND updated_at = ?",
        {boost::json::serialize(stored), now, by, key, cur.front().text(0), cur.front().text(1)});
  }
  if (n != 1) throw Error::conflict("stale", kStale, "version");
  audit::Entry e;
  e.action = "update";
  e.entity = "setting";
  e.summary = "修改设置“" + d.label + "”为 " + boost::json::serialize(stored);
  e.before = boost::json::object{{"key", key}, {"value", before}};
  e.after = boost::json::object{{"key", key}, {"value", stored}};
  audit::record(c, actor, e);
}

}  // namespace zg::settings
