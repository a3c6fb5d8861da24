// Reading the roll-ups (platform/rollup.h) of one key range: flows keyed by month ('dues.paid.*'
// with k = 'YYYY-MM') read only the months of a period, so the cost is organizations × months in
// the period, not organizations × every month on record. docs/rollup.md.
#pragma once
#include <string>
#include <vector>

#include "platform/rollup.h"

namespace zg::rollup {

// Like subtree(), keys k with kFrom <= k < kTo only (text order: 'YYYY-MM' keys order as months).
Counts subtreeRange(store::Connection& c, const Scope& scope, const std::vector<std::string>& metrics,
                    const std::string& kFrom, const std::string& kTo);

}  // namespace zg::rollup
