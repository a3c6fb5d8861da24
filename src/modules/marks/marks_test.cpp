// Responsibility marks against a real SQLite database through the real router: marks with history
// (ending keeps the row; current by date), commitments per year, consent (only what the member
// agreed to show is public), the public page (nothing private in the whole answer; unknown and
// regenerated tokens are 404), scope (another street's members and branches), audit, the poster
// PDF and the figure (cell count = records behind it).
#include "modules/marks/marks.h"

#include <gtest/gtest.h>

#include "../../../tests/unit/testing.h"
#include "core/checks.h"
#include "platform/figures.h"

namespace zg::marks {
namespace {

namespace bj = boost::json;

struct Fixture {
  testing::TestApp t;
  int64_t street1 = 0, street2 = 0, branch1 = 0, branch2 = 0, m1 = 0, m2 = 0, m3 = 0, other = 0;

  int64_t member(int64_t orgId, const std::string& name, int seq) {
    auto r = t.call("POST", "/api/members",
                    bj::object{{"name", name},
                               {"idNumber", testing::idNumber(seq, "19750315")},
                               {"category", "full"},
                               {"orgId", orgId},
                               {"sex", "F"},
                               {"phone", "1391234567" + std::to_string(seq % 10)},
                               {"address", "秘密路" + std::to_string(seq) + "号"},
                               {"joinedOn", "2005-07-01"},
                               {"fullOn", "2006-07-01"}});
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.status == 201 ? r.body.at("id").as_int64() : 0;
  }

  Fixture() {
    t.login("admin", "Admin1234");
    street1 = t.createOrg(1, "甲街道党工委", "street_committee");
    street2 = t.createOrg(1, "乙街道党工委", "street_committee");
    branch1 = t.createOrg(street1, "甲社区第一党支部", "branch", "community");
    branch2 = t.createOrg(street2, "乙社区第一党支部", "branch", "community");
    m1 = member(branch1, "王丽华", 21);
    m2 = member(branch1, "陈建国", 22);
    m3 = member(branch1, "李秀英", 23);
    other = member(branch2, "赵乙", 24);
    auto c = t.db->acquire();
    store::Transaction tx(*c);
    auth::createUser(*c, auth::Actor::system(), "jd1", "甲街道", auth::Role::Street, street1, "Street1234");
    c->exec("UPDATE orgs SET secretary = '王丽华' WHERE id = ?", {branch1});
    tx.commit();
  }

  testing::Reply mark(int64_t memberId, const std::string& kind, const std::string& title, bool show,
                      const std::string& from = "2025-03-01") {
    return t.call("POST", "/api/marks",
                  bj::object{{"memberId", memberId},
                             {"kind", kind},
                             {"title", title},
                             {"description", "负责" + title + "的日常巡查"},
                             {"fromDate", from},
                             {"showPublic", show}});
  }
  std::string token() {
    auto r = t.call("POST", "/api/marks/branches/" + std::to_string(branch1) + "/token");
    EXPECT_EQ(r.status, 201) << r.raw;
    std::string path(r.body.at("publicPath").as_string());
    return path.substr(3);
  }
  testing::Reply publicGet(const std::string& token) { return t.call("GET", "/api/public/branches/" + token); }
};

TEST(Marks, HistoryIsKeptAndOnlyCurrentMarksAreCurrent) {
  Fixture f;
  auto a = f.mark(f.m1, "pioneer_post", "垃圾分类督导岗", true, "2024-01-10");
  ASSERT_EQ(a.status, 201) << a.raw;
  EXPECT_TRUE(a.body.at("current").as_bool());
  EXPECT_EQ(a.body.at("kindLabel").as_string(), "党员先锋岗");
  int64_t id = a.body.at("id").as_int64();

  // Bad input names the field.
  auto bad = f.mark(f.m1, "hero", "x", true);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.at("field").as_string(), "kind");
  bad = f.mark(f.m1, "pioneer_post", "  ", true);
  EXPECT_EQ(bad.body.at("field").as_string(), "title");
  bad = f.mark(f.m1, "pioneer_post", "未来岗", true, "2999-01-01");
  EXPECT_EQ(bad.body.at("field").as_string(), "fromDate");
  auto dup = f.mark(f.m1, "pioneer_post", "垃圾分类督导岗", true);
  EXPECT_EQ(dup.status, 409);

  // Ending keeps the row as history; an end before the start is refused; ending twice conflicts.
  auto e = f.t.call("POST", "/api/marks/" + std::to_string(id) + "/end", bj::object{{"toDate", "2023-12-31"}});
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.body.at("field").as_string(), "toDate");
  e = f.t.call("POST", "/api/marks/" + std::to_string(id) + "/end", bj::object{{"toDate", "2025-06-30"}});
  ASSERT_EQ(e.status, 200) << e.raw;
  EXPECT_FALSE(e.body.at("current").as_bool());
  EXPECT_EQ(e.body.at("toDate").as_string(), "2025-06-30");
  EXPECT_EQ(f.t.call("POST", "/api/marks/" + std::to_string(id) + "/end").status, 409);
  // An ended mark cannot be edited.
  auto u = f.t.call("PUT", "/api/marks/" + std::to_string(id),
                    bj::object{{"title", "新名"}, {"version", e.body.at("version").as_int64()}});
  EXPECT_EQ(u.status, 409);

  // The same post may be taken up again after it ended.
  ASSERT_EQ(f.mark(f.m1, "pioneer_post", "垃圾分类督导岗", true, "2025-07-01").status, 201);
  auto view = f.t.call("GET", "/api/marks/branches/" + std::to_string(f.branch1));
  ASSERT_EQ(view.status, 200) << view.raw;
  const auto& members = view.body.at("members").as_array();
  ASSERT_EQ(members.size(), 3u);
  bj::array marks;
  for (auto& m : members)
    if (m.at("id").as_int64() == f.m1) marks = m.at("marks").as_array();
  ASSERT_EQ(marks.size(), 2u);
  EXPECT_TRUE(marks[0].at("current").as_bool()) << "current first";
  EXPECT_FALSE(marks[1].at("current").as_bool());
  EXPECT_EQ(view.body.at("withMarks").as_int64(), 1);

  // Audited: create, end, create.
  auto c = f.t.db->acquire();
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM audit_log WHERE entity = 'responsibility_mark'")->asInt(), 3);
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM audit_log WHERE entity = 'responsibility_mark' AND action = 'end'")->asInt(),
            1);
}

TEST(Marks, EditNeedsTheCurrentVersion) {
  Fixture f;
  auto a = f.mark(f.m2, "responsibility_area", "3幢1-3单元", false);
  ASSERT_EQ(a.status, 201);
  std::string p = "/api/marks/" + std::to_string(a.body.at("id").as_int64());
  auto u = f.t.call("PUT", p, bj::object{{"title", "3幢1-4单元"}, {"showPublic", true}, {"version", 1}});
  ASSERT_EQ(u.status, 200) << u.raw;
  EXPECT_EQ(u.body.at("title").as_string(), "3幢1-4单元");
  EXPECT_TRUE(u.body.at("showPublic").as_bool());
  EXPECT_EQ(f.t.call("PUT", p, bj::object{{"title", "x"}, {"version", 1}}).status, 409);
  // Leaving showPublic out keeps the consent as recorded.
  u = f.t.call("PUT", p, bj::object{{"title", "3幢1-5单元"}, {"version", 2}});
  ASSERT_EQ(u.status, 200) << u.raw;
  EXPECT_TRUE(u.body.at("showPublic").as_bool());
}

TEST(Marks, CommitmentPerYearReplacedAndAudited) {
  Fixture f;
  std::string p = "/api/marks/members/" + std::to_string(f.m3) + "/commitments/2026";
  auto r = f.t.call("PUT", p, bj::object{{"commitment", "每月走访独居老人两次"}, {"showPublic", true}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("version").as_int64(), 1);
  r = f.t.call("PUT", p,
               bj::object{{"commitment", "每月走访独居老人两次"}, {"fulfilment", "已走访24次"}, {"showPublic", true}});
  EXPECT_EQ(r.body.at("version").as_int64(), 2);
  EXPECT_EQ(r.body.at("fulfilment").as_string(), "已走访24次");
  auto bad = f.t.call("PUT", p, bj::object{{"commitment", ""}});
  EXPECT_EQ(bad.body.at("field").as_string(), "commitment");
  bad = f.t.call("PUT", "/api/marks/members/" + std::to_string(f.m3) + "/commitments/1990",
                 bj::object{{"commitment", "x"}});
  EXPECT_EQ(bad.body.at("field").as_string(), "year");
  auto c = f.t.db->acquire();
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM member_commitments")->asInt(), 1);
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM audit_log WHERE entity = 'member_commitment'")->asInt(), 2);
}

TEST(Marks, PublicPageShowsOnlyConsentedFieldsAndNothingPrivate) {
  Fixture f;
  ASSERT_EQ(f.mark(f.m1, "pioneer_post", "文明劝导岗", true).status, 201);
  ASSERT_EQ(f.mark(f.m1, "responsibility_area", "私下不公开的区", false).status, 201);
  ASSERT_EQ(f.mark(f.m2, "model_household", "党员示范户", false).status, 201);  // not agreed
  auto ended = f.mark(f.m3, "post_duty", "已结束的岗", true, "2024-01-01");
  ASSERT_EQ(f.t.call("POST", "/api/marks/" + std::to_string(ended.body.at("id").as_int64()) + "/end",
                     bj::object{{"toDate", "2024-12-31"}})
                .status,
            200);
  int64_t year = today().year;
  ASSERT_EQ(f.t.call("PUT", "/api/marks/members/" + std::to_string(f.m3) + "/commitments/" + std::to_string(year),
                     bj::object{{"commitment", "带头做好楼道清洁"}, {"showPublic", true}})
                .status,
            200);
  ASSERT_EQ(f.t.call("PUT", "/api/marks/members/" + std::to_string(f.m2) + "/commitments/" + std::to_string(year),
                     bj::object{{"commitment", "不想公开的承诺"}, {"showPublic", false}})
                .status,
            200);
  std::string token = f.token();
  EXPECT_EQ(token.size(), 32u);

  auto r = f.publicGet(token);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("branchName").as_string(), "甲社区第一党支部");
  EXPECT_EQ(r.body.at("secretary").as_string(), "王丽华");
  const auto& ms = r.body.at("members").as_array();
  ASSERT_EQ(ms.size(), 2u) << r.raw;
  // In name order (pinyin: Li before Wang), whether found by a mark or by a commitment.
  EXPECT_EQ(ms[1].at("name").as_string(), "王丽华");
  ASSERT_EQ(ms[1].at("marks").as_array().size(), 1u);
  EXPECT_EQ(ms[1].at("marks").at(0).at("title").as_string(), "文明劝导岗");
  EXPECT_EQ(ms[0].at("name").as_string(), "李秀英");
  EXPECT_TRUE(ms[0].at("marks").as_array().empty());
  EXPECT_EQ(ms[0].at("commitment").at("text").as_string(), "带头做好楼道清洁");

  // The whole answer: no ID number, phone, birth date, address, member id or unconsented text.
  for (const char* secret : {"330104", "19750315", "1975-03-15", "1391234567", "秘密路", "私下不公开", "陈建国",
                             "不想公开", "已结束的岗", "memberId", "\"id\"", "phone", "birth", "idNumber"})
    EXPECT_EQ(r.raw.find(secret), std::string::npos) << secret << " leaked: " << r.raw;

  // A member who leaves the registry leaves the page.
  auto c = f.t.db->acquire();
  c->exec("UPDATE members SET active = 0 WHERE id = ?", {f.m1});
  EXPECT_EQ(f.publicGet(token).body.at("members").as_array().size(), 1u);

  // Unknown, malformed and regenerated tokens are 404.
  EXPECT_EQ(f.publicGet(std::string(32, '0')).status, 404);
  EXPECT_EQ(f.publicGet("../../etc").status, 404);
  std::string fresh = f.token();
  EXPECT_NE(fresh, token);
  EXPECT_EQ(f.publicGet(token).status, 404);
  EXPECT_EQ(f.publicGet(fresh).status, 200);
  // Issuing and regenerating are audited, without the token itself.
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM audit_log WHERE entity = 'branch_public_page'")->asInt(), 2);
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM audit_log WHERE after_json LIKE ?", {"%" + fresh + "%"})->asInt(), 0);
}

TEST(Marks, PublicPageIsRateLimitedPerAddress) {
  Fixture f;
  std::string token = f.token();
  ASSERT_EQ(f.t.call("PUT", "/api/settings/marks.public_requests_per_minute", bj::object{{"value", 3}}).status, 200);
  // The limiter is per process: other tests may have used this address, so count to the limit.
  int ok = 0, limited = 0;
  for (int i = 0; i < 8; ++i) {
    int s = f.publicGet(token).status;
    ok += s == 200;
    limited += s == 429;
  }
  EXPECT_LE(ok, 3);
  EXPECT_GE(limited, 5);
}

TEST(Marks, ScopeLimitsEveryReadAndWrite) {
  Fixture f;
  auto theirs = f.mark(f.other, "pioneer_post", "乙的岗", true);
  ASSERT_EQ(theirs.status, 201);
  std::string theirId = std::to_string(theirs.body.at("id").as_int64());
  f.t.login("jd1", "Street1234");
  auto r = f.mark(f.other, "pioneer_post", "越权", true);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.at("field").as_string(), "memberId");
  EXPECT_EQ(f.t.call("GET", "/api/marks/branches/" + std::to_string(f.branch2)).status, 404);
  EXPECT_EQ(f.t.call("POST", "/api/marks/branches/" + std::to_string(f.branch2) + "/token").status, 400);
  EXPECT_EQ(f.t.call("GET", "/api/marks/branches/" + std::to_string(f.branch2) + "/poster.pdf").status, 404);
  EXPECT_EQ(f.t.call("POST", "/api/marks/" + theirId + "/end").status, 404);
  EXPECT_EQ(f.t.call("PUT", "/api/marks/" + theirId, bj::object{{"title", "改"}, {"version", 1}}).status, 404);
  EXPECT_EQ(f.t.call("PUT", "/api/marks/members/" + std::to_string(f.other) + "/commitments/2026",
                     bj::object{{"commitment", "越权"}})
                .status,
            400);
  // Their own branch works.
  EXPECT_EQ(f.mark(f.m1, "pioneer_post", "本街道的岗", true).status, 201);
  // A street committee holds no members: no public page for it.
  EXPECT_EQ(f.t.call("POST", "/api/marks/branches/" + std::to_string(f.street1) + "/token").status, 400);
}

TEST(Marks, PosterIsAPdfWithoutATokenItIsRefused) {
  Fixture f;
  std::string p = "/api/marks/branches/" + std::to_string(f.branch1) + "/poster.pdf";
  EXPECT_EQ(f.t.call("GET", p).status, 409);
  ASSERT_EQ(f.mark(f.m1, "pioneer_post", "文明劝导岗", true).status, 201);
  f.token();
  auto r = f.t.call("GET", p);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.raw.substr(0, 5), "%PDF-");
  EXPECT_GT(r.raw.size(), 2000u);
}

TEST(Marks, FigureCellsEqualTheirRecords) {
  Fixture f;
  ASSERT_EQ(f.mark(f.m1, "pioneer_post", "岗一", true, "2025-01-01").status, 201);
  ASSERT_EQ(f.mark(f.m1, "responsibility_area", "区一", true, "2025-01-01").status, 201);
  ASSERT_EQ(f.mark(f.m2, "pioneer_post", "岗二", false, "2025-01-01").status, 201);
  ASSERT_EQ(f.mark(f.other, "model_household", "户", true, "2025-01-01").status, 201);
  auto late = f.mark(f.m3, "post_duty", "后来的岗", true, "2025-09-01");
  ASSERT_EQ(late.status, 201);
  registerFigures();
  auto fig = figures::find("marks.by_kind");
  auto c = f.t.db->acquire();
  auto org = orgs::require(*c, Scope::all(), f.street1);
  figures::Query q;
  q.orgId = org.id;
  q.orgPath = org.path;
  q.scope = Scope(org.path);
  q.from = Date{2025, 1, 1};
  q.to = Date{2025, 7, 1};  // as of 2025-06-30: the post_duty mark has not begun
  std::map<std::string, int64_t> got;
  for (auto& cell : fig.cells(*c, q)) {
    got[cell.key] = cell.count;
    auto recs = fig.records(*c, q, cell.key, 0, -1);
    EXPECT_EQ(recs.total, cell.count) << cell.key;
    EXPECT_EQ(static_cast<int64_t>(recs.rows.size()), cell.count) << cell.key;
  }
  EXPECT_EQ(got["pioneer_post"], 2);
  EXPECT_EQ(got["responsibility_area"], 1);
  EXPECT_EQ(got["model_household"], 0) << "another street";
  EXPECT_EQ(got["post_duty"], 0);
  EXPECT_EQ(got["any"], 2);
  EXPECT_THROW(fig.records(*c, q, "nope", 0, 10), Error);
}

}  // namespace
}  // namespace zg::marks
