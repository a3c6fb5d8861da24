// Live roll-ups (platform/rollup.h, migration 0014): a change at the bottom of the tree shows at
// every level above at once, the figures read from the roll-ups equal the same figures counted
// from the base tables, and after a random mix of creations, edits, moves, merges, splits,
// organization moves and removals every aggregate equals a full recount (rollup::check).
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "core/checks.h"
#include "platform/rollup.h"
#include "testing.h"

namespace zg {
namespace {

namespace bj = boost::json;

using Cells = std::map<std::string, int64_t>;  // "members.by_category/full" → count

// The members figures of one organization for the running year (as of today).
Cells figures(testing::TestApp& t, int64_t org) {
  auto r = t.call("GET", "/api/figures?orgId=" + std::to_string(org) + "&period=year&year=" +
                             std::to_string(today().year));
  EXPECT_EQ(r.status, 200) << r.raw;
  Cells out;
  if (r.status != 200) return out;
  for (auto& g : r.body.at("groups").as_array())
    for (auto& f : g.at("figures").as_array()) {
      std::string key(f.at("key").as_string());
      if (key.rfind("members.", 0) != 0) continue;
      for (auto& c : f.at("cells").as_array())
        out[key + "/" + std::string(c.at("key").as_string())] = c.at("count").as_int64();
    }
  return out;
}

// The same figures counted from the base tables (the roll-ups switched off for the call).
Cells fromBase(testing::TestApp& t, int64_t org) {
  rollup::setEnabled(false);
  Cells c = figures(t, org);
  rollup::setEnabled(true);
  return c;
}

// A cell's count without adding it to the map (cells counting 0 may be left out of a figure).
int64_t val(const Cells& c, const std::string& key) {
  auto it = c.find(key);
  return it == c.end() ? 0 : it->second;
}

std::vector<rollup::Difference> check(testing::TestApp& t) {
  auto c = t.db->acquire();
  return rollup::check(*c);
}

std::string describe(const std::vector<rollup::Difference>& d) {
  std::string s;
  for (auto& x : d)
    s += "org " + std::to_string(x.orgId) + " " + x.metric + "[" + x.key + "] stored " + std::to_string(x.stored) +
         " counted " + std::to_string(x.counted) + "\n";
  return s;
}

int64_t addMember(testing::TestApp& t, int64_t org, int seq, const std::string& category, const std::string& education,
                  const std::string& joinedOn = "2005-07-01") {
  bj::object m{{"name", "党员" + std::to_string(seq)}, {"idNumber", testing::idNumber(seq)}, {"category", category},
               {"orgId", org}, {"joinedOn", joinedOn}, {"education", education}};
  if (category == "full") m["fullOn"] = std::to_string(std::stoi(joinedOn.substr(0, 4)) + 1) + joinedOn.substr(4);
  auto r = t.call("POST", "/api/members", m);
  EXPECT_EQ(r.status, 201) << r.raw;
  return r.status == 201 ? r.body.at("id").as_int64() : 0;
}

// Changes a member's category / education through PUT (the edit page's body).
void edit(testing::TestApp& t, int64_t id, const std::string& category, const std::string& education) {
  auto cur = t.call("GET", "/api/members/" + std::to_string(id)).body.as_object();
  bj::object b{{"name", cur.at("name")},         {"category", category},
               {"education", education},         {"joinedOn", cur.at("joinedOn")},
               {"version", cur.at("version")}};
  std::string joined(cur.at("joinedOn").as_string());
  if (category == "full") b["fullOn"] = std::to_string(std::stoi(joined.substr(0, 4)) + 1) + joined.substr(4);
  auto r = t.call("PUT", "/api/members/" + std::to_string(id), b);
  EXPECT_EQ(r.status, 200) << r.raw;
}

TEST(Rollup, ChangeAtABranchShowsAtEveryLevelAbove) {
  testing::TestApp t;
  t.login("admin", "Admin1234");
  int64_t s1 = t.createOrg(1, "甲街道党工委", "street_committee");
  int64_t c1 = t.createOrg(s1, "甲社区党委", "committee");
  int64_t b1 = t.createOrg(c1, "第一党支部", "branch");
  int64_t s2 = t.createOrg(1, "乙街道党工委", "street_committee");
  int64_t c2 = t.createOrg(s2, "乙社区党委", "committee");
  int64_t b2 = t.createOrg(c2, "第二党支部", "branch");
  for (int i = 1; i <= 3; ++i) addMember(t, b1, i, "full", "大学本科");
  addMember(t, b2, 4, "probationary", "高中");
  const std::vector<int64_t> up1 = {b1, c1, s1, 1}, up2 = {b2, c2, s2};

  std::map<int64_t, Cells> before;
  for (int64_t o : {b1, c1, s1, b2, c2, s2, (int64_t)1}) before[o] = figures(t, o);
  EXPECT_EQ(val(before[1], "members.by_category/full"), 3);
  EXPECT_EQ(val(before[s2], "members.by_category/probationary"), 1);

  // A new full member with 研究生 at branch 1: +1 at the branch, community, street and district.
  int64_t m = addMember(t, b1, 10, "full", "研究生", "1998-03-01");
  for (int64_t o : up1) {
    Cells now = figures(t, o);
    EXPECT_EQ(val(now, "members.by_category/full"), val(before[o], "members.by_category/full") + 1) << o;
    EXPECT_EQ(val(now, "members.by_education/研究生"), val(before[o], "members.by_education/研究生") + 1) << o;
    EXPECT_EQ(val(now, "members.by_joining_decade/1990s"), val(before[o], "members.by_joining_decade/1990s") + 1) << o;
    EXPECT_EQ(val(now, "members.by_status/normal"), val(before[o], "members.by_status/normal") + 1) << o;
    EXPECT_EQ(now, fromBase(t, o)) << o;
  }
  EXPECT_EQ(figures(t, s2), before[s2]);

  // The category changes: full −1, probationary +1 at every level; education to 大学专科.
  edit(t, m, "probationary", "大学专科");
  for (int64_t o : up1) {
    Cells now = figures(t, o);
    EXPECT_EQ(val(now, "members.by_category/full"), val(before[o], "members.by_category/full")) << o;
    EXPECT_EQ(val(now, "members.by_category/probationary"), val(before[o], "members.by_category/probationary") + 1) << o;
    EXPECT_EQ(val(now, "members.by_education/研究生"), val(before[o], "members.by_education/研究生")) << o;
    EXPECT_EQ(val(now, "members.by_education/大学专科"), val(before[o], "members.by_education/大学专科") + 1) << o;
    EXPECT_EQ(now, fromBase(t, o)) << o;
  }

  // Moved to branch 2 in the other street: street 1's side back to before, street 2's side +1,
  // the district unchanged by the move.
  Cells district = figures(t, 1);
  auto mv = t.call("POST", "/api/members/" + std::to_string(m) + "/move", bj::object{{"orgId", b2}});
  ASSERT_EQ(mv.status, 200) << mv.raw;
  for (int64_t o : {b1, c1, s1}) EXPECT_EQ(figures(t, o), before[o]) << o;
  for (int64_t o : up2) {
    Cells now = figures(t, o);
    EXPECT_EQ(val(now, "members.by_category/probationary"), val(before[o], "members.by_category/probationary") + 1) << o;
    EXPECT_EQ(val(now, "members.by_education/大学专科"), val(before[o], "members.by_education/大学专科") + 1) << o;
    EXPECT_EQ(now, fromBase(t, o)) << o;
  }
  EXPECT_EQ(figures(t, 1), district);

  // Removed from the registry: every level back to where it started.
  auto del = t.call("DELETE", "/api/members/" + std::to_string(m), bj::object{{"reason", "去世"}});
  ASSERT_EQ(del.status, 200) << del.raw;
  for (auto& [o, cells] : before) {
    EXPECT_EQ(figures(t, o), cells) << o;
    EXPECT_EQ(figures(t, o), fromBase(t, o)) << o;
  }
  auto d = check(t);
  EXPECT_TRUE(d.empty()) << describe(d);
}

// Dates after today: a full member whose full_on is still ahead counts as probationary today and
// a lost contact dated ahead is not lost yet, exactly as the base-table count says.
TEST(Rollup, DatesAfterTodayAreCorrectedExactly) {
  testing::TestApp t;
  t.login("admin", "Admin1234");
  int64_t s1 = t.createOrg(1, "甲街道党工委", "street_committee");
  int64_t b1 = t.createOrg(s1, "第一党支部", "branch");
  addMember(t, b1, 1, "full", "大学本科");
  int64_t m2 = addMember(t, b1, 2, "full", "大学本科");
  std::string later = addDays(today(), 30).iso();
  {
    auto c = t.db->acquire();
    store::Transaction tx(*c);
    c->exec("UPDATE members SET full_on = ?, lost_contact = 1, lost_on = ? WHERE id = ?", {later, later, m2});
    tx.commit();
  }
  // A move dated after today (written directly: the API refuses future dates): today the member
  // is still in street 1, though the open placement (what the triggers count) is in street 2.
  int64_t s2 = t.createOrg(1, "乙街道党工委", "street_committee");
  int64_t b2 = t.createOrg(s2, "第二党支部", "branch");
  int64_t m3 = addMember(t, b1, 3, "probationary", "高中");
  {
    auto c = t.db->acquire();
    store::Transaction tx(*c);
    c->exec("UPDATE member_placements SET to_date = ? WHERE member_id = ? AND to_date IS NULL", {later, m3});
    c->exec("INSERT INTO member_placements(member_id, org_id, from_date, reason) VALUES (?, ?, ?, '调整')",
            {m3, b2, later});
    tx.commit();
  }
  EXPECT_EQ(val(figures(t, s2), "members.by_category/probationary"), 0);
  EXPECT_EQ(figures(t, s2), fromBase(t, s2));
  Cells now = figures(t, s1);
  EXPECT_EQ(val(now, "members.by_education/高中"), 1);
  EXPECT_EQ(val(now, "members.by_category/full"), 1);
  EXPECT_EQ(val(now, "members.by_category/probationary"), 2);
  EXPECT_EQ(val(now, "members.by_status/lost"), 0);
  EXPECT_EQ(now, fromBase(t, s1));
  EXPECT_EQ(figures(t, 1), fromBase(t, 1));
  auto d = check(t);
  EXPECT_TRUE(d.empty()) << describe(d);
}

TEST(Rollup, RandomMixMatchesAFullRecount) {
  testing::TestApp t;
  t.login("admin", "Admin1234");
  std::mt19937 rng(20260623);
  auto pick = [&](auto& v) -> auto& { return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)]; };
  std::vector<int64_t> streets, comms, branches, members;
  for (int s = 0; s < 3; ++s) {
    streets.push_back(t.createOrg(1, "街道" + std::to_string(s), "street_committee"));
    for (int c = 0; c < 2; ++c) {
      comms.push_back(t.createOrg(streets.back(), "社区" + std::to_string(s) + "-" + std::to_string(c), "committee"));
      for (int b = 0; b < 3; ++b)
        branches.push_back(t.createOrg(comms.back(), "支部" + std::to_string(s) + std::to_string(c) + std::to_string(b),
                                       "branch"));
    }
  }
  const std::vector<std::string> eds = {"研究生", "大学本科", "高中", "初中及以下", ""};
  int seq = 1;
  for (int i = 0; i < 40; ++i)
    members.push_back(addMember(t, pick(branches), seq++, i % 4 ? "full" : "probationary", pick(eds),
                                std::to_string(1998 + i % 27) + "-07-01"));
  int merges = 0, splits = 0, orgMoves = 0;
  for (int step = 0; step < 60; ++step) {
    int op = std::uniform_int_distribution<int>(0, 7)(rng);
    if (op == 0) {
      members.push_back(addMember(t, pick(branches), seq++, "full", pick(eds)));
    } else if (op == 1 && !members.empty()) {
      int64_t m = pick(members);
      auto r = t.call("POST", "/api/members/" + std::to_string(m) + "/move", bj::object{{"orgId", pick(branches)}});
      EXPECT_TRUE(r.status == 200 || r.status == 400 || r.status == 409) << r.raw;  // same org / removed
    } else if (op == 2 && !members.empty()) {
      int64_t m = pick(members);
      auto cur = t.call("GET", "/api/members/" + std::to_string(m));
      if (cur.body.at("active").as_bool()) edit(t, m, step % 2 ? "full" : "probationary", pick(eds));
    } else if (op == 3 && !members.empty()) {
      int64_t m = pick(members);
      t.call("DELETE", "/api/members/" + std::to_string(m), bj::object{{"reason", "出党"}});
    } else if (op == 4 && branches.size() > 4) {
      // Merge one branch into another of any street.
      size_t i = std::uniform_int_distribution<size_t>(0, branches.size() - 1)(rng);
      int64_t from = branches[i];
      branches.erase(branches.begin() + i);
      auto r = t.call("POST", "/api/orgs/" + std::to_string(from) + "/merge", bj::object{{"intoId", pick(branches)}});
      EXPECT_EQ(r.status, 200) << r.raw;
      ++merges;
    } else if (op == 5) {
      // Split some members of a branch into a new sibling.
      int64_t b = pick(branches);
      auto on = t.call("GET", "/api/members?orgId=" + std::to_string(b) + "&pageSize=50").body;
      bj::array ids;
      for (auto& it : on.at("items").as_array())
        if (ids.size() < 2) ids.push_back(it.at("id"));
      if (ids.empty()) continue;
      auto r = t.call("POST", "/api/orgs/" + std::to_string(b) + "/split",
                      bj::object{{"parts", bj::array{bj::object{{"name", "拆分支部" + std::to_string(step)},
                                                                {"memberIds", ids}}}}});
      EXPECT_EQ(r.status, 201) << r.raw;
      if (r.status == 201) branches.push_back(r.body.at("parts").as_array()[0].at("id").as_int64());
      ++splits;
    } else if (op == 6) {
      // A community moves to another street (no aggregate changes: the subtree is read by path).
      auto r = t.call("POST", "/api/orgs/" + std::to_string(pick(comms)) + "/move", bj::object{{"parentId", pick(streets)}});
      EXPECT_TRUE(r.status == 200 || r.status == 400) << r.raw;  // 400: already there
      ++orgMoves;
    } else {
      // A raw repair that bypasses the module code: the triggers still keep the counts.
      auto c = t.db->acquire();
      store::Transaction tx(*c);
      c->exec("UPDATE members SET standing = CASE standing WHEN 'normal' THEN 'suspended' ELSE 'normal' END WHERE id = ?",
              {pick(members)});
      tx.commit();
    }
  }
  EXPECT_GT(merges + splits + orgMoves, 3);
  auto d = check(t);
  EXPECT_TRUE(d.empty()) << describe(d);
  for (int64_t o : streets) EXPECT_EQ(figures(t, o), fromBase(t, o)) << o;
  for (int64_t o : comms) EXPECT_EQ(figures(t, o), fromBase(t, o)) << o;
  EXPECT_EQ(figures(t, 1), fromBase(t, 1));

  // A damaged aggregate is found by check and repaired by rebuild.
  {
    auto c = t.db->acquire();
    c->exec("INSERT INTO org_counts(org_id, metric, k, n) VALUES (?, 'members.category', 'full', 5) "
            "ON CONFLICT(org_id, metric, k) DO UPDATE SET n = n + 5",
            {branches.front()});
  }
  d = check(t);
  ASSERT_EQ(d.size(), 1u) << describe(d);
  EXPECT_EQ(d[0].orgId, branches.front());
  EXPECT_EQ(d[0].metric, "members.category");
  EXPECT_EQ(d[0].stored - d[0].counted, 5);
  {
    auto c = t.db->acquire();
    store::Transaction tx(*c);
    rollup::rebuild(*c);
    tx.commit();
  }
  d = check(t);
  EXPECT_TRUE(d.empty()) << describe(d);
}

}  // namespace
}  // namespace zg
