#include "modules/dues/dues.h"

#include <gtest/gtest.h>

#include <random>

#include "../../../tests/unit/testing.h"
#include "core/checks.h"

namespace zg::dues {
namespace {

namespace bj = boost::json;

// ---------------------------------------------------------------------------------------------
// Pure rules.

TEST(Dues, BracketsTable) {
  Rules r;  // the defaults = the settings' defaults
  struct Case {
    const char* kind;
    int64_t baseFen;
    int64_t amountFen;
    int64_t expectedFen;
  };
  const Case cases[] = {
      // employed: the bracket's rate applies to the whole base, rounded half up to the fen
      {"employed", 0, 0, 0},
      {"employed", 100, 0, 1},          // 0.50 fen → 1
      {"employed", 99, 0, 0},           // 0.495 fen → 0
      {"employed", 250000, 0, 1250},    // 2500 yuan × 0.5% = 12.50
      {"employed", 300000, 0, 1500},    // 3000 yuan: still 0.5%
      {"employed", 300001, 0, 3000},    // above 3000: 1% of the whole base (3000.01 → 30.0001)
      {"employed", 450050, 0, 4501},    // 4500.50 × 1% = 45.005 → 45.01 (half up)
      {"employed", 500000, 0, 5000},    // 5000 yuan: 1%
      {"employed", 500001, 0, 7500},    // 1.5% of 5000.01 = 75.00015 → 75.00
      {"employed", 1000000, 0, 15000},  // 10000 yuan: 1.5%
      {"employed", 1000001, 0, 20000},  // above 10000: 2% (200.0002 → 200.00)
      {"employed", 1234567, 0, 24691},  // 12345.67 × 2% = 246.9134 → 246.91
      // retirees: 0.5% up to 5000 yuan, 1% above
      {"retired", 300000, 0, 1500},
      {"retired", 500000, 0, 2500},
      {"retired", 500001, 0, 5000},
      // students: 0.2 yuan a month whatever the base
      {"student", 0, 0, 20},
      {"student", 999999, 0, 20},
      // no income / hardship: the fixed amount
      {"fixed", 0, 50, 50},
      {"fixed", 500000, 100, 100},
  };
  for (const auto& c : cases)
    EXPECT_EQ(monthlyDue(r, Base{c.kind, c.baseFen, c.amountFen}), c.expectedFen) << c.kind << " " << c.baseFen;

  // Every number is a setting: a changed bracket top moves the boundary.
  Rules r2;
  r2.employedMax1 = 350000;
  EXPECT_EQ(monthlyDue(r2, Base{"employed", 300001, 0}), 1500);
}

TEST(Dues, Months) {
  EXPECT_EQ(parseMonth("2024-01"), 2024 * 12);
  EXPECT_EQ(monthText(*parseMonth("2024-12")), "2024-12");
  EXPECT_EQ(*parseMonth("2025-01") - *parseMonth("2024-07"), 6);
  for (auto bad : {"2024-13", "2024-00", "2024-1", "202401", "2024/01", "abcd-01", ""})
    EXPECT_FALSE(parseMonth(bad)) << bad;
}

TEST(Dues, TrailingUnpaidStopsAtPaidExemptOrNotObliged) {
  auto m = [](bool obliged, bool paid, bool exempt) {
    MonthState s;
    s.obliged = obliged;
    s.paid = paid;
    s.exempt = exempt;
    return s;
  };
  std::vector<MonthState> v(6, m(true, false, false));
  EXPECT_EQ(trailingUnpaid(v), 6);
  v[2] = m(true, false, true);
  EXPECT_EQ(trailingUnpaid(v), 3);
  v[2] = m(true, true, false);
  EXPECT_EQ(trailingUnpaid(v), 3);
  v[4] = m(false, false, false);
  EXPECT_EQ(trailingUnpaid(v), 1);
}

// ---------------------------------------------------------------------------------------------
// Through the routes.


int64_t addMember(testing::TestApp& t, int64_t org, int seq, const std::string& joinedOn = "2005-07-01",
                  const std::string& category = "full") {
  bj::object m{{"name", "党员" + std::to_string(seq)},
               {"idNumber", testing::idNumber(seq)},
               {"category", category},
               {"orgId", org},
               {"joinedOn", joinedOn}};
  if (category == "full") m["fullOn"] = "2006-07-01";
  auto r = t.call("POST", "/api/members", m);
  EXPECT_EQ(r.status, 201) << r.raw;
  return r.body.at("id").as_int64();
}

Month thisMonth() { return monthOf(today()); }
std::string mt(Month m) { return monthText(m); }
std::string idPath(const char* prefix, int64_t id, const char* suffix = "") {
  return std::string(prefix) + std::to_string(id) + suffix;
}

testing::Reply setBase(testing::TestApp& t, int64_t member, const std::string& kind, int64_t fen, Month from) {
  bj::object b{{"kind", kind}, {"fromMonth", mt(from)}};
  b[kind == "fixed" ? "amountFen" : "baseFen"] = fen;
  return t.call("PUT", idPath("/api/dues/members/", member, "/base"), b);
}

testing::Reply pay(testing::TestApp& t, int64_t member, Month month, int64_t fen,
                   const std::string& paidOn = today().iso()) {
  return t.call("POST", "/api/dues/payments",
                bj::object{{"memberId", member}, {"month", mt(month)}, {"amountFen", fen}, {"paidOn", paidOn}});
}

struct World {
  testing::TestApp t;
  int64_t street1 = 0, street2 = 0, branchA = 0, branchB = 0, branchC = 0;
  World() {
    t.login("admin", "Admin1234");
    street1 = t.createOrg(1, "甲街道党工委", "street_committee");
    street2 = t.createOrg(1, "乙街道党工委", "street_committee");
    branchA = t.createOrg(street1, "甲第一党支部", "branch");
    branchB = t.createOrg(street1, "甲第二党支部", "branch");
    branchC = t.createOrg(street2, "乙第一党支部", "branch");
  }
};

TEST(Dues, BaseHistoryAndPaymentMustEqualDue) {
  World w;
  auto& t = w.t;
  int64_t m = addMember(t, w.branchA, 1);
  Month now = thisMonth();
  auto r = setBase(t, m, "employed", 450000, now - 3);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("monthlyDueFen").as_int64(), 4500);
  r = setBase(t, m, "employed", 600000, now - 1);  // a raise: the old base is closed
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("monthlyDueFen").as_int64(), 9000);
  auto bad = setBase(t, m, "employed", 600000, now - 5);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.at("field").as_string(), "fromMonth");
  bad = t.call("PUT", idPath("/api/dues/members/", m, "/base"), bj::object{{"kind", "fixed"}, {"fromMonth", mt(now)}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.at("field").as_string(), "amountFen");

  auto d = t.call("GET", idPath("/api/dues/members/", m));
  ASSERT_EQ(d.status, 200) << d.raw;
  auto& bases = d.body.at("bases").as_array();
  ASSERT_EQ(bases.size(), 2u);
  EXPECT_EQ(bases[0].at("toMonth").as_string(), mt(now - 1));
  EXPECT_TRUE(bases[1].at("toMonth").is_null());

  // The month before the raise is due at the old base.
  bad = pay(t, m, now - 2, 9000);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.at("field").as_string(), "amountFen");
  EXPECT_NE(bad.body.at("message").as_string().find("45.00"), std::string::npos) << bad.raw;
  auto ok = pay(t, m, now - 2, 4500);
  ASSERT_EQ(ok.status, 201) << ok.raw;
  auto dup = pay(t, m, now - 2, 4500);
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.body.at("field").as_string(), "month");
  // Not before there is a base, not in the future.
  bad = pay(t, m, now - 4, 4500);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.at("field").as_string(), "month");
  bad = pay(t, m, now + 1, 9000);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.at("field").as_string(), "month");

  // Removing a payment needs a reason; it is audited.
  auto del = t.call("DELETE", idPath("/api/dues/payments/", ok.body.at("id").as_int64()), bj::object{});
  EXPECT_EQ(del.status, 400);
  EXPECT_EQ(del.body.at("field").as_string(), "reason");
  del =
      t.call("DELETE", idPath("/api/dues/payments/", ok.body.at("id").as_int64()), bj::object{{"reason", "重复录入"}});
  EXPECT_EQ(del.status, 200) << del.raw;
  auto audit = t.call("GET", "/api/audit?entity=dues_payment");
  ASSERT_EQ(audit.status, 200);
  EXPECT_EQ(audit.body.at("total").as_int64(), 2);
}

TEST(Dues, ProbationaryMembersPayFromTheMonthTheyWereAccepted) {
  World w;
  auto& t = w.t;
  Date d = today();
  Month now = thisMonth();
  // accepted on the 1st of the month two months ago
  Month joined = now - 2;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-01", joined / 12, joined % 12 + 1);
  int64_t m = addMember(t, w.branchA, 2, buf, "probationary");
  ASSERT_EQ(setBase(t, m, "employed", 200000, now - 6).status, 200);
  auto r = t.call("GET", idPath("/api/dues/members/", m, "?year=") + std::to_string(d.year));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("obligationStart").as_string(), mt(joined));
  for (auto& row : r.body.at("ledger").as_array()) {
    Month x = *parseMonth(row.at("month").as_string());
    if (x < joined) {
      EXPECT_FALSE(row.at("obliged").as_bool()) << x;
    } else {
      EXPECT_TRUE(row.at("obliged").as_bool()) << x;
      EXPECT_EQ(row.at("dueFen").as_int64(), 1000);
    }
  }
  auto bad = pay(t, m, joined - 1, 1000);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.at("field").as_string(), "month");
  EXPECT_NE(bad.body.at("message").as_string().find("入党"), std::string::npos);
  EXPECT_EQ(pay(t, m, joined, 1000).status, 201);
}

TEST(Dues, BackPaymentLimitedToSixMonths) {
  World w;
  auto& t = w.t;
  Month now = thisMonth();
  int64_t m = addMember(t, w.branchA, 3);
  ASSERT_EQ(setBase(t, m, "student", 0, now - 12).status, 200);
  auto bad = pay(t, m, now - 7, 20);
  EXPECT_EQ(bad.status, 400) << bad.raw;
  EXPECT_EQ(bad.body.at("field").as_string(), "month");
  EXPECT_NE(bad.body.at("message").as_string().find("补交"), std::string::npos);
  EXPECT_EQ(pay(t, m, now - 6, 20).status, 201);
  // A setting: allow 7 months and the same payment goes through.
  ASSERT_EQ(t.call("PUT", "/api/settings/dues.back_pay_max_months", bj::object{{"value", 7}}).status, 200);
  EXPECT_EQ(pay(t, m, now - 7, 20).status, 201);
  auto future = t.call("POST", "/api/dues/payments",
                       bj::object{{"memberId", m}, {"month", mt(now)}, {"amountFen", 20}, {"paidOn", "2999-01-01"}});
  EXPECT_EQ(future.status, 400);
  EXPECT_EQ(future.body.at("field").as_string(), "paidOn");
}

TEST(Dues, SixUnpaidMonthsFlaggedUnlessAReasonIsRecorded) {
  World w;
  auto& t = w.t;
  Month now = thisMonth();
  int64_t a = addMember(t, w.branchA, 4);
  int64_t b = addMember(t, w.branchA, 5);
  int64_t c = addMember(t, w.branchB, 6);
  for (auto id : {a, b, c}) ASSERT_EQ(setBase(t, id, "fixed", 100, now - 7).status, 200);
  // c paid last month: not flagged.
  ASSERT_EQ(pay(t, c, now - 1, 100).status, 201);
  // b has a recorded reason for one month in the run: 6 months without a reason are not reached.
  auto ex =
      t.call("POST", "/api/dues/exemptions",
             bj::object{{"memberId", b}, {"fromMonth", mt(now - 3)}, {"toMonth", mt(now - 3)}, {"reason", "住院治疗"}});
  ASSERT_EQ(ex.status, 201) << ex.raw;
  auto f = t.call("GET", "/api/dues/flagged?orgId=" + std::to_string(w.street1));
  ASSERT_EQ(f.status, 200) << f.raw;
  auto& items = f.body.at("items").as_array();
  ASSERT_EQ(items.size(), 1u) << f.raw;
  EXPECT_EQ(items[0].at("memberId").as_int64(), a);
  EXPECT_EQ(items[0].at("unpaidMonths").as_int64(), 7);
  EXPECT_EQ(t.call("GET", idPath("/api/dues/members/", a)).body.at("flagged").as_bool(), true);
  EXPECT_EQ(t.call("GET", idPath("/api/dues/members/", b)).body.at("flagged").as_bool(), false);

  // Five months unpaid are not yet six.
  int64_t d = addMember(t, w.branchA, 7);
  ASSERT_EQ(setBase(t, d, "fixed", 100, now - 5).status, 200);
  f = t.call("GET", "/api/dues/flagged?orgId=" + std::to_string(w.street1));
  EXPECT_EQ(f.body.at("items").as_array().size(), 1u);

  // Arrears list every member owing, with the months.
  auto ar = t.call("GET", "/api/dues/arrears?orgId=" + std::to_string(w.street1) + "&month=" + mt(now - 1));
  ASSERT_EQ(ar.status, 200) << ar.raw;
  EXPECT_EQ(ar.body.at("items").as_array().size(), 4u);
}

TEST(Dues, SummaryReconcilesAfterRandomPayments) {
  World w;
  auto& t = w.t;
  Month now = thisMonth();
  std::mt19937 rng(20260101);
  const char* kinds[] = {"employed", "retired", "student", "fixed"};
  std::vector<int64_t> ids;
  int64_t community = t.createOrg(w.street1, "甲社区党委", "committee");
  int64_t branchD = t.createOrg(community, "甲社区第一党支部", "branch");
  int64_t orgs[] = {w.branchA, w.branchB, branchD};
  for (int i = 0; i < 24; ++i) {
    int64_t m = addMember(t, orgs[i % 3], 10 + i);
    ids.push_back(m);
    if (i % 5 == 4) continue;  // no base: not obliged
    std::string kind = kinds[rng() % 4];
    int64_t fen = kind == "fixed" ? 1 + rng() % 500 : rng() % 2000000;
    ASSERT_EQ(setBase(t, m, kind, fen, now - 2).status, 200);
  }
  int64_t expectPaid = 0;
  for (auto m : ids) {
    if (rng() % 2) continue;
    auto d = t.call("GET", idPath("/api/dues/members/", m));
    for (auto& row : d.body.at("ledger").as_array())
      if (row.at("month").as_string() == mt(now) && row.at("obliged").as_bool()) {
        int64_t due = row.at("dueFen").as_int64();
        if (due == 0) continue;
        ASSERT_EQ(pay(t, m, now, due).status, 201);
        expectPaid += due;
      }
  }
  auto s = t.call("GET", "/api/dues/summary?orgId=" + std::to_string(w.street1) + "&month=" + mt(now));
  ASSERT_EQ(s.status, 200) << s.raw;
  auto& rows = s.body.at("rows").as_array();
  EXPECT_EQ(rows.size(), 3u) << s.raw;  // two branches and the community (its branch's members)
  int64_t sums[6] = {0, 0, 0, 0, 0, 0};
  const char* keys[] = {"membersObliged", "dueFen", "paidFen", "owedFen", "membersPaid", "membersUnpaid"};
  for (auto& row : rows) {
    EXPECT_EQ(row.at("dueFen").as_int64(), row.at("paidFen").as_int64() + row.at("owedFen").as_int64());
    EXPECT_EQ(row.at("membersObliged").as_int64(),
              row.at("membersPaid").as_int64() + row.at("membersUnpaid").as_int64());
    for (int k = 0; k < 6; ++k) sums[k] += row.at(keys[k]).as_int64();
  }
  auto& total = s.body.at("total");
  for (int k = 0; k < 6; ++k) EXPECT_EQ(total.at(keys[k]).as_int64(), sums[k]) << keys[k];
  EXPECT_EQ(total.at("paidFen").as_int64(), expectPaid);
  EXPECT_EQ(total.at("membersObliged").as_int64(), 24 - 24 / 5);
  EXPECT_EQ(total.at("dueFen").as_int64(), total.at("paidFen").as_int64() + total.at("owedFen").as_int64());

  // The district root sees the street as one row with the same totals.
  auto top = t.call("GET", "/api/dues/summary?orgId=1&month=" + mt(now));
  ASSERT_EQ(top.status, 200);
  EXPECT_EQ(top.body.at("total").at("dueFen").as_int64(), total.at("dueFen").as_int64());

  auto x = t.call("GET", "/api/dues/export?orgId=" + std::to_string(w.street1) + "&month=" + mt(now));
  ASSERT_EQ(x.status, 200);
  EXPECT_EQ(x.raw.substr(0, 2), "PK");
}

TEST(Dues, StreetUserCannotSeeOrPayForAnotherStreet) {
  World w;
  auto& t = w.t;
  Month now = thisMonth();
  int64_t mine = addMember(t, w.branchA, 40);
  int64_t theirs = addMember(t, w.branchC, 41);
  ASSERT_EQ(setBase(t, theirs, "fixed", 100, now - 1).status, 200);
  auto theirPayment = pay(t, theirs, now - 1, 100);
  ASSERT_EQ(theirPayment.status, 201);
  {
    auto c = t.db->acquire();
    store::Transaction tx(*c);
    auth::createUser(*c, auth::Actor::system(), "jd1", "甲街道", auth::Role::Street, w.street1, "Street1234");
    tx.commit();
  }
  t.login("jd1", "Street1234");
  EXPECT_EQ(t.call("GET", idPath("/api/dues/members/", theirs)).status, 404);
  EXPECT_EQ(t.call("GET", idPath("/api/dues/members/", theirs, "/base")).status, 404);
  EXPECT_EQ(setBase(t, theirs, "fixed", 200, now).status, 404);
  EXPECT_EQ(pay(t, theirs, now, 100).status, 404);
  EXPECT_EQ(t.call("DELETE", idPath("/api/dues/payments/", theirPayment.body.at("id").as_int64()),
                   bj::object{{"reason", "试图撤销"}})
                .status,
            404);
  EXPECT_EQ(t.call("POST", "/api/dues/exemptions",
                   bj::object{{"memberId", theirs}, {"fromMonth", mt(now)}, {"toMonth", mt(now)}, {"reason", "x"}})
                .status,
            404);
  for (const char* route : {"summary", "arrears", "flagged", "export"}) {
    auto r = t.call("GET", std::string("/api/dues/") + route + "?orgId=" + std::to_string(w.street2));
    EXPECT_EQ(r.status, 400) << route;
    EXPECT_EQ(r.body.at("field").as_string(), "orgId");
  }
  // The district summary is not theirs either; their own street works.
  EXPECT_EQ(t.call("GET", "/api/dues/summary?orgId=1").status, 400);
  auto own = t.call("GET", "/api/dues/summary");
  ASSERT_EQ(own.status, 200) << own.raw;
  EXPECT_EQ(own.body.at("orgId").as_int64(), w.street1);
  ASSERT_EQ(setBase(t, mine, "student", 0, now).status, 200);
  EXPECT_EQ(pay(t, mine, now, 20).status, 201);
}

}  // namespace
}  // namespace zg::dues
