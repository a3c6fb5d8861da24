#include "app/demo_pipeline.h"

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "modules/pipeline/pipeline.h"
#include "platform/audit.h"
#include "platform/time.h"

namespace zg::demo {

namespace {

using store::Value;
using Row = std::vector<Value>;

class Rng {
 public:
  explicit Rng(uint64_t seed) : g_(seed) {}
  int64_t range(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(g_); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(g_) < p; }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[static_cast<size_t>(range(0, static_cast<int64_t>(v.size()) - 1))]; }

 private:
  std::mt19937_64 g_;
};

const std::vector<std::string> kSurnames = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
                                            "马", "朱", "胡", "郭", "何", "林", "高", "罗", "郑", "梁", "谢", "宋"};
const std::vector<std::string> kGiven = {"晓东", "雨涵", "子轩", "思远", "佳怡", "浩然", "欣怡", "俊杰", "梦琪", "宇航",
                                         "诗涵", "博文", "一鸣", "若曦", "天宇", "静怡", "文博", "嘉怡", "志强", "丽娟"};
const std::vector<std::string> kDecisions[] = {
    {""},
    {"本人向党支部递交入党申请书"},
    {"党支部派委员谈话，了解基本情况"},
    {"经党员推荐、群团组织推优，支委会研究确定为入党积极分子"},
    {"报街道党工委备案"},
    {"指定培养联系人"},
    {"半年考察一次，表现良好"},
    {"听取党小组、培养联系人、党员和群众意见，支委会讨论确定为发展对象"},
    {"报街道党工委备案"},
    {"确定入党介绍人"},
    {"政治审查合格，形成结论性材料"},
    {"参加街道党校集中培训，考试合格"},
    {"支部委员会审查合格"},
    {"街道党工委预审合格"},
    {"填写入党志愿书"},
    {"支部大会讨论，应到党员全部到会，表决通过接收为预备党员"},
    {"街道党工委派人谈话"},
    {"街道党工委审批同意"},
    {"报区委组织部备案"},
    {"编入党支部和党小组"},
    {"参加入党宣誓仪式"},
    {"继续教育考察，按期思想汇报"},
    {"本人提出书面转正申请"},
    {"支部大会讨论，表决通过按期转为正式党员"},
    {"街道党工委审批同意"},
    {"入党材料归档"}};

std::string idFor(const Date& birth, int64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "330108%04d%02d%02d%03d", birth.year, birth.month, birth.day,
                static_cast<int>(seq % 1000));
  std::string first17 = buf;
  return first17 + idCheckDigit(first17);
}

}  // namespace

PipelineResult loadPipeline(store::Database& db, const crypto::FieldCipher& cipher, uint64_t seed, const Date& asOf) {
  Rng rng(seed ^ 0xfa2a1e1e2026ULL);
  PipelineResult out;
  auto lease = db.acquire();
  store::Connection& c = *lease;
  store::Transaction tx(c);
  if (c.scalar("SELECT id FROM pipeline_applicants LIMIT 1"))
    throw Error::conflict("not_empty", "演示发展党员数据已存在");
  const std::string now = nowIso();
  const int64_t probationMonths = 12;

  // Branches and their full members (sponsors and introducers come from the branch).
  struct Branch {
    int64_t id;
    std::string path;
    std::vector<std::pair<int64_t, std::string>> full;
  };
  std::vector<Branch> branches;
  std::map<int64_t, size_t> branchIndex;
  std::vector<std::pair<int64_t, std::string>> allFull;
  for (auto r : c.query("SELECT id, path FROM orgs WHERE kind = 'branch' AND dissolved_on IS NULL ORDER BY id")) {
    branchIndex[r.i64(0)] = branches.size();
    branches.push_back({r.i64(0), r.text(1), {}});
  }
  if (branches.empty()) {
    tx.commit();
    return out;
  }
  for (auto r : c.query("SELECT id, name, org_id FROM members WHERE active = 1 AND category = 'full' ORDER BY id")) {
    auto it = branchIndex.find(r.i64(2));
    if (it != branchIndex.end() && branches[it->second].full.size() < 8)
      branches[it->second].full.push_back({r.i64(0), r.text(1)});
    if (allFull.size() < 16) allFull.push_back({r.i64(0), r.text(1)});
  }
  std::vector<int64_t> itemIds;
  std::map<int64_t, std::pair<std::string, int64_t>> items;
  for (auto r : c.query("SELECT id, name, points FROM pipeline_point_items WHERE active = 1 ORDER BY id")) {
    itemIds.push_back(r.i64(0));
    items[r.i64(0)] = {r.text(1), r.i64(2)};
  }
  std::vector<int64_t> questionIds;
  for (auto r : c.query("SELECT id FROM pipeline_questions WHERE active = 1 ORDER BY ord, id")) questionIds.push_back(r.i64(0));
  const std::vector<std::string> answersText = {"为实现共产主义远大理想和中国特色社会主义共同理想而奋斗，全心全意为人民服务",
                                                "中国共产党是中国工人阶级的先锋队，同时是中国人民和中华民族的先锋队",
                                                "学习了党章和党的二十大报告，增强了“四个意识”",
                                                "在岗位上带头完成任务，参加社区志愿服务",
                                                "理论学习还不够系统，今后坚持每周学习"};

  std::vector<Row> applicants, steps, people, training, points, moves, answers;
  int64_t nextId = 1, seq = 0;

  // One applicant's history: steps from `dates` (index = step no; empty Date = not reached).
  auto emit = [&](int64_t id, const Branch& b, const std::string& name, const std::string& idNumber, const Date& birth,
                  char sex, bool migrant, const std::vector<Date>& dates, int last, std::optional<int64_t> memberId,
                  std::optional<Date> fullOn, int64_t orgAtStart) {
    std::string stage = last >= 24 ? "full" : last >= 17 ? "probationary" : last >= 7 ? "target" : last >= 3 ? "activist"
                                                                                                          : "applicant";
    auto d = [&](int no) { return no <= last ? Value(dates[no].iso()) : Value(); };
    applicants.push_back({id, b.id, b.path, name, cipher.encrypt(idNumber), cipher.lookupHash(idNumber),
                          maskIdNumber(idNumber), std::string(1, sex), birth.iso(), int64_t{migrant ? 1 : 0}, stage,
                          int64_t{last}, dates[last].iso(), dates[1].iso(), d(3), d(7), d(15),
                          fullOn && last >= 24 ? Value(fullOn->iso()) : Value(), memberId ? Value(*memberId) : Value(),
                          int64_t{1}, now, now});
    for (int no = 1; no <= last; ++no) {
      steps.push_back({id, int64_t{no}, dates[no].iso(), kDecisions[no][0], no < 4 && orgAtStart ? orgAtStart : b.id,
                       Value(), std::string("演示数据"), now});
      ++out.steps;
    }
    // The branch's full members first; a small branch borrows from the district's.
    std::vector<std::pair<int64_t, std::string>> pool = b.full;
    for (const auto& f : allFull) {
      if (pool.size() >= 3) break;
      if (std::find(pool.begin(), pool.end(), f) == pool.end() && (!memberId || f.first != *memberId)) pool.push_back(f);
    }
    if (last >= 5 && !pool.empty())
      people.push_back({id, std::string("sponsor"), pool[0].first, pool[0].second, dates[5].iso(), now});
    if (last >= 9 && pool.size() >= 3)
      for (size_t k = 1; k <= 2; ++k)
        people.push_back({id, std::string("introducer"), pool[k].first, pool[k].second, dates[9].iso(), now});
    if (last >= 11) {
      Date end = addDays(dates[11], -rng.range(1, 10));
      if (end < dates[10]) end = dates[10];
      training.push_back({id, addDays(end, -2).iso(), end.iso(), int64_t{3}, int64_t{24}, std::string("街道党校"), now});
    }
    if (last >= 3 && !questionIds.empty() && rng.chance(0.6)) {
      Date on = addDays(dates[3], rng.range(10, 60));
      if (on > asOf) on = asOf;
      for (size_t k = 0; k < questionIds.size(); ++k)
        answers.push_back({id, questionIds[k], answersText[k % answersText.size()], on.iso(), now});
    }
    ++out.applicants;
  };

  // 1) New applicants (not yet members): about a third of the branches, 1–3 each, applied in
  //    the last three years; steps forward with realistic gaps, stopping at today and before
  //    step 17 (the approval that would make them members).
  for (const auto& b : branches) {
    if (!rng.chance(0.35)) continue;
    int n = static_cast<int>(rng.range(1, 3));
    for (int k = 0; k < n; ++k) {
      int64_t id = nextId++;
      Date applied = addDays(asOf, -rng.range(15, 760));
      Date birth = addDays(applied, -rng.range(19 * 365, 40 * 365));
      char sex = rng.chance(0.5) ? 'M' : 'F';
      std::string idNumber = idFor(birth, 500 + (++seq) * 2 + (sex == 'M' ? 1 : 0));
      std::string name = rng.pick(kSurnames) + rng.pick(kGiven);
      std::vector<Date> dates(26);
      dates[1] = applied;
      int last = 1;
      for (int no = 2; no <= 16; ++no) {
        int64_t gap = no == 2 ? rng.range(10, 30) : no == 3 ? rng.range(150, 240) : no == 7 ? 0 : rng.range(3, 20);
        Date d = addDays(dates[no - 1], gap);
        if (no == 6) d = addDays(dates[3], rng.range(300, 360));
        if (no == 7) d = addDays(addMonths(dates[3], 12), rng.range(0, 60));
        if (no == 11) d = addDays(dates[10], rng.range(20, 40));
        if (d > asOf) break;
        dates[no] = d;
        last = no;
      }
      bool migrant = rng.chance(0.3);
      int64_t orgAtStart = 0;
      const Branch* home = &b;
      if (migrant) {
        ++out.migrants;
        // Some migrant workers moved here from another branch of the district; their points and
        // early steps were earned there.
        if (rng.chance(0.4) && branches.size() > 1) {
          const Branch& from = rng.pick(branches);
          if (from.id != b.id && last >= 3) {
            orgAtStart = from.id;
            Date movedOn = addDays(dates[3], rng.range(1, 30));
            if (movedOn > asOf) movedOn = asOf;
            moves.push_back({id, from.id, b.id, movedOn.iso(), std::string("务工地变动，发展党员档案随转"),
                             std::string("演示数据"), now});
            ++out.moves;
          }
        }
        int np = static_cast<int>(rng.range(2, 8));
        for (int p = 0; p < np && !itemIds.empty(); ++p) {
          int64_t item = rng.pick(itemIds);
          Date on = addDays(applied, rng.range(5, std::max<int64_t>(6, daysBetween(applied, asOf))));
          if (on > asOf) on = asOf;
          int64_t at = orgAtStart && !moves.empty() && on.iso() < moves.back()[3].asText() ? orgAtStart : b.id;
          points.push_back({id, item, items[item].first, items[item].second, on.iso(), at, Value(),
                            std::string("演示数据"), now});
          ++out.points;
        }
      }
      // The steps before the move were recorded in the old branch (steps 1–3).
      emit(id, *home, name, idNumber, birth, sex, migrant, dates, last, std::nullopt, std::nullopt, orgAtStart);
    }
  }

  // 2) The registry's probationary members and members made full in the last year: the history
  //    that led there, anchored on joined_on (the branch meeting, step 15).
  Date yearAgo = addMonths(asOf, -12);
  for (auto r : c.query("SELECT id, name, id_number_enc, birth_date, sex, org_id, category, joined_on, full_on "
                        "FROM members WHERE active = 1 AND id_number_enc IS NOT NULL AND joined_on IS NOT NULL AND "
                        "(category = 'probationary' OR (category = 'full' AND full_on >= ?)) ORDER BY id",
                        {yearAgo.iso()})) {
    auto it = branchIndex.find(r.i64(5));
    if (it == branchIndex.end()) continue;
    auto joined = parseDate(r.text(7));
    auto birth = parseDate(r.optText(3).value_or(""));
    if (!joined || !birth || *joined > asOf) continue;
    bool full = r.text(6) == "full";
    std::vector<Date> dates(26);
    dates[15] = *joined;
    dates[14] = addDays(*joined, -rng.range(3, 10));
    dates[13] = addDays(dates[14], -rng.range(3, 10));
    dates[12] = addDays(dates[13], -rng.range(3, 10));
    dates[11] = addDays(dates[12], -rng.range(5, 15));
    dates[10] = addDays(dates[11], -rng.range(5, 15));
    dates[9] = addDays(dates[10], -rng.range(3, 10));
    dates[8] = addDays(dates[9], -rng.range(3, 10));
    dates[7] = addDays(dates[8], -rng.range(3, 10));
    dates[3] = addDays(addMonths(dates[7], -12), -rng.range(0, 60));
    dates[6] = addDays(dates[7], -rng.range(20, 40));
    dates[5] = addDays(dates[3], rng.range(5, 15));
    dates[4] = addDays(dates[3], rng.range(1, 4));
    dates[2] = addDays(dates[3], -rng.range(120, 200));
    dates[1] = addDays(dates[2], -rng.range(10, 30));
    if (ageOn(*birth, dates[1]) < 18) continue;  // the registry's own dates do not allow a history
    int last = 15;
    auto next = [&](int no, Date d) {
      if (last != no - 1) return;
      if (d < dates[no - 1]) d = dates[no - 1];
      if (d > asOf) return;
      dates[no] = d;
      last = no;
    };
    // Approval (17) is what made them a member of the registry: always recorded.
    next(16, addDays(*joined, rng.range(3, 10)));
    if (last == 15) dates[16] = *joined, last = 16;
    Date approval = std::min(asOf, addDays(dates[16], rng.range(5, 20)));
    dates[17] = std::max(approval, dates[16]);
    last = 17;
    next(18, addDays(dates[17], rng.range(3, 10)));
    next(19, addDays(dates[18], rng.range(1, 5)));
    next(20, addDays(dates[19], rng.range(5, 40)));
    next(21, addDays(dates[20], rng.range(60, 120)));
    Date end = addMonths(*joined, static_cast<int>(probationMonths));
    next(22, addDays(end, -rng.range(10, 30)));
    std::optional<Date> fullOn;
    if (full) {
      next(23, end);
      next(24, addDays(end, rng.range(5, 20)));
      next(25, addDays(dates[24], rng.range(5, 20)));
      if (last < 24) continue;  // the registry says full; the history must agree
      fullOn = end;
    }
    std::string idNumber = cipher.decrypt(r.text(2));
    int64_t id = nextId++;
    emit(id, branches[it->second], r.text(1), idNumber, *birth, r.text(4).empty() ? 'M' : r.text(4)[0], false, dates,
         last, r.i64(0), fullOn, 0);
    ++out.linkedMembers;
    if (full) c.exec("UPDATE members SET full_on = ? WHERE id = ?", {fullOn->iso(), r.i64(0)});
  }

  c.bulkInsert("pipeline_applicants",
               {"id", "org_id", "org_path", "name", "id_enc", "id_hash", "id_mask", "sex", "birth_date", "migrant",
                "stage", "last_step", "last_step_on", "applied_on", "activist_on", "target_on", "probationary_on",
                "full_on", "member_id", "version", "created_at", "updated_at"},
               applicants);
  c.bulkInsert("pipeline_steps",
               {"applicant_id", "step_no", "done_on", "decision", "org_id", "user_id", "user_name", "created_at"}, steps);
  c.bulkInsert("pipeline_people", {"applicant_id", "role", "member_id", "name", "from_date", "created_at"}, people);
  c.bulkInsert("pipeline_training",
               {"applicant_id", "from_date", "to_date", "days", "hours", "organizer", "created_at"}, training);
  c.bulkInsert("pipeline_points",
               {"applicant_id", "item_id", "item_name", "points", "earned_on", "org_id", "note", "user_name",
                "created_at"},
               points);
  c.bulkInsert("pipeline_moves",
               {"applicant_id", "from_org_id", "to_org_id", "moved_on", "reason", "user_name", "created_at"}, moves);
  c.bulkInsert("pipeline_answers", {"applicant_id", "question_id", "answer", "answered_on", "created_at"}, answers);
  if (c.dialect() == store::Dialect::Postgres)
    c.query("SELECT setval(pg_get_serial_sequence('pipeline_applicants', 'id'), (SELECT COALESCE(MAX(id), 1) FROM "
            "pipeline_applicants))");
  audit::record(c, auth::Actor::system("演示数据"),
                {"demo", "system", std::nullopt, "/",
                 "载入演示发展党员数据：申请人" + std::to_string(out.applicants) + "名（其中党员档案" +
                     std::to_string(out.linkedMembers) + "名、农民工" + std::to_string(out.migrants) + "名）、步骤" +
                     std::to_string(out.steps) + "条、积分" + std::to_string(out.points) + "条",
                 nullptr, nullptr});
  tx.commit();
  return out;
}

}  // namespace zg::demo
