// A year of activity for the demo district, so the dues and mobile-member pages have
// something true to show: each member's dues base and the payments of the last twelve months
// (most paid, a few members six months behind), and for every member flagged as mobile an
// outflow record with contacts (some overdue) and a few service requests; most in-service members
// of workplace branches registered with a community of their street, with a post and some
// service. Deterministic for a seed and a date.
#pragma once
#include <cstdint>

#include "core/checks.h"
#include "platform/crypto.h"
#include "store/db.h"

namespace zg::demo {

struct ActivityResult {
  int duesBases = 0;
  int payments = 0;
  int mobilityRecords = 0;
  int contacts = 0;
  int requests = 0;
  int registrations = 0;  // in-service members registered with a community (双重管理)
  int services = 0;
};

// Runs in one transaction on a database that demo::load() has just filled (the activity
// tables must be empty). `asOf` is the day the data ends.
ActivityResult loadActivity(store::Database& db, uint64_t seed, const Date& asOf);

}  // namespace zg::demo
