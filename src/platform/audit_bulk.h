// Bulk appends to the audit log (platform/audit.h) for imports: kept apart from audit.h, which
// nearly every module includes, because only the bulk writers need it.
#pragma once
#include <vector>

#include "platform/audit.h"

namespace zg::audit {

// Appends many entries in order, chained exactly as record() would chain them one by one (so
// verify() cannot tell the difference), through one bulk insert (COPY on PostgreSQL). Same
// transaction rule as record().
void recordMany(store::Connection& c, const auth::Actor& actor, const std::vector<Entry>& entries);

}  // namespace zg::audit
