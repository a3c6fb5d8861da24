// The demo's year of transfers obeys the module's rules: every member is in exactly one branch
// (one open placement per active member, none for members transferred out), completed
// transfers within the district placed the member in the receiving branch from the completion
// day, open cases keep the member in the sending branch, some letters are overdue, and the same
// seed gives the same data.
#include "app/demo_transfer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "app/app.h"
#include "app/demo.h"
#include "app/demo_activity.h"
#include "modules/orgs/orgs.h"
#include "modules/transfer/transfer.h"

namespace zg {
namespace {

struct Loaded {
  std::unique_ptr<store::Database> db;
  demo::TransferResult r;
};

Loaded load(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  Loaded l;
  l.db = store::open((dir / "d.db").string());
  store::migrate(*l.db);
  app::registerSettings();
  {
    auto c = l.db->acquire();
    orgs::ensureRoot(*c, "测试区委");
  }
  crypto::FieldCipher cipher(std::string(32, 'k'));
  demo::Options o;
  o.scale = "small";
  o.asOf = "2026-06-30";
  EXPECT_FALSE(demo::load(*l.db, cipher, o).skipped);
  Date asOf = *parseDate("2026-06-30");
  demo::loadActivity(*l.db, o.seed, asOf);
  l.r = demo::loadTransfers(*l.db, o.seed, asOf);
  return l;
}

TEST(DemoTransfer, AYearOfTransfersKeepsEveryMemberInExactlyOneBranch) {
  auto dir = std::filesystem::temp_directory_path() / ("zg-demo-tr-" + std::to_string(::getpid()));
  {
    Loaded l = load(dir / "a");
    auto& r = l.r;
    EXPECT_GE(r.completedWithin, 5);
    EXPECT_GE(r.completedOut, 2);
    EXPECT_GE(r.open, 6);
    EXPECT_EQ(r.overdue, 3);
    EXPECT_GE(r.closedOther, 2);
    auto c = l.db->acquire();
    // Exactly one open placement per active member, in the member's branch; none for the others.
    EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM members m WHERE m.active = 1 AND (SELECT COUNT(*) FROM member_placements p "
                        "WHERE p.member_id = m.id AND p.to_date IS NULL AND p.org_id = m.org_id) <> 1")
                  ->asInt(),
              0);
    EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM member_placements p JOIN members m ON m.id = p.member_id WHERE "
                        "m.active = 0 AND p.to_date IS NULL")
                  ->asInt(),
              0);
    // Completed within: the member is in the receiving branch from the completion day.
    EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM transfer_cases t WHERE t.direction = 'within' AND t.state = 'completed' "
                        "AND NOT EXISTS (SELECT 1 FROM member_placements p WHERE p.member_id = t.member_id AND "
                        "p.org_id = t.to_org_id AND p.from_date = t.completed_on)")
                  ->asInt(),
              0);
    EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM transfer_cases t JOIN members m ON m.id = t.member_id WHERE t.direction = "
                        "'out' AND t.state = 'completed' AND (m.active = 1 OR m.removed_reason <> '转出')")
                  ->asInt(),
              0);
    // Open cases: the member is still active in the sending branch.
    EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM transfer_cases t JOIN members m ON m.id = t.member_id WHERE t.state IN "
                        "('started','sent','received') AND (m.active = 0 OR m.org_id <> t.from_org_id)")
                  ->asInt(),
              0);
    EXPECT_EQ(transfer::overdue(*c, Scope::all(), *parseDate("2026-06-30")).size(), 3u);
    // Every case has a code and a timeline that starts with "started".
    EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM transfer_cases WHERE code IS NULL")->asInt(), 0);
    EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM transfer_cases t WHERE NOT EXISTS (SELECT 1 FROM transfer_events e WHERE "
                        "e.case_id = t.id AND e.state = 'started')")
                  ->asInt(),
              0);
    // Deterministic for the seed and date.
    Loaded again = load(dir / "b");
    auto c2 = again.db->acquire();
    auto sig = [](store::Connection& x) {
      std::string s;
      for (auto row : x.query("SELECT code, check_code, state, member_id, to_org_id, completed_on FROM transfer_cases "
                              "ORDER BY id"))
        for (size_t i = 0; i < row.size(); ++i) s += row[i].asText() + "|";
      return s;
    };
    EXPECT_EQ(sig(*c), sig(*c2));
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace zg
