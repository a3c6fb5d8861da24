// The demo at its sizes (issue 5, item 1): every step of `zugong demo` (the order of
// src/cli/main.cpp) loaded twice with the same seed, scale and date gives the same rows — a hash
// of the key columns of each big table — and another seed gives other rows; the load settings
// of demo::LoadMode are set for the load and restored after it; the visit history deepens with
// the years asked for. Loaded at scale "small" (the larger scales are measured, see
// docs/performance.md "Data at three sizes").
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <string>

#include "../../tests/unit/testing.h"
#include "app/demo.h"
#include "app/demo_activity.h"
#include "app/demo_evaluation.h"
#include "app/demo_grid.h"
#include "app/demo_marks.h"
#include "app/demo_mobilize.h"
#include "app/demo_pipeline.h"
#include "app/demo_problems.h"
#include "app/demo_transfer.h"
#include "app/demo_visits.h"

namespace zg::demo {
namespace {

const Date kAsOf{2026, 6, 30};

// Every step, in the order `zugong demo` runs them.
void loadAll(store::Database& db, const crypto::FieldCipher& cipher, uint64_t seed, int visitYears) {
  LoadMode mode(db);
  Options o;
  o.scale = "small";
  o.seed = seed;
  o.asOf = kAsOf.iso();
  o.visitYears = visitYears;
  ASSERT_FALSE(load(db, cipher, o).skipped);
  loadActivity(db, seed, kAsOf);
  loadEvaluation(db, seed, kAsOf);
  loadMarks(db, seed, kAsOf);
  loadGrid(db, cipher, seed, kAsOf);
  loadVisits(db, seed, kAsOf, visitYears);
  loadMobilizations(db, cipher, seed, kAsOf);
  loadTransfers(db, seed, kAsOf);
  loadPipeline(db, cipher, seed, kAsOf);
  loadProblems(db, cipher, seed, kAsOf);
}
void loadAll(testing::TestApp& t, uint64_t seed, int visitYears) { loadAll(*t.db, t.app->cipher, seed, visitYears); }

// The key columns of the big tables (no timestamps of the load, no ciphertexts: their nonces
// are random), hashed table by table (FNV-1a over the rows in id order), with the row counts.
std::map<std::string, std::string> fingerprint(store::Database& db) {
  static const std::map<std::string, std::string> kQueries = {
      {"orgs", "SELECT id, parent_id, path, name, kind, branch_type, founded_on FROM orgs ORDER BY id"},
      {"members",
       "SELECT id, org_id, name, sex, birth_date, id_number_hash, category, joined_on, full_on FROM members ORDER BY id"},
      {"member_placements", "SELECT member_id, org_id, from_date, to_date FROM member_placements ORDER BY id"},
      {"dues_payments", "SELECT member_id, month, amount_fen, paid_on FROM dues_payments ORDER BY id"},
      {"households", "SELECT id, org_id, area_id, group_id, building, room, head_name, tags, last_visited_on "
                     "FROM households ORDER BY id"},
      {"household_contacts", "SELECT household_id, member_id, from_on, to_on FROM household_contacts ORDER BY id"},
      {"visit_logs", "SELECT household_id, member_id, visited_on, kind, note, problems FROM visit_logs ORDER BY id"},
      {"resident_problems", "SELECT number, kind, household_id, org_id, state, received_on, due_on "
                            "FROM resident_problems ORDER BY id"},
      {"transfer_cases", "SELECT member_id, direction, state, to_org_id, started_on FROM transfer_cases ORDER BY id"},
      {"evaluation_entries",
       "SELECT campaign_id, member_id, org_path, ratings, grade, target, talk_on FROM evaluation_entries ORDER BY id"},
  };
  std::map<std::string, std::string> out;
  store::Lease c = db.acquire();
  for (const auto& [table, sql] : kQueries) {
    uint64_t h = 1469598103934665603ULL;
    size_t rows = 0;
    store::Result r = c->query(sql);
    for (size_t i = 0; i < r.size(); ++i, ++rows) {
      for (const auto& v : r.rows[i]) {
        std::string s = v.isNull() ? "\x01" : v.asText();
        s.push_back('\x1f');
        for (unsigned char ch : s) h = (h ^ ch) * 1099511628211ULL;
      }
    }
    out[table] = std::to_string(rows) + ":" + std::to_string(h);
  }
  return out;
}

TEST(DemoScale, SameSeedScaleAndDateGiveTheSameRowsInEveryStep) {
  testing::TestApp a, b, other;
  loadAll(a, 7, 2);
  loadAll(b, 7, 2);
  loadAll(other, 8, 2);
  auto fa = fingerprint(*a.db), fb = fingerprint(*b.db), fo = fingerprint(*other.db);
  for (const auto& [table, f] : fa) {
    EXPECT_EQ(f, fb[table]) << table;
    EXPECT_NE(f.substr(0, f.find(':')), "0") << table << " is empty: the test would prove nothing";
  }
  for (const char* table : {"members", "households", "visit_logs", "dues_payments", "resident_problems"})
    EXPECT_NE(fa[table], fo[table]) << table;
}

// PostgreSQL (COPY) gives the rows SQLite (prepared inserts) gives: same seed, same fingerprint.
TEST(DemoScale, PostgresLoadsTheSameRowsAsSqlite) {
  const char* url = std::getenv("ZUGONG_TEST_PG");
  if (!url || !*url) GTEST_SKIP() << "ZUGONG_TEST_PG not set; PostgreSQL test skipped";
  std::string name = "zg_scale_" + std::to_string(getpid());
  std::string base = url, target;
  if (base.rfind("postgres", 0) == 0) {
    size_t scheme = base.find("://") + 3;
    size_t slash = base.find('/', scheme), q = base.find('?', scheme);
    target = base.substr(0, std::min(slash, q)) + "/" + name + (q == std::string::npos ? "" : base.substr(q));
  } else {
    target = base + " dbname=" + name;
  }
  auto admin = store::open(base, 1);
  admin->acquire()->exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  admin->acquire()->exec("CREATE DATABASE " + name);
  {
    testing::TestApp lite;
    loadAll(lite, 7, 2);
    auto pg = store::open(target, 2);
    store::migrate(*pg);
    app::registerSettings();
    {
      auto c = pg->acquire();
      orgs::ensureRoot(*c, "测试区委");
      store::Transaction tx(*c);
      auth::createUser(*c, auth::Actor::system(), "admin", "管理员", auth::Role::DistrictStaff, 1, "Admin1234");
      tx.commit();
    }
    loadAll(*pg, lite.app->cipher, 7, 2);
    auto fl = fingerprint(*lite.db), fp = fingerprint(*pg);
    for (const auto& [table, f] : fl) EXPECT_EQ(f, fp[table]) << table;
  }
  admin->acquire()->exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
}

TEST(DemoScale, LoadModeIsSetForTheLoadAndRestoredAfter) {
  testing::TestApp t;
  auto mode = [&](const char* pragma) {
    store::Lease c = t.db->acquire();
    return c->scalar(std::string("PRAGMA ") + pragma)->asText();
  };
  ASSERT_EQ(mode("journal_mode"), "wal");
  {
    LoadMode m(*t.db);
    EXPECT_EQ(mode("journal_mode"), "memory");
    EXPECT_EQ(mode("synchronous"), "0");  // OFF
  }
  EXPECT_EQ(mode("journal_mode"), "wal");
  EXPECT_EQ(mode("synchronous"), "1");  // NORMAL
}

TEST(DemoScale, MoreYearsOfVisitsGoFurtherBackAtTheSameRhythm) {
  testing::TestApp one, three;
  loadAll(one, 7, 1);
  loadAll(three, 7, 3);
  auto stats = [](store::Database& db) {
    store::Lease c = db.acquire();
    return std::make_pair(c->scalar("SELECT COUNT(*) FROM visit_logs")->asInt(),
                          c->scalar("SELECT MIN(visited_on) FROM visit_logs")->asText());
  };
  auto [n1, oldest1] = stats(*one.db);
  auto [n3, oldest3] = stats(*three.db);
  EXPECT_GE(oldest1, addDays(kAsOf, -365).iso());
  EXPECT_GE(oldest3, addDays(kAsOf, -3 * 365).iso());
  EXPECT_LT(oldest3, addDays(kAsOf, -2 * 365).iso());
  // About three times as many (the newest visits are the same, the rhythm too).
  EXPECT_GT(n3, n1 * 5 / 2);
  EXPECT_LT(n3, n1 * 7 / 2);
  // The newest visit of every household is its last_visited_on, as with one year.
  store::Lease c = three.db->acquire();
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM households h WHERE last_visited_on IS NOT NULL AND last_visited_on <> "
                      "(SELECT MAX(visited_on) FROM visit_logs v WHERE v.household_id = h.id)")
                ->asInt(),
            0);
  try {
    loadVisits(*three.db, 7, kAsOf, 0);
    ADD_FAILURE() << "0 years accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "years");
  }
}

}  // namespace
}  // namespace zg::demo
