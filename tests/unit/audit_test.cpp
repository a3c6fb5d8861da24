#include <gtest/gtest.h>

#include "testing.h"

namespace zg {
namespace {

TEST(Audit, ChangesAreRecordedWithBeforeAndAfter) {
  testing::TestApp t;
  t.login("admin", "Admin1234");
  auto r = t.call("POST", "/api/orgs", boost::json::object{{"parentId", 1}, {"name", "甲街道党工委"}, {"kind", "street_committee"}});
  ASSERT_EQ(r.status, 201) << r.raw;
  int64_t id = r.body.at("id").as_int64();
  auto u = t.call("PUT", "/api/orgs/" + std::to_string(id),
                  boost::json::object{{"name", "乙街道党工委"}, {"kind", "street_committee"}, {"version", 1}});
  ASSERT_EQ(u.status, 200) << u.raw;
  auto a = t.call("GET", "/api/audit?entity=org&action=update");
  ASSERT_EQ(a.status, 200);
  auto items = a.body.at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("before").at("name").as_string(), "甲街道党工委");
  EXPECT_EQ(items[0].at("after").at("name").as_string(), "乙街道党工委");
  EXPECT_NE(std::string(items[0].at("actorName").as_string()).find("admin"), std::string::npos);
}

TEST(Audit, VerifyDetectsEditedAndDeletedRows) {
  testing::TestApp t;
  t.login("admin", "Admin1234");
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(t.call("POST", "/api/orgs",
                     boost::json::object{{"parentId", 1}, {"name", "街道" + std::to_string(i)}, {"kind", "street_committee"}})
                  .status,
              201);
  auto c = t.db->acquire();
  auto ok = audit::verify(*c);
  EXPECT_TRUE(ok.ok);
  EXPECT_GE(ok.checked, 5);

  // The log is append-only: the database refuses edits...
  EXPECT_THROW(c->exec("UPDATE audit_log SET summary = 'x' WHERE id = 2"), Error);
  EXPECT_THROW(c->exec("DELETE FROM audit_log WHERE id = 2"), Error);
  // ...and when someone removes the guard and edits anyway, verify() names the row.
  c->execScript("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;");
  c->exec("UPDATE audit_log SET summary = '篡改' WHERE id = 3");
  auto edited = audit::verify(*c);
  ASSERT_FALSE(edited.ok);
  EXPECT_EQ(edited.problems.front().id, 3);

  c->exec("UPDATE audit_log SET summary = (SELECT summary FROM audit_log WHERE id = 3) WHERE id = 3");  // still edited
  c->exec("DELETE FROM audit_log WHERE id = 4");
  auto deleted = audit::verify(*c);
  ASSERT_FALSE(deleted.ok);
  bool sawMissing = false;
  for (auto& p : deleted.problems) sawMissing = sawMissing || p.id == 4;
  EXPECT_TRUE(sawMissing);
}

TEST(Audit, ChangeAndEntryShareTheTransaction) {
  testing::TestApp t;
  t.login("admin", "Admin1234");
  auto c = t.db->acquire();
  int64_t before = c->query("SELECT COUNT(*) FROM audit_log").front().i64(0);
  // A rejected change (kind not allowed under the root) writes neither the org nor an entry.
  auto r = t.call("POST", "/api/orgs", boost::json::object{{"parentId", 1}, {"name", "小组"}, {"kind", "party_group"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(c->query("SELECT COUNT(*) FROM audit_log").front().i64(0), before);
  EXPECT_EQ(c->query("SELECT COUNT(*) FROM orgs").front().i64(0), 1);
}

}  // namespace
}  // namespace zg
