// M2 members against a real SQLite database: identity rules, encryption at rest, scope,
// dated placements, optimistic concurrency, import modes and the export/import round trip.
// Routes are exercised through the real router, session and CSRF wrapper.
#include "modules/members/members.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "core/error.h"
#include "platform/audit.h"
#include "modules/members/members_internal.h"
#include "platform/jobs.h"
#include "platform/rollup.h"
#include "platform/tabular.h"
#include "platform/settings.h"

namespace zg::members {
namespace {

namespace bj = boost::json;

// An 18-digit ID number with a correct check digit; `seq` is 3 digits, odd last digit = male.
std::string makeId(const std::string& birth, const std::string& seq, const std::string& region = "330104") {
  std::string first17 = region + birth + seq;
  return first17 + idCheckDigit(first17);
}

std::string todayMinusYears(int years) {
  Date d = today();
  d.year -= years;
  if (d.month == 2 && d.day == 29) d.day = 28;
  return d.iso();
}

// A libpq URL pointed at another database.
std::string withDatabase(const std::string& url, const std::string& name) {
  for (std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (url.rfind(scheme, 0) == 0) {
      size_t slash = url.find('/', scheme.size());
      size_t q = url.find('?', scheme.size());
      std::string query = q == std::string::npos ? "" : url.substr(q);
      return url.substr(0, std::min(slash, q)) + "/" + name + query;
    }
  }
  return url + " dbname=" + name;
}

// A fresh database with the schema and a small tree: a temp SQLite file, or a new database on
// the PostgreSQL server named by ZUGONG_TEST_PG when that is set.
struct TestDb {
  std::string dir;
  std::string pgUrl, pgName;
  std::unique_ptr<store::Database> db;

  TestDb() {
    const char* pg = std::getenv("ZUGONG_TEST_PG");
    if (pg && *pg) {
      pgUrl = pg;
      char buf[40];
      std::snprintf(buf, sizeof buf, "zg_members_%d_%d", static_cast<int>(getpid()), counter()++);
      pgName = buf;
      {
        auto admin = store::open(pgUrl, 1);
        admin->acquire()->exec("DROP DATABASE IF EXISTS " + pgName);
        admin->acquire()->exec("CREATE DATABASE " + pgName);
      }
      db = store::open(withDatabase(pgUrl, pgName), 4);
    } else {
      char tmpl[] = "/tmp/zg_members_test_XXXXXX";
      dir = mkdtemp(tmpl);
      db = store::open(dir + "/t.db", 4);
    }
    store::migrate(*db);
    auto c = db->acquire();
    // /1 区委 ─┬ /1/2 甲街道 ─ /1/2/4 甲社区党委 ─┬ /1/2/4/5 第一党支部
    //          │                                ├ /1/2/4/6 第二党支部
    //          │                                └ /1/2/4/9 旧支部 (dissolved)
    //          └ /1/3 乙街道 ─ /1/3/7 乙社区党委 ─── /1/3/7/8 第一党支部
    struct O {
      int id;
      std::optional<int> parent;
      const char* path;
      int depth;
      const char* name;
      const char* kind;
    };
    const O orgs[] = {{1, {}, "/1/", 0, "区委", "district_committee"},
                      {2, 1, "/1/2/", 1, "甲街道党工委", "street_committee"},
                      {3, 1, "/1/3/", 1, "乙街道党工委", "street_committee"},
                      {4, 2, "/1/2/4/", 2, "甲社区党委", "committee"},
                      {5, 4, "/1/2/4/5/", 3, "第一党支部", "branch"},
                      {6, 4, "/1/2/4/6/", 3, "第二党支部", "branch"},
                      {7, 3, "/1/3/7/", 2, "乙社区党委", "committee"},
                      {8, 7, "/1/3/7/8/", 3, "第一党支部", "branch"},
                      {9, 4, "/1/2/4/9/", 3, "旧支部", "branch"}};
    for (const auto& o : orgs)
      c->exec(
          "INSERT INTO orgs(id, parent_id, path, depth, name, kind, founded_on, created_at, updated_at) "
          "VALUES (?,?,?,?,?,?, '2000-01-01', 'x', 'x')",
          {o.id, o.parent ? store::Value(*o.parent) : store::Value(), o.path, o.depth, o.name, o.kind});
    c->exec("UPDATE orgs SET dissolved_on = '2010-01-01' WHERE id = 9");
  }
  ~TestDb() {
    db.reset();
    if (!dir.empty()) std::filesystem::remove_all(dir);
    if (!pgName.empty()) {
      try {
        store::open(pgUrl, 1)->acquire()->exec("DROP DATABASE IF EXISTS " + pgName);
      } catch (...) {
      }
    }
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
  int64_t count(const std::string& sql, const store::Params& p = {}) {
    auto c = db->acquire();
    return c->scalar(sql, p)->asInt();
  }
};

auth::Context contextFor(const std::string& path) {
  auth::Context ctx;
  ctx.user.id = 0;
  ctx.user.username = "tester";
  ctx.user.displayName = "测试员";
  ctx.user.role = auth::Role::DistrictStaff;
  ctx.user.orgPath = path;
  ctx.scope = Scope(path);
  return ctx;
}

Input sample(const std::string& name, const std::string& id, int64_t orgId) {
  Input in;
  in.name = name;
  in.idNumber = id;
  in.category = "full";
  in.orgId = orgId;
  in.joinedOn = parseDate("2005-07-01");
  in.fullOn = parseDate("2006-07-01");
  in.phone = "138 0013 8000";
  return in;
}

class MembersTest : public ::testing::Test {
 protected:
  TestDb t;
  crypto::FieldCipher cipher{std::string(32, 'k')};
  auth::Context district = contextFor("/1/");

  int64_t add(const Input& in, const auth::Context& ctx) {
    auto c = t.db->acquire();
    store::Transaction tx(*c);
    int64_t id = create(*c, ctx, cipher, in);
    tx.commit();
    return id;
  }
  int64_t add(const Input& in) { return add(in, district); }

  Error addError(const Input& in, const auth::Context& ctx) {
    try {
      add(in, ctx);
    } catch (const Error& e) {
      return e;
    }
    ADD_FAILURE() << "expected an error";
    return Error::internal("none");
  }
  Error addError(const Input& in) { return addError(in, district); }
};

TEST_F(MembersTest, RefusesBadCheckDigitAndOldNumbers) {
  std::string good = makeId("19800101", "001");
  std::string bad = good.substr(0, 17) + (good[17] == '0' ? '1' : '0');
  Error e = addError(sample("张三", bad, 5));
  EXPECT_EQ(e.kind(), ErrorKind::Invalid);
  EXPECT_EQ(e.field(), "idNumber");
  EXPECT_EQ(e.code(), "id_number.checksum");

  e = addError(sample("张三", "330104800101001", 5));
  EXPECT_EQ(e.field(), "idNumber");
  EXPECT_EQ(e.code(), "id_number.old15");
  EXPECT_EQ(t.count("SELECT COUNT(*) FROM members"), 0);
}

TEST_F(MembersTest, DuplicateIdNumberIsConflictEvenAcrossScopes) {
  std::string id = makeId("19800101", "001");
  add(sample("张三", id, 5));
  // A user of the other street enters the same person: refused without saying where.
  Error e = addError(sample("张三", id, 8), contextFor("/1/3/"));
  EXPECT_EQ(e.kind(), ErrorKind::Conflict);
  EXPECT_EQ(e.code(), "duplicate");
  EXPECT_EQ(e.field(), "idNumber");
  EXPECT_EQ(e.message().find("甲"), std::string::npos);
  // Lower-case final x is the same number.
  std::string withX;
  for (int s = 0; s < 1000 && withX.empty(); ++s) {
    char buf[4];
    std::snprintf(buf, sizeof buf, "%03d", s);
    std::string cand = makeId("19790203", buf);
    if (cand.back() == 'X') withX = cand;
  }
  ASSERT_FALSE(withX.empty());
  add(sample("李四", withX, 5));
  std::string lower = withX.substr(0, 17) + "x";
  EXPECT_EQ(addError(sample("李四", lower, 6)).code(), "duplicate");
}

TEST_F(MembersTest, SexAndBirthDateComeFromTheIdNumber) {
  Input in = sample("王芳", makeId("19850315", "022"), 5);  // 17th digit 2 → female
  int64_t id = add(in);
  auto c = t.db->acquire();
  auto r = c->query("SELECT sex, birth_date, name_initials, name_pinyin FROM members WHERE id = ?", {id});
  EXPECT_EQ(r.front().text(0), "F");
  EXPECT_EQ(r.front().text(1), "1985-03-15");
  EXPECT_EQ(r.front().text(2), "wf");
  EXPECT_EQ(r.front().text(3), "wangfang");
  // The first placement starts on the joining date.
  auto p = c->query("SELECT org_id, from_date, to_date, reason FROM member_placements WHERE member_id = ?", {id});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p.front().i64(0), 5);
  EXPECT_EQ(p.front().text(1), "2005-07-01");
  EXPECT_TRUE(p.front().isNull(2));
  EXPECT_EQ(p.front().text(3), "新增");
}

TEST_F(MembersTest, IdentifiersAreEncryptedAtRestAndMaskedInAudit) {
  std::string idn = makeId("19800101", "001");
  Input in = sample("张三", idn, 5);
  in.landline = "0571-86001234";
  int64_t id = add(in);
  auto c = t.db->acquire();
  auto r = c->query(
      "SELECT id_number_enc, id_number_mask, id_number_hash, phone_enc, phone_mask, landline_enc FROM members "
      "WHERE id = ?",
      {id});
  auto row = r.front();
  EXPECT_EQ(row.text(0).find(idn), std::string::npos);
  EXPECT_NE(row.text(0), idn);
  EXPECT_EQ(cipher.decrypt(row.text(0)), idn);
  EXPECT_EQ(row.text(1), maskIdNumber(idn));
  EXPECT_EQ(row.text(2), cipher.lookupHash(idn));
  EXPECT_EQ(row.text(3).find("13800138000"), std::string::npos);
  EXPECT_EQ(cipher.decrypt(row.text(3)), "13800138000");
  EXPECT_EQ(row.text(4), "138****8000");
  EXPECT_EQ(cipher.decrypt(row.text(5)), "0571-86001234");
  // No clear identifiers anywhere in the audit log.
  for (auto a : c->query("SELECT COALESCE(before_json,''), COALESCE(after_json,''), summary FROM audit_log")) {
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(a.text(i).find(idn), std::string::npos);
      EXPECT_EQ(a.text(i).find("13800138000"), std::string::npos);
      EXPECT_EQ(a.text(i).find("86001234"), std::string::npos);
    }
  }
  EXPECT_EQ(c->scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND entity = 'member'")->asInt(), 1);
}

TEST_F(MembersTest, FieldRules) {
  std::string idn = makeId("19800101", "001");
  auto field = [&](Input in) { return addError(in).field(); };
  Input in = sample("张三", idn, 5);
  in.name = "";
  EXPECT_EQ(field(in), "name");
  in = sample("张三", idn, 5);
  in.category = "member";
  EXPECT_EQ(field(in), "category");
  in = sample("张三", idn, 5);
  in.fullOn = parseDate("2004-01-01");
  Error e = addError(in);
  EXPECT_EQ(e.field(), "fullOn");
  EXPECT_EQ(e.message(), "转正日期不能早于入党日期");
  in = sample("张三", idn, 5);
  in.category = "probationary";
  EXPECT_EQ(field(in), "fullOn");  // probationary members have no fullOn
  in = sample("张三", idn, 5);
  in.joinedOn = parseDate("1997-06-30");  // 17 years old
  EXPECT_EQ(field(in), "joinedOn");
  in = sample("张三", idn, 5);
  in.joinedOn = parseDate(todayMinusYears(-1));
  in.fullOn.reset();
  EXPECT_EQ(field(in), "joinedOn");  // in the future
  in = sample("张三", idn, 5);
  in.phone = "0571-86001234";  // a landline is not a mobile
  e = addError(in);
  EXPECT_EQ(e.field(), "phone");
  EXPECT_EQ(e.message(), "手机号码格式不正确");
  in = sample("张三", idn, 5);
  in.lostContact = true;
  EXPECT_EQ(field(in), "lostOn");
  in = sample("张三", idn, 5);
  in.sixCategory = "student";
  EXPECT_EQ(field(in), "sixCategory");
  in = sample("张三", idn, 5);
  in.education = "博士";
  EXPECT_EQ(field(in), "education");
  in = sample("张三", idn, 5);
  in.orgId = 4;  // a committee with branches beneath still holds members directly
  EXPECT_NO_THROW(add(in));
  in = sample("李四", makeId("19800101", "011"), 2);  // a street committee does not
  e = addError(in);
  EXPECT_EQ(e.field(), "orgId");
  EXPECT_EQ(e.message(), "党员只能编入党支部（或党总支、党委本级）");
  in.orgId = 9;  // dissolved
  EXPECT_EQ(field(in), "orgId");
  in.orgId = 8;  // outside the caller's scope
  EXPECT_EQ(addError(in, contextFor("/1/2/")).field(), "orgId");
}

TEST_F(MembersTest, MoveKeepsDatedPlacements) {
  int64_t id = add(sample("张三", makeId("19800101", "001"), 5));
  auto c = t.db->acquire();
  {
    store::Transaction tx(*c);
    move(*c, district, id, 6, parseDate("2020-03-01"), "工作调动");
    tx.commit();
  }
  auto p = c->query(
      "SELECT org_id, from_date, to_date, reason FROM member_placements WHERE member_id = ? ORDER BY from_date", {id});
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p.row(0).i64(0), 5);
  EXPECT_EQ(p.row(0).text(2), "2020-03-01");
  EXPECT_EQ(p.row(1).i64(0), 6);
  EXPECT_EQ(p.row(1).text(1), "2020-03-01");
  EXPECT_TRUE(p.row(1).isNull(2));
  EXPECT_EQ(p.row(1).text(3), "工作调动");
  auto m = c->query("SELECT org_id, org_path, version FROM members WHERE id = ?", {id});
  EXPECT_EQ(m.front().i64(0), 6);
  EXPECT_EQ(m.front().text(1), "/1/2/4/6/");
  EXPECT_EQ(m.front().i64(2), 2);
  // Who was where on a past date.
  EXPECT_EQ(orgOn(*c, district.scope, id, *parseDate("2019-12-31")), 5);
  EXPECT_EQ(orgOn(*c, district.scope, id, *parseDate("2020-03-01")), 6);
  EXPECT_EQ(orgOn(*c, district.scope, id, *parseDate("2001-01-01")), std::nullopt);
  EXPECT_EQ(membersOn(*c, district.scope, 5, *parseDate("2010-01-01")), std::vector<int64_t>{id});
  EXPECT_TRUE(membersOn(*c, district.scope, 5, *parseDate("2021-01-01")).empty());
  EXPECT_EQ(orgOn(*c, Scope("/1/3/"), id, *parseDate("2019-12-31")), std::nullopt);  // not in that scope

  auto moveError = [&](int64_t org, const char* on, const auth::Context& ctx) -> Error {
    try {
      store::Transaction tx(*c);
      move(*c, ctx, id, org, parseDate(on), "");
    } catch (const Error& e) {
      return e;
    }
    ADD_FAILURE();
    return Error::internal("");
  };
  EXPECT_EQ(moveError(5, "2019-01-01", district).field(), "effectiveOn");       // before the current placement
  EXPECT_EQ(moveError(6, "2021-01-01", district).field(), "orgId");             // same org
  EXPECT_EQ(moveError(2, "2021-01-01", district).field(), "orgId");             // not a branch
  EXPECT_EQ(moveError(8, "2021-01-01", contextFor("/1/2/")).field(), "orgId");  // outside the scope
  EXPECT_EQ(t.count("SELECT COUNT(*) FROM member_placements WHERE member_id = ? AND to_date IS NULL", {id}), 1);
}

TEST_F(MembersTest, StaleVersionIsConflictAndEditBumpsVersion) {
  Input in = sample("张三", makeId("19800101", "001"), 5);
  int64_t id = add(in);
  auto c = t.db->acquire();
  in.post = "社区主任";
  {
    store::Transaction tx(*c);
    update(*c, district, cipher, id, in, 1);
    tx.commit();
  }
  EXPECT_EQ(c->scalar("SELECT version FROM members WHERE id = ?", {id})->asInt(), 2);
  EXPECT_EQ(c->scalar("SELECT post FROM members WHERE id = ?", {id})->asText(), "社区主任");
  try {
    store::Transaction tx(*c);
    update(*c, district, cipher, id, in, 1);
    FAIL() << "stale edit accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Conflict);
    EXPECT_EQ(e.code(), "stale");
    EXPECT_EQ(e.message(), "记录已被他人修改，请刷新后重试");
  }
  // An edit out of scope does not find the member.
  try {
    store::Transaction tx(*c);
    update(*c, contextFor("/1/3/"), cipher, id, in, 2);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::NotFound);
  }
}

// --- Import / export ---

std::string sheetBytes(const std::vector<std::vector<std::string>>& rows) {
  tabular::Sheet s;
  s.name = "党员信息";
  std::vector<std::string> header;
  for (const auto& col : importSpec(crypto::FieldCipher(std::string(32, 'k'))).columns) header.push_back(col.header);
  s.rows.push_back(header);
  for (const auto& r : rows) {
    std::vector<std::string> full = r;
    full.resize(header.size());
    s.rows.push_back(full);
  }
  return tabular::writeXlsx(s);
}

// name, sex, ethnicity, idNumber, birthDate, education, category, org, joinedOn, fullOn, …
std::vector<std::string> row(const std::string& name, const std::string& id, const std::string& category,
                             const std::string& org) {
  return {name, "", "", id, "", "", category, org, "2005-07-01", category == "正式党员" ? "2006-07-01" : ""};
}

std::string fiveRowsThreeBad() {
  std::string bad = makeId("19800101", "021");
  bad.back() = bad.back() == '0' ? '1' : '0';
  return sheetBytes({row("张三", makeId("19800101", "001"), "正式党员", "甲社区党委/第一党支部"),
                     row("王五", bad, "正式党员", "第二党支部"),
                     row("李四", makeId("19810101", "001"), "预备党员", "第二党支部"),
                     row("赵六", makeId("19820101", "001"), "群众", "第二党支部"),
                     row("钱七", makeId("19830101", "001"), "正式党员", "不存在的支部")});
}

TEST_F(MembersTest, ImportDryRunListsEveryBadRowAndWritesNothing) {
  auto out = importer::run(*t.db, district, importSpec(cipher), fiveRowsThreeBad(), importer::Mode::DryRun);
  EXPECT_EQ(out.total, 5);
  EXPECT_EQ(out.good, 2);
  EXPECT_EQ(out.bad, 3);
  EXPECT_FALSE(out.committed);
  ASSERT_EQ(out.errors.size(), 3u);
  EXPECT_EQ(out.errors[0].row, 3);
  EXPECT_EQ(out.errors[0].field, "idNumber");
  EXPECT_EQ(out.errors[0].column, "公民身份证号");
  EXPECT_EQ(out.errors[1].row, 5);
  EXPECT_EQ(out.errors[1].field, "category");
  EXPECT_EQ(out.errors[2].row, 6);
  EXPECT_EQ(out.errors[2].field, "org");
  EXPECT_EQ(t.count("SELECT COUNT(*) FROM members"), 0);
  EXPECT_EQ(t.count("SELECT COUNT(*) FROM member_placements"), 0);
  EXPECT_EQ(t.count("SELECT COUNT(*) FROM audit_log"), 0);
}

TEST_F(MembersTest, ImportAllOrNothingWithABadRowWritesNothing) {
  auto out = importer::run(*t.db, district, importSpec(cipher), fiveRowsThreeBad(), importer::Mode::AllOrNothing);
  EXPECT_FALSE(out.committed);
  EXPECT_EQ(out.bad, 3);
  EXPECT_EQ(t.count("SELECT COUNT(*) FROM members"), 0);
}

TEST_F(MembersTest, ImportKeepGoodWritesGoodRowsAndReturnsBadFile) {
  auto out = importer::run(*t.db, district, importSpec(cipher), fiveRowsThreeBad(), importer::Mode::KeepGood);
  EXPECT_TRUE(out.committed);
  EXPECT_EQ(out.good, 2);
  EXPECT_EQ(t.count("SELECT COUNT(*) FROM members WHERE active = 1"), 2);
  EXPECT_EQ(t.count("SELECT COUNT(*) FROM member_placements"), 2);
  EXPECT_EQ(t.count("SELECT COUNT(*) FROM audit_log WHERE entity = 'member' AND action = 'create'"), 2);
  EXPECT_EQ(t.count("SELECT org_id FROM members WHERE name = '张三'"), 5);  // path resolved the homonym
  ASSERT_TRUE(out.badFileId);
  auto c = t.db->acquire();
  auto file = importer::loadFile(*c, *out.badFileId, district.scope);
  ASSERT_TRUE(file);
  auto bad = tabular::read(file->second);
  EXPECT_EQ(bad.rows.size(), 4u);  // header + 3 bad rows
}

TEST_F(MembersTest, ImportChecksSexAndBirthDateAgainstTheIdNumber) {
  auto r1 = row("张三", makeId("19800101", "001"), "正式党员", "第二党支部");
  r1[1] = "女";
  auto r2 = row("李四", makeId("19810101", "001"), "正式党员", "第二党支部");
  r2[4] = "1981-01-02";
  auto r3 = row("王五", makeId("19820101", "001"), "正式党员", "第二党支部");
  r3[1] = "男";
  r3[4] = "1982-01-01";
  auto out = importer::run(*t.db, district, importSpec(cipher), sheetBytes({r1, r2, r3}), importer::Mode::DryRun);
  ASSERT_EQ(out.errors.size(), 2u);
  EXPECT_EQ(out.errors[0].field, "sex");
  EXPECT_EQ(out.errors[0].message, "性别与身份证号码不符");
  EXPECT_EQ(out.errors[1].field, "birthDate");
  EXPECT_EQ(out.good, 1);
}

TEST_F(MembersTest, ImportRefusesDuplicatesInsideTheFileAndAgainstTheRegistry) {
  add(sample("张三", makeId("19800101", "001"), 5));
  auto out = importer::run(*t.db, district, importSpec(cipher),
                           sheetBytes({row("李四", makeId("19810101", "001"), "正式党员", "第二党支部"),
                                       row("李四二", makeId("19810101", "001"), "正式党员", "第二党支部"),
                                       row("张三", makeId("19800101", "001"), "正式党员", "第二党支部"),
                                       row("王五", makeId("19820101", "001"), "正式党员", "第二党支部")}),
                           importer::Mode::KeepGood);
  EXPECT_TRUE(out.committed);
  EXPECT_EQ(out.good, 2);
  ASSERT_EQ(out.errors.size(), 2u);
  EXPECT_EQ(out.errors[0].row, 3);  // the second row naming 19810101001 (the header is row 1)
  EXPECT_EQ(out.errors[0].field, "idNumber");
  EXPECT_EQ(out.errors[0].column, "公民身份证号");
  EXPECT_EQ(out.errors[0].message, "该身份证号码的党员已在名册中");
  EXPECT_EQ(out.errors[1].row, 4);  // already in the registry
  EXPECT_EQ(out.errors[1].message, "该身份证号码的党员已在名册中");
  EXPECT_EQ(t.count("SELECT COUNT(*) FROM members"), 3);
  EXPECT_EQ(t.count("SELECT COUNT(*) FROM members WHERE name = '李四'"), 1);
}

// The bulk import writes the audit entry create() writes: the member as read back from the
// database, with the organization's name.
TEST_F(MembersTest, ImportAuditsEachMemberAsCreateDoes) {
  auto r = row("张三", makeId("19800101", "001"), "正式党员", "第二党支部");
  r.resize(20);  // every column of the form
  r[2] = "回族";
  r[5] = "大学本科";
  r[11] = "13800138000";
  r[12] = "0571-86001234";
  r[15] = "是";
  r[16] = "2020-01-01";
  r[19] = "党员干部";
  auto out = importer::run(*t.db, district, importSpec(cipher), sheetBytes({r}), importer::Mode::AllOrNothing);
  ASSERT_TRUE(out.committed);
  auto c = t.db->acquire();
  int64_t id = c->scalar("SELECT id FROM members")->asInt();
  auto a = c->query("SELECT after_json, summary, org_path, entity_id FROM audit_log WHERE action = 'create'");
  ASSERT_EQ(a.size(), 1u);
  bj::object expected = detail::snapshot(*c, id);
  expected["orgName"] = "第二党支部";
  EXPECT_EQ(bj::parse(a.front().text(0)), bj::value(expected));
  EXPECT_EQ(a.front().text(1), "新增党员：张三（第二党支部）");
  EXPECT_EQ(a.front().text(2), "/1/2/4/6/");
  EXPECT_EQ(a.front().i64(3), id);
  EXPECT_TRUE(audit::verify(*c).ok);
}

// More rows than the importer writes per chunk (10,000), so the first chunk is already written
// when the bad row near the end is reached.
std::vector<std::vector<std::string>> manyRows(int n) {
  std::vector<std::vector<std::string>> rows;
  for (int i = 0; i < n; ++i) {
    char birth[9];
    std::snprintf(birth, sizeof birth, "19%02d%02d%02d", 50 + i / 3000 % 40, 1 + i / 100 % 12, 1 + i % 28);
    char seq[4];
    std::snprintf(seq, sizeof seq, "%03d", i / 28 % 100 * 10 + i / 2800 % 10);
    rows.push_back(row("党员" + std::to_string(i), makeId(birth, seq), i % 5 ? "正式党员" : "预备党员",
                       i % 2 ? "第二党支部" : "甲社区党委/第一党支部"));
  }
  return rows;
}

TEST_F(MembersTest, LargeImportAllOrNothingRollsBackWrittenChunksAndKeepGoodKeepsCountsAndChain) {
  members::registerRollup();
  add(sample("张三", makeId("19800101", "001"), 5));
  auto rows = manyRows(12000);
  {
    std::set<std::string> ids;
    for (auto& r : rows) ids.insert(r[3]);
    ASSERT_EQ(ids.size(), rows.size());  // the generator's own check: distinct ID numbers
  }
  rows[11001][6] = "群众";  // a bad category after the first chunk
  std::string file = sheetBytes(rows);
  auto out = importer::run(*t.db, district, importSpec(cipher), file, importer::Mode::AllOrNothing);
  EXPECT_FALSE(out.committed);
  EXPECT_EQ(out.good, 11999);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].row, 11003);
  EXPECT_EQ(out.errors[0].field, "category");
  EXPECT_EQ(out.errors[0].column, "人员类别");
  EXPECT_EQ(t.count("SELECT COUNT(*) FROM members"), 1);
  EXPECT_EQ(t.count("SELECT COUNT(*) FROM member_placements"), 1);
  EXPECT_EQ(t.count("SELECT COUNT(*) FROM audit_log"), 1);

  out = importer::run(*t.db, district, importSpec(cipher), file, importer::Mode::KeepGood);
  EXPECT_TRUE(out.committed);
  EXPECT_EQ(out.good, 11999);
  EXPECT_EQ(out.bad, 1);
  EXPECT_EQ(t.count("SELECT COUNT(*) FROM members WHERE active = 1"), 12000);
  EXPECT_EQ(t.count("SELECT COUNT(*) FROM member_placements WHERE to_date IS NULL"), 12000);
  EXPECT_EQ(t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND entity = 'member'"), 12000);
  EXPECT_EQ(t.count("SELECT COUNT(DISTINCT entity_id) FROM audit_log WHERE action = 'create'"), 12000);
  EXPECT_EQ(t.count("SELECT COUNT(*) FROM members m JOIN member_placements p ON p.member_id = m.id "
                    "AND p.org_id = m.org_id AND p.from_date = m.joined_on"),
            12000);
  auto c = t.db->acquire();
  auto v = audit::verify(*c);
  EXPECT_TRUE(v.ok);
  EXPECT_EQ(v.checked, 12000);
  EXPECT_TRUE(rollup::check(*c).empty());
  auto counts = rollup::subtree(*c, district.scope, {"members.category"});
  EXPECT_EQ(rollup::get(counts, "members.category", "probationary"), 2400);
  // A write through create() after the import continues the ids and the chain.
  int64_t next = add(sample("李四", makeId("19810101", "001"), 5));
  EXPECT_EQ(next, c->scalar("SELECT MAX(id) FROM members")->asInt());
  EXPECT_TRUE(audit::verify(*c).ok);
}

TEST_F(MembersTest, ExportReimportsIntoAFreshDatabase) {
  Input a = sample("张三", makeId("19800101", "001"), 5);
  a.landline = "0571-86001234";
  a.education = "大学本科";
  a.ethnicity = "回族";
  a.post = "退休";
  a.address = "凯旋路1号";
  a.sixCategory = "veteran";
  add(a);
  Input b = sample("李四", makeId("19900101", "002"), 8);
  b.category = "probationary";
  b.joinedOn = parseDate("2020-01-01");
  b.fullOn.reset();
  b.standing = "suspended";
  b.lostContact = true;
  b.lostOn = parseDate("2021-05-01");
  b.mobile = true;
  b.mobileTo = "浙江省宁波市";
  b.sixCategory = "mobile";
  add(b);
  Input gone = sample("王五", makeId("19850101", "003"), 6);
  int64_t goneId = add(gone);
  {
    auto c = t.db->acquire();
    store::Transaction tx(*c);
    remove(*c, district, goneId, "死亡", std::nullopt);
    tx.commit();
  }

  std::string exported;
  {
    auto c = t.db->acquire();
    exported = exportXlsx(*c, district.scope, cipher, true);
  }
  auto sheet1 = tabular::read(exported);
  ASSERT_EQ(sheet1.rows.size(), 3u);  // header + 2 active members
  // The homonymous branches are written with their parents so they re-import unambiguously.
  std::set<std::string> orgCells{sheet1.rows[1][7], sheet1.rows[2][7]};
  EXPECT_TRUE(orgCells.count("甲社区党委/第一党支部"));
  EXPECT_TRUE(orgCells.count("乙社区党委/第一党支部"));

  TestDb fresh;
  auto out = importer::run(*fresh.db, district, importSpec(cipher), exported, importer::Mode::AllOrNothing);
  EXPECT_TRUE(out.committed) << (out.errors.empty() ? "" : out.errors[0].column + out.errors[0].message);
  EXPECT_EQ(out.good, 2);
  auto c2 = fresh.db->acquire();
  auto sheet2 = tabular::read(exportXlsx(*c2, district.scope, cipher, true));
  EXPECT_EQ(sheet1.rows, sheet2.rows);

  // Masked export does not carry clear identifiers.
  auto masked = tabular::read(exportXlsx(*c2, district.scope, cipher, false));
  for (const auto& r : masked.rows)
    for (const auto& cell : r) EXPECT_EQ(cell.find("13800138000"), std::string::npos);
  EXPECT_EQ(masked.rows[1][3], maskIdNumber(sheet1.rows[1][3]));
}

// --- Through the HTTP routes, with real sessions ---

class MembersApiTest : public MembersTest {
 protected:
  http::Router router;
  std::unique_ptr<platform::Jobs> jobs;
  std::string token, csrf;

  void SetUp() override {
    jobs = std::make_unique<platform::Jobs>(*t.db);
    platform::Api api(router, platform::Services{t.db.get(), &cipher, jobs.get()});
    registerRoutes(api);
    auto c = t.db->acquire();
    store::Transaction tx(*c);
    auth::createUser(*c, auth::Actor::system(), "jia", "甲街道管理员", auth::Role::Street, 2, "Passw0rd!");
    auth::createUser(*c, auth::Actor::system(), "grid", "网格长", auth::Role::GridLeader, 2, "Passw0rd!");
    settings::set(*c, auth::Actor::system(), "auth.totp_required", false);  // password-only sign-in here
    tx.commit();
  }
  void TearDown() override { jobs.reset(); }

  void loginAs(const std::string& user) {
    auto c = t.db->acquire();
    auto r = auth::login(*c, user, "Passw0rd!", "127.0.0.1");
    token = r.sessionToken;
    csrf = r.csrfToken;
  }

  http::Response call(const std::string& method, const std::string& target, const std::string& body = "") {
    http::Request req;
    req.method = method;
    req.target = target;
    size_t q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = http::parseQuery(target.substr(q + 1));
    req.headers["cookie"] = std::string(platform::kSessionCookie) + "=" + token;
    req.headers["x-csrf-token"] = csrf;
    req.body = body;
    req.remoteIp = "127.0.0.1";
    auto m = router.match(method, req.path);
    if (!m.handler) throw std::runtime_error("no route " + method + " " + req.path);
    req.params = m.params;
    return (*m.handler)(req);
  }
  bj::value callJson(const std::string& method, const std::string& target, const std::string& body = "") {
    return bj::parse(call(method, target, body).body);
  }
  Error callError(const std::string& method, const std::string& target, const std::string& body = "") {
    try {
      call(method, target, body);
    } catch (const Error& e) {
      return e;
    }
    ADD_FAILURE() << method << " " << target << " succeeded";
    return Error::internal("");
  }
};

TEST_F(MembersApiTest, ListNeverShowsAnotherStreetsMembers) {
  add(sample("张三", makeId("19800101", "001"), 5));
  add(sample("张三丰", makeId("19800101", "011"), 6));
  int64_t other = add(sample("张三", makeId("19800101", "021"), 8));  // 乙街道
  loginAs("jia");
  auto list = callJson("GET", "/api/members?pageSize=200").as_object();
  EXPECT_EQ(list.at("total").as_int64(), 2);
  for (auto& item : list.at("items").as_array()) {
    EXPECT_NE(item.at("id").as_int64(), other);
    EXPECT_TRUE(item.at("orgId").as_int64() == 5 || item.at("orgId").as_int64() == 6);
  }
  // Pinyin initials and full pinyin prefix.
  EXPECT_EQ(callJson("GET", "/api/members?q=zsf").at("total").as_int64(), 1);
  EXPECT_EQ(callJson("GET", "/api/members?q=ZhangS").at("total").as_int64(), 2);
  EXPECT_EQ(callJson("GET", "/api/members?q=三丰").at("total").as_int64(), 1);
  EXPECT_EQ(callJson("GET", "/api/members?orgId=6").at("total").as_int64(), 1);
  EXPECT_EQ(callError("GET", "/api/members?orgId=8").field(), "orgId");
  EXPECT_EQ(callError("GET", "/api/members?sort=idNumber").field(), "sort");
  EXPECT_EQ(callError("GET", "/api/members/" + std::to_string(other)).kind(), ErrorKind::NotFound);
  EXPECT_EQ(callError("GET", "/api/members/" + std::to_string(other) + "/sensitive").kind(), ErrorKind::NotFound);
  auto row = list.at("items").as_array()[0].as_object();
  EXPECT_EQ(row.at("name").as_string(), "张三");  // pinyin order: 张三 before 张三丰
  EXPECT_EQ(row.at("idNumberMasked").as_string(), maskIdNumber(makeId("19800101", "001")));
  EXPECT_EQ(row.at("categoryLabel").as_string(), "正式党员");
  EXPECT_EQ(row.at("orgName").as_string(), "第一党支部");
}

TEST_F(MembersApiTest, CreateEditMoveRemoveThroughTheApi) {
  loginAs("jia");
  std::string idn = makeId("19800101", "001");
  bj::object body{{"name", "张三"},           {"idNumber", idn},        {"category", "full"},     {"orgId", 5},
                  {"joinedOn", "2005-07-01"}, {"fullOn", "2006-07-01"}, {"phone", "13800138000"}, {"sex", "F"},
                  {"birthDate", "2000-01-01"}};  // client's sex/birth ignored
  auto created = call("POST", "/api/members", bj::serialize(body));
  EXPECT_EQ(created.status, 201);
  auto m = bj::parse(created.body).as_object();
  int64_t id = m.at("id").as_int64();
  EXPECT_EQ(m.at("sex").as_string(), "M");
  EXPECT_EQ(m.at("birthDate").as_string(), "1980-01-01");
  EXPECT_EQ(m.at("placements").as_array().size(), 1u);
  EXPECT_EQ(m.at("phoneMasked").as_string(), "138****8000");
  EXPECT_EQ(m.find("idNumber"), m.end());
  std::string sid = std::to_string(id);

  Error dup = callError("POST", "/api/members", bj::serialize(body));
  EXPECT_EQ(dup.code(), "duplicate");

  body["version"] = 1;
  body["post"] = "书记";
  auto edited = callJson("PUT", "/api/members/" + sid, bj::serialize(body)).as_object();
  EXPECT_EQ(edited.at("version").as_int64(), 2);
  EXPECT_EQ(callError("PUT", "/api/members/" + sid, bj::serialize(body)).code(), "stale");

  auto moved = callJson("POST", "/api/members/" + sid + "/move",
                        bj::serialize(bj::object{{"orgId", 6}, {"effectiveOn", "2022-01-01"}}))
                   .as_object();
  EXPECT_EQ(moved.at("orgId").as_int64(), 6);
  EXPECT_EQ(moved.at("placements").as_array().size(), 2u);
  EXPECT_EQ(callError("POST", "/api/members/" + sid + "/move", bj::serialize(bj::object{{"orgId", 8}})).field(),
            "orgId");

  auto secret = callJson("GET", "/api/members/" + sid + "/sensitive").as_object();
  EXPECT_EQ(secret.at("idNumber").as_string(), idn);
  EXPECT_EQ(secret.at("phone").as_string(), "13800138000");
  EXPECT_EQ(t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'reveal' AND entity_id = ?", {id}), 1);

  EXPECT_EQ(callError("DELETE", "/api/members/" + sid, "{}").field(), "reason");
  auto removed = callJson("DELETE", "/api/members/" + sid, bj::serialize(bj::object{{"reason", "迁出本区"}}));
  EXPECT_FALSE(removed.at("active").as_bool());
  EXPECT_EQ(callJson("GET", "/api/members").at("total").as_int64(), 0);
  EXPECT_EQ(t.count("SELECT COUNT(*) FROM member_placements WHERE member_id = ? AND to_date IS NULL", {id}), 0);
  auto c = t.db->acquire();
  EXPECT_TRUE(audit::verify(*c).ok);
}

TEST_F(MembersApiTest, GridLeaderCannotWriteOrReveal) {
  int64_t id = add(sample("张三", makeId("19800101", "001"), 5));
  loginAs("grid");
  EXPECT_EQ(callJson("GET", "/api/members").at("total").as_int64(), 1);
  EXPECT_EQ(callError("GET", "/api/members/" + std::to_string(id) + "/sensitive").kind(), ErrorKind::Forbidden);
  EXPECT_EQ(callError("POST", "/api/members", "{}").kind(), ErrorKind::Forbidden);
  // Export without member.sensitive masks identifiers.
  auto sheet = tabular::read(call("GET", "/api/members/export").body);
  ASSERT_EQ(sheet.rows.size(), 2u);
  EXPECT_EQ(sheet.rows[1][3], maskIdNumber(makeId("19800101", "001")));
}

TEST_F(MembersApiTest, ImportRunsAsAJob) {
  loginAs("jia");
  EXPECT_EQ(callError("POST", "/api/members/import?mode=all", "x").field(), "mode");
  EXPECT_EQ(callError("POST", "/api/members/import?mode=dry_run", "").field(), "file");
  auto r = call("POST", "/api/members/import?mode=keep_good&fileName=a.xlsx", fiveRowsThreeBad());
  EXPECT_EQ(r.status, 202);
  int64_t jobId = bj::parse(r.body).at("jobId").as_int64();
  std::optional<bj::object> job;
  for (int i = 0; i < 200; ++i) {
    job = jobs->get(jobId, Scope("/1/2/"));
    ASSERT_TRUE(job);
    if (job->at("status").as_string() != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(job->at("status").as_string(), "done") << bj::serialize(*job);
  auto& result = job->at("result").as_object();
  EXPECT_EQ(result.at("good").as_int64(), 2);
  EXPECT_EQ(result.at("bad").as_int64(), 3);
  EXPECT_TRUE(result.at("badFileId").is_int64());
  EXPECT_EQ(t.count("SELECT COUNT(*) FROM members"), 2);
  auto tmpl = tabular::read(call("GET", "/api/members/import-template").body);
  EXPECT_EQ(tmpl.rows[0][0], "姓名");
  EXPECT_EQ(tmpl.rows[0][3], "公民身份证号");
}

}  // namespace
}  // namespace zg::members
