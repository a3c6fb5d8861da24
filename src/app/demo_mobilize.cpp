#include "app/demo_mobilize.h"

#include "core/error.h"
#include "modules/mobilize/mobilize.h"
#include "platform/auth.h"
#include "platform/scope.h"

namespace zg::demo {

MobilizeResult loadMobilizations(store::Database& db, const crypto::FieldCipher& cipher, uint64_t seed,
                                 const Date& asOf) {
  (void)seed;  // the teams follow from the grid, which the seed made
  MobilizeResult out;
  mobilize::registerSettings();
  auto c = db.acquire();
  if (c->scalar("SELECT COUNT(*) FROM mobilizations")->asInt() > 0)
    throw Error::conflict("exists", "演示动员数据已存在");
  auto streets = c->query(
      "SELECT id FROM orgs WHERE depth = 1 AND EXISTS (SELECT 1 FROM grid_areas a JOIN orgs o ON o.id = a.org_id "
      "WHERE o.path >= orgs.path AND o.path < substr(orgs.path, 1, length(orgs.path) - 1) || '0') "
      "ORDER BY path LIMIT 2");
  auth::Context ctx;
  ctx.user.displayName = "演示数据";
  ctx.user.username = "demo";
  ctx.scope = Scope::all();
  struct Plan {
    const char* title;
    const char* description;
    int64_t teamSize;
    int daysBefore;
    bool close;
  };
  const Plan plans[] = {
      {"抗雪救灾", "清扫小区道路和楼道积雪，走访独居老人、困难户，排查危旧房屋", 7, 300, true},
      {"防汛演练", "检查地下车库和低洼地段，联系重点户，熟悉转移路线", 8, 30, false},
  };
  store::Transaction tx(*c);
  for (size_t i = 0; i < streets.size() && i < 2; ++i) {
    const Plan& p = plans[i];
    mobilize::Input in;
    in.orgId = streets.row(i).i64(0);
    in.title = p.title;
    in.description = p.description;
    in.teamSize = p.teamSize;
    in.on = addDays(asOf, -p.daysBefore);
    int64_t id = mobilize::create(*c, ctx, cipher, in);
    std::string sentAt = addDays(asOf, -p.daysBefore).iso() + "T08:00:00.000+08:00";
    out.sent += static_cast<int>(c->exec(
        "UPDATE notify_outbox SET state = 'sent', attempts = 1, sent_at = ?, driver = 'log' "
        "WHERE ref_kind = 'mobilization' AND ref_id = ? AND phone_enc IS NOT NULL",
        {sentAt, id}));
    c->exec("UPDATE notify_outbox SET state = 'failed', attempts = 1, last_error = '无手机号', driver = 'log' "
            "WHERE ref_kind = 'mobilization' AND ref_id = ? AND state = 'pending'",
            {id});
    if (p.close) mobilize::end(*c, ctx, id, false, std::string("积雪已清，走访困难户全部到位"));
    auto r = c->query("SELECT teams_count, members_count FROM mobilizations WHERE id = ?", {id});
    out.teams += static_cast<int>(r.front().i64(0));
    out.members += static_cast<int>(r.front().i64(1));
    ++out.mobilizations;
  }
  tx.commit();
  return out;
}

}  // namespace zg::demo
