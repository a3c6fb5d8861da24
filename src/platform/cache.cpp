#include "platform/cache.h"

namespace zg::cache {

Epochs read(store::Connection& c) {
  Epochs e;
  for (auto r : c.query("SELECT name, n FROM cache_epochs")) {
    std::string name = r.text(0);
    if (name == "auth") e.auth = r.i64(1);
    else if (name == "members") e.members = r.i64(1);
  }
  return e;
}

void firePendingBumps(store::Connection& c) {
  if (c.dialect() != store::Dialect::Postgres) return;
  const char* names = "cache_epoch_sessions, cache_epoch_users, cache_epoch_orgs, cache_epoch_members";
  c.exec(std::string("SET CONSTRAINTS ") + names + " IMMEDIATE");
  c.exec(std::string("SET CONSTRAINTS ") + names + " DEFERRED");
}

}  // namespace zg::cache
