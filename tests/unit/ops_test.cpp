// Key rotation and backup/restore in process (the over-the-wire versions, under load and on
// PostgreSQL, are tests/api/keys.test.mjs and tests/api/backup.test.mjs).
#include <filesystem>
#include <fstream>

#include "platform/backup.h"
#include "platform/crypto.h"
#include "platform/keyrotation.h"
#include "store/sqlite_backup.h"
#include "testing.h"

namespace zg {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;

struct Fixture {
  testing::TestApp t;
  std::string id;
  int64_t memberId = 0;
  const std::string oldKey = std::string(32, 'k');  // TestApp's key
  const std::string newKey = std::string(32, 'n');

  Fixture() {
    t.login("admin", "Admin1234");
    auto s = t.call("POST", "/api/orgs", bj::object{{"parentId", 1}, {"name", "甲街道党工委"}, {"kind", "street_committee"}});
    auto b = t.call("POST", "/api/orgs", bj::object{{"parentId", s.body.at("id")}, {"name", "一支部"}, {"kind", "branch"}});
    id = testing::idNumber(7);
    auto m = t.call("POST", "/api/members",
                    bj::object{{"name", "张三"}, {"idNumber", id}, {"category", "full"}, {"orgId", b.body.at("id")},
                               {"joinedOn", "2005-07-01"}, {"fullOn", "2006-07-01"}, {"phone", "13812345678"}});
    EXPECT_EQ(m.status, 201) << m.raw;
    memberId = m.status == 201 ? m.body.at("id").as_int64() : 0;
  }
  store::Result row() {
    auto c = t.db->acquire();
    return c->query("SELECT id_number_enc, id_number_hash, phone_enc FROM members WHERE id = ?", {memberId});
  }
  std::string dbPath() { return store::sqlitePathOf(t.db->description()); }
};

TEST(KeyRotation, ReencryptsAndRehashesInPlace) {
  Fixture f;
  crypto::FieldCipher oldC(f.oldKey), newC(f.newKey);
  auto before = f.row();
  auto c = f.t.db->acquire();
  auto r = keys::rotate(*c, f.oldKey, f.newKey, auth::Actor::system("测试"));
  EXPECT_EQ(r.oldKeyId, keys::keyId(f.oldKey));
  EXPECT_NE(r.oldKeyId, r.newKeyId);
  EXPECT_EQ(r.sealed, 2);  // one ID number, one phone
  EXPECT_EQ(r.hashes, 1);
  auto after = f.row();
  auto a = after.front();
  EXPECT_NE(a.text(0), before.front().text(0));
  EXPECT_EQ(newC.decrypt(a.text(0)), f.id);
  EXPECT_EQ(newC.decrypt(a.text(2)), "13812345678");
  EXPECT_THROW(oldC.decrypt(a.text(0)), Error);
  EXPECT_EQ(a.text(1), newC.lookupHash(f.id));
  auto lastRows = c->query("SELECT action, entity, before_json, after_json FROM audit_log ORDER BY id DESC LIMIT 1");
  auto last = lastRows.front();
  EXPECT_EQ(last.text(0), "rotate-key");
  EXPECT_NE(last.text(2).find(r.oldKeyId), std::string::npos);
  EXPECT_NE(last.text(3).find(r.newKeyId), std::string::npos);
  EXPECT_TRUE(audit::verify(*c).ok);
}

TEST(KeyRotation, AWrongCurrentKeyChangesNothing) {
  Fixture f;
  auto before = f.row();
  auto c = f.t.db->acquire();
  try {
    keys::rotate(*c, std::string(32, 'x'), f.newKey, auth::Actor::system("测试"));
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Invalid);
    EXPECT_EQ(e.field(), "data-key-file");
  }
  EXPECT_EQ(f.row().front().text(0), before.front().text(0));
  EXPECT_EQ(f.row().front().text(1), before.front().text(1));
}

TEST(KeyRotation, TheSameKeyIsRefused) {
  Fixture f;
  auto c = f.t.db->acquire();
  try {
    keys::rotate(*c, f.oldKey, f.oldKey, auth::Actor::system("测试"));
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "new-key-file");
  }
}

TEST(KeyRotation, AnEncryptedColumnItDoesNotKnowStopsIt) {
  Fixture f;
  auto before = f.row();
  auto c = f.t.db->acquire();
  c->exec("ALTER TABLE orgs ADD COLUMN secret_enc TEXT");
  try {
    keys::rotate(*c, f.oldKey, f.newKey, auth::Actor::system("测试"));
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(e.internalMessage().find("orgs.secret_enc"), std::string::npos) << e.internalMessage();
  }
  EXPECT_EQ(f.row().front().text(0), before.front().text(0));
}

TEST(Backup, SqliteCopyRestoresCheckedAgainstItsManifest) {
  Fixture f;
  fs::path dir = fs::path(f.dbPath()).parent_path();
  std::string out = (dir / "b.db").string();
  auto m = backup::take(f.dbPath(), out);
  EXPECT_EQ(m.backend, "sqlite");
  EXPECT_GE(m.tables.at("members"), 1);
  EXPECT_GT(m.auditHeadId, 0);
  EXPECT_EQ(m.bytes, static_cast<int64_t>(fs::file_size(out)));
  EXPECT_TRUE(fs::exists(out + ".manifest.json"));

  std::string target = (dir / "r.db").string();
  auto r = backup::restore(target, out, false);
  EXPECT_TRUE(r.hadManifest);
  EXPECT_EQ(r.auditChecked, m.auditHeadId);
  EXPECT_EQ(store::sqliteReadOnlyQuery(target, "SELECT COUNT(*) FROM members").at(0).at(0),
            std::to_string(m.tables.at("members")));
  // The copy ends with its restore entry; the source with its backup entry.
  EXPECT_EQ(store::sqliteReadOnlyQuery(target, "SELECT action FROM audit_log ORDER BY id DESC LIMIT 1").at(0).at(0), "restore");
  {
    auto c = f.t.db->acquire();
    EXPECT_EQ(c->scalar("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1")->asText(), "backup");
  }

  // Not over a database with tables, unless forced.
  try {
    backup::restore(target, out, false);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "db");
    EXPECT_NE(e.message().find("--force"), std::string::npos);
  }
  EXPECT_NO_THROW(backup::restore(target, out, true));

  // A changed file is refused.
  {
    std::fstream io(out, std::ios::in | std::ios::out | std::ios::binary);
    io.seekp(200);
    io.put('\x7f');
  }
  try {
    backup::restore((dir / "r2.db").string(), out, false);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "from");
  }
}

}  // namespace
}  // namespace zg
