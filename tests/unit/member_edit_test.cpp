#include <gtest/gtest.h>

#include "core/checks.h"
#include "testing.h"

namespace zg {
namespace {

namespace bj = boost::json;

// The edit page never sees clear ID numbers or phones; leaving them out of a PUT keeps them.
TEST(MemberEdit, OmittedSensitiveFieldsAreKept) {
  testing::TestApp t;
  t.login("admin", "Admin1234");
  auto s = t.call("POST", "/api/orgs", bj::object{{"parentId", 1}, {"name", "甲街道党工委"}, {"kind", "street_committee"}});
  auto b = t.call("POST", "/api/orgs", bj::object{{"parentId", s.body.at("id")}, {"name", "一支部"}, {"kind", "branch"}});
  std::string first17 = "33010419800101123";
  std::string id = first17 + idCheckDigit(first17);
  auto m = t.call("POST", "/api/members",
                  bj::object{{"name", "张三"}, {"idNumber", id}, {"category", "full"}, {"orgId", b.body.at("id")},
                             {"joinedOn", "2005-07-01"}, {"fullOn", "2006-07-01"}, {"phone", "13812345678"}});
  ASSERT_EQ(m.status, 201) << m.raw;
  std::string mid = std::to_string(m.body.at("id").as_int64());
  auto u = t.call("PUT", "/api/members/" + mid,
                  bj::object{{"name", "张三丰"}, {"category", "full"}, {"joinedOn", "2005-07-01"}, {"fullOn", "2006-07-01"},
                             {"version", m.body.at("version")}});
  ASSERT_EQ(u.status, 200) << u.raw;
  auto sens = t.call("GET", "/api/members/" + mid + "/sensitive");
  EXPECT_EQ(sens.body.at("idNumber").as_string(), id);
  EXPECT_EQ(sens.body.at("phone").as_string(), "13812345678");
  EXPECT_EQ(u.body.at("name").as_string(), "张三丰");
  // Sending a wrong ID number still fails on that field.
  auto bad = t.call("PUT", "/api/members/" + mid,
                    bj::object{{"name", "张三丰"}, {"idNumber", first17 + (idCheckDigit(first17) == '1' ? '2' : '1')},
                               {"category", "full"}, {"version", u.body.at("version")}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.at("field").as_string(), "idNumber");
}

}  // namespace
}  // namespace zg
