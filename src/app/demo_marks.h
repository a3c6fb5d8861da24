// A year of responsibility marks 亮身份亮职责亮承诺 for the demo district: in about two thirds of
// the branches, members with a 党员先锋岗, a 党员责任区 (buildings and units of their community),
// community households as 党员示范户 and members without office with a 设岗定责 post; some marks
// ended during the year (kept as history); this year's commitments (and last year's with their
// fulfilment); most consented to be shown; and a public page token for each of those branches.
// Deterministic for a seed and a date, except the tokens, which are random (they are secrets).
#pragma once
#include <cstdint>

#include "core/checks.h"
#include "store/db.h"

namespace zg::demo {

struct MarksResult {
  int branches = 0;     // branches with a public page
  int marks = 0;        // all marks (current and ended)
  int currentMarks = 0;
  int members = 0;      // members with a current mark
  int commitments = 0;  // this year's and last year's
};

// Runs in one transaction on a database that demo::load() has filled (responsibility_marks
// must be empty).
MarksResult loadMarks(store::Database& db, uint64_t seed, const Date& asOf);

}  // namespace zg::demo
