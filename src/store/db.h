// The store: one narrow interface over SQLite and PostgreSQL.
//
// SQL is written once with `?` placeholders; the PostgreSQL backend rewrites them to $1..$n
// (outside string literals). Dialect differences that SQL cannot hide live in the numbered
// migrations (migrations/NNNN_name.{sqlite,pg}.sql) and in Connection::bulkInsert (prepared
// statement loop on SQLite, COPY on PostgreSQL).
//
// Contract: a Connection is used by one thread at a time. Database::acquire() hands out a
// pooled connection that returns to the pool when the Lease is destroyed. Values come back
// typed: integers as Int, reals as Real, text as Text, NULL as Null (PostgreSQL results are
// converted by column type). Errors are thrown as zg::Error (kind Internal, or Conflict for
// unique-constraint violations with code "unique").
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <condition_variable>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace zg::store {

enum class Dialect { Sqlite, Postgres };

class Value {
 public:
  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : v_(int64_t(b ? 1 : 0)) {}
  Value(int v) : v_(int64_t(v)) {}
  Value(long v) : v_(int64_t(v)) {}
  Value(long long v) : v_(int64_t(v)) {}
  Value(unsigned v) : v_(int64_t(v)) {}
  Value(double v) : v_(v) {}
  Value(std::string v) : v_(std::move(v)) {}
  Value(const char* v) : v_(std::string(v)) {}
  Value(std::string_view v) : v_(std::string(v)) {}
  template <class T>
  Value(const std::optional<T>& o) {
    if (o) *this = Value(*o);
  }

  bool isNull() const { return std::holds_alternative<std::monostate>(v_); }
  bool isInt() const { return std::holds_alternative<int64_t>(v_); }
  bool isReal() const { return std::holds_alternative<double>(v_); }
  bool isText() const { return std::holds_alternative<std::string>(v_); }
  // Conversions: asInt() parses text and truncates reals; asText() formats numbers; NULL gives
  // 0 / "" respectively.
  int64_t asInt() const;
  double asReal() const;
  std::string asText() const;
  const std::variant<std::monostate, int64_t, double, std::string>& raw() const { return v_; }

 private:
  std::variant<std::monostate, int64_t, double, std::string> v_;
};

using Params = std::vector<Value>;

// One row of a Result; a view that is valid while the Result lives.
class Row {
 public:
  Row(const std::vector<std::string>* cols, const std::vector<Value>* vals) : cols_(cols), vals_(vals) {}
  const Value& operator[](size_t i) const { return (*vals_)[i]; }
  const Value& operator[](std::string_view name) const;  // throws Internal if no such column
  size_t size() const { return vals_->size(); }
  int64_t i64(size_t i) const { return (*vals_)[i].asInt(); }
  std::string text(size_t i) const { return (*vals_)[i].asText(); }
  bool isNull(size_t i) const { return (*vals_)[i].isNull(); }
  std::optional<std::string> optText(size_t i) const {
    if (isNull(i)) return std::nullopt;
    return text(i);
  }
  std::optional<int64_t> optI64(size_t i) const {
    if (isNull(i)) return std::nullopt;
    return i64(i);
  }

 private:
  const std::vector<std::string>* cols_;
  const std::vector<Value>* vals_;
};

struct Result {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
  int64_t affected = 0;

  size_t size() const { return rows.size(); }
  bool empty() const { return rows.empty(); }
  Row row(size_t i) const { return Row(&columns, &rows[i]); }
  Row front() const { return row(0); }
  // Iteration over rows as Row views.
  struct Iter {
    const Result* r; size_t i;
    Row operator*() const { return r->row(i); }
    Iter& operator++() { ++i; return *this; }
    bool operator!=(const Iter& o) const { return i != o.i; }
  };
  Iter begin() const { return {this, 0}; }
  Iter end() const { return {this, rows.size()}; }
};

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  // Runs one statement. For INSERT ... RETURNING the returned rows are in the Result.
  virtual Result query(std::string_view sql, const Params& params = {}) = 0;
  // Runs one statement and returns the number of rows it changed.
  virtual int64_t exec(std::string_view sql, const Params& params = {}) = 0;
  // Runs several `;`-separated statements without parameters (migrations).
  virtual void execScript(std::string_view sql) = 0;
  // Transactions. On SQLite begin() takes the write lock at once (BEGIN IMMEDIATE), so a
  // transaction never fails half-way for lock upgrade.
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;
  virtual bool inTransaction() const = 0;
  // Appends many rows to a table in the current transaction: a reused prepared statement on
  // SQLite, COPY FROM STDIN on PostgreSQL.
  virtual void bulkInsert(std::string_view table, const std::vector<std::string>& columns,
                          const std::vector<std::vector<Value>>& rows) = 0;

  // Convenience: the first column of the first row, or nullopt when there is no row.
  std::optional<Value> scalar(std::string_view sql, const Params& params = {});
};

class Database;

// A pooled connection; returns to its pool when destroyed.
class Lease {
 public:
  Lease(Database* db, std::unique_ptr<Connection> c) : db_(db), c_(std::move(c)) {}
  Lease(Lease&& o) noexcept : db_(o.db_), c_(std::move(o.c_)) { o.db_ = nullptr; }
  Lease& operator=(Lease&&) = delete;
  ~Lease();
  Connection* operator->() const { return c_.get(); }
  Connection& operator*() const { return *c_; }
  Connection& conn() const { return *c_; }

 private:
  Database* db_;
  std::unique_ptr<Connection> c_;
};

class Database {
 public:
  using Factory = std::function<std::unique_ptr<Connection>()>;
  Database(Dialect d, std::string description, Factory f, size_t maxConnections);
  ~Database();
  Dialect dialect() const { return dialect_; }
  // "sqlite:/path/to/file.db" or "postgresql://…" (the password is never included).
  const std::string& description() const { return description_; }
  // Blocks while all maxConnections are in use.
  Lease acquire();

 private:
  friend class Lease;
  void release(std::unique_ptr<Connection> c);
  Dialect dialect_;
  std::string description_;
  Factory factory_;
  size_t max_;
  size_t open_ = 0;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::mutex mu_;
  std::condition_variable cv_;
};

// Opens a database by URL: a string starting with "postgres://" or "postgresql://" or
// containing "host=" / "dbname=" is a libpq connection string; anything else is a SQLite file
// path (created if missing; ":memory:" is not supported because the pool needs a shared file).
std::unique_ptr<Database> open(const std::string& url, size_t maxConnections = 8);

// RAII transaction: begins on construction, rolls back on destruction unless committed.
class Transaction {
 public:
  explicit Transaction(Connection& c) : c_(c) { c_.begin(); }
  Transaction(const Transaction&) = delete;
  ~Transaction() {
    if (!done_) {
      try { c_.rollback(); } catch (...) {}
    }
  }
  void commit() { c_.commit(); done_ = true; }
  Connection& conn() { return c_; }

 private:
  Connection& c_;
  bool done_ = false;
};

// The migrations compiled into the binary (CMake embeds migrations/NNNN_name.{sqlite,pg}.sql
// into a generated source file), in version order.
struct Migration {
  int version;
  std::string name;
  std::string sqliteSql;
  std::string pgSql;
};
const std::vector<Migration>& embeddedMigrations();

// Applies the migrations newer than the database's schema_version, in order, each in its
// own transaction, recording each in schema_version. Returns the number applied.
int migrate(Database& db);
// The highest applied version (0 for an empty database).
int schemaVersion(Database& db);

}  // namespace zg::store
