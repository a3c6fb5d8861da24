// The member rules and the writes that enforce them: create, edit, move, removal, and the dated
// placement history. Shared by the API and the import (one path for both).
#include <algorithm>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <unordered_set>

#include "core/error.h"
#include "modules/members/members.h"
#include "modules/members/members_internal.h"
#include "modules/orgs/org_kinds.h"
#include "modules/orgs/orgs.h"
#include "platform/audit.h"
#include "platform/audit_bulk.h"
#include "platform/pinyin.h"
#include "platform/settings.h"
#include "platform/time.h"

namespace zg::members {

namespace bj = boost::json;
using store::Connection;
using store::Params;
using store::Value;

// --- Labels ---

namespace {
const std::vector<std::pair<std::string, std::string>> kCategories = {{"full", "正式党员"},
                                                                      {"probationary", "预备党员"}};
const std::vector<std::pair<std::string, std::string>> kStandings = {{"normal", "正常"}, {"suspended", "停止党籍"}};

std::optional<std::string> lookup(const std::vector<std::pair<std::string, std::string>>& v, std::string_view key) {
  for (const auto& [k, l] : v)
    if (k == key) return l;
  return std::nullopt;
}
}  // namespace

const std::vector<std::pair<std::string, std::string>>& sixCategories() {
  static const std::vector<std::pair<std::string, std::string>> v = {
      {"cadre", "党员干部"},
      {"veteran", "老党员及离退休职工党员"},
      {"farmer_community", "农民(社区)党员"},
      {"nonpublic", "非公经济组织党员"},
      {"mobile", "流动党员"},
      {"hardship", "生活困难党员"},
  };
  return v;
}

const std::vector<std::string>& educations() {
  static const std::vector<std::string> v = {"研究生", "大学本科", "大学专科", "中专", "高中", "初中及以下"};
  return v;
}

std::optional<std::string> categoryLabel(std::string_view key) { return lookup(kCategories, key); }
std::optional<std::string> sixCategoryLabel(std::string_view key) { return lookup(sixCategories(), key); }
std::optional<std::string> standingLabel(std::string_view key) { return lookup(kStandings, key); }

// --- Settings ---

void registerSettings() {
  settings::define({"member.min_age", "入党最低年龄（周岁）",
                    "《中国共产党章程》第一条：年满十八岁的中国工人、农民、军人、知识分子和其他社会阶层的先进分子，"
                    "可以申请加入中国共产党。入党日期时未满该年龄的党员不能录入名册。",
                    settings::Type::Int, 18, 14, 30});
}

namespace {
// The member fields written by both create and update, in one order: the column list and
// the values come from here so the INSERT and the UPDATE cannot drift apart.
const std::vector<const char*> kFieldColumns = {
    "name",        "name_initials", "name_pinyin", "name_sort",     "sex",           "ethnicity",    "birth_date",
    "id_number_enc", "id_number_hash", "id_number_mask", "education", "category",    "joined_on",    "full_on",
    "post",        "phone_enc",     "phone_mask",  "landline_enc",  "landline_mask", "address",      "standing",
    "lost_contact", "lost_on",      "mobile",      "mobile_to",     "six_category"};

std::string fieldColumns(const char* sep) {
  std::string out;
  for (size_t i = 0; i < kFieldColumns.size(); ++i) out += (i ? sep : "") + std::string(kFieldColumns[i]);
  return out;
}

// The member as audit JSON from its field values (kFieldColumns' order) followed by org_id,
// active, removed_on, removed_reason and version: one definition for the row read back
// (snapshot) and the row about to be written (the bulk import).
bj::object snapshotOf(const std::vector<Value>& v) {
  auto at = [&](const char* col) -> const Value& {
    for (size_t i = 0; i < kFieldColumns.size(); ++i)
      if (std::string_view(kFieldColumns[i]) == col) return v[i];
    throw Error::internal(std::string("snapshotOf: no column ") + col);
  };
  size_t n = kFieldColumns.size();
  return {{"name", at("name").asText()},
          {"sex", at("sex").asText()},
          {"birthDate", json::fromValue(at("birth_date"))},
          {"ethnicity", at("ethnicity").asText()},
          {"idNumberMasked", json::fromValue(at("id_number_mask"))},
          {"education", json::fromValue(at("education"))},
          {"category", at("category").asText()},
          {"orgId", v[n].asInt()},
          {"joinedOn", json::fromValue(at("joined_on"))},
          {"fullOn", json::fromValue(at("full_on"))},
          {"post", json::fromValue(at("post"))},
          {"phoneMasked", json::fromValue(at("phone_mask"))},
          {"landlineMasked", json::fromValue(at("landline_mask"))},
          {"address", json::fromValue(at("address"))},
          {"standing", at("standing").asText()},
          {"lostContact", at("lost_contact").asInt() != 0},
          {"lostOn", json::fromValue(at("lost_on"))},
          {"mobile", at("mobile").asInt() != 0},
          {"mobileTo", json::fromValue(at("mobile_to"))},
          {"sixCategory", json::fromValue(at("six_category"))},
          {"active", v[n + 1].asInt() != 0},
          {"removedOn", json::fromValue(v[n + 2])},
          {"removedReason", json::fromValue(v[n + 3])},
          {"version", v[n + 4].asInt()}};
}

}  // namespace

namespace detail {

void ensureSettings() {
  static std::once_flag once;
  std::call_once(once, registerSettings);
}

bj::object snapshot(Connection& c, int64_t id) {
  auto r = c.query("SELECT " + fieldColumns(", ") +
                       ", org_id, active, removed_on, removed_reason, version FROM members WHERE id = ?",
                   {id});
  if (r.empty()) return {};
  return snapshotOf(r.rows.front());
}

Current current(Connection& c, const Scope& scope, int64_t id) {
  Params p{id};
  std::string w = scope.where("org_path", p);
  auto r = c.query("SELECT id, org_id, org_path, name, active, version FROM members WHERE id = ? AND " + w, p);
  if (r.empty()) throw Error::notFound("党员不存在");
  auto row = r.front();
  return Current{row.i64(0), row.i64(1), row.text(2), row.text(3), row.i64(4) != 0, row.i64(5)};
}

}  // namespace detail

namespace {

constexpr const char* kHolds = "党员只能编入党支部（或党总支、党委本级）";

// A mobile phone number: normalized, 11 digits starting with 1. Invalid "phone" otherwise.
std::string mobilePhone(const std::string& raw) {
  auto p = normalizePhone(raw);
  if (!p || p->size() != 11 || (*p)[0] != '1') throw Error::invalid("phone", "手机号码格式不正确", "bad_phone");
  return *p;
}

struct Checked {
  std::string idNumber;  // normalized
  std::string idHash;    // its lookup hash
  Date birth;
  char sex = 'M';
  std::optional<std::string> phone, landline;
};

// What the field rules need from the database, so that a bulk import can answer from memory.
struct CheckEnv {
  int64_t minAge = 18;                                   // member.min_age
  std::function<bool(const std::string& idHash)> taken;  // an ID number already in the registry
};

// Every rule on the fields of `in` (organization excepted).
Checked checkWith(const crypto::FieldCipher& cipher, const Input& in, const CheckEnv& env) {
  Checked out;
  std::string name = trim(in.name);
  if (name.empty()) throw Error::invalid("name", "姓名不能为空", "required");
  if (utf8Length(name) > 20) throw Error::invalid("name", "姓名不能超过20个字", "too_long");

  if (trim(in.idNumber).empty()) throw Error::invalid("idNumber", "身份证号码不能为空", "required");
  IdNumberCheck id = checkIdNumber(in.idNumber);
  if (!id.ok) throw Error::invalid("idNumber", id.errorMessage, id.errorCode);
  out.idNumber = id.normalized;
  out.birth = id.birthDate;
  out.sex = id.sex;
  out.idHash = cipher.lookupHash(out.idNumber);
  if (env.taken(out.idHash)) throw Error::conflict("duplicate", "该身份证号码的党员已在名册中", "idNumber");

  if (in.category.empty()) throw Error::invalid("category", "人员类别不能为空", "required");
  if (!categoryLabel(in.category)) throw Error::invalid("category", "人员类别应为“正式党员”或“预备党员”", "bad_choice");

  Date now = today();
  int64_t minAge = env.minAge;
  if (in.joinedOn) {
    if (*in.joinedOn > now) throw Error::invalid("joinedOn", "入党日期不能晚于今天");
    if (*in.joinedOn < out.birth) throw Error::invalid("joinedOn", "入党日期不能早于出生日期");
    if (ageOn(out.birth, *in.joinedOn) < minAge)
      throw Error::invalid("joinedOn", "入党时应年满" + std::to_string(minAge) + "周岁", "under_age");
  } else if (ageOn(out.birth, now) < minAge) {
    throw Error::invalid("idNumber", "按身份证号码计算未满" + std::to_string(minAge) + "周岁", "under_age");
  }
  if (in.fullOn) {
    if (in.category != "full") throw Error::invalid("fullOn", "预备党员不填写转正日期");
    if (*in.fullOn > now) throw Error::invalid("fullOn", "转正日期不能晚于今天");
    if (in.joinedOn && *in.fullOn <= *in.joinedOn) throw Error::invalid("fullOn", "转正日期不能早于入党日期");
  }

  if (in.phone) out.phone = mobilePhone(*in.phone);
  if (in.landline) {
    auto p = normalizePhone(*in.landline);
    if (!p) throw Error::invalid("landline", "固定电话格式不正确", "bad_phone");
    out.landline = *p;
  }

  if (!standingLabel(in.standing)) throw Error::invalid("standing", "党籍状态应为“正常”或“停止党籍”", "bad_choice");
  if (in.lostContact) {
    if (!in.lostOn) throw Error::invalid("lostOn", "失联党员应填写失去联系日期", "required");
    if (*in.lostOn > now) throw Error::invalid("lostOn", "失去联系日期不能晚于今天");
  }
  if (in.sixCategory && !sixCategoryLabel(*in.sixCategory))
    throw Error::invalid("sixCategory", "6×3类别的取值无效", "bad_choice");
  if (in.education) {
    bool known = false;
    for (const auto& e : educations()) known = known || e == *in.education;
    if (!known)
      throw Error::invalid("education", "学历应为：研究生、大学本科、大学专科、中专、高中、初中及以下", "bad_choice");
  }
  if (utf8Length(in.ethnicity) > 20) throw Error::invalid("ethnicity", "民族不能超过20个字", "too_long");
  auto maxLen = [](const std::optional<std::string>& s, const char* field, const std::string& label, size_t n) {
    if (s && utf8Length(*s) > n)
      throw Error::invalid(field, label + "不能超过" + std::to_string(n) + "个字", "too_long");
  };
  maxLen(in.post, "post", "工作岗位", 50);
  maxLen(in.address, "address", "家庭住址", 100);
  maxLen(in.mobileTo, "mobileTo", "外出流向", 100);
  return out;
}

// checkWith() against the database. `selfId` is the member being edited, excluded from the
// duplicate check.
Checked check(Connection& c, const crypto::FieldCipher& cipher, const Input& in, std::optional<int64_t> selfId) {
  detail::ensureSettings();
  CheckEnv env;
  env.minAge = settings::getInt(c, "member.min_age");
  env.taken = [&](const std::string& hash) {
    Params p{hash};
    std::string sql = "SELECT id FROM members WHERE id_number_hash = ?";
    if (selfId) {
      sql += " AND id <> ?";
      p.emplace_back(*selfId);
    }
    return c.scalar(sql, p).has_value();
  };
  return checkWith(cipher, in, env);
}

// The organization a member may be placed in: in scope, holding members, not dissolved.
orgs::Org placeable(Connection& c, const Scope& scope, int64_t orgId, const std::string& field) {
  if (orgId <= 0) throw Error::invalid(field, "请选择所在党支部", "required");
  orgs::Org o = orgs::require(c, scope, orgId, field);
  if (!orgs::holdsMembers(o.kind)) throw Error::invalid(field, kHolds, "not_branch");
  if (o.dissolvedOn) throw Error::invalid(field, "该组织已撤销，不能编入党员", "dissolved");
  return o;
}

Value opt(const std::optional<std::string>& s) { return s ? Value(*s) : Value(); }
Value optDate(const std::optional<Date>& d) { return d ? Value(d->iso()) : Value(); }
Value enc(const crypto::FieldCipher& cipher, const std::optional<std::string>& s) {
  return s ? Value(cipher.encrypt(*s)) : Value();
}
Value mask(const std::optional<std::string>& s, bool id) {
  if (!s) return Value();
  return Value(id ? maskIdNumber(*s) : maskPhone(*s));
}

// Rethrows the store's unique violation on id_number_hash (a concurrent insert) as a duplicate.
[[noreturn]] void rethrowUnique(const Error& e) {
  if (e.kind() == ErrorKind::Conflict && e.code() == "unique")
    throw Error::conflict("duplicate", "该身份证号码的党员已在名册中", "idNumber");
  throw e;
}

struct Placement {
  int64_t id;
  int64_t orgId;
  Date from;
};
std::optional<Placement> currentPlacement(Connection& c, int64_t memberId) {
  auto r = c.query(
      "SELECT id, org_id, from_date FROM member_placements WHERE member_id = ? AND to_date IS NULL "
      "ORDER BY from_date DESC, id DESC LIMIT 1",
      {memberId});
  if (r.empty()) return std::nullopt;
  auto from = parseDate(r.front().text(2));
  return Placement{r.front().i64(0), r.front().i64(1), from.value_or(Date{1900, 1, 1})};
}

// The effective date of a placement change: not in the future, not before the current
// placement began.
// Takes the member row's lock first (PostgreSQL; SQLite holds the write lock already), so two
// placement changes of one member (a move, a transfer's completion, a removal) run one after the
// other and the second reads the first one's result instead of deadlocking on the placement rows.
void lockMember(Connection& c, int64_t id) { c.exec("UPDATE members SET version = version WHERE id = ?", {id}); }

Date effectiveDate(const std::optional<Date>& given, const std::optional<Placement>& cur, const char* field,
                   const std::string& label) {
  Date now = today();
  Date eff = given.value_or(now);
  if (eff > now) throw Error::invalid(field, label + "不能晚于今天");
  if (cur && eff < cur->from)
    throw Error::invalid(field, label + "不能早于编入现组织的日期（" + cur->from.iso() + "）", "before_placement");
  return eff;
}

std::string orgName(Connection& c, int64_t orgId) {
  auto v = c.scalar("SELECT name FROM orgs WHERE id = ?", {orgId});
  return v ? v->asText() : "";
}

std::string placeholders(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += i ? ",?" : "?";
  return out;
}

void appendFieldValues(Params& p, const crypto::FieldCipher& cipher, const std::string& name, const Checked& k,
                       const Input& in) {
  std::optional<std::string> lostOn, mobileTo;
  if (in.lostContact && in.lostOn) lostOn = in.lostOn->iso();
  if (in.mobile) mobileTo = in.mobileTo;
  for (store::Value v : std::initializer_list<store::Value>{
           name, pinyin::initials(name), pinyin::full(name), pinyin::sortKey(name), std::string(1, k.sex),
           in.ethnicity.empty() ? std::string("汉族") : in.ethnicity, k.birth.iso(), cipher.encrypt(k.idNumber),
           k.idHash, maskIdNumber(k.idNumber), opt(in.education), in.category,
           optDate(in.joinedOn), optDate(in.fullOn), opt(in.post), enc(cipher, k.phone), mask(k.phone, false),
           enc(cipher, k.landline), mask(k.landline, false), opt(in.address), in.standing, in.lostContact,
           opt(lostOn), in.mobile, opt(mobileTo), opt(in.sixCategory)})
    p.push_back(std::move(v));
}

}  // namespace

Input parseInput(const json::Form& f, bool withOrg) {
  Input in;
  in.name = f.requiredText("name", "姓名", 20);
  in.idNumber = f.requiredText("idNumber", "身份证号码", 30);
  in.ethnicity = f.text("ethnicity", "民族", 20).value_or("汉族");
  in.education = f.text("education", "学历", 20);
  auto cat = f.text("category", "人员类别", 20);
  if (!cat) throw Error::invalid("category", "人员类别不能为空", "required");
  in.category = *cat == "正式党员" ? "full" : *cat == "预备党员" ? "probationary" : *cat;
  if (withOrg) in.orgId = f.requiredInt("orgId", "所在党支部", 1, INT64_MAX);
  in.joinedOn = f.date("joinedOn", "入党日期");
  in.fullOn = f.date("fullOn", "转正日期");
  in.post = f.text("post", "工作岗位", 50);
  in.phone = f.text("phone", "手机号码", 30);
  in.landline = f.text("landline", "固定电话", 40);
  in.address = f.text("address", "家庭住址", 100);
  in.standing = f.text("standing", "党籍状态", 20).value_or("normal");
  if (in.standing == "正常") in.standing = "normal";
  if (in.standing == "停止党籍") in.standing = "suspended";
  in.lostContact = f.boolean("lostContact", false);
  in.lostOn = f.date("lostOn", "失去联系日期");
  in.mobile = f.boolean("mobile", false);
  in.mobileTo = f.text("mobileTo", "外出流向", 100);
  in.sixCategory = f.text("sixCategory", "6×3类别", 40);
  return in;
}

int64_t create(Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, const Input& in) {
  if (!c.inTransaction()) throw Error::internal("members::create outside a transaction");
  Checked k = check(c, cipher, in, std::nullopt);
  orgs::Org org = placeable(c, ctx.scope, in.orgId, in.orgField);
  std::string name = trim(in.name);
  std::string now = nowIso();
  int64_t id = 0;
  try {
    Params p{org.id, org.path};
    appendFieldValues(p, cipher, name, k, in);
    p.emplace_back(now);
    p.emplace_back(now);
    id = c.query("INSERT INTO members(org_id, org_path, " + fieldColumns(", ") +
                     ", created_at, updated_at) VALUES (?, ?, " + placeholders(kFieldColumns.size()) + ", ?, ?) RETURNING id",
                 p)
             .front()
             .i64(0);
  } catch (const Error& e) {
    rethrowUnique(e);
  }
  Date from = in.joinedOn.value_or(today());
  c.exec("INSERT INTO member_placements(member_id, org_id, from_date, reason) VALUES (?,?,?,?)",
         {id, org.id, from.iso(), "新增"});
  bj::object after = detail::snapshot(c, id);
  after["orgName"] = org.name;
  audit::record(c, ctx.actor(),
                {"create", "member", id, org.path, "新增党员：" + name + "（" + org.name + "）", nullptr, after});
  return id;
}

// --- Bulk creation (the import) ---

struct BulkCreate::Impl {
  Connection& c;
  const auth::Context& ctx;
  const crypto::FieldCipher& cipher;
  CheckEnv env;
  std::unordered_set<std::string> taken;  // lookup hashes of every registered or added ID number
  // placeable() once per organization (and field): the organization or the error it gave.
  std::map<std::pair<int64_t, std::string>, std::pair<std::optional<orgs::Org>, std::exception_ptr>> orgs;
  struct Pending {
    std::vector<Value> fields;  // kFieldColumns' order
    const orgs::Org* org;       // into `orgs`, whose nodes do not move
    std::string from;           // the placement's first day
  };
  std::vector<Pending> pending;

  const orgs::Org& placeableOnce(int64_t orgId, const std::string& field) {
    auto [it, fresh] = orgs.try_emplace({orgId, field});
    if (fresh) {
      try {
        it->second.first = placeable(c, ctx.scope, orgId, field);
      } catch (...) {
        it->second.second = std::current_exception();
      }
    }
    if (it->second.second) std::rethrow_exception(it->second.second);
    return *it->second.first;
  }

  // Ids for `n` new members, in ascending order.
  std::vector<int64_t> newIds(size_t n) {
    std::vector<int64_t> ids;
    ids.reserve(n);
    if (c.dialect() == store::Dialect::Postgres) {
      for (auto r : c.query("SELECT nextval(pg_get_serial_sequence('members', 'id')) "
                            "FROM generate_series(1, CAST(? AS INTEGER))",
                            {static_cast<int64_t>(n)}))
        ids.push_back(r.i64(0));
      std::sort(ids.begin(), ids.end());
    } else {
      // SQLite: the transaction holds the write lock, so nobody else takes ids meanwhile; these
      // are the rowids SQLite itself would pick.
      int64_t last = c.scalar("SELECT COALESCE(MAX(id), 0) FROM members")->asInt();
      for (size_t i = 0; i < n; ++i) ids.push_back(last + 1 + static_cast<int64_t>(i));
    }
    return ids;
  }
};

BulkCreate::BulkCreate(Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher)
    : impl_(new Impl{c, ctx, cipher, {}, {}, {}, {}}) {
  if (!c.inTransaction()) throw Error::internal("members::BulkCreate outside a transaction");
  detail::ensureSettings();
  impl_->env.minAge = settings::getInt(c, "member.min_age");
  for (auto r : c.query("SELECT id_number_hash FROM members WHERE id_number_hash IS NOT NULL"))
    impl_->taken.insert(r.text(0));
  impl_->env.taken = [t = &impl_->taken](const std::string& hash) { return t->count(hash) > 0; };
}

BulkCreate::~BulkCreate() = default;

size_t BulkCreate::pending() const { return impl_->pending.size(); }

void BulkCreate::discard() { impl_->pending.clear(); }

void BulkCreate::add(const Input& in) {
  Checked k = checkWith(impl_->cipher, in, impl_->env);
  const orgs::Org& org = impl_->placeableOnce(in.orgId, in.orgField);
  Impl::Pending p{{}, &org, in.joinedOn.value_or(today()).iso()};
  p.fields.reserve(kFieldColumns.size());
  appendFieldValues(p.fields, impl_->cipher, trim(in.name), k, in);
  impl_->taken.insert(k.idHash);  // a later row with the same ID number is a duplicate
  impl_->pending.push_back(std::move(p));
}

std::vector<int64_t> BulkCreate::write() {
  Impl& m = *impl_;
  if (m.pending.empty()) return {};
  std::vector<int64_t> ids = m.newIds(m.pending.size());
  std::string now = nowIso();
  std::vector<std::string> memberCols{"id", "org_id", "org_path"};
  for (const char* col : kFieldColumns) memberCols.emplace_back(col);
  memberCols.insert(memberCols.end(), {"created_at", "updated_at"});
  std::vector<std::vector<Value>> members, placements;
  std::vector<audit::Entry> entries;
  members.reserve(m.pending.size());
  placements.reserve(m.pending.size());
  entries.reserve(m.pending.size());
  for (size_t i = 0; i < m.pending.size(); ++i) {
    Impl::Pending& p = m.pending[i];
    const orgs::Org& org = *p.org;
    std::string name = p.fields[0].asText();
    // What create() reads back for its audit entry: the fields, then org_id, active,
    // removed_on, removed_reason and version as a new row has them.
    std::vector<Value> snap = p.fields;
    snap.insert(snap.end(), {org.id, 1, Value(), Value(), 1});
    bj::object after = snapshotOf(snap);
    after["orgName"] = org.name;
    entries.push_back({"create", "member", ids[i], org.path, "新增党员：" + name + "（" + org.name + "）", nullptr,
                       std::move(after)});
    placements.push_back({ids[i], org.id, p.from, "新增"});
    std::vector<Value> row{ids[i], org.id, org.path};
    row.reserve(memberCols.size());
    for (auto& v : p.fields) row.push_back(std::move(v));
    row.emplace_back(now);
    row.emplace_back(now);
    members.push_back(std::move(row));
  }
  m.pending.clear();
  try {
    m.c.bulkInsert("members", memberCols, members);
  } catch (const Error& e) {
    rethrowUnique(e);  // a concurrent insert of the same ID number (PostgreSQL)
  }
  m.c.bulkInsert("member_placements", {"member_id", "org_id", "from_date", "reason"}, placements);
  audit::recordMany(m.c, m.ctx.actor(), entries);
  return ids;
}

void update(Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, int64_t id, const Input& in,
            int64_t version) {
  if (!c.inTransaction()) throw Error::internal("members::update outside a transaction");
  detail::Current cur = detail::current(c, ctx.scope, id);
  if (!cur.active) throw Error::conflict("removed", "该党员已不在名册中，不能修改");
  if (cur.version != version) throw Error::conflict("stale", "记录已被他人修改，请刷新后重试", "version");
  Checked k = check(c, cipher, in, id);
  bj::object before = detail::snapshot(c, id);
  std::string name = trim(in.name);
  int64_t n = 0;
  try {
    Params p;
    appendFieldValues(p, cipher, name, k, in);
    p.emplace_back(nowIso());
    p.emplace_back(id);
    p.emplace_back(version);
    n = c.exec("UPDATE members SET " + fieldColumns(" = ?, ") +
                   " = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
               p);
  } catch (const Error& e) {
    rethrowUnique(e);
  }
  if (n != 1) throw Error::conflict("stale", "记录已被他人修改，请刷新后重试", "version");
  bj::object after = detail::snapshot(c, id);
  audit::record(c, ctx.actor(), {"update", "member", id, cur.orgPath, "修改党员信息：" + name, before, after});
}

void changePhone(Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, int64_t id,
                 const std::string& phone) {
  if (!c.inTransaction()) throw Error::internal("members::changePhone outside a transaction");
  detail::Current cur = detail::current(c, ctx.scope, id);
  if (!cur.active) throw Error::conflict("removed", "该党员已不在名册中，不能修改");
  std::optional<std::string> p = mobilePhone(phone);
  bj::object before = detail::snapshot(c, id);
  c.exec("UPDATE members SET phone_enc = ?, phone_mask = ?, version = version + 1, updated_at = ? WHERE id = ?",
         {enc(cipher, p), mask(p, false), nowIso(), id});
  bj::object after = detail::snapshot(c, id);
  audit::record(c, ctx.actor(), {"update", "member", id, cur.orgPath, "修改手机号码：" + cur.name, before, after});
}

void move(Connection& c, const auth::Context& ctx, int64_t id, int64_t orgId, std::optional<Date> effectiveOn,
          const std::string& reason) {
  if (!c.inTransaction()) throw Error::internal("members::move outside a transaction");
  lockMember(c, id);
  detail::Current cur = detail::current(c, ctx.scope, id);
  if (!cur.active) throw Error::conflict("removed", "该党员已不在名册中，不能调整组织");
  orgs::Org target = placeable(c, ctx.scope, orgId, "orgId");
  if (target.id == cur.orgId) throw Error::invalid("orgId", "党员已在该组织中", "same_org");
  auto placement = currentPlacement(c, id);
  Date eff = effectiveDate(effectiveOn, placement, "effectiveOn", "调整日期");
  std::string why = trim(reason).empty() ? std::string("组织调整") : trim(reason);
  if (utf8Length(why) > 100) throw Error::invalid("reason", "调整原因不能超过100个字", "too_long");
  if (placement) c.exec("UPDATE member_placements SET to_date = ? WHERE id = ?", {eff.iso(), placement->id});
  c.exec("INSERT INTO member_placements(member_id, org_id, from_date, reason) VALUES (?,?,?,?)",
         {id, target.id, eff.iso(), why});
  c.exec("UPDATE members SET org_id = ?, org_path = ?, version = version + 1, updated_at = ? WHERE id = ?",
         {target.id, target.path, nowIso(), id});
  std::string fromName = orgName(c, cur.orgId);
  audit::record(
      c, ctx.actor(),
      {"move", "member", id, target.path, "调整党员组织关系：" + cur.name + "，" + fromName + " → " + target.name,
       bj::object{{"orgId", cur.orgId}, {"orgName", fromName}},
       bj::object{{"orgId", target.id}, {"orgName", target.name}, {"effectiveOn", eff.iso()}, {"reason", why}}});
}

void remove(Connection& c, const auth::Context& ctx, int64_t id, const std::string& reason,
            std::optional<Date> effectiveOn) {
  if (!c.inTransaction()) throw Error::internal("members::remove outside a transaction");
  lockMember(c, id);
  detail::Current cur = detail::current(c, ctx.scope, id);
  if (!cur.active) throw Error::conflict("removed", "该党员已不在名册中");
  std::string why = trim(reason);
  if (why.empty()) throw Error::invalid("reason", "请填写移出名册的原因", "required");
  if (utf8Length(why) > 100) throw Error::invalid("reason", "原因不能超过100个字", "too_long");
  auto placement = currentPlacement(c, id);
  Date eff = effectiveDate(effectiveOn, placement, "effectiveOn", "移出日期");
  bj::object before = detail::snapshot(c, id);
  c.exec(
      "UPDATE members SET active = 0, removed_on = ?, removed_reason = ?, version = version + 1, updated_at = ? "
      "WHERE id = ?",
      {eff.iso(), why, nowIso(), id});
  if (placement) c.exec("UPDATE member_placements SET to_date = ? WHERE id = ?", {eff.iso(), placement->id});
  bj::object after = detail::snapshot(c, id);
  audit::record(c, ctx.actor(),
                {"delete", "member", id, cur.orgPath, "党员移出名册：" + cur.name + "（" + why + "）", before, after});
}

std::optional<int64_t> orgOn(Connection& c, const Scope& scope, int64_t memberId, const Date& on) {
  Params p{memberId, on.iso(), on.iso()};
  std::string w = scope.where("m.org_path", p);
  auto v = c.scalar(
      "SELECT p.org_id FROM member_placements p JOIN members m ON m.id = p.member_id WHERE p.member_id = ? "
      "AND p.from_date <= ? AND (p.to_date IS NULL OR p.to_date > ?) AND " +
          w + " ORDER BY p.from_date DESC, p.id DESC LIMIT 1",
      p);
  if (!v) return std::nullopt;
  return v->asInt();
}

std::vector<int64_t> membersOn(Connection& c, const Scope& scope, int64_t orgId, const Date& on) {
  orgs::Org o = orgs::require(c, scope, orgId);
  auto r = c.query(
      "SELECT DISTINCT member_id FROM member_placements WHERE org_id = ? AND from_date <= ? "
      "AND (to_date IS NULL OR to_date > ?) ORDER BY member_id",
      {o.id, on.iso(), on.iso()});
  std::vector<int64_t> out;
  for (auto row : r) out.push_back(row.i64(0));
  return out;
}

}  // namespace zg::members
