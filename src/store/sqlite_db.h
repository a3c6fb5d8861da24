// Private to src/store: the SQLite backend's entry point.
#pragma once
#include <memory>
#include <string>

#include "store/db.h"

namespace zg::store::detail {

// Opens (creating if missing) the SQLite file at `path` with WAL journaling, a 10 s busy
// timeout, foreign keys on and synchronous=NORMAL. Throws zg::Error (Internal) on failure.
std::unique_ptr<Connection> openSqlite(const std::string& path);

// Shortest decimal text that reads back as exactly `d` ("NaN", "Infinity", "-Infinity" for
// the special values, as PostgreSQL spells them).
std::string formatReal(double d);

}  // namespace zg::store::detail
