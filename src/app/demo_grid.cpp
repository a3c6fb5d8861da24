#include "app/demo_grid.h"

#include "app/demo.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "platform/audit.h"
#include "platform/time.h"

namespace zg::demo {

namespace {

class Rng {
 public:
  explicit Rng(uint64_t seed) : g_(seed) {}
  int64_t range(int64_t lo, int64_t hi) {  // portable: no std distributions
    return lo + static_cast<int64_t>(g_() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool chance(double p) { return static_cast<double>(g_() % 1000000) < p * 1000000; }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[static_cast<size_t>(range(0, static_cast<int64_t>(v.size()) - 1))]; }
  std::mt19937_64& engine() { return g_; }

 private:
  std::mt19937_64 g_;
};

const std::vector<std::string> kSurnames = {"王", "陈", "张", "李", "徐", "周", "吴", "沈", "朱", "杨", "刘", "黄",
                                            "孙", "胡", "赵", "钱", "金", "郑", "俞", "何", "高", "林", "叶", "马",
                                            "方", "蒋", "许", "郭", "罗", "姚", "汪", "蔡", "潘", "丁", "邵", "韩"};
const std::vector<std::string> kGiven = {"伟", "强", "军", "建国", "明", "华", "平", "勇", "杰", "芳", "娟", "敏",
                                         "静", "丽", "秀英", "桂英", "玉兰", "金根", "阿大", "志强", "海燕", "建华",
                                         "丽萍", "晓东", "小红", "国庆", "春生", "美娟", "永康", "雪梅"};
const std::vector<std::string> kAreaWords = {"东", "南", "西", "北", "中", "新", "景", "和", "兴", "安"};

}  // namespace

GridResult loadGrid(store::Database& db, const crypto::FieldCipher& cipher, uint64_t seed, const Date& asOf) {
  auto started = std::chrono::steady_clock::now();
  Rng rng(seed ^ 0x9e1d2026ULL);
  GridResult out;
  auto lease = db.acquire();
  store::Connection& c = *lease;
  store::Transaction tx(c);
  if (c.scalar("SELECT id FROM grid_areas LIMIT 1") || c.scalar("SELECT id FROM households LIMIT 1"))
    throw Error::conflict("not_empty", "演示网格数据已存在");
  const std::string now = nowIso();

  struct Community {
    int64_t id;
    std::string path, name;
    bool village;
    std::vector<int64_t> members, gridBranches;
  };
  std::vector<Community> communities;
  std::map<std::string, size_t> byPath;
  for (auto r : c.query("SELECT id, path, COALESCE(short_name, name), branch_type FROM orgs WHERE dissolved_on IS NULL "
                        "AND kind IN ('committee', 'general_branch') AND branch_type IN ('community', 'village') "
                        "ORDER BY path")) {
    byPath[r.text(1)] = communities.size();
    communities.push_back({r.i64(0), r.text(1), r.text(2), r.text(3) == "village", {}, {}});
  }
  // The community of a path: its prefix with four '/' ("/1/5/23/").
  auto communityOf = [&](const std::string& path) -> Community* {
    size_t n = 0, i = 0;
    for (; i < path.size(); ++i)
      if (path[i] == '/' && ++n == 4) break;
    if (n < 4) return nullptr;
    auto it = byPath.find(path.substr(0, i + 1));
    return it == byPath.end() ? nullptr : &communities[it->second];
  };
  // Members of workplace branches (in-service members living in the communities) make up for
  // communities with too few members of their own.
  std::vector<int64_t> others;
  for (auto r : c.query("SELECT id, org_path FROM members WHERE active = 1 ORDER BY id")) {
    if (Community* co = communityOf(r.text(1))) co->members.push_back(r.i64(0));
    else others.push_back(r.i64(0));
  }
  std::shuffle(others.begin(), others.end(), rng.engine());
  size_t nextOther = 0;
  for (auto r : c.query("SELECT id, path FROM orgs WHERE dissolved_on IS NULL AND branch_type = 'grid' ORDER BY id"))
    if (Community* co = communityOf(r.text(1))) co->gridBranches.push_back(r.i64(0));

  std::vector<std::vector<store::Value>> areas, groups, households, people, contacts, enrolled;
  int64_t areaId = 0, groupId = 0, householdId = 0;
  const Date yearAgo = addDays(asOf, -365);
  for (auto& co : communities) {
    std::vector<int64_t> pool = co.members;
    std::shuffle(pool.begin(), pool.end(), rng.engine());
    size_t next = 0;
    auto take = [&]() -> std::optional<int64_t> {
      if (next < pool.size()) return pool[next++];
      if (nextOther < others.size()) return others[nextOther++];
      return std::nullopt;
    };
    int nAreas = static_cast<int>(rng.range(4, 7));
    // Buildings are numbered through the community, so no two households share an address (the
    // rule createHousehold enforces: one 幢/单元/室 once per community).
    int nextBuilding = 1;
    for (int a = 1; a <= nAreas; ++a) {
      ++areaId, ++out.areas;
      std::optional<int64_t> leader = rng.chance(0.97) ? take() : std::nullopt;
      std::optional<int64_t> branch;
      if (!co.gridBranches.empty() && a <= static_cast<int>(co.gridBranches.size())) branch = co.gridBranches[a - 1];
      std::string areaName = co.village ? "第" + std::to_string(a) + "片（" + rng.pick(kAreaWords) + "片）"
                                        : "第" + std::to_string(a) + "片区";
      areas.push_back({areaId, co.id, areaName, leader, branch, nullptr, 1, now, now});
      int nGroups = rng.chance(0.14) ? 3 : 2;
      for (int g = 1; g <= nGroups; ++g) {
        ++groupId, ++out.groups;
        std::optional<int64_t> gLeader = rng.chance(0.96) ? take() : std::nullopt;
        groups.push_back({groupId, areaId, co.id, "第" + std::to_string(g) + "组", gLeader, 1, now, now});
        int nHouseholds = static_cast<int>(rng.range(55, 80));
        int building = nextBuilding - 1;
        nextBuilding += (nHouseholds + 23) / 24;
        std::vector<int64_t> ids;
        for (int h = 0; h < nHouseholds; ++h) {
          ++householdId, ++out.households;
          std::string b, u, room, addr;
          if (co.village) {
            addr = co.name + std::to_string(g + (a - 1) * 3) + "组" + std::to_string(h + 1) + "号";
          } else {
            b = std::to_string(building + 1 + h / 24);
            u = std::to_string(1 + (h % 24) / 12);
            room = std::to_string(101 + ((h % 12) / 2) * 100 + (h % 2));
          }
          std::vector<std::string> tags;
          int age = static_cast<int>(rng.range(25, 90));
          if (age >= 70 && rng.chance(0.25)) tags.push_back("elderly_alone");
          else if (age >= 60 && rng.chance(0.2)) tags.push_back("empty_nest");
          if (rng.chance(0.03)) tags.push_back("disabled");
          if (rng.chance(0.03)) tags.push_back("difficulty");
          if (rng.chance(0.05)) tags.push_back("new_arrival");
          std::sort(tags.begin(), tags.end());
          std::string stored = ",";
          for (auto& t : tags) stored += t + ",";
          bool key = std::any_of(tags.begin(), tags.end(),
                                 [](const std::string& t) { return t == "elderly_alone" || t == "disabled" || t == "difficulty"; });
          out.keyHouseholds += key;
          std::string head = rng.pick(kSurnames) + rng.pick(kGiven);
          std::string phone = "1" + std::to_string(rng.range(3, 9)) + std::to_string(rng.range(100000000, 999999999));
          int n = tags.size() == 1 && tags[0] == "elderly_alone" ? 1 : static_cast<int>(rng.range(1, 5));
          // Key households are visited monthly, most of them within the interval; others now and then.
          std::optional<std::string> visited;
          if (key ? rng.chance(0.93) : rng.chance(0.6))
            visited = addDays(asOf, -static_cast<int>(key ? rng.range(0, 29) : rng.range(0, 300))).iso();
          else if (key && rng.chance(0.5))
            visited = addDays(asOf, -static_cast<int>(rng.range(31, 120))).iso();
          households.push_back({householdId, co.id, areaId, groupId, b, u, room, addr, head, cipher.encrypt(phone),
                                maskPhone(phone), stored, n, visited, nullptr, 1, now, now});
          people.push_back({householdId, head, "户主", static_cast<int64_t>(asOf.year - age), nullptr, nullptr});
          for (int k = 1; k < n; ++k)
            people.push_back({householdId, head.substr(0, 3) + rng.pick(kGiven), k == 1 ? "配偶" : "子女",
                              static_cast<int64_t>(asOf.year - (k == 1 ? age : age - 28)), nullptr, nullptr});
          out.people += n;
          ids.push_back(householdId);
        }
        // Contact members: each about 10 households of the group, a few households not yet covered.
        size_t i = 0;
        while (i < ids.size()) {
          auto m = take();
          if (!m) break;
          size_t share = static_cast<size_t>(rng.range(8, 12));
          Date since = addDays(yearAgo, -static_cast<int>(rng.range(0, 700)));
          enrolled.push_back({groupId, co.id, *m, since.iso(), nullptr});
          ++out.contactMembers;
          for (size_t k = 0; k < share && i < ids.size(); ++k, ++i) {
            if (rng.chance(0.012)) continue;  // not yet covered
            // Some households were reassigned during the year: the earlier contact's period ends.
            if (rng.chance(0.05) && !pool.empty()) {
              Date changed = addDays(asOf, -static_cast<int>(rng.range(20, 300)));
              contacts.push_back({ids[i], pool[static_cast<size_t>(rng.range(0, static_cast<int64_t>(pool.size()) - 1))],
                                  since.iso() < changed.iso() ? since.iso() : addDays(changed, -200).iso(), changed.iso(),
                                  "演示数据", now});
              contacts.push_back({ids[i], *m, changed.iso(), nullptr, "演示数据", now});
            } else {
              contacts.push_back({ids[i], *m, since.iso(), nullptr, "演示数据", now});
            }
          }
        }
      }
    }
  }
  c.bulkInsert("grid_areas",
               {"id", "org_id", "name", "leader_member_id", "branch_org_id", "note", "version", "created_at", "updated_at"},
               areas);
  c.bulkInsert("grid_groups", {"id", "area_id", "org_id", "name", "leader_member_id", "version", "created_at", "updated_at"},
               groups);
  DeferredForeignKeys keys(c, {"households", "household_people", "household_contacts"});  // PostgreSQL only
  c.bulkInsert("households",
               {"id", "org_id", "area_id", "group_id", "building", "unit", "room", "address", "head_name", "phone_enc",
                "phone_mask", "tags", "people_count", "last_visited_on", "note", "version", "created_at", "updated_at"},
               households);
  c.bulkInsert("household_people", {"household_id", "name", "relation", "birth_year", "phone_enc", "phone_mask"}, people);
  c.bulkInsert("household_contacts", {"household_id", "member_id", "from_on", "to_on", "assigned_by", "created_at"},
               contacts);
  c.bulkInsert("grid_contact_members", {"group_id", "org_id", "member_id", "from_on", "to_on"}, enrolled);
  keys.restore();
  int current = 0;
  for (auto& r : contacts) current += r[3].isNull() ? 1 : 0;
  out.uncovered = out.households - current;
  if (c.dialect() == store::Dialect::Postgres) {
    for (const char* table : {"grid_areas", "grid_groups", "households"})
      c.query(std::string("SELECT setval(pg_get_serial_sequence('") + table + "', 'id'), (SELECT COALESCE(MAX(id), 1) FROM " +
              table + "))");
  }
  audit::record(c, auth::Actor::system("演示数据"),
                {"demo", "system", std::nullopt, "/",
                 "载入演示网格：片区" + std::to_string(out.areas) + "个、联户小组" + std::to_string(out.groups) + "个、住户" +
                     std::to_string(out.households) + "户（重点联系户" + std::to_string(out.keyHouseholds) + "户）、联户党员" +
                     std::to_string(out.contactMembers) + "名",
                 nullptr, nullptr});
  tx.commit();
  analyzeLoaded(c, {"grid_areas", "grid_groups", "households", "household_people", "household_contacts",
                    "grid_contact_members"});
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

}  // namespace zg::demo
