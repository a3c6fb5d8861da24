// M3 Recruitment 发展党员: the rules (step order and dates, age, the activist year, training,
// sponsors and introducers, probation, points, moves) and the routes. Every query filters
// pipeline_applicants.org_path by the caller's scope; the other tables join the applicant.
#include "modules/pipeline/pipeline.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "core/error.h"
#include "modules/members/members.h"
#include "modules/orgs/orgs.h"
#include "platform/audit.h"
#include "platform/crypto.h"
#include "platform/figures.h"
#include "platform/importer.h"
#include "platform/settings.h"
#include "platform/time.h"

namespace zg::pipeline {

namespace bj = boost::json;
using store::Connection;
using store::Params;
using store::Value;

namespace {

constexpr const char* kMinAge = "pipeline.min_age";
constexpr const char* kActivistMonths = "pipeline.activist_months";
constexpr const char* kTrainingDays = "pipeline.training_days";
constexpr const char* kTrainingHours = "pipeline.training_hours";
constexpr const char* kProbationMonths = "pipeline.probation_months";
constexpr const char* kSponsorsMax = "pipeline.sponsors_max";
constexpr const char* kIntroducers = "pipeline.introducers";

const std::vector<std::pair<std::string, std::string>> kStages = {{"applicant", "入党申请人"},
                                                                  {"activist", "入党积极分子"},
                                                                  {"target", "发展对象"},
                                                                  {"probationary", "预备党员"},
                                                                  {"full", "正式党员"}};
// The five phases of the 25 steps (细则 chapters), named by the stage key the steps belong to.
const std::vector<std::pair<std::string, std::string>> kPhases = {{"applicant", "入党申请人的申请"},
                                                                  {"activist", "入党积极分子的确定和培养教育"},
                                                                  {"target", "发展对象的确定和考察"},
                                                                  {"probationary", "预备党员的接收"},
                                                                  {"full", "预备党员的教育考察和转正"}};
const std::vector<std::pair<std::string, std::string>> kRoles = {{"sponsor", "培养联系人"},
                                                                 {"introducer", "入党介绍人"}};

std::string label(const std::vector<std::pair<std::string, std::string>>& v, const std::string& k) {
  for (const auto& [key, l] : v)
    if (key == k) return l;
  return k;
}

void ensureSettings() {
  static std::once_flag once;
  std::call_once(once, registerSettings);
}
int64_t setting(Connection& c, const char* key) {
  ensureSettings();
  return settings::getInt(c, key);
}

Date dateOf(const std::string& s) { return parseDate(s).value_or(Date{1900, 1, 1}); }

struct Ref {
  int64_t id = 0, orgId = 0;
  std::string orgPath, name, stage;
  int lastStep = 0;
  std::optional<Date> lastStepOn, activistOn, probationaryOn;
  std::optional<int64_t> memberId;
  bool migrant = false;
  int64_t version = 1;
};

Ref refOf(Connection& c, const Scope& scope, int64_t id) {
  Params p{id};
  std::string w = scope.where("org_path", p);
  auto r = c.query(
      "SELECT id, org_id, org_path, name, stage, last_step, last_step_on, activist_on, probationary_on, member_id, "
      "migrant, version FROM pipeline_applicants WHERE id = ? AND " +
          w,
      p);
  if (r.empty()) throw Error::notFound("发展对象档案不存在");
  auto x = r.front();
  Ref out;
  out.id = x.i64(0);
  out.orgId = x.i64(1);
  out.orgPath = x.text(2);
  out.name = x.text(3);
  out.stage = x.text(4);
  out.lastStep = static_cast<int>(x.i64(5));
  if (!x.isNull(6)) out.lastStepOn = dateOf(x.text(6));
  if (!x.isNull(7)) out.activistOn = dateOf(x.text(7));
  if (!x.isNull(8)) out.probationaryOn = dateOf(x.text(8));
  out.memberId = x.optI64(9);
  out.migrant = x.i64(10) != 0;
  out.version = x.i64(11);
  return out;
}

std::string stepName(Connection& c, int no) {
  auto v = c.scalar("SELECT name FROM pipeline_step_defs WHERE no = ?", {no});
  return v ? v->asText() : ("第" + std::to_string(no) + "步");
}

orgs::Org requireBranch(Connection& c, const Scope& scope, int64_t orgId, const char* field) {
  orgs::Org o = orgs::require(c, scope, orgId, field);
  if (o.kind != "branch") throw Error::invalid(field, "请选择党支部（发展党员工作由党支部进行）", "not_branch");
  if (o.dissolvedOn) throw Error::invalid(field, "该党支部已撤销");
  return o;
}

int64_t countPeople(Connection& c, int64_t id, const std::string& role) {
  return c.scalar("SELECT COUNT(*) FROM pipeline_people WHERE applicant_id = ? AND role = ?", {id, role})->asInt();
}

void touch(Connection& c, int64_t id) {
  c.exec("UPDATE pipeline_applicants SET version = version + 1, updated_at = ? WHERE id = ?", {nowIso(), id});
}

// The rule date the next step must not precede, with the reason shown when it is refused.
struct Earliest {
  Date date;
  std::string why;
};
std::optional<Earliest> earliestFor(Connection& c, const Ref& a, int stepNo) {
  std::optional<Earliest> e;
  auto later = [&](const Date& d, std::string why) {
    if (!e || d > e->date) e = Earliest{d, std::move(why)};
  };
  if (a.lastStepOn)
    later(*a.lastStepOn, "不能早于上一步“" + stepName(c, a.lastStep) + "”的日期（" + a.lastStepOn->iso() + "）");
  if (stepNo == kStepTarget && a.activistOn) {
    int64_t months = setting(c, kActivistMonths);
    later(addMonths(*a.activistOn, static_cast<int>(months)),
          "确定为入党积极分子（" + a.activistOn->iso() + "）满" + std::to_string(months) +
              "个月后方可确定为发展对象，最早 " + addMonths(*a.activistOn, static_cast<int>(months)).iso());
  }
  if (stepNo == kStepFullMeeting && a.probationaryOn) {
    int64_t months = setting(c, kProbationMonths);
    Date end = addMonths(*a.probationaryOn, static_cast<int>(months));
    later(end, "预备期" + std::to_string(months) + "个月（自" + a.probationaryOn->iso() + "起）届满后方可讨论转正，最早 " +
                   end.iso());
  }
  return e;
}

bj::object stageCounts(Connection& c, const Scope& scope) {
  Params p;
  std::string w = scope.where("org_path", p);
  bj::object o;
  for (const auto& [k, l] : kStages) o[k] = 0;
  for (auto x : c.query("SELECT stage, COUNT(*) FROM pipeline_applicants WHERE " + w + " GROUP BY stage", p))
    o[x.text(0)] = x.i64(1);
  return o;
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& stages() { return kStages; }

void registerSettings() {
  settings::define({kMinAge, "申请入党最低年龄（周岁）", "年满十八岁方可申请入党（《中国共产党章程》第一条、《发展党员工作细则》第五条）",
                    settings::Type::Int, 18, 14, 30});
  settings::define({kActivistMonths, "入党积极分子最短培养期（月）",
                    "入党积极分子经过一年以上培养教育和考察方可列为发展对象（《细则》第十三条）", settings::Type::Int, 12,
                    0, 60});
  settings::define({kTrainingDays, "发展对象集中培训最少天数", "集中培训时间一般不少于3天（或不少于24学时）（《细则》第十六条）",
                    settings::Type::Int, 3, 0, 30});
  settings::define({kTrainingHours, "发展对象集中培训最少学时", "集中培训时间一般不少于3天或24学时（《细则》第十六条）",
                    settings::Type::Int, 24, 0, 200});
  settings::define({kProbationMonths, "预备期（月）", "预备党员的预备期为一年，从支部大会通过之日算起（《党章》第七条）",
                    settings::Type::Int, 12, 1, 36});
  settings::define({kSponsorsMax, "培养联系人最多人数", "党组织应指定一至二名正式党员作为入党积极分子的培养联系人（《细则》第十一条）",
                    settings::Type::Int, 2, 1, 5});
  settings::define({kIntroducers, "入党介绍人人数", "发展党员必须有两名正式党员作入党介绍人（《细则》第十八条）",
                    settings::Type::Int, 2, 1, 5});
}

std::optional<Date> nextEarliest(Connection& c, int64_t id) {
  Ref a = refOf(c, Scope::all(), id);
  if (a.lastStep >= kStepCount) return std::nullopt;
  auto e = earliestFor(c, a, a.lastStep + 1);
  return e ? std::optional<Date>(e->date) : std::nullopt;
}

int64_t createApplicant(Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher,
                        const ApplicantInput& in) {
  if (!c.inTransaction()) throw Error::internal("pipeline::createApplicant outside a transaction");
  std::string name = trim(in.name);
  if (name.empty()) throw Error::invalid("name", "请填写姓名", "required");
  if (utf8Length(name) > 40) throw Error::invalid("name", "姓名不能超过40个字");
  auto chk = checkIdNumber(in.idNumber);
  if (!chk.ok) throw Error::invalid("idNumber", chk.errorMessage, chk.errorCode);
  orgs::Org org = requireBranch(c, ctx.scope, in.orgId, "orgId");
  if (in.appliedOn > today()) throw Error::invalid("appliedOn", "递交入党申请书的日期不能晚于今天");
  int64_t minAge = setting(c, kMinAge);
  int age = ageOn(chk.birthDate, in.appliedOn);
  if (age < minAge)
    throw Error::invalid("appliedOn", "申请入党须年满" + std::to_string(minAge) + "周岁：递交申请时仅" + std::to_string(age) +
                                          "周岁（出生日期 " + chk.birthDate.iso() + "），最早可于 " +
                                          addMonths(chk.birthDate, static_cast<int>(minAge * 12)).iso() + " 递交",
                         "too_young");
  std::string hash = cipher.lookupHash(chk.normalized);
  if (c.scalar("SELECT COUNT(*) FROM pipeline_applicants WHERE id_hash = ?", {hash})->asInt() > 0)
    throw Error::conflict("duplicate", "该身份证号码已有发展党员档案", "idNumber");
  if (c.scalar("SELECT COUNT(*) FROM members WHERE active = 1 AND id_number_hash = ?", {hash})->asInt() > 0)
    throw Error::conflict("duplicate", "该身份证号码已是党员，无需申请入党", "idNumber");
  std::string now = nowIso();
  std::string decision = in.decision.value_or("递交入党申请书");
  int64_t id = c.query(
                    "INSERT INTO pipeline_applicants(org_id, org_path, name, id_enc, id_hash, id_mask, sex, birth_date, "
                    "migrant, stage, last_step, last_step_on, applied_on, created_at, updated_at) "
                    "VALUES (?,?,?,?,?,?,?,?,?,'applicant',1,?,?,?,?) RETURNING id",
                    {org.id, org.path, name, cipher.encrypt(chk.normalized), hash, maskIdNumber(chk.normalized),
                     std::string(1, chk.sex), chk.birthDate.iso(), in.migrant, in.appliedOn.iso(),
                     in.appliedOn.iso(), now, now})
                   .front()
                   .i64(0);
  c.exec(
      "INSERT INTO pipeline_steps(applicant_id, step_no, done_on, decision, org_id, user_id, user_name, created_at) "
      "VALUES (?,?,?,?,?,?,?,?)",
      {id, kStepApply, in.appliedOn.iso(), decision, org.id, ctx.user.id, ctx.user.displayName, now});
  audit::record(c, ctx.actor(),
                {"create", "applicant", id, org.path, "建立发展党员档案：" + name + "（" + org.name + "）", nullptr,
                 bj::object{{"name", name},
                            {"idNumber", maskIdNumber(chk.normalized)},
                            {"orgId", org.id},
                            {"migrant", in.migrant},
                            {"appliedOn", in.appliedOn.iso()}}});
  return id;
}

void recordStep(Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, int64_t id, int stepNo,
                const Date& on, const std::string& decision) {
  if (!c.inTransaction()) throw Error::internal("pipeline::recordStep outside a transaction");
  Ref a = refOf(c, ctx.scope, id);
  if (a.lastStep >= kStepCount) throw Error::invalid("stepNo", "发展党员程序已全部完成", "complete");
  if (stepNo != a.lastStep + 1)
    throw Error::invalid("stepNo",
                         "请按顺序办理：下一步是第" + std::to_string(a.lastStep + 1) + "步“" +
                             stepName(c, a.lastStep + 1) + "”",
                         "out_of_order");
  if (trim(decision).empty()) throw Error::invalid("decision", "请填写本步骤的决定或情况", "required");
  if (on > today()) throw Error::invalid("doneOn", "日期不能晚于今天");
  if (auto e = earliestFor(c, a, stepNo); e && on < e->date) throw Error::invalid("doneOn", e->why, "too_early");
  // Rules attached to a step.
  if (stepNo == kStepSponsors) {
    int64_t n = countPeople(c, id, "sponsor"), max = setting(c, kSponsorsMax);
    if (n < 1 || n > max)
      throw Error::invalid("stepNo", "请先指定1至" + std::to_string(max) + "名培养联系人（目前" + std::to_string(n) + "名）",
                           "sponsors");
  }
  if (stepNo == kStepIntroducers) {
    int64_t n = countPeople(c, id, "introducer"), need = setting(c, kIntroducers);
    if (n != need)
      throw Error::invalid("stepNo",
                           "须有" + std::to_string(need) + "名正式党员作入党介绍人（目前" + std::to_string(n) + "名）",
                           "introducers");
  }
  if (stepNo == kStepTraining) {
    auto r = c.query(
        "SELECT COALESCE(SUM(days), 0), COALESCE(SUM(hours), 0) FROM pipeline_training WHERE applicant_id = ? AND "
        "to_date <= ?",
        {id, on.iso()});
    int64_t days = r.front().i64(0), hours = r.front().i64(1);
    int64_t needDays = setting(c, kTrainingDays), needHours = setting(c, kTrainingHours);
    if (days < needDays && hours < needHours)
      throw Error::invalid("stepNo",
                           "集中培训不足：已培训" + std::to_string(days) + "天、" + std::to_string(hours) + "学时，须不少于" +
                               std::to_string(needDays) + "天或" + std::to_string(needHours) + "学时",
                           "training");
  }
  std::string now = nowIso();
  bj::object before{{"stage", a.stage}, {"lastStep", a.lastStep}};
  std::string stage = a.stage;
  std::string sets = "last_step = ?, last_step_on = ?";
  Params p{stepNo, on.iso()};
  if (stepNo == kStepActivist) {
    stage = "activist";
    sets += ", activist_on = ?";
    p.emplace_back(on.iso());
  } else if (stepNo == kStepTarget) {
    stage = "target";
    sets += ", target_on = ?";
    p.emplace_back(on.iso());
  } else if (stepNo == kStepBranchMeeting) {
    sets += ", probationary_on = ?";
    p.emplace_back(on.iso());
  } else if (stepNo == kStepApproval) {
    // 上级党委审批: the member record is created; the probation (and the membership) dates from
    // the branch meeting that admitted them (step 15).
    stage = "probationary";
    Date joined = a.probationaryOn.value_or(on);
    auto enc = c.query("SELECT id_enc FROM pipeline_applicants WHERE id = ?", {id}).front().text(0);
    members::Input m;
    m.name = a.name;
    m.idNumber = cipher.decrypt(enc);
    m.category = "probationary";
    m.orgId = a.orgId;
    m.joinedOn = joined;
    m.orgField = "stepNo";
    int64_t memberId = members::create(c, ctx, cipher, m);
    sets += ", member_id = ?";
    p.emplace_back(memberId);
    a.memberId = memberId;
  } else if (stepNo == kStepFullApproval) {
    stage = "full";
    if (!a.memberId || !a.probationaryOn) throw Error::invalid("stepNo", "尚无预备党员档案，无法办理转正");
    Date fullOn = addMonths(*a.probationaryOn, static_cast<int>(setting(c, kProbationMonths)));
    sets += ", full_on = ?";
    p.emplace_back(fullOn.iso());
    auto cur = c.query("SELECT category, full_on, org_path, name FROM members WHERE id = ? AND active = 1", {*a.memberId});
    if (cur.empty()) throw Error::invalid("stepNo", "该预备党员已不在党员名册中，无法办理转正");
    c.exec(
        "UPDATE members SET category = 'full', full_on = ?, version = version + 1, updated_at = ? WHERE id = ?",
        {fullOn.iso(), now, *a.memberId});
    audit::record(c, ctx.actor(),
                  {"update", "member", *a.memberId, cur.front().text(2), "预备党员转为正式党员：" + cur.front().text(3),
                   bj::object{{"category", cur.front().text(0)}, {"fullOn", json::opt(cur.front().optText(1))}},
                   bj::object{{"category", "full"}, {"fullOn", fullOn.iso()}}});
  }
  sets += ", stage = ?, version = version + 1, updated_at = ?";
  p.emplace_back(stage);
  p.emplace_back(now);
  p.emplace_back(id);
  c.exec("UPDATE pipeline_applicants SET " + sets + " WHERE id = ?", p);
  c.exec(
      "INSERT INTO pipeline_steps(applicant_id, step_no, done_on, decision, org_id, user_id, user_name, created_at) "
      "VALUES (?,?,?,?,?,?,?,?)",
      {id, stepNo, on.iso(), trim(decision), a.orgId, ctx.user.id, ctx.user.displayName, now});
  audit::record(c, ctx.actor(),
                {"step", "applicant", id, a.orgPath,
                 a.name + "：第" + std::to_string(stepNo) + "步“" + stepName(c, stepNo) + "”（" + on.iso() + "）", before,
                 bj::object{{"stage", stage},
                            {"lastStep", stepNo},
                            {"doneOn", on.iso()},
                            {"decision", trim(decision)},
                            {"memberId", a.memberId ? bj::value(*a.memberId) : bj::value(nullptr)}}});
}

int64_t addPerson(Connection& c, const auth::Context& ctx, int64_t id, const std::string& role, int64_t memberId,
                  const Date& from) {
  if (!c.inTransaction()) throw Error::internal("pipeline::addPerson outside a transaction");
  Ref a = refOf(c, ctx.scope, id);
  if (role != "sponsor" && role != "introducer")
    throw Error::invalid("role", "角色应为“培养联系人”或“入党介绍人”", "bad_choice");
  if (from > today()) throw Error::invalid("fromDate", "日期不能晚于今天");
  Params p{memberId};
  std::string w = ctx.scope.where("org_path", p);
  auto m = c.query("SELECT id, name, category, org_path FROM members WHERE active = 1 AND id = ? AND " + w, p);
  if (m.empty()) throw Error::invalid("memberId", "党员不存在或不在管辖范围内", "not_found");
  if (m.front().text(2) != "full")
    throw Error::invalid("memberId", label(kRoles, role) + "须为正式党员，" + m.front().text(1) + "是预备党员",
                         "not_full_member");
  if (a.memberId && *a.memberId == memberId) throw Error::invalid("memberId", "不能指定本人");
  if (c.scalar("SELECT COUNT(*) FROM pipeline_people WHERE applicant_id = ? AND role = ? AND member_id = ?",
               {id, role, memberId})
          ->asInt() > 0)
    throw Error::invalid("memberId", m.front().text(1) + "已是该同志的" + label(kRoles, role));
  int64_t n = countPeople(c, id, role);
  int64_t max = setting(c, role == "sponsor" ? kSponsorsMax : kIntroducers);
  if (n >= max)
    throw Error::invalid("memberId", label(kRoles, role) + "最多" + std::to_string(max) + "名，已有" + std::to_string(n) + "名",
                         "too_many");
  if (role == "sponsor" && a.lastStep < kStepActivist)
    throw Error::invalid("role", "确定为入党积极分子后方可指定培养联系人", "too_early");
  if (role == "introducer" && a.lastStep < kStepTarget)
    throw Error::invalid("role", "确定为发展对象后方可确定入党介绍人", "too_early");
  int64_t pid = c.query(
                     "INSERT INTO pipeline_people(applicant_id, role, member_id, name, from_date, created_at) "
                     "VALUES (?,?,?,?,?,?) RETURNING id",
                     {id, role, memberId, m.front().text(1), from.iso(), nowIso()})
                    .front()
                    .i64(0);
  touch(c, id);
  audit::record(c, ctx.actor(),
                {"update", "applicant", id, a.orgPath, a.name + "：" + label(kRoles, role) + " " + m.front().text(1),
                 nullptr, bj::object{{"role", role}, {"memberId", memberId}, {"fromDate", from.iso()}}});
  return pid;
}

int64_t addTraining(Connection& c, const auth::Context& ctx, int64_t id, const Date& from, const Date& to,
                    int64_t days, int64_t hours, const std::string& organizer) {
  if (!c.inTransaction()) throw Error::internal("pipeline::addTraining outside a transaction");
  Ref a = refOf(c, ctx.scope, id);
  if (to < from) throw Error::invalid("toDate", "结束日期不能早于开始日期");
  if (to > today()) throw Error::invalid("toDate", "培训结束日期不能晚于今天");
  if (days < 0 || days > daysBetween(from, to) + 1)
    throw Error::invalid("days", "培训天数不能超过起止日期之间的天数（" + std::to_string(daysBetween(from, to) + 1) + "天）");
  if (hours < 0 || hours > (daysBetween(from, to) + 1) * 12) throw Error::invalid("hours", "学时数不合理（每天最多12学时）");
  if (days == 0 && hours == 0) throw Error::invalid("hours", "请填写培训天数或学时");
  if (trim(organizer).empty()) throw Error::invalid("organizer", "请填写培训举办单位", "required");
  int64_t tid = c.query(
                     "INSERT INTO pipeline_training(applicant_id, from_date, to_date, days, hours, organizer, created_at) "
                     "VALUES (?,?,?,?,?,?,?) RETURNING id",
                     {id, from.iso(), to.iso(), days, hours, trim(organizer), nowIso()})
                    .front()
                    .i64(0);
  touch(c, id);
  audit::record(c, ctx.actor(),
                {"update", "applicant", id, a.orgPath,
                 a.name + "：培训 " + from.iso() + "至" + to.iso() + "（" + std::to_string(days) + "天/" +
                     std::to_string(hours) + "学时）",
                 nullptr,
                 bj::object{{"fromDate", from.iso()}, {"toDate", to.iso()}, {"days", days}, {"hours", hours},
                            {"organizer", trim(organizer)}}});
  return tid;
}

int64_t addDocument(Connection& c, const auth::Context& ctx, int64_t id, const std::string& name, const Date& dated,
                    std::optional<int> stepNo, std::optional<int64_t> fileId) {
  if (!c.inTransaction()) throw Error::internal("pipeline::addDocument outside a transaction");
  Ref a = refOf(c, ctx.scope, id);
  if (trim(name).empty()) throw Error::invalid("name", "请填写材料名称", "required");
  if (dated > today()) throw Error::invalid("dated", "材料日期不能晚于今天");
  if (stepNo && (*stepNo < 1 || *stepNo > kStepCount)) throw Error::invalid("stepNo", "步骤应为1至25");
  if (fileId) {
    Params p{*fileId};
    std::string w = ctx.scope.where("org_path", p);
    if (c.scalar("SELECT COUNT(*) FROM files WHERE id = ? AND " + w, p)->asInt() == 0)
      throw Error::invalid("fileId", "文件不存在或不在管辖范围内");
  }
  int64_t did = c.query(
                     "INSERT INTO pipeline_documents(applicant_id, step_no, name, dated, file_id, created_at) "
                     "VALUES (?,?,?,?,?,?) RETURNING id",
                     {id, stepNo ? Value(int64_t{*stepNo}) : Value(), trim(name), dated.iso(),
                      fileId ? Value(*fileId) : Value(), nowIso()})
                    .front()
                    .i64(0);
  touch(c, id);
  audit::record(c, ctx.actor(),
                {"update", "applicant", id, a.orgPath, a.name + "：材料 " + trim(name), nullptr,
                 bj::object{{"document", trim(name)}, {"dated", dated.iso()}}});
  return did;
}

int64_t addPoints(Connection& c, const auth::Context& ctx, int64_t id, int64_t itemId, const Date& on,
                  const std::optional<std::string>& note) {
  if (!c.inTransaction()) throw Error::internal("pipeline::addPoints outside a transaction");
  Ref a = refOf(c, ctx.scope, id);
  if (!a.migrant) throw Error::invalid("itemId", "积分制适用于农民工入党申请人，该同志未标记为农民工", "not_migrant");
  if (on > today()) throw Error::invalid("earnedOn", "日期不能晚于今天");
  auto item = c.query("SELECT name, points FROM pipeline_point_items WHERE id = ? AND active = 1", {itemId});
  if (item.empty()) throw Error::invalid("itemId", "积分项目不存在或已停用");
  std::string itemName = item.front().text(0);
  int64_t pts = item.front().i64(1);
  int64_t pid = c.query(
                     "INSERT INTO pipeline_points(applicant_id, item_id, item_name, points, earned_on, org_id, note, "
                     "user_name, created_at) VALUES (?,?,?,?,?,?,?,?,?) RETURNING id",
                     {id, itemId, itemName, pts, on.iso(), a.orgId, note ? Value(*note) : Value(),
                      ctx.user.displayName, nowIso()})
                    .front()
                    .i64(0);
  touch(c, id);
  audit::record(c, ctx.actor(),
                {"update", "applicant", id, a.orgPath,
                 a.name + "：积分 " + itemName + (pts >= 0 ? " +" : " ") + std::to_string(pts), nullptr,
                 bj::object{{"item", itemName}, {"points", pts}, {"earnedOn", on.iso()}}});
  return pid;
}

void move(Connection& c, const auth::Context& ctx, int64_t id, int64_t orgId, const Date& on,
          const std::string& reason) {
  if (!c.inTransaction()) throw Error::internal("pipeline::move outside a transaction");
  Ref a = refOf(c, ctx.scope, id);
  orgs::Org to = requireBranch(c, ctx.scope, orgId, "orgId");
  if (to.id == a.orgId) throw Error::invalid("orgId", "已在该党支部");
  if (a.memberId)
    throw Error::invalid("orgId", "已是党员（预备或正式），请通过组织关系转接办理", "is_member");
  if (on > today()) throw Error::invalid("movedOn", "日期不能晚于今天");
  if (a.lastStepOn && on < *a.lastStepOn)
    throw Error::invalid("movedOn", "转移日期不能早于最近一步的日期（" + a.lastStepOn->iso() + "）");
  if (trim(reason).empty()) throw Error::invalid("reason", "请填写转移原因", "required");
  std::string now = nowIso();
  c.exec("INSERT INTO pipeline_moves(applicant_id, from_org_id, to_org_id, moved_on, reason, user_name, created_at) "
         "VALUES (?,?,?,?,?,?,?)",
         {id, a.orgId, to.id, on.iso(), trim(reason), ctx.user.displayName, now});
  c.exec("UPDATE pipeline_applicants SET org_id = ?, org_path = ?, version = version + 1, updated_at = ? WHERE id = ?",
         {to.id, to.path, now, id});
  // The uploaded documents follow the applicant too (files are scoped by their own org_path).
  c.exec("UPDATE files SET org_path = ? WHERE id IN (SELECT file_id FROM pipeline_documents WHERE applicant_id = ? AND "
         "file_id IS NOT NULL)",
         {to.path, id});
  auto from = orgs::find(c, Scope::all(), a.orgId);
  audit::record(c, ctx.actor(),
                {"move", "applicant", id, to.path,
                 a.name + "：转至" + to.name + "（" + on.iso() + "），发展记录和积分随转", bj::object{{"orgId", a.orgId},
                 {"orgName", from ? from->name : ""}},
                 bj::object{{"orgId", to.id}, {"orgName", to.name}, {"movedOn", on.iso()}, {"reason", trim(reason)}}});
}

// ---------------------------------------------------------------------------------------------
// JSON

namespace {

const char* kCardCols =
    "a.id, a.name, a.org_id, o.name, a.stage, a.last_step, a.last_step_on, a.migrant, a.applied_on, a.activist_on, "
    "a.target_on, a.probationary_on, a.full_on, a.member_id, a.id_mask, a.sex, a.birth_date, a.version, "
    "(SELECT COALESCE(SUM(pt.points), 0) FROM pipeline_points pt WHERE pt.applicant_id = a.id), "
    "(SELECT d.name FROM pipeline_step_defs d WHERE d.no = a.last_step + 1)";
const char* kCardFrom = " FROM pipeline_applicants a JOIN orgs o ON o.id = a.org_id";

// The rule months, read once per request.
struct Months {
  int activist = 12, probation = 12;
};
Months monthsOf(Connection& c) {
  return {static_cast<int>(setting(c, kActivistMonths)), static_cast<int>(setting(c, kProbationMonths))};
}

bj::object cardRow(const Months& rules, const store::Row& x) {
  std::string stage = x.text(4);
  int last = static_cast<int>(x.i64(5));
  // Days in the current stage: from the date the stage began.
  std::optional<std::string> since = stage == "applicant"      ? x.optText(8)
                                     : stage == "activist"     ? x.optText(9)
                                     : stage == "target"       ? x.optText(10)
                                     : stage == "probationary" ? x.optText(11)
                                                               : x.optText(12);
  bj::object o{{"id", x.i64(0)},
               {"name", x.text(1)},
               {"orgId", x.i64(2)},
               {"orgName", x.text(3)},
               {"stage", stage},
               {"stageLabel", label(kStages, stage)},
               {"lastStep", last},
               {"lastStepOn", json::opt(x.optText(6))},
               {"migrant", x.i64(7) != 0},
               {"appliedOn", x.text(8)},
               {"activistOn", json::opt(x.optText(9))},
               {"targetOn", json::opt(x.optText(10))},
               {"probationaryOn", json::opt(x.optText(11))},
               {"fullOn", json::opt(x.optText(12))},
               {"memberId", json::fromValue(x[13])},
               {"idNumberMasked", x.text(14)},
               {"sex", x.text(15)},
               {"birthDate", x.text(16)},
               {"version", x.i64(17)},
               {"points", x.i64(18)},
               {"stageSince", json::opt(since)},
               {"daysInStage", since ? bj::value(daysBetween(dateOf(*since), today())) : bj::value(nullptr)},
               {"complete", last >= kStepCount}};
  if (last < kStepCount) {
    o["nextStep"] = last + 1;
    o["nextStepName"] = json::opt(x.optText(19));
    // As earliestFor(): the last step's date, or the rule's date for steps 7 and 23.
    std::optional<Date> e;
    if (auto d = x.optText(6)) e = dateOf(*d);
    auto later = [&](const std::optional<std::string>& from, int months) {
      if (!from) return;
      Date d = addMonths(dateOf(*from), months);
      if (!e || d > *e) e = d;
    };
    if (last + 1 == kStepTarget) later(x.optText(9), rules.activist);
    if (last + 1 == kStepFullMeeting) later(x.optText(11), rules.probation);
    o["nextEarliest"] = e ? bj::value(e->iso()) : bj::value(nullptr);
  } else {
    o["nextStep"] = nullptr;
    o["nextStepName"] = nullptr;
    o["nextEarliest"] = nullptr;
  }
  return o;
}

// The configuration lists have no version column: their `version` is a stamp of the row's
// content and the time it was saved (SQL text, same on both dialects), sent back by editors and
// compared-and-set on save, so two district staff editing one row cannot overwrite each other.
const char* kStepStamp = "name || '|' || COALESCE(note, '') || '|' || updated_at";
const char* kQuestionStamp = "text || '|' || ord || '|' || active || '|' || updated_at";
const char* kPointStamp = "name || '|' || points || '|' || active || '|' || updated_at";
std::string stampOf(const std::string& src) { return crypto::sha256Hex(src).substr(0, 16); }

bj::array stepDefs(Connection& c) {
  bj::array a;
  for (auto x : c.query(std::string("SELECT no, stage, name, note, ") + kStepStamp +
                        " FROM pipeline_step_defs ORDER BY no"))
    a.push_back({{"no", x.i64(0)},
                 {"stage", x.text(1)},
                 {"stageLabel", label(kPhases, x.text(1))},
                 {"name", x.text(2)},
                 {"note", json::opt(x.optText(3))},
                 {"version", stampOf(x.text(4))}});
  return a;
}

bj::array questions(Connection& c, bool activeOnly) {
  bj::array a;
  for (auto x : c.query(std::string("SELECT id, ord, text, active, ") + kQuestionStamp + " FROM pipeline_questions" +
                        (activeOnly ? " WHERE active = 1" : "") + " ORDER BY ord, id"))
    a.push_back({{"id", x.i64(0)},
                 {"ord", x.i64(1)},
                 {"text", x.text(2)},
                 {"active", x.i64(3) != 0},
                 {"version", stampOf(x.text(4))}});
  return a;
}

bj::array pointItems(Connection& c, bool activeOnly) {
  bj::array a;
  for (auto x : c.query(std::string("SELECT id, name, points, active, ") + kPointStamp + " FROM pipeline_point_items" +
                        (activeOnly ? " WHERE active = 1" : "") + " ORDER BY id"))
    a.push_back({{"id", x.i64(0)},
                 {"name", x.text(1)},
                 {"points", x.i64(2)},
                 {"active", x.i64(3) != 0},
                 {"version", stampOf(x.text(4))}});
  return a;
}

// ?orgId= narrows to that organization's subtree (which must be in scope).
Scope narrowed(Connection& c, const Scope& scope, const http::Request& req) {
  if (auto o = req.q("orgId"); o && !o->empty()) {
    int64_t id = std::atoll(o->c_str());
    return Scope(orgs::require(c, scope, id, "orgId").path);
  }
  return scope;
}

}  // namespace

bj::object detail(Connection& c, const Scope& scope, int64_t id) {
  Params p{id};
  std::string w = scope.where("a.org_path", p);
  auto r = c.query(std::string("SELECT ") + kCardCols + kCardFrom + " WHERE a.id = ? AND " + w, p);
  if (r.empty()) throw Error::notFound("发展对象档案不存在");
  bj::object o = cardRow(monthsOf(c), r.front());
  bj::array steps;
  for (auto x : c.query(
           "SELECT s.id, s.step_no, d.name, d.stage, s.done_on, s.decision, s.org_id, o.name, s.user_name, s.created_at "
           "FROM pipeline_steps s JOIN pipeline_step_defs d ON d.no = s.step_no JOIN orgs o ON o.id = s.org_id "
           "WHERE s.applicant_id = ? ORDER BY s.step_no",
           {id}))
    steps.push_back({{"id", x.i64(0)},
                     {"stepNo", x.i64(1)},
                     {"name", x.text(2)},
                     {"stage", x.text(3)},
                     {"doneOn", x.text(4)},
                     {"decision", x.text(5)},
                     {"orgId", x.i64(6)},
                     {"orgName", x.text(7)},
                     {"recordedBy", x.text(8)},
                     {"recordedAt", x.text(9)}});
  o["steps"] = steps;
  bj::array people;
  for (auto x : c.query(
           "SELECT p.id, p.role, p.member_id, p.name, p.from_date FROM pipeline_people p WHERE p.applicant_id = ? "
           "ORDER BY p.role DESC, p.id",
           {id}))
    people.push_back({{"id", x.i64(0)},
                      {"role", x.text(1)},
                      {"roleLabel", label(kRoles, x.text(1))},
                      {"memberId", x.i64(2)},
                      {"name", x.text(3)},
                      {"fromDate", x.text(4)}});
  o["people"] = people;
  bj::array training;
  int64_t days = 0, hours = 0;
  for (auto x : c.query("SELECT id, from_date, to_date, days, hours, organizer FROM pipeline_training WHERE "
                        "applicant_id = ? ORDER BY from_date, id",
                        {id})) {
    days += x.i64(3);
    hours += x.i64(4);
    training.push_back({{"id", x.i64(0)},
                        {"fromDate", x.text(1)},
                        {"toDate", x.text(2)},
                        {"days", x.i64(3)},
                        {"hours", x.i64(4)},
                        {"organizer", x.text(5)}});
  }
  o["training"] = training;
  o["trainingDays"] = days;
  o["trainingHours"] = hours;
  bj::array docs;
  for (auto x : c.query("SELECT id, step_no, name, dated, file_id FROM pipeline_documents WHERE applicant_id = ? "
                        "ORDER BY dated, id",
                        {id}))
    docs.push_back({{"id", x.i64(0)},
                    {"stepNo", json::fromValue(x[1])},
                    {"name", x.text(2)},
                    {"dated", x.text(3)},
                    {"fileId", json::fromValue(x[4])}});
  o["documents"] = docs;
  bj::array points;
  for (auto x : c.query(
           "SELECT p.id, p.item_name, p.points, p.earned_on, p.org_id, o.name, p.note, p.user_name FROM "
           "pipeline_points p JOIN orgs o ON o.id = p.org_id WHERE p.applicant_id = ? ORDER BY p.earned_on, p.id",
           {id}))
    points.push_back({{"id", x.i64(0)},
                      {"itemName", x.text(1)},
                      {"points", x.i64(2)},
                      {"earnedOn", x.text(3)},
                      {"orgId", x.i64(4)},
                      {"orgName", x.text(5)},
                      {"note", json::opt(x.optText(6))},
                      {"recordedBy", x.text(7)}});
  o["pointsLedger"] = points;
  bj::array moves;
  for (auto x : c.query(
           "SELECT m.id, m.from_org_id, f.name, m.to_org_id, t.name, m.moved_on, m.reason, m.user_name FROM "
           "pipeline_moves m JOIN orgs f ON f.id = m.from_org_id JOIN orgs t ON t.id = m.to_org_id "
           "WHERE m.applicant_id = ? ORDER BY m.moved_on, m.id",
           {id}))
    moves.push_back({{"id", x.i64(0)},
                     {"fromOrgId", x.i64(1)},
                     {"fromOrgName", x.text(2)},
                     {"toOrgId", x.i64(3)},
                     {"toOrgName", x.text(4)},
                     {"movedOn", x.text(5)},
                     {"reason", x.text(6)},
                     {"movedBy", x.text(7)}});
  o["moves"] = moves;
  // The questionnaire: the latest answer to each question.
  std::map<int64_t, bj::object> latest;
  for (auto x : c.query("SELECT question_id, answer, answered_on FROM pipeline_answers WHERE applicant_id = ? "
                        "ORDER BY answered_on, id",
                        {id}))
    latest[x.i64(0)] = bj::object{{"answer", x.text(1)}, {"answeredOn", x.text(2)}};
  bj::array qs;
  for (auto& qv : questions(c, false)) {
    auto q = qv.as_object();
    auto it = latest.find(q.at("id").as_int64());
    if (!q.at("active").as_bool() && it == latest.end()) continue;
    q["answer"] = it == latest.end() ? bj::value(nullptr) : bj::value(it->second.at("answer"));
    q["answeredOn"] = it == latest.end() ? bj::value(nullptr) : bj::value(it->second.at("answeredOn"));
    qs.push_back(q);
  }
  o["questionnaire"] = qs;
  return o;
}

std::vector<me::Task> meTasks(Connection& c, const me::Self& self, const Date& on) {
  std::vector<me::Task> out;
  if (!self.active) return out;
  auto r = c.query(
      "SELECT probationary_on, last_step FROM pipeline_applicants WHERE member_id = ? AND stage = 'probationary'",
      {self.memberId});
  if (r.empty() || r.front().isNull(0)) return out;
  Date start = dateOf(r.front().text(0));
  int64_t months = setting(c, kProbationMonths);
  Date end = addMonths(start, static_cast<int>(months));
  int64_t left = daysBetween(on, end);
  std::string title = "预备期自" + start.iso() + "起，至" + end.iso() + "届满";
  if (r.front().i64(1) < kStepFullMeeting - 1)
    title += left > 0 ? "，请在届满前向党支部提出书面转正申请（还有" + std::to_string(left) + "天）"
                      : "，已届满，请尽快向党支部提出书面转正申请";
  else
    title += "，已提出转正申请，等待支部大会讨论";
  out.push_back({"pipeline", title, end.iso(), "/me"});
  return out;
}

void registerFigures() {
  auto cond = [](const std::string& cell, Params& p, const figures::Query& q) -> std::string {
    std::string asOf = q.asOf().iso();
    std::string w = q.scope.where("a.org_path", p);
    auto reached = [&](const char* col) {
      p.emplace_back(asOf);
      return std::string(col) + " IS NOT NULL AND " + col + " <= ?";
    };
    auto notYet = [&](const char* col) {
      p.emplace_back(asOf);
      return std::string("(") + col + " IS NULL OR " + col + " > ?)";
    };
    if (cell == "applicant") return w + " AND " + reached("a.applied_on") + " AND " + notYet("a.activist_on");
    if (cell == "activist") return w + " AND " + reached("a.activist_on") + " AND " + notYet("a.target_on");
    if (cell == "target") {
      // A development target until the approval (step 17) that makes them probationary.
      std::string s = w + " AND " + reached("a.target_on") + " AND NOT EXISTS (SELECT 1 FROM pipeline_steps s WHERE "
                                                          "s.applicant_id = a.id AND s.step_no = 17 AND s.done_on <= ?)";
      p.emplace_back(asOf);
      return s;
    }
    if (cell == "probationary") {
      std::string s = w + " AND EXISTS (SELECT 1 FROM pipeline_steps s WHERE s.applicant_id = a.id AND s.step_no = 17 "
                          "AND s.done_on <= ?) AND NOT EXISTS (SELECT 1 FROM pipeline_steps s WHERE s.applicant_id = "
                          "a.id AND s.step_no = 24 AND s.done_on <= ?)";
      p.emplace_back(asOf);
      p.emplace_back(asOf);
      return s;
    }
    if (cell == "full") {
      std::string s = w + " AND EXISTS (SELECT 1 FROM pipeline_steps s WHERE s.applicant_id = a.id AND s.step_no = 24 "
                          "AND s.done_on >= ? AND s.done_on < ?)";
      p.emplace_back(q.from.iso());
      p.emplace_back(q.to.iso());
      return s;
    }
    throw Error::invalid("cell", "统计单元不存在");
  };
  auto cellLabel = [](const std::string& k) {
    return k == "full" ? std::string("本期转为正式党员") : label(kStages, k);
  };
  figures::define(
      {"pipeline.by_stage", "发展党员", "发展党员各阶段人数", 230,
       [cond, cellLabel](Connection& c, const figures::Query& q) {
         std::vector<figures::Cell> cells;
         for (const auto& [k, l] : kStages) {
           Params p;
           std::string w = cond(k, p, q);
           cells.push_back({k, cellLabel(k), c.scalar("SELECT COUNT(*) FROM pipeline_applicants a WHERE " + w, p)->asInt()});
         }
         return cells;
       },
       [cond](Connection& c, const figures::Query& q, const std::string& cell, int64_t offset, int64_t limit) {
         figures::Records out;
         out.columns = {{"name", "姓名"},         {"orgName", "党支部"},      {"stage", "当前阶段"},
                        {"appliedOn", "申请日期"}, {"activistOn", "确定积极分子"}, {"targetOn", "确定发展对象"},
                        {"probationaryOn", "接收预备党员"}, {"fullOn", "转正日期"}, {"migrant", "农民工"}};
         Params p;
         std::string w = cond(cell, p, q);
         out.total = c.scalar("SELECT COUNT(*) FROM pipeline_applicants a WHERE " + w, p)->asInt();
         std::string sql =
             "SELECT a.id, a.name, o.name, a.stage, a.applied_on, a.activist_on, a.target_on, a.probationary_on, "
             "a.full_on, a.migrant FROM pipeline_applicants a JOIN orgs o ON o.id = a.org_id WHERE " +
             w + " ORDER BY a.id";
         if (limit >= 0) {
           sql += " LIMIT ? OFFSET ?";
           p.emplace_back(limit);
           p.emplace_back(offset);
         }
         for (auto x : c.query(sql, p))
           out.rows.push_back({{"id", x.i64(0)},
                               {"name", x.text(1)},
                               {"orgName", x.text(2)},
                               {"stage", label(kStages, x.text(3))},
                               {"appliedOn", x.text(4)},
                               {"activistOn", json::opt(x.optText(5))},
                               {"targetOn", json::opt(x.optText(6))},
                               {"probationaryOn", json::opt(x.optText(7))},
                               {"fullOn", json::opt(x.optText(8))},
                               {"migrant", x.i64(9) != 0 ? "是" : "否"}});
         return out;
       }});
}

// ---------------------------------------------------------------------------------------------
// Routes

void registerRoutes(platform::Api& api) {
  registerSettings();
  platform::Services svc = api.services();
  using P = auth::Permission;

  api.get("/api/pipeline/config", P::MemberRead, [](http::Request&, const auth::Context&, Connection& c) {
    bj::array st;
    for (const auto& [k, l] : kStages) st.push_back({{"value", k}, {"label", l}});
    bj::object rules;
    for (const char* k : {kMinAge, kActivistMonths, kTrainingDays, kTrainingHours, kProbationMonths, kSponsorsMax,
                          kIntroducers})
      rules[std::string(k).substr(9)] = setting(c, k);
    return json::ok(bj::object{{"stages", st},
                               {"steps", stepDefs(c)},
                               {"questions", questions(c, false)},
                               {"pointItems", pointItems(c, false)},
                               {"rules", rules}});
  });

  api.put("/api/pipeline/steps/:no", P::SettingsWrite, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    int64_t no = req.idParam("no");
    json::Form f(req.body);
    std::string name = f.requiredText("name", "步骤名称", 40);
    auto note = f.text("note", "说明", 200);
    auto version = f.text("version", "版本号", 64);  // checked when sent (the web app does)
    store::Transaction tx(c);
    auto cur = c.query(std::string("SELECT name, ") + kStepStamp + " FROM pipeline_step_defs WHERE no = ?", {no});
    if (cur.empty()) throw Error::notFound("步骤不存在");
    if (version && *version != stampOf(cur.front().text(1)))
      throw Error::conflict("stale", "该步骤已被他人修改，请刷新后重试", "version");
    if (c.exec(std::string("UPDATE pipeline_step_defs SET name = ?, note = ?, updated_at = ? WHERE no = ? AND ") +
                   kStepStamp + " = ?",
               {name, note ? Value(*note) : Value(), nowIso(), no, cur.front().text(1)}) != 1)
      throw Error::conflict("stale", "该步骤已被他人修改，请刷新后重试", "version");
    audit::record(c, ctx.actor(),
                  {"update", "pipeline_step", no, "/", "修改发展党员步骤：第" + std::to_string(no) + "步 " + name,
                   bj::object{{"name", cur.front().text(0)}}, bj::object{{"name", name}}});
    tx.commit();
    return json::ok(stepDefs(c));
  });

  auto editList = [&api](const std::string& base, const char* table, const char* entity, const char* what) {
    // Questions: {text, ord, active}; point items: {name, points, active}.
    bool isQ = std::string(table) == "pipeline_questions";
    auto read = [isQ](const json::Form& f, std::string& text, int64_t& num) {
      if (isQ) {
        text = f.requiredText("text", "问题", 200);
        num = f.integer("ord", "顺序", 0, 1000).value_or(100);
      } else {
        text = f.requiredText("name", "积分项目", 40);
        num = f.requiredInt("points", "分值", -100, 100);
      }
    };
    std::string cols = isQ ? "text, ord" : "name, points";
    api.post(base, P::SettingsWrite, [=](http::Request& req, const auth::Context& ctx, Connection& c) {
      json::Form f(req.body);
      std::string text;
      int64_t num = 0;
      read(f, text, num);
      store::Transaction tx(c);
      int64_t id = c.query(std::string("INSERT INTO ") + table + "(" + cols + ", active, updated_at) VALUES (?,?,1,?) "
                                                                             "RETURNING id",
                           {text, num, nowIso()})
                       .front()
                       .i64(0);
      audit::record(c, ctx.actor(), {"create", entity, id, "/", std::string("新增") + what + "：" + text, nullptr,
                                     bj::object{{"text", text}, {"value", num}}});
      tx.commit();
      return json::ok(isQ ? questions(c, false) : pointItems(c, false), 201);
    });
    api.put(base + "/:id", P::SettingsWrite, [=](http::Request& req, const auth::Context& ctx, Connection& c) {
      int64_t id = req.idParam();
      json::Form f(req.body);
      std::string text;
      int64_t num = 0;
      read(f, text, num);
      bool active = f.boolean("active", true);
      auto version = f.text("version", "版本号", 64);  // checked when sent (the web app does)
      const char* stamp = isQ ? kQuestionStamp : kPointStamp;
      store::Transaction tx(c);
      auto cur = c.query(std::string("SELECT ") + cols + ", active, " + stamp + " FROM " + table + " WHERE id = ?", {id});
      if (cur.empty()) throw Error::notFound(std::string(what) + "不存在");
      std::string stale = std::string("该") + what + "已被他人修改，请刷新后重试";
      if (version && *version != stampOf(cur.front().text(3))) throw Error::conflict("stale", stale, "version");
      if (c.exec(std::string("UPDATE ") + table + " SET " + (isQ ? "text = ?, ord = ?" : "name = ?, points = ?") +
                     ", active = ?, updated_at = ? WHERE id = ? AND " + stamp + " = ?",
                 {text, num, active, nowIso(), id, cur.front().text(3)}) != 1)
        throw Error::conflict("stale", stale, "version");
      audit::record(c, ctx.actor(),
                    {"update", entity, id, "/", std::string("修改") + what + "：" + text,
                     bj::object{{"text", cur.front().text(0)}, {"value", cur.front().i64(1)},
                                {"active", cur.front().i64(2) != 0}},
                     bj::object{{"text", text}, {"value", num}, {"active", active}}});
      tx.commit();
      return json::ok(isQ ? questions(c, false) : pointItems(c, false));
    });
  };
  editList("/api/pipeline/questions", "pipeline_questions", "pipeline_question", "问卷问题");
  editList("/api/pipeline/point-items", "pipeline_point_items", "pipeline_point_item", "积分项目");

  api.get("/api/pipeline/board", P::MemberRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    Scope within = narrowed(c, ctx.scope, req);
    Params p;
    std::string w = within.where("a.org_path", p);
    bool includeDone = req.q("includeDone").value_or("") == "1";
    if (!includeDone) w += " AND a.last_step < 25";
    // Each column shows the longest-waiting cards first, at most `limit` of them, and its count.
    int64_t limit = 100;
    if (auto l = req.q("limit"); l && !l->empty()) limit = std::clamp<int64_t>(std::atoll(l->c_str()), 1, 1000);
    Months rules = monthsOf(c);
    std::map<std::string, bj::array> cols;
    std::map<std::string, int64_t> counts;
    for (auto x : c.query(std::string("SELECT ") + kCardCols + kCardFrom + " WHERE " + w +
                              " ORDER BY a.last_step_on, a.id",
                          p)) {
      std::string st = x.text(4);
      if (++counts[st] <= limit) cols[st].push_back(cardRow(rules, x));
    }
    bj::array out;
    for (const auto& [k, l] : kStages)
      out.push_back({{"stage", k}, {"label", l}, {"cards", cols[k]}, {"count", counts[k]}});
    return json::ok(bj::object{{"columns", out}, {"asOf", today().iso()}});
  });

  api.get("/api/pipeline/applicants", P::MemberRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    auto ps = json::pageSpec(req, {{"id", "a.id"}, {"appliedOn", "a.applied_on, a.id"}, {"name", "a.name, a.id"}},
                             "-id");
    Scope within = narrowed(c, ctx.scope, req);
    Params p;
    std::string w = within.where("a.org_path", p);
    if (auto s = req.q("stage"); s && !s->empty()) {
      bool known = false;
      for (const auto& [k, l] : kStages) known = known || k == *s;
      if (!known) throw Error::invalid("stage", "阶段无效");
      w += " AND a.stage = ?";
      p.emplace_back(*s);
    }
    if (auto s = req.q("q"); s && !s->empty()) {
      w += " AND a.name LIKE ?";
      p.emplace_back("%" + *s + "%");
    }
    if (req.q("migrant").value_or("") == "1") w += " AND a.migrant = 1";
    int64_t total = c.scalar(std::string("SELECT COUNT(*)") + kCardFrom + " WHERE " + w, p)->asInt();
    Params q = p;
    q.emplace_back(ps.pageSize);
    q.emplace_back(ps.offset());
    bj::array items;
    Months rules = monthsOf(c);
    for (auto x : c.query(std::string("SELECT ") + kCardCols + kCardFrom + " WHERE " + w + " ORDER BY " + ps.orderBy +
                              " LIMIT ? OFFSET ?",
                          q))
      items.push_back(cardRow(rules, x));
    return json::page(std::move(items), total, ps.page, ps.pageSize);
  });

  api.get("/api/pipeline/counts", P::MemberRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    return json::ok(stageCounts(c, narrowed(c, ctx.scope, req)));
  });

  api.get("/api/pipeline/applicants/:id", P::MemberRead,
          [](http::Request& req, const auth::Context& ctx, Connection& c) {
            return json::ok(detail(c, ctx.scope, req.idParam()));
          });

  api.post("/api/pipeline/applicants", P::MemberWrite,
           [svc](http::Request& req, const auth::Context& ctx, Connection& c) {
             json::Form f(req.body);
             ApplicantInput in;
             in.name = f.requiredText("name", "姓名", 40);
             in.idNumber = f.requiredText("idNumber", "身份证号码", 30);
             in.orgId = f.requiredInt("orgId", "党支部", 1, INT64_MAX);
             in.migrant = f.boolean("migrant", false);
             in.appliedOn = f.requiredDate("appliedOn", "递交入党申请书日期");
             in.decision = f.text("decision", "情况", 500);
             store::Transaction tx(c);
             int64_t id = createApplicant(c, ctx, *svc.cipher, in);
             tx.commit();
             return json::ok(detail(c, ctx.scope, id), 201);
           });

  api.post("/api/pipeline/applicants/:id/steps", P::MemberWrite,
           [svc](http::Request& req, const auth::Context& ctx, Connection& c) {
             int64_t id = req.idParam();
             json::Form f(req.body);
             int stepNo = static_cast<int>(f.requiredInt("stepNo", "步骤", 1, kStepCount));
             Date on = f.requiredDate("doneOn", "日期");
             std::string decision = f.requiredText("decision", "决定或情况", 500);
             store::Transaction tx(c);
             recordStep(c, ctx, *svc.cipher, id, stepNo, on, decision);
             tx.commit();
             return json::ok(detail(c, ctx.scope, id), 201);
           });

  api.post("/api/pipeline/applicants/:id/people", P::MemberWrite,
           [](http::Request& req, const auth::Context& ctx, Connection& c) {
             int64_t id = req.idParam();
             json::Form f(req.body);
             auto role = f.choice("role", "角色", {"sponsor", "introducer"});
             if (!role) throw Error::invalid("role", "请选择角色（培养联系人或入党介绍人）", "required");
             int64_t memberId = f.requiredInt("memberId", "党员", 1, INT64_MAX);
             Date from = f.date("fromDate", "日期").value_or(today());
             store::Transaction tx(c);
             addPerson(c, ctx, id, *role, memberId, from);
             tx.commit();
             return json::ok(detail(c, ctx.scope, id), 201);
           });

  api.post("/api/pipeline/applicants/:id/training", P::MemberWrite,
           [](http::Request& req, const auth::Context& ctx, Connection& c) {
             int64_t id = req.idParam();
             json::Form f(req.body);
             Date from = f.requiredDate("fromDate", "开始日期");
             Date to = f.requiredDate("toDate", "结束日期");
             int64_t days = f.integer("days", "天数", 0, 365).value_or(0);
             int64_t hours = f.integer("hours", "学时", 0, 2000).value_or(0);
             std::string organizer = f.requiredText("organizer", "举办单位", 100);
             store::Transaction tx(c);
             addTraining(c, ctx, id, from, to, days, hours, organizer);
             tx.commit();
             return json::ok(detail(c, ctx.scope, id), 201);
           });

  api.post("/api/pipeline/applicants/:id/documents", P::MemberWrite,
           [](http::Request& req, const auth::Context& ctx, Connection& c) {
             int64_t id = req.idParam();
             json::Form f(req.body);
             std::string name = f.requiredText("name", "材料名称", 100);
             Date dated = f.requiredDate("dated", "材料日期");
             auto stepNo = f.integer("stepNo", "步骤", 1, kStepCount);
             auto fileId = f.integer("fileId", "文件", 1, INT64_MAX);
             store::Transaction tx(c);
             addDocument(c, ctx, id, name, dated,
                         stepNo ? std::optional<int>(static_cast<int>(*stepNo)) : std::nullopt, fileId);
             tx.commit();
             return json::ok(detail(c, ctx.scope, id), 201);
           });

  // A document with its file: the raw body is the file (as uploads are everywhere), the name,
  // date and step come in the query string.
  api.post(
      "/api/pipeline/applicants/:id/documents/file", P::MemberWrite,
      [](http::Request& req, const auth::Context& ctx, Connection& c) {
        int64_t id = req.idParam();
        std::string name = trim(req.q("name").value_or(""));
        if (name.empty()) throw Error::invalid("name", "请填写材料名称", "required");
        if (utf8Length(name) > 100 || !isValidUtf8(name)) throw Error::invalid("name", "材料名称不能超过100个字");
        auto dated = parseDate(req.q("dated").value_or(""));
        if (!dated) throw Error::invalid("dated", "材料日期不是有效日期（格式：2024-01-31）");
        std::optional<int> stepNo;
        if (auto s = req.q("stepNo"); s && !s->empty()) stepNo = std::atoi(s->c_str());
        if (req.body.empty()) throw Error::invalid("file", "请选择要上传的文件", "required");
        store::Transaction tx(c);
        Ref a = refOf(c, ctx.scope, id);
        int64_t fileId = importer::storeFile(c, name, req.body, a.orgPath, ctx.user.id);
        addDocument(c, ctx, id, name, *dated, stepNo, fileId);
        tx.commit();
        return json::ok(detail(c, ctx.scope, id), 201);
      },
      http::RouteOptions{10 * 1024 * 1024});

  api.post("/api/pipeline/applicants/:id/points", P::MemberWrite,
           [](http::Request& req, const auth::Context& ctx, Connection& c) {
             int64_t id = req.idParam();
             json::Form f(req.body);
             int64_t itemId = f.requiredInt("itemId", "积分项目", 1, INT64_MAX);
             Date on = f.date("earnedOn", "日期").value_or(today());
             auto note = f.text("note", "说明", 200);
             store::Transaction tx(c);
             addPoints(c, ctx, id, itemId, on, note);
             tx.commit();
             return json::ok(detail(c, ctx.scope, id), 201);
           });

  api.post("/api/pipeline/applicants/:id/move", P::MemberWrite,
           [](http::Request& req, const auth::Context& ctx, Connection& c) {
             int64_t id = req.idParam();
             json::Form f(req.body);
             int64_t orgId = f.requiredInt("orgId", "转入党支部", 1, INT64_MAX);
             Date on = f.date("movedOn", "转移日期").value_or(today());
             std::string reason = f.requiredText("reason", "转移原因", 200);
             store::Transaction tx(c);
             move(c, ctx, id, orgId, on, reason);
             tx.commit();
             // The caller may no longer see the applicant (moved within scope, so they do).
             return json::ok(detail(c, ctx.scope, id));
           });

  api.put("/api/pipeline/applicants/:id/questionnaire", P::MemberWrite,
          [](http::Request& req, const auth::Context& ctx, Connection& c) {
            int64_t id = req.idParam();
            json::Form f(req.body);
            Date on = f.date("answeredOn", "填写日期").value_or(today());
            if (on > today()) throw Error::invalid("answeredOn", "日期不能晚于今天");
            auto it = f.object().find("answers");
            if (it == f.object().end() || !it->value().is_array())
              throw Error::invalid("answers", "请填写问卷答案", "required");
            store::Transaction tx(c);
            Ref a = refOf(c, ctx.scope, id);
            if (a.lastStep < kStepActivist)
              throw Error::invalid("answers", "确定为入党积极分子后方可填写积极分子问卷", "too_early");
            int n = 0;
            for (auto& v : it->value().as_array()) {
              if (!v.is_object()) throw Error::invalid("answers", "问卷答案格式不正确");
              json::Form af(v.as_object());
              int64_t qid = af.requiredInt("questionId", "问题", 1, INT64_MAX);
              auto ans = af.text("answer", "答案", 2000);
              if (!ans) continue;
              if (c.scalar("SELECT COUNT(*) FROM pipeline_questions WHERE id = ? AND active = 1", {qid})->asInt() == 0)
                throw Error::invalid("answers", "问题不存在或已停用");
              c.exec("INSERT INTO pipeline_answers(applicant_id, question_id, answer, answered_on, created_at) "
                     "VALUES (?,?,?,?,?)",
                     {id, qid, *ans, on.iso(), nowIso()});
              ++n;
            }
            if (n == 0) throw Error::invalid("answers", "请至少回答一个问题", "required");
            touch(c, id);
            audit::record(c, ctx.actor(),
                          {"update", "applicant", id, a.orgPath, a.name + "：填写积极分子问卷（" + std::to_string(n) + "题）",
                           nullptr, bj::object{{"answeredOn", on.iso()}, {"answers", n}}});
            tx.commit();
            return json::ok(detail(c, ctx.scope, id));
          });
}

}  // namespace zg::pipeline
