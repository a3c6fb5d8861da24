// Demo mobilizations 一键动员 for the demo district: the snow of seed 000 in the first street
// (about ten months before asOf, closed with a result note) and a flood drill in the second
// street (a month before asOf, still formed). Their messages are recorded as delivered by the
// log driver (or failed “无手机号”), so starting the server sends nothing.
#pragma once
#include <cstdint>

#include "core/checks.h"
#include "platform/crypto.h"
#include "store/db.h"

namespace zg::demo {

struct MobilizeResult {
  int mobilizations = 0, teams = 0, members = 0, sent = 0;
};

// One transaction, after demo::loadGrid (throws when mobilizations exist already). Deterministic
// for the demo data and asOf.
MobilizeResult loadMobilizations(store::Database& db, const crypto::FieldCipher& cipher, uint64_t seed,
                                 const Date& asOf);

}  // namespace zg::demo
