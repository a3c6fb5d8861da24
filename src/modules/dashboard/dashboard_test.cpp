// Dashboard 概览: on the demo district, every KPI equals the figures cell it names, the monthly
// series add up to their cards, the children's households add up to the organization's, and a
// community's children are its areas.
#include "modules/dashboard/dashboard.h"

#include <gtest/gtest.h>

#include "../../../tests/unit/testing.h"
#include "app/demo.h"
#include "app/demo_activity.h"
#include "app/demo_grid.h"
#include "app/demo_problems.h"
#include "app/demo_visits.h"

namespace zg::dashboard {
namespace {

namespace bj = boost::json;

int64_t cellOf(store::Connection& c, const orgs::Org& o, const figures::Period& p, const std::string& fig,
               const std::string& cell) {
  figures::Query q;
  q.orgId = o.id;
  q.orgPath = o.path;
  q.scope = Scope(o.path);
  q.from = p.from;
  q.to = p.to;
  for (auto& x : figures::find(fig).cells(c, q))
    if (x.key == cell) return x.count;
  ADD_FAILURE() << fig << "·" << cell << " missing";
  return -1;
}

TEST(Dashboard, KpisEqualFiguresAndSeriesAddUp) {
  testing::TestApp t;
  demo::Options o;
  o.scale = "small";
  o.asOf = "2026-06-30";
  demo::load(*t.db, crypto::FieldCipher(std::string(32, 'k')), o);
  Date asOf = *parseDate(o.asOf);
  demo::loadGrid(*t.db, t.app->cipher, o.seed, asOf);
  demo::loadVisits(*t.db, o.seed, asOf);
  demo::loadProblems(*t.db, t.app->cipher, o.seed, asOf);
  auto c = t.db->acquire();
  int64_t street = c->query("SELECT id FROM orgs WHERE depth = 1 ORDER BY id LIMIT 1").front().i64(0);
  // A community of the street with households (its areas are its children).
  int64_t community = c->query("SELECT MIN(h.org_id) FROM households h JOIN orgs o ON o.id = h.org_id WHERE o.path LIKE "
                               "(SELECT path FROM orgs WHERE id = ?) || '%'",
                               {street})
                          .front()
                          .i64(0);
  figures::Period p{"year", {2026, 1, 1}, {2027, 1, 1}, "2026年"};
  int64_t problems = 0;
  for (int64_t id : {int64_t{1}, street, community}) {
    orgs::Org org = orgs::require(*c, Scope::all(), id);
    SCOPED_TRACE(org.name);
    bj::object d = grid(*c, org, p);
    auto& k = d.at("kpis").as_object();
    for (auto& [name, v] : k) {
      auto& kv = v.as_object();
      EXPECT_EQ(kv.at("count").as_int64(), cellOf(*c, org, p, kv.at("figure").as_string().c_str(),
                                                   kv.at("key").as_string().c_str()))
          << name;
    }
    EXPECT_EQ(k.size(), 10u);
    // Rates: with_contact of households, permille rounded down.
    int64_t hh = k.at("households").at("count").as_int64(), wc = k.at("withContact").at("count").as_int64();
    if (hh > 0) EXPECT_EQ(k.at("withContact").at("permille").as_int64(), wc * 1000 / hh);
    // Monthly series add up to the cards; twelve months.
    auto& months = d.at("months").as_array();
    EXPECT_EQ(months.size(), 12u);
    int64_t visits = 0, received = 0, answered = 0;
    for (auto& m : months) {
      visits += m.at("visits").as_int64();
      received += m.at("received").as_int64();
      answered += m.at("answered").as_int64();
    }
    EXPECT_EQ(visits, k.at("visits").at("count").as_int64());
    EXPECT_EQ(received, k.at("received").at("count").as_int64());
    EXPECT_EQ(answered, k.at("answered").at("count").as_int64());
    problems += received;
    // Children's households add up to the organization's (every household is in a child).
    int64_t sum = 0;
    for (auto& ch : d.at("children").as_array()) sum += ch.at("households").as_int64();
    EXPECT_EQ(sum, hh);
    EXPECT_GT(hh, 0);
    EXPECT_FALSE(d.at("children").as_array().empty());
    bool isCommunity = id == community;
    EXPECT_EQ(d.at("org").at("type").as_string(), isCommunity ? "community" : "org");
    if (d.at("children").as_array().empty()) continue;
    EXPECT_EQ(d.at("children").as_array().front().at("type").as_string(), isCommunity ? "area" : "org");
    auto& s = d.at("satisfaction").as_object();
    EXPECT_EQ(s.at("satisfied").as_int64(), cellOf(*c, org, p, "problems.flow", "satisfied"));
  }
  EXPECT_GT(problems, 0) << "the demo should have problems in 2026";
  // The mean days to answer: its records show the days, their sum is the cell's sum, and the
  // mean is that sum over the answered count (one decimal, half up).
  figures::Query q;
  q.orgId = 1;
  q.orgPath = orgs::require(*c, Scope::all(), 1).path;
  q.scope = Scope(q.orgPath);
  q.from = p.from;
  q.to = p.to;
  auto f = figures::find("problems.flow");
  auto cells = f.cells(*c, q);
  const figures::Cell* days = nullptr;
  for (auto& x : cells)
    if (x.key == "answer_days") days = &x;
  ASSERT_TRUE(days && days->sum);
  auto r = f.records(*c, q, "answer_days", 0, -1);
  int64_t sum = 0, answered = 0;
  for (auto& row : r.rows) {
    int64_t d = row.at("days").as_int64();
    auto rec = *parseDate(row.at("receivedOn").as_string().c_str()), ans = *parseDate(row.at("answeredOn").as_string().c_str());
    EXPECT_EQ(d, daysBetween(rec, ans));
    sum += d;
  }
  for (auto& x : cells)
    if (x.key == "answered") answered = x.count;
  EXPECT_GT(answered, 0);
  EXPECT_EQ(days->count, answered);
  EXPECT_EQ(sum, *days->sum);
  EXPECT_EQ(r.sum, days->sum);
  EXPECT_EQ(r.meanKey, "days");
  EXPECT_EQ(figures::meanTenths(sum, answered), (sum * 20 / answered + 1) / 2);
}

}  // namespace
}  // namespace zg::dashboard
