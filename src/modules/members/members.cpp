// M2 routes and reads: the scoped list (paged, sorted in pinyin order, searchable by pinyin),
// the detail with placements, the audited reveal of identifiers, export and import.
#include "modules/members/members.h"

#include <algorithm>
#include <exception>
#include <map>
#include <memory>

#include "core/error.h"
#include "modules/members/members_internal.h"
#include "modules/orgs/orgs.h"
#include "platform/audit.h"
#include "platform/cache.h"
#include "platform/jobs.h"
#include "platform/tabular.h"

namespace zg::members {

namespace bj = boost::json;
using store::Connection;
using store::Params;

namespace {

constexpr const char* kXlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

// The national collection form's items, in order; import columns and export headers.
const std::vector<importer::Column>& columns() {
  static const std::vector<importer::Column> cols = {
      {"name", "姓名", true, {}, "不超过20个字"},
      {"sex", "性别", false, {}, "男/女；可不填，按身份证号码自动判断，填写时须与身份证号码一致"},
      {"ethnicity", "民族", false, {}, "不填默认为汉族"},
      {"idNumber", "公民身份证号", true, {"身份证号", "身份证号码", "公民身份号码"}, "18位，末位校验码须正确"},
      {"birthDate", "出生日期", false, {}, "可不填，按身份证号码自动判断"},
      {"education", "学历", false, {}, "研究生、大学本科、大学专科、中专、高中、初中及以下"},
      {"category", "人员类别", true, {}, "正式党员或预备党员"},
      {"org", "所在党支部", true, {"所在党组织"}, "党组织全称；重名时写上级名称，如“某某社区/第一党支部”"},
      {"joinedOn", "加入党组织日期", true, {"入党日期"}, "格式 2010-07-01，入党时须年满18周岁"},
      {"fullOn", "转为正式党员日期", false, {"转正日期"}, "仅正式党员填写，须晚于入党日期"},
      {"post", "工作岗位", false, {}, ""},
      {"phone", "联系电话", false, {"手机号码"}, "11位手机号码"},
      {"landline", "固定电话", false, {}, "如 0571-86001234"},
      {"address", "家庭住址", false, {}, ""},
      {"standing", "党籍状态", false, {}, "正常或停止党籍，不填为正常"},
      {"lostContact", "是否失联", false, {}, "是/否，不填为否"},
      {"lostOn", "失去联系日期", false, {"失联日期"}, "失联党员必填"},
      {"mobile", "是否流动党员", false, {}, "是/否，不填为否"},
      {"mobileTo", "外出流向", false, {}, "流动党员填写外出去向"},
      {"sixCategory",
       "6×3类别",
       false,
       {"6x3类别", "六类党员类别"},
       "党员干部、老党员及离退休职工党员、农民(社区)党员、非公经济组织党员、流动党员、生活困难党员"},
  };
  return cols;
}

std::string lowerAscii(std::string s) {
  for (char& ch : s)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  return s;
}

std::string likeEscape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '%' || ch == '_' || ch == '\\') out.push_back('\\');
    out.push_back(ch);
  }
  return out;
}

bool isAsciiAlnum(const std::string& s) {
  if (s.empty()) return false;
  for (char ch : s)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))) return false;
  return true;
}

// SQLite's planner takes the (active, org_path, name_sort) index for any path range and then
// sorts the whole subtree. For a broad subtree (more than a quarter of all members: the
// district, a street of a small district) walking the (active, name_sort, id) index in order
// and stopping after one page is far cheaper (100,000 members: about 1 ms against 55 ms), so
// for the page query the path condition is then written so that it cannot use the path index.
// The count keeps the path index, which covers it. The estimate reads at most that many index
// entries. PostgreSQL's planner decides for itself. `known`: the subtree's active members when
// the caller has just counted them (the list's total with no other filter): no second walk.
bool broadSubtree(Connection& c, const std::string& path, std::optional<int64_t> known = std::nullopt) {
  if (c.dialect() != store::Dialect::Sqlite) return false;
  // Ids are never reused (removal is a flag), so the largest id bounds the row count cheaply.
  int64_t all = c.scalar("SELECT COALESCE(MAX(id), 0) FROM members")->asInt();
  int64_t cap = all / 4;
  if (cap < 1000) return false;
  if (known) return *known > cap;
  Params p;
  std::string w = Scope(path).where("org_path", p);
  p.emplace_back(cap + 1);
  auto n = c.scalar("SELECT COUNT(*) FROM (SELECT 1 FROM members WHERE active = 1 AND " + w + " LIMIT ?) AS sub", p);
  return n && n->asInt() > cap;
}

// The WHERE clause (on members m) for `f` within `scope`; active members only.
std::string whereFor(Connection& c, const Scope& scope, const Filter& f, Params& p, bool forPage = false,
                     std::optional<int64_t> subtreeCount = std::nullopt) {
  Scope within = scope;
  if (f.orgId) {
    orgs::Org o = orgs::require(c, scope, *f.orgId, "orgId");
    within = Scope(o.path);  // inside `scope`: require() found it there
  }
  // A search is served by the name indexes, so it takes the same route as a page.
  bool searching = !trim(f.q).empty();
  std::string column = (forPage || searching) && broadSubtree(c, within.path(), subtreeCount) ? "(m.org_path || '')" : "m.org_path";
  // `within` is the scope itself or an organization that orgs::require() found inside it, so
  // its range lies inside the scope's; filtering by the narrower range alone keeps the
  // planner on it (with both, SQLite may scan the wider one and test the other per row).
  std::string w = "m.active = 1 AND " + within.where(column, p);
  std::string q = lowerAscii(trim(f.q));
  if (!q.empty()) {
    if (utf8Length(q) > 40) throw Error::invalid("q", "搜索内容过长");
    std::string e = likeEscape(q);
    if (isAsciiAlnum(q)) {
      // Pinyin initials or a full-pinyin prefix, as half-open ranges the indexes on
      // name_initials and name_pinyin serve. An ASCII query does not also search inside names
      // (that would scan the table); a name's own Latin letters are in its pinyin columns.
      std::string upper = q;
      upper.back() = static_cast<char>(upper.back() + 1);
      // Bytewise on PostgreSQL too, as its indexes on these columns are built.
      std::string C = c.dialect() == store::Dialect::Postgres ? " COLLATE \"C\"" : "";
      w += " AND ((m.name_initials" + C + " >= ? AND m.name_initials" + C + " < ?) OR (m.name_pinyin" + C +
           " >= ? AND m.name_pinyin" + C + " < ?))";
      for (auto* v : {&q, &upper, &q, &upper}) p.emplace_back(*v);
    } else {
      w += " AND m.name LIKE ? ESCAPE '\\'";
      p.emplace_back("%" + e + "%");
    }
  }
  if (f.category) {
    if (!categoryLabel(*f.category)) throw Error::invalid("category", "人员类别的取值无效", "bad_choice");
    w += " AND m.category = ?";
    p.emplace_back(*f.category);
  }
  if (f.sixCategory) {
    if (!sixCategoryLabel(*f.sixCategory)) throw Error::invalid("sixCategory", "6×3类别的取值无效", "bad_choice");
    w += " AND m.six_category = ?";
    p.emplace_back(*f.sixCategory);
  }
  if (f.standing) {
    if (!standingLabel(*f.standing)) throw Error::invalid("standing", "党籍状态的取值无效", "bad_choice");
    w += " AND m.standing = ?";
    p.emplace_back(*f.standing);
  }
  return w;
}

Filter filterFrom(const http::Request& req) {
  Filter f;
  auto nonEmpty = [&](const char* k) -> std::optional<std::string> {
    auto v = req.q(k);
    if (!v || trim(*v).empty()) return std::nullopt;
    return trim(*v);
  };
  if (auto v = nonEmpty("orgId")) {
    try {
      size_t pos = 0;
      long long n = std::stoll(*v, &pos);
      if (pos != v->size() || n <= 0) throw 0;
      f.orgId = n;
    } catch (...) {
      throw Error::invalid("orgId", "组织编号无效");
    }
  }
  f.q = nonEmpty("q").value_or("");
  f.category = nonEmpty("category");
  f.sixCategory = nonEmpty("sixCategory");
  f.standing = nonEmpty("standing");
  return f;
}

bj::value labelOrNull(const std::optional<std::string>& l) {
  return l ? bj::value(bj::string(*l)) : bj::value(nullptr);
}

std::string sexLabel(const std::string& s) { return s == "F" ? "女" : "男"; }

bj::value ageJson(const std::optional<std::string>& birth) {
  if (!birth) return nullptr;
  auto d = parseDate(*birth);
  if (!d) return nullptr;
  return ageOn(*d, today());
}

// The list row's columns; the organization's name (column 5) is `orgName`.
std::string listCols(const std::string& orgName) {
  return "m.id, m.name, m.sex, m.birth_date, m.org_id, " + orgName +
         ", m.category, m.six_category, m.joined_on, m.id_number_mask, m.phone_mask, m.standing, m.lost_contact, "
         "m.mobile";
}

bj::object listRow(const store::Row& r) {
  std::string category = r.text(6), standing = r.text(11);
  auto six = r.optText(7);
  return {{"id", r.i64(0)},
          {"name", r.text(1)},
          {"sex", r.text(2)},
          {"sexLabel", sexLabel(r.text(2))},
          {"birthDate", json::opt(r.optText(3))},
          {"age", ageJson(r.optText(3))},
          {"orgId", r.i64(4)},
          {"orgName", r.text(5)},
          {"category", category},
          {"categoryLabel", labelOrNull(categoryLabel(category))},
          {"sixCategory", json::opt(six)},
          {"sixCategoryLabel", six ? labelOrNull(sixCategoryLabel(*six)) : bj::value(nullptr)},
          {"joinedOn", json::opt(r.optText(8))},
          {"idNumberMasked", json::opt(r.optText(9))},
          {"phoneMasked", json::opt(r.optText(10))},
          {"standing", standing},
          {"standingLabel", labelOrNull(standingLabel(standing))},
          {"lostContact", r.i64(12) != 0},
          {"mobile", r.i64(13) != 0}};
}

// The member list's pages (GET /api/members), shared by every user and kept per epoch; 512
// pages of 50 rows are about 11 MB.
cache::EpochMap<std::shared_ptr<const std::string>>& listCache() {
  static cache::EpochMap<std::shared_ptr<const std::string>> m(512);
  return m;
}

std::string listCacheKey(const Scope& scope, const Filter& f, const json::PageSpec& ps) {
  std::string k;
  for (const std::string& part :
       {scope.path(), f.orgId ? std::to_string(*f.orgId) : std::string(), f.q, f.category.value_or(""),
        f.sixCategory.value_or(""), f.standing.value_or(""), ps.orderBy, std::to_string(ps.page),
        std::to_string(ps.pageSize), today().iso()}) {
    k += part;
    k += '\x1f';
  }
  return k;
}

bj::object detailJson(Connection& c, const Scope& scope, int64_t id) {
  Params p{id};
  std::string w = scope.where("m.org_path", p);
  auto r = c.query("SELECT " + listCols("o.name") +
                       ", m.ethnicity, m.education, m.full_on, m.post, m.landline_mask, m.address, m.lost_on, "
                       "m.mobile_to, m.version, m.active, m.removed_on, m.removed_reason "
                       "FROM members m JOIN orgs o ON o.id = m.org_id WHERE m.id = ? AND " +
                       w,
                   p);
  if (r.empty()) throw Error::notFound("党员不存在");
  auto row = r.front();
  bj::object o = listRow(row);
  o["ethnicity"] = row.text(14);
  o["education"] = json::opt(row.optText(15));
  o["fullOn"] = json::opt(row.optText(16));
  o["post"] = json::opt(row.optText(17));
  o["landlineMasked"] = json::opt(row.optText(18));
  o["address"] = json::opt(row.optText(19));
  o["lostOn"] = json::opt(row.optText(20));
  o["mobileTo"] = json::opt(row.optText(21));
  o["version"] = row.i64(22);
  o["active"] = row.i64(23) != 0;
  o["removedOn"] = json::opt(row.optText(24));
  o["removedReason"] = json::opt(row.optText(25));
  bj::array placements;
  auto pr = c.query(
      "SELECT p.org_id, o.name, p.from_date, p.to_date, p.reason FROM member_placements p "
      "JOIN orgs o ON o.id = p.org_id WHERE p.member_id = ? ORDER BY p.from_date, p.id",
      {id});
  for (auto x : pr)
    placements.push_back({{"orgId", x.i64(0)},
                          {"orgName", x.text(1)},
                          {"fromDate", x.text(2)},
                          {"toDate", json::opt(x.optText(3))},
                          {"reason", x.text(4)}});
  o["placements"] = std::move(placements);
  return o;
}

// Names that identify organizations for re-import: the full name when it is unique among the
// organizations that are not dissolved, else the shortest "上级/…/名称" path that is.
class OrgLabels {
 public:
  explicit OrgLabels(Connection& c) {
    for (auto r : c.query("SELECT id, parent_id, name, dissolved_on FROM orgs")) {
      nodes_[r.i64(0)] = {r.optI64(1), r.text(2)};
      if (r.isNull(3)) byName_[r.text(2)].push_back(r.i64(0));
    }
  }
  std::string label(int64_t id) {
    auto cached = cache_.find(id);
    if (cached != cache_.end()) return cached->second;
    std::vector<std::string> chain = chainOf(id);  // self first, then ancestors
    std::string out = chain.empty() ? std::string() : chain[0];
    if (!chain.empty()) {
      std::vector<std::vector<std::string>> rivals;
      for (int64_t other : byName_[chain[0]])
        if (other != id) rivals.push_back(chainOf(other));
      size_t k = 1;
      auto clash = [&](size_t len) {
        for (auto& rv : rivals) {
          bool same = rv.size() >= len && chain.size() >= len;
          for (size_t i = 0; same && i < len; ++i) same = rv[i] == chain[i];
          if (same) return true;
        }
        return false;
      };
      while (k < chain.size() && clash(k)) ++k;
      out.clear();
      for (size_t i = k; i-- > 0;) out += chain[i] + (i ? "/" : "");
    }
    cache_[id] = out;
    return out;
  }

 private:
  std::vector<std::string> chainOf(int64_t id) {
    std::vector<std::string> out;
    std::optional<int64_t> cur = id;
    while (cur && out.size() < 64) {
      auto it = nodes_.find(*cur);
      if (it == nodes_.end()) break;
      out.push_back(it->second.second);
      cur = it->second.first;
    }
    return out;
  }
  std::map<int64_t, std::pair<std::optional<int64_t>, std::string>> nodes_;
  std::map<std::string, std::vector<int64_t>> byName_;
  std::map<int64_t, std::string> cache_;
};

std::optional<std::string> decryptOpt(const crypto::FieldCipher& cipher, const std::optional<std::string>& s) {
  if (!s || s->empty()) return std::nullopt;
  return cipher.decrypt(*s);
}

// Import: cell text to the API's values.
std::optional<bool> yesNo(const std::string& s) {
  if (s.empty() || s == "否" || s == "N" || s == "n" || s == "0" || s == "false") return false;
  if (s == "是" || s == "Y" || s == "y" || s == "1" || s == "true") return true;
  return std::nullopt;
}

// A row's cells as create()'s input; the organization is left to the caller (in.orgId).
Input importInput(const importer::Row& row) {
  bj::object o;
  for (const char* k : {"name", "idNumber", "ethnicity", "education", "joinedOn", "fullOn", "post", "phone", "landline",
                        "address", "lostOn", "mobileTo"})
    if (!row[k].empty()) o[k] = row[k];
  const std::string& cat = row["category"];
  if (cat == "正式党员" || cat == "正式" || cat == "full")
    o["category"] = "full";
  else if (cat == "预备党员" || cat == "预备" || cat == "probationary")
    o["category"] = "probationary";
  else if (!cat.empty())
    throw Error::invalid("category", "人员类别应为“正式党员”或“预备党员”", "bad_choice");
  const std::string& st = row["standing"];
  if (st.empty() || st == "正常" || st == "normal")
    o["standing"] = "normal";
  else if (st == "停止党籍" || st == "停止" || st == "suspended")
    o["standing"] = "suspended";
  else
    throw Error::invalid("standing", "党籍状态应为“正常”或“停止党籍”", "bad_choice");
  for (const char* k : {"lostContact", "mobile"}) {
    auto b = yesNo(row[k]);
    if (!b) throw Error::invalid(k, "应填写“是”或“否”", "bad_choice");
    o[k] = *b;
  }
  const std::string& six = row["sixCategory"];
  if (!six.empty()) {
    std::string key;
    for (const auto& [k, l] : sixCategories())
      if (six == l || six == k) key = k;
    if (six == "农民（社区）党员") key = "farmer_community";
    if (key.empty()) throw Error::invalid("sixCategory", "6×3类别的取值无效", "bad_choice");
    o["sixCategory"] = key;
  }
  Input in = parseInput(json::Form(std::move(o)), false);
  IdNumberCheck id = checkIdNumber(in.idNumber);
  if (id.ok) {
    const std::string& sex = row["sex"];
    if (!sex.empty()) {
      char s = (sex == "男" || sex == "M") ? 'M' : (sex == "女" || sex == "F") ? 'F' : 0;
      if (!s) throw Error::invalid("sex", "性别应为“男”或“女”", "bad_choice");
      if (s != id.sex) throw Error::invalid("sex", "性别与身份证号码不符", "mismatch");
    }
    const std::string& birth = row["birthDate"];
    if (!birth.empty()) {
      auto d = parseDate(birth);
      if (!d) throw Error::invalid("birthDate", "出生日期不是有效日期（格式：2024-01-31）", "bad_date");
      if (*d != id.birthDate) throw Error::invalid("birthDate", "出生日期与身份证号码不符", "mismatch");
    }
  }
  if (!in.joinedOn) throw Error::invalid("joinedOn", "加入党组织日期不能为空", "required");
  if (row["org"].empty()) throw Error::invalid("org", "所在党支部不能为空", "required");
  in.orgField = "org";
  return in;
}

// The import's writer: rows become members through BulkCreate; each distinct organization name
// is looked up once (a file names a few hundred branches over many thousand rows).
class ImportBatch : public importer::Batch {
 public:
  ImportBatch(Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher)
      : c_(c), ctx_(ctx), bulk_(c, ctx, cipher) {}
  void add(const importer::Row& row) override {
    Input in = importInput(row);
    in.orgId = orgId(row["org"]);
    bulk_.add(in);
  }
  void write() override { bulk_.write(); }
  void discard() override { bulk_.discard(); }

 private:
  int64_t orgId(const std::string& name) {
    auto [it, fresh] = orgs_.try_emplace(name);
    if (fresh) {
      try {
        it->second.first = orgs::findByName(c_, ctx_.scope, name, "org").id;
      } catch (...) {
        it->second.second = std::current_exception();
      }
    }
    if (it->second.second) std::rethrow_exception(it->second.second);
    return it->second.first;
  }
  Connection& c_;
  const auth::Context& ctx_;
  BulkCreate bulk_;
  std::map<std::string, std::pair<int64_t, std::exception_ptr>> orgs_;
};

http::Response xlsx(std::string bytes, const std::string& name) {
  return http::Response::download(std::move(bytes), kXlsxType, name);
}

}  // namespace

importer::Spec importSpec(const crypto::FieldCipher& cipher) {
  importer::Spec s;
  s.entity = "members";
  s.label = "党员";
  s.columns = columns();
  const crypto::FieldCipher* cp = &cipher;
  s.tables = {"members", "member_placements", "org_counts", "audit_log"};
  s.batch = [cp](Connection& c, const auth::Context& ctx) -> std::unique_ptr<importer::Batch> {
    return std::make_unique<ImportBatch>(c, ctx, *cp);
  };
  s.instructions = {
      "表头采用《党员基本信息采集表》的项目名称，带*的列为必填。",
      "每行一名党员；身份证号码已在名册中的党员不会重复导入。",
      "性别、出生日期由身份证号码自动得出，填写时须与身份证号码一致。",
      "日期格式如 2010-07-01；是否类项目填“是”或“否”。",
      "建议先选择“仅校验”方式导入，确认无误后再正式导入。",
  };
  return s;
}

std::string exportXlsx(Connection& c, const Scope& scope, const crypto::FieldCipher& cipher, bool reveal,
                       const Filter& filter) {
  Params p;
  std::string w = whereFor(c, scope, filter, p);
  auto r = c.query(
      "SELECT m.name, m.sex, m.ethnicity, m.id_number_enc, m.id_number_mask, m.birth_date, m.education, m.category, "
      "m.org_id, m.joined_on, m.full_on, m.post, m.phone_enc, m.phone_mask, m.landline_enc, m.landline_mask, "
      "m.address, m.standing, m.lost_contact, m.lost_on, m.mobile, m.mobile_to, m.six_category "
      "FROM members m WHERE " +
          w + " ORDER BY m.name_sort, m.id",
      p);
  OrgLabels labels(c);
  tabular::Sheet sheet;
  sheet.name = "党员信息";
  std::vector<std::string> header;
  for (const auto& col : columns()) header.push_back(col.header);
  sheet.rows.push_back(header);
  for (auto row : r) {
    auto secret = [&](size_t enc, size_t masked) -> std::string {
      if (reveal) return decryptOpt(cipher, row.optText(enc)).value_or("");
      return row.text(masked);
    };
    std::string category = row.text(7), standing = row.text(17);
    auto six = row.optText(22);
    bool lost = row.i64(18) != 0, mobile = row.i64(20) != 0;
    sheet.rows.push_back({row.text(0),
                          sexLabel(row.text(1)),
                          row.text(2),
                          secret(3, 4),
                          row.text(5),
                          row.text(6),
                          categoryLabel(category).value_or(category),
                          labels.label(row.i64(8)),
                          row.text(9),
                          row.text(10),
                          row.text(11),
                          secret(12, 13),
                          secret(14, 15),
                          row.text(16),
                          standingLabel(standing).value_or(standing),
                          lost ? "是" : "否",
                          row.text(19),
                          mobile ? "是" : "否",
                          row.text(21),
                          six ? sixCategoryLabel(*six).value_or(*six) : ""});
  }
  return tabular::writeXlsx(sheet);
}

void registerRoutes(platform::Api& api) {
  registerSettings();
  using auth::Permission;
  platform::Services svc = api.services();

  api.get("/api/members", Permission::MemberRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    // On PostgreSQL the sort keys (hex) are compared bytewise, as the index on them is built.
    std::string nameSort = c.dialect() == store::Dialect::Postgres ? "m.name_sort COLLATE \"C\"" : "m.name_sort";
    json::PageSpec ps = json::pageSpec(req,
                                       {{"name", nameSort + ", m.id"},
                                        {"joinedOn", "m.joined_on, m.id"},
                                        {"birthDate", "m.birth_date, m.id"},
                                        {"id", "m.id"}},
                                       "name");
    Filter filter = filterFrom(req);
    // Pages already built under the request's `members` epoch (platform/cache.h): the page is a
    // function of the scope, the filter, the order, the page, today (ages) and the member and
    // organization rows, whose every change moves the epoch. Only successful pages are kept.
    int64_t epoch = cache::read(c).members;  // before any data is read: see platform/cache.h
    std::string key = listCacheKey(ctx.scope, filter, ps);
    if (auto hit = listCache().get(epoch, key)) {
      http::Response res;
      res.body = **hit;
      return res;
    }
    Params p;
    std::string w = whereFor(c, ctx.scope, filter, p);
    int64_t total = c.scalar("SELECT COUNT(*) FROM members m WHERE " + w, p).value_or(store::Value(0)).asInt();
    bj::array items;
    if (total > ps.offset()) {
      Params q;
      // With no filter but the organization, `total` is the subtree's count broadSubtree() needs.
      bool plain = filter.q.empty() && !filter.category && !filter.sixCategory && !filter.standing;
      w = whereFor(c, ctx.scope, filter, q, /*forPage=*/true, plain ? std::optional<int64_t>(total) : std::nullopt);
      q.emplace_back(ps.pageSize);
      q.emplace_back(ps.offset());
      // The page first, then its organizations' names: a join here lets SQLite's planner
      // drive the query from orgs through members_org, which is slow for broad scopes.
      // The page's ids come from the index alone (a covering scan sorted by the key); only those
      // rows are then read whole, so a sort never drags every row of the subtree with it.
      auto r = c.query("SELECT " + listCols("''") + " FROM members m WHERE m.id IN (SELECT m.id FROM members m WHERE " +
                           w + " ORDER BY " + ps.orderBy + " LIMIT ? OFFSET ?) ORDER BY " + ps.orderBy,
                       q);
      std::map<int64_t, std::string> orgNames;
      for (auto row : r) orgNames[row.i64(4)];
      if (!orgNames.empty()) {
        Params ids;
        std::string in;
        for (auto& [id, name] : orgNames) {
          in += in.empty() ? "?" : ",?";
          ids.emplace_back(id);
        }
        for (auto o : c.query("SELECT id, name FROM orgs WHERE id IN (" + in + ")", ids))
          orgNames[o.i64(0)] = o.text(1);
      }
      for (auto row : r) {
        bj::object item = listRow(row);
        item["orgName"] = orgNames[row.i64(4)];
        items.push_back(std::move(item));
      }
    }
    http::Response res = json::page(std::move(items), total, ps.page, ps.pageSize);
    listCache().put(epoch, key, std::make_shared<const std::string>(res.body));
    return res;
  });

  api.get("/api/members/export", Permission::MemberRead,
          [svc](http::Request& req, const auth::Context& ctx, Connection& c) {
            bool reveal = ctx.can(Permission::MemberSensitive);
            Filter f = filterFrom(req);
            std::string bytes = exportXlsx(c, ctx.scope, *svc.cipher, reveal, f);
            store::Transaction tx(c);
            audit::record(c, ctx.actor(),
                          {"export", "member", std::nullopt, ctx.scope.path(),
                           std::string("导出党员名册") + (reveal ? "（含身份证号码和电话）" : ""), nullptr,
                           bj::object{{"reveal", reveal}, {"q", f.q}}});
            tx.commit();
            return xlsx(std::move(bytes), "党员名册.xlsx");
          });

  api.get("/api/members/import-template", Permission::MemberImport,
          [svc](http::Request&, const auth::Context&, Connection&) {
            return xlsx(importer::templateXlsx(importSpec(*svc.cipher)), "党员信息导入模板.xlsx");
          });

  http::RouteOptions big;
  big.bodyLimit = 20 * 1024 * 1024;
  api.post(
      "/api/members/import", Permission::MemberImport,
      [svc](http::Request& req, const auth::Context& ctx, Connection&) {
        auto mode = importer::parseMode(req.q("mode").value_or(""));
        if (!mode) throw Error::invalid("mode", "导入方式无效（dry_run、all_or_nothing 或 keep_good）");
        if (req.body.empty()) throw Error::invalid("file", "请选择要导入的文件", "required");
        auto spec = std::make_shared<importer::Spec>(importSpec(*svc.cipher));
        store::Database* db = svc.db;
        int64_t jobId =
            svc.jobs->start("import.members", ctx.user.orgPath, ctx.user.id,
                            [db, ctx, spec, body = std::move(req.body), m = *mode](platform::Progress& p) -> bj::value {
                              return importer::run(*db, ctx, *spec, body, m, &p).toJson();
                            });
        return json::ok(bj::object{{"jobId", jobId}}, 202);
      },
      big);

  api.get("/api/members/:id", Permission::MemberRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    return json::ok(detailJson(c, ctx.scope, req.idParam()));
  });

  api.get("/api/members/:id/sensitive", Permission::MemberSensitive,
          [svc](http::Request& req, const auth::Context& ctx, Connection& c) {
            int64_t id = req.idParam();
            detail::Current cur = detail::current(c, ctx.scope, id);
            auto r = c.query("SELECT id_number_enc, phone_enc, landline_enc FROM members WHERE id = ?", {id});
            auto row = r.front();
            bj::object out{{"idNumber", json::opt(decryptOpt(*svc.cipher, row.optText(0)))},
                           {"phone", json::opt(decryptOpt(*svc.cipher, row.optText(1)))},
                           {"landline", json::opt(decryptOpt(*svc.cipher, row.optText(2)))}};
            store::Transaction tx(c);
            audit::record(c, ctx.actor(),
                          {"reveal", "member", id, cur.orgPath, "查看党员身份证号码和电话：" + cur.name, nullptr,
                           bj::object{{"fields", bj::array{"idNumber", "phone", "landline"}}}});
            tx.commit();
            return json::ok(out);
          });

  api.post("/api/members", Permission::MemberWrite, [svc](http::Request& req, const auth::Context& ctx, Connection& c) {
    Input in = parseInput(json::Form(req.body), true);
    store::Transaction tx(c);
    int64_t id = create(c, ctx, *svc.cipher, in);
    tx.commit();
    return json::ok(detailJson(c, ctx.scope, id), 201);
  });

  api.put("/api/members/:id", Permission::MemberWrite,
          [svc](http::Request& req, const auth::Context& ctx, Connection& c) {
            int64_t id = req.idParam();
            json::Form sent(req.body);
            int64_t version = sent.requiredInt("version", "版本号", 1, INT64_MAX);
            store::Transaction tx(c);
            // Lists and the detail page only ever see masked ID numbers and phones, so an edit
            // that leaves one of them out keeps the stored value (null or "" clears a phone).
            bj::object body = sent.object();
            Params p{id};
            std::string w = ctx.scope.where("org_path", p);
            auto cur = c.query("SELECT id_number_enc, phone_enc, landline_enc FROM members WHERE id = ? AND " + w, p);
            if (cur.empty()) throw Error::notFound("党员不存在");
            const char* keys[] = {"idNumber", "phone", "landline"};
            for (size_t i = 0; i < 3; ++i)
              if (!body.contains(keys[i]) && !cur.front().isNull(i))
                body[keys[i]] = svc.cipher->decrypt(cur.front().text(i));
            Input in = parseInput(json::Form(std::move(body)), false);
            update(c, ctx, *svc.cipher, id, in, version);
            tx.commit();
            return json::ok(detailJson(c, ctx.scope, id));
          });

  api.post("/api/members/:id/move", Permission::MemberWrite,
           [](http::Request& req, const auth::Context& ctx, Connection& c) {
             int64_t id = req.idParam();
             json::Form f(req.body);
             int64_t orgId = f.requiredInt("orgId", "调入组织", 1, INT64_MAX);
             auto on = f.date("effectiveOn", "调整日期");
             std::string reason = f.text("reason", "调整原因", 100).value_or("");
             store::Transaction tx(c);
             move(c, ctx, id, orgId, on, reason);
             tx.commit();
             return json::ok(detailJson(c, ctx.scope, id));
           });

  api.del("/api/members/:id", Permission::MemberWrite, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    int64_t id = req.idParam();
    json::Form f(req.body);
    std::string reason = f.requiredText("reason", "移出原因", 100);
    auto on = f.date("effectiveOn", "移出日期");
    store::Transaction tx(c);
    remove(c, ctx, id, reason, on);
    tx.commit();
    return json::ok(detailJson(c, ctx.scope, id));
  });
}

boost::json::object detailOf(Connection& c, const Scope& scope, int64_t id) { return detailJson(c, scope, id); }

}  // namespace zg::members
