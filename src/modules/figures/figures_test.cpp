// Figures 统计: every defined figure's cells agree with their records on the demo district
// (this covers the figures other modules define too); hand-counted cells on a small tree
// (dated placements, category on a date, age-band edges, mobile overdue, dues collected and
// owed); the routes' scope and period checks; the .xlsx read back.
#include "modules/figures/figures.h"

#include <gtest/gtest.h>

#include <map>

#include "../../../tests/unit/testing.h"
#include "app/demo.h"
#include "app/demo_activity.h"
#include "core/checks.h"
#include "platform/tabular.h"

namespace zg::figures {
namespace {

namespace bj = boost::json;

Query queryFor(store::Connection& c, int64_t orgId, const Date& from, const Date& to) {
  Query q;
  q.orgId = orgId;
  q.orgPath = c.query("SELECT path FROM orgs WHERE id = ?", {orgId}).front().text(0);
  q.scope = Scope(q.orgPath);
  q.from = from;
  q.to = to;
  return q;
}

// For every figure and cell: the records' total equals the count (and the amounts agree), a
// page holds min(limit, total) rows, and all rows together are `total` distinct ids.
int meanCells = 0, rateCells = 0;

void expectCellsMatchRecords(store::Connection& c, const Query& q, int& checkedCells, int64_t& counted) {
  for (auto& f : all()) {
    if (!f.cells || !f.records) continue;
    for (auto& cell : f.cells(c, q)) {
      SCOPED_TRACE(f.key + " / " + cell.key + " @ " + q.orgPath + " " + q.from.iso() + ".." + q.to.iso());
      auto page = f.records(c, q, cell.key, 0, 5);
      EXPECT_EQ(page.total, cell.count);
      EXPECT_EQ(static_cast<int64_t>(page.rows.size()), std::min<int64_t>(5, cell.count));
      auto every = f.records(c, q, cell.key, 0, -1);
      EXPECT_EQ(static_cast<int64_t>(every.rows.size()), cell.count);
      std::set<std::string> ids;
      for (auto& r : every.rows) ids.insert(bj::serialize(r.at("id")));
      EXPECT_EQ(static_cast<int64_t>(ids.size()), cell.count) << "a record listed twice";
      EXPECT_EQ(every.amountFen, cell.amountFen);
      if (cell.amountFen) {
        int64_t sum = 0;
        for (auto& col : every.columns)
          if (col.kind == "money")
            for (auto& r : every.rows) sum += r.at(col.key).as_int64();
        EXPECT_EQ(sum, *cell.amountFen);
      }
      // A mean's sum is the sum of the value its records show (checkable from the export).
      EXPECT_EQ(every.sum, cell.sum);
      if (cell.sum) {
        int64_t sum = 0;
        for (auto& r : every.rows) sum += r.at(every.meanKey).as_int64();
        EXPECT_EQ(sum, *cell.sum);
        ++meanCells;
      }
      // A rate names another cell of the same figure.
      if (!cell.rateOf.empty()) {
        auto all = f.cells(c, q);
        EXPECT_TRUE(std::any_of(all.begin(), all.end(), [&](const Cell& w) { return w.key == cell.rateOf; }));
        ++rateCells;
      }
      ++checkedCells;
      counted += cell.count;
    }
    EXPECT_THROW(f.records(c, q, "no-such-cell", 0, 5), Error);
  }
}

TEST(Figures, RateAndMeanAsThePageAndTheXlsxShowThem) {
  std::vector<Cell> cells{{"received", "受理", 3}, {"answered", "已答复或办结", 2, {}, "received"},
                          {"answer_days", "平均办理用时（天）", 2, {}, "", 7, "天"}, {"none", "无", 0},
                          {"of_none", "零", 0, {}, "none"}};
  auto j = cellJson(cells[1], cells);
  EXPECT_EQ(j.at("rateOf").as_string(), "received");
  EXPECT_EQ(j.at("permille").as_int64(), 666);  // 2/3 rounded down
  EXPECT_FALSE(j.contains("sum"));
  EXPECT_EQ(extraText(cells[1], cells), "占受理 66.6%");
  auto m = cellJson(cells[2], cells);
  EXPECT_EQ(m.at("sum").as_int64(), 7);
  EXPECT_EQ(m.at("meanTenths").as_int64(), 35);
  EXPECT_EQ(m.at("unit").as_string(), "天");
  EXPECT_FALSE(m.contains("rateOf"));
  EXPECT_EQ(extraText(cells[2], cells), "平均 3.5 天");
  EXPECT_TRUE(cellJson(cells[4], cells).at("permille").is_null());  // of a cell counting 0
  EXPECT_EQ(extraText(cells[4], cells), "占无 —");
  EXPECT_EQ(extraText(cells[0], cells), "");
  EXPECT_FALSE(cellJson(cells[0], cells).contains("permille"));
}

TEST(Figures, EveryCellEqualsItsRecordsOnTheDemoDistrict) {
  testing::TestApp t;
  demo::Options o;
  o.scale = "small";
  o.asOf = "2026-06-30";
  demo::load(*t.db, crypto::FieldCipher(std::string(32, 'k')), o);
  demo::loadActivity(*t.db, o.seed, *parseDate(o.asOf));
  auto c = t.db->acquire();
  int64_t street = c->query("SELECT id FROM orgs WHERE depth = 1 ORDER BY id LIMIT 1").front().i64(0);
  int cells = 0;
  int64_t counted = 0;
  for (int64_t org : {int64_t{1}, street}) {
    expectCellsMatchRecords(*c, queryFor(*c, org, {2026, 1, 1}, {2026, 7, 1}), cells, counted);
    expectCellsMatchRecords(*c, queryFor(*c, org, {2025, 10, 1}, {2026, 1, 1}), cells, counted);
  }
  EXPECT_GT(cells, 60);
  EXPECT_GT(counted, 1000) << "the demo should give the figures something to count";
  EXPECT_GT(meanCells, 0) << "problems.flow·answer_days carries a mean";
  EXPECT_GE(rateCells, 4 * 4) << "grid.coverage and problems.flow carry rates";
  // The members by category add up to the district's members placed on the day.
  auto q = queryFor(*c, 1, {2026, 1, 1}, {2026, 7, 1});
  int64_t byCategory = 0;
  for (auto& x : find("members.by_category").cells(*c, q)) byCategory += x.count;
  EXPECT_EQ(byCategory, c->query("SELECT COUNT(*) FROM members WHERE joined_on <= '2026-06-30' AND (active = 1 OR "
                                 "removed_on > '2026-06-30')")
                            .front()
                            .i64(0));
  // Every figure marked as a partition of the members adds up to the same total.
  for (auto& f : all()) {
    if (!f.key.starts_with("members.") || !f.partition) continue;
    int64_t sum = 0;
    for (auto& x : f.cells(*c, q)) sum += x.count;
    EXPECT_EQ(sum, byCategory) << f.key;
  }
  EXPECT_FALSE(find("members.by_status").partition);
}

struct Tree {
  testing::TestApp t;
  int64_t street1 = 0, street2 = 0, branch1 = 0, branch2 = 0, branch3 = 0;

  int64_t member(int64_t orgId, int seq, const std::string& birth, const std::string& category,
                 const std::string& joinedOn, const std::string& fullOn = "", const std::string& education = "") {
    bj::object b{{"name", "党员" + std::to_string(seq)},
                 {"idNumber", testing::idNumber(seq, birth)},
                 {"category", category},
                 {"orgId", orgId},
                 {"joinedOn", joinedOn}};
    if (!fullOn.empty()) b["fullOn"] = fullOn;
    if (!education.empty()) b["education"] = education;
    auto r = t.call("POST", "/api/members", b);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.status == 201 ? r.body.at("id").as_int64() : 0;
  }

  Tree() {
    t.login("admin", "Admin1234");
    street1 = t.createOrg(1, "甲街道党工委", "street_committee");
    street2 = t.createOrg(1, "乙街道党工委", "street_committee");
    branch1 = t.createOrg(street1, "甲一党支部", "branch", "community");
    branch2 = t.createOrg(street1, "甲二党支部", "branch", "community");
    branch3 = t.createOrg(street2, "乙一党支部", "branch", "community");
    auto c = t.db->acquire();
    store::Transaction tx(*c);
    auth::createUser(*c, auth::Actor::system(), "jd1", "甲街道", auth::Role::Street, street1, "Street1234");
    tx.commit();
  }

  std::map<std::string, int64_t> cells(const std::string& figure, int64_t org, const Date& from, const Date& to) {
    auto c = t.db->acquire();
    std::map<std::string, int64_t> out;
    for (auto& x : find(figure).cells(*c, queryFor(*c, org, from, to))) out[x.key] = x.count;
    return out;
  }
  std::map<std::string, int64_t> amounts(const std::string& figure, int64_t org, const Date& from, const Date& to) {
    auto c = t.db->acquire();
    std::map<std::string, int64_t> out;
    for (auto& x : find(figure).cells(*c, queryFor(*c, org, from, to))) out[x.key] = x.amountFen.value_or(-1);
    return out;
  }
};

TEST(Figures, MembersCountedAsOfThePeriodsLastDay) {
  Tree f;
  // Ages on 2025-12-31: 30 (≤30), exactly 31 (31–40), 45, 71 (>70).
  int64_t young = f.member(f.branch1, 1, "19950715", "full", "2016-07-01", "2017-07-01", "大学本科");
  f.member(f.branch1, 2, "19941231", "full", "2018-07-01", "2019-07-01", "研究生");
  int64_t mover = f.member(f.branch2, 3, "19800101", "full", "2004-07-01", "2024-06-01", "大学本科");
  f.member(f.branch1, 4, "19541231", "full", "1975-07-01", "1976-07-01");
  f.member(f.branch3, 5, "19800101", "full", "2000-07-01", "2001-07-01", "高中");
  // The mover leaves street 1 for street 2 on 2026-03-01.
  auto r = f.t.call("POST", "/api/members/" + std::to_string(mover) + "/move",
                    bj::object{{"orgId", f.branch3}, {"effectiveOn", "2026-03-01"}, {"reason", "工作调动"}});
  ASSERT_EQ(r.status, 200) << r.raw;

  Date y25{2025, 1, 1}, y26{2026, 1, 1}, q2{2026, 4, 1};
  // Street 1 in 2025: four members, the mover still there.
  auto cat = f.cells("members.by_category", f.street1, y25, y26);
  EXPECT_EQ(cat["full"], 4);
  EXPECT_EQ(cat["probationary"], 0);
  // In 2024 (as of 2024-12-31) the mover was probationary still (full on 2024-06-01? no: full
  // since 2024-06-01, so full); in 2023 he was probationary.
  EXPECT_EQ(f.cells("members.by_category", f.street1, {2023, 1, 1}, {2024, 1, 1})["probationary"], 1);
  EXPECT_EQ(f.cells("members.by_category", f.street1, {2024, 1, 1}, y25)["probationary"], 0);
  // Q1 2026 ends 2026-03-31: the mover counts in street 2 now, not in street 1.
  EXPECT_EQ(f.cells("members.by_category", f.street1, y26, q2)["full"], 3);
  EXPECT_EQ(f.cells("members.by_category", f.street2, y26, q2)["full"], 2);
  EXPECT_EQ(f.cells("members.by_category", f.street2, y25, y26)["full"], 1);
  // Before anyone joined: nothing.
  EXPECT_EQ(f.cells("members.by_category", 1, {1970, 1, 1}, {1971, 1, 1})["full"], 0);

  auto age = f.cells("members.by_age", f.street1, y25, y26);
  EXPECT_EQ(age["le30"], 1);
  EXPECT_EQ(age["31-40"], 1);
  EXPECT_EQ(age["41-50"], 1);
  EXPECT_EQ(age["51-60"], 0);
  EXPECT_EQ(age["gt70"], 1);
  EXPECT_EQ(age["unknown"], 0);
  // A day earlier the 31-year-old was 30.
  EXPECT_EQ(f.cells("members.by_age", f.street1, y25, {2025, 12, 31})["le30"], 2);

  auto edu = f.cells("members.by_education", f.street1, y25, y26);
  EXPECT_EQ(edu["大学本科"], 2);
  EXPECT_EQ(edu["研究生"], 1);
  EXPECT_EQ(edu["unknown"], 1);

  auto dec = f.cells("members.by_joining_decade", f.street1, y25, y26);
  EXPECT_EQ(dec["1970s"], 1);
  EXPECT_EQ(dec["2000s"], 1);
  EXPECT_EQ(dec["2010s"], 2);
  EXPECT_EQ(dec.count("1990s"), 0u) << "empty decades are left out";

  // Status: a mobile outflow since 2025-01-01, never contacted: overdue on 2025-12-31.
  r = f.t.call("POST", "/api/mobile/records",
               bj::object{{"memberId", young}, {"direction", "outflow"}, {"place", "广东省深圳市"}, {"sinceDate", "2025-01-01"}});
  ASSERT_EQ(r.status, 201) << r.raw;
  int64_t rec = r.body.at("id").as_int64();
  EXPECT_EQ(f.cells("members.by_status", f.street1, y25, y26)["mobile"], 1);
  EXPECT_EQ(f.cells("members.by_status", f.street1, y25, y26)["normal"], 4);
  EXPECT_EQ(f.cells("members.by_status", f.street1, {2024, 1, 1}, y25)["mobile"], 0);
  EXPECT_EQ(f.cells("mobile.members", f.street1, y25, y26)["outflow"], 1);
  // 2025-01-01 + 90 days = 2025-04-01: not yet overdue on that day, overdue the day after.
  EXPECT_EQ(f.cells("mobile.contacts", f.street1, {2025, 1, 1}, {2025, 4, 2})["overdue"], 0);
  EXPECT_EQ(f.cells("mobile.contacts", f.street1, {2025, 1, 1}, {2025, 4, 3})["overdue"], 1);
  r = f.t.call("POST", "/api/mobile/records/" + std::to_string(rec) + "/contacts",
               bj::object{{"contactedOn", "2025-11-01"}, {"channel", "电话"}});
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(f.cells("mobile.contacts", f.street1, y25, y26)["overdue"], 0);
  EXPECT_EQ(f.cells("mobile.contacts", f.street1, y25, y26)["in_touch"], 1);
  // The contact came after 2025-06-30: on that day the record was overdue.
  EXPECT_EQ(f.cells("mobile.contacts", f.street1, y25, {2025, 7, 1})["overdue"], 1);
  EXPECT_EQ(f.cells("mobile.members", f.street2, y25, y26)["outflow"], 0);
}

TEST(Figures, DuesCollectedAndOwed) {
  Tree f;
  int64_t m = f.member(f.branch1, 1, "19800101", "full", "2004-07-01", "2005-07-01");
  auto r = f.t.call("PUT", "/api/dues/members/" + std::to_string(m) + "/base",
                    bj::object{{"kind", "fixed"}, {"amountFen", 1000}, {"fromMonth", "2025-01"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  for (auto [month, paidOn] : {std::pair{"2025-01", "2025-01-15"}, std::pair{"2025-02", "2025-04-10"}}) {
    r = f.t.call("POST", "/api/dues/payments",
                 bj::object{{"memberId", m}, {"month", month}, {"amountFen", 1000}, {"paidOn", paidOn}});
    ASSERT_EQ(r.status, 201) << r.raw;
  }
  Date y25{2025, 1, 1}, y26{2026, 1, 1};
  auto n = f.cells("dues.collected", f.street1, y25, y26);
  auto a = f.amounts("dues.collected", f.street1, y25, y26);
  EXPECT_EQ(n["all"], 2);
  EXPECT_EQ(a["all"], 2000);
  EXPECT_EQ(n["current"], 1);
  EXPECT_EQ(n["back"], 1);
  EXPECT_EQ(f.cells("dues.collected", f.street1, {2025, 4, 1}, {2025, 5, 1})["all"], 1);
  EXPECT_EQ(f.cells("dues.collected", f.street2, y25, y26)["all"], 0);
  // Owed on 2025-12-31: March to November, 9 months of 10 yuan (December is still payable that
  // day); the last 9 unpaid in a row.
  auto owed = f.amounts("dues.owed", f.street1, y25, y26);
  EXPECT_EQ(f.cells("dues.owed", f.street1, y25, y26)["owing"], 1);
  EXPECT_EQ(owed["owing"], 9000);
  EXPECT_EQ(owed["flagged"], 9000);
  // On 2025-03-31 February was not paid yet (paid 2025-04-10): February owed, March payable.
  EXPECT_EQ(f.amounts("dues.owed", f.street1, {2025, 3, 1}, {2025, 4, 1})["owing"], 1000);
  EXPECT_EQ(f.cells("dues.owed", f.street1, {2025, 3, 1}, {2025, 4, 1})["flagged"], 0);
  auto c = f.t.db->acquire();
  auto recs = find("dues.owed").records(*c, queryFor(*c, f.street1, y25, y26), "owing", 0, 10);
  ASSERT_EQ(recs.rows.size(), 1u);
  EXPECT_EQ(recs.rows[0].at("monthsOwed").as_int64(), 9);
  EXPECT_EQ(recs.rows[0].at("firstMonth").as_string(), "2025-03");
}

TEST(Figures, RoutesScopePeriodAndXlsx) {
  Tree f;
  f.member(f.branch1, 1, "19800101", "full", "2004-07-01", "2005-07-01", "大学本科");
  f.member(f.branch1, 2, "19900101", "probationary", "2025-09-01");
  f.member(f.branch3, 3, "19800101", "full", "2004-07-01", "2005-07-01");

  auto page = f.t.call("GET", "/api/figures?orgId=" + std::to_string(f.street1) + "&period=year&year=2025");
  ASSERT_EQ(page.status, 200) << page.raw;
  EXPECT_EQ(page.body.at("period").at("from").as_string(), "2025-01-01");
  EXPECT_EQ(page.body.at("period").at("to").as_string(), "2026-01-01");
  EXPECT_EQ(page.body.at("period").at("asOf").as_string(), "2025-12-31");
  EXPECT_EQ(page.body.at("period").at("label").as_string(), "2025年");
  auto& g0 = page.body.at("groups").as_array().at(0).as_object();
  EXPECT_EQ(g0.at("title").as_string(), "党员队伍");
  auto& cat = g0.at("figures").as_array().at(0).as_object();
  EXPECT_EQ(cat.at("key").as_string(), "members.by_category");
  EXPECT_EQ(cat.at("cells").as_array().at(0).at("count").as_int64(), 1);
  EXPECT_EQ(cat.at("cells").as_array().at(1).at("count").as_int64(), 1);

  std::string q = "&orgId=" + std::to_string(f.street1) + "&period=quarter&year=2025&quarter=4";
  auto recs = f.t.call("GET", "/api/figures/records?figure=members.by_category&cell=probationary" + q);
  ASSERT_EQ(recs.status, 200) << recs.raw;
  EXPECT_EQ(recs.body.at("total").as_int64(), 1);
  EXPECT_EQ(recs.body.at("items").as_array().at(0).at("name").as_string(), "党员2");
  EXPECT_EQ(recs.body.at("columns").as_array().at(0).at("title").as_string(), "姓名");

  // Periods: month, custom, and bad ones naming the parameter.
  auto month = f.t.call("GET", "/api/figures?period=month&month=2025-02");
  ASSERT_EQ(month.status, 200) << month.raw;
  EXPECT_EQ(month.body.at("period").at("to").as_string(), "2025-03-01");
  auto custom = f.t.call("GET", "/api/figures?period=custom&from=2025-01-05&to=2025-02-10");
  ASSERT_EQ(custom.status, 200) << custom.raw;
  EXPECT_EQ(custom.body.at("period").at("asOf").as_string(), "2025-02-09");
  for (auto [bad, field] : {std::pair{"period=custom&from=2025-02-10&to=2025-02-10", "to"},
                            std::pair{"period=custom&from=2025-13-01&to=2026-01-01", "from"},
                            std::pair{"period=quarter&year=2025&quarter=5", "quarter"},
                            std::pair{"period=month&month=2025-2", "month"}, std::pair{"period=week", "period"}}) {
    auto e = f.t.call("GET", std::string("/api/figures?") + bad);
    EXPECT_EQ(e.status, 400) << bad;
    EXPECT_EQ(e.body.at("field").as_string(), field) << bad;
  }
  EXPECT_EQ(f.t.call("GET", "/api/figures/records?figure=members.nope&cell=x").status, 404);
  EXPECT_EQ(f.t.call("GET", "/api/figures/records?figure=members.by_category&cell=nope").status, 400);

  // The whole page as .xlsx: org and period at the top, the counts readable.
  auto x = f.t.call("GET", "/api/figures/export?orgId=" + std::to_string(f.street1) + "&period=year&year=2025");
  ASSERT_EQ(x.status, 200);
  auto sheet = tabular::readXlsx(x.raw);
  ASSERT_GT(sheet.rows.size(), 10u);
  EXPECT_EQ(sheet.rows[1][1], "甲街道党工委");
  EXPECT_NE(sheet.rows[2][1].find("2025年"), std::string::npos);
  std::map<std::string, std::string> byLabel;
  bool inCategory = false;
  for (auto& row : sheet.rows) {
    if (!row.empty() && row[0] == "按党员类别") inCategory = true;
    else if (!row.empty() && !row[0].starts_with("  ")) inCategory = false;
    if (inCategory && row.size() > 1) byLabel[row[0]] = row[1];
  }
  EXPECT_EQ(byLabel["  正式党员"], "1");
  EXPECT_EQ(byLabel["  预备党员"], "1");
  // One cell's records as .xlsx: a header and the rows.
  auto rx = f.t.call("GET", "/api/figures/records/export?figure=members.by_category&cell=full&orgId=1&period=year&year=2025");
  ASSERT_EQ(rx.status, 200);
  auto rs = tabular::readXlsx(rx.raw);
  ASSERT_EQ(rs.rows.size(), 3u);
  EXPECT_EQ(rs.rows[0][0], "姓名");
  EXPECT_EQ(rs.rows[1][0], "党员1");
  auto c = f.t.db->acquire();
  EXPECT_EQ(c->query("SELECT COUNT(*) FROM audit_log WHERE entity = 'figures' AND action = 'export'").front().i64(0), 2);

  // Scope: the street user sees street 1 and not street 2 (404), through every route.
  f.t.login("jd1", "Street1234");
  EXPECT_EQ(f.t.call("GET", "/api/figures").status, 200) << "defaults to the user's own organization";
  std::string other = "orgId=" + std::to_string(f.street2) + "&period=year&year=2025";
  EXPECT_EQ(f.t.call("GET", "/api/figures?" + other).status, 404);
  EXPECT_EQ(f.t.call("GET", "/api/figures/export?" + other).status, 404);
  EXPECT_EQ(f.t.call("GET", "/api/figures/records?figure=members.by_category&cell=full&" + other).status, 404);
  EXPECT_EQ(f.t.call("GET", "/api/figures/records/export?figure=members.by_category&cell=full&" + other).status, 404);
  EXPECT_EQ(f.t.call("GET", "/api/figures?orgId=1").status, 404) << "not the district either";
}

}  // namespace
}  // namespace zg::figures
