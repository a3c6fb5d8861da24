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

}  // namespace zg::cache
