// The member's own page: GET /api/me and PUT /api/me/phone, and the task sources of 我的待办.
#include "modules/me/me.h"

#include "core/error.h"
#include "modules/dues/dues.h"
#include "modules/evaluation/evaluation.h"
#include "modules/members/members.h"
#include "modules/mobile/mobile.h"
#include "modules/transfer/transfer.h"
#include "modules/pipeline/pipeline.h"
#include "modules/problems/problems.h"
#include "modules/visits/visits.h"
#include "platform/crypto.h"
#include "platform/json.h"

namespace zg::me {

namespace bj = boost::json;
using store::Connection;

namespace {

constexpr const char* kNotLinked = "当前账号未关联党员档案";

int daysInMonth(int year, int month) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

std::string yuan(int64_t fen) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "¥%lld.%02lld", static_cast<long long>(fen / 100), static_cast<long long>(fen % 100));
  return buf;
}

bj::object taskJson(const Task& t) {
  return {{"kind", t.kind}, {"title", t.title}, {"due", json::opt(t.due)}, {"link", t.link}, {"overdue", t.overdue}};
}

// The year from ?year= (default this year).
int yearParam(const http::Request& req) {
  int year = today().year;
  if (auto v = req.q("year"); v && !trim(*v).empty()) {
    try {
      size_t pos = 0;
      year = std::stoi(*v, &pos);
      if (pos != v->size() || year < 1900 || year > 2999) throw 0;
    } catch (...) {
      throw Error::invalid("year", "年份无效");
    }
  }
  return year;
}

// The dues part of the page: null when the member is off the registry (dues are kept for
// active members only).
bj::value duesJson(Connection& c, const Self& self, int year) {
  if (!self.active) return nullptr;
  bj::object l = dues::memberLedger(c, self.scope, self.memberId, year);
  return bj::object{{"year", l.at("year")},
                    {"base", l.at("base")},
                    {"months", l.at("ledger")},
                    {"unpaidRun", l.at("unpaidRun")},
                    {"flagged", l.at("flagged")}};
}

}  // namespace

Self selfOf(Connection& c, const auth::User& user) {
  if (!user.memberId) throw Error::notFound(kNotLinked);
  auto r = c.query("SELECT org_path, active FROM members WHERE id = ?", {*user.memberId});
  if (r.empty()) throw Error::notFound(kNotLinked);
  Self s;
  s.memberId = *user.memberId;
  s.orgPath = r.front().text(0);
  s.scope = Scope(s.orgPath);
  s.active = r.front().i64(1) != 0;
  return s;
}

std::vector<Task> duesTasks(Connection& c, const Self& self, const Date& on) {
  std::vector<Task> out;
  if (!self.active) return out;
  auto loaded = dues::load(c, self.scope, self.memberId);
  if (loaded.empty()) return out;
  const dues::Rules r = dues::rules(c);
  dues::Month now = dues::monthOf(on);
  for (dues::Month m = now - 11; m <= now; ++m) {
    dues::MonthState s = dues::stateOf(r, loaded.front(), m);
    if (!s.obliged || s.paid || s.exempt) continue;
    int year = m / 12, month = m % 12 + 1;
    std::string amount = "（" + yuan(s.dueFen) + "）";
    Task t;
    t.kind = "dues";
    t.title = m == now ? "本月党费待交纳" + amount
                       : std::to_string(year) + "年" + std::to_string(month) + "月党费未交纳" + amount;
    t.due = Date{year, month, daysInMonth(year, month)}.iso();
    t.link = "/me#dues";
    out.push_back(std::move(t));
  }
  return out;
}

// Each module that gives members something to do adds its source here (study 学习 will).
const std::vector<TaskSource>& taskSources() {
  static const std::vector<TaskSource> kSources = {duesTasks, transfer::memberTasks, pipeline::meTasks,
                                                   evaluation::memberTasks, visits::meTasks,
                                                   problems::meTasks};
  return kSources;
}

std::vector<Task> tasksOf(Connection& c, const Self& self, const Date& on) {
  std::vector<Task> out;
  for (const auto& source : taskSources())
    for (auto& t : source(c, self, on)) out.push_back(std::move(t));
  return out;
}

void registerRoutes(platform::Api& api) {
  platform::Services svc = api.services();

  api.getAny("/api/me", [](http::Request& req, const auth::Context& ctx, Connection& c) {
    Self self = selfOf(c, ctx.user);
    int year = yearParam(req);
    bj::array tasks;
    for (auto& t : tasksOf(c, self, today())) tasks.push_back(taskJson(t));
    return json::ok(bj::object{{"member", members::detailOf(c, self.scope, self.memberId)},
                               {"dues", duesJson(c, self, year)},
                               {"mobility", mobile::memberRecords(c, self.scope, self.memberId)},
                               {"tasks", std::move(tasks)}});
  });

  // Only the phone: the one field of their record a member keeps up to date themselves.
  api.putAny("/api/me/phone", [svc](http::Request& req, const auth::Context& ctx, Connection& c) {
    Self self = selfOf(c, ctx.user);
    json::Form f(req.body);
    std::string phone = f.requiredText("phone", "手机号码", 30);
    auth::Context own = ctx;
    own.scope = self.scope;
    store::Transaction tx(c);
    members::changePhone(c, own, *svc.cipher, self.memberId, phone);
    tx.commit();
    return json::ok(members::detailOf(c, self.scope, self.memberId));
  });
}

}  // namespace zg::me
