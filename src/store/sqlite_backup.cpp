#include "store/sqlite_backup.h"

#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace zg::store {
namespace {

struct Handle {
  sqlite3* db = nullptr;
  Handle(const std::string& path, int flags) {
    int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
      sqlite3_close_v2(db);
      db = nullptr;
      throw Error::internal("sqlite: cannot open " + path + ": " + msg);
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, 10000);
  }
  ~Handle() {
    if (db) sqlite3_close_v2(db);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  void exec(const char* sql) const {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errmsg(db);
      sqlite3_free(err);
      throw Error::internal("sqlite: " + msg + " [" + sql + "]");
    }
  }
  // The first column of every row of `sql`, as text.
  std::vector<std::string> column(const char* sql) const {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK)
      throw Error::internal(std::string("sqlite: ") + sqlite3_errmsg(db) + " [" + sql + "]");
    std::vector<std::string> out;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      auto* t = sqlite3_column_text(st, 0);
      out.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) throw Error::internal(std::string("sqlite: ") + sqlite3_errmsg(db) + " [" + sql + "]");
    return out;
  }
};

// Copies all pages of `from` into `to` in one step (one read transaction on `from`).
void copyAll(sqlite3* from, sqlite3* to, const std::string& what) {
  sqlite3_backup* b = sqlite3_backup_init(to, "main", from, "main");
  if (!b) throw Error::internal("sqlite backup (" + what + "): " + sqlite3_errmsg(to));
  int rc = sqlite3_backup_step(b, -1);
  int fin = sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE || fin != SQLITE_OK) {
    throw Error::internal("sqlite backup (" + what + ") failed: " + std::string(sqlite3_errstr(rc == SQLITE_DONE ? fin : rc)) +
                          " / " + sqlite3_errmsg(to));
  }
}

void checkIntegrity(const Handle& h, const std::string& path) {
  auto rows = h.column("PRAGMA integrity_check");
  if (rows.size() != 1 || rows[0] != "ok") {
    std::string first = rows.empty() ? "(no answer)" : rows[0];
    throw Error::internal("sqlite integrity_check of " + path + " failed: " + first);
  }
}

}  // namespace

std::string sqlitePathOf(const std::string& url) {
  if (url.rfind("sqlite://", 0) == 0) return url.substr(9);
  if (url.rfind("sqlite:", 0) == 0) return url.substr(7);
  return url;
}

bool isSqliteFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[16] = {};
  if (!in.read(head, 16)) return false;
  return std::string(head, 16) == std::string("SQLite format 3\0", 16);
}

void sqliteOnlineBackup(const std::string& srcPath, const std::string& outPath) {
  std::error_code ec;
  if (!std::filesystem::exists(srcPath, ec)) throw Error::invalid("db", "数据库文件不存在：" + srcPath);
  for (auto ext : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(outPath + ext, ec);
  {
    Handle src(srcPath, SQLITE_OPEN_READONLY);
    Handle dst(outPath, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    copyAll(src.db, dst.db, srcPath + " → " + outPath);
    // One self-contained file: the copy carries no -wal of its own.
    dst.exec("PRAGMA journal_mode = DELETE");
  }
  Handle check(outPath, SQLITE_OPEN_READONLY);
  checkIntegrity(check, outPath);
}

std::vector<std::vector<std::string>> sqliteReadOnlyQuery(const std::string& path, const std::string& sql) {
  Handle h(path, SQLITE_OPEN_READONLY);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(h.db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
    throw Error::internal("sqlite: " + std::string(sqlite3_errmsg(h.db)) + " [" + sql + "]");
  std::vector<std::vector<std::string>> out;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(st); ++i) {
      auto* t = sqlite3_column_text(st, i);
      row.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
    }
    out.push_back(std::move(row));
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) throw Error::internal("sqlite: " + std::string(sqlite3_errmsg(h.db)) + " [" + sql + "]");
  return out;
}

void sqliteRestore(const std::string& fromPath, const std::string& toPath) {
  Handle from(fromPath, SQLITE_OPEN_READONLY);
  checkIntegrity(from, fromPath);
  {
    Handle to(toPath, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    copyAll(from.db, to.db, fromPath + " → " + toPath);
    to.exec("PRAGMA journal_mode = WAL");
  }
  Handle check(toPath, SQLITE_OPEN_READONLY);
  checkIntegrity(check, toPath);
}

}  // namespace zg::store
