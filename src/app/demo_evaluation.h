// Demo data for democratic evaluation 民主评议: last year's campaign for most branches, closed
// (self-assessments, peer and masses' ratings, grades 好/中/差 within the share limit, targets,
// and for each 差 member a helper and a talk); this year's campaign open for some branches, partly
// filled in. Deterministic for a seed and a date.
#pragma once
#include <cstdint>

#include "core/checks.h"
#include "store/db.h"

namespace zg::demo {

struct EvaluationResult {
  int campaigns = 0;
  int open = 0;  // this year's, still open
  int entries = 0;
  int good = 0, fair = 0, poor = 0;
};

// One transaction, bulk inserts; run after demo::loadActivity (the tables must be empty).
EvaluationResult loadEvaluation(store::Database& db, uint64_t seed, const Date& asOf);

}  // namespace zg::demo
