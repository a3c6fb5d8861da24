// A year (or more) of visit logs 网格日志 for the demo grid: each household with a last visit gets the
// visits leading up to it (key households about monthly, others every three to six months), by the
// contact member responsible on that date, so households.last_visited_on equals the newest log.
// Some buildings get a building party group 楼宇党小组 so that “三必访” has households to show.
// Deterministic for a seed and a date; one transaction, bulk inserts.
#pragma once
#include <cstdint>

#include "core/checks.h"
#include "store/db.h"

namespace zg::demo {

struct VisitsResult {
  int visits = 0;
  int households = 0;       // households with at least one visit
  int withProblems = 0;     // visits that found a problem
  int buildingGroups = 0;   // buildings given a building party group
  double seconds = 0;
};

// Needs demo::loadGrid() first; Conflict "not_empty" when visit logs exist already.
// `years` of history (default one, the everyday demo, ~266,000 logs for the district; the
// sizes of issue 5 take four, ~1,000,000 at district size: the visiting rhythm stays realistic
// and the history gets deeper). The rows go in in slices so no scale holds them all in memory.
VisitsResult loadVisits(store::Database& db, uint64_t seed, const Date& asOf, int years = 1);

}  // namespace zg::demo
