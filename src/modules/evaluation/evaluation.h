// Democratic evaluation 民主评议 and self-examination 照镜子: once a year each branch holds a
// campaign (EvaluationCampaign 评议活动). The members placed in the branch on the opening day are
// its entries. For each member the branch records the self-assessment handed in (照镜子), the
// peers' and the masses' ratings on the rating items (aggregated counts per level 好/较好/一般/差),
// the branch's grade 好/中/差 (at most `evaluation.max_good_share` percent 好), the member's
// 晋位升级 target, and for a 差 member a helper 帮扶人 from the party organization's committee and
// the talk 谈话 by the street (town) committee. A campaign closes only when all of that is there.
// Results roll up as counts per grade per organization subtree and year.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/checks.h"
#include "modules/me/me.h"
#include "platform/api.h"

namespace zg::evaluation {

void registerRoutes(platform::Api& api);
// evaluation.rating_items, evaluation.max_good_share, evaluation.campaign_days. Idempotent.
void registerSettings();
// The figure "evaluation.grades" (members by grade, campaigns of the period's years).
void registerFigures();

// The rating items from the setting (comma-separated; a campaign keeps the list it opened with).
std::vector<std::string> ratingItems(store::Connection& c);
// The most 好 grades allowed among `members` entries at `sharePercent` (0 = no limit → members).
int64_t maxGood(int64_t members, int64_t sharePercent);

// Grades: "good" 好, "fair" 中, "poor" 差.
std::optional<std::string> gradeLabel(std::string_view grade);

struct OpenInput {
  int64_t orgId = 0;
  int year = 0;
  std::optional<Date> openedOn;  // default today
  std::optional<Date> closesOn;  // default openedOn + evaluation.campaign_days
  std::optional<std::string> note;
};
// Opens a campaign for a branch in ctx.scope (Invalid "orgId" otherwise); one per branch and
// year (Conflict "exists" on "year"). Entries: members::membersOn(branch, openedOn). Audited.
int64_t open(store::Connection& c, const auth::Context& ctx, const OpenInput& in);

// Ratings: {"peer": {"<item>": [好, 较好, 一般, 差]}, "masses": {...}} — counts of raters.
struct EntryInput {
  std::optional<std::string> selfAssessment;
  boost::json::object ratings;
  std::optional<std::string> grade;
  std::optional<std::string> target;
  std::optional<int64_t> helperMemberId;
  std::optional<std::string> helperRole;
  std::optional<Date> talkOn;
  std::optional<std::string> talkBy;
  std::optional<std::string> talkContent;
  int64_t version = 0;
};
// Replaces the editable fields of one entry of an open campaign (Conflict "closed" otherwise).
// A 好 grade above the share limit is Invalid on "grade"; helper and talk are kept only for 差.
void updateEntry(store::Connection& c, const auth::Context& ctx, int64_t entryId, const EntryInput& in);

// Closes an open campaign: every entry graded; every 差 entry with helper and talk; the share
// limit held. Otherwise Invalid on "closedOn" with a message listing what is missing.
void close(store::Connection& c, const auth::Context& ctx, int64_t campaignId, std::optional<Date> closedOn);

// JSON of a campaign (with its entries) as GET /api/evaluation/campaigns/:id; NotFound outside scope.
boost::json::object campaignDetail(store::Connection& c, const Scope& scope, int64_t id);

// Counts per grade for each child of `orgId` (subtree) and the organization itself, for `year`.
boost::json::object rollup(store::Connection& c, const Scope& scope, int64_t orgId, int year);

// The me task source: while a campaign of the member's branch is open, hand in the
// self-assessment (and agree the 晋位升级 target) with the branch.
std::vector<me::Task> memberTasks(store::Connection& c, const me::Self& self, const Date& today);

}  // namespace zg::evaluation
