// Schema migrations: the embedded numbered scripts applied in order, one transaction each,
// recorded in schema_version.
#include <chrono>
#include <ctime>

#include "core/error.h"
#include "store/db.h"

namespace zg::store {
namespace {

// Key of the PostgreSQL advisory lock that serializes concurrent migrators (0x7A75676F6E67,
// "zugong" in ASCII).
constexpr const char* kPgLock = "SELECT pg_advisory_xact_lock(134644665118311)";

constexpr const char* kCreateVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at TEXT NOT NULL)";

std::string nowUtc() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Inside a transaction: on PostgreSQL waits for other migrators, then makes sure the version
// table exists and returns the highest applied version.
int lockAndReadVersion(Connection& c) {
  if (c.dialect() == Dialect::Postgres) c.query(kPgLock);
  c.execScript(kCreateVersionTable);
  auto v = c.scalar("SELECT COALESCE(MAX(version), 0) FROM schema_version");
  return v ? static_cast<int>(v->asInt()) : 0;
}

}  // namespace

int migrate(Database& db) {
  Lease lease = db.acquire();
  Connection& c = *lease;
  {
    Transaction tx(c);
    lockAndReadVersion(c);
    tx.commit();
  }
  int applied = 0;
  for (const Migration& m : embeddedMigrations()) {
    Transaction tx(c);
    // Re-read under the lock each time: another process may have applied it meanwhile. Each
    // migration is looked up by its own number, so one merged later with a lower number than an
    // applied one (parallel branches of work) is still applied.
    lockAndReadVersion(c);
    if (c.scalar("SELECT version FROM schema_version WHERE version = ?", {m.version})) {
      tx.commit();
      continue;
    }
    const std::string& sql = c.dialect() == Dialect::Postgres ? m.pgSql : m.sqliteSql;
    try {
      c.execScript(sql);
    } catch (const Error& e) {
      throw Error::internal("migration " + std::to_string(m.version) + " (" + m.name +
                            ") failed: " + e.internalMessage());
    }
    c.exec("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
           {m.version, m.name, nowUtc()});
    tx.commit();
    ++applied;
  }
  return applied;
}

int schemaVersion(Database& db) {
  Lease lease = db.acquire();
  Connection& c = *lease;
  const char* exists =
      c.dialect() == Dialect::Postgres
          ? "SELECT COUNT(*) FROM pg_catalog.pg_tables "
            "WHERE tablename = 'schema_version' AND schemaname = ANY (current_schemas(false))"
          : "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'";
  auto n = c.scalar(exists);
  if (!n || n->asInt() == 0) return 0;
  auto v = c.scalar("SELECT COALESCE(MAX(version), 0) FROM schema_version");
  return v ? static_cast<int>(v->asInt()) : 0;
}

}  // namespace zg::store
