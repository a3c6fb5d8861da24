// Visit and work logs 网格日志: rules, the “三必访” due list, the task source, the figure and routes.
#include "modules/visits/visits.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <sstream>

#include "core/error.h"
#include "modules/grid/grid.h"
#include "modules/orgs/orgs.h"
#include "modules/problems/problems.h"
#include "platform/audit.h"
#include "platform/figures.h"
#include "platform/rollup_months.h"
#include "platform/importer.h"
#include "platform/json.h"
#include "platform/settings.h"
#include "platform/time.h"

namespace zg::visits {

namespace bj = boost::json;
using store::Connection;
using store::Params;
using store::Value;
using P = auth::Permission;

namespace {

constexpr const char* kMustDays = "visits.must_visit_days";
constexpr const char* kLeadDays = "visits.holiday_lead_days";
constexpr const char* kHolidays = "visits.holidays";
constexpr const char* kPhotoKb = "visits.photo_max_kb";

// The household as the visit rules need it, or nullopt when it does not exist / is not visible.
struct HouseholdRow {
  int64_t id = 0, orgId = 0;
  std::string orgPath, address, headName, createdOn;
  std::optional<int64_t> contactMemberId;
};

std::string addressOf(const store::Row& x, int building) {
  std::string b = x.text(building), u = x.text(building + 1), r = x.text(building + 2), a = x.text(building + 3);
  return a + b + (b.empty() ? "" : "幢") + u + (u.empty() ? "" : "单元") + r + (r.empty() ? "" : "室");
}

std::optional<HouseholdRow> findHousehold(Connection& c, int64_t id) {
  auto r = c.query("SELECT h.id, h.org_id, o.path, h.head_name, h.created_at, h.building, h.unit, h.room, h.address, "
                   "(SELECT hc.member_id FROM household_contacts hc WHERE hc.household_id = h.id AND hc.to_on IS NULL "
                   "ORDER BY hc.id DESC LIMIT 1) FROM households h JOIN orgs o ON o.id = h.org_id WHERE h.id = ?",
                   {id});
  if (r.empty()) return std::nullopt;
  auto x = r.front();
  HouseholdRow h{x.i64(0), x.i64(1), x.text(2), addressOf(x, 5), x.text(3), x.text(4).substr(0, 10), std::nullopt};
  if (!x.isNull(9)) h.contactMemberId = x.i64(9);
  return h;
}

bool isStaff(const auth::Context& ctx) { return ctx.can(P::MemberWrite); }
bool isReader(const auth::Context& ctx) { return ctx.can(P::MemberRead); }

// May the caller see the household's logs? Readers within scope; a member login when it currently
// looks after the household.
bool seesHousehold(const auth::Context& ctx, const HouseholdRow& h) {
  if (isReader(ctx)) return ctx.scope.contains(h.orgPath);
  return ctx.user.memberId && h.contactMemberId == ctx.user.memberId;
}

std::string kindLabel(const std::string& code) {
  for (auto& [k, l] : kinds())
    if (k == code) return l;
  return code;
}

bj::object visitJson(const store::Row& x) {
  // id, household_id, head_name, building, unit, room, address, member_id, visitor_name, visited_on, kind, note,
  // problems, problem_id, photo_file_id, created_at, org name
  return {{"id", x.i64(0)},
          {"householdId", x.i64(1)},
          {"headName", x.text(2)},
          {"address", addressOf(x, 3)},
          {"memberId", json::fromValue(x[7])},
          {"visitorName", x.text(8)},
          {"visitedOn", x.text(9)},
          {"kind", x.text(10)},
          {"kindLabel", kindLabel(x.text(10))},
          {"note", x.text(11)},
          {"problems", json::fromValue(x[12])},
          {"problemId", json::fromValue(x[13])},
          {"hasPhoto", !x.isNull(14)},
          {"createdAt", x.text(15)},
          {"orgName", x.text(16)}};
}

const char* kVisitSelect =
    "SELECT v.id, v.household_id, h.head_name, h.building, h.unit, h.room, h.address, v.member_id, v.visitor_name, "
    "v.visited_on, v.kind, v.note, v.problems, v.problem_id, v.photo_file_id, v.created_at, o.name "
    "FROM visit_logs v JOIN households h ON h.id = v.household_id JOIN orgs o ON o.id = v.org_id ";

void ensureSettings() {
  static std::once_flag once;
  std::call_once(once, registerSettings);
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& kinds() {
  static const std::vector<std::pair<std::string, std::string>> k = {
      {"home", "入户走访"}, {"phone", "电话联系"}, {"wechat", "微信联系"}, {"meeting", "民情恳谈"}, {"other", "其他"}};
  return k;
}

void registerSettings() {
  settings::define({kMustDays, "“三必访”走访间隔（天）",
                    "楼宇党小组“三必访”（种子002：新迁入必访、困难必访、节日必访）：带“新迁入”或“生活困难”标签的住户"
                    "超过此天数未走访即列为待访。",
                    settings::Type::Int, 30, 1, 365});
  settings::define({kLeadDays, "节前走访提前天数",
                    "节日前此天数内，楼宇党小组所联系的重点联系户须走访一次（种子004：春节、七一前走访慰问）。",
                    settings::Type::Int, 15, 1, 60});
  settings::define({kHolidays, "节日走访日期",
                    "“三必访”中的节日：逗号分隔的“日期:名称”（如 2027-02-06:春节）；格式不对的项被忽略。",
                    settings::Type::Text,
                    "2026-02-17:春节,2026-07-01:七一,2026-09-25:中秋,2026-10-01:国庆,2027-01-01:元旦,"
                    "2027-02-06:春节,2027-07-01:七一,2027-09-15:中秋,2027-10-01:国庆"});
  settings::define({kPhotoKb, "走访照片大小上限（KB）", "走访记录所附照片（JPEG、PNG、WebP）的最大大小。",
                    settings::Type::Int, 5120, 50, 20480});
}

std::vector<std::pair<Date, std::string>> holidays(Connection& c) {
  ensureSettings();
  std::vector<std::pair<Date, std::string>> out;
  auto v = settings::get(c, kHolidays);
  if (!v.is_string()) return out;
  std::stringstream ss(std::string(v.as_string()));
  std::string item;
  while (std::getline(ss, item, ',')) {
    auto colon = item.find(':');
    std::string d = item.substr(0, colon), name = colon == std::string::npos ? "节日" : item.substr(colon + 1);
    while (!d.empty() && d.front() == ' ') d.erase(0, 1);
    if (auto date = parseDate(d)) out.emplace_back(*date, name.empty() ? "节日" : name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string imageType(const std::string& b) {
  if (b.size() >= 3 && static_cast<unsigned char>(b[0]) == 0xFF && static_cast<unsigned char>(b[1]) == 0xD8 &&
      static_cast<unsigned char>(b[2]) == 0xFF)
    return "image/jpeg";
  if (b.size() >= 8 && b.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0) return "image/png";
  if (b.size() >= 12 && b.compare(0, 4, "RIFF") == 0 && b.compare(8, 4, "WEBP") == 0) return "image/webp";
  return "";
}

int64_t logVisit(Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, const VisitInput& in) {
  auto h = findHousehold(c, in.householdId);
  bool staff = isStaff(ctx);
  if (!h || (staff ? !ctx.scope.contains(h->orgPath) : !seesHousehold(ctx, *h)))
    throw Error::invalid("householdId", "住户不存在或不是您当前联系的住户", "not_found");
  if (!staff && !(ctx.user.memberId && h->contactMemberId == ctx.user.memberId))
    throw Error::invalid("householdId", "只能为您当前联系的住户记录走访");
  if (in.visitedOn > today()) throw Error::invalid("visitedOn", "走访日期不能晚于今天");
  if (auto created = parseDate(h->createdOn); created && in.visitedOn < addDays(*created, -366 * 5))
    throw Error::invalid("visitedOn", "走访日期过早，请核对");
  bool known = false;
  for (auto& [k, l] : kinds()) known = known || k == in.kind;
  if (!known) throw Error::invalid("kind", "请选择走访方式");
  if (in.note.empty() && (!in.problems || in.problems->empty()))
    throw Error::invalid("note", "请简要填写走访情况");
  std::optional<int64_t> memberId = ctx.user.memberId;
  if (in.memberId) {
    if (!staff && in.memberId != ctx.user.memberId) throw Error::invalid("memberId", "只能记录本人的走访");
    memberId = in.memberId;
  }
  std::string visitor = ctx.user.displayName;
  if (memberId) {
    Params p{*memberId};
    std::string w = staff ? ctx.scope.where("m.org_path", p) : "1=1";
    auto m = c.query("SELECT m.name FROM members m WHERE m.id = ? AND " + w, p);
    if (m.empty()) {
      if (in.memberId) throw Error::invalid("memberId", "走访党员不存在或不在管辖范围内");
      memberId.reset();
    } else {
      visitor = m.front().text(0);
    }
  }
  std::string now = nowIso();
  int64_t id = c.scalar(
      "INSERT INTO visit_logs (household_id, org_id, member_id, visitor_name, visited_on, kind, note, problems, "
      "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {h->id, h->orgId, Value(memberId), visitor, in.visitedOn.iso(), in.kind, in.note, Value(in.problems), ctx.user.id,
       now})->asInt();
  if (in.problems) {
    // The problems found become a residents' problem 民情 of the household. The caller may log for
    // this household (checked above), so the household's community is the scope to open it in.
    auto kinds = problems::kinds(c);
    std::string kind = in.problemKind.value_or("");
    if (kind.empty()) kind = kinds.empty() ? "" : kinds.back().first;
    for (auto& k : kinds)
      if (!in.problemKind && k.first == "其他") kind = k.first;
    problems::OpenInput pi;
    pi.source = "visit";
    pi.kind = kind;
    pi.text = *in.problems;
    pi.reporterName = h->headName.empty() ? visitor : h->headName;
    pi.householdId = h->id;
    try {
      auto opened = problems::open(c, Scope(h->orgPath), ctx.actor(), cipher, pi, today());
      c.exec("UPDATE visit_logs SET problem_id = ? WHERE id = ?", {opened.id, id});
    } catch (const Error& e) {
      // Name the visit form's fields, not the problem's.
      if (e.field() == "kind" || e.field() == "text")
        throw Error(e.kind(), e.code(), e.message(), e.field() == "kind" ? "problemKind" : "problems");
      throw;
    }
  }
  // last_visited_on only moves forward: logging an old visit late does not hide a newer one.
  c.exec("UPDATE households SET last_visited_on = ? WHERE id = ? AND (last_visited_on IS NULL OR last_visited_on < ?)",
         {in.visitedOn.iso(), h->id, in.visitedOn.iso()});
  bj::object after{{"householdId", h->id},   {"visitedOn", in.visitedOn.iso()}, {"kind", in.kind},
                   {"note", in.note},        {"problems", json::opt(in.problems)},
                   {"memberId", memberId ? bj::value(*memberId) : bj::value(nullptr)}};
  audit::record(c, ctx.actor(),
                {"create", "visit", id, h->orgPath,
                 "记录走访：" + h->address + "（" + h->headName + "），" + kindLabel(in.kind) + " " + in.visitedOn.iso(),
                 nullptr, after});
  return id;
}

void attachPhoto(Connection& c, const auth::Context& ctx, int64_t visitId, const std::string& bytes) {
  ensureSettings();
  auto r = c.query("SELECT v.household_id, v.created_by, v.member_id, o.path FROM visit_logs v JOIN orgs o ON o.id = "
                   "v.org_id WHERE v.id = ?",
                   {visitId});
  if (r.empty()) throw Error::notFound("走访记录不存在");
  auto x = r.front();
  std::string path = x.text(3);
  bool mine = x.i64(1) == ctx.user.id || (ctx.user.memberId && !x.isNull(2) && x.i64(2) == *ctx.user.memberId);
  if (!(isStaff(ctx) && ctx.scope.contains(path)) && !mine) throw Error::notFound("走访记录不存在");
  if (bytes.empty()) throw Error::invalid("photo", "请选择照片", "required");
  int64_t maxKb = settings::getInt(c, kPhotoKb);
  if (static_cast<int64_t>(bytes.size()) > maxKb * 1024)
    throw Error::invalid("photo", "照片不能超过" + std::to_string(maxKb) + "KB，请压缩后再传");
  std::string type = imageType(bytes);
  if (type.empty()) throw Error::invalid("photo", "照片须为 JPEG、PNG 或 WebP 图片");
  std::string ext = type == "image/jpeg" ? ".jpg" : type == "image/png" ? ".png" : ".webp";
  int64_t fileId = importer::storeFile(c, "走访照片" + std::to_string(visitId) + ext, bytes, path, ctx.user.id);
  c.exec("UPDATE visit_logs SET photo_file_id = ? WHERE id = ?", {fileId, visitId});
  audit::record(c, ctx.actor(),
                {"update", "visit", visitId, path, "走访记录附照片（" + std::to_string(bytes.size() / 1024) + "KB）",
                 nullptr, bj::object{{"photoFileId", fileId}}});
}

std::vector<Due> due(Connection& c, const Scope& scope, std::optional<int64_t> contactMemberId, const Date& today) {
  ensureSettings();
  int64_t mustDays = settings::getInt(c, kMustDays), lead = settings::getInt(c, kLeadDays);
  // The holiday whose lead window holds today (the nearest one ahead).
  std::optional<std::pair<Date, std::string>> holiday;
  for (auto& hd : holidays(c))
    if (hd.first >= today && addDays(hd.first, -static_cast<int>(lead)) <= today) {
      holiday = hd;
      break;
    }
  Params p;
  std::string key = grid::keyWhere(c, "h.tags", p);
  std::string where;
  if (contactMemberId) {
    where = "hc.member_id = ?";
    p.emplace_back(*contactMemberId);
  } else {
    where = scope.where("o.path", p);
  }
  std::string sql =
      "SELECT h.id, h.head_name, h.building, h.unit, h.room, h.address, h.tags, h.last_visited_on, "
      "CASE WHEN " + key + " THEN 1 ELSE 0 END, hc.member_id, m.name, o.name "
      "FROM households h JOIN orgs o ON o.id = h.org_id "
      "JOIN grid_buildings gb ON gb.area_id = h.area_id AND gb.building = h.building AND gb.party_org_id IS NOT NULL " +
      std::string(contactMemberId ? "JOIN" : "LEFT JOIN") +
      " household_contacts hc ON hc.household_id = h.id AND hc.to_on IS NULL "
      "LEFT JOIN members m ON m.id = hc.member_id WHERE " + where +
      " AND (h.tags LIKE '%,new_arrival,%' OR h.tags LIKE '%,difficulty,%'";
  if (holiday) sql += " OR " + grid::keyWhere(c, "h.tags", p);
  sql += ") ORDER BY h.id";
  auto rows = c.query(sql, p);
  std::vector<Due> out;
  std::string mustCut = addDays(today, -static_cast<int>(mustDays)).iso();
  for (auto x : rows) {
    std::string tags = x.text(6);
    std::optional<std::string> last = x.isNull(7) ? std::nullopt : std::optional<std::string>(x.text(7));
    Due d;
    d.householdId = x.i64(0);
    d.headName = x.text(1);
    d.address = addressOf(x, 2);
    d.orgName = x.text(11);
    d.lastVisitedOn = last;
    if (!x.isNull(9)) d.contactMemberId = x.i64(9), d.contactName = x.text(10);
    auto push = [&](const std::string& reason, const std::string& label, const std::string& dueOn) {
      Due e = d;
      e.reason = reason, e.reasonLabel = label, e.dueOn = dueOn;
      out.push_back(std::move(e));
    };
    bool recent = last && *last >= mustCut;
    for (auto [tag, label] : {std::pair{"new_arrival", "新迁入必访"}, std::pair{"difficulty", "困难必访"}})
      if (tags.find(std::string(",") + tag + ",") != std::string::npos && !recent) {
        std::string dueOn = last ? addDays(*parseDate(*last), static_cast<int>(mustDays)).iso() : today.iso();
        push(tag, label, std::min(dueOn, today.iso()));
        break;  // one entry per household for the tag rules
      }
    if (holiday && x.i64(8) == 1) {
      std::string opened = addDays(holiday->first, -static_cast<int>(lead)).iso();
      if (!last || *last < opened) {
        push("holiday", holiday->second + "节前必访", holiday->first.iso());
        out.back().holiday = holiday->second;
      }
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Due& a, const Due& b) { return a.dueOn < b.dueOn; });
  return out;
}

std::vector<me::Task> meTasks(Connection& c, const me::Self& self, const Date& today) {
  std::vector<me::Task> out;
  if (!self.active) return out;
  for (auto& d : due(c, self.scope, self.memberId, today))
    out.push_back({"visit", "“三必访”：" + d.address + "（" + d.headName + "）" + d.reasonLabel, d.dueOn,
                   "/grid/visit/" + std::to_string(d.householdId)});
  return out;
}

void registerFigures() {
  figures::SqlSpec s;
  s.base = [](const figures::Query& q, Params& p) {
    std::string w = q.scope.where("o.path", p);
    p.emplace_back(q.from.iso());
    p.emplace_back(q.to.iso());
    return "FROM visit_logs v JOIN orgs o ON o.id = v.org_id JOIN households h ON h.id = v.household_id WHERE " + w +
           " AND v.visited_on >= ? AND v.visited_on < ?";
  };
  s.cells = [](Connection&, const figures::Query&) {
    std::vector<figures::SqlCell> cells{{"all", "走访合计", "1=1", {}}};
    for (auto& [k, l] : kinds()) cells.push_back({k, l, "v.kind = ?", Params{k}});
    cells.push_back({"problems", "其中发现问题", "(v.problems IS NOT NULL AND v.problems <> '')", {}});
    return cells;
  };
  s.select = [](const figures::Query&, Params&) {
    std::string kind = "CASE v.kind";
    for (auto& [k, l] : kinds()) kind += " WHEN '" + k + "' THEN '" + l + "'";
    kind += " ELSE v.kind END";
    return "v.id, v.visited_on, o.name, h.address || h.building || h.unit || h.room, h.head_name, v.visitor_name, " +
           kind + ", v.problems";
  };
  s.columns = {{"visitedOn", "走访日期", ""}, {"orgName", "社区", ""},        {"address", "住址", ""},
               {"headName", "户主", ""},      {"visitorName", "走访人", ""}, {"kind", "方式", ""},
               {"problems", "发现问题", ""}};
  s.orderBy = "v.visited_on DESC, v.id DESC";
  // Live roll-ups (migration 0015, docs/rollup.md): whole months from 'visits.month' keys
  // "YYYY-MM|<kind>" and "YYYY-MM|problems", kept by triggers on visit_logs.
  rollup::define({"visits", "SELECT org_id, metric, k, SUM(n) FROM rollup_visit_keys GROUP BY org_id, metric, k"});
  figures::define(rollup::flowFigure(
      "grid.visits", "网格联户", "走访（网格日志）", 760, std::move(s),
      [](Connection& c, const figures::Query& q, const rollup::Months& m) {
        std::map<std::string, rollup::Tally> t;
        auto counts = rollup::subtree(c, q.scope, {"visits.month"}, m.first, m.last);
        for (auto& [k, n] : counts["visits.month"]) {
          std::string what = rollup::splitKey(k).second;
          if (what != "problems") t["all"].count += n;
          t[what].count += n;  // a kind's cell (kinds not listed count in "all" only, as in the base)
        }
        return t;
      }));
}


namespace {

VisitInput parseInput(const json::Form& f) {
  VisitInput in;
  in.householdId = f.requiredInt("householdId", "住户", 1, INT64_MAX);
  in.visitedOn = f.date("visitedOn", "走访日期").value_or(today());
  in.kind = f.text("kind", "走访方式", 20).value_or("");
  in.note = f.text("note", "走访情况", 500).value_or("");
  in.problems = f.text("problems", "发现问题", 500);
  in.problemKind = f.text("problemKind", "问题类别", 20);
  if (in.problems && in.problems->empty()) in.problems.reset();
  in.memberId = f.integer("memberId", "走访党员", 1, INT64_MAX);
  return in;
}

bj::object dueJson(const Due& d) {
  return {{"householdId", d.householdId},
          {"address", d.address},
          {"headName", d.headName},
          {"orgName", d.orgName},
          {"reason", d.reason},
          {"reasonLabel", d.reasonLabel},
          {"dueOn", d.dueOn},
          {"lastVisitedOn", json::opt(d.lastVisitedOn)},
          {"holiday", json::opt(d.holiday)},
          {"contactMemberId", d.contactMemberId ? bj::value(*d.contactMemberId) : bj::value(nullptr)},
          {"contactName", d.contactName}};
}

}  // namespace

void registerRoutes(platform::Api& api) {
  ensureSettings();
  // Log a visit: staff for any household in scope, a member for the households it looks after.
  platform::Services svc = api.services();
  api.postAny("/api/visits", [svc](http::Request& req, const auth::Context& ctx, Connection& c) {
    json::Form f(req.body);
    VisitInput in = parseInput(f);
    store::Transaction tx(c);
    int64_t id = logVisit(c, ctx, *svc.cipher, in);
    auto r = c.query(std::string(kVisitSelect) + "WHERE v.id = ?", {id});
    tx.commit();
    return json::ok(visitJson(r.front()), 201);
  });

  // Lists: ?householdId= (the archive) or ?memberId= (a member's visits); a member login sees its
  // own visits and the logs of the households it currently looks after.
  api.getAny("/api/visits", [](http::Request& req, const auth::Context& ctx, Connection& c) {
    auto ps = json::pageSpec(req, {{"visitedOn", "v.visited_on"}}, "-visitedOn");
    Params p;
    std::string w;
    auto hid = req.q("householdId"), mid = req.q("memberId");
    auto num = [](const std::string& field, const std::string& s) {
      try {
        size_t n = 0;
        long long v = std::stoll(s, &n);
        if (n == s.size() && v > 0) return static_cast<int64_t>(v);
      } catch (...) {
      }
      throw Error::invalid(field, "编号无效");
    };
    if (hid && !hid->empty()) {
      auto h = findHousehold(c, num("householdId", *hid));
      if (!h || !seesHousehold(ctx, *h)) throw Error::invalid("householdId", "住户不存在或不在管辖范围内", "not_found");
      w = "v.household_id = ?";
      p.emplace_back(h->id);
    } else if (isReader(ctx)) {
      w = ctx.scope.where("o.path", p);
      if (mid && !mid->empty()) {
        w += " AND v.member_id = ?";
        p.emplace_back(num("memberId", *mid));
      }
    } else {
      if (!ctx.user.memberId) return json::page({}, 0, ps.page, ps.pageSize);
      if (mid && !mid->empty() && num("memberId", *mid) != *ctx.user.memberId)
        throw Error::invalid("memberId", "只能查看本人的走访记录");
      w = "v.member_id = ?";
      p.emplace_back(*ctx.user.memberId);
    }
    auto from = req.q("from"), to = req.q("to");
    if (from && !from->empty()) {
      auto d = parseDate(*from);
      if (!d) throw Error::invalid("from", "开始日期不是有效日期（格式：2024-01-31）");
      w += " AND v.visited_on >= ?";
      p.emplace_back(d->iso());
    }
    if (to && !to->empty()) {
      auto d = parseDate(*to);
      if (!d) throw Error::invalid("to", "结束日期不是有效日期（格式：2024-01-31）");
      w += " AND v.visited_on <= ?";
      p.emplace_back(d->iso());
    }
    int64_t total = c.scalar("SELECT COUNT(*) FROM visit_logs v JOIN orgs o ON o.id = v.org_id WHERE " + w, p)->asInt();
    p.emplace_back(static_cast<int64_t>(ps.pageSize));
    p.emplace_back(static_cast<int64_t>(ps.offset()));
    bj::array items;
    for (auto x : c.query(std::string(kVisitSelect) + "WHERE " + w + " ORDER BY " + ps.orderBy + ", v.id DESC LIMIT ? OFFSET ?", p))
      items.push_back(visitJson(x));
    return json::page(std::move(items), total, ps.page, ps.pageSize);
  });

  // The photo: the raw body is the image (as uploads are everywhere).
  api.post(
      "/api/visits/:id/photo", P::OrgRead,
      [](http::Request& req, const auth::Context& ctx, Connection& c) {
        int64_t id = req.idParam();
        store::Transaction tx(c);
        attachPhoto(c, ctx, id, req.body);
        tx.commit();
        return json::ok(bj::object{{"id", id}, {"hasPhoto", true}});
      },
      http::RouteOptions{21 * 1024 * 1024});

  api.getAny("/api/visits/:id/photo", [](http::Request& req, const auth::Context& ctx, Connection& c) {
    auto r = c.query("SELECT v.household_id, v.member_id, v.photo_file_id FROM visit_logs v WHERE v.id = ?",
                     {req.idParam()});
    if (r.empty() || r.front().isNull(2)) throw Error::notFound("照片不存在");
    auto x = r.front();
    auto h = findHousehold(c, x.i64(0));
    bool own = ctx.user.memberId && !x.isNull(1) && x.i64(1) == *ctx.user.memberId;
    if (!h || !(seesHousehold(ctx, *h) || own)) throw Error::notFound("照片不存在");
    auto f = importer::loadFile(c, x.i64(2), Scope::all());
    if (!f) throw Error::notFound("照片不存在");
    std::string type = imageType(f->second);
    return http::Response::download(f->second, type.empty() ? "application/octet-stream" : type, f->first);
  });

  // “三必访” due visits: readers for their scope (?orgId= narrows), a member login for its own households.
  api.getAny("/api/visits/due", [](http::Request& req, const auth::Context& ctx, Connection& c) {
    Date on = today();
    if (auto a = req.q("asOf"); a && !a->empty()) {
      auto d = parseDate(*a);
      if (!d) throw Error::invalid("asOf", "日期不是有效日期（格式：2024-01-31）");
      on = *d;
    }
    std::vector<Due> list;
    if (isReader(ctx)) {
      Scope s = ctx.scope;
      if (auto o = req.q("orgId"); o && !o->empty()) s = Scope(orgs::require(c, ctx.scope, std::atoll(o->c_str()), "orgId").path);
      list = due(c, s, std::nullopt, on);
    } else if (ctx.user.memberId) {
      list = due(c, ctx.scope, *ctx.user.memberId, on);
    }
    // Ordered by due date in C++ (reasons are computed here), so paged here too.
    auto ps = json::pageSpec(req, {{"dueOn", "dueOn"}}, "dueOn");
    bj::array items;
    for (size_t i = static_cast<size_t>(ps.offset()); i < list.size() && items.size() < static_cast<size_t>(ps.pageSize); ++i)
      items.push_back(dueJson(list[i]));
    return json::ok(bj::object{{"items", std::move(items)}, {"total", static_cast<int64_t>(list.size())},
                               {"page", ps.page}, {"pageSize", ps.pageSize}, {"asOf", on.iso()}});
  });
}

}  // namespace zg::visits
