// Backend-independent parts of the store: Value conversions, Row lookup by name, the
// connection pool and open() by URL.
#include "store/db.h"

#include <charconv>
#include <cmath>

#include "core/error.h"
#include "store/pg_db.h"
#include "store/sqlite_db.h"

namespace zg::store {

namespace {

// Parses a leading number the way SQLite's CAST does: surrounding spaces allowed; text that
// is not a number gives 0. Locale-independent.
double parseReal(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return 0.0;
  const char* first = s.data() + b;
  const char* last = s.data() + s.size();
  if (*first == '+') ++first;
  double d = 0.0;
  auto r = std::from_chars(first, last, d);
  return r.ec == std::errc() ? d : 0.0;
}

}  // namespace

std::string detail::formatReal(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);  // shortest text that reads back exactly
  return std::string(buf, r.ptr);
}

int64_t Value::asInt() const {
  switch (v_.index()) {
    case 0:
      return 0;
    case 1:
      return std::get<int64_t>(v_);
    case 2: {
      double d = std::get<double>(v_);
      if (std::isnan(d)) return 0;
      if (d >= 9.2233720368547758e18) return INT64_MAX;
      if (d <= -9.2233720368547758e18) return INT64_MIN;
      return static_cast<int64_t>(d);
    }
    default: {
      const std::string& s = std::get<std::string>(v_);
      size_t b = s.find_first_not_of(" \t\r\n");
      if (b == std::string::npos) return 0;
      const char* first = s.data() + b;
      const char* last = s.data() + s.size();
      if (*first == '+') ++first;
      int64_t out = 0;
      auto r = std::from_chars(first, last, out);
      if (r.ec == std::errc() &&
          (r.ptr == last || (*r.ptr != '.' && *r.ptr != 'e' && *r.ptr != 'E')))
        return out;
      // "12.7", "1e3" and out-of-range integers go through the real parser and truncate.
      return Value(parseReal(s)).asInt();
    }
  }
}

double Value::asReal() const {
  switch (v_.index()) {
    case 0:
      return 0.0;
    case 1:
      return static_cast<double>(std::get<int64_t>(v_));
    case 2:
      return std::get<double>(v_);
    default:
      return parseReal(std::get<std::string>(v_));
  }
}

std::string Value::asText() const {
  switch (v_.index()) {
    case 0:
      return {};
    case 1:
      return std::to_string(std::get<int64_t>(v_));
    case 2:
      return detail::formatReal(std::get<double>(v_));
    default:
      return std::get<std::string>(v_);
  }
}

const Value& Row::operator[](std::string_view name) const {
  for (size_t i = 0; i < cols_->size(); ++i) {
    if ((*cols_)[i] == name) return (*vals_)[i];
  }
  throw Error::internal("no column named '" + std::string(name) + "' in result");
}

std::optional<Value> Connection::scalar(std::string_view sql, const Params& params) {
  Result r = query(sql, params);
  if (r.rows.empty() || r.rows[0].empty()) return std::nullopt;
  return std::move(r.rows[0][0]);
}

// ---- pool ----

Lease::~Lease() {
  if (db_ && c_) db_->release(std::move(c_));
}

Database::Database(Dialect d, std::string description, Factory f, size_t maxConnections)
    : dialect_(d),
      description_(std::move(description)),
      factory_(std::move(f)),
      max_(maxConnections == 0 ? 1 : maxConnections) {}

Database::~Database() = default;

Lease Database::acquire() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !idle_.empty() || open_ < max_; });
  if (!idle_.empty()) {
    std::unique_ptr<Connection> c = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(c));
  }
  ++open_;
  lock.unlock();
  try {
    return Lease(this, factory_());
  } catch (...) {
    lock.lock();
    --open_;
    lock.unlock();
    cv_.notify_one();
    throw;
  }
}

void Database::release(std::unique_ptr<Connection> c) {
  // A connection must come back clean: a transaction left open by a caller that forgot it
  // (or threw past it without a Transaction guard) is rolled back; if even that fails the
  // connection is dropped and a new one will be opened on demand.
  bool keep = true;
  try {
    if (c->inTransaction()) c->rollback();
    keep = !c->inTransaction();
  } catch (...) {
    keep = false;
  }
  {
    std::lock_guard lock(mu_);
    if (keep) {
      idle_.push_back(std::move(c));
    } else {
      --open_;
    }
  }
  cv_.notify_one();
  // When dropped, `c` (if still held) is closed here, outside the lock.
}

// ---- open ----

namespace {

bool startsWith(const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; }

bool isPostgresUrl(const std::string& url) {
  return startsWith(url, "postgres://") || startsWith(url, "postgresql://") ||
         url.find("host=") != std::string::npos || url.find("dbname=") != std::string::npos;
}

}  // namespace

std::unique_ptr<Database> open(const std::string& url, size_t maxConnections) {
  std::unique_ptr<Database> db;
  if (isPostgresUrl(url)) {
    std::string conninfo = url;
    db = std::make_unique<Database>(
        Dialect::Postgres, detail::pgDescription(conninfo),
        [conninfo] { return detail::openPg(conninfo); }, maxConnections);
  } else {
    std::string path = url;
    if (startsWith(path, "sqlite://")) {
      path = path.substr(9);
    } else if (startsWith(path, "sqlite:")) {
      path = path.substr(7);
    }
    if (path.empty() || path == ":memory:" || startsWith(path, "file::memory:")) {
      throw Error::internal("in-memory SQLite databases are not supported (the pool needs a file)");
    }
    db = std::make_unique<Database>(
        Dialect::Sqlite, "sqlite:" + path, [path] { return detail::openSqlite(path); },
        maxConnections);
  }
  // Open one connection now so a wrong URL fails here, not at the first request; it stays in
  // the pool.
  { Lease first = db->acquire(); }
  return db;
}

}  // namespace zg::store
