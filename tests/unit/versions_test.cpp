// Versions on the records that had none (issue 5, item 5): settings, the pipeline lists, the
// dues base and commitments. In-process on SQLite: load, save, and a second save with what was
// loaded is 409 "stale" on field "version"; a save without a version still goes through.
#include <gtest/gtest.h>

#include "testing.h"

namespace zg::testing {
namespace {

std::string settingVersion(TestApp& t, const std::string& key) {
  auto r = t.call("GET", "/api/settings");
  EXPECT_EQ(r.status, 200) << r.raw;
  for (auto& s : r.body.as_array())
    if (s.at("key").as_string() == key) return std::string(s.at("version").as_string());
  ADD_FAILURE() << "no setting " << key;
  return "";
}

void expectStale(const Reply& r) {
  ASSERT_EQ(r.status, 409) << r.raw;
  EXPECT_EQ(r.body.at("code").as_string(), "stale");
  EXPECT_EQ(r.body.at("field").as_string(), "version");
}

TEST(Versions, SettingSaveChecksTheStampLoaded) {
  TestApp t;
  t.login("admin", "Admin1234");
  const std::string key = "org.branch_max_members";
  std::string v0 = settingVersion(t, key);
  EXPECT_EQ(v0, "0");  // never set
  auto r = t.call("PUT", "/api/settings/" + key, boost::json::object{{"value", 40}, {"version", v0}});
  ASSERT_EQ(r.status, 200) << r.raw;
  std::string v1 = settingVersion(t, key);
  EXPECT_NE(v1, v0);
  EXPECT_EQ(r.body.at("version").as_string(), v1);
  // The second editor loaded v0 too.
  expectStale(t.call("PUT", "/api/settings/" + key, boost::json::object{{"value", 45}, {"version", v0}}));
  EXPECT_EQ(settingVersion(t, key), v1);
  ASSERT_EQ(t.call("PUT", "/api/settings/" + key, boost::json::object{{"value", 45}, {"version", v1}}).status, 200);
  expectStale(t.call("PUT", "/api/settings/" + key, boost::json::object{{"value", 46}, {"version", v1}}));
  // Without a version (scripts): last writer wins, as before.
  EXPECT_EQ(t.call("PUT", "/api/settings/" + key, boost::json::object{{"value", 47}}).status, 200);
}

TEST(Versions, PipelineListsCheckTheRowStamp) {
  TestApp t;
  t.login("admin", "Admin1234");
  auto cfg = t.call("GET", "/api/pipeline/config");
  ASSERT_EQ(cfg.status, 200) << cfg.raw;
  auto step = cfg.body.at("steps").as_array().at(0).as_object();
  std::string v = std::string(step.at("version").as_string());
  std::string path = "/api/pipeline/steps/" + std::to_string(step.at("no").as_int64());
  auto r = t.call("PUT", path, boost::json::object{{"name", "递交入党申请书（甲）"}, {"version", v}});
  ASSERT_EQ(r.status, 200) << r.raw;
  expectStale(t.call("PUT", path, boost::json::object{{"name", "递交入党申请书（乙）"}, {"version", v}}));
  EXPECT_EQ(r.body.as_array().at(0).at("name").as_string(), "递交入党申请书（甲）");

  auto item = cfg.body.at("pointItems").as_array().at(0).as_object();
  std::string iv = std::string(item.at("version").as_string());
  std::string ipath = "/api/pipeline/point-items/" + std::to_string(item.at("id").as_int64());
  boost::json::object body{{"name", "积分（甲）"}, {"points", item.at("points")}, {"active", true}, {"version", iv}};
  ASSERT_EQ(t.call("PUT", ipath, body).status, 200);
  body["name"] = "积分（乙）";
  expectStale(t.call("PUT", ipath, body));

  auto q = cfg.body.at("questions").as_array().at(0).as_object();
  std::string qv = std::string(q.at("version").as_string());
  std::string qpath = "/api/pipeline/questions/" + std::to_string(q.at("id").as_int64());
  boost::json::object qb{{"text", "问题（甲）"}, {"ord", q.at("ord")}, {"active", true}, {"version", qv}};
  ASSERT_EQ(t.call("PUT", qpath, qb).status, 200);
  qb["text"] = "问题（乙）";
  expectStale(t.call("PUT", qpath, qb));
}

}  // namespace
}  // namespace zg::testing
