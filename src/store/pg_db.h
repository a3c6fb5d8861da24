// Private to src/store: the PostgreSQL backend's entry points.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "store/db.h"

namespace zg::store::detail {

// Connects with a libpq connection string (URI or key=value form). Throws zg::Error
// (Internal) on failure; the message never contains the password.
std::unique_ptr<Connection> openPg(const std::string& conninfo);

// "postgresql://user@host:port/dbname" for logs: the password (and every other option) is
// left out. Falls back to "postgresql://(unparsable connection string)".
std::string pgDescription(const std::string& conninfo);

// Rewrites `?` placeholders to $1..$n, leaving alone '...' literals (also E'...' with
// backslash escapes), "..." identifiers, $tag$...$tag$ strings, -- and /* */ comments.
// `count` (if given) receives n.
std::string rewritePlaceholders(std::string_view sql, int* count = nullptr);

// Escapes one field for COPY ... FROM STDIN text format: backslash, tab, newline and CR are
// backslash-escaped; NULL is written \N by the caller.
void appendCopyField(std::string& out, std::string_view text);

}  // namespace zg::store::detail
