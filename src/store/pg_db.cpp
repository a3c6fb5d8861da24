// The PostgreSQL backend: libpq, text-format parameters, named prepared statements cached per
// connection, COPY for bulk inserts.
#include "store/pg_db.h"

#include <libpq-fe.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>

#include "core/error.h"
#include "store/sqlite_db.h"  // formatReal

namespace zg::store::detail {

// ---- SQL text helpers ----

namespace {

bool identStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool identChar(char c) { return identStart(c) || (c >= '0' && c <= '9'); }

}  // namespace

std::string rewritePlaceholders(std::string_view sql, int* count) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  size_t i = 0;
  const size_t len = sql.size();
  auto copyUntil = [&](size_t end) {
    out.append(sql.substr(i, end - i));
    i = end;
  };
  while (i < len) {
    char c = sql[i];
    if (c == '\'') {
      // E'...' strings take backslash escapes; all take '' for a quote.
      bool escapes =
          i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') && (i < 2 || !identChar(sql[i - 2]));
      size_t j = i + 1;
      while (j < len) {
        if (escapes && sql[j] == '\\') {
          j += 2;
        } else if (sql[j] == '\'') {
          if (j + 1 < len && sql[j + 1] == '\'') {
            j += 2;
          } else {
            ++j;
            break;
          }
        } else {
          ++j;
        }
      }
      copyUntil(std::min(j, len));
    } else if (c == '"') {
      size_t j = i + 1;
      while (j < len) {
        if (sql[j] == '"') {
          if (j + 1 < len && sql[j + 1] == '"') {
            j += 2;
            continue;
          }
          ++j;
          break;
        }
        ++j;
      }
      copyUntil(std::min(j, len));
    } else if (c == '-' && i + 1 < len && sql[i + 1] == '-') {
      size_t j = sql.find('\n', i);
      copyUntil(j == std::string_view::npos ? len : j);
    } else if (c == '/' && i + 1 < len && sql[i + 1] == '*') {
      int depth = 1;  // PostgreSQL block comments nest
      size_t j = i + 2;
      while (j < len && depth > 0) {
        if (sql[j] == '/' && j + 1 < len && sql[j + 1] == '*') {
          ++depth;
          j += 2;
        } else if (sql[j] == '*' && j + 1 < len && sql[j + 1] == '/') {
          --depth;
          j += 2;
        } else {
          ++j;
        }
      }
      copyUntil(j);
    } else if (c == '$' && (i == 0 || !identChar(sql[i - 1]))) {
      // $tag$ ... $tag$ or $$ ... $$ (not $1, which is a positional parameter).
      size_t j = i + 1;
      if (j < len && identStart(sql[j])) {
        while (j < len && identChar(sql[j])) ++j;
      }
      if (j < len && sql[j] == '$') {
        std::string_view tag = sql.substr(i, j - i + 1);
        size_t end = sql.find(tag, j + 1);
        copyUntil(end == std::string_view::npos ? len : end + tag.size());
      } else {
        out += c;
        ++i;
      }
    } else if (identChar(c)) {
      // Whole identifiers at once, so the `e` of E'..' is seen by the literal branch above and
      // a `$` inside an identifier never starts a dollar quote.
      size_t j = i + 1;
      while (j < len && (identChar(sql[j]) || sql[j] == '$')) ++j;
      copyUntil(j);
    } else if (c == '?') {
      out += '$';
      out += std::to_string(++n);
      ++i;
    } else {
      out += c;
      ++i;
    }
  }
  if (count) *count = n;
  return out;
}

void appendCopyField(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
}

std::string pgDescription(const std::string& conninfo) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (err) PQfreemem(err);
  if (!opts) return "postgresql://(unparsable connection string)";
  std::string user, host, hostaddr, port, dbname;
  for (PQconninfoOption* o = opts; o->keyword; ++o) {
    if (!o->val) continue;
    std::string_view k = o->keyword;
    if (k == "user")
      user = o->val;
    else if (k == "host")
      host = o->val;
    else if (k == "hostaddr")
      hostaddr = o->val;
    else if (k == "port")
      port = o->val;
    else if (k == "dbname")
      dbname = o->val;
  }
  PQconninfoFree(opts);
  if (host.empty()) host = hostaddr;
  std::string d = "postgresql://";
  if (!user.empty()) d += user + "@";
  d += host;
  if (!port.empty()) d += ":" + port;
  if (!dbname.empty()) d += "/" + dbname;
  return d;
}

// ---- connection ----

namespace {

constexpr size_t kMaxCachedStatements = 512;

// Type OIDs from pg_type.h (stable across versions).
constexpr Oid kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23, kOid = 26, kFloat4 = 700,
              kFloat8 = 701, kNumeric = 1700;

struct ResultPtr {
  PGresult* r;
  explicit ResultPtr(PGresult* p) : r(p) {}
  ResultPtr(const ResultPtr&) = delete;
  ~ResultPtr() {
    if (r) PQclear(r);
  }
};

void noNotices(void*, const char*) {}

Value convert(const PGresult* r, int row, int col, Oid type) {
  if (PQgetisnull(r, row, col)) return Value();
  const char* s = PQgetvalue(r, row, col);
  int len = PQgetlength(r, row, col);
  switch (type) {
    case kInt2:
    case kInt4:
    case kInt8:
    case kOid: {
      long long v = 0;
      std::from_chars(s, s + len, v);
      return Value(v);
    }
    case kFloat4:
    case kFloat8:
    case kNumeric: {
      double d = 0;  // from_chars: locale-independent, also reads NaN and Infinity
      std::from_chars(s, s + len, d);
      return Value(d);
    }
    case kBool:
      return Value(s[0] == 't');
    default:
      return Value(std::string(s, len));
  }
}

std::string paramText(const Value& v) {
  switch (v.raw().index()) {
    case 1:
      return std::to_string(std::get<int64_t>(v.raw()));
    case 2:
      return formatReal(std::get<double>(v.raw()));
    default:
      return std::get<std::string>(v.raw());
  }
}

class PgConnection final : public Connection {
 public:
  explicit PgConnection(const std::string& conninfo) {
    conn_ = PQconnectdb(conninfo.c_str());
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
      std::string msg = conn_ ? PQerrorMessage(conn_) : "out of memory";
      if (conn_) PQfinish(conn_);
      conn_ = nullptr;
      throw Error::internal("postgresql: cannot connect to " + pgDescription(conninfo) + ": " +
                            msg);
    }
    PQsetNoticeProcessor(conn_, noNotices, nullptr);
    if (PQsetClientEncoding(conn_, "UTF8") != 0) {
      std::string msg = PQerrorMessage(conn_);
      PQfinish(conn_);
      conn_ = nullptr;
      throw Error::internal("postgresql: cannot set client encoding UTF8: " + msg);
    }
  }

  ~PgConnection() override {
    if (conn_) PQfinish(conn_);
  }

  Dialect dialect() const override { return Dialect::Postgres; }

  Result query(std::string_view sql, const Params& params) override {
    ensureConnected();
    return run(sql, params, true);
  }

  int64_t exec(std::string_view sql, const Params& params) override {
    return query(sql, params).affected;
  }

  void execScript(std::string_view sql) override {
    ensureConnected();
    std::string s(sql);
    // PQexec runs every statement and returns the last result; an error stops the rest.
    ResultPtr r(PQexec(conn_, s.c_str()));
    ExecStatusType st = r.r ? PQresultStatus(r.r) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && st != PGRES_EMPTY_QUERY) {
      fail(r.r, sql.substr(0, 200));
    }
  }

  void begin() override { simple("BEGIN"); }
  void commit() override {
    ResultPtr r(run("COMMIT"));
    // COMMIT of a transaction that already failed "succeeds" with the tag ROLLBACK.
    if (std::strcmp(PQcmdStatus(r.r), "ROLLBACK") == 0) {
      throw Error::internal("postgresql: transaction had failed and was rolled back on COMMIT");
    }
  }
  void rollback() override { simple("ROLLBACK"); }
  bool inTransaction() const override {
    if (!conn_) return false;
    PGTransactionStatusType t = PQtransactionStatus(conn_);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
  }

  void bulkInsert(std::string_view table, const std::vector<std::string>& columns,
                  const std::vector<std::vector<Value>>& rows) override {
    if (rows.empty()) return;
    ensureConnected();
    std::string sql = "COPY " + std::string(table) + " (";
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i) sql += ", ";
      sql += columns[i];
    }
    sql += ") FROM STDIN";
    {
      ResultPtr r(PQexec(conn_, sql.c_str()));
      if (!r.r || PQresultStatus(r.r) != PGRES_COPY_IN) fail(r.r, sql);
    }
    std::string buf;
    buf.reserve(1 << 20);
    std::string abortReason;
    auto flush = [&] {
      if (!buf.empty() && PQputCopyData(conn_, buf.data(), static_cast<int>(buf.size())) != 1) {
        abortReason = PQerrorMessage(conn_);
      }
      buf.clear();
    };
    for (const auto& row : rows) {
      if (row.size() != columns.size()) {
        abortReason = "bulkInsert: row has " + std::to_string(row.size()) + " values for " +
                      std::to_string(columns.size()) + " columns";
        break;
      }
      for (size_t i = 0; i < row.size(); ++i) {
        if (i) buf += '\t';
        if (row[i].isNull()) {
          buf += "\\N";
        } else if (row[i].isText()) {
          appendCopyField(buf, std::get<std::string>(row[i].raw()));
        } else {
          buf += paramText(row[i]);
        }
      }
      buf += '\n';
      if (buf.size() >= (1 << 20)) flush();
      if (!abortReason.empty()) break;
    }
    if (abortReason.empty()) flush();
    PQputCopyEnd(conn_, abortReason.empty() ? nullptr : abortReason.c_str());
    // Drain every result; the first failure is reported.
    std::string error;
    PGresult* failed = nullptr;
    while (PGresult* r = PQgetResult(conn_)) {
      if (PQresultStatus(r) != PGRES_COMMAND_OK && !failed) {
        failed = r;
      } else {
        PQclear(r);
      }
    }
    if (failed) {
      ResultPtr hold(failed);
      fail(failed, sql);
    }
    if (!abortReason.empty()) throw Error::internal("postgresql: " + abortReason);
  }

 private:
  // Executes the cached prepared statement for `sql`.
  Result run(std::string_view sql, const Params& params, bool mayRetry) {
    const std::string& name = prepared(sql, params.size());
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      if (params[i].isNull()) {
        values[i] = nullptr;
      } else {
        texts[i] = paramText(params[i]);
        values[i] = texts[i].c_str();
      }
    }
    ResultPtr r(PQexecPrepared(conn_, name.c_str(), static_cast<int>(params.size()), values.data(),
                               nullptr, nullptr, 0));
    ExecStatusType st = r.r ? PQresultStatus(r.r) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
      // A cached plan goes stale ("cached plan must not change result type") when a table it
      // reads changed its columns: prepare afresh; outside a transaction nothing was lost, so
      // run once more.
      const char* state = r.r ? PQresultErrorField(r.r, PG_DIAG_SQLSTATE) : nullptr;
      if (state && std::strcmp(state, "0A000") == 0) {
        forget(sql);
        if (mayRetry && PQtransactionStatus(conn_) == PQTRANS_IDLE) return run(sql, params, true);
      }
      fail(r.r, sql);
    }
    return toResult(r.r);
  }

  void ensureConnected() {
    if (PQstatus(conn_) == CONNECTION_BAD) {
      // A server restart or dropped socket: reconnect once; prepared statements are gone.
      PQreset(conn_);
      cache_.clear();
      if (PQstatus(conn_) != CONNECTION_OK) {
        throw Error::internal(std::string("postgresql: connection lost: ") + PQerrorMessage(conn_));
      }
      PQsetClientEncoding(conn_, "UTF8");
    }
  }

  PGresult* run(const char* sql) {
    ensureConnected();
    PGresult* r = PQexec(conn_, sql);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      ResultPtr hold(r);
      fail(r, sql);
    }
    return r;
  }
  void simple(const char* sql) { ResultPtr r(run(sql)); }

  // The server-side name of the prepared statement for `sql`, preparing it on first use.
  const std::string& prepared(std::string_view sql, size_t nParams) {
    std::string key(sql);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      checkCount(it->second.params, nParams, sql);
      return it->second.name;
    }
    if (cache_.size() >= kMaxCachedStatements) {
      // DEALLOCATE ALL fails inside an aborted transaction; names are never reused, so an
      // orphaned server-side statement is harmless until the connection closes.
      PQclear(PQexec(conn_, "DEALLOCATE ALL"));
      cache_.clear();
    }
    int count = 0;
    std::string text = rewritePlaceholders(sql, &count);
    checkCount(count, nParams, sql);
    std::string name = "zg" + std::to_string(++counter_);
    ResultPtr r(PQprepare(conn_, name.c_str(), text.c_str(), count, nullptr));
    if (!r.r || PQresultStatus(r.r) != PGRES_COMMAND_OK) fail(r.r, sql);
    auto [pos, _] = cache_.emplace(std::move(key), Stmt{std::move(name), count});
    return pos->second.name;
  }

  void forget(std::string_view sql) {
    auto it = cache_.find(std::string(sql));
    if (it == cache_.end()) return;
    if (PQtransactionStatus(conn_) == PQTRANS_IDLE) {
      PQclear(PQexec(conn_, ("DEALLOCATE " + it->second.name).c_str()));
    }
    cache_.erase(it);
  }

  static void checkCount(int expected, size_t got, std::string_view sql) {
    if (static_cast<size_t>(expected) != got) {
      throw Error::internal("postgresql: statement has " + std::to_string(expected) +
                            " placeholders, got " + std::to_string(got) + " values [" +
                            std::string(sql) + "]");
    }
  }

  [[noreturn]] void fail(const PGresult* r, std::string_view sql) {
    std::string msg = r ? PQresultErrorMessage(r) : "";
    if (msg.empty()) msg = PQerrorMessage(conn_);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    if (state && std::strcmp(state, "23505") == 0) {
      throw Error(ErrorKind::Conflict, "unique", "记录已存在（重复）", "", msg);
    }
    throw Error::internal("postgresql: " + msg + " [" + std::string(sql) + "]");
  }

  static Result toResult(const PGresult* r) {
    Result res;
    int nf = PQnfields(r);
    int nt = PQntuples(r);
    res.columns.reserve(nf);
    std::vector<Oid> types(nf);
    for (int c = 0; c < nf; ++c) {
      res.columns.emplace_back(PQfname(r, c));
      types[c] = PQftype(r, c);
    }
    res.rows.resize(nt);
    for (int t = 0; t < nt; ++t) {
      auto& row = res.rows[t];
      row.reserve(nf);
      for (int c = 0; c < nf; ++c) row.push_back(convert(r, t, c, types[c]));
    }
    // `affected` counts rows changed; a SELECT's tag carries its row count, which is not that.
    PGresult* mr = const_cast<PGresult*>(r);
    const char* tuples = PQcmdTuples(mr);
    bool select = std::strncmp(PQcmdStatus(mr), "SELECT", 6) == 0;
    res.affected = (!select && tuples && *tuples) ? std::strtoll(tuples, nullptr, 10) : 0;
    return res;
  }

  struct Stmt {
    std::string name;
    int params;
  };
  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, Stmt> cache_;
  uint64_t counter_ = 0;
};

}  // namespace

std::unique_ptr<Connection> openPg(const std::string& conninfo) {
  return std::make_unique<PgConnection>(conninfo);
}

}  // namespace zg::store::detail
