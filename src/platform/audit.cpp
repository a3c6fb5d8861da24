#include "platform/audit.h"

#include "core/error.h"
#include "platform/crypto.h"
#include "platform/time.h"

namespace zg::audit {

namespace {
constexpr const char* kGenesis = "0000000000000000000000000000000000000000000000000000000000000000";

std::string chainHash(const std::string& prev, int64_t id, const std::string& at, const std::optional<int64_t>& actorId,
                      const std::string& actorName, const std::string& ip, const std::string& action,
                      const std::string& entity, const std::optional<int64_t>& entityId, const std::string& orgPath,
                      const std::string& summary, const std::string& before, const std::string& after) {
  std::string s;
  auto add = [&](const std::string& part) {
    s += part;
    s += '\x1f';
  };
  add(prev);
  add(std::to_string(id));
  add(at);
  add(actorId ? std::to_string(*actorId) : "");
  add(actorName);
  add(ip);
  add(action);
  add(entity);
  add(entityId ? std::to_string(*entityId) : "");
  add(orgPath);
  add(summary);
  add(before);
  add(after);
  return crypto::sha256Hex(s);
}
}  // namespace

void record(store::Connection& c, const auth::Actor& actor, const Entry& e) {
  if (!c.inTransaction()) throw Error::internal("audit::record outside a transaction");
  if (c.dialect() == store::Dialect::Postgres) c.query("SELECT pg_advisory_xact_lock(7270001)");
  auto last = c.query("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1");
  int64_t id = last.empty() ? 1 : last.front().i64(0) + 1;
  std::string prev = last.empty() ? kGenesis : last.front().text(1);
  std::string at = nowIso();
  std::string before = e.before.is_null() ? "" : boost::json::serialize(e.before);
  std::string after = e.after.is_null() ? "" : boost::json::serialize(e.after);
  std::optional<int64_t> actorId;
  if (actor.userId) actorId = actor.userId;
  std::string hash = chainHash(prev, id, at, actorId, actor.name, actor.ip, e.action, e.entity, e.entityId,
                               e.orgPath, e.summary, before, after);
  c.exec(
      "INSERT INTO audit_log(id, logged_at, actor_id, actor_name, ip, action, entity, entity_id, org_path, summary, "
      "before_json, after_json, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
      {id, at, actorId, actor.name, actor.ip, e.action, e.entity, e.entityId, e.orgPath, e.summary,
       before.empty() ? store::Value() : store::Value(before), after.empty() ? store::Value() : store::Value(after),
       prev, hash});
}

VerifyResult verify(store::Connection& c) {
  VerifyResult out;
  std::string prevHash = kGenesis;
  int64_t expectId = 1;
  const int64_t batch = 5000;
  int64_t after = 0;
  for (;;) {
    auto r = c.query(
        "SELECT id, logged_at, actor_id, actor_name, ip, action, entity, entity_id, org_path, summary, before_json, "
        "after_json, prev_hash, hash FROM audit_log WHERE id > ? ORDER BY id LIMIT ?",
        {after, batch});
    if (r.empty()) break;
    for (auto row : r) {
      int64_t id = row.i64(0);
      ++out.checked;
      if (id != expectId) {
        for (int64_t missing = expectId; missing < id && out.problems.size() < 100; ++missing)
          out.problems.push_back({missing, "记录缺失（被删除）"});
      }
      std::string stored = row.text(13);
      std::string computed = chainHash(row.text(12), id, row.text(1), row.optI64(2), row.text(3), row.text(4),
                                       row.text(5), row.text(6), row.optI64(7), row.text(8), row.text(9),
                                       row.text(10), row.text(11));
      if (computed != stored) {
        out.problems.push_back({id, "内容被修改（哈希不符）"});
      } else if (row.text(12) != prevHash) {
        out.problems.push_back({id, "链接断开（前一条记录被修改或删除）"});
      }
      prevHash = stored;
      expectId = id + 1;
      after = id;
    }
    if (out.problems.size() >= 100) break;
  }
  out.ok = out.problems.empty();
  return out;
}

}  // namespace zg::audit
