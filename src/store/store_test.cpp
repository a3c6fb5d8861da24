// The store against real databases: SQLite in a temp file always, PostgreSQL too when
// ZUGONG_TEST_PG holds a connection string (scripts/pg-cluster.sh start prints one).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include "core/error.h"
#include "store/db.h"
#include "store/pg_db.h"

namespace zg::store {
namespace {

std::string randomSuffix() {
  static std::mt19937_64 rng{std::random_device{}()};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

const char* pgUrl() {
  const char* u = std::getenv("ZUGONG_TEST_PG");
  return (u && *u) ? u : nullptr;
}

// The same connection string pointed at another database.
std::string withDatabase(const std::string& url, const std::string& db) {
  for (std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (url.rfind(scheme, 0) == 0) {
      size_t slash = url.find('/', scheme.size());
      size_t q = url.find('?', scheme.size());
      std::string authority = url.substr(0, std::min(slash, q));
      std::string query = q == std::string::npos ? "" : url.substr(q);
      return authority + "/" + db + query;
    }
  }
  return url + " dbname=" + db;  // key=value form: the later keyword wins
}

// One backend under test: a fresh temp SQLite file, or the shared PostgreSQL database.
class Backend {
 public:
  explicit Backend(Dialect d) : dialect_(d) {}
  ~Backend() {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  // The URL to open: a temp SQLite file, or ZUGONG_TEST_PG ("" when unset).
  std::string url() {
    if (dialect_ == Dialect::Postgres) return pgUrl() ? pgUrl() : "";
    if (dir_.empty()) {
      char tmpl[] = "/tmp/zg_store_test_XXXXXX";
      dir_ = mkdtemp(tmpl);
    }
    return dir_ + "/test.db";
  }

 private:
  Dialect dialect_;
  std::string dir_;
};

class StoreTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    if (GetParam() == Dialect::Postgres && !pgUrl()) {
      GTEST_SKIP() << "ZUGONG_TEST_PG not set; PostgreSQL tests skipped";
    }
    backend_ = std::make_unique<Backend>(GetParam());
    db_ = open(backend_->url(), 4);
    ASSERT_EQ(db_->dialect(), GetParam());
  }
  void TearDown() override {
    if (!db_) return;
    Lease c = db_->acquire();
    for (const auto& t : tables_) c->exec("DROP TABLE IF EXISTS " + t);
  }

  // A table name no other test run uses; dropped in TearDown.
  std::string table(std::string_view stem) {
    std::string t = "zt_" + std::string(stem) + "_" + randomSuffix();
    tables_.push_back(t);
    return t;
  }
  std::string serialPk() const {
    return GetParam() == Dialect::Postgres ? "id BIGSERIAL PRIMARY KEY"
                                           : "id INTEGER PRIMARY KEY AUTOINCREMENT";
  }

  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Database> db_;
  std::vector<std::string> tables_;
};

TEST_P(StoreTest, TypedValuesRoundTrip) {
  std::string t = table("types");
  Lease c = db_->acquire();
  c->exec("CREATE TABLE " + t + " (i BIGINT, r DOUBLE PRECISION, s TEXT, n TEXT)");
  const int64_t big = 9007199254740993LL;  // not representable as a double
  EXPECT_EQ(c->exec("INSERT INTO " + t + " (i, r, s, n) VALUES (?, ?, ?, ?)",
                    {big, 3.25, "党支部 “第一” 'x' \\ \t", nullptr}),
            1);
  c->exec("INSERT INTO " + t + " (i, r, s, n) VALUES (?, ?, ?, ?)",
          {INT64_MIN, -0.1, "", std::optional<std::string>{}});
  Result r = c->query("SELECT i, r, s, n FROM " + t + " ORDER BY i DESC");
  ASSERT_EQ(r.size(), 2u);
  ASSERT_EQ(r.columns, (std::vector<std::string>{"i", "r", "s", "n"}));
  Row a = r.row(0);
  ASSERT_TRUE(a[0].isInt());
  EXPECT_EQ(a.i64(0), big);
  ASSERT_TRUE(a["r"].isReal());
  EXPECT_DOUBLE_EQ(a["r"].asReal(), 3.25);
  ASSERT_TRUE(a["s"].isText());
  EXPECT_EQ(a.text(2), "党支部 “第一” 'x' \\ \t");
  EXPECT_TRUE(a["n"].isNull());
  EXPECT_EQ(a.optText(3), std::nullopt);
  Row b = r.row(1);
  EXPECT_EQ(b.i64(0), INT64_MIN);
  EXPECT_DOUBLE_EQ(b[1].asReal(), -0.1);
  EXPECT_TRUE(b[2].isText());
  EXPECT_EQ(b.text(2), "");
  EXPECT_TRUE(b.isNull(3));
  EXPECT_THROW(a["nope"], zg::Error);

  // Integer-typed expressions come back as Int, counts too.
  auto n = c->scalar("SELECT COUNT(*) FROM " + t + " WHERE s = ?", {"党支部 “第一” 'x' \\ \t"});
  ASSERT_TRUE(n && n->isInt());
  EXPECT_EQ(n->asInt(), 1);
  EXPECT_FALSE(c->scalar("SELECT i FROM " + t + " WHERE i = ?", {42}).has_value());
}

TEST_P(StoreTest, ExpressionTypes) {
  Lease c = db_->acquire();
  Result r = c->query("SELECT 1 = 1 AS t, 1 = 2 AS f, CAST(1.5 AS NUMERIC) AS n, 7 / 2 AS d");
  EXPECT_TRUE(r.front()["t"].isInt());
  EXPECT_EQ(r.front()["t"].asInt(), 1);
  EXPECT_EQ(r.front()["f"].asInt(), 0);
  EXPECT_TRUE(r.front()["n"].isReal());
  EXPECT_DOUBLE_EQ(r.front()["n"].asReal(), 1.5);
  EXPECT_TRUE(r.front()["d"].isInt());
  EXPECT_EQ(r.front()["d"].asInt(), 3);
}

TEST_P(StoreTest, CachedStatementsSurviveSchemaChange) {
  std::string t = table("schema");
  Lease c = db_->acquire();
  c->exec("CREATE TABLE " + t + " (a INTEGER)");
  c->exec("INSERT INTO " + t + " (a) VALUES (1)");
  const std::string sel = "SELECT * FROM " + t;
  EXPECT_EQ(c->query(sel).columns.size(), 1u);
  c->exec("ALTER TABLE " + t + " ADD COLUMN b TEXT");
  Result r = c->query(sel);  // the cached statement is re-prepared, not an error
  EXPECT_EQ(r.columns, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.front()[0].asInt(), 1);
  EXPECT_TRUE(r.front()[1].isNull());
}

TEST_P(StoreTest, PlaceholdersInLiteralsAreLeftAlone) {
  std::string t = table("lit");
  Lease c = db_->acquire();
  c->exec("CREATE TABLE " + t + " (a TEXT, \"b?\" TEXT)");
  c->exec("INSERT INTO " + t + " (a, \"b?\") VALUES ('what?', ?) -- trailing ? comment\n", {"x"});
  Result r = c->query("SELECT a, \"b?\", 'it''s ?' AS q, ? AS p FROM " + t + " WHERE a = ?",
                      {"param", "what?"});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.front().text(0), "what?");
  EXPECT_EQ(r.front()["b?"].asText(), "x");
  EXPECT_EQ(r.front()["q"].asText(), "it's ?");
  EXPECT_EQ(r.front()["p"].asText(), "param");
}

TEST_P(StoreTest, ReturningIdAndAffectedCounts) {
  std::string t = table("ret");
  Lease c = db_->acquire();
  c->exec("CREATE TABLE " + t + " (" + serialPk() + ", name TEXT NOT NULL)");
  auto id1 = c->scalar("INSERT INTO " + t + " (name) VALUES (?) RETURNING id", {"甲"});
  auto id2 = c->scalar("INSERT INTO " + t + " (name) VALUES (?) RETURNING id", {"乙"});
  ASSERT_TRUE(id1 && id1->isInt());
  ASSERT_TRUE(id2 && id2->isInt());
  EXPECT_GT(id2->asInt(), id1->asInt());
  Result ins =
      c->query("INSERT INTO " + t + " (name) VALUES (?), (?) RETURNING id, name", {"丙", "丁"});
  ASSERT_EQ(ins.size(), 2u);
  EXPECT_EQ(ins.row(1)["name"].asText(), "丁");

  EXPECT_EQ(c->exec("UPDATE " + t + " SET name = name || '!' WHERE id > ?", {id1->asInt()}), 3);
  EXPECT_EQ(c->exec("UPDATE " + t + " SET name = 'x' WHERE id < 0"), 0);
  EXPECT_EQ(c->exec("DELETE FROM " + t + " WHERE id = ?", {id1->asInt()}), 1);
  EXPECT_EQ(c->exec("SELECT * FROM " + t), 0);  // a query changes nothing
  EXPECT_EQ(c->scalar("SELECT name FROM " + t + " WHERE id = ?", {id2->asInt()})->asText(), "乙!");
}

TEST_P(StoreTest, TransactionRollbackDiscards) {
  std::string t = table("tx");
  Lease c = db_->acquire();
  c->exec("CREATE TABLE " + t + " (v INTEGER)");
  {
    Transaction tx(*c);
    EXPECT_TRUE(c->inTransaction());
    c->exec("INSERT INTO " + t + " (v) VALUES (1)");
    // destroyed without commit → rolled back
  }
  EXPECT_FALSE(c->inTransaction());
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM " + t)->asInt(), 0);
  {
    Transaction tx(*c);
    c->exec("INSERT INTO " + t + " (v) VALUES (2)");
    tx.commit();
  }
  c->begin();
  c->exec("INSERT INTO " + t + " (v) VALUES (3)");
  c->rollback();
  Result r = c->query("SELECT v FROM " + t);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.front().i64(0), 2);

  // A connection handed back mid-transaction is rolled back before reuse.
  {
    Lease other = db_->acquire();
    other->begin();
    other->exec("INSERT INTO " + t + " (v) VALUES (4)");
  }
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM " + t)->asInt(), 1);
}

TEST_P(StoreTest, UniqueViolationIsConflict) {
  std::string t = table("uniq");
  Lease c = db_->acquire();
  c->exec("CREATE TABLE " + t + " (code TEXT NOT NULL UNIQUE, v INTEGER)");
  c->exec("INSERT INTO " + t + " (code, v) VALUES (?, ?)", {"A01", 1});
  try {
    c->exec("INSERT INTO " + t + " (code, v) VALUES (?, ?)", {"A01", 2});
    FAIL() << "expected a Conflict";
  } catch (const zg::Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Conflict);
    EXPECT_EQ(e.code(), "unique");
    EXPECT_EQ(e.message(), "记录已存在（重复）");
    EXPECT_FALSE(e.internalMessage().empty());
  }
  // Other errors are Internal, and the connection stays usable.
  try {
    c->exec("INSERT INTO " + t + " (code, v) VALUES (NULL, 1)");
    FAIL() << "expected an error";
  } catch (const zg::Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Internal);
    EXPECT_NE(e.internalMessage().find(t), std::string::npos);  // names the SQL
  }
  EXPECT_THROW(c->query("SELECT no_such_column FROM " + t), zg::Error);
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM " + t)->asInt(), 1);
}

TEST_P(StoreTest, BulkInsertTenThousandRows) {
  std::string t = table("bulk");
  Lease c = db_->acquire();
  c->exec("CREATE TABLE " + t +
          " (id BIGINT PRIMARY KEY, name TEXT, score DOUBLE PRECISION, note TEXT)");
  std::vector<std::vector<Value>> rows;
  rows.reserve(10000);
  for (int i = 0; i < 10000; ++i) {
    Value note = i % 7 == 0 ? Value() : Value("备注\t" + std::to_string(i) + "\\n\n\r");
    rows.push_back({int64_t(i) + 5000000000LL, "党员" + std::to_string(i), i * 0.5, note});
  }
  {
    Transaction tx(*c);
    c->bulkInsert(t, {"id", "name", "score", "note"}, rows);
    tx.commit();
  }
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM " + t)->asInt(), 10000);
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM " + t + " WHERE note IS NULL")->asInt(), 1429);
  Result r = c->query("SELECT id, name, score, note FROM " + t + " WHERE id = ?", {5000000001LL});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.front().text(1), "党员1");
  EXPECT_DOUBLE_EQ(r.front()[2].asReal(), 0.5);
  EXPECT_EQ(r.front().text(3), "备注\t1\\n\n\r");  // escapes survive COPY exactly

  // Outside a transaction it still goes in whole or not at all.
  std::vector<std::vector<Value>> dup = {{int64_t(1), "a", 0.0, nullptr},
                                         {int64_t(5000000000LL), "dup", 0.0, nullptr}};
  EXPECT_THROW(c->bulkInsert(t, {"id", "name", "score", "note"}, dup), zg::Error);
  EXPECT_FALSE(c->inTransaction());
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM " + t)->asInt(), 10000);
}

TEST_P(StoreTest, PoolBlocksAtMaxAndReusesConnections) {
  auto db = open(backend_->url(), 1);
  Lease first = db->acquire();
  Connection* held = &first.conn();
  std::atomic<bool> got{false};
  Connection* seen = nullptr;
  std::thread other([&] {
    Lease l = db->acquire();  // blocks until `first` is released
    seen = &l.conn();
    got = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_FALSE(got.load());
  { Lease gone = std::move(first); }
  other.join();
  EXPECT_TRUE(got.load());
  EXPECT_EQ(seen, held);  // the same connection came back from the pool

  // Two threads writing through a pool of two.
  std::string t = table("pool");
  auto db2 = open(backend_->url(), 2);
  db2->acquire()->exec("CREATE TABLE " + t + " (th INTEGER, i INTEGER)");
  std::vector<std::thread> ths;
  for (int th = 0; th < 2; ++th) {
    ths.emplace_back([&, th] {
      for (int i = 0; i < 100; ++i) {
        Lease l = db2->acquire();
        Transaction tx(*l);
        l->exec("INSERT INTO " + t + " (th, i) VALUES (?, ?)", {th, i});
        tx.commit();
      }
    });
  }
  for (auto& x : ths) x.join();
  EXPECT_EQ(db2->acquire()->scalar("SELECT COUNT(*) FROM " + t)->asInt(), 200);
}

TEST_P(StoreTest, DescriptionHasNoPassword) {
  if (GetParam() == Dialect::Sqlite) {
    EXPECT_EQ(db_->description(), "sqlite:" + backend_->url());
    return;
  }
  EXPECT_EQ(db_->description().rfind("postgresql://", 0), 0u);
  EXPECT_EQ(detail::pgDescription("postgresql://u:s3cret@db.example:5433/zg?sslmode=disable"),
            "postgresql://u@db.example:5433/zg");
  EXPECT_EQ(detail::pgDescription("host=h port=1 dbname=d user=u password=s3cret"),
            "postgresql://u@h:1/d");
}

TEST_P(StoreTest, MigrateIsIdempotent) {
  const auto& all = embeddedMigrations();
  int last = all.empty() ? 0 : all.back().version;
  std::string url = backend_->url();
  std::string fresh;
  if (GetParam() == Dialect::Postgres) {
    fresh = "zg_test_" + randomSuffix();
    db_->acquire()->execScript("CREATE DATABASE " + fresh);
    url = withDatabase(url, fresh);
  } else {
    url = url + ".migrate";
  }
  {
    auto db = open(url, 2);
    EXPECT_EQ(schemaVersion(*db), 0);
    EXPECT_EQ(migrate(*db), static_cast<int>(all.size()));
    EXPECT_EQ(schemaVersion(*db), last);
    EXPECT_EQ(migrate(*db), 0);
    EXPECT_EQ(schemaVersion(*db), last);
    Lease c = db->acquire();
    EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM schema_version")->asInt(),
              static_cast<int64_t>(all.size()));
  }
  if (!fresh.empty()) db_->acquire()->execScript("DROP DATABASE " + fresh + " WITH (FORCE)");
}

TEST_P(StoreTest, ConcurrentMigratorsDoNotCollide) {
  // PostgreSQL serializes migrators with an advisory lock, SQLite with BEGIN IMMEDIATE.
  std::string fresh, url = backend_->url() + ".concurrent";
  if (GetParam() == Dialect::Postgres) {
    fresh = "zg_test_" + randomSuffix();
    db_->acquire()->execScript("CREATE DATABASE " + fresh);
    url = withDatabase(backend_->url(), fresh);
  }
  {
    auto a = open(url, 1);
    auto b = open(url, 1);
    int na = -1, nb = -1;
    std::thread ta([&] { na = migrate(*a); });
    std::thread tb([&] { nb = migrate(*b); });
    ta.join();
    tb.join();
    EXPECT_EQ(na + nb, static_cast<int>(embeddedMigrations().size()));
    EXPECT_EQ(schemaVersion(*a),
              embeddedMigrations().empty() ? 0 : embeddedMigrations().back().version);
  }
  if (!fresh.empty()) db_->acquire()->execScript("DROP DATABASE " + fresh + " WITH (FORCE)");
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values(Dialect::Sqlite, Dialect::Postgres),
                         [](const auto& info) {
                           return info.param == Dialect::Sqlite ? "Sqlite" : "Postgres";
                         });

// ---- pure helpers ----

TEST(PgPlaceholders, RewritesOnlyOutsideLiteralsIdentifiersAndComments) {
  int n = 0;
  EXPECT_EQ(detail::rewritePlaceholders("SELECT ?, ? FROM t WHERE a = ?", &n),
            "SELECT $1, $2 FROM t WHERE a = $3");
  EXPECT_EQ(n, 3);
  EXPECT_EQ(detail::rewritePlaceholders("SELECT 'a?''b?', \"c?\"\"d\", ? -- e?\n, ?", &n),
            "SELECT 'a?''b?', \"c?\"\"d\", $1 -- e?\n, $2");
  EXPECT_EQ(n, 2);
  EXPECT_EQ(detail::rewritePlaceholders("SELECT E'x\\'?', /* ? /* ? */ ? */ ?", &n),
            "SELECT E'x\\'?', /* ? /* ? */ ? */ $1");
  EXPECT_EQ(n, 1);
  EXPECT_EQ(detail::rewritePlaceholders("SELECT $$ ? $$, $f$ '? $f$, ?", &n),
            "SELECT $$ ? $$, $f$ '? $f$, $1");
  EXPECT_EQ(n, 1);
  EXPECT_EQ(detail::rewritePlaceholders("SELECT 'unterminated ?", &n), "SELECT 'unterminated ?");
  EXPECT_EQ(n, 0);
}

TEST(PgCopy, EscapesSpecialCharacters) {
  std::string out;
  detail::appendCopyField(out, "a\\b\tc\nd\re中");
  EXPECT_EQ(out, "a\\\\b\\tc\\nd\\re中");
}

TEST(Value, Conversions) {
  EXPECT_EQ(Value("42").asInt(), 42);
  EXPECT_EQ(Value(" -7 ").asInt(), -7);
  EXPECT_EQ(Value("12.9").asInt(), 12);
  EXPECT_EQ(Value("abc").asInt(), 0);
  EXPECT_EQ(Value(3.99).asInt(), 3);
  EXPECT_EQ(Value(-3.99).asInt(), -3);
  EXPECT_EQ(Value().asInt(), 0);
  EXPECT_EQ(Value().asText(), "");
  EXPECT_EQ(Value(int64_t(9007199254740993LL)).asText(), "9007199254740993");
  EXPECT_EQ(Value(0.1).asText(), "0.1");
  EXPECT_EQ(Value(2.0).asText(), "2");
  EXPECT_DOUBLE_EQ(Value("2.5").asReal(), 2.5);
  EXPECT_DOUBLE_EQ(Value(7).asReal(), 7.0);
  EXPECT_TRUE(Value(true).isInt());
  EXPECT_EQ(Value(true).asInt(), 1);
  EXPECT_TRUE(Value(std::optional<int>{}).isNull());
  EXPECT_EQ(Value(std::optional<int>{5}).asInt(), 5);
}

TEST(Open, RejectsInMemorySqlite) { EXPECT_THROW(open(":memory:"), zg::Error); }

}  // namespace
}  // namespace zg::store
