// The demo's democratic evaluation: last year's campaigns closed and complete (every member
// graded, every 差 member with helper and talk, 好 within the share), this year's partly open.
#include "app/demo_evaluation.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "app/demo.h"
#include "core/error.h"
#include "platform/audit.h"
#include "platform/crypto.h"

namespace zg::demo {
namespace {

struct Loaded {
  std::string dir;
  std::unique_ptr<store::Database> db;
  EvaluationResult r;
  explicit Loaded(uint64_t seed) {
    char tmpl[] = "/tmp/zg_demo_eval_XXXXXX";
    dir = mkdtemp(tmpl);
    db = store::open(dir + "/demo.db", 2);
    store::migrate(*db);
    Options o;
    o.seed = seed;
    o.scale = "small";
    o.asOf = "2026-06-30";
    load(*db, crypto::FieldCipher(std::string(32, 'k')), o);
    r = loadEvaluation(*db, seed, *parseDate("2026-06-30"));
  }
  ~Loaded() {
    db.reset();
    std::filesystem::remove_all(dir);
  }
  int64_t count(const std::string& sql) { return db->acquire()->scalar(sql)->asInt(); }
};

TEST(DemoEvaluation, LastYearClosedAndCompleteThisYearPartlyOpen) {
  Loaded d(7);
  int64_t branches = d.count("SELECT COUNT(*) FROM orgs WHERE kind IN ('branch','joint_branch') AND dissolved_on IS NULL");
  EXPECT_GT(d.r.campaigns, 0);
  EXPECT_GT(d.r.open, 0);
  EXPECT_EQ(d.count("SELECT COUNT(*) FROM evaluation_campaigns"), d.r.campaigns);
  EXPECT_EQ(d.count("SELECT COUNT(*) FROM evaluation_entries"), d.r.entries);
  // Most branches held last year's (2025) evaluation; all of those are closed.
  int64_t last = d.count("SELECT COUNT(*) FROM evaluation_campaigns WHERE year = 2025");
  EXPECT_GT(last * 10, branches * 7);
  EXPECT_EQ(d.count("SELECT COUNT(*) FROM evaluation_campaigns WHERE year = 2025 AND closed_on IS NULL"), 0);
  EXPECT_EQ(d.count("SELECT COUNT(*) FROM evaluation_campaigns WHERE year = 2026 AND closed_on IS NULL"), d.r.open);
  // Closed campaigns meet the closing rules.
  EXPECT_EQ(d.count("SELECT COUNT(*) FROM evaluation_entries e JOIN evaluation_campaigns k ON k.id = e.campaign_id "
                    "WHERE k.closed_on IS NOT NULL AND (e.grade IS NULL OR (e.grade = 'poor' AND (e.helper_member_id "
                    "IS NULL OR e.talk_on IS NULL OR e.talk_content IS NULL)))"),
            0);
  EXPECT_GT(d.r.poor, 0);
  EXPECT_GT(d.r.good, d.r.poor);
  // 好 at most 40% of each campaign.
  EXPECT_EQ(d.count("SELECT COUNT(*) FROM evaluation_campaigns k WHERE (SELECT COUNT(*) FROM evaluation_entries e "
                    "WHERE e.campaign_id = k.id AND e.grade = 'good') * 100 > (SELECT COUNT(*) FROM "
                    "evaluation_entries e WHERE e.campaign_id = k.id) * 40"),
            0);
  // Each entry's member was placed in the campaign's branch on the opening day; dates in order.
  EXPECT_EQ(d.count("SELECT COUNT(*) FROM evaluation_entries e JOIN evaluation_campaigns k ON k.id = e.campaign_id "
                    "WHERE NOT EXISTS (SELECT 1 FROM member_placements p WHERE p.member_id = e.member_id AND p.org_id "
                    "= k.org_id AND p.from_date <= k.opened_on AND (p.to_date IS NULL OR p.to_date > k.opened_on))"),
            0);
  EXPECT_EQ(d.count("SELECT COUNT(*) FROM evaluation_campaigns WHERE opened_on > '2026-06-30' OR closed_on > "
                    "'2026-06-30' OR closed_on < opened_on"),
            0);
  // A second load is refused; the audit chain holds.
  EXPECT_THROW(loadEvaluation(*d.db, 7, *parseDate("2026-06-30")), Error);
  auto c = d.db->acquire();
  EXPECT_TRUE(audit::verify(*c).ok);
}

TEST(DemoEvaluation, SameSeedSameCampaigns) {
  Loaded a(11), b(11);
  EXPECT_EQ(a.r.campaigns, b.r.campaigns);
  EXPECT_EQ(a.r.good, b.r.good);
  EXPECT_EQ(a.r.poor, b.r.poor);
  EXPECT_EQ(a.r.entries, b.r.entries);
}

}  // namespace
}  // namespace zg::demo
