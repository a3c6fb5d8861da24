// A year (and more) of recruitment 发展党员 for the demo district: applicants at every stage
// with plausible dates that satisfy every rule (a year as activist, training, a year of
// probation), sponsors and introducers from their branch, the probationary members of the
// registry and those made full in the last year with the history that led there, migrant
// workers with points ledgers (some moved between branches), and activists' questionnaires.
// Deterministic for a seed and a date; one transaction, bulk inserts.
#pragma once
#include <cstdint>

#include "core/checks.h"
#include "platform/crypto.h"
#include "store/db.h"

namespace zg::demo {

struct PipelineResult {
  int applicants = 0;
  int linkedMembers = 0;  // probationary / newly full members of the registry given their history
  int steps = 0;
  int migrants = 0;
  int points = 0;
  int moves = 0;
};

// Runs on a database demo::load() has filled (pipeline_applicants must be empty).
PipelineResult loadPipeline(store::Database& db, const crypto::FieldCipher& cipher, uint64_t seed, const Date& asOf);

}  // namespace zg::demo
