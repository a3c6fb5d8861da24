// Rules as data: every frequency, threshold and limit from DOMAIN.md is a setting with the
// seed's value as its default, editable by district staff (audited). Modules declare their
// settings once with define() at start-up (see each module's registerSettings()).
#pragma once
#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "platform/auth.h"
#include "store/db.h"

namespace zg::settings {

enum class Type { Int, Bool, Text };

struct Definition {
  std::string key;          // "org.branch_max_members"
  std::string label;        // Chinese, short
  std::string description;  // Chinese, with the source of the rule
  Type type = Type::Int;
  boost::json::value defaultValue;
  int64_t min = 0;          // for Int
  int64_t max = 1000000;
};

// Declares a setting (idempotent by key). Thread-safe; normally called at start-up.
void define(Definition d);
std::vector<Definition> all();

// The district-wide value, or the default when never set. Throws Internal for unknown keys.
boost::json::value get(store::Connection& c, const std::string& key);
int64_t getInt(store::Connection& c, const std::string& key);
bool getBool(store::Connection& c, const std::string& key);

// A stamp of the stored value ("0" while never set): a hash of the value and the time it was
// set. Clients send it back as `version` so two people editing a setting cannot overwrite each
// other silently, on one server or many.
std::string versionOf(store::Connection& c, const std::string& key);

// Validates against the definition (Invalid on field "value") and stores it; audited. When
// `expectedVersion` is given and the stored value's stamp differs (someone else saved since),
// throws Conflict "stale" on field "version"; the write itself is a compare-and-set, so two
// servers saving at once cannot both win.
void set(store::Connection& c, const auth::Actor& actor, const std::string& key, const boost::json::value& v,
         const std::optional<std::string>& expectedVersion = std::nullopt);

}  // namespace zg::settings
