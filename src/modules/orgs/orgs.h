// M1 Organization hierarchy and setup (组织设置): the tree, its dated history (names and
// parents by date; merges, splits, moves), member counts per node, and the size rules of the
// branch work regulations (支部工作条例) and seed 002 as settings shown as warnings.
#pragma once
#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/checks.h"
#include "platform/api.h"
#include "platform/auth.h"
#include "platform/importer.h"
#include "store/db.h"

namespace zg::orgs {

struct Org {
  int64_t id = 0;
  std::optional<int64_t> parentId;
  std::string path;
  int depth = 0;
  std::string name;
  std::optional<std::string> shortName;
  std::string kind;
  std::optional<std::string> branchType;
  int64_t unitCount = 1;
  int64_t committeeSize = 0;
  std::optional<std::string> secretary, contact, phone, unitInfo;
  std::string foundedOn;
  std::optional<std::string> dissolvedOn;
  std::optional<int64_t> mergedInto;
  int64_t version = 1;
};

// The organization if it exists AND lies within `scope`; nullopt otherwise (outside the
// scope an organization does not exist for the caller).
std::optional<Org> find(store::Connection& c, const Scope& scope, int64_t id);
// As find(), but throws NotFound (or Invalid on `field` when given, e.g. "orgId").
Org require(store::Connection& c, const Scope& scope, int64_t id, const std::string& field = {});
// An organization in scope by its full name, or by a path of names "凯旋街道/景芳社区/第一支部".
// Throws Invalid(field) when none or several match.
Org findByName(store::Connection& c, const Scope& scope, const std::string& nameOrPath, const std::string& field);

struct Counts {
  int64_t members = 0, full = 0, probationary = 0;  // whole subtree
  int64_t directMembers = 0, directFull = 0;        // the node itself
};
Counts counts(store::Connection& c, const Org& o);

// Node JSON as documented in docs/api.md (counts and warnings included).
boost::json::object toJson(store::Connection& c, const Org& o);

void registerSettings();
void registerRoutes(platform::Api& api);
importer::Spec importSpec();
// The organizations within `scope` as .xlsx bytes, with the import template's headers.
std::string exportXlsx(store::Connection& c, const Scope& scope);

// Creates the district root (id 1) when the tree is empty. Used by `zugong migrate`.
void ensureRoot(store::Connection& c, const std::string& name);

}  // namespace zg::orgs
