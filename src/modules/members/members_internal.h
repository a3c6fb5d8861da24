// Helpers shared by the member rules (members_rules.cpp) and routes (members.cpp); not for
// other modules.
#pragma once
#include <boost/json.hpp>
#include <cstdint>
#include <string>

#include "platform/scope.h"
#include "store/db.h"

namespace zg::members::detail {

// Declares the member settings once per process.
void ensureSettings();

// A member's row essentials, found within `scope` (active or not); throws NotFound
// ("党员不存在") otherwise.
struct Current {
  int64_t id;
  int64_t orgId;
  std::string orgPath;
  std::string name;
  bool active;
  int64_t version;
};
Current current(store::Connection& c, const Scope& scope, int64_t id);

// The member as audit JSON: masked identifiers only, never the clear ID number or phones.
boost::json::object snapshot(store::Connection& c, int64_t id);

}  // namespace zg::members::detail
