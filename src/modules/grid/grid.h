// The grid 片组户 (划片管理、分组服务、入户联系, seed 000): areas 片 (GridArea) under a community or
// village, contact groups 组 (GridGroup) under areas, households 户 (Household) under groups with
// their address, people and tags; one responsible contact member 联户党员 per household with dated
// history; area and group leaders 片长/组长; grid branches and building party groups attached to
// areas and buildings; and the “三无” coverage counts that roll up from the district down.
//
// Scope: every grid record belongs to its community's organization (org_id → orgs.path), so a
// caller sees the grid of the communities in their subtree; contact members and leaders must be
// active members within the caller's scope.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/checks.h"
#include "platform/api.h"
#include "platform/crypto.h"
#include "platform/importer.h"

namespace zg::grid {

void registerRoutes(platform::Api& api);
// grid.households_per_contact, grid.contact_tolerance, grid.contact_max_households,
// grid.key_tags, grid.key_visit_interval_days. Idempotent.
void registerSettings();
// The “三无” coverage figure (grid.coverage) and households by tag (grid.households).
void registerFigures();
importer::Spec importSpec(const crypto::FieldCipher& cipher);

// Household tags 标签: code → Chinese label (elderly_alone 独居老人, disabled 残疾, difficulty 困难,
// empty_nest 空巢, new_arrival 新迁入).
const std::vector<std::pair<std::string, std::string>>& tagLabels();
// The tags that make a household a key household 重点联系户 (setting grid.key_tags).
std::vector<std::string> keyTags(store::Connection& c);
// True when `tags` (a list of codes) holds one of `keyTags`.
bool isKey(const std::vector<std::string>& tags, const std::vector<std::string>& keyTags);
// "(<col> LIKE ? OR …)" matching the key tags on a stored ",a,b," column; "(1=0)" when none.
std::string keyWhere(store::Connection& c, const std::string& tagsColumn, store::Params& p);

// How many households a contact member should have and when the load is flagged.
struct Load {
  int64_t target = 10, tolerance = 2, hardMax = 30;
  int64_t minOk() const { return target - tolerance; }
  int64_t maxOk() const { return target + tolerance; }
};
Load load(store::Connection& c);
// "idle" (0), "under" (< target − tolerance), "over" (> target + tolerance) or "ok".
std::string loadFlag(int64_t households, const Load& l);

// --- writes: inside a transaction on `c`, checked (Invalid naming the field), audited ---
struct AreaInput {
  int64_t orgId = 0;  // community or village
  std::string name;
  std::optional<int64_t> leaderMemberId, branchOrgId;
  std::optional<std::string> note;
};
int64_t createArea(store::Connection& c, const auth::Context& ctx, const AreaInput& in);
void updateArea(store::Connection& c, const auth::Context& ctx, int64_t id, const AreaInput& in, int64_t version);
int64_t createGroup(store::Connection& c, const auth::Context& ctx, int64_t areaId, const std::string& name,
                    std::optional<int64_t> leaderMemberId);
void updateGroup(store::Connection& c, const auth::Context& ctx, int64_t id, const std::string& name,
                 std::optional<int64_t> leaderMemberId, int64_t version);
// Attaches a party organization (楼宇党小组) to a building of an area (replacing any before).
void attachBuilding(store::Connection& c, const auth::Context& ctx, int64_t areaId, const std::string& building,
                    std::optional<int64_t> partyOrgId);

struct Person {
  std::string name, relation;
  std::optional<int64_t> birthYear;
  std::optional<std::string> phone;
};
struct HouseholdInput {
  int64_t groupId = 0;
  std::string building, unit, room, address, headName;
  std::optional<std::string> phone, note;
  std::vector<std::string> tags;
  std::vector<Person> people;
  // On update: false keeps the stored phone / people (the client did not send them).
  bool phoneGiven = true, peopleGiven = true;
};
int64_t createHousehold(store::Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher,
                        const HouseholdInput& in);
// Replaces the household's fields (and phone / people when given); a new groupId moves it (its
// contact stays).
void updateHousehold(store::Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, int64_t id,
                     const HouseholdInput& in, int64_t version);

// Makes `memberId` the contact member of each household from `on` (default today): the current
// contact's period ends on `on`, a new one starts; households already with that member are left
// alone. The member is enrolled in the household's group when not enrolled anywhere. Invalid on
// "memberId" when the member is not active / not in scope, or would exceed the hard maximum;
// Invalid on "householdIds" for a household outside the scope; Invalid on "on" for a date in the
// future or before the current contact's start. Returns how many households changed.
int assign(store::Connection& c, const auth::Context& ctx, const std::vector<int64_t>& householdIds,
           int64_t memberId, std::optional<Date> on);
// Ends the current contact of a household on `on` (it becomes a household without a contact).
void release(store::Connection& c, const auth::Context& ctx, int64_t householdId, std::optional<Date> on);

// --- coverage 三无 ---
struct Coverage {
  int64_t households = 0, noContact = 0, key = 0, keyUnvisited = 0;
  int64_t contacts = 0, idleContacts = 0, over = 0, under = 0;
  int64_t areas = 0, areasNoLeader = 0, groups = 0, groupsNoLeader = 0;
  Coverage& operator+=(const Coverage& o);
  // Households with a contact / households, in tenths of a percent, rounded DOWN, so 1000
  // (100.0%) only when every household has a contact (and 1000 when there are none).
  int64_t permille() const;
};
// Where a coverage count is asked for: an organization's subtree, optionally one area or group.
struct Place {
  Scope scope;
  std::optional<int64_t> areaId, groupId;
  // Households lists only: those whose current contact member is this member.
  std::optional<int64_t> contactMemberId;
};
// The counts as of `asOf` for the place.
Coverage coverage(store::Connection& c, const Place& place, const Date& asOf);
// The counts grouped by `by`: "org" (the community's organization id), "area" or "group".
std::map<int64_t, Coverage> coverageBy(store::Connection& c, const Place& place, const Date& asOf,
                                       const std::string& by);
// The kinds of list behind the counts: households, no_contact, key, key_unvisited, contacts,
// idle_contacts, over, under, areas_no_leader, groups_no_leader.
const std::vector<std::pair<std::string, std::string>>& coverageKinds();
struct Listing {
  int64_t total = 0;
  std::vector<boost::json::object> rows;
};
Listing list(store::Connection& c, const Place& place, const Date& asOf, const std::string& kind, int64_t offset,
             int64_t limit);

}  // namespace zg::grid
