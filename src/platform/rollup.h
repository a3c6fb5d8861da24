// Live roll-ups 汇总: counts per organization kept current by database triggers in the same
// transaction as every change (migration 0014; docs/rollup.md). Table org_counts(org_id, metric,
// k, n) holds each organization's OWN counts; a subtree's count is the SUM over the organizations
// of the subtree (the path index on orgs), so reading a figure costs in organizations, not rows.
// Each module that keeps counts declares a Source: the full recount from its base tables, which
// `rebuild` writes and `check` compares with what the triggers kept.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "platform/scope.h"
#include "store/db.h"

namespace zg::rollup {

struct Source {
  std::string name;     // "members"
  std::string recount;  // SELECT org_id, metric, k, n … GROUP BY — the full count from base tables
};
// Declares a source (idempotent by name). Thread-safe.
void define(Source s);

// Whether figures read the roll-ups for "as of today" (default on; ZUGONG_ROLLUP=off turns it off
// for the process, which bench/rollup uses to time the base-table path in the same run).
bool enabled();
void setEnabled(bool on);

// metric → key → n, summed over the organizations in `scope` (the subtree). Only the metrics named.
using Counts = std::map<std::string, std::map<std::string, int64_t>>;
Counts subtree(store::Connection& c, const Scope& scope, const std::vector<std::string>& metrics);
int64_t get(const Counts& counts, const std::string& metric, const std::string& key);

// One aggregate that does not match the full recount.
struct Difference {
  int64_t orgId = 0;
  std::string metric, key;
  int64_t stored = 0, counted = 0;
};
// Every aggregate compared with a full recount of every source (rows counting 0 equal missing
// rows). Empty = all current.
std::vector<Difference> check(store::Connection& c);
// Recounts everything from the base tables (in the caller's transaction, if any); returns the rows
// written. For repairs and after bulk loads that bypass the triggers.
int64_t rebuild(store::Connection& c);

}  // namespace zg::rollup
