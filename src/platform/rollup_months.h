// Live roll-ups by month and per organization (docs/rollup.md, "The grid dashboard"): what the
// readers of month-keyed flows (visits, residents' problems) and of charts by child need on top
// of rollup.h. Flows are kept as metric 'visits.month' with k = "YYYY-MM|<what>" (compound keys
// after the month), n a count or a sum (days to answer).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/checks.h"
#include "platform/figures.h"
#include "platform/rollup.h"

namespace zg::rollup {

// subtree() over keys kFrom <= k < kTo only: kFrom = "2026-01", kTo = "2026-04" reads January to
// March of month-keyed metrics (one index range per organization and metric).
Counts subtree(store::Connection& c, const Scope& scope, const std::vector<std::string>& metrics,
               const std::string& kFrom, const std::string& kTo);
// Per organization of the subtree (organization id → its own counts), for charts by child.
std::map<int64_t, Counts> byOrg(store::Connection& c, const Scope& scope, const std::vector<std::string>& metrics);

// A period [from, to) splits into whole months [first, last) ("2026-01", "2026-04"), read from the
// aggregates, and at most two edge ranges of partial months (a custom period such as 2026-01-15 …
// 2026-03-10), which a reader counts from its base rows.
std::string monthKey(const Date& d);  // "2026-03"
struct Months {
  std::string first, last;                   // whole months, last exclusive; first == last: none
  std::vector<std::pair<Date, Date>> edges;  // [from, to) of the partial months
};
Months monthsOf(const Date& from, const Date& to);
// "2026-03|home" → {"2026-03", "home"}; a key without '|' → {key, ""}.
std::pair<std::string, std::string> splitKey(const std::string& k);

// A flow figure (events dated in the period) built like figures::sqlFigure from `spec` (records,
// export and the ZUGONG_ROLLUP=off path are the SQL figure's), whose cells come from month keys:
// `fromMonths` gives, per cell key, the count (and the sum of a cell with a mean) over the whole
// months [m.first, m.last) from the aggregates; the partial edge months of a custom period are
// counted with the spec's own cell conditions over just those days (the conditions built for the
// whole period, so a stock condition keeps the period's asOf). Cells, labels and rates are the
// spec's, so both paths give the same cells.
struct Tally {
  int64_t count = 0, sum = 0;
};
using MonthCells =
    std::function<std::map<std::string, Tally>(store::Connection&, const figures::Query&, const Months&)>;
figures::Figure flowFigure(std::string key, std::string group, std::string title, int order, figures::SqlSpec spec,
                           MonthCells fromMonths);

// A bulk load into `table` with its roll-up triggers paused — SQLite only, where they run once per
// row (the demo's 1.16M visit logs: ~2.7× slower with them); PostgreSQL's run once per statement
// and stay. The triggers are dropped in the caller's transaction; finish() recreates them from
// their saved definitions and adds the counts of the rows inserted meanwhile (id above the largest
// before) from `keysView` (id, org_id, metric, k, n), in the same transaction: the same numbers
// the triggers would have written. Forgetting finish() rolls back with the transaction.
class PausedTriggers {
 public:
  PausedTriggers(store::Connection& c, std::string table, std::string keysView);
  void finish();

 private:
  store::Connection& c_;
  std::string table_, view_;
  std::vector<std::string> triggers_;  // CREATE TRIGGER statements
  int64_t maxId_ = 0;
};

}  // namespace zg::rollup
