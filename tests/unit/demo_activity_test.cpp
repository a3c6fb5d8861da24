#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "app/app.h"
#include "app/demo.h"
#include "app/demo_activity.h"
#include "core/error.h"
#include "modules/dues/dues.h"
#include "modules/mobile/mobile.h"
#include "modules/orgs/orgs.h"
#include "platform/audit.h"

namespace zg {
namespace {

// The demo's year of activity obeys the rules it is meant to show: every payment is the
// month's due under the base, no payment is for a month before the member owed, a few members
// are six months behind, every mobile record belongs to a member flagged mobile, and some
// contacts are overdue at the default interval.
TEST(DemoActivity, FollowsTheDuesAndMobileRules) {
  auto dir = std::filesystem::temp_directory_path() / ("zg-demo-act-" + std::to_string(::getpid()));
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
    o.asOf = "2026-06-30";
    ASSERT_FALSE(demo::load(*db, cipher, o).skipped);
    Date asOf = *parseDate("2026-06-30");
    auto a = demo::loadActivity(*db, o.seed, asOf);
    EXPECT_GT(a.duesBases, 1000);
    EXPECT_GT(a.payments, a.duesBases * 5);
    EXPECT_GT(a.mobilityRecords, 0);

    auto c = db->acquire();
    dues::Rules rules = dues::rules(*c);
    std::map<int64_t, std::pair<dues::Base, std::string>> bases;
    for (auto r : c->query("SELECT member_id, kind, base_fen, amount_fen, from_month FROM dues_bases"))
      bases[r.i64(0)] = {dues::Base{r.text(1), r.i64(2), r.i64(3)}, r.text(4)};
    int checked = 0;
    for (auto r : c->query("SELECT member_id, month, amount_fen, paid_on FROM dues_payments")) {
      auto& [base, from] = bases.at(r.i64(0));
      ASSERT_EQ(r.i64(2), dues::monthlyDue(rules, base)) << "member " << r.i64(0) << " month " << r.text(1);
      ASSERT_GE(r.text(1), from);
      ASSERT_LE(r.text(3), asOf.iso());
      ++checked;
    }
    EXPECT_EQ(checked, a.payments);
    // Some members are flagged by the six-month rule, but only a few.
    int flagged = 0;
    for (const auto& m : dues::load(*c, Scope::all())) {
      std::vector<dues::MonthState> months;
      for (dues::Month mo = dues::monthOf(asOf) - 11; mo < dues::monthOf(asOf); ++mo)
        months.push_back(dues::stateOf(rules, m, mo));
      if (dues::trailingUnpaid(months) >= rules.flagMonths) ++flagged;
    }
    EXPECT_GT(flagged, 0);
    EXPECT_LT(flagged, a.duesBases / 10);
    EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM mobility_records r JOIN members m ON m.id = r.member_id WHERE m.mobile = 0")->asInt(), 0);
    EXPECT_FALSE(mobile::overdue(*c, Scope::all(), asOf, 90).empty());
    // In-service members registered with a community of their own street, never twice at once.
    EXPECT_GT(a.registrations, 0);
    EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM community_registrations r JOIN members m ON m.id = r.member_id "
                        "JOIN orgs o ON o.id = r.community_org_id "
                        "WHERE substr(m.org_path, 1, length(o.path) - length(o.id) - 1) <> substr(o.path, 1, length(o.path) - length(o.id) - 1)")
                  ->asInt(),
              0);
    EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM (SELECT member_id FROM community_registrations WHERE ended_on IS NULL "
                        "GROUP BY member_id HAVING COUNT(*) > 1) x")
                  ->asInt(),
              0);
    EXPECT_TRUE(audit::verify(*c).ok);
    // A second run refuses rather than doubling the data.
    EXPECT_THROW(demo::loadActivity(*db, o.seed, asOf), Error);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace zg
