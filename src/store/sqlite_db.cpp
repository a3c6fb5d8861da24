// The SQLite backend: the C API with a per-connection cache of prepared statements.
#include "store/sqlite_db.h"

#include <sqlite3.h>

#include <string>
#include <unordered_map>

#include "core/error.h"

namespace zg::store::detail {
namespace {

// Statements kept prepared per connection; past this the cache is emptied (SQL text in this
// code base is a bounded set of constants, so this only guards against generated SQL).
constexpr size_t kMaxCachedStatements = 512;

bool isUniqueViolation(int extendedCode) {
  return extendedCode == SQLITE_CONSTRAINT_UNIQUE || extendedCode == SQLITE_CONSTRAINT_PRIMARYKEY;
}

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view sql) {
  int ext = db ? sqlite3_extended_errcode(db) : rc;
  std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if (isUniqueViolation(ext)) {
    throw Error(ErrorKind::Conflict, "unique", "记录已存在（重复）", "", msg);
  }
  throw Error::internal("sqlite: " + msg + " [" + std::string(sql) + "]");
}

bool onlyBlank(const char* p) {
  for (; *p; ++p) {
    if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != ';') return false;
  }
  return true;
}

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(const std::string& path) {
    int rc =
        sqlite3_open_v2(path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close_v2(db_);
      db_ = nullptr;
      throw Error::internal("sqlite: cannot open " + path + ": " + msg);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, 10000);
    try {
      execScript(
          "PRAGMA busy_timeout = 10000;"
          "PRAGMA journal_mode = WAL;"
          "PRAGMA foreign_keys = ON;"
          "PRAGMA synchronous = NORMAL;");
    } catch (...) {
      sqlite3_close_v2(db_);
      db_ = nullptr;
      throw;
    }
  }

  ~SqliteConnection() override {
    if (!db_) return;
    clearCache();
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close_v2(db_);
  }

  Dialect dialect() const override { return Dialect::Sqlite; }

  Result query(std::string_view sql, const Params& params) override {
    sqlite3_stmt* st = prepare(sql);
    bind(st, params, sql);
    Result res;
    int n = 0;
    sqlite3_int64 before = sqlite3_total_changes64(db_);
    for (bool first = true;; first = false) {
      int rc = sqlite3_step(st);
      if (first && (rc == SQLITE_ROW || rc == SQLITE_DONE)) {
        // Read the columns only after the first step: a statement prepared before a schema
        // change is re-prepared there, and `SELECT *` may then have other columns.
        n = sqlite3_column_count(st);
        res.columns.reserve(n);
        for (int i = 0; i < n; ++i) res.columns.emplace_back(sqlite3_column_name(st, i));
      }
      if (rc == SQLITE_ROW) {
        std::vector<Value>& row = res.rows.emplace_back();
        row.reserve(n);
        for (int i = 0; i < n; ++i) row.push_back(column(st, i));
      } else if (rc == SQLITE_DONE) {
        break;
      } else {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        fail(db_, rc, sql);
      }
    }
    // Statements that changed nothing (DDL, SELECT) report 0, not the last DML's count.
    res.affected = sqlite3_total_changes64(db_) == before ? 0 : sqlite3_changes64(db_);
    sqlite3_reset(st);  // releases the read snapshot at once
    sqlite3_clear_bindings(st);
    return res;
  }

  int64_t exec(std::string_view sql, const Params& params) override {
    return query(sql, params).affected;
  }

  void execScript(std::string_view sql) override {
    std::string s(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      if (err) sqlite3_free(err);
      fail(db_, rc, sql.substr(0, 200));
    }
  }

  void begin() override { simple("BEGIN IMMEDIATE"); }
  void commit() override { simple("COMMIT"); }
  void rollback() override { simple("ROLLBACK"); }
  bool inTransaction() const override { return db_ && !sqlite3_get_autocommit(db_); }

  void bulkInsert(std::string_view table, const std::vector<std::string>& columns,
                  const std::vector<std::vector<Value>>& rows) override {
    if (rows.empty()) return;
    std::string sql = "INSERT INTO " + std::string(table) + " (";
    std::string marks;
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i) {
        sql += ", ";
        marks += ", ";
      }
      sql += columns[i];
      marks += "?";
    }
    sql += ") VALUES (" + marks + ")";
    bool own = !inTransaction();  // outside a transaction the rows go in one of their own
    if (own) begin();
    try {
      sqlite3_stmt* st = prepare(sql);
      for (const auto& row : rows) {
        if (row.size() != columns.size()) {
          throw Error::internal("bulkInsert: row has " + std::to_string(row.size()) +
                                " values for " + std::to_string(columns.size()) + " columns");
        }
        bind(st, row, sql);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
          sqlite3_clear_bindings(st);
          fail(db_, rc, sql);
        }
      }
      sqlite3_clear_bindings(st);
      if (own) commit();
    } catch (...) {
      if (own && inTransaction()) {
        try {
          rollback();
        } catch (...) {
        }
      }
      throw;
    }
  }

 private:
  void simple(const char* sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    if (err) sqlite3_free(err);
    if (rc != SQLITE_OK) fail(db_, rc, sql);
  }

  sqlite3_stmt* prepare(std::string_view sql) {
    std::string key(sql);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    if (cache_.size() >= kMaxCachedStatements) clearCache();
    sqlite3_stmt* st = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size() + 1),
                                SQLITE_PREPARE_PERSISTENT, &st, &tail);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(st);
      fail(db_, rc, sql);
    }
    if (!st) throw Error::internal("sqlite: empty statement [" + key + "]");
    if (tail && !onlyBlank(tail)) {
      // A second statement would be silently ignored; make the mistake loud.
      sqlite3_stmt* extra = nullptr;
      sqlite3_prepare_v2(db_, tail, -1, &extra, nullptr);
      bool more = extra != nullptr;
      sqlite3_finalize(extra);
      if (more) {
        sqlite3_finalize(st);
        throw Error::internal("sqlite: query() takes one statement; use execScript [" + key + "]");
      }
    }
    cache_.emplace(std::move(key), st);
    return st;
  }

  void bind(sqlite3_stmt* st, const Params& params, std::string_view sql) {
    int n = sqlite3_bind_parameter_count(st);
    if (n != static_cast<int>(params.size())) {
      throw Error::internal("sqlite: statement has " + std::to_string(n) + " placeholders, got " +
                            std::to_string(params.size()) + " values [" + std::string(sql) + "]");
    }
    for (int i = 0; i < n; ++i) {
      const Value& v = params[i];
      int rc;
      switch (v.raw().index()) {
        case 0:
          rc = sqlite3_bind_null(st, i + 1);
          break;
        case 1:
          rc = sqlite3_bind_int64(st, i + 1, std::get<int64_t>(v.raw()));
          break;
        case 2:
          rc = sqlite3_bind_double(st, i + 1, std::get<double>(v.raw()));
          break;
        default: {
          const std::string& s = std::get<std::string>(v.raw());
          // The Params outlive the step; bindings are cleared before returning.
          rc = sqlite3_bind_text64(st, i + 1, s.data(), s.size(), SQLITE_STATIC, SQLITE_UTF8);
        }
      }
      if (rc != SQLITE_OK) fail(db_, rc, sql);
    }
  }

  static Value column(sqlite3_stmt* st, int i) {
    switch (sqlite3_column_type(st, i)) {
      case SQLITE_INTEGER:
        return Value(static_cast<long long>(sqlite3_column_int64(st, i)));
      case SQLITE_FLOAT:
        return Value(sqlite3_column_double(st, i));
      case SQLITE_NULL:
        return Value();
      case SQLITE_BLOB: {
        const void* p = sqlite3_column_blob(st, i);
        int len = sqlite3_column_bytes(st, i);
        return Value(std::string(static_cast<const char*>(p), len));
      }
      default: {
        const unsigned char* p = sqlite3_column_text(st, i);
        int len = sqlite3_column_bytes(st, i);
        return Value(std::string(reinterpret_cast<const char*>(p), len));
      }
    }
  }

  void clearCache() {
    for (auto& [k, st] : cache_) sqlite3_finalize(st);
    cache_.clear();
  }

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace

std::unique_ptr<Connection> openSqlite(const std::string& path) {
  return std::make_unique<SqliteConnection>(path);
}

}  // namespace zg::store::detail
