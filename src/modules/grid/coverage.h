// The coverage counts 三无 by kind, for readers that need only some kinds (the grid dashboard), and
// the cells of figure grid.coverage. As of today, for an organization's subtree, the household
// kinds (householdKinds()) come from the live roll-ups (migration 0015, docs/rollup.md).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "modules/grid/grid.h"
#include "platform/figures.h"

namespace zg::grid {

// households, no_contact, key, key_unvisited: the kinds the grid dashboard shows.
const std::vector<std::string>& householdKinds();
// coverage() / coverageBy() for `kinds` only (the other kinds stay 0); empty = every kind.
Coverage coverage(store::Connection& c, const Place& place, const Date& asOf, const std::vector<std::string>& kinds);
std::map<int64_t, Coverage> coverageBy(store::Connection& c, const Place& place, const Date& asOf,
                                       const std::string& by, const std::vector<std::string>& kinds);
// The cells of figure grid.coverage for `kinds` (empty = all), with the rates with_contact (after
// households) and key_visited (after key).
std::vector<figures::Cell> coverageCells(store::Connection& c, const figures::Query& q,
                                         const std::vector<std::string>& kinds);

}  // namespace zg::grid
