#include "app/demo_problems.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "modules/problems/problems.h"
#include "platform/audit.h"
#include "platform/time.h"

namespace zg::demo {

namespace {

struct Sample {
  const char* kind;
  const char* text;
  const char* answer;
};
const std::vector<Sample> kSamples = {
    {"环境卫生", "楼道里堆放杂物，影响通行，希望清理", "已联系物业清理楼道杂物，并张贴了提醒"},
    {"环境卫生", "小区垃圾分类点气味大，清运不及时", "已与清运公司协调，每日增加一次清运"},
    {"物业管理", "单元门门禁坏了好几天", "物业已更换门禁控制器，恢复正常"},
    {"物业管理", "地下车库积水", "已疏通排水沟，物业加强巡查"},
    {"邻里纠纷", "楼上装修噪音太大，晚上也在施工", "已上门协调，装修时间调整为工作日白天"},
    {"帮扶救助", "独居老人行动不便，希望有人帮忙买菜", "已安排联户党员和志愿者每周两次上门"},
    {"政策咨询", "想了解高龄津贴怎么申请", "已电话告知申请材料和办理地点"},
    {"设施维修", "楼下路灯不亮", "已报修，路灯已修复"},
    {"设施维修", "小区健身器材损坏有安全隐患", "已拆除损坏器材并申请更换"},
    {"意见建议", "建议在小区增设电动车充电桩", "已纳入社区民生实事项目，明年上半年建设"},
    {"其他", "快递柜占用消防通道", "已协调快递柜移位"}};

}  // namespace

ProblemsResult loadProblems(store::Database& db, const crypto::FieldCipher& cipher, uint64_t seed, const Date& asOf) {
  auto started = std::chrono::steady_clock::now();
  std::mt19937_64 g(seed ^ 0x3c9a2026ULL);
  auto range = [&g](int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(g() % static_cast<uint64_t>(hi - lo + 1)); };
  auto chance = [&g](double p) { return static_cast<double>(g() % 1000000) < p * 1000000; };
  ProblemsResult out;
  auto lease = db.acquire();
  store::Connection& c = *lease;
  store::Transaction tx(c);
  if (c.scalar("SELECT id FROM resident_problems LIMIT 1")) throw Error::conflict("not_empty", "演示民情数据已存在");
  problems::registerSettings();
  std::map<std::string, int64_t> days;
  for (const auto& [k, d] : problems::kinds(c)) days[k] = d;

  // Households with their community, its parent and the current contact member.
  auto rows = c.query(
      "SELECT h.id, h.org_id, o.parent_id, (SELECT member_id FROM household_contacts hc WHERE hc.household_id = h.id "
      "AND hc.to_on IS NULL LIMIT 1) FROM households h JOIN orgs o ON o.id = h.org_id ORDER BY h.id");
  std::vector<std::vector<store::Value>> probs, events;
  const std::string now = nowIso();
  const std::string sys = "演示数据";
  int64_t id = 0, eventId = 0;
  std::map<int, int64_t> seqByYear;
  // About 3 in 100 households report something in the year; numbers follow the dates.
  std::vector<size_t> picked;
  for (size_t i = 0; i < rows.size(); ++i)
    if (chance(0.03)) picked.push_back(i);
  std::shuffle(picked.begin(), picked.end(), g);
  std::vector<Date> receivedDates;
  for (size_t i = 0; i < picked.size(); ++i) receivedDates.push_back(addDays(asOf, -range(0, 364)));
  std::sort(receivedDates.begin(), receivedDates.end());
  for (size_t di = 0; di < picked.size(); ++di) {
    auto h = rows.row(picked[di]);
    Date received = receivedDates[di];
    const Sample& s = kSamples[static_cast<size_t>(range(0, static_cast<int64_t>(kSamples.size()) - 1))];
    int64_t kd = days.count(s.kind) ? days[s.kind] : 10;
    ++id;
    int64_t seq = ++seqByYear[received.year];
    char num[24];
    std::snprintf(num, sizeof num, "MQ%d-%06lld", received.year, static_cast<long long>(seq));
    std::string source = chance(0.45) ? "visit" : (chance(0.55) ? "public" : "hotline");
    int64_t community = h.i64(1);
    std::optional<int64_t> parent = h.optI64(2), member = h.optI64(3);
    int64_t org = community;
    Date due = addDays(received, kd);
    std::string state = member ? "assigned" : "received";
    int64_t escalations = 0;
    auto ev = [&](const Date& on, const std::string& action, const std::string& st, int64_t o, const std::string& note) {
      events.push_back({++eventId, id, on.iso() + "T10:00:00.000+08:00", action, st, o, sys,
                        note.empty() ? store::Value() : store::Value(note)});
    };
    ev(received, "open", state, org, "");
    std::optional<std::string> answer, answeredOn, satisfaction, closedOn;
    int64_t age = daysBetween(received, asOf);
    // 8% are escalated once (overdue or by hand) to the street.
    if (parent && chance(0.08)) {
      Date on = addDays(received, std::min<int64_t>(age, kd + 1));
      org = *parent;
      member.reset();  // the street takes it over; the handler is chosen again
      state = "received";
      due = addDays(on, 5);
      escalations = 1;
      ev(on, "auto_escalate", state, org, "超过办理时限未答复，自动上提一级");
      ++out.escalated;
    }
    int64_t takes = range(1, kd + 3);
    if (takes < age) {
      Date on = addDays(received, takes);
      if (escalations) on = std::max(on, addDays(due, -4));
      if (on > asOf) on = asOf;
      ev(on, "start", "in_progress", org, "");
      answer = s.answer;
      answeredOn = on.iso();
      state = "answered";
      ev(on, "answer", state, org, s.answer);
      if (age - takes > 3) {
        int64_t r = range(0, 99);
        satisfaction = r < 78 ? "satisfied" : (r < 94 ? "basic" : "unsatisfied");
        Date closed = addDays(on, range(1, 3));
        closedOn = closed.iso();
        state = "closed";
        ev(closed, "close", state, org, std::string("群众评价：") + (r < 78 ? "满意" : (r < 94 ? "基本满意" : "不满意")));
      }
    } else {
      ++out.open;
      if (due < asOf) ++out.overdue;
    }
    std::string phone = "13" + std::to_string(range(100000000, 999999999));
    probs.push_back({id, std::string(num), crypto::randomHex(4), source, std::string(s.kind), std::string(s.text), "",
                     cipher.encrypt(phone), maskPhone(phone), h.i64(0), org, store::Value(member), state, received.iso(),
                     due.iso(), escalations, store::Value(answer), store::Value(answeredOn), store::Value(satisfaction),
                     store::Value(closedOn), int64_t{1}, now, now});
  }
  c.bulkInsert("resident_problems",
               {"id", "number", "secret", "source", "kind", "body", "reporter_name", "phone_enc", "phone_mask",
                "household_id", "org_id", "contact_member_id", "state", "received_on", "due_on", "escalations", "answer",
                "answered_on", "satisfaction", "closed_on", "version", "created_at", "updated_at"},
               probs);
  c.bulkInsert("resident_problem_events", {"id", "problem_id", "at", "action", "state", "org_id", "actor", "note"}, events);
  if (c.dialect() == store::Dialect::Postgres) {
    for (const char* table : {"resident_problems", "resident_problem_events"})
      c.query(std::string("SELECT setval(pg_get_serial_sequence('") + table + "', 'id'), (SELECT COALESCE(MAX(id), 1) FROM " +
              table + "))");
  }
  out.problems = static_cast<int>(probs.size());
  out.events = static_cast<int>(events.size());
  audit::record(c, auth::Actor::system("演示数据"),
                {"demo", "system", std::nullopt, "/", "载入演示民情：" + std::to_string(out.problems) + "件", nullptr, nullptr});
  tx.commit();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

}  // namespace zg::demo
