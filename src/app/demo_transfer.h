// A year of relationship transfers 组织关系接转 for the demo district, so the transfer pages and
// figures show something true: completed transfers between branches (within a street and across
// streets) with the placements changed on the completion day, completed transfers out of the
// district (members off the registry, reason 转出), and open cases — just started, letter issued,
// received, a few letters past their deadline — plus a couple returned and cancelled. Deterministic
// for a seed and a date.
#pragma once
#include <cstdint>

#include "core/checks.h"
#include "store/db.h"

namespace zg::demo {

struct TransferResult {
  int completedWithin = 0;
  int completedOut = 0;
  int open = 0;
  int overdue = 0;
  int closedOther = 0;  // returned + cancelled
};

// Runs in one transaction on a database that demo::load() (and loadActivity) filled; the transfer
// tables must be empty. `asOf` is the day the data ends.
TransferResult loadTransfers(store::Database& db, uint64_t seed, const Date& asOf);

}  // namespace zg::demo
