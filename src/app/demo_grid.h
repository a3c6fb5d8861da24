// The grid 片组户 of seed 000 for the demo district: about 700 areas, 1,500 contact groups and
// 100,000 households under the communities and villages, each contact member with about 10
// households, a realistic share of key households with their last visits, area and group
// leaders, and some reassignments in the history. Deterministic for a seed and a date.
#pragma once
#include <cstdint>

#include "core/checks.h"
#include "platform/crypto.h"
#include "store/db.h"

namespace zg::demo {

struct GridResult {
  int areas = 0;
  int groups = 0;
  int households = 0;
  int keyHouseholds = 0;
  int people = 0;
  int contactMembers = 0;
  int uncovered = 0;  // households left without a contact member
  double seconds = 0;
};

// One transaction, bulk inserts, on a database that demo::load() has filled (the grid tables
// must be empty: Conflict "not_empty" otherwise).
GridResult loadGrid(store::Database& db, const crypto::FieldCipher& cipher, uint64_t seed, const Date& asOf);

}  // namespace zg::demo
