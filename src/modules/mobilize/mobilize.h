// Mobilization 一键动员 (seed 000: in the 2011 snow, 658 areas and ~10,000 contact members formed
// 1,500+ volunteer teams at once). Pick a subtree (a street, or the whole district), a task and a
// team size; one action forms volunteer teams from the grid's current contact members 联户党员,
// each team within one area 片 with a leader, and puts one message per member into the
// notification outbox (platform/notify.h), all in one transaction.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/checks.h"
#include "platform/api.h"
#include "platform/crypto.h"

namespace zg::mobilize {

void registerRoutes(platform::Api& api);
// mobilize.team_size (default 7 ≈ 10,000 contact members / 1,500 teams, seed 000),
// mobilize.max_team_size. Idempotent.
void registerSettings();

// One contact member as found in the grid, in the forming order: area, then group, then name.
struct Candidate {
  int64_t memberId = 0;
  int64_t groupId = 0;
  int64_t areaId = 0;
  int64_t orgId = 0;  // the area's community
  std::string areaName;
  std::optional<int64_t> areaLeaderId, groupLeaderId;
};

struct Team {
  int64_t areaId = 0, orgId = 0;
  std::string areaName, name;  // name: "<片>第N队"
  int64_t leaderId = 0;
  std::string leaderRule;      // area_leader / group_leader / first
  std::vector<Candidate> members;
};

// The forming rule (pure, no database): candidates are taken in order; a member listed twice
// counts once (first place). Each area's n members are split into k = ceil(n / teamSize)
// consecutive teams whose sizes differ by at most one (so no team exceeds teamSize and groups
// stay together). Leader: the area leader 片长 if on the team; else the leader 组长 of the first
// group on the team whose leader is on it; else the team's first member.
std::vector<Team> formTeams(const std::vector<Candidate>& candidates, int64_t teamSize);

// The grid's current contact members (active members with an open grid_contact_members period)
// in the areas of `orgPath`'s subtree, in forming order.
std::vector<Candidate> candidates(store::Connection& c, const std::string& orgPath);

struct Input {
  int64_t orgId = 0;
  std::string title, description;
  int64_t teamSize = 0;
  std::optional<Date> on;
};
// Forms the teams and enqueues the messages (inside a transaction on `c`, audited). Invalid on
// "orgId" (outside scope), "teamSize", "title", "description" (holds an ID number); Conflict
// "no_contacts" when the subtree has no contact members. Returns the mobilization's id.
int64_t create(store::Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, const Input& in);
// formed → closed (done) or cancelled (pending messages are withdrawn). Conflict "state" otherwise.
void end(store::Connection& c, const auth::Context& ctx, int64_t id, bool cancel, const std::optional<std::string>& note);

}  // namespace zg::mobilize
