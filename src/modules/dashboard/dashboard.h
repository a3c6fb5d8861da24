// Dashboard 概览 (issue 4 item 9): the grid's numbers for one organization and period on one
// page — households, coverage, visits, residents' problems — as KPI cards that equal the
// figures' cells (each opens that cell's records) and the series the charts draw. It composes
// the figures registry (grid.coverage, grid.visits, problems.flow) and grid::coverageBy; it
// owns no table.
#pragma once
#include <boost/json.hpp>

#include "modules/figures/figures.h"
#include "modules/orgs/orgs.h"
#include "platform/api.h"

namespace zg::dashboard {

void registerRoutes(platform::Api& api);

// The dashboard of `org` (already checked to be in the caller's scope) for `period`:
// { org, period, kpis[], children[], months[], satisfaction{} } — see README.md.
boost::json::object grid(store::Connection& c, const orgs::Org& org, const figures::Period& period);

}  // namespace zg::dashboard
