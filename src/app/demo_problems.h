// A year of residents' problems 民情 for the demo grid: about 3 per 100 households, from the public
// page, the hotline and visits, most answered within their deadline and closed with a satisfaction,
// some escalated (by hand or overdue), and the last weeks still open (a few overdue). Deterministic
// for a seed and a date.
#pragma once
#include <cstdint>

#include "core/checks.h"
#include "platform/crypto.h"
#include "store/db.h"

namespace zg::demo {

struct ProblemsResult {
  int problems = 0, open = 0, overdue = 0, escalated = 0, events = 0;
  double seconds = 0;
};

// One transaction, bulk inserts, after loadGrid() (Conflict "not_empty" when problems exist).
ProblemsResult loadProblems(store::Database& db, const crypto::FieldCipher& cipher, uint64_t seed, const Date& asOf);

}  // namespace zg::demo
