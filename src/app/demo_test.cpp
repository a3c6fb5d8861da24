// The demo district loaded at scale "small" into real databases: a temp SQLite file always,
// PostgreSQL too when ZUGONG_TEST_PG holds a connection string (a fresh database is created
// and dropped there).
#include "app/demo.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/checks.h"
#include "core/error.h"
#include "modules/orgs/org_kinds.h"
#include "platform/audit.h"
#include "platform/auth.h"
#include "platform/crypto.h"
#include "store/db.h"

namespace zg::demo {
namespace {

const std::string kKey(32, 'k');
constexpr const char* kAsOf = "2026-06-30";

Options smallOptions(uint64_t seed = 7) {
  Options o;
  o.seed = seed;
  o.scale = "small";
  o.asOf = kAsOf;
  return o;
}

// A migrated SQLite database in its own temp directory, removed afterwards.
class TempDb {
 public:
  TempDb() {
    char tmpl[] = "/tmp/zg_demo_test_XXXXXX";
    dir_ = mkdtemp(tmpl);
    db_ = store::open(dir_ + "/demo.db", 2);
    store::migrate(*db_);
  }
  ~TempDb() {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  store::Database& db() { return *db_; }

 private:
  std::string dir_;
  std::unique_ptr<store::Database> db_;
};

int64_t count(store::Connection& c, const std::string& sql, const store::Params& p = {}) {
  return c.scalar(sql, p)->asInt();
}

// One small district shared by the read-only checks (loading takes a moment).
class DemoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = new TempDb();
    cipher_ = new crypto::FieldCipher(kKey);
    result_ = load(db_->db(), *cipher_, smallOptions());
  }
  static void TearDownTestSuite() {
    delete db_;
    delete cipher_;
    db_ = nullptr;
    cipher_ = nullptr;
  }
  static TempDb* db_;
  static crypto::FieldCipher* cipher_;
  static Result result_;
};
TempDb* DemoTest::db_ = nullptr;
crypto::FieldCipher* DemoTest::cipher_ = nullptr;
Result DemoTest::result_;

TEST_F(DemoTest, LoadsTheSmallDistrictShapedLikeJianggan) {
  ASSERT_FALSE(result_.skipped);
  EXPECT_EQ(result_.members, 2000);
  EXPECT_EQ(result_.users, 14);  // admin, jd01–jd08, sq0101–sq0103, zb0001, dy0001
  store::Lease c = db_->db().acquire();
  EXPECT_EQ(count(*c, "SELECT COUNT(*) FROM members"), result_.members);
  EXPECT_EQ(count(*c, "SELECT COUNT(*) FROM orgs"), result_.orgs);
  EXPECT_EQ(count(*c, "SELECT COUNT(*) FROM users"), result_.users);

  store::Result root = c->query("SELECT id, path, depth, name, kind FROM orgs WHERE parent_id IS NULL");
  ASSERT_EQ(root.size(), 1u);
  EXPECT_EQ(root.front().i64(0), 1);
  EXPECT_EQ(root.front().text(1), "/1/");
  EXPECT_EQ(root.front().i64(2), 0);
  EXPECT_EQ(root.front().text(3), "江干区委");
  EXPECT_EQ(root.front().text(4), "district_committee");

  EXPECT_EQ(count(*c, "SELECT COUNT(*) FROM orgs WHERE parent_id = 1 AND kind = 'street_committee'"), 6);
  EXPECT_EQ(count(*c, "SELECT COUNT(*) FROM orgs WHERE parent_id = 1 AND kind = 'town_committee'"), 2);
  EXPECT_EQ(count(*c, "SELECT COUNT(*) FROM orgs WHERE name = '凯旋街道党工委'"), 1);
  EXPECT_EQ(count(*c,
                  "SELECT COUNT(*) FROM orgs WHERE branch_type IN ('community', 'village') "
                  "AND kind IN ('committee', 'general_branch')"),
            17);
  // 两新 branches directly under the streets.
  EXPECT_GE(count(*c,
                  "SELECT COUNT(*) FROM orgs o JOIN orgs p ON p.id = o.parent_id "
                  "WHERE p.depth = 1 AND o.branch_type IN ('nonpublic', 'social_org')"),
            8 * 3);
  EXPECT_GT(count(*c, "SELECT COUNT(*) FROM orgs WHERE kind = 'party_group'"), 0);
  // Full names are unique (party groups are named within their branch).
  EXPECT_EQ(count(*c,
                  "SELECT COUNT(*) FROM (SELECT name FROM orgs WHERE kind <> 'party_group' "
                  "GROUP BY name HAVING COUNT(*) > 1) d"),
            0);
}

TEST_F(DemoTest, TreeIsConsistent) {
  store::Lease c = db_->db().acquire();
  std::map<int64_t, std::pair<std::string, std::string>> byId;  // id → (path, kind)
  store::Result orgs = c->query("SELECT id, parent_id, path, depth, kind, founded_on FROM orgs ORDER BY id");
  for (auto r : orgs) byId[r.i64(0)] = {r.text(2), r.text(4)};
  for (auto r : orgs) {
    const std::string path = r.text(2);
    int slashes = static_cast<int>(std::count(path.begin(), path.end(), '/'));
    EXPECT_EQ(r.i64(3), slashes - 2) << path;
    if (r.isNull(1)) continue;
    const auto& parent = byId.at(r.i64(1));
    EXPECT_EQ(path, parent.first + std::to_string(r.i64(0)) + "/");
    EXPECT_TRUE(orgs::allowedChild(parent.second, r.text(4))) << parent.second << " > " << r.text(4);
    EXPECT_TRUE(orgs::kindLabel(r.text(4)).has_value());
    EXPECT_TRUE(parseDate(r.text(5)).has_value());
  }
  for (auto r : c->query("SELECT DISTINCT branch_type FROM orgs WHERE branch_type IS NOT NULL")) {
    EXPECT_TRUE(orgs::branchTypeLabel(r.text(0)).has_value()) << r.text(0);
  }
  // One current history row and one 'create' event per organization.
  EXPECT_EQ(count(*c,
                  "SELECT COUNT(*) FROM orgs o WHERE (SELECT COUNT(*) FROM org_history h "
                  "WHERE h.org_id = o.id AND h.to_date IS NULL AND h.from_date = o.founded_on "
                  "AND h.name = o.name) = 1"),
            static_cast<int64_t>(orgs.size()));
  EXPECT_EQ(count(*c,
                  "SELECT COUNT(*) FROM orgs o WHERE (SELECT COUNT(*) FROM org_events e "
                  "WHERE e.org_id = o.id AND e.event = 'create') = 1"),
            static_cast<int64_t>(orgs.size()));
}

TEST_F(DemoTest, EveryMemberIsValidAndPlaced) {
  store::Lease c = db_->db().acquire();
  std::map<int64_t, std::pair<std::string, std::string>> orgs;  // id → (path, kind)
  for (auto r : c->query("SELECT id, path, kind FROM orgs")) orgs[r.i64(0)] = {r.text(1), r.text(2)};
  const Date asOf = *parseDate(kAsOf);
  int probationary = 0, withPhone = 0;
  store::Result ms = c->query(
      "SELECT id, org_id, org_path, name, name_initials, name_sort, sex, birth_date, "
      "id_number_enc, id_number_hash, id_number_mask, category, joined_on, full_on, phone_enc, "
      "phone_mask, lost_contact, lost_on, mobile, mobile_to FROM members ORDER BY id");
  for (auto r : ms) {
    const auto& org = orgs.at(r.i64(1));
    EXPECT_TRUE(orgs::holdsMembers(org.second)) << org.second;
    EXPECT_EQ(r.text(2), org.first);
    EXPECT_FALSE(r.text(4).empty());
    EXPECT_FALSE(r.text(5).empty());

    const std::string id = cipher_->decrypt(r.text(8));
    IdNumberCheck chk = checkIdNumber(id);
    ASSERT_TRUE(chk.ok) << id << " " << chk.errorCode;
    EXPECT_EQ(chk.birthDate.iso(), r.text(7));
    EXPECT_EQ(std::string(1, chk.sex), r.text(6));
    EXPECT_EQ(r.text(9), cipher_->lookupHash(id));
    EXPECT_EQ(r.text(10), maskIdNumber(id));
    EXPECT_GE(chk.birthDate.year, 1935);
    EXPECT_LE(chk.birthDate.year, 2004);

    Date joined = *parseDate(r.text(12));
    EXPECT_GE(ageOn(chk.birthDate, joined), 18) << id << " joined " << r.text(12);
    EXPECT_LE(joined, asOf);
    if (r.text(11) == "probationary") {
      ++probationary;
      EXPECT_TRUE(r.isNull(13));
      EXPECT_GT(joined, (Date{asOf.year - 1, asOf.month, asOf.day}));
    } else {
      ASSERT_EQ(r.text(11), "full");
      Date fullOn = *parseDate(r.text(13));
      // One year later; a 29 February joining gives 1 March in a common year.
      Date expected{joined.year + 1, joined.month, joined.day};
      if (joined.month == 2 && joined.day == 29) expected = Date{joined.year + 1, 3, 1};
      EXPECT_EQ(fullOn, expected) << r.text(12);
      EXPECT_LE(fullOn, asOf);
    }
    if (!r.isNull(14)) {
      ++withPhone;
      const std::string phone = cipher_->decrypt(r.text(14));
      EXPECT_TRUE(normalizePhone(phone).has_value()) << phone;
      EXPECT_EQ(r.text(15), maskPhone(phone));
    }
    EXPECT_EQ(r.i64(16) == 1, !r.isNull(17));
    EXPECT_EQ(r.i64(18) == 1, !r.isNull(19));
  }
  // Joining dates are spread out, not piled on a bound.
  EXPECT_LT(count(*c, "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM members GROUP BY joined_on) d"), 10);
  EXPECT_GT(probationary, 40);  // ~5%
  EXPECT_LT(probationary, 200);
  EXPECT_GT(withPhone, 1800);

  // Placements: every member has exactly one current placement, in their own branch; the
  // moved ones also have an earlier, closed placement ending where the current one starts.
  EXPECT_EQ(count(*c,
                  "SELECT COUNT(*) FROM members m WHERE (SELECT COUNT(*) FROM "
                  "member_placements p WHERE p.member_id = m.id AND p.to_date IS NULL "
                  "AND p.org_id = m.org_id) = 1"),
            static_cast<int64_t>(ms.size()));
  EXPECT_EQ(count(*c, "SELECT COUNT(*) FROM member_placements WHERE to_date IS NULL"), static_cast<int64_t>(ms.size()));
  int64_t moved = count(*c, "SELECT COUNT(*) FROM member_placements WHERE to_date IS NOT NULL");
  EXPECT_GT(moved, 30);
  EXPECT_LT(moved, 200);
  EXPECT_EQ(count(*c,
                  "SELECT COUNT(*) FROM member_placements a JOIN member_placements b "
                  "ON a.member_id = b.member_id AND a.to_date = b.from_date "
                  "WHERE b.to_date IS NULL AND a.org_id <> b.org_id AND a.from_date < a.to_date"),
            moved);
  EXPECT_EQ(count(*c,
                  "SELECT COUNT(*) FROM member_placements p JOIN members m ON m.id = p.member_id "
                  "WHERE p.from_date = m.joined_on AND p.reason = '入党'"),
            static_cast<int64_t>(ms.size()));
}

TEST_F(DemoTest, SomeBranchesShowWarningsButOnlyAMinority) {
  store::Lease c = db_->db().acquire();
  const char* fullCount = "(SELECT COUNT(*) FROM members m WHERE m.org_id = o.id AND m.category = 'full')";
  const std::string branches = "FROM orgs o WHERE o.kind IN ('branch', 'joint_branch')";
  int64_t all = count(*c, "SELECT COUNT(*) " + branches);
  int64_t noCommittee =
      count(*c, "SELECT COUNT(*) " + branches + " AND o.committee_size = 0 AND " + fullCount + " >= 7");
  int64_t tiny = count(*c, "SELECT COUNT(*) " + branches + " AND " + fullCount + " < 3");
  int64_t large =
      count(*c, "SELECT COUNT(*) " + branches + " AND (SELECT COUNT(*) FROM members m WHERE m.org_id = o.id) > 50");
  int64_t wideJoint = count(*c, "SELECT COUNT(*) FROM orgs WHERE kind = 'joint_branch' AND unit_count > 5");
  EXPECT_GE(noCommittee, 1);
  EXPECT_GE(tiny, 1);
  EXPECT_GE(large, 1);
  EXPECT_GE(wideJoint, 1);
  EXPECT_LT(noCommittee + tiny + large + wideJoint, all / 4);
  // Branches with a committee have 3–7 members of it.
  EXPECT_EQ(count(*c, "SELECT COUNT(*) " + branches + " AND o.committee_size NOT IN (0, 3, 5, 7)"), 0);
}

TEST_F(DemoTest, UsersCanBeFoundAndLogIn) {
  store::Lease c = db_->db().acquire();
  auto admin = auth::findUserByName(*c, "admin");
  ASSERT_TRUE(admin.has_value());
  EXPECT_EQ(admin->role, auth::Role::DistrictStaff);
  EXPECT_EQ(admin->orgId, 1);
  EXPECT_EQ(admin->displayName, "组织部管理员");
  for (int s = 1; s <= 8; ++s) {
    auto u = auth::findUserByName(*c, "jd0" + std::to_string(s));
    ASSERT_TRUE(u.has_value()) << s;
    EXPECT_EQ(u->role, auth::Role::Street);
    EXPECT_EQ(u->orgPath, "/1/" + std::to_string(u->orgId) + "/");
  }
  auto jd01 = auth::findUserByName(*c, "jd01");
  for (const char* name : {"sq0101", "sq0102", "sq0103"}) {
    auto u = auth::findUserByName(*c, name);
    ASSERT_TRUE(u.has_value()) << name;
    EXPECT_EQ(u->role, auth::Role::Community);
    EXPECT_EQ(u->orgPath.rfind(jd01->orgPath, 0), 0u) << u->orgPath;
  }
  auto zb = auth::findUserByName(*c, "zb0001");
  ASSERT_TRUE(zb.has_value());
  EXPECT_EQ(zb->role, auth::Role::BranchSecretary);
  ASSERT_TRUE(zb->memberId.has_value());
  EXPECT_EQ(count(*c, "SELECT org_id FROM members WHERE id = ?", {*zb->memberId}), zb->orgId);
  // zb0001's branch names its secretary, who is the linked member.
  EXPECT_EQ(c->scalar("SELECT secretary FROM orgs WHERE id = ?", {zb->orgId})->asText(),
            c->scalar("SELECT name FROM members WHERE id = ?", {*zb->memberId})->asText());
  // One password hash shared by all, verifying the demo password.
  EXPECT_EQ(count(*c, "SELECT COUNT(DISTINCT password_hash) FROM users"), 1);
  std::string hash = c->scalar("SELECT password_hash FROM users WHERE username = 'zb0001'")->asText();
  EXPECT_TRUE(crypto::verifyPassword(hash, "Demo@2026"));
  EXPECT_FALSE(crypto::verifyPassword(hash, "wrong"));
}

TEST_F(DemoTest, RecordsOneAuditEntryAndASecondLoadIsSkipped) {
  int64_t audits = 0, orgs = 0;
  {
    store::Lease c = db_->db().acquire();
    EXPECT_EQ(count(*c, "SELECT COUNT(*) FROM audit_log WHERE action = 'demo' AND entity = 'system'"), 1);
    std::string summary = c->scalar("SELECT summary FROM audit_log WHERE action = 'demo'")->asText();
    EXPECT_EQ(summary.rfind("载入演示区：8个街道", 0), 0u) << summary;
    EXPECT_TRUE(audit::verify(*c).ok);
    audits = count(*c, "SELECT COUNT(*) FROM audit_log");
    orgs = count(*c, "SELECT COUNT(*) FROM orgs");
  }
  Result again = load(db_->db(), *cipher_, smallOptions());
  EXPECT_TRUE(again.skipped);
  store::Lease c = db_->db().acquire();
  EXPECT_EQ(count(*c, "SELECT COUNT(*) FROM members"), result_.members);
  EXPECT_EQ(count(*c, "SELECT COUNT(*) FROM orgs"), orgs);
  EXPECT_EQ(count(*c, "SELECT COUNT(*) FROM audit_log"), audits);
}

TEST(DemoLoad, SameSeedGivesTheSameDistrict) {
  TempDb a, b, other;
  crypto::FieldCipher cipher(kKey);
  ASSERT_FALSE(load(a.db(), cipher, smallOptions(11)).skipped);
  ASSERT_FALSE(load(b.db(), cipher, smallOptions(11)).skipped);
  ASSERT_FALSE(load(other.db(), cipher, smallOptions(12)).skipped);
  auto dump = [](store::Database& db) {
    store::Lease c = db.acquire();
    std::vector<std::string> out;
    for (auto r : c->query("SELECT id, name, id_number_hash, org_id, joined_on, category FROM "
                           "members ORDER BY id")) {
      out.push_back(r.text(0) + "|" + r.text(1) + "|" + r.text(2) + "|" + r.text(3) + "|" + r.text(4) + "|" +
                    r.text(5));
    }
    for (auto r : c->query("SELECT id, path, name, kind, committee_size, secretary FROM orgs ORDER BY id")) {
      out.push_back(r.text(0) + "|" + r.text(1) + "|" + r.text(2) + "|" + r.text(3) + "|" + r.text(4) + "|" +
                    r.text(5));
    }
    return out;
  };
  auto da = dump(a.db());
  EXPECT_EQ(da.size(),
            2000u + static_cast<size_t>(store::Lease(a.db().acquire())->scalar("SELECT COUNT(*) FROM orgs")->asInt()));
  EXPECT_EQ(da, dump(b.db()));
  EXPECT_NE(da, dump(other.db()));
}

// The root made by `zugong migrate` (and an admin made by hand) are reused, not duplicated.
TEST(DemoLoad, ReusesTheRootAndExistingUsers) {
  TempDb a;
  crypto::FieldCipher cipher(kKey);
  {
    store::Lease c = a.db().acquire();
    c->exec(
        "INSERT INTO orgs (id, parent_id, path, depth, name, kind, founded_on, created_at, "
        "updated_at) VALUES (1, NULL, '/1/', 0, '区委', 'district_committee', '1990-01-01', "
        "'t', 't')");
    c->exec(
        "INSERT INTO org_history (id, org_id, parent_id, name, kind, from_date) VALUES "
        "(1, 1, NULL, '区委', 'district_committee', '1990-01-01')");
    c->exec(
        "INSERT INTO users (id, username, display_name, password_hash, role, org_id, "
        "created_at, updated_at) VALUES (1, 'admin', '原管理员', 'x', 'district_staff', 1, "
        "'t', 't')");
  }
  Result r = load(a.db(), cipher, smallOptions());
  ASSERT_FALSE(r.skipped);
  EXPECT_EQ(r.users, 13);
  store::Lease c = a.db().acquire();
  EXPECT_EQ(count(*c, "SELECT COUNT(*) FROM orgs WHERE parent_id IS NULL"), 1);
  store::Result root = c->query("SELECT name, version, founded_on FROM orgs WHERE id = 1");
  EXPECT_EQ(root.front().text(0), "江干区委");
  EXPECT_EQ(root.front().i64(1), 2);
  EXPECT_EQ(root.front().text(2), "1990-01-01");
  EXPECT_EQ(count(*c, "SELECT COUNT(*) FROM org_history WHERE org_id = 1"), 1);
  EXPECT_EQ(c->scalar("SELECT name FROM org_history WHERE org_id = 1")->asText(), "江干区委");
  EXPECT_EQ(c->scalar("SELECT on_date FROM org_events WHERE org_id = 1 AND event = 'create'")->asText(), "1990-01-01");
  EXPECT_EQ(c->scalar("SELECT display_name FROM users WHERE username = 'admin'")->asText(), "原管理员");
  EXPECT_EQ(count(*c, "SELECT COUNT(*) FROM orgs WHERE parent_id = 1"),
            8 + count(*c,
                      "SELECT COUNT(*) FROM orgs WHERE parent_id = 1 AND kind IN ('branch', "
                      "'joint_branch')"));
}

TEST(DemoLoad, RefusesAnUnknownScale) {
  TempDb a;
  crypto::FieldCipher cipher(kKey);
  Options o = smallOptions();
  o.scale = "county";
  EXPECT_THROW(load(a.db(), cipher, o), Error);
  store::Lease c = a.db().acquire();
  EXPECT_EQ(count(*c, "SELECT COUNT(*) FROM members"), 0);
}

// PostgreSQL: a fresh database, loaded, then a plain INSERT without an id must not collide
// with the explicitly inserted ids (the identity sequences were moved past them).
TEST(DemoLoad, PostgresSequencesFollowTheLoadedIds) {
  const char* url = std::getenv("ZUGONG_TEST_PG");
  if (!url || !*url) GTEST_SKIP() << "ZUGONG_TEST_PG not set; PostgreSQL test skipped";
  std::string name = "zg_demo_" + std::to_string(getpid()) + "_" + std::to_string(std::random_device{}() % 100000);
  std::string base = url;
  std::string target;
  if (base.rfind("postgres", 0) == 0) {
    size_t scheme = base.find("://") + 3;
    size_t slash = base.find('/', scheme), q = base.find('?', scheme);
    target = base.substr(0, std::min(slash, q)) + "/" + name + (q == std::string::npos ? "" : base.substr(q));
  } else {
    target = base + " dbname=" + name;
  }
  auto admin = store::open(base, 1);
  {
    store::Lease c = admin->acquire();
    c->exec("CREATE DATABASE " + name);
  }
  {
    auto db = store::open(target, 2);
    store::migrate(*db);
    crypto::FieldCipher cipher(kKey);
    Result r = load(*db, cipher, smallOptions());
    EXPECT_FALSE(r.skipped);
    store::Lease c = db->acquire();
    EXPECT_EQ(count(*c, "SELECT COUNT(*) FROM members"), r.members);
    int64_t maxOrg = count(*c, "SELECT MAX(id) FROM orgs");
    int64_t id = c->query(
                      "INSERT INTO orgs (parent_id, path, depth, name, kind, founded_on, "
                      "created_at, updated_at) VALUES (1, '/x/', 1, 'x', 'committee', "
                      "'2020-01-01', 'now', 'now') RETURNING id")
                     .front()
                     .i64(0);
    EXPECT_GT(id, maxOrg);
    int64_t maxMember = count(*c, "SELECT MAX(id) FROM members");
    EXPECT_EQ(maxMember, r.members);
  }
  {
    store::Lease c = admin->acquire();
    c->exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }
}

}  // namespace
}  // namespace zg::demo
