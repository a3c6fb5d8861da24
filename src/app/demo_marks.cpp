#include "app/demo_marks.h"

#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "platform/audit.h"
#include "platform/crypto.h"
#include "platform/time.h"

namespace zg::demo {

namespace {

class Rng {
 public:
  explicit Rng(uint64_t seed) : g_(seed) {}
  int64_t range(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(g_); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(g_) < p; }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(range(0, static_cast<int64_t>(v.size()) - 1))];
  }

 private:
  std::mt19937_64 g_;
};

struct Pool {
  std::string title, description;
};

const std::vector<Pool> kPosts = {
    {"便民服务窗口先锋岗", "在社区便民服务窗口亮牌服务，帮助群众办理事项"},
    {"垃圾分类督导岗", "早晚高峰在小区分类投放点值守，指导居民分类投放"},
    {"文明劝导岗", "劝导不文明行为，宣传文明城市创建"},
    {"平安巡逻岗", "每周参加小区夜间巡逻，排查安全隐患"},
    {"政策宣传岗", "向群众宣讲惠民政策，解答办事疑问"},
    {"助老帮扶岗", "结对帮扶独居老人，定期上门看望"},
    {"矛盾调解岗", "参与邻里纠纷调解，及时上报矛盾隐患"},
    {"技术攻关先锋岗", "带头完成本岗位技术难题攻关"},
};
const std::vector<Pool> kDuties = {
    {"楼道长", "负责本楼道环境卫生、安全检查和住户联系"},
    {"政策宣传员", "向邻居宣传党的政策和社区通知"},
    {"民情联络员", "收集群众意见建议，每月向支部反映"},
    {"治安信息员", "留意可疑情况，协助做好平安建设"},
    {"环境监督员", "监督小区环境卫生，发现问题及时报告"},
    {"邻里调解员", "调解邻里小矛盾，促进邻里和睦"},
    {"关爱帮扶员", "关心帮扶困难群众和留守老人"},
};
const std::vector<std::string> kHouseholds = {"文明家庭示范户", "垃圾分类示范户", "邻里和睦示范户", "绿色家庭示范户",
                                              "遵纪守法示范户"};
const std::vector<std::string> kCommitments = {
    "每月走访联系户不少于2次，及时反映群众诉求",
    "带头做好垃圾分类，每周参加一次分类督导值守",
    "每月至少参加一次社区志愿服务",
    "带头遵守社区公约，主动调解邻里纠纷",
    "结对关心帮扶1名困难群众或独居老人",
    "每季度参加一次平安巡逻，守护小区安全",
    "立足岗位作表率，全年无差错、无投诉",
    "带头学习，按时参加组织生活，按时交纳党费",
};
const std::vector<std::string> kFulfilments = {
    "全年走访联系户26次，反映并协助解决群众诉求5件",
    "参加垃圾分类督导值守48次，所在楼道分类准确率明显提高",
    "参加志愿服务14次，累计服务时长40余小时",
    "调解邻里纠纷3起，均已化解",
    "结对帮扶独居老人1名，每月上门看望",
    "参加平安巡逻5次，发现并报告安全隐患2处",
    "全年岗位工作无差错、无投诉",
    "按时参加组织生活12次，按时足额交纳党费",
};

}  // namespace

MarksResult loadMarks(store::Database& db, uint64_t seed, const Date& asOf) {
  Rng rng(seed ^ 0x6d61726b73ULL);
  MarksResult out;
  auto lease = db.acquire();
  store::Connection& c = *lease;
  store::Transaction tx(c);
  if (c.scalar("SELECT id FROM responsibility_marks LIMIT 1")) throw Error::conflict("not_empty", "演示责任标识已存在");
  const std::string now = nowIso();
  const int64_t thisYear = asOf.year;

  // Active members in good standing of live branches, grouped by branch, in a fixed order.
  auto rows = c.query(
      "SELECT m.id, m.org_id, o.branch_type, m.post, m.birth_date FROM members m JOIN orgs o ON o.id = m.org_id "
      "WHERE m.active = 1 AND m.standing = 'normal' AND o.dissolved_on IS NULL AND o.kind IN ('branch', "
      "'joint_branch') ORDER BY m.org_id, m.id");
  std::vector<std::vector<store::Value>> marks, commitments, pages;
  int64_t lastOrg = -1;
  bool chosen = false, community = false;
  int building = 1;
  std::set<int64_t> withCurrent;
  for (auto r : rows) {
    int64_t memberId = r.i64(0), orgId = r.i64(1);
    if (orgId != lastOrg) {
      lastOrg = orgId;
      chosen = rng.chance(0.65);
      std::string type = r.isNull(2) ? "" : r.text(2);
      community = type == "community" || type == "village";
      building = static_cast<int>(rng.range(1, 6));
      if (chosen) {
        pages.push_back({orgId, crypto::randomHex(16), now});
        ++out.branches;
      }
    }
    if (!chosen) continue;
    auto birth = parseDate(r.isNull(4) ? "" : r.text(4));
    bool retired = birth && ageOn(*birth, asOf) >= 60;
    bool withoutOffice = r.isNull(3) || r.text(3).empty() || retired;
    auto add = [&](const std::string& kind, const std::string& title, const std::string& desc) {
      Date from = addDays(asOf, -static_cast<int>(rng.range(20, 1100)));
      bool ended = rng.chance(0.1);
      std::optional<Date> to;
      if (ended) {
        to = addDays(from, static_cast<int>(rng.range(60, 400)));
        if (*to >= asOf) to = addDays(asOf, -static_cast<int>(rng.range(1, 30)));
        if (*to < from) to = from;
      }
      bool show = rng.chance(0.9);
      marks.push_back({memberId, kind, title, desc, from.iso(), to ? store::Value(to->iso()) : store::Value(), show,
                       int64_t{ended ? 2 : 1}, now, now});
      ++out.marks;
      if (!ended) {
        ++out.currentMarks;
        withCurrent.insert(memberId);
      }
    };
    if (rng.chance(0.28)) {
      const auto& p = rng.pick(kPosts);
      add("pioneer_post", p.title, p.description);
    }
    if (community && rng.chance(0.3)) {
      int b = building + static_cast<int>(rng.range(0, 8));
      int u = static_cast<int>(rng.range(1, 3));
      add("responsibility_area", std::to_string(b) + "幢" + std::to_string(u) + "-" + std::to_string(u + 1) + "单元",
          "联系本责任区住户，收集民情民意，协助做好环境整治和安全防范");
    }
    if (community && rng.chance(0.08)) add("model_household", rng.pick(kHouseholds), "");
    if (withoutOffice && rng.chance(0.4)) {
      const auto& d = rng.pick(kDuties);
      add("post_duty", d.title, d.description);
    }
    if (rng.chance(0.7)) {
      bool show = rng.chance(0.9);
      size_t k = static_cast<size_t>(rng.range(0, static_cast<int64_t>(kCommitments.size()) - 1));
      // Fulfilment notes accumulate through the year: after June, a note on half of them.
      std::optional<std::string> ful;
      if (asOf.month >= 7 && rng.chance(0.5)) ful = "上半年：" + kFulfilments[k];
      commitments.push_back({memberId, thisYear, kCommitments[k], ful ? store::Value(*ful) : store::Value(), show,
                             int64_t{1}, now, now});
      ++out.commitments;
      if (rng.chance(0.8)) {
        commitments.push_back({memberId, thisYear - 1, rng.pick(kCommitments), kFulfilments[k], show, int64_t{1}, now,
                               now});
        ++out.commitments;
      }
    }
  }
  c.bulkInsert("responsibility_marks",
               {"member_id", "kind", "title", "description", "from_date", "to_date", "show_public", "version",
                "created_at", "updated_at"},
               marks);
  c.bulkInsert("member_commitments",
               {"member_id", "year", "commitment", "fulfilment", "show_public", "version", "created_at", "updated_at"},
               commitments);
  c.bulkInsert("branch_public_pages", {"org_id", "token", "issued_at"}, pages);
  out.members = static_cast<int>(withCurrent.size());
  audit::record(c, auth::Actor::system("演示数据"),
                {"demo", "system", std::nullopt, "/",
                 "载入演示责任标识：" + std::to_string(out.marks) + "条标识，" + std::to_string(out.commitments) +
                     "条承诺，" + std::to_string(out.branches) + "个支部公示页",
                 nullptr, nullptr});
  tx.commit();
  return out;
}

}  // namespace zg::demo
