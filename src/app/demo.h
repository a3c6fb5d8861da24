// The demo district (演示区): a generated, deterministic copy of a district shaped like 江干 in
// seed 000 — 8 streets/towns, 126 communities/villages, ~600 branches with their party groups,
// 两新 branches under each street, ~20,000 party members with placement history, and demo
// users — written in one transaction so `zugong demo` gives a system worth clicking through.
//
// Demo logins (all with Options::password, default "Demo@2026"):
//   admin            district_staff    江干区委 (the root)          "组织部管理员"
//   jd01 … jd08      street            the 8 streets/towns, in order:
//                                      01 凯旋街道 02 采荷街道 03 闸弄口街道 04 四季青街道
//                                      05 笕桥街道 06 彭埠镇   07 九堡镇     08 丁兰街道
//   sq0101 … sq0103  community         the first three communities of 凯旋街道
//   zb0001           branch_secretary  the first branch of the first community of 凯旋街道
//   dy0001           member            a party member of that branch (the member's own page 我的)
//                                      (linked to that branch's secretary as a member)
// A user name that already exists is left as it is (not overwritten, not counted).
//
// Contract:
//  - Idempotent: when the database already holds more than one organization or any member,
//    load() changes nothing and returns skipped = true.
//  - The root organization (the one organization with no parent, normally id 1 path "/1/"
//    created by `zugong migrate`) is reused and renamed 江干区委; it is created when missing.
//  - Deterministic: the same seed, scale and asOf give the same rows (names, ID numbers,
//    dates, tree) on every run; only created_at/updated_at, the random nonces of the field
//    encryption and the password salt differ. Randomness is std::mt19937_64 seeded by
//    Options::seed with our own (portable) range reduction.
//  - Sensitive fields are written as the application writes them: ID numbers and phones
//    encrypted with `cipher` (FieldCipher), masked copies for lists, id_number_hash =
//    cipher.lookupHash(normalized ID number).
//  - Ends with one audit entry (action "demo", entity "system") in the same transaction. On
//    PostgreSQL the identity sequences of the tables written are moved past the inserted ids.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "platform/crypto.h"
#include "store/db.h"

namespace zg::demo {

struct Options {
  uint64_t seed = 20110624;
  // "district" (~20,000 members, 8 streets, 126 communities), "small" (~2,000 members, 17
  // communities, for tests), "city" (×10: 200,000 members, 80 streets, 1,260 communities) or
  // "province" (×50: 1,000,000 members, 400 streets, 6,300 communities). City and province are
  // one district with ten (fifty) times the streets: streets 9… borrow the shape of streets
  // 1–8 under generated names, and the logins stay admin, jd01…jd80 (…jd400), sq0101…sq0103,
  // zb0001, dy0001. Anything else is refused with Error::invalid("scale").
  std::string scale = "district";
  // Password of every demo user (hashed once, the hash shared by all demo users).
  std::string password = "Demo@2026";
  // The date the generated data is "as of" (ISO "YYYY-MM-DD"): probationary members joined
  // within the year before it, full members' full_on lies before it. Empty = today in
  // Asia/Shanghai. Set it for byte-identical dates across days (tests).
  std::string asOf;
  // Years of visit logs (demo::loadVisits): 1 for the everyday `zugong demo`, 4 when a size of
  // issue 5 is asked for with `--scale` (~1,000,000 logs at district size).
  int visitYears = 1;
};

struct Result {
  int orgs = 0;  // organizations written, counting the reused root
  int members = 0;
  int users = 0;  // users created
  bool skipped = false;
  double seconds = 0;
};

Result load(store::Database& db, const crypto::FieldCipher& cipher, const Options& o);

// The connection settings of a bulk load, for as long as the object lives (`zugong demo`
// holds one across every step), then restored. The steps run one after another on the one
// pooled connection, which is the one set here.
//  - SQLite: synchronous = OFF (the file is being filled from nothing: after a crash one loads
//    again), journal_mode = MEMORY instead of WAL (each page is written once to the file, not
//    once to the WAL and again at the checkpoint; a failed step still rolls back), and a
//    256 MB page cache for the index builds. Restored: WAL, synchronous = NORMAL, the default
//    cache.
//  - PostgreSQL: synchronous_commit = off and maintenance_work_mem = 256MB for the session;
//    RESET afterwards.
// PostgreSQL, inside a load's transaction: the foreign keys of `tables` are dropped at
// construction and added back by restore() (each checked over the whole table in one pass,
// which throws — and the transaction rolls back — if a row breaks it). COPY otherwise checks
// every row's keys one by one: 300,000 visit logs take 12.5 s with their three foreign keys
// and 0.7 s without. SQLite: does nothing (its checks are cheap). Not calling restore() is
// only safe when the transaction is rolled back.
class DeferredForeignKeys {
 public:
  DeferredForeignKeys(store::Connection& c, const std::vector<std::string>& tables);
  void restore();

 private:
  store::Connection& c_;
  std::vector<std::pair<std::string, std::string>> adds_;  // ALTER TABLE … ADD CONSTRAINT … statements
};

// PostgreSQL: ANALYZE `tables` after a step committed its rows, so that the next steps' queries
// are planned for the rows now there, not for the empty tables of a fresh database (a join of
// the city's 200,000 members with their branches ran for minutes as a nested loop). SQLite:
// nothing (`zugong demo` runs ANALYZE once at the end; earlier it could change the plans, and
// with them the order, of the everyday demo's queries).
void analyzeLoaded(store::Connection& c, const std::vector<std::string>& tables);

class LoadMode {
 public:
  explicit LoadMode(store::Database& db);
  ~LoadMode();
  LoadMode(const LoadMode&) = delete;
  LoadMode& operator=(const LoadMode&) = delete;

 private:
  store::Database& db_;
};

}  // namespace zg::demo
