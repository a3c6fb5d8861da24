#include "app/demo_activity.h"

#include "app/demo.h"

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "modules/dues/dues.h"
#include "modules/mobile/mobile.h"
#include "platform/audit.h"
#include "platform/time.h"

namespace zg::demo {

namespace {

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

std::string dayOf(dues::Month m, int day) {
  return dues::monthText(m) + (day < 10 ? "-0" : "-") + std::to_string(day);
}

Date addDays(const Date& d, int days) {
  // Civil-from-days arithmetic (Howard Hinnant), enough for demo dates.
  auto toDays = [](int y, int m, int dd) {
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
  };
  int z = toDays(d.year, d.month, d.day) + days + 719468;
  int era = (z >= 0 ? z : z - 146096) / 146097;
  int doe = z - era * 146097;
  int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int mp = (5 * doy + 2) / 153;
  Date out;
  out.day = doy - (153 * mp + 2) / 5 + 1;
  out.month = mp + (mp < 10 ? 3 : -9);
  out.year = yoe + era * 400 + (out.month <= 2);
  return out;
}

}  // namespace

ActivityResult loadActivity(store::Database& db, uint64_t seed, const Date& asOf) {
  Rng rng(seed ^ 0x5eed0f2026ULL);
  ActivityResult out;
  auto lease = db.acquire();
  store::Connection& c = *lease;
  store::Transaction tx(c);
  if (c.scalar("SELECT id FROM dues_bases LIMIT 1") || c.scalar("SELECT id FROM mobility_records LIMIT 1"))
    throw Error::conflict("not_empty", "演示活动数据已存在");
  dues::Rules rules = dues::rules(c);
  const dues::Month current = dues::monthOf(asOf);
  const dues::Month first = current - 11;
  const std::string now = nowIso();

  auto members = c.query(
      "SELECT m.id, m.org_path, m.birth_date, m.joined_on, m.six_category, m.mobile, m.mobile_to, m.phone_enc, "
      "m.phone_mask, o.branch_type FROM members m JOIN orgs o ON o.id = m.org_id WHERE m.active = 1 ORDER BY m.id");
  // Communities and villages by street (the second path segment), for dual-management registrations.
  std::map<std::string, std::vector<int64_t>> communitiesByStreet;
  for (auto r : c.query("SELECT id, path FROM orgs WHERE dissolved_on IS NULL AND kind IN ('committee', 'general_branch') "
                        "AND branch_type IN ('community', 'village') ORDER BY id")) {
    std::string path = r.text(1);
    communitiesByStreet[path.substr(0, path.find('/', 3) + 1)].push_back(r.i64(0));
  }
  const std::vector<std::string> posts = {"楼道长", "文明劝导员", "志愿服务队员", "平安巡逻员", "垃圾分类督导员", "助老帮扶员"};
  const std::vector<std::string> services = {"参加社区志愿服务", "楼道环境整治", "垃圾分类值守", "走访慰问独居老人", "平安巡逻"};
  std::vector<std::vector<store::Value>> registrations, serviceLogs;
  int64_t registrationId = 0;
  std::vector<std::vector<store::Value>> bases, payments, records, contacts, requests;
  const std::vector<std::string> methods = {"微信", "现金", "银行转账", "支付宝"};
  const std::vector<std::string> channels = {"电话", "微信", "走访", "来信"};
  const std::vector<std::string> places = {"广东省深圳市", "上海市浦东新区", "江苏省苏州市", "北京市朝阳区", "福建省厦门市"};
  int64_t recordId = 0;
  for (auto m : members) {
    int64_t id = m.i64(0);
    std::string path = m.text(1);
    auto birth = parseDate(m.text(2));
    auto joined = parseDate(m.text(3));
    std::string six = m.text(4);
    int age = birth ? ageOn(*birth, asOf) : 40;

    // Dues base: retirees on their pension, members in hardship a fixed token amount, students
    // the flat student rate, everyone else on their after-tax pay.
    dues::Base base;
    if (six == "hardship") {
      base.kind = "fixed";
      base.amountFen = 100;
    } else if (age >= 60) {
      base.kind = "retired";
      base.baseFen = rng.range(25, 90) * 10000;
    } else if (age <= 22 && rng.chance(0.5)) {
      base.kind = "student";
    } else {
      base.kind = "employed";
      base.baseFen = rng.range(25, 160) * 10000 + rng.range(0, 99) * 100;
    }
    dues::Month from = first;
    if (joined && dues::monthOf(*joined) > from) from = dues::monthOf(*joined);
    if (from > current) continue;
    bases.push_back({id, base.kind, base.baseFen, base.amountFen, dues::monthText(from), nullptr, "演示数据", now});
    ++out.duesBases;
    int64_t due = dues::monthlyDue(rules, base);
    // Branches collect each month's dues during that month. About 3% stopped paying seven
    // months ago (they show as six months behind); the rest pay almost every month. In the
    // current month only those whose collection day has come have paid.
    bool stopped = rng.chance(0.03);
    for (dues::Month mo = from; mo <= current; ++mo) {
      if (stopped && mo >= current - 7) continue;
      if (!rng.chance(0.96)) continue;
      int day = static_cast<int>(rng.range(1, 25));
      if (mo == current && day > asOf.day) continue;
      payments.push_back({id, dues::monthText(mo), due, dayOf(mo, day), rng.pick(methods), "", "演示数据", path, now});
      ++out.payments;
    }

    // In-service members of workplace branches: most have registered with a community of their
    // street (在职党员到社区报到), claimed a post and served a few times.
    static const std::vector<std::string> workplaceTypes = {"nonpublic", "social_org", "agency", "school", "hospital",
                                                            "park", "market", "association"};
    std::string branchType = m.isNull(9) ? "" : m.text(9);
    if (six != "veteran" && std::find(workplaceTypes.begin(), workplaceTypes.end(), branchType) != workplaceTypes.end() &&
        rng.chance(0.7)) {
      const auto& options = communitiesByStreet[path.substr(0, path.find('/', 3) + 1)];
      if (!options.empty()) {
        ++registrationId;
        Date on = addDays(asOf, -static_cast<int>(rng.range(30, 700)));
        registrations.push_back({registrationId, id, rng.pick(options), on.iso(), nullptr, rng.pick(posts), nullptr, 1, now, now});
        ++out.registrations;
        for (int k = static_cast<int>(rng.range(0, 3)); k > 0; --k) {
          Date served = addDays(asOf, -static_cast<int>(rng.range(1, 300)));
          if (served < on) continue;
          serviceLogs.push_back({registrationId, served.iso(), rng.range(1, 4), rng.pick(services), nullptr, "演示数据", now});
          ++out.services;
        }
      }
    }

    // Mobile members: one ongoing outflow with a contact history; about a quarter not
    // contacted for over three months.
    if (m.i64(5) != 0) {
      ++recordId;
      Date since = addDays(asOf, -static_cast<int>(rng.range(120, 900)));
      std::string place = m.isNull(6) || m.text(6).empty() ? rng.pick(places) : m.text(6);
      if (place == "外出务工" || place == "外出经商") place = rng.pick(places);
      records.push_back({recordId, id, "outflow", place, since.iso(), nullptr, m[7], m[8],
                         place.substr(0, place.find("市") == std::string::npos ? place.size() : place.find("市") + 3) +
                             "流动党员服务中心党支部",
                         nullptr, rng.chance(0.5) ? "外出务工" : "外出经商", 1, now, now});
      ++out.mobilityRecords;
      bool overdue = rng.chance(0.25);
      int n = static_cast<int>(rng.range(1, 4));
      int newest = overdue ? static_cast<int>(rng.range(100, 200)) : static_cast<int>(rng.range(3, 60));
      for (int k = 0; k < n; ++k) {
        Date on = addDays(asOf, -(newest + k * static_cast<int>(rng.range(30, 90))));
        if (on < since) break;
        contacts.push_back({id * 10 + k, recordId, on.iso(), rng.pick(channels), "了解近况，提醒按时交纳党费、参加线上学习",
                            nullptr, "演示数据", now});
        ++out.contacts;
      }
      if (rng.chance(0.3)) {
        const auto& kind = mobile::serviceKinds()[static_cast<size_t>(rng.range(0, 15))];
        bool closed = rng.chance(0.5);
        Date opened = addDays(asOf, -static_cast<int>(rng.range(5, 90)));
        requests.push_back({recordId, kind.first, "申请" + kind.second + "方面的帮助", closed ? "closed" : "open", nullptr,
                            nullptr, closed ? store::Value("已协调办理并电话回访") : store::Value(), opened.iso(), nullptr,
                            closed ? store::Value(addDays(opened, 4).iso()) : store::Value(), now, now});
        ++out.requests;
      }
    }
  }
  c.bulkInsert("dues_bases", {"member_id", "kind", "base_fen", "amount_fen", "from_month", "to_month", "set_by", "created_at"},
               bases);
  DeferredForeignKeys keys(c, {"dues_payments"});  // PostgreSQL: checked once after the COPY
  c.bulkInsert("dues_payments",
               {"member_id", "month", "amount_fen", "paid_on", "method", "note", "recorded_by", "org_path", "created_at"},
               payments);
  keys.restore();
  c.bulkInsert("mobility_records",
               {"id", "member_id", "direction", "place", "since_date", "until_date", "phone_enc", "phone_mask",
                "receiving_org", "mobile_branch_id", "reason", "version", "created_at", "updated_at"},
               records);
  // Contact ids above were only for uniqueness of the generator; let the table number them.
  for (auto& row : contacts) row.erase(row.begin());
  c.bulkInsert("mobility_contacts", {"record_id", "contacted_on", "channel", "note", "user_id", "user_name", "created_at"},
               contacts);
  c.bulkInsert("mobility_requests",
               {"record_id", "kind", "description", "status", "assignee_id", "deadline", "result", "opened_on",
                "assigned_on", "closed_on", "created_at", "updated_at"},
               requests);
  c.bulkInsert("community_registrations",
               {"id", "member_id", "community_org_id", "registered_on", "ended_on", "post", "note", "version",
                "created_at", "updated_at"},
               registrations);
  c.bulkInsert("community_service_logs",
               {"registration_id", "served_on", "hours", "description", "user_id", "user_name", "created_at"},
               serviceLogs);
  if (c.dialect() == store::Dialect::Postgres) {
    for (const char* table : {"mobility_records", "community_registrations"})
      c.query(std::string("SELECT setval(pg_get_serial_sequence('") + table + "', 'id'), (SELECT COALESCE(MAX(id), 1) FROM " +
              table + "))");
  }
  audit::record(c, auth::Actor::system("演示数据"),
                {"demo", "system", std::nullopt, "/",
                 "载入演示活动：党费基数" + std::to_string(out.duesBases) + "条、交纳记录" + std::to_string(out.payments) +
                     "条、流动党员" + std::to_string(out.mobilityRecords) + "名（联系记录" + std::to_string(out.contacts) +
                     "条、服务诉求" + std::to_string(out.requests) + "件）、到社区报到的在职党员" +
                     std::to_string(out.registrations) + "名",
                 nullptr, nullptr});
  tx.commit();
  analyzeLoaded(c, {"dues_bases", "dues_payments", "mobility_records", "community_registrations"});
  return out;
}

}  // namespace zg::demo
