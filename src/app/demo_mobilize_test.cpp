// The demo mobilizations: two streets' worth, every contact member of each once, no message left
// pending (the server sends nothing on start), the snow one closed; not loaded twice.
#include "app/demo_mobilize.h"

#include <gtest/gtest.h>

#include "../../tests/unit/testing.h"
#include "app/demo.h"
#include "app/demo_grid.h"

namespace zg::demo {
namespace {

TEST(DemoMobilize, TwoStreetsEveryContactOnceNothingPending) {
  testing::TestApp t;
  Options o;
  o.scale = "small";
  load(*t.db, t.app->cipher, o);
  loadGrid(*t.db, t.app->cipher, o.seed, today());
  auto r = loadMobilizations(*t.db, t.app->cipher, o.seed, today());
  EXPECT_EQ(r.mobilizations, 2);
  EXPECT_GT(r.teams, 10);
  auto c = t.db->acquire();
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM mobilization_members")->asInt(), r.members);
  EXPECT_EQ(c->scalar("SELECT COUNT(DISTINCT mobilization_id * 1000000 + member_id) FROM mobilization_members")->asInt(),
            r.members);
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM notify_outbox WHERE ref_kind = 'mobilization'")->asInt(), r.members);
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM notify_outbox WHERE state = 'pending'")->asInt(), 0);
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM notify_outbox WHERE state = 'sent'")->asInt(), r.sent);
  EXPECT_GT(r.sent, r.members * 8 / 10);
  EXPECT_EQ(c->scalar("SELECT state FROM mobilizations WHERE title = '抗雪救灾'")->asText(), "closed");
  // Each street's mobilization holds exactly its current contact members.
  for (auto row : c->query("SELECT m.id, m.org_path, m.members_count FROM mobilizations m")) {
    Scope s(row.text(1));
    store::Params p;
    std::string w = s.where("o.path", p);
    int64_t contacts = c->scalar("SELECT COUNT(DISTINCT cm.member_id) FROM grid_contact_members cm JOIN grid_groups g ON "
                                 "g.id = cm.group_id JOIN grid_areas a ON a.id = g.area_id JOIN orgs o ON o.id = "
                                 "a.org_id JOIN members mm ON mm.id = cm.member_id WHERE cm.to_on IS NULL AND mm.active = 1 "
                                 "AND " + w,
                                 p)
                           ->asInt();
    EXPECT_EQ(row.i64(2), contacts);
  }
  EXPECT_THROW(loadMobilizations(*t.db, t.app->cipher, o.seed, today()), Error);
}

}  // namespace
}  // namespace zg::demo
