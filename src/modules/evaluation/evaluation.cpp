// Democratic evaluation 民主评议 and self-examination 照镜子: the rules (opening with the members
// placed on the day, the grade share limit, the 差 follow-up, closing) and the routes.
#include "modules/evaluation/evaluation.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>

#include "core/error.h"
#include "modules/members/members.h"
#include "modules/orgs/org_kinds.h"
#include "modules/orgs/orgs.h"
#include "platform/audit.h"
#include "platform/figures.h"
#include "platform/json.h"
#include "platform/settings.h"
#include "platform/time.h"

namespace zg::evaluation {

namespace bj = boost::json;
using store::Connection;
using store::Params;
using store::Value;

namespace {

constexpr const char* kItems = "evaluation.rating_items";
constexpr const char* kMaxGood = "evaluation.max_good_share";
constexpr const char* kDays = "evaluation.campaign_days";

const std::vector<std::string> kGroups = {"peer", "masses"};
constexpr size_t kLevels = 4;  // 好 较好 一般 差
const std::vector<std::string> kHelperRoles = {"支部书记", "支部副书记", "支部委员", "上级党组织委员"};

void ensureSettings() {
  static std::once_flag once;
  std::call_once(once, registerSettings);
}

Value opt(const std::optional<std::string>& s) { return s ? Value(*s) : Value(); }

std::optional<std::string> clean(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  std::string t = trim(*s);
  if (t.empty()) return std::nullopt;
  return t;
}

int64_t sharePercent(Connection& c) {
  ensureSettings();
  return settings::getInt(c, kMaxGood);
}

struct CampaignRef {
  int64_t id, orgId;
  std::string orgPath, orgName, openedOn, closesOn;
  std::optional<std::string> closedOn;
  int year;
  std::vector<std::string> items;
};

CampaignRef campaignIn(Connection& c, const Scope& scope, int64_t id) {
  Params p{id};
  std::string w = scope.where("k.org_path", p);
  auto r = c.query(
      "SELECT k.id, k.org_id, k.org_path, o.name, k.opened_on, k.closes_on, k.closed_on, k.year, k.items FROM "
      "evaluation_campaigns k JOIN orgs o ON o.id = k.org_id WHERE k.id = ? AND " +
          w,
      p);
  if (r.empty()) throw Error::notFound("评议活动不存在");
  auto x = r.front();
  CampaignRef k{x.i64(0), x.i64(1), x.text(2), x.text(3), x.text(4), x.text(5), x.optText(6), int(x.i64(7)), {}};
  bj::value items = json::parseStored(x.text(8));
  if (items.is_array())
    for (auto& v : items.as_array())
      if (v.is_string()) k.items.emplace_back(v.as_string());
  return k;
}

bj::object campaignSnapshot(Connection& c, int64_t id) {
  auto r = c.query("SELECT org_id, year, opened_on, closes_on, closed_on, note, version FROM evaluation_campaigns "
                   "WHERE id = ?",
                   {id});
  if (r.empty()) return {};
  auto x = r.front();
  return {{"orgId", x.i64(0)},          {"year", x.i64(1)},
          {"openedOn", x.text(2)},      {"closesOn", x.text(3)},
          {"closedOn", json::fromValue(x[4])}, {"note", json::fromValue(x[5])},
          {"version", x.i64(6)}};
}

const char* kEntryCols =
    "e.id, e.member_id, m.name, e.self_assessment, e.ratings, e.grade, e.target, e.helper_member_id, h.name, "
    "e.helper_role, e.talk_on, e.talk_by, e.talk_content, e.version, m.category, e.campaign_id";
const char* kEntryFrom =
    " FROM evaluation_entries e JOIN members m ON m.id = e.member_id LEFT JOIN members h ON h.id = "
    "e.helper_member_id";

// Share of 好 + 较好 among all ratings (percent, one decimal), or null when no rating.
bj::value goodRate(const bj::value& ratings) {
  int64_t good = 0, total = 0;
  if (!ratings.is_object()) return nullptr;
  for (auto& [g, items] : ratings.as_object()) {
    if (!items.is_object()) continue;
    for (auto& [item, counts] : items.as_object()) {
      if (!counts.is_array()) continue;
      const auto& a = counts.as_array();
      for (size_t i = 0; i < a.size(); ++i) {
        int64_t n = a[i].is_int64() ? a[i].as_int64() : 0;
        total += n;
        if (i < 2) good += n;
      }
    }
  }
  if (total == 0) return nullptr;
  return std::round(1000.0 * good / total) / 10.0;
}

bj::object entryJson(const store::Row& x) {
  bj::value ratings = json::parseStored(x.optText(4));
  if (!ratings.is_object()) ratings = bj::object{};
  bj::value rate = goodRate(ratings);
  auto grade = x.optText(5);
  return {{"id", x.i64(0)},
          {"campaignId", x.i64(15)},
          {"memberId", x.i64(1)},
          {"memberName", x.text(2)},
          {"memberCategory", x.text(14)},
          {"selfAssessment", json::opt(x.optText(3))},
          {"ratings", ratings},
          {"goodRate", rate},
          {"grade", json::opt(grade)},
          {"gradeLabel", grade ? bj::value(*gradeLabel(*grade)) : bj::value(nullptr)},
          {"target", json::opt(x.optText(6))},
          {"helperMemberId", json::fromValue(x[7])},
          {"helperName", json::opt(x.optText(8))},
          {"helperRole", json::opt(x.optText(9))},
          {"talkOn", json::opt(x.optText(10))},
          {"talkBy", json::opt(x.optText(11))},
          {"talkContent", json::opt(x.optText(12))},
          {"version", x.i64(13)}};
}

bj::object entrySnapshot(Connection& c, int64_t id) {
  auto r = c.query(std::string("SELECT ") + kEntryCols + kEntryFrom + " WHERE e.id = ?", {id});
  if (r.empty()) return {};
  bj::object o = entryJson(r.front());
  o.erase("memberName");
  o.erase("helperName");
  o.erase("gradeLabel");
  o.erase("goodRate");
  o.erase("memberCategory");
  return o;
}

// Counts of one campaign: members, graded, good, fair, poor, self-assessed.
const char* kCounts =
    "(SELECT COUNT(*) FROM evaluation_entries e WHERE e.campaign_id = k.id), "
    "(SELECT COUNT(*) FROM evaluation_entries e WHERE e.campaign_id = k.id AND e.grade = 'good'), "
    "(SELECT COUNT(*) FROM evaluation_entries e WHERE e.campaign_id = k.id AND e.grade = 'fair'), "
    "(SELECT COUNT(*) FROM evaluation_entries e WHERE e.campaign_id = k.id AND e.grade = 'poor'), "
    "(SELECT COUNT(*) FROM evaluation_entries e WHERE e.campaign_id = k.id AND e.self_assessment IS NOT NULL)";
const char* kCampaignCols =
    "k.id, k.org_id, o.name, k.year, k.opened_on, k.closes_on, k.closed_on, k.note, k.version, k.items, ";
const char* kCampaignFrom = " FROM evaluation_campaigns k JOIN orgs o ON o.id = k.org_id";

bj::object campaignJson(const store::Row& x, int64_t share) {
  int64_t members = x.i64(10), good = x.i64(11), fair = x.i64(12), poor = x.i64(13);
  bj::value items = json::parseStored(x.text(9));
  return {{"id", x.i64(0)},
          {"orgId", x.i64(1)},
          {"orgName", x.text(2)},
          {"year", x.i64(3)},
          {"openedOn", x.text(4)},
          {"closesOn", x.text(5)},
          {"closedOn", json::opt(x.optText(6))},
          {"state", x.isNull(6) ? "open" : "closed"},
          {"note", json::opt(x.optText(7))},
          {"version", x.i64(8)},
          {"items", items.is_array() ? items : bj::array{}},
          {"members", members},
          {"good", good},
          {"fair", fair},
          {"poor", poor},
          {"ungraded", members - good - fair - poor},
          {"selfAssessed", x.i64(14)},
          {"maxGoodShare", share},
          {"maxGood", maxGood(members, share)}};
}

int yearParam(const http::Request& req, bool required) {
  auto v = req.q("year");
  if (!v || trim(*v).empty()) {
    if (required) return today().year;
    return 0;
  }
  try {
    size_t pos = 0;
    int y = std::stoi(*v, &pos);
    if (pos != v->size() || y < 1990 || y > 2999) throw 0;
    return y;
  } catch (...) {
    throw Error::invalid("year", "年度无效（例如 2026）");
  }
}

int64_t orgParam(const http::Request& req) {
  auto v = req.q("orgId");
  if (!v || trim(*v).empty()) return 0;
  try {
    size_t pos = 0;
    int64_t id = std::stoll(*v, &pos);
    if (pos != v->size() || id <= 0) throw 0;
    return id;
  } catch (...) {
    throw Error::invalid("orgId", "组织编号无效");
  }
}

// Validates the ratings against the campaign's items: {"peer"|"masses": {item: [4 counts]}}.
bj::object checkRatings(const bj::object& in, const std::vector<std::string>& items) {
  bj::object out;
  for (auto& [group, v] : in) {
    std::string g(group);
    if (std::find(kGroups.begin(), kGroups.end(), g) == kGroups.end())
      throw Error::invalid("ratings", "评议类别应为 peer（党员互评）或 masses（群众评议）");
    if (!v.is_object()) throw Error::invalid("ratings", "评议结果格式无效");
    bj::object groupOut;
    for (auto& [item, counts] : v.as_object()) {
      std::string it(item);
      if (std::find(items.begin(), items.end(), it) == items.end())
        throw Error::invalid("ratings", "“" + it + "”不是本次评议的评议项目");
      if (!counts.is_array() || counts.as_array().size() != kLevels)
        throw Error::invalid("ratings", "“" + it + "”应填写好、较好、一般、差四档的人数");
      bj::array a;
      int64_t sum = 0;
      for (auto& n : counts.as_array()) {
        if (!n.is_int64() || n.as_int64() < 0 || n.as_int64() > 10000)
          throw Error::invalid("ratings", "“" + it + "”的人数应为0到10000之间的整数");
        sum += n.as_int64();
        a.push_back(n.as_int64());
      }
      if (sum > 0) groupOut[it] = std::move(a);
    }
    if (!groupOut.empty()) out[g] = std::move(groupOut);
  }
  return out;
}

std::string joinNames(const std::vector<std::string>& v, size_t max = 10) {
  std::string s;
  for (size_t i = 0; i < v.size() && i < max; ++i) s += (i ? "、" : "") + v[i];
  if (v.size() > max) s += "等" + std::to_string(v.size()) + "人";
  return s;
}

}  // namespace

void registerSettings() {
  settings::define({kItems, "民主评议的评议项目",
                    "民主评议：党员互评和群众评议按这些项目（逗号分隔）分好、较好、一般、差四档记录人数；"
                    "每次评议活动开始时固定其项目。默认：政治表现、学习情况、作用发挥、遵规守纪、群众评价。",
                    settings::Type::Text, "政治表现,学习情况,作用发挥,遵规守纪,群众评价"});
  settings::define({kMaxGood, "民主评议“好”等次的比例上限（%）",
                    "民主评议：支部评为“好”的党员不超过参评党员的此百分比（向下取整）；0 表示不限。",
                    settings::Type::Int, 0, 0, 100});
  settings::define({kDays, "民主评议活动的默认天数",
                    "开始民主评议活动时，未填写计划结束日期的，按开始日期加此天数计。",
                    settings::Type::Int, 30, 1, 366});
}

std::vector<std::string> ratingItems(Connection& c) {
  ensureSettings();
  auto v = settings::get(c, kItems);
  std::vector<std::string> out;
  if (!v.is_string()) return out;
  std::string s(v.as_string());
  for (const char* sep : {"，", "、"})
    for (size_t i; (i = s.find(sep)) != std::string::npos;) s.replace(i, std::string(sep).size(), ",");
  size_t start = 0;
  while (true) {
    size_t comma = s.find(',', start);
    std::string t = trim(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!t.empty() && std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

int64_t maxGood(int64_t members, int64_t share) {
  if (share <= 0) return members;
  return members * share / 100;
}

std::optional<std::string> gradeLabel(std::string_view g) {
  if (g == "good") return "好";
  if (g == "fair") return "中";
  if (g == "poor") return "差";
  return std::nullopt;
}

int64_t open(Connection& c, const auth::Context& ctx, const OpenInput& in) {
  if (!c.inTransaction()) throw Error::internal("evaluation::open outside a transaction");
  orgs::Org o = orgs::require(c, ctx.scope, in.orgId, "orgId");
  if (!orgs::holdsMembers(o.kind)) throw Error::invalid("orgId", "民主评议以党支部为单位开展，请选择党支部");
  if (o.dissolvedOn) throw Error::invalid("orgId", "该党组织已撤销");
  Date t = today();
  if (in.year < 2000 || in.year > t.year) throw Error::invalid("year", "评议年度应在2000年到今年之间");
  Date openedOn = in.openedOn.value_or(t);
  if (openedOn > t) throw Error::invalid("openedOn", "开始日期不能晚于今天");
  if (openedOn.year != in.year && openedOn.year != in.year + 1)
    throw Error::invalid("openedOn", "开始日期应在评议年度内或次年（年度评议多在次年年初开展）");
  Date closesOn = in.closesOn.value_or(addDays(openedOn, settings::getInt(c, kDays)));
  if (closesOn < openedOn) throw Error::invalid("closesOn", "计划结束日期不能早于开始日期");
  if (c.scalar("SELECT id FROM evaluation_campaigns WHERE org_id = ? AND year = ?", {o.id, in.year}))
    throw Error::conflict("exists", "该支部" + std::to_string(in.year) + "年度的民主评议已经开展，每年一次", "year");
  auto memberIds = members::membersOn(c, ctx.scope, o.id, openedOn);
  if (memberIds.empty()) throw Error::invalid("orgId", "该支部在开始日期没有党员，无需开展民主评议");
  auto items = ratingItems(c);
  if (items.empty()) throw Error::invalid("orgId", "尚未设置评议项目（系统设置：民主评议的评议项目）");
  bj::array itemsJson;
  for (auto& s : items) itemsJson.push_back(bj::value(s));
  auto note = clean(in.note);
  std::string now = nowIso();
  int64_t id = c.query(
                    "INSERT INTO evaluation_campaigns(org_id, org_path, year, opened_on, closes_on, items, note, "
                    "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?) RETURNING id",
                    {o.id, o.path, in.year, openedOn.iso(), closesOn.iso(), bj::serialize(itemsJson), opt(note), now,
                     now})
                   .front()
                   .i64(0);
  for (int64_t m : memberIds)
    c.exec("INSERT INTO evaluation_entries(campaign_id, member_id, org_path, updated_at) VALUES (?,?,?,?)",
           {id, m, o.path, now});
  bj::object after = campaignSnapshot(c, id);
  after["members"] = static_cast<int64_t>(memberIds.size());
  audit::record(c, ctx.actor(),
                {"create", "evaluation_campaign", id, o.path,
                 "开展民主评议：" + o.name + std::to_string(in.year) + "年度（" +
                     std::to_string(memberIds.size()) + "名党员）",
                 nullptr, after});
  return id;
}

void updateEntry(Connection& c, const auth::Context& ctx, int64_t entryId, const EntryInput& in) {
  if (!c.inTransaction()) throw Error::internal("evaluation::updateEntry outside a transaction");
  Params p{entryId};
  std::string w = ctx.scope.where("e.org_path", p);
  auto r = c.query("SELECT e.campaign_id, e.member_id, m.name, e.version FROM evaluation_entries e JOIN members m ON "
                   "m.id = e.member_id WHERE e.id = ? AND " +
                       w,
                   p);
  if (r.empty()) throw Error::notFound("评议记录不存在");
  int64_t campaignId = r.front().i64(0), memberId = r.front().i64(1);
  std::string name = r.front().text(2);
  CampaignRef k = campaignIn(c, ctx.scope, campaignId);
  if (k.closedOn) throw Error::conflict("closed", "该评议活动已于" + *k.closedOn + "结束，不能再修改", "grade");
  if (r.front().i64(3) != in.version) throw Error::conflict("stale", "记录已被他人修改，请刷新后重试", "version");

  auto self = clean(in.selfAssessment), target = clean(in.target);
  if (self && utf8Length(*self) > 2000) throw Error::invalid("selfAssessment", "自我评价不能超过2000个字");
  if (target && utf8Length(*target) > 500) throw Error::invalid("target", "晋位升级目标不能超过500个字");
  bj::object ratings = checkRatings(in.ratings, k.items);
  auto grade = clean(in.grade);
  if (grade && !gradeLabel(*grade)) throw Error::invalid("grade", "评定等次应为 好（good）、中（fair）或 差（poor）");

  if (grade == "good") {
    int64_t share = sharePercent(c);
    int64_t members = c.scalar("SELECT COUNT(*) FROM evaluation_entries WHERE campaign_id = ?", {campaignId})->asInt();
    int64_t others = c.scalar("SELECT COUNT(*) FROM evaluation_entries WHERE campaign_id = ? AND grade = 'good' AND "
                              "id <> ?",
                              {campaignId, entryId})
                         ->asInt();
    int64_t limit = maxGood(members, share);
    if (others + 1 > limit)
      throw Error::invalid("grade", "评为“好”的党员不能超过参评党员的" + std::to_string(share) + "%（本支部" +
                                        std::to_string(members) + "人，最多" + std::to_string(limit) +
                                        "人，已评" + std::to_string(others) + "人）",
                           "share_limit");
  }

  // The 差 follow-up: helper and talk, kept only for a 差 grade.
  std::optional<int64_t> helper;
  std::optional<std::string> helperRole, talkBy, talkContent;
  std::optional<Date> talkOn;
  if (grade == "poor") {
    helperRole = clean(in.helperRole);
    talkBy = clean(in.talkBy);
    talkContent = clean(in.talkContent);
    talkOn = in.talkOn;
    if (in.helperMemberId) {
      if (*in.helperMemberId == memberId) throw Error::invalid("helperMemberId", "帮扶人不能是本人");
      auto h = c.query("SELECT org_path, active FROM members WHERE id = ?", {*in.helperMemberId});
      // The helper sits in the branch (its committee) or in an organization above it.
      if (h.empty() || h.front().i64(1) == 0 || k.orgPath.compare(0, h.front().text(0).size(), h.front().text(0)) != 0)
        throw Error::invalid("helperMemberId", "帮扶人应为本支部或上级党组织的在册党员（支部委员或上级党组织委员）");
      if (c.scalar("SELECT id FROM evaluation_entries WHERE campaign_id = ? AND member_id = ? AND grade = 'poor'",
                   {campaignId, *in.helperMemberId}))
        throw Error::invalid("helperMemberId", "帮扶人本人在本次评议中被评为“差”，请另选");
      if (!helperRole) throw Error::invalid("helperRole", "请选择帮扶人的职务（支部书记、支部委员或上级党组织委员）");
      helper = in.helperMemberId;
    }
    if (helperRole && std::find(kHelperRoles.begin(), kHelperRoles.end(), *helperRole) == kHelperRoles.end())
      throw Error::invalid("helperRole", "帮扶人职务应为支部书记、支部副书记、支部委员或上级党组织委员");
    if (helperRole && !helper) throw Error::invalid("helperMemberId", "请选择帮扶人");
    if (talkOn) {
      if (*talkOn > today()) throw Error::invalid("talkOn", "谈话日期不能晚于今天");
      if (talkOn->iso() < k.openedOn) throw Error::invalid("talkOn", "谈话日期不能早于评议开始日期（" + k.openedOn + "）");
    }
    if (talkContent && utf8Length(*talkContent) > 1000) throw Error::invalid("talkContent", "谈话内容不能超过1000个字");
    if (talkBy && utf8Length(*talkBy) > 50) throw Error::invalid("talkBy", "谈话人不能超过50个字");
    if ((talkBy || talkContent) && !talkOn) throw Error::invalid("talkOn", "请填写谈话日期");
  }

  bj::object before = entrySnapshot(c, entryId);
  int64_t n = c.exec(
      "UPDATE evaluation_entries SET self_assessment = ?, ratings = ?, grade = ?, target = ?, helper_member_id = ?, "
      "helper_role = ?, talk_on = ?, talk_by = ?, talk_content = ?, version = version + 1, updated_at = ? WHERE id = ? "
      "AND version = ?",
      {opt(self), bj::serialize(ratings), opt(grade), opt(target), helper ? Value(*helper) : Value(), opt(helperRole),
       talkOn ? Value(talkOn->iso()) : Value(), opt(talkBy), opt(talkContent), nowIso(), entryId, in.version});
  if (n != 1) throw Error::conflict("stale", "记录已被他人修改，请刷新后重试", "version");
  audit::record(c, ctx.actor(),
                {"update", "evaluation_entry", entryId, k.orgPath,
                 "民主评议：" + name + "（" + k.orgName + std::to_string(k.year) + "年度，等次" +
                     (grade ? *gradeLabel(*grade) : std::string("未定")) + "）",
                 before, entrySnapshot(c, entryId)});
}

void close(Connection& c, const auth::Context& ctx, int64_t campaignId, std::optional<Date> closedOn) {
  if (!c.inTransaction()) throw Error::internal("evaluation::close outside a transaction");
  CampaignRef k = campaignIn(c, ctx.scope, campaignId);
  if (k.closedOn) throw Error::conflict("closed", "该评议活动已于" + *k.closedOn + "结束", "closedOn");
  Date on = closedOn.value_or(today());
  if (on > today()) throw Error::invalid("closedOn", "结束日期不能晚于今天");
  if (on.iso() < k.openedOn) throw Error::invalid("closedOn", "结束日期不能早于开始日期（" + k.openedOn + "）");
  std::vector<std::string> ungraded, noHelper, noTalk;
  int64_t members = 0, good = 0;
  for (auto x : c.query("SELECT m.name, e.grade, e.helper_member_id, e.talk_on, e.talk_content FROM "
                        "evaluation_entries e JOIN members m ON m.id = e.member_id WHERE e.campaign_id = ? ORDER BY "
                        "m.name_sort, m.id",
                        {campaignId})) {
    ++members;
    auto g = x.optText(1);
    if (!g) ungraded.push_back(x.text(0));
    if (g == "good") ++good;
    if (g == "poor") {
      if (x.isNull(2)) noHelper.push_back(x.text(0));
      if (x.isNull(3) || x.isNull(4)) noTalk.push_back(x.text(0));
    }
  }
  std::vector<std::string> missing;
  if (!ungraded.empty()) missing.push_back("未评定等次：" + joinNames(ungraded));
  if (!noHelper.empty()) missing.push_back("“差”等次党员未确定帮扶人：" + joinNames(noHelper));
  if (!noTalk.empty()) missing.push_back("“差”等次党员未记录谈话：" + joinNames(noTalk));
  int64_t share = sharePercent(c);
  if (good > maxGood(members, share))
    missing.push_back("评为“好”的" + std::to_string(good) + "人，超过上限" + std::to_string(maxGood(members, share)) +
                      "人（" + std::to_string(share) + "%）");
  if (!missing.empty()) {
    std::string msg = "还不能结束评议。";
    for (size_t i = 0; i < missing.size(); ++i) msg += (i ? "；" : "") + missing[i];
    throw Error::invalid("closedOn", msg, "incomplete");
  }
  bj::object before = campaignSnapshot(c, campaignId);
  c.exec("UPDATE evaluation_campaigns SET closed_on = ?, version = version + 1, updated_at = ? WHERE id = ?",
         {on.iso(), nowIso(), campaignId});
  audit::record(c, ctx.actor(),
                {"close", "evaluation_campaign", campaignId, k.orgPath,
                 "结束民主评议：" + k.orgName + std::to_string(k.year) + "年度（" + on.iso() + "）", before,
                 campaignSnapshot(c, campaignId)});
}

bj::object campaignDetail(Connection& c, const Scope& scope, int64_t id) {
  Params p{id};
  std::string w = scope.where("k.org_path", p);
  auto r = c.query(std::string("SELECT ") + kCampaignCols + kCounts + kCampaignFrom + " WHERE k.id = ? AND " + w, p);
  if (r.empty()) throw Error::notFound("评议活动不存在");
  bj::object o = campaignJson(r.front(), sharePercent(c));
  bj::array entries;
  for (auto x : c.query(std::string("SELECT ") + kEntryCols + kEntryFrom +
                            " WHERE e.campaign_id = ? ORDER BY m.name_sort, m.id",
                        {id}))
    entries.push_back(entryJson(x));
  o["entries"] = std::move(entries);
  bj::array roles;
  for (auto& s : kHelperRoles) roles.push_back(bj::value(s));
  o["helperRoles"] = std::move(roles);
  return o;
}

bj::object rollup(Connection& c, const Scope& scope, int64_t orgId, int year) {
  orgs::Org root = orgs::require(c, scope, orgId, "orgId");
  Scope within(root.path);
  // Rows: the children of `root` (each its subtree), and the root itself for its own campaigns.
  struct Row {
    int64_t id;
    std::string name, path;
    bool self;
    int64_t branches = 0, campaigns = 0, open = 0, closed = 0, members = 0, good = 0, fair = 0, poor = 0;
  };
  std::vector<Row> rows;
  for (auto x : c.query("SELECT id, name, path FROM orgs WHERE parent_id = ? ORDER BY sort_order, id", {root.id}))
    rows.push_back({x.i64(0), x.text(1), x.text(2), false});
  rows.push_back({root.id, root.name, root.path, true});
  auto rowOf = [&](const std::string& path) -> Row* {
    for (auto& r : rows)
      if (r.self ? path == r.path : path.compare(0, r.path.size(), r.path) == 0) return &r;
    return nullptr;
  };
  Row total{root.id, root.name, root.path, false};
  Params p;
  std::string w = within.where("o.path", p);
  for (auto x : c.query("SELECT o.path, o.kind FROM orgs o WHERE o.dissolved_on IS NULL AND o.kind IN ('branch', "
                        "'joint_branch') AND " +
                            w,
                        p)) {
    if (Row* r = rowOf(x.text(0))) ++r->branches;
    ++total.branches;
  }
  Params q;
  std::string wk = within.where("k.org_path", q);
  q.insert(q.begin(), Value(int64_t(year)));
  for (auto x : c.query(std::string("SELECT k.org_path, k.closed_on, ") + kCounts +
                            " FROM evaluation_campaigns k WHERE k.year = ? AND " + wk,
                        q)) {
    for (Row* r : {rowOf(x.text(0)), &total}) {
      if (!r) continue;
      ++r->campaigns;
      (x.isNull(1) ? r->open : r->closed)++;
      r->members += x.i64(2);
      r->good += x.i64(3);
      r->fair += x.i64(4);
      r->poor += x.i64(5);
    }
  }
  auto toJson = [](const Row& r) {
    return bj::object{{"orgId", r.id},       {"orgName", r.name},     {"branches", r.branches},
                      {"campaigns", r.campaigns}, {"open", r.open},   {"closed", r.closed},
                      {"members", r.members}, {"good", r.good},       {"fair", r.fair},
                      {"poor", r.poor},       {"ungraded", r.members - r.good - r.fair - r.poor}};
  };
  bj::array out;
  for (auto& r : rows)
    if (!r.self || r.campaigns > 0) {
      bj::object o = toJson(r);
      o["self"] = r.self;
      out.push_back(std::move(o));
    }
  return {{"year", year}, {"orgId", root.id}, {"orgName", root.name}, {"rows", std::move(out)},
          {"total", toJson(total)}};
}

std::vector<me::Task> memberTasks(Connection& c, const me::Self& self, const Date&) {
  std::vector<me::Task> out;
  if (!self.active) return out;
  Params p{self.memberId};
  std::string w = self.scope.where("e.org_path", p);
  for (auto x : c.query("SELECT k.year, k.closes_on, e.self_assessment, e.target FROM evaluation_entries e JOIN "
                        "evaluation_campaigns k ON k.id = e.campaign_id WHERE e.member_id = ? AND k.closed_on IS NULL "
                        "AND " +
                            w + " ORDER BY k.year",
                        p)) {
    std::string year = std::to_string(x.i64(0));
    if (x.isNull(2))
      out.push_back({"evaluation", year + "年度民主评议：请向支部提交“照镜子”自我评价材料", x.text(1), "/me"});
    if (x.isNull(3))
      out.push_back({"evaluation", year + "年度民主评议：请与支部商定本人的晋位升级目标", x.text(1), "/me"});
  }
  return out;
}

void registerFigures() {
  // Members by grade in the campaigns of the period's years (a campaign counts in its year).
  auto where = [](const figures::Query& q, Params& p) {
    std::string w = q.scope.where("e.org_path", p);
    p.emplace_back(int64_t(q.from.year));
    p.emplace_back(int64_t(q.asOf().year));
    return " FROM evaluation_entries e JOIN evaluation_campaigns k ON k.id = e.campaign_id JOIN members m ON m.id = "
           "e.member_id JOIN orgs o ON o.id = k.org_id WHERE " +
           w + " AND k.year >= ? AND k.year <= ?";
  };
  static const std::vector<std::pair<std::string, std::string>> kCells = {
      {"good", "好"}, {"fair", "中"}, {"poor", "差"}, {"ungraded", "未评定"}};
  auto cellWhere = [](const std::string& cell) -> std::string {
    if (cell == "ungraded") return " AND e.grade IS NULL";
    if (cell == "good" || cell == "fair" || cell == "poor") return " AND e.grade = '" + cell + "'";
    throw Error::invalid("cell", "统计格不存在");
  };
  figures::define(
      {"evaluation.grades", "民主评议", "党员评议等次", 240,
       [where, cellWhere](Connection& c, const figures::Query& q) {
         std::vector<figures::Cell> out;
         for (auto& [key, label] : kCells) {
           Params p;
           std::string sql = "SELECT COUNT(*)" + where(q, p) + cellWhere(key);
           out.push_back({key, label, c.scalar(sql, p)->asInt()});
         }
         return out;
       },
       [where, cellWhere](Connection& c, const figures::Query& q, const std::string& cell, int64_t offset,
                          int64_t limit) {
         figures::Records rec;
         rec.columns = {{"memberName", "姓名"}, {"orgName", "党支部"}, {"year", "年度"}, {"grade", "等次"}};
         Params p;
         std::string from = where(q, p) + cellWhere(cell);
         rec.total = c.scalar("SELECT COUNT(*)" + from, p)->asInt();
         Params pq = p;
         std::string sql = "SELECT e.id, m.name, o.name, k.year, e.grade" + from + " ORDER BY k.year, o.path, m.name_sort, e.id";
         if (limit >= 0) {
           sql += " LIMIT ? OFFSET ?";
           pq.emplace_back(limit);
           pq.emplace_back(offset);
         }
         for (auto x : c.query(sql, pq)) {
           auto g = x.optText(4);
           rec.rows.push_back({{"id", x.i64(0)},
                               {"memberName", x.text(1)},
                               {"orgName", x.text(2)},
                               {"year", x.i64(3)},
                               {"grade", g ? *gradeLabel(*g) : "未评定"}});
         }
         return rec;
       }});
}

void registerRoutes(platform::Api& api) {
  registerSettings();
  using auth::Permission;

  api.get("/api/evaluation/campaigns", Permission::MemberRead,
          [](http::Request& req, const auth::Context& ctx, Connection& c) {
            auto ps = json::pageSpec(req, {{"year", "k.year, o.path, k.id"}, {"org", "o.path, k.year"}}, "-year");
            Scope within = ctx.scope;
            if (int64_t orgId = orgParam(req)) within = Scope(orgs::require(c, ctx.scope, orgId, "orgId").path);
            Params p;
            std::string w = within.where("k.org_path", p);
            if (int y = yearParam(req, false)) {
              w += " AND k.year = ?";
              p.emplace_back(int64_t(y));
            }
            if (auto s = req.q("state"); s && !s->empty()) {
              if (*s == "open")
                w += " AND k.closed_on IS NULL";
              else if (*s == "closed")
                w += " AND k.closed_on IS NOT NULL";
              else
                throw Error::invalid("state", "state 应为 open（进行中）或 closed（已结束）");
            }
            int64_t total = c.scalar(std::string("SELECT COUNT(*)") + kCampaignFrom + " WHERE " + w, p)->asInt();
            Params q = p;
            q.emplace_back(ps.pageSize);
            q.emplace_back(ps.offset());
            int64_t share = sharePercent(c);
            bj::array items;
            for (auto x : c.query(std::string("SELECT ") + kCampaignCols + kCounts + kCampaignFrom + " WHERE " + w +
                                      " ORDER BY " + ps.orderBy + " LIMIT ? OFFSET ?",
                                  q))
              items.push_back(campaignJson(x, share));
            return json::page(std::move(items), total, ps.page, ps.pageSize);
          });

  api.get("/api/evaluation/campaigns/:id", Permission::MemberRead,
          [](http::Request& req, const auth::Context& ctx, Connection& c) {
            return json::ok(campaignDetail(c, ctx.scope, req.idParam()));
          });

  api.post("/api/evaluation/campaigns", Permission::MemberWrite,
           [](http::Request& req, const auth::Context& ctx, Connection& c) {
             json::Form f(req.body);
             OpenInput in;
             in.orgId = f.requiredInt("orgId", "党支部", 1, INT64_MAX);
             in.year = int(f.requiredInt("year", "评议年度", 1990, 2999));
             in.openedOn = f.date("openedOn", "开始日期");
             in.closesOn = f.date("closesOn", "计划结束日期");
             in.note = f.text("note", "备注", 500);
             store::Transaction tx(c);
             int64_t id = open(c, ctx, in);
             tx.commit();
             return json::ok(campaignDetail(c, ctx.scope, id), 201);
           });

  api.post("/api/evaluation/campaigns/:id/close", Permission::MemberWrite,
           [](http::Request& req, const auth::Context& ctx, Connection& c) {
             int64_t id = req.idParam();
             json::Form f(req.body);
             auto on = f.date("closedOn", "结束日期");
             store::Transaction tx(c);
             close(c, ctx, id, on);
             tx.commit();
             return json::ok(campaignDetail(c, ctx.scope, id));
           });

  api.put("/api/evaluation/entries/:id", Permission::MemberWrite,
          [](http::Request& req, const auth::Context& ctx, Connection& c) {
            int64_t id = req.idParam();
            json::Form f(req.body);
            EntryInput in;
            in.version = f.requiredInt("version", "版本号", 1, INT64_MAX);
            in.selfAssessment = f.text("selfAssessment", "自我评价", 2000);
            if (f.has("ratings")) {
              const bj::value& r = f.object().at("ratings");
              if (r.is_object())
                in.ratings = r.as_object();
              else if (!r.is_null())
                throw Error::invalid("ratings", "评议结果格式无效");
            }
            in.grade = f.choice("grade", "评定等次", {"good", "fair", "poor"});
            in.target = f.text("target", "晋位升级目标", 500);
            in.helperMemberId = f.integer("helperMemberId", "帮扶人", 1, INT64_MAX);
            in.helperRole = f.text("helperRole", "帮扶人职务", 20);
            in.talkOn = f.date("talkOn", "谈话日期");
            in.talkBy = f.text("talkBy", "谈话人", 50);
            in.talkContent = f.text("talkContent", "谈话内容", 1000);
            store::Transaction tx(c);
            updateEntry(c, ctx, id, in);
            tx.commit();
            auto r = c.query(std::string("SELECT ") + kEntryCols + kEntryFrom + " WHERE e.id = ?", {id});
            return json::ok(entryJson(r.front()));
          });

  api.get("/api/evaluation/rollup", Permission::MemberRead,
          [](http::Request& req, const auth::Context& ctx, Connection& c) {
            int year = yearParam(req, true);
            int64_t orgId = orgParam(req);
            if (!orgId) orgId = ctx.user.orgId;
            return json::ok(rollup(c, ctx.scope, orgId, year));
          });
}

}  // namespace zg::evaluation
