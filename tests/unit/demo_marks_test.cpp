#include <gtest/gtest.h>

#include <filesystem>

#include "app/app.h"
#include "app/demo.h"
#include "app/demo_marks.h"
#include "core/error.h"
#include "modules/marks/marks.h"
#include "modules/orgs/orgs.h"

namespace zg {
namespace {

// The demo's marks follow the module's rules: only active members of live branches, ended marks
// end after they began and before the day the data ends, a realistic share of members and
// branches, every branch with marks has a working public page, and the public page of one shows
// marks and commitments.
TEST(DemoMarks, RealisticShareAndTheRulesHold) {
  auto dir = std::filesystem::temp_directory_path() / ("zg-demo-marks-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    auto db = store::open((dir / "d.db").string());
    store::migrate(*db);
    app::registerSettings();
    {
      auto c = db->acquire();
      orgs::ensureRoot(*c, "测试区委");
    }
    crypto::FieldCipher cipher(std::string(32, 'k'));
    demo::Options o;
    o.scale = "small";
    o.asOf = "2026-08-31";
    ASSERT_FALSE(demo::load(*db, cipher, o).skipped);
    Date asOf = *parseDate(o.asOf);
    auto r = demo::loadMarks(*db, o.seed, asOf);
    auto c = db->acquire();
    int64_t members = c->scalar("SELECT COUNT(*) FROM members WHERE active = 1")->asInt();
    EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM responsibility_marks")->asInt(), r.marks);
    EXPECT_GT(r.members, members / 10) << "a realistic share of members";
    EXPECT_LT(r.members, members * 6 / 10);
    EXPECT_GT(r.currentMarks, r.marks * 8 / 10);
    EXPECT_LT(r.currentMarks, r.marks);
    EXPECT_GT(r.commitments, r.members / 2);
    EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM responsibility_marks k JOIN members m ON m.id = k.member_id "
                        "WHERE m.active = 0 OR m.standing <> 'normal'")
                  ->asInt(),
              0);
    EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM responsibility_marks WHERE from_date > ? OR to_date < from_date OR "
                        "to_date > ?",
                        {asOf.iso(), asOf.iso()})
                  ->asInt(),
              0);
    int64_t branches = c->scalar("SELECT COUNT(*) FROM orgs WHERE kind IN ('branch','joint_branch')")->asInt();
    EXPECT_GT(r.branches, branches / 3);
    EXPECT_LT(r.branches, branches);
    for (const char* kind : {"pioneer_post", "responsibility_area", "model_household", "post_duty"})
      EXPECT_GT(c->scalar("SELECT COUNT(*) FROM responsibility_marks WHERE kind = ?", {std::string(kind)})->asInt(), 0)
          << kind;
    // The public page of the branch with the most marks shows its members.
    auto t = c->query(
        "SELECT p.token FROM branch_public_pages p JOIN members m ON m.org_id = p.org_id JOIN responsibility_marks k "
        "ON k.member_id = m.id GROUP BY p.token ORDER BY COUNT(*) DESC, p.token LIMIT 1");
    ASSERT_FALSE(t.empty());
    auto page = marks::publicPage(*c, t.front().text(0), asOf);
    EXPECT_GT(page.at("members").as_array().size(), 1u);
    // Same seed, same marks (apart from the random tokens): a second load is refused.
    EXPECT_THROW(demo::loadMarks(*db, o.seed, asOf), Error);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace zg
