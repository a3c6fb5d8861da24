// The demo district generator. See demo.h for the contract.
//
// The work is in three passes over plain structs, then one write:
//  1. the tree: streets, communities/villages, branches (with their size class), party
//     groups and 两新 branches, each with its founding date;
//  2. the members, branch by branch (names, ID numbers, dates, categories, placements);
//  3. what depends on the members: community kinds (党委 ≥ 100 members, else 党总支), branch
//     committees, secretaries and contacts;
// and finally every table with one bulkInsert inside one transaction. All randomness is
// drawn in a fixed order from one generator, so a seed gives the same district every time.
#include "app/demo.h"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/checks.h"
#include "core/error.h"
#include "modules/orgs/org_kinds.h"
#include "platform/audit.h"
#include "platform/auth.h"
#include "platform/cache.h"
#include "platform/pinyin.h"
#include "platform/settings.h"
#include "platform/time.h"

namespace zg::demo {
namespace {

// ---------------------------------------------------------------------------------------------
// Deterministic randomness. The std distributions are implementation-defined, so ranges are
// reduced here (the modulo bias over 64 bits is negligible for these spans).
class Rng {
 public:
  explicit Rng(uint64_t seed) : g_(seed) {}
  // Uniform integer in [lo, hi]; lo when hi <= lo.
  int64_t range(int64_t lo, int64_t hi) {
    if (hi <= lo) return lo;
    uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    return lo + static_cast<int64_t>(g_() % span);
  }
  double unit() { return static_cast<double>(g_() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(range(0, static_cast<int64_t>(v.size()) - 1))];
  }

 private:
  std::mt19937_64 g_;
};

// A weighted choice among strings.
class Weighted {
 public:
  Weighted(std::initializer_list<std::pair<const char*, double>> items) {
    double sum = 0;
    for (const auto& [v, w] : items) {
      sum += w;
      values_.emplace_back(v);
      cumulative_.push_back(sum);
    }
  }
  const std::string& pick(Rng& rng) const {
    double x = rng.unit() * cumulative_.back();
    auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), x);
    size_t i = std::min(static_cast<size_t>(it - cumulative_.begin()), values_.size() - 1);
    return values_[i];
  }

 private:
  std::vector<std::string> values_;
  std::vector<double> cumulative_;
};

// ---------------------------------------------------------------------------------------------
// Calendar arithmetic on days since 1970-01-01 (proleptic Gregorian).
int64_t toDays(const Date& d) {
  int y = d.year - (d.month <= 2 ? 1 : 0);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (d.month + (d.month > 2 ? -3 : 9)) + 2) / 5 + d.day - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Date fromDays(int64_t z) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return Date{static_cast<int>(y + (m <= 2 ? 1 : 0)), m, d};
}

bool leapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// The same day `n` years later; 29 February becomes 1 March in a common year, so that
// addYears(birth, 18) is the first day on which the person is 18.
Date addYears(Date d, int n) {
  d.year += n;
  if (d.month == 2 && d.day == 29 && !leapYear(d.year)) {
    d.month = 3;
    d.day = 1;
  }
  return d;
}

Date ymd(int y, int m, int d) { return Date{y, m, d}; }

// A uniformly drawn day in [lo, hi] (as day numbers).
int64_t dayBetween(Rng& rng, int64_t lo, int64_t hi) { return rng.range(lo, hi); }

// ---------------------------------------------------------------------------------------------
// Vocabulary.

struct StreetSpec {
  std::string shortName;           // 凯旋
  bool town;                       // 镇 (town_committee) rather than 街道 (street_committee)
  int communities;                 // at scale "district"; 126 in all
  double villageShare;             // share of villages among its communities
  std::vector<const char*> known;  // real community/village names first
  std::vector<const char*> roads;
};

const std::vector<StreetSpec>& streets() {
  static const std::vector<StreetSpec> s = {
      {"凯旋",
       false,
       18,
       0.0,
       {"景芳", "南肖埠", "三里亭", "凯旋", "新塘", "景昙", "观音塘", "华丰", "庆和", "濮家"},
       {"凯旋路", "景芳路", "秋涛北路", "新塘路", "景昙路", "凤起东路"}},
      {"采荷",
       false,
       17,
       0.0,
       {"青荷苑", "静怡", "芙蓉", "红菱", "双菱", "洁莲", "人民", "新杭", "荷花塘", "五福", "明月桥", "采荷"},
       {"采荷路", "秋涛路", "庆春东路", "江锦路", "双菱路", "凯旋路"}},
      {"闸弄口",
       false,
       16,
       0.0,
       {"天杭", "红梅", "新风", "机神", "东新园", "先锋", "白石", "嘉苑", "南秀", "闸弄口"},
       {"天城路", "东宁路", "杭海路", "机场路", "白石路", "东新路"}},
      {"四季青",
       false,
       14,
       0.1,
       {"三新", "五堡", "钱江", "常青", "江锦", "新城", "近江", "四季青"},
       {"钱江路", "解放东路", "富春路", "新业路", "民心路", "五星路"}},
      {"笕桥",
       false,
       17,
       0.3,
       {"黄家", "弄口", "俞章", "花园", "横塘", "草庄", "笕桥", "机场"},
       {"笕桥路", "石桥路", "机场路", "明月桥路", "横塘路", "笕丁路"}},
      {"彭埠",
       true,
       15,
       0.6,
       {"云峰", "七堡", "建华", "御道", "皋塘", "彭埠", "红五月", "普福"},
       {"德胜东路", "艮山东路", "同协路", "七堡路", "新风路", "皋塘路"}},
      {"九堡",
       true,
       13,
       0.6,
       {"九堡", "格畈", "杨公", "三村", "东方", "红普", "牛田", "章家坝"},
       {"九环路", "九沙大道", "杭海路", "德胜东路", "下沙路", "红普路"}},
      {"丁兰",
       false,
       16,
       0.3,
       {"丁桥", "皋城", "长睦", "沿山", "大塘", "勤丰", "华鼎", "丁兰"},
       {"丁桥路", "大农港路", "华鼎路", "丁兰路", "长睦路", "皋城路"}},
  };
  return s;
}

// The streets of a larger demo (scales "city" and "province": one district with many more
// streets). The first eight are the real ones; street s ≥ 8 borrows the shape of street s % 8
// (community count, village share, roads) under a generated two-character name.
StreetSpec streetSpec(size_t s) {
  if (s < streets().size()) return streets()[s];
  static const std::vector<std::string> first = {"景", "新", "青", "春", "华", "明", "丽", "金", "云", "翠", "嘉", "和",
                                                 "安", "清", "兴", "秀", "东", "南", "长", "望", "兰", "桂", "永", "丰"};
  static const std::vector<std::string> second = {"山", "泉", "阳", "岭", "田", "浦", "洲", "滨", "塔", "峰", "门",
                                                  "关", "堰", "埠", "渡", "源", "岗", "坞", "屿", "墅", "畈", "沙"};
  const size_t k = s - streets().size();
  StreetSpec spec = streets()[s % streets().size()];
  spec.shortName = first[k % first.size()] + second[(k / first.size()) % second.size()];
  if (k >= first.size() * second.size()) spec.shortName += std::to_string(k / (first.size() * second.size()) + 1);
  spec.known.clear();
  return spec;
}

const std::vector<std::string>& nameFirst() {
  static const std::vector<std::string> v = {"景", "新", "青", "春", "华", "明", "丽", "金", "云", "翠", "嘉", "和",
                                             "安", "清", "兴", "秀", "东", "南", "长", "望", "兰", "桂", "永", "丰"};
  return v;
}
const std::vector<std::string>& nameSecond() {
  static const std::vector<std::string> v = {"苑", "园", "湾", "庭", "城", "江", "河", "塘",
                                             "桥", "坊", "居", "庄", "湖", "里", "港", "溪"};
  return v;
}

const std::vector<std::string>& ordinals() {
  static const std::vector<std::string> v = {"零",   "一",   "二",   "三",   "四",   "五",   "六",
                                             "七",   "八",   "九",   "十",   "十一", "十二", "十三",
                                             "十四", "十五", "十六", "十七", "十八", "十九", "二十"};
  return v;
}
std::string ordinal(int n) {
  if (n >= 0 && n < static_cast<int>(ordinals().size())) return ordinals()[n];
  return std::to_string(n);
}

const Weighted& surnames() {
  static const Weighted w = {
      {"王", 8},      {"陈", 8},   {"张", 6},   {"李", 5},   {"徐", 4},   {"周", 4},   {"吴", 4},   {"沈", 3.5},
      {"朱", 3},      {"杨", 3},   {"刘", 3},   {"黄", 2.5}, {"孙", 2.5}, {"胡", 2.5}, {"赵", 2},   {"钱", 2},
      {"金", 2},      {"郑", 2},   {"俞", 1.5}, {"何", 1.5}, {"高", 1.5}, {"林", 1.5}, {"叶", 1.5}, {"马", 1.2},
      {"方", 1.2},    {"蒋", 1.2}, {"许", 1.2}, {"郭", 1},   {"罗", 1},   {"姚", 1},   {"汪", 1},   {"蔡", 1},
      {"潘", 1},      {"丁", 1},   {"邵", 1},   {"韩", 0.8}, {"曹", 0.8}, {"冯", 0.8}, {"施", 0.8}, {"毛", 0.8},
      {"宋", 0.8},    {"章", 0.8}, {"陆", 0.8}, {"唐", 0.7}, {"袁", 0.7}, {"董", 0.7}, {"傅", 0.7}, {"程", 0.6},
      {"洪", 0.6},    {"应", 0.6}, {"谢", 0.6}, {"卢", 0.6}, {"范", 0.6}, {"余", 0.6}, {"楼", 0.5}, {"任", 0.5},
      {"严", 0.5},    {"倪", 0.5}, {"童", 0.5}, {"夏", 0.5}, {"骆", 0.4}, {"鲍", 0.4}, {"虞", 0.3}, {"诸葛", 0.05},
      {"欧阳", 0.05},
  };
  return w;
}

const std::vector<std::string>& maleChars() {
  static const std::vector<std::string> v = {
      "伟", "强", "军", "建", "国", "明", "华", "平", "勇", "杰", "斌", "涛", "磊", "刚", "峰", "辉", "浩",
      "宇", "鹏", "飞", "林", "波", "俊", "文", "志", "海", "龙", "晨", "博", "昊", "轩", "睿", "泽", "航",
      "凯", "健", "荣", "兴", "祥", "福", "根", "宝", "德", "忠", "庆", "春", "永", "金", "炳", "松", "毅",
      "超", "亮", "新", "民", "东", "立", "成", "洪", "水", "良", "锋", "卫", "江", "振"};
  return v;
}
const std::vector<std::string>& femaleChars() {
  static const std::vector<std::string> v = {
      "芳", "娟", "敏", "静", "丽", "艳", "红", "霞", "燕", "玲", "萍", "英", "华", "慧", "婷", "雪", "琳", "洁",
      "颖", "倩", "怡", "欣", "悦", "佳", "蕾", "露", "梅", "兰", "珍", "凤", "秀", "琴", "云", "月", "芬", "莉",
      "娜", "晶", "晓", "雯", "璐", "萱", "涵", "彤", "素", "美", "春", "玉", "菊", "仙", "娣", "琼"};
  return v;
}
// Given names typical of members born before 1965.
const std::vector<std::string>& olderMaleNames() {
  static const std::vector<std::string> v = {"建国", "援朝", "国强", "卫东", "国庆", "建华", "志刚", "根宝",
                                             "金水", "炳松", "德明", "永康", "海林", "跃进", "解放", "国良"};
  return v;
}
const std::vector<std::string>& olderFemaleNames() {
  static const std::vector<std::string> v = {"秀英", "桂英", "玉兰", "凤英", "根娣", "桂芳", "美华", "素琴",
                                             "月仙", "彩娥", "秀珍", "菊芬", "建英", "爱华", "丽娟", "翠娥"};
  return v;
}

const Weighted& ethnicities() {
  static const Weighted w = {{"汉族", 975}, {"回族", 8},   {"满族", 6}, {"畲族", 6},
                             {"壮族", 2},   {"土家族", 2}, {"苗族", 1}};
  return w;
}

const Weighted& educationFor(int birthYear) {
  static const Weighted before1950 = {{"初中及以下", 55}, {"高中", 25}, {"中专", 12}, {"大学专科", 6}, {"大学本科", 2}};
  static const Weighted before1970 = {{"初中及以下", 30}, {"高中", 30},    {"中专", 15},
                                      {"大学专科", 15},       {"大学本科", 9}, {"研究生", 1}};
  static const Weighted before1985 = {{"初中及以下", 10}, {"高中", 15},     {"中专", 12},
                                      {"大学专科", 25},       {"大学本科", 33}, {"研究生", 5}};
  static const Weighted later = {{"初中及以下", 2}, {"高中", 5},      {"中专", 5},
                                 {"大学专科", 25},      {"大学本科", 53}, {"研究生", 10}};
  if (birthYear < 1950) return before1950;
  if (birthYear < 1970) return before1970;
  if (birthYear < 1985) return before1985;
  return later;
}

// 区划码 of birth registration: mostly Hangzhou (330104 江干 first), some elsewhere.
const Weighted& regions() {
  static const Weighted w = {{"330104", 45},  {"330102", 10}, {"330103", 8}, {"330105", 6},   {"330106", 6},
                             {"330108", 2},   {"330109", 5},  {"330110", 5}, {"330122", 2},   {"330127", 2},
                             {"330182", 2},   {"330183", 2},  {"330185", 2}, {"330302", 1},   {"330602", 1},
                             {"330402", 1},   {"330502", 1},  {"330702", 1}, {"340102", 0.5}, {"360102", 0.5},
                             {"410102", 0.5}, {"510104", 0.5}};
  return w;
}

const std::vector<std::string>& mobilePrefixes() {
  static const std::vector<std::string> v = {"130", "131", "132", "133", "135", "136", "137", "138", "139",
                                             "150", "151", "152", "153", "155", "156", "157", "158", "159",
                                             "177", "180", "181", "182", "183", "186", "187", "188", "189",
                                             "199", "135", "138", "139", "158", "159", "137"};
  return v;
}

const std::vector<std::string>& mobileDestinations() {
  static const std::vector<std::string> v = {"广东省深圳市", "广东省广州市", "上海市浦东新区", "江苏省苏州市",
                                             "北京市朝阳区", "浙江省宁波市", "福建省厦门市",   "四川省成都市",
                                             "浙江省金华市", "江苏省南京市", "湖北省武汉市",   "海南省三亚市"};
  return v;
}

const std::vector<std::string>& companyWords() {
  static const std::vector<std::string> v = {"华", "东", "锦", "恒", "远", "信", "达", "泰", "鑫", "汇",
                                             "博", "创", "海", "天", "宏", "瑞", "盛", "联", "明", "嘉",
                                             "融", "康", "捷", "智", "云", "德", "丰", "诚", "钱", "江"};
  return v;
}
const std::vector<std::string>& industries() {
  static const std::vector<std::string> v = {"科技",     "电子",     "贸易",     "建设", "物业管理", "餐饮管理",
                                             "信息技术", "网络科技", "服饰",     "食品", "物流",     "装饰工程",
                                             "医药",     "汽车服务", "文化传媒", "茶业"};
  return v;
}
const std::vector<std::string>& buildingPrefixes() {
  static const std::vector<std::string> v = {"钱江", "东方", "华润", "新城", "凯旋", "采荷", "庆春", "江锦",
                                             "天城", "汇金", "环球", "恒鼎", "远洋", "银泰", "华成", "之江"};
  return v;
}
const std::vector<std::string>& buildingSuffixes() {
  static const std::vector<std::string> v = {"大厦", "国际", "中心", "广场", "商务楼"};
  return v;
}
const std::vector<std::string>& socialOrgs() {
  static const std::vector<std::string> v = {"志愿者协会",     "老年协会",   "文体协会",
                                             "社会工作服务社", "邻里互助会", "商会"};
  return v;
}

// ---------------------------------------------------------------------------------------------
// The generated district.

enum class SizeClass { Normal, Tiny, Small, Large };

struct OrgGen {
  int64_t id = 0;
  int64_t parentId = 0;  // 0 = none
  size_t parent = 0;     // index of the parent (the root is its own)
  std::string path;
  int depth = 0;
  std::string name, shortName, kind, branchType;
  int unitCount = 1;
  int committeeSize = 0;
  std::string secretary, contact, phone, unitInfo;
  Date founded;
  int sortOrder = 0;
  size_t street = 0;             // index into the street specs
  bool village = false;          // community level: a 村 rather than a 社区
  std::vector<size_t> children;  // indices into the org vector
  // Member-holding branches.
  SizeClass size = SizeClass::Normal;
  int targetMembers = 0;
  std::vector<size_t> members;  // indices into the member vector
};

struct MemberGen {
  size_t org = 0;  // index of the current branch
  std::string name, sex, ethnicity, education, category, post, address, standing = "normal";
  Date birth;
  std::string idNumber;
  Date joined;
  std::optional<Date> fullOn;
  std::string phone, landline;
  bool lostContact = false;
  std::optional<Date> lostOn;
  bool mobile = false;
  std::string mobileTo;
  std::optional<std::string> six;
  // A move: the earlier branch and the day of the transfer.
  std::optional<size_t> earlierOrg;
  Date movedOn;
};

class Generator {
 public:
  // `communities[s]` communities under street s; `memberTarget` members in all.
  Generator(uint64_t seed, Date asOf, std::vector<int> communities, int memberTarget)
      : rng_(seed), asOf_(asOf), communities_(std::move(communities)), memberTarget_(memberTarget) {
    for (size_t s = 0; s < communities_.size(); ++s) specs_.push_back(streetSpec(s));
  }

  std::vector<OrgGen> orgs;
  std::vector<MemberGen> members;
  std::vector<size_t> streetIdx;     // orgs index of each street
  std::vector<size_t> communityIdx;  // orgs index of each community, street by street
  std::vector<size_t> branchIdx;     // member-holding orgs, in creation order

  void build(int64_t rootId, const std::string& rootPath, int64_t firstId) {
    nextId_ = firstId;
    OrgGen root;
    root.id = rootId;
    root.path = rootPath;
    root.depth = depthOf(rootPath);
    root.name = "江干区委";
    root.shortName = "江干区委";
    root.kind = "district_committee";
    root.founded = ymd(1950, 5, 1);
    orgs.push_back(std::move(root));
    orgs[0].secretary = personName(true, 1965);
    orgs[0].contact = personName(rng_.chance(0.5), 1975);
    orgs[0].phone = "0571-8" + digits(7);
    orgs[0].unitInfo = "区委组织部，负责全区党的组织建设";

    for (size_t s = 0; s < specs_.size(); ++s) buildStreet(s);
    for (size_t s = 0; s < specs_.size(); ++s) {
      for (int c = 0; c < communities_[s]; ++c) buildCommunity(s, c);
      int twoNew = static_cast<int>(rng_.range(3, 6));
      for (int k = 0; k < twoNew; ++k) buildTwoNewBranch(s, k);
    }
    sizeBranches();
    for (size_t b : branchIdx) generateMembers(b);
    planMoves();
    finishOrgs();
  }

 private:
  Rng rng_;
  Date asOf_;
  std::vector<int> communities_;
  std::vector<StreetSpec> specs_;  // one per street
  int memberTarget_;
  int64_t nextId_ = 2;
  std::unordered_set<std::string> communityNames_;
  std::unordered_set<std::string> companyNames_;
  std::unordered_set<std::string> idNumbers_;

  static int depthOf(const std::string& path) {
    return static_cast<int>(std::count(path.begin(), path.end(), '/')) - 2;
  }

  std::string digits(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + rng_.range(0, 9)));
    return s;
  }
  // (Each draw in its own statement: the order of evaluation of `a + b` is unspecified.)
  std::string mobilePhone() {
    std::string p = rng_.pick(mobilePrefixes());
    return p + digits(8);
  }
  Date clampToAsOf(Date d) const { return std::min(d, asOf_); }

  // A plausible name; `born` steers the older given names.
  std::string personName(bool male, int born) {
    std::string name = surnames().pick(rng_);
    if (born < 1965 && rng_.chance(0.3)) {
      return name + rng_.pick(male ? olderMaleNames() : olderFemaleNames());
    }
    const auto& chars = male ? maleChars() : femaleChars();
    auto draw = [&] { return rng_.pick(chars); };
    std::string a = draw();
    if (rng_.chance(0.25)) return name + a;
    std::string b = draw();
    if (b == a && rng_.chance(0.7)) b = draw();  // 叠字 names only now and then
    return name + a + b;
  }

  size_t addOrg(OrgGen o, size_t parent) {
    o.id = nextId_++;
    o.parentId = orgs[parent].id;
    o.parent = parent;
    o.path = orgs[parent].path + std::to_string(o.id) + "/";
    o.depth = orgs[parent].depth + 1;
    o.sortOrder = static_cast<int>(orgs[parent].children.size()) + 1;
    if (o.street == 0 && parent != 0) o.street = orgs[parent].street;
    orgs.push_back(std::move(o));
    size_t idx = orgs.size() - 1;
    orgs[parent].children.push_back(idx);
    return idx;
  }

  Date dateBetween(Date lo, Date hi) {
    if (hi < lo) hi = lo;
    return fromDays(dayBetween(rng_, toDays(lo), toDays(hi)));
  }

  void buildStreet(size_t s) {
    const StreetSpec& spec = specs_[s];
    OrgGen o;
    o.street = s;
    o.kind = spec.town ? "town_committee" : "street_committee";
    o.shortName = std::string(spec.shortName) + (spec.town ? "镇" : "街道");
    o.name = o.shortName + (spec.town ? "党委" : "党工委");
    o.founded = clampToAsOf(dateBetween(ymd(1985, 1, 1), ymd(2001, 12, 31)));
    o.secretary = personName(rng_.chance(0.7), 1968);
    o.contact = personName(rng_.chance(0.4), 1980);
    o.phone = "0571-8" + digits(7);
    o.unitInfo = spec.town ? "镇党委，辖村、社区及两新组织" : "街道党工委，辖社区及两新组织";
    streetIdx.push_back(addOrg(std::move(o), 0));
  }

  std::string communityName(size_t s, int c) {
    const StreetSpec& spec = specs_[s];
    if (c < static_cast<int>(spec.known.size())) {
      std::string n = spec.known[static_cast<size_t>(c)];
      if (communityNames_.insert(n).second) return n;
    }
    // Two characters while they last (384 names; a district uses about a third), then three
    // (9,216), then three with a number: the larger scales have thousands of communities.
    if (communityNames_.size() < 250) {
      for (;;) {
        std::string n = rng_.pick(nameFirst());
        n += rng_.pick(nameSecond());
        if (communityNames_.insert(n).second) return n;
      }
    }
    for (int tries = 0;; ++tries) {
      std::string n = rng_.pick(nameFirst());
      n += rng_.pick(nameFirst());
      n += rng_.pick(nameSecond());
      if (tries >= 40) n += std::to_string(tries);
      if (communityNames_.insert(n).second) return n;
    }
  }

  void buildCommunity(size_t s, int c) {
    const StreetSpec& spec = specs_[s];
    size_t street = streetIdx[s];
    OrgGen o;
    o.street = s;
    std::string base = communityName(s, c);
    o.village = rng_.chance(spec.villageShare);
    o.shortName = base + (o.village ? "村" : "社区");
    o.branchType = o.village ? "village" : "community";
    o.kind = "general_branch";  // settled in finishOrgs() from the member count
    o.founded = clampToAsOf(dateBetween(std::max(orgs[street].founded, ymd(2001, 1, 1)), ymd(2009, 12, 31)));
    o.phone = "0571-8" + digits(7);
    size_t idx = addOrg(std::move(o), street);
    communityIdx.push_back(idx);

    int branches = static_cast<int>(rng_.range(2, 7));
    std::map<std::string, int> seen;  // branch type → how many so far
    for (int b = 0; b < branches; ++b) buildCommunityBranch(idx, seen);
  }

  const std::string& communityBranchType(bool village) {
    static const Weighted urban = {{"community", 30}, {"grid", 25},     {"retired", 15},
                                   {"building", 12},  {"nonpublic", 8}, {"social_org", 5}};
    static const Weighted rural = {{"villager_group", 50}, {"retired", 20},  {"grid", 10},
                                   {"nonpublic", 12},      {"community", 5}, {"social_org", 3}};
    return (village ? rural : urban).pick(rng_);
  }

  std::string companyName() {
    for (int tries = 0;; ++tries) {
      std::string n = "杭州";
      n += rng_.pick(companyWords());
      n += rng_.pick(companyWords());
      n += rng_.pick(industries());
      if (tries >= 40) n += std::to_string(tries);  // only when the 14,400 names run short
      n += "有限公司";
      if (companyNames_.insert(n).second) return n;
    }
  }

  void buildCommunityBranch(size_t community, std::map<std::string, int>& seen) {
    const OrgGen& c = orgs[community];
    const std::string cn = c.shortName;
    OrgGen o;
    o.street = c.street;
    o.kind = "branch";
    o.branchType = communityBranchType(c.village);
    // The first branch of a community is its 第一党支部 (of a village, its first group's).
    if (c.children.empty()) o.branchType = c.village ? "villager_group" : "community";
    bool joint = (o.branchType == "nonpublic" || o.branchType == "building" || o.branchType == "social_org") &&
                 rng_.chance(0.15);
    int n = ++seen[o.branchType];
    const std::string& t = o.branchType;
    if (joint) {
      o.kind = "joint_branch";
      o.unitCount = static_cast<int>(rng_.range(3, 7));
      std::string what = t == "nonpublic" ? "非公企业" : t == "building" ? "楼宇" : "社会组织";
      std::string nth = n > 1 ? "第" + ordinal(n) : "";
      o.name = cn + what + nth + "联合党支部";
      o.shortName = what + nth + "联合支部";
      o.unitInfo = "联合" + std::to_string(o.unitCount) + "家" +
                   (t == "social_org" ? std::string("社会组织") : std::string("单位"));
    } else if (t == "community") {
      o.name = cn + "第" + ordinal(n) + "党支部";
      o.shortName = "第" + ordinal(n) + "支部";
      o.unitInfo = "社区居民党员";
    } else if (t == "grid") {
      o.name = cn + "第" + ordinal(n) + "网格党支部";
      o.shortName = "第" + ordinal(n) + "网格支部";
      o.unitInfo = "网格内居民党员";
    } else if (t == "villager_group") {
      o.name = cn + "第" + ordinal(n) + "村民小组党支部";
      o.shortName = "第" + ordinal(n) + "村民小组支部";
      o.unitInfo = "村民小组党员";
    } else if (t == "retired") {
      std::string nth = n > 1 ? "第" + ordinal(n) : "";
      o.name = cn + "离退休" + nth + "党支部";
      o.shortName = "离退休" + nth + "支部";
      o.unitInfo = "离退休党员";
    } else if (t == "building") {
      std::string b = rng_.pick(buildingPrefixes());
      b += rng_.pick(buildingSuffixes());
      if (seen.count("building:" + b)) b += ordinal(n) + "期";
      seen["building:" + b] = 1;
      o.name = cn + b + "楼宇党支部";
      o.shortName = b + "楼宇支部";
      o.unitInfo = b + "入驻企业";
    } else if (t == "nonpublic") {
      o.name = companyName() + "党支部";
      o.shortName = o.name;
      o.unitInfo = "非公有制企业，职工约" + std::to_string(rng_.range(20, 400)) + "人";
    } else {  // social_org
      std::string what = rng_.pick(socialOrgs());
      if (seen.count("social:" + what)) what = "第" + ordinal(n) + what;
      seen["social:" + what] = 1;
      o.name = cn + what + "党支部";
      o.shortName = what + "支部";
      o.unitInfo = "社会组织";
    }
    o.founded = clampToAsOf(dateBetween(c.founded, addYears(c.founded, 8)));
    o.phone = mobilePhone();
    size_t idx = addOrg(std::move(o), community);
    branchIdx.push_back(idx);
  }

  // A 两新 (non-public enterprise / social organization) branch directly under the street.
  void buildTwoNewBranch(size_t s, int k) {
    size_t street = streetIdx[s];
    const std::string sn = orgs[street].shortName;
    OrgGen o;
    o.street = s;
    o.kind = "branch";
    o.branchType = rng_.chance(0.7) ? "nonpublic" : "social_org";
    if (rng_.chance(0.15)) {
      o.kind = "joint_branch";
      o.unitCount = static_cast<int>(rng_.range(3, 7));
      std::string what = o.branchType == "nonpublic" ? "非公企业" : "社会组织";
      o.name = sn + what + "第" + ordinal(k + 1) + "联合党支部";
      o.shortName = what + "第" + ordinal(k + 1) + "联合支部";
      o.unitInfo = "联合" + std::to_string(o.unitCount) + "家" + what;
    } else if (o.branchType == "nonpublic") {
      o.name = companyName() + "党支部";
      o.shortName = o.name;
      o.unitInfo = "非公有制企业，职工约" + std::to_string(rng_.range(50, 1200)) + "人";
    } else {
      const std::vector<std::string> kinds = {"社会工作服务中心", "商会", "个体劳动者协会", "物业管理协会",
                                              "楼宇经济促进会"};
      std::string what = kinds[static_cast<size_t>(k) % kinds.size()];
      if (static_cast<size_t>(k) >= kinds.size()) what = "第" + ordinal(k + 1) + what;
      o.name = sn + what + "党支部";
      o.shortName = what + "支部";
      o.unitInfo = "社会组织";
    }
    o.founded = clampToAsOf(dateBetween(ymd(2005, 1, 1), ymd(2020, 12, 31)));
    o.phone = mobilePhone();
    size_t idx = addOrg(std::move(o), street);
    branchIdx.push_back(idx);
  }

  // Decides how many members each branch gets: most between 7 and 50, a few tiny (< 3 full
  // members, too few for a branch), a few small (3–6), a few over 50, summing to the target.
  void sizeBranches() {
    int fixed = 0;
    std::vector<size_t> normal;
    std::vector<double> weight;
    for (size_t b : branchIdx) {
      OrgGen& o = orgs[b];
      double x = rng_.unit();
      if (x < 0.025) {
        o.size = SizeClass::Tiny;
      } else if (x < 0.055) {
        o.size = SizeClass::Large;
      } else if (x < 0.19) {
        o.size = SizeClass::Small;
      }
      double w = 0.6 + 0.8 * rng_.unit();
      const std::string& t = o.branchType;
      if (t == "retired") w *= 1.3;
      if (t == "community") w *= 1.2;
      if (t == "building") w *= 0.8;
      if (t == "nonpublic") w *= 0.6;
      if (t == "social_org") w *= 0.5;
      if (o.kind == "joint_branch") w *= 1.2;
      weight.push_back(w);
    }
    // At least one tiny and one large branch, so both warnings show on any seed.
    auto force = [&](SizeClass want, size_t from) {
      for (size_t b : branchIdx)
        if (orgs[b].size == want) return;
      orgs[branchIdx[std::min(from, branchIdx.size() - 1)]].size = want;
    };
    force(SizeClass::Tiny, 3);
    force(SizeClass::Large, 1);
    for (size_t i = 0; i < branchIdx.size(); ++i) {
      OrgGen& o = orgs[branchIdx[i]];
      switch (o.size) {
        case SizeClass::Tiny:
          o.targetMembers = static_cast<int>(rng_.range(1, 2));
          break;
        case SizeClass::Small:
          o.targetMembers = static_cast<int>(rng_.range(3, 6));
          break;
        case SizeClass::Large:
          o.targetMembers = static_cast<int>(rng_.range(51, 88));
          break;
        case SizeClass::Normal:
          normal.push_back(i);
          break;
      }
      fixed += o.targetMembers;
    }
    double sumW = 0;
    for (size_t i : normal) sumW += weight[i];
    int rest = std::max(0, memberTarget_ - fixed);
    int total = fixed;
    for (size_t i : normal) {
      int n = static_cast<int>(rest * weight[i] / sumW + 0.5);
      n = std::clamp(n, 7, 50);
      orgs[branchIdx[i]].targetMembers = n;
      total += n;
    }
    // Walk the normal branches adding or removing one member until the total is exact (or
    // every branch sits at its bound).
    bool changed = true;
    while (total != memberTarget_ && changed && !normal.empty()) {
      changed = false;
      for (size_t i : normal) {
        if (total == memberTarget_) break;
        int& n = orgs[branchIdx[i]].targetMembers;
        if (total < memberTarget_ && n < 50) {
          ++n, ++total, changed = true;
        } else if (total > memberTarget_ && n > 7) {
          --n, --total, changed = true;
        }
      }
    }
  }

  std::string uniqueIdNumber(const std::string& region, const Date& birth, bool male) {
    char date[16];
    std::snprintf(date, sizeof date, "%04d%02d%02d", birth.year, birth.month, birth.day);
    for (;;) {
      std::string first17 = region + date + digits(2);
      int sexDigit = static_cast<int>(rng_.range(0, 4)) * 2 + (male ? 1 : 0);
      first17.push_back(static_cast<char>('0' + sexDigit));
      std::string id = first17 + idCheckDigit(first17);
      if (idNumbers_.insert(id).second) return id;
    }
  }

  void generateMembers(size_t b) {
    OrgGen& o = orgs[b];
    const std::string& t = o.branchType;
    const StreetSpec& spec = specs_[o.street];
    bool rural = t == "villager_group" || orgs[o.parent].village;
    bool twoNew = t == "nonpublic" || t == "social_org" || t == "building";
    int loYear = 1938, hiYear = 2004;
    double maleShare = 0.62;
    if (t == "retired") loYear = 1935, hiYear = 1962, maleShare = 0.55;
    if (twoNew) loYear = 1962, hiYear = 2003, maleShare = 0.55;
    if (rural) loYear = 1940, hiYear = 2000, maleShare = 0.66;
    const Date latestFullJoin = fromDays(toDays(addYears(asOf_, -1)) - 1);

    for (int k = 0; k < o.targetMembers; ++k) {
      MemberGen m;
      m.org = b;
      bool male = rng_.chance(maleShare);
      m.sex = male ? "M" : "F";
      m.birth = dateBetween(ymd(loYear, 1, 1), ymd(hiYear, 12, 31));
      m.name = personName(male, m.birth.year);
      m.idNumber = uniqueIdNumber(regions().pick(rng_), m.birth, male);
      m.ethnicity = ethnicities().pick(rng_);
      m.education = educationFor(m.birth.year).pick(rng_);

      // Joining: on or after the 18th birthday; probationary members within the last year.
      Date adult = addYears(m.birth, 18);
      double probationaryShare = t == "retired" ? 0.005 : 0.12;
      if (o.size == SizeClass::Tiny) probationaryShare = 0;  // tiny: all full, still < 3
      bool probationary = rng_.chance(probationaryShare);
      int64_t back = rng_.range(1, 364);
      // Age at joining: mostly 18–30, some 30–48, a few 48–58; members too young for the
      // drawn age joined on a uniformly drawn day between 18 and a year ago.
      double joinAgeDraw = rng_.unit();
      int64_t joinOffset = rng_.range(0, 365 * 12);
      if (joinAgeDraw >= 0.70) joinOffset = rng_.range(365 * 12, 365 * 30);
      if (joinAgeDraw >= 0.95) joinOffset = rng_.range(365 * 30, 365 * 40);
      double fallback = rng_.unit();
      Date recent = fromDays(toDays(asOf_) - back);
      // Those who join today are seldom past 55: older ones drawn probationary stay full.
      if (probationary && adult <= recent && ageOn(m.birth, recent) <= 55) {
        m.category = "probationary";
        m.joined = recent;
      } else {
        m.category = "full";
        int64_t lo = toDays(adult);
        int64_t hi = toDays(latestFullJoin);
        if (lo + joinOffset > hi) {
          joinOffset = hi > lo ? static_cast<int64_t>(fallback * static_cast<double>(hi - lo)) : 0;
        }
        m.joined = fromDays(lo + joinOffset);
        m.fullOn = addYears(m.joined, 1);
      }

      // 6×3 category, mobility, contact state.
      static const Weighted sixRetired = {{"veteran", 85}, {"hardship", 5}, {"", 10}};
      static const Weighted sixRural = {
          {"farmer_community", 60}, {"veteran", 20}, {"hardship", 5}, {"cadre", 5}, {"", 10}};
      static const Weighted sixUrban = {
          {"farmer_community", 35}, {"veteran", 30}, {"cadre", 10}, {"hardship", 5}, {"", 20}};
      static const Weighted sixTwoNew = {{"nonpublic", 70}, {"cadre", 5}, {"", 25}};
      const Weighted& sixW = t == "retired" ? sixRetired : twoNew ? sixTwoNew : rural ? sixRural : sixUrban;
      std::string six = sixW.pick(rng_);
      if (six == "veteran" && m.birth.year > asOf_.year - 60) {
        six = twoNew ? "nonpublic" : "farmer_community";
      }
      bool mobile = t != "retired" && rng_.chance(0.03);
      std::string mobileTo = rng_.pick(mobileDestinations());
      if (mobile) {
        m.mobile = true;
        m.mobileTo = mobileTo;
        six = "mobile";
      }
      if (!six.empty()) m.six = six;

      bool lost = rng_.chance(0.005);
      Date lostLo = std::max(addYears(m.joined, 1), ymd(2010, 1, 1));
      Date lostOn = dateBetween(lostLo, fromDays(toDays(asOf_) - 30));
      if (lost && m.category == "full" && lostLo <= asOf_) {
        m.lostContact = true;
        m.lostOn = lostOn;
      }
      if (rng_.chance(0.003)) m.standing = "suspended";

      m.post = postFor(six, rural, m);

      // Contacts.
      std::string phone = mobilePhone();
      if (rng_.chance(0.96)) m.phone = phone;
      std::string landline = "0571-8" + digits(7);
      if (rng_.chance(m.birth.year < 1965 ? 0.35 : 0.08)) m.landline = landline;
      std::string road = spec.roads[static_cast<size_t>(rng_.range(0, static_cast<int64_t>(spec.roads.size()) - 1))];
      int number = static_cast<int>(rng_.range(1, 400));
      int building = static_cast<int>(rng_.range(1, 30));
      int unit = static_cast<int>(rng_.range(1, 4));
      int floor = static_cast<int>(rng_.range(1, 18));
      int room = static_cast<int>(rng_.range(1, 4));
      m.address = "杭州市江干区" + road + std::to_string(number) + "号" + std::to_string(building) + "幢" +
                  std::to_string(unit) + "单元" + std::to_string(floor) + "0" + std::to_string(room) + "室";

      members.push_back(std::move(m));
      o.members.push_back(members.size() - 1);
    }
  }

  std::string postFor(const std::string& six, bool rural, const MemberGen& m) {
    static const std::vector<std::string> cadre = {"社区工作者", "机关干部", "事业单位工作人员", "教师", "医务人员"};
    static const std::vector<std::string> nonpublic = {"企业职工", "企业管理人员", "技术人员", "销售人员", "财务人员"};
    static const std::vector<std::string> other = {"企业职工", "自由职业", "个体经营", "专业技术人员", "社区居民"};
    std::string pick = rng_.pick(other);  // drawn always, to keep the sequence fixed
    if (six == "veteran") return "离退休";
    if (six == "cadre") return rng_.pick(cadre);
    if (six == "nonpublic") return rng_.pick(nonpublic);
    if (six == "mobile") return rng_.chance(0.7) ? "外出务工" : "外出经商";
    if (six == "hardship") return "无固定职业";
    if (six == "farmer_community") return rural ? "农民" : "社区居民";
    if (m.birth.year >= asOf_.year - 22 && m.category == "probationary") return "学生";
    return pick;
  }

  // About 5% of members moved once: an earlier branch in the same street until a transfer day.
  void planMoves() {
    std::vector<std::vector<size_t>> byStreet(specs_.size());
    for (size_t b : branchIdx) byStreet[orgs[b].street].push_back(b);
    for (MemberGen& m : members) {
      bool move = rng_.chance(0.05);
      const auto& pool = byStreet[orgs[m.org].street];
      size_t other = pool[static_cast<size_t>(rng_.range(0, static_cast<int64_t>(pool.size()) - 1))];
      int64_t lo = std::max(toDays(m.joined) + 180, toDays(orgs[m.org].founded));
      int64_t hi = toDays(asOf_) - 30;
      int64_t day = rng_.range(lo, std::max(lo, hi));
      if (!move || other == m.org || lo > hi) continue;
      m.earlierOrg = other;
      m.movedOn = fromDays(day);
    }
  }

  // Kinds, committees, secretaries, party groups: what depends on the members.
  void finishOrgs() {
    for (size_t b : branchIdx) {
      OrgGen& o = orgs[b];
      int full = 0;
      for (size_t i : o.members) full += members[i].category == "full" ? 1 : 0;
      if (full >= 7) {
        double x = rng_.unit();
        if (x < 0.05) {
          o.committeeSize = 0;  // should have a committee: the warning shows
        } else if (full >= 30 && x < 0.75) {
          o.committeeSize = 5;
        } else if (x < 0.97) {
          o.committeeSize = full >= 15 && rng_.chance(0.3) ? 5 : 3;
        } else {
          o.committeeSize = 7;
        }
      }
      std::vector<size_t> fullMembers;
      for (size_t i : o.members)
        if (members[i].category == "full") fullMembers.push_back(i);
      if (!fullMembers.empty()) {
        o.secretary = members[fullMembers[0]].name;
        o.contact = members[fullMembers[fullMembers.size() > 1 ? 1 : 0]].name;
        if (!members[fullMembers[0]].phone.empty()) o.phone = members[fullMembers[0]].phone;
      }
    }
    // At least one branch with ≥ 7 full members and no committee.
    bool anyMissing = false;
    for (size_t b : branchIdx) {
      const OrgGen& o = orgs[b];
      if (o.committeeSize == 0 && o.targetMembers >= 10 && o.size == SizeClass::Normal) {
        anyMissing = true;
      }
    }
    if (!anyMissing) {
      for (size_t b : branchIdx) {
        if (orgs[b].size == SizeClass::Normal && orgs[b].targetMembers >= 10) {
          orgs[b].committeeSize = 0;
          break;
        }
      }
    }
    // Communities: 党委 from 100 members, otherwise 党总支; secretary from their members.
    for (size_t c : communityIdx) {
      OrgGen& o = orgs[c];
      size_t total = 0;
      std::vector<size_t> pool;
      for (size_t b : o.children) {
        total += orgs[b].members.size();
        for (size_t i : orgs[b].members)
          if (members[i].category == "full") pool.push_back(i);
      }
      bool committee = total >= 100;
      o.kind = committee ? "committee" : "general_branch";
      o.name = o.shortName + (committee ? "党委" : "党总支");
      o.committeeSize = committee ? 7 : 5;
      o.unitInfo = o.village ? "行政村，户籍人口约" + std::to_string(rng_.range(800, 4000)) + "人"
                             : "城市社区，居民约" + std::to_string(rng_.range(1500, 6000)) + "户";
      if (!pool.empty()) {
        o.secretary = members[pool[static_cast<size_t>(rng_.range(0, static_cast<int64_t>(pool.size()) - 1))]].name;
        o.contact = members[pool[static_cast<size_t>(rng_.range(0, static_cast<int64_t>(pool.size()) - 1))]].name;
      } else {
        o.secretary = personName(true, 1970);
        o.contact = o.secretary;
      }
    }
    // Party groups: 1–3 per branch (one in a branch under 10 members).
    std::vector<size_t> branches = branchIdx;
    for (size_t b : branches) {
      int n = orgs[b].members.size() < 10 ? 1 : static_cast<int>(rng_.range(1, 3));
      for (int g = 1; g <= n; ++g) {
        OrgGen pg;
        pg.street = orgs[b].street;
        pg.kind = "party_group";
        pg.name = "第" + ordinal(g) + "党小组";
        pg.shortName = pg.name;
        pg.founded = clampToAsOf(dateBetween(orgs[b].founded, addYears(orgs[b].founded, 3)));
        const auto& ms = orgs[b].members;
        if (!ms.empty()) {
          pg.secretary = members[ms[static_cast<size_t>(rng_.range(0, static_cast<int64_t>(ms.size()) - 1))]].name;
        }
        addOrg(std::move(pg), b);
      }
    }
  }
};

// Communities per street and the member total for a scale.
struct Scale {
  std::vector<int> communities;
  int members = 0;
};

Scale scaleOf(const std::string& name) {
  Scale s;
  if (name == "district") {
    for (const StreetSpec& st : streets()) s.communities.push_back(st.communities);
    s.members = 20000;
  } else if (name == "small") {
    // Three in the first street so the demo users sq0101…sq0103 all exist.
    s.communities = {3, 2, 2, 2, 2, 2, 2, 2};
    s.members = 2000;
  } else if (name == "city" || name == "province") {
    // Ten (fifty) districts' worth as one district with ten (fifty) times the streets: the tree
    // keeps its four levels and the logins admin, jd01…, sq0101… stay what they are.
    const size_t times = name == "city" ? 10 : 50;
    for (size_t k = 0; k < streets().size() * times; ++k) s.communities.push_back(streets()[k % streets().size()].communities);
    s.members = 20000 * static_cast<int>(times);
  } else {
    throw Error::invalid("scale", "演示规模只能是 small（小规模）、district（全区）、city（市级）或 province（省级）");
  }
  return s;
}

int64_t maxId(store::Connection& c, const char* table) {
  auto v = c.scalar(std::string("SELECT COALESCE(MAX(id), 0) FROM ") + table);
  return v ? v->asInt() : 0;
}

store::Value optDate(const std::optional<Date>& d) {
  if (!d) return store::Value();
  return store::Value(d->iso());
}
store::Value optText(const std::string& s) {
  if (s.empty()) return store::Value();
  return store::Value(s);
}

// Rows handed to one bulkInsert at most (the member tables of the larger scales go in slices).
constexpr size_t kSlice = 50000;

struct NameKeys {
  std::string initials, full, sort;
};

}  // namespace

Result load(store::Database& db, const crypto::FieldCipher& cipher, const Options& o) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  const Scale scale = scaleOf(o.scale);
  Date asOf = today();
  if (!o.asOf.empty()) {
    auto d = parseDate(o.asOf);
    if (!d) throw Error::invalid("asOf", "基准日期格式应为 YYYY-MM-DD");
    asOf = *d;
  }
  if (asOf < Date{2024, 1, 1}) {
    throw Error::invalid("asOf", "演示数据的基准日期不能早于 2024-01-01");
  }

  store::Lease lease = db.acquire();
  store::Connection& c = *lease;
  store::Transaction tx(c);

  Result result;
  const int64_t orgCount = c.scalar("SELECT COUNT(*) FROM orgs")->asInt();
  const int64_t memberCount = c.scalar("SELECT COUNT(*) FROM members")->asInt();
  if (orgCount > 1 || memberCount > 0) {
    result.skipped = true;
    result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return result;  // the transaction rolls back: nothing was written
  }

  // The root: reused when `zugong migrate` created it, else id 1.
  int64_t rootId = 1;
  std::string rootPath = "/1/";
  bool rootExists = false;
  std::optional<Date> rootFounded;  // kept when the root is reused
  if (orgCount == 1) {
    store::Result r = c.query("SELECT id, path, founded_on FROM orgs");
    rootId = r.front().i64(0);
    rootPath = r.front().text(1);
    rootFounded = parseDate(r.front().text(2));
    rootExists = true;
  }
  const int64_t firstOrgId = std::max(maxId(c, "orgs"), rootId) + 1;

  Generator g(o.seed, asOf, scale.communities, scale.members);
  g.build(rootId, rootPath, firstOrgId);
  if (rootFounded) g.orgs[0].founded = *rootFounded;

  const std::string now = nowIso();
  const auto& orgs = g.orgs;

  // --- orgs -----------------------------------------------------------------------------------
  {
    const std::vector<std::string> cols = {"id",         "parent_id", "path",        "depth",      "name",
                                           "short_name", "kind",      "branch_type", "unit_count", "committee_size",
                                           "secretary",  "contact",   "phone",       "unit_info",  "founded_on",
                                           "sort_order", "version",   "created_at",  "updated_at"};
    std::vector<std::vector<store::Value>> rows;
    rows.reserve(orgs.size());
    for (size_t i = 0; i < orgs.size(); ++i) {
      const OrgGen& x = orgs[i];
      if (i == 0 && rootExists) {
        c.exec(
            "UPDATE orgs SET name = ?, short_name = ?, kind = ?, secretary = ?, contact = ?, "
            "phone = ?, unit_info = ?, version = version + 1, updated_at = ? WHERE id = ?",
            {x.name, x.shortName, x.kind, x.secretary, x.contact, x.phone, x.unitInfo, now, x.id});
        continue;
      }
      rows.push_back({x.id, i == 0 ? store::Value() : store::Value(x.parentId), x.path, x.depth, x.name,
                      optText(x.shortName), x.kind, optText(x.branchType), x.unitCount, x.committeeSize,
                      optText(x.secretary), optText(x.contact), optText(x.phone), optText(x.unitInfo), x.founded.iso(),
                      x.sortOrder, 1, now, now});
    }
    c.bulkInsert("orgs", cols, rows);
  }

  // --- org_history and org_events: one current row and one 'create' per organization ---------
  {
    std::vector<std::vector<store::Value>> history, events;
    int64_t hid = maxId(c, "org_history"), eid = maxId(c, "org_events");
    bool rootHistory = false, rootEvent = false;
    if (rootExists) {
      rootHistory = c.exec(
                        "UPDATE org_history SET name = ?, kind = ? WHERE org_id = ? AND "
                        "to_date IS NULL",
                        {orgs[0].name, orgs[0].kind, rootId}) > 0;
      rootEvent = c.scalar("SELECT COUNT(*) FROM org_events WHERE org_id = ?", {rootId})->asInt() > 0;
    }
    for (size_t i = 0; i < orgs.size(); ++i) {
      const OrgGen& x = orgs[i];
      store::Value parent = i == 0 ? store::Value() : store::Value(x.parentId);
      if (!(i == 0 && rootHistory)) {
        history.push_back({++hid, x.id, parent, x.name, x.kind, x.founded.iso(), store::Value()});
      }
      if (!(i == 0 && rootEvent)) {
        boost::json::object detail{{"name", x.name}, {"kind", x.kind}, {"source", "demo"}};
        if (i != 0) detail["parent_id"] = x.parentId;
        events.push_back({++eid, x.id, "create", x.founded.iso(), boost::json::serialize(detail), store::Value(), now});
      }
    }
    c.bulkInsert("org_history", {"id", "org_id", "parent_id", "name", "kind", "from_date", "to_date"}, history);
    c.bulkInsert("org_events", {"id", "org_id", "event", "on_date", "detail", "actor_id", "created_at"}, events);
  }

  // --- members and their placements ------------------------------------------------------------
  const int64_t firstMemberId = maxId(c, "members") + 1;
  DeferredForeignKeys memberKeys(c, {"members", "member_placements"});
  {
    const std::vector<std::string> cols = {"id",
                                           "org_id",
                                           "org_path",
                                           "name",
                                           "name_initials",
                                           "name_pinyin",
                                           "name_sort",
                                           "sex",
                                           "ethnicity",
                                           "birth_date",
                                           "id_number_enc",
                                           "id_number_hash",
                                           "id_number_mask",
                                           "education",
                                           "category",
                                           "joined_on",
                                           "full_on",
                                           "post",
                                           "phone_enc",
                                           "phone_mask",
                                           "landline_enc",
                                           "landline_mask",
                                           "address",
                                           "standing",
                                           "lost_contact",
                                           "lost_on",
                                           "mobile",
                                           "mobile_to",
                                           "six_category",
                                           "active",
                                           "version",
                                           "created_at",
                                           "updated_at"};
    std::unordered_map<std::string, NameKeys> keys;  // pinyin is the costly part: once per name
    std::vector<std::vector<store::Value>> rows;
    rows.reserve(std::min(g.members.size(), kSlice));
    for (size_t i = 0; i < g.members.size(); ++i) {
      const MemberGen& m = g.members[i];
      const OrgGen& org = orgs[m.org];
      auto it = keys.find(m.name);
      if (it == keys.end()) {
        it = keys.emplace(m.name, NameKeys{pinyin::initials(m.name), pinyin::full(m.name), pinyin::sortKey(m.name)})
                 .first;
      }
      const NameKeys& k = it->second;
      store::Value phoneEnc, phoneMask, landEnc, landMask;
      if (!m.phone.empty()) {
        std::string p = normalizePhone(m.phone).value_or(m.phone);
        phoneEnc = cipher.encrypt(p);
        phoneMask = maskPhone(p);
      }
      if (!m.landline.empty()) {
        std::string p = normalizePhone(m.landline).value_or(m.landline);
        landEnc = cipher.encrypt(p);
        landMask = maskPhone(p);
      }
      rows.push_back({firstMemberId + static_cast<int64_t>(i),
                      org.id,
                      org.path,
                      m.name,
                      k.initials,
                      k.full,
                      k.sort,
                      m.sex,
                      m.ethnicity,
                      m.birth.iso(),
                      cipher.encrypt(m.idNumber),
                      cipher.lookupHash(m.idNumber),
                      maskIdNumber(m.idNumber),
                      m.education,
                      m.category,
                      m.joined.iso(),
                      optDate(m.fullOn),
                      m.post,
                      phoneEnc,
                      phoneMask,
                      landEnc,
                      landMask,
                      m.address,
                      m.standing,
                      m.lostContact,
                      optDate(m.lostOn),
                      m.mobile,
                      optText(m.mobileTo),
                      store::Value(m.six),
                      1,
                      1,
                      now,
                      now});
      // In slices, so that the larger scales do not hold every row in memory at once.
      if (rows.size() >= kSlice) {
        c.bulkInsert("members", cols, rows);
        rows.clear();
      }
    }
    c.bulkInsert("members", cols, rows);

    std::vector<std::vector<store::Value>> placements;
    placements.reserve(std::min(g.members.size(), kSlice) + 1);
    int64_t pid = maxId(c, "member_placements");
    for (size_t i = 0; i < g.members.size(); ++i) {
      const MemberGen& m = g.members[i];
      const int64_t mid = firstMemberId + static_cast<int64_t>(i);
      if (m.earlierOrg) {
        placements.push_back({++pid, mid, orgs[*m.earlierOrg].id, m.joined.iso(), m.movedOn.iso(), "入党"});
        placements.push_back({++pid, mid, orgs[m.org].id, m.movedOn.iso(), store::Value(), "组织关系转接"});
      } else {
        placements.push_back({++pid, mid, orgs[m.org].id, m.joined.iso(), store::Value(), "入党"});
      }
      if (placements.size() >= kSlice) {
        c.bulkInsert("member_placements", {"id", "member_id", "org_id", "from_date", "to_date", "reason"}, placements);
        placements.clear();
      }
    }
    c.bulkInsert("member_placements", {"id", "member_id", "org_id", "from_date", "to_date", "reason"}, placements);
  }
  memberKeys.restore();

  // --- users -----------------------------------------------------------------------------------
  {
    std::set<std::string> existing;
    for (auto row : c.query("SELECT username FROM users")) existing.insert(row.text(0));
    const std::string hash = crypto::hashPassword(o.password);
    int64_t uid = maxId(c, "users");
    std::vector<std::vector<store::Value>> rows;
    auto add = [&](const std::string& username, const std::string& display, const std::string& role, int64_t orgId,
                   std::optional<int64_t> memberId) {
      if (existing.count(username)) return;
      rows.push_back({++uid, username, display, hash, role, orgId, store::Value(memberId), 1, now, now});
    };
    add("admin", "组织部管理员", "district_staff", rootId, std::nullopt);
    for (size_t s = 0; s < g.streetIdx.size(); ++s) {
      const OrgGen& st = orgs[g.streetIdx[s]];
      char name[32];
      std::snprintf(name, sizeof name, "jd%02zu", s + 1);
      add(name, st.shortName + "管理员", "street", st.id, std::nullopt);
    }
    std::vector<size_t> firstStreet;
    for (size_t ci : g.communityIdx)
      if (orgs[ci].street == 0) firstStreet.push_back(ci);
    for (size_t k = 0; k < firstStreet.size() && k < 3; ++k) {
      const OrgGen& co = orgs[firstStreet[k]];
      char name[32];
      std::snprintf(name, sizeof name, "sq01%02zu", k + 1);
      add(name, co.shortName + "管理员", "community", co.id, std::nullopt);
    }
    // The branch secretary: the first branch of the first community, linked to the member who
    // is its secretary (its first full member).
    if (!firstStreet.empty()) {
      for (size_t b : orgs[firstStreet[0]].children) {
        const OrgGen& br = orgs[b];
        if (!orgs::holdsMembers(br.kind)) continue;
        std::optional<int64_t> memberId, plainMemberId;
        std::string plainName;
        for (size_t i : br.members) {
          if (g.members[i].category != "full") continue;
          if (!memberId) {
            memberId = firstMemberId + static_cast<int64_t>(i);
          } else {
            plainMemberId = firstMemberId + static_cast<int64_t>(i);
            plainName = g.members[i].name;
            break;
          }
        }
        add("zb0001", br.secretary.empty() ? br.shortName + "书记" : br.secretary, "branch_secretary", br.id, memberId);
        // A party member of the same branch, for the member's own page 我的.
        if (plainMemberId) add("dy0001", plainName, "member", br.id, plainMemberId);
        break;
      }
    }
    c.bulkInsert("users",
                 {"id", "username", "display_name", "password_hash", "role", "org_id", "member_id", "active",
                  "created_at", "updated_at"},
                 rows);
    result.users = static_cast<int>(rows.size());
  }

  // --- identity sequences (PostgreSQL) and the audit entry -------------------------------------
  if (c.dialect() == store::Dialect::Postgres) {
    for (const char* t : {"orgs", "org_history", "org_events", "members", "member_placements", "users"}) {
      std::string table(t);
      c.query("SELECT setval(pg_get_serial_sequence('" + table + "', 'id'), (SELECT MAX(id) FROM " + table + "))");
    }
  }

  int branches = 0, groups = 0;
  for (const OrgGen& x : orgs) {
    if (orgs::holdsMembers(x.kind) && x.kind != "committee" && x.kind != "general_branch") ++branches;
    if (x.kind == "party_group") ++groups;
  }
  result.orgs = static_cast<int>(orgs.size());
  result.members = static_cast<int>(g.members.size());
  audit::Entry e;
  e.action = "demo";
  e.entity = "system";
  e.orgPath = rootPath;
  e.summary = "载入演示区：" + std::to_string(g.streetIdx.size()) + "个街道（镇）、" +
              std::to_string(g.communityIdx.size()) + "个社区（村）、" + std::to_string(branches) + "个党支部、" +
              std::to_string(groups) + "个党小组、" + std::to_string(result.members) + "名党员、" +
              std::to_string(result.users) + "个用户";
  e.before = nullptr;
  e.after = boost::json::object{{"seed", o.seed},      {"scale", o.scale},          {"as_of", asOf.iso()},
                                {"orgs", result.orgs}, {"members", result.members}, {"users", result.users}};
  audit::record(c, auth::Actor::system("演示数据"), e);
  // The demo's shared logins carry no second factor: two-step sign-in (on by default for
  // district and street staff) is off in the demo until an administrator turns it on
  // (docs/accounts.md).
  settings::set(c, auth::Actor::system("演示数据"), "auth.totp_required", false);
  tx.commit();
  analyzeLoaded(c, {"orgs", "members", "member_placements", "users"});

  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return result;
}

void analyzeLoaded(store::Connection& c, const std::vector<std::string>& tables) {
  if (c.dialect() != store::Dialect::Postgres) return;
  for (const std::string& t : tables) c.exec("ANALYZE " + t);
}

DeferredForeignKeys::DeferredForeignKeys(store::Connection& c, const std::vector<std::string>& tables) : c_(c) {
  if (c_.dialect() != store::Dialect::Postgres) return;
  cache::firePendingBumps(c_);  // ALTER TABLE refuses a table with pending trigger events
  for (const std::string& t : tables) {
    for (auto r : c_.query("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = ?::regclass "
                           "AND contype = 'f' ORDER BY conname",
                           {t})) {
      c_.exec("ALTER TABLE " + t + " DROP CONSTRAINT " + r.text(0));
      adds_.push_back({t, "ALTER TABLE " + t + " ADD CONSTRAINT " + r.text(0) + " " + r.text(1)});
    }
  }
}

void DeferredForeignKeys::restore() {
  if (!adds_.empty()) cache::firePendingBumps(c_);  // the rows loaded meanwhile queued some
  for (const auto& [table, sql] : adds_) c_.exec(sql);
  adds_.clear();
}

LoadMode::LoadMode(store::Database& db) : db_(db) {
  store::Lease c = db_.acquire();
  if (c->dialect() == store::Dialect::Sqlite) {
    c->execScript("PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;");
  } else {
    c->execScript("SET synchronous_commit = off; SET maintenance_work_mem = '256MB';");
  }
}

LoadMode::~LoadMode() {
  try {
    store::Lease c = db_.acquire();
    if (c->dialect() == store::Dialect::Sqlite) {
      c->execScript("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -2000;");
    } else {
      c->execScript("RESET synchronous_commit; RESET maintenance_work_mem;");
    }
  } catch (...) {
    // A destructor must not throw; the next connection opened sets WAL and NORMAL again.
  }
}

}  // namespace zg::demo
