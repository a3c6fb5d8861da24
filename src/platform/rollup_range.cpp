#include "platform/rollup_range.h"

namespace zg::rollup {

Counts subtreeRange(store::Connection& c, const Scope& scope, const std::vector<std::string>& metrics,
                    const std::string& kFrom, const std::string& kTo) {
  Counts out;
  if (metrics.empty() || !(kFrom < kTo)) return out;
  store::Params p;
  std::string in;
  for (auto& m : metrics) {
    in += in.empty() ? "?" : ", ?";
    p.emplace_back(m);
  }
  p.emplace_back(kFrom);
  p.emplace_back(kTo);
  std::string w = scope.where("o.path", p);
  // One probe of the primary key (org_id, metric, k) per organization and metric, k as a range.
  auto r = c.query("SELECT oc.metric, oc.k, SUM(oc.n) FROM orgs o JOIN org_counts oc ON oc.org_id = o.id AND oc.metric IN (" +
                       in + ") AND oc.k >= ? AND oc.k < ? WHERE " + w + " GROUP BY oc.metric, oc.k",
                   p);
  for (auto row : r) out[row.text(0)][row.text(1)] = row.i64(2);
  return out;
}

}  // namespace zg::rollup
