#include "app/demo_evaluation.h"

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/error.h"
#include "modules/evaluation/evaluation.h"
#include "platform/audit.h"
#include "platform/settings.h"
#include "platform/time.h"

namespace zg::demo {

namespace {

namespace bj = boost::json;

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

const std::vector<std::string> kSelf = {
    "理论学习不够系统，满足于完成规定篇目，学用结合不够。",
    "参加组织生活能做到按时，但发言准备不充分，批评与自我批评辣味不足。",
    "联系群众不够经常，入户走访次数偏少，对群众反映的问题跟踪不及时。",
    "本职工作尽心尽力，但创新意识不强，带头作用发挥不够明显。",
    "对新政策学习不够深入，向群众宣传解释时讲不透。",
    "志愿服务参加次数少，亮身份意识有待加强。",
};
const std::vector<std::string> kTargets = {
    "争创党员先锋岗，每月至少参加一次志愿服务。",
    "全年参加集中学习不少于24学时，撰写心得两篇。",
    "联系5户群众，每季度走访一次，帮助解决实际问题。",
    "认领一个责任区，做到亮身份、亮职责、亮承诺。",
    "带头参加社区环境整治，争取评为“好”等次。",
};
const std::vector<std::string> kTalks = {
    "指出组织生活缺席较多、党费交纳不及时的问题，本人表示接受，限期三个月整改。",
    "谈心谈话，了解思想和家庭情况，明确整改措施，由帮扶人每月跟进一次。",
};

}  // namespace

EvaluationResult loadEvaluation(store::Database& db, uint64_t seed, const Date& asOf) {
  Rng rng(seed ^ 0xe7a1ULL);
  EvaluationResult out;
  auto lease = db.acquire();
  store::Connection& c = *lease;
  store::Transaction tx(c);
  if (c.scalar("SELECT id FROM evaluation_campaigns LIMIT 1"))
    throw Error::conflict("not_empty", "演示评议数据已存在");
  evaluation::registerSettings();
  auto items = evaluation::ratingItems(c);
  bj::array itemsJson;
  for (auto& s : items) itemsJson.push_back(bj::value(s));
  const std::string itemsText = bj::serialize(itemsJson);
  int64_t share = settings::getInt(c, "evaluation.max_good_share");
  const std::string now = nowIso();

  // Branches and the members placed in each (current placements from before the opening).
  struct Branch {
    int64_t id;
    std::string path;
    std::vector<std::pair<int64_t, std::string>> members;  // id, from_date
  };
  std::vector<Branch> branches;
  std::map<int64_t, size_t> index;
  for (auto r : c.query("SELECT id, path FROM orgs WHERE dissolved_on IS NULL AND kind IN ('branch', 'joint_branch') "
                        "ORDER BY id")) {
    index[r.i64(0)] = branches.size();
    branches.push_back({r.i64(0), r.text(1), {}});
  }
  for (auto r : c.query("SELECT p.org_id, p.member_id, p.from_date FROM member_placements p JOIN members m ON m.id = "
                        "p.member_id WHERE p.to_date IS NULL AND m.active = 1 ORDER BY p.org_id, p.member_id")) {
    auto it = index.find(r.i64(0));
    if (it != index.end()) branches[it->second].members.push_back({r.i64(1), r.text(2)});
  }

  std::vector<std::vector<store::Value>> campaigns, entries;
  int64_t campaignId = 0;
  auto ratings = [&](int quality) {  // quality 0 好, 1 中, 2 差
    bj::object o;
    for (const char* group : {"peer", "masses"}) {
      bj::object g;
      int raters = static_cast<int>(rng.range(6, 15));
      for (auto& item : items) {
        int a = 0, b = 0, cc = 0, d = 0;
        for (int i = 0; i < raters; ++i) {
          int64_t x = rng.range(0, 99) + quality * 30;
          (x < 55 ? a : x < 85 ? b : x < 110 ? cc : d)++;
        }
        g[item] = bj::array{a, b, cc, d};
      }
      o[group] = std::move(g);
    }
    return bj::serialize(o);
  };

  for (int pass = 0; pass < 2; ++pass) {
    int year = asOf.year - 1 + pass;
    for (auto& b : branches) {
      if (b.members.size() < 2) continue;
      Date opened, closesOn;
      bool closed;
      if (pass == 0) {  // last year's: most branches, December, closed a few weeks later
        if (!rng.chance(0.9)) continue;
        opened = Date{year, 12, static_cast<int>(rng.range(1, 15))};
        closesOn = addDays(opened, 30);
        closed = true;
      } else {  // this year's: some branches, opened in the last three weeks
        if (!rng.chance(0.25)) continue;
        opened = std::max(addDays(asOf, -rng.range(2, 20)), Date{year, 1, 1});
        closesOn = addDays(opened, 30);
        closed = false;
      }
      Date closedOn = addDays(opened, rng.range(15, 35));
      if (closed && closedOn > asOf) closed = false;
      std::vector<int64_t> placed;
      for (auto& [m, from] : b.members)
        if (from <= opened.iso()) placed.push_back(m);
      if (placed.size() < 2) continue;
      ++campaignId;
      ++out.campaigns;
      if (!closed) ++out.open;
      campaigns.push_back({campaignId, b.id, b.path, int64_t(year), opened.iso(), closesOn.iso(),
                           closed ? store::Value(closedOn.iso()) : store::Value(), itemsText, store::Value(), 1, now,
                           now});
      int64_t limit = evaluation::maxGood(static_cast<int64_t>(placed.size()), share > 0 ? share : 40);
      int64_t goods = 0;
      int64_t secretary = placed.front();  // the first member stands for the branch secretary
      for (size_t i = 0; i < placed.size(); ++i) {
        int64_t m = placed[i];
        // Open campaigns: part filled in; closed ones: complete.
        bool graded = closed || rng.chance(0.4);
        bool selfDone = closed || rng.chance(0.6);
        std::string grade;
        if (graded) {
          int64_t x = rng.range(0, 99);
          if (x < 3 && i > 0)
            grade = "poor";
          else if (x < 45 && goods < limit)
            grade = "good", ++goods;
          else
            grade = "fair";
        }
        int quality = grade == "good" ? 0 : grade == "poor" ? 2 : 1;
        bool poor = grade == "poor";
        Date talkOn = addDays(opened, rng.range(3, 12));
        bool talked = poor && (closed || talkOn <= asOf);
        entries.push_back({campaignId, m, b.path, selfDone ? store::Value(rng.pick(kSelf)) : store::Value(),
                           graded || selfDone ? ratings(quality) : std::string("{}"),
                           graded ? store::Value(grade) : store::Value(),
                           selfDone ? store::Value(rng.pick(kTargets)) : store::Value(),
                           poor ? store::Value(secretary) : store::Value(),
                           poor ? store::Value("支部书记") : store::Value(),
                           talked ? store::Value(talkOn.iso()) : store::Value(),
                           talked ? store::Value("街道党工委组织委员") : store::Value(),
                           talked ? store::Value(rng.pick(kTalks)) : store::Value(), 1, now});
        ++out.entries;
        if (grade == "good") ++out.good;
        if (grade == "fair") ++out.fair;
        if (poor) ++out.poor;
      }
    }
  }
  c.bulkInsert("evaluation_campaigns",
               {"id", "org_id", "org_path", "year", "opened_on", "closes_on", "closed_on", "items", "note", "version",
                "created_at", "updated_at"},
               campaigns);
  c.bulkInsert("evaluation_entries",
               {"campaign_id", "member_id", "org_path", "self_assessment", "ratings", "grade", "target",
                "helper_member_id", "helper_role", "talk_on", "talk_by", "talk_content", "version", "updated_at"},
               entries);
  if (c.dialect() == store::Dialect::Postgres)
    c.query("SELECT setval(pg_get_serial_sequence('evaluation_campaigns', 'id'), (SELECT COALESCE(MAX(id), 1) FROM "
            "evaluation_campaigns))");
  audit::record(c, auth::Actor::system("演示数据"),
                {"demo", "system", std::nullopt, "/",
                 "载入演示民主评议：评议活动" + std::to_string(out.campaigns) + "次（进行中" + std::to_string(out.open) +
                     "次）、参评党员" + std::to_string(out.entries) + "人次",
                 nullptr, nullptr});
  tx.commit();
  return out;
}

}  // namespace zg::demo
