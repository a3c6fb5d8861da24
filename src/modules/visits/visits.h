// Visit and work logs 网格日志 (issue 4 item 4; DOMAIN M4, seeds 000/002/003): a contact member
// logs each visit of a household they look after — kind (入户走访, 电话联系 …), note, problems
// found, an optional photo — and the household's last_visited_on moves with it, so the grid's
// “重点户未按期走访” count moves too. Lists per household (住户档案) and per member. “三必访” for
// building party groups (002: visit on moving in, in difficulty, before holidays) as due tasks.
//
// Scope: a visit belongs to its household's community (org_id → orgs.path). Staff (member.write)
// log visits for any household in scope; a member login only for households it currently looks
// after (grid's dated contact periods) and sees only its own visits and those households' logs.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/checks.h"
#include "modules/me/me.h"
#include "platform/api.h"
#include "platform/crypto.h"

namespace zg::visits {

void registerRoutes(platform::Api& api);
// visits.must_visit_days, visits.holiday_lead_days, visits.holidays, visits.photo_max_kb.
void registerSettings();
// visits.by_kind: visits in a period by kind, records the visits themselves.
void registerFigures();

// The kinds of visit: code → Chinese label (home 入户走访, phone 电话联系, wechat 微信联系,
// meeting 民情恳谈, other 其他).
const std::vector<std::pair<std::string, std::string>>& kinds();

struct VisitInput {
  int64_t householdId = 0;
  Date visitedOn;
  std::string kind;
  std::string note;
  std::optional<std::string> problems;
  std::optional<int64_t> memberId;  // staff only: the member who visited (default: the caller's own)
  std::optional<std::string> problemKind;  // kind of the problem opened from `problems` (default 其他)
};
// Logs a visit inside the caller's transaction, audited. Invalid on "householdId" (not visible, or
// for a member login not currently theirs), "visitedOn" (future / before the household existed),
// "kind", "memberId". Moves households.last_visited_on forward to visitedOn (never back). When the
// visit found problems, they become a residents' problem 民情 (problems::open, source "visit", routed
// to the household's community and contact member) linked from the log (problem_id).
int64_t logVisit(store::Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher,
                 const VisitInput& in);
// Stores `bytes` (JPEG, PNG or WebP, at most visits.photo_max_kb) as the visit's photo in `files`;
// Invalid on "photo" otherwise. Only the visit's author or staff in scope.
void attachPhoto(store::Connection& c, const auth::Context& ctx, int64_t visitId, const std::string& bytes);
// "image/jpeg", "image/png", "image/webp" from the magic bytes, or "" when none of them.
std::string imageType(const std::string& bytes);

// One “三必访” due visit: a household in a building with a building party group attached.
// reason: "new_arrival" (新迁入), "difficulty" (生活困难), "holiday" (节前走访: a key household
// not visited since the lead window of a holiday opened).
struct Due {
  int64_t householdId = 0;
  std::string address, headName, orgName, reason, reasonLabel;
  std::string dueOn;  // ISO date
  std::optional<std::string> lastVisitedOn, holiday;
  std::optional<int64_t> contactMemberId;
  std::string contactName;
};
// Due visits as of `today` among the households in `scope`, or — when `contactMemberId` is given —
// the households that member currently looks after (scope ignored). Ordered by due date.
std::vector<Due> due(store::Connection& c, const Scope& scope, std::optional<int64_t> contactMemberId,
                     const Date& today);
// The task source of 我的: the member's due visits (kind "visit", link to the log form).
std::vector<me::Task> meTasks(store::Connection& c, const me::Self& self, const Date& today);

// The holidays of the setting visits.holidays ("2027-02-06:春节,2026-07-01:七一"), bad entries skipped.
std::vector<std::pair<Date, std::string>> holidays(store::Connection& c);

}  // namespace zg::visits
