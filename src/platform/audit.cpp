#include "platform/audit.h"
#include "platform/audit_bulk.h"

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

namespace {
constexpr const char* kColumns[] = {"id",        "logged_at", "actor_id",  "actor_name", "ip",
                                    "action",    "entity",    "entity_id", "org_path",   "summary",
                                    "before_json", "after_json", "prev_hash", "hash"};

// The chain's end inside the caller's transaction (serialized: SQLite holds the write lock;
// PostgreSQL takes an advisory transaction lock), and the rows that extend it.
struct Chain {
  int64_t lastId = 0;
  std::string lastHash = kGenesis;
};
Chain chainEnd(store::Connection& c, const char* caller) {
  if (!c.inTransaction()) throw Error::internal(std::string(caller) + " outside a transaction");
  if (c.dialect() == store::Dialect::Postgres) c.query("SELECT pg_advisory_xact_lock(7270001)");
  auto last = c.query("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1");
  Chain ch;
  if (!last.empty()) {
    ch.lastId = last.front().i64(0);
    ch.lastHash = last.front().text(1);
  }
  return ch;
}

// Appends `e` to the chain: the row's values in kColumns' order.
std::vector<store::Value> link(Chain& ch, const auth::Actor& actor, const std::string& at, const Entry& e) {
  int64_t id = ch.lastId + 1;
  std::string before = e.before.is_null() ? "" : boost::json::serialize(e.before);
  std::string after = e.after.is_null() ? "" : boost::json::serialize(e.after);
  std::optional<int64_t> actorId;
  if (actor.userId) actorId = actor.userId;
  std::string hash = chainHash(ch.lastHash, id, at, actorId, actor.name, actor.ip, e.action, e.entity, e.entityId,
                               e.orgPath, e.summary, before, after);
  std::vector<store::Value> row{id, at, actorId, actor.name, actor.ip, e.action, e.entity, e.entityId, e.orgPath,
                                e.summary, before.empty() ? store::Value() : store::Value(std::move(before)),
                                after.empty() ? store::Value() : store::Value(std::move(after)), ch.lastHash, hash};
  ch.lastId = id;
  ch.lastHash = std::move(hash);
  return row;
}
}  // namespace

void record(store::Connection& c, const auth::Actor& actor, const Entry& e) {
  Chain ch = chainEnd(c, "audit::record");
  std::string cols, marks;
  for (const char* col : kColumns) {
    cols += (cols.empty() ? "" : ", ") + std::string(col);
    marks += marks.empty() ? "?" : ",?";
  }
  c.exec("INSERT INTO audit_log(" + cols + ") VALUES (" + marks + ")", link(ch, actor, nowIso(), e));
}

void recordMany(store::Connection& c, const auth::Actor& actor, const std::vector<Entry>& entries) {
  if (entries.empty()) return;
  Chain ch = chainEnd(c, "audit::recordMany");
  std::string at = nowIso();
  std::vector<std::vector<store::Value>> rows;
  rows.reserve(entries.size());
  for (const auto& e : entries) rows.push_back(link(ch, actor, at, e));
  c.bulkInsert("audit_log", std::vector<std::string>(std::begin(kColumns), std::end(kColumns)), rows);
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
