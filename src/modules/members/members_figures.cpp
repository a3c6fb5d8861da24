// Figures 统计 of the registry: members by category, status, age band, education and joining
// decade. Stock figures: counted as of the period's last day (Query::asOf) from the dated
// placements, so a member moved out of the branch later is still counted where he was then.
#include <string>
#include <vector>

#include "modules/members/members.h"
#include "platform/settings.h"

namespace zg::members {

namespace {

using figures::Column;
using figures::Query;
using figures::SqlCell;
using store::Params;

constexpr const char* kGroup = "党员队伍";

// The category on a date: full once full_on has passed (full without a date counts as full).
constexpr const char* kFullOn = "(m.category = 'full' AND (m.full_on IS NULL OR m.full_on <= ?))";

std::string base(const Query& q, Params& p) {
  std::string from = "FROM members m" + placedOn(q, p);
  return from + " WHERE 1 = 1";
}

std::string select(const Query& q, Params& p) {
  p.emplace_back(q.asOf().iso());
  return std::string("m.id, m.name, o.name, CASE WHEN m.sex = 'M' THEN '男' ELSE '女' END, m.birth_date, CASE WHEN ") +
         kFullOn +
         " THEN '正式党员' ELSE '预备党员' END, m.education, m.joined_on, CASE WHEN m.standing = 'suspended' THEN "
         "'停止党籍' ELSE '正常' END";
}

const std::vector<Column>& columns() {
  static const std::vector<Column> v = {{"name", "姓名", ""},        {"orgName", "所在党组织", ""},
                                        {"sex", "性别", ""},         {"birthDate", "出生日期", ""},
                                        {"category", "党员类别", ""}, {"education", "学历", ""},
                                        {"joinedOn", "入党日期", ""}, {"standing", "党籍状态", ""}};
  return v;
}

figures::SqlSpec spec(std::function<std::vector<SqlCell>(store::Connection&, const Query&)> cells,
                      bool dropEmpty = false, bool partition = true) {
  figures::SqlSpec s;
  s.base = base;
  s.cells = std::move(cells);
  s.select = select;
  s.columns = columns();
  s.orderBy = "m.name_sort, m.id";
  s.dropEmpty = dropEmpty;
  s.partition = partition;
  return s;
}

// "30,40,50,60,70" → {30, 40, 50, 60, 70}: the top age of each band; the last band is open.
std::vector<int> bandTops(store::Connection& c) {
  std::vector<int> tops;
  std::string text = settings::get(c, "figures.age_bands").as_string().c_str();
  int cur = -1;
  for (char ch : text + ",") {
    if (ch >= '0' && ch <= '9') {
      cur = (cur < 0 ? 0 : cur * 10) + (ch - '0');
      if (cur > 200) cur = 200;
    } else if (cur >= 0) {
      if (tops.empty() || cur > tops.back()) tops.push_back(cur);
      cur = -1;
    }
  }
  if (tops.empty()) tops = {30, 40, 50, 60, 70};
  return tops;
}

// Born on or before this day ⇔ aged at least `years` on `on`.
std::string bornBy(const Date& on, int years) { return addMonths(on, -12 * years).iso(); }

}  // namespace

std::string placedOn(const Query& q, Params& p) {
  std::string d = q.asOf().iso();
  p.emplace_back(d);
  p.emplace_back(d);
  return " JOIN member_placements pl ON pl.member_id = m.id AND pl.from_date <= ? AND (pl.to_date IS NULL OR "
         "pl.to_date > ?) JOIN orgs o ON o.id = pl.org_id AND " +
         q.scope.where("o.path", p);
}

void registerFigures() {
  settings::define({"figures.age_bands", "统计年龄段",
                    "党员年龄段统计的分段上限（岁），用逗号分隔，如“30,40,50,60,70”表示≤30、31–40……>70",
                    settings::Type::Text, "30,40,50,60,70"});

  figures::define(figures::sqlFigure(
      "members.by_category", kGroup, "按党员类别", 100, spec([](store::Connection&, const Query& q) {
        std::string d = q.asOf().iso();
        return std::vector<SqlCell>{{"full", "正式党员", kFullOn, {d}},
                                    {"probationary", "预备党员", std::string("NOT ") + kFullOn, {d}}};
      })));

  figures::define(figures::sqlFigure(
      "members.by_status", kGroup, "按党员状态", 110, spec([](store::Connection&, const Query& q) {
        std::string d = q.asOf().iso();
        return std::vector<SqlCell>{
            {"normal", "正常", "m.standing = 'normal'", {}},
            {"suspended", "停止党籍", "m.standing = 'suspended'", {}},
            {"lost", "失去联系", "(m.lost_contact = 1 AND (m.lost_on IS NULL OR m.lost_on <= ?))", {d}},
            {"mobile", "流动党员",
             "EXISTS (SELECT 1 FROM mobility_records r WHERE r.member_id = m.id AND r.direction = 'outflow' AND "
             "r.since_date <= ? AND (r.until_date IS NULL OR r.until_date > ?))",
             {d, d}}};
      },
      false, false)));

  figures::define(figures::sqlFigure(
      "members.by_age", kGroup, "按年龄段", 120, spec([](store::Connection& c, const Query& q) {
        Date on = q.asOf();
        std::vector<int> tops = bandTops(c);
        std::vector<SqlCell> v;
        int low = 0;  // the band's lowest age
        for (int top : tops) {
          std::string label = low == 0 ? "≤" + std::to_string(top) + "岁"
                                       : std::to_string(low) + "–" + std::to_string(top) + "岁";
          // aged ≥ low and < top + 1
          if (low == 0)
            v.push_back({"le" + std::to_string(top), label, "m.birth_date > ?", {bornBy(on, top + 1)}});
          else
            v.push_back({std::to_string(low) + "-" + std::to_string(top), label,
                         "(m.birth_date <= ? AND m.birth_date > ?)", {bornBy(on, low), bornBy(on, top + 1)}});
          low = top + 1;
        }
        v.push_back({"gt" + std::to_string(tops.back()), ">" + std::to_string(tops.back()) + "岁",
                     "m.birth_date <= ?", {bornBy(on, low)}});
        v.push_back({"unknown", "出生日期不详", "m.birth_date IS NULL", {}});
        return v;
      })));

  figures::define(figures::sqlFigure(
      "members.by_education", kGroup, "按学历", 130, spec([](store::Connection&, const Query&) {
        std::vector<SqlCell> v;
        std::string known;
        Params kp;
        for (auto& e : educations()) {
          v.push_back({e, e, "m.education = ?", {e}});
          known += known.empty() ? "?" : ", ?";
          kp.emplace_back(e);
        }
        v.push_back({"other", "其他", "(m.education IS NOT NULL AND m.education <> '' AND m.education NOT IN (" +
                                          known + "))",
                     kp});
        v.push_back({"unknown", "未填写", "(m.education IS NULL OR m.education = '')", {}});
        return v;
      })));

  figures::define(figures::sqlFigure(
      "members.by_joining_decade", kGroup, "按入党时间", 140, spec(
                                                            [](store::Connection&, const Query& q) {
                                                              std::vector<SqlCell> v;
                                                              v.push_back({"before1950", "1950年以前",
                                                                           "m.joined_on < ?", {std::string("1950-01-01")}});
                                                              for (int y = 1950; y <= q.asOf().year; y += 10) {
                                                                std::string a = std::to_string(y) + "-01-01";
                                                                std::string b = std::to_string(y + 10) + "-01-01";
                                                                v.push_back({std::to_string(y) + "s",
                                                                             std::to_string(y) + "–" +
                                                                                 std::to_string(y + 9) + "年",
                                                                             "(m.joined_on >= ? AND m.joined_on < ?)",
                                                                             {a, b}});
                                                              }
                                                              v.push_back({"unknown", "入党日期不详",
                                                                           "m.joined_on IS NULL", {}});
                                                              return v;
                                                            },
                                                            true)));
}

}  // namespace zg::members
