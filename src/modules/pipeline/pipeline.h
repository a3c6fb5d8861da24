// M3 Recruitment 发展党员: an applicant 入党申请人 moves through five stages — applicant →
// activist 入党积极分子 → development target 发展对象 → probationary 预备党员 → full member 正式党员 —
// by the 25 steps of 《中国共产党发展党员工作细则》, each recorded with its date, decision and who
// recorded it. The rules (age to apply, a year as activist, training, a year of probation, each
// step not before the one before) are settings; the step names, the activist questionnaire and
// the points items 积分制 (for migrant workers) are data district staff edit. Becoming
// probationary creates the member record; becoming full updates it. An applicant moved to
// another branch keeps every step, training record and point (their record does not break).
#pragma once
#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/checks.h"
#include "modules/me/me.h"
#include "platform/api.h"
#include "platform/crypto.h"
#include "platform/json.h"

namespace zg::pipeline {

void registerRoutes(platform::Api& api);
// pipeline.min_age (18), pipeline.activist_months (12), pipeline.training_days (3),
// pipeline.training_hours (24), pipeline.probation_months (12), pipeline.sponsors_max (2),
// pipeline.introducers (2). Idempotent.
void registerSettings();
// Figure "pipeline.by_stage": applicants per stage as of the period's last day, and the
// members who became full within the period.
void registerFigures();

// The five stages in order (key → Chinese).
const std::vector<std::pair<std::string, std::string>>& stages();
// Steps whose recording changes the stage, and the steps that carry a rule.
inline constexpr int kStepApply = 1, kStepActivist = 3, kStepSponsors = 5, kStepTarget = 7, kStepIntroducers = 9,
                     kStepTraining = 11, kStepBranchMeeting = 15, kStepApproval = 17, kStepFullMeeting = 23,
                     kStepFullApproval = 24, kStepCount = 25;

struct ApplicantInput {
  std::string name;
  std::string idNumber;  // raw; checked like members (GB 11643), stored encrypted + masked + hashed
  int64_t orgId = 0;     // a branch in scope
  bool migrant = false;  // 农民工: the points system applies
  Date appliedOn;        // step 1 递交入党申请书
  std::optional<std::string> decision;
};

// The writes below run inside a transaction on `c`, find the applicant only within ctx.scope
// (NotFound otherwise), check every rule (Invalid naming the JSON field, Chinese message) and
// write one audit entry each.
int64_t createApplicant(store::Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher,
                        const ApplicantInput& in);
// Records the next step (`stepNo` must be the last recorded + 1). Stage changes on steps 3, 7,
// 17 (the member record is created, category probationary, joined_on = the step-15 date) and
// 24 (the member becomes full on joined_on + probation).
void recordStep(store::Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, int64_t id,
                int stepNo, const Date& on, const std::string& decision);
// role "sponsor" (培养联系人, 1..sponsors_max) or "introducer" (入党介绍人, exactly `introducers`,
// full members of the registry).
int64_t addPerson(store::Connection& c, const auth::Context& ctx, int64_t id, const std::string& role,
                  int64_t memberId, const Date& from);
int64_t addTraining(store::Connection& c, const auth::Context& ctx, int64_t id, const Date& from, const Date& to,
                    int64_t days, int64_t hours, const std::string& organizer);
int64_t addDocument(store::Connection& c, const auth::Context& ctx, int64_t id, const std::string& name,
                    const Date& dated, std::optional<int> stepNo, std::optional<int64_t> fileId);
int64_t addPoints(store::Connection& c, const auth::Context& ctx, int64_t id, int64_t itemId, const Date& on,
                  const std::optional<std::string>& note);
// Moves the applicant (not yet probationary) to another branch within ctx.scope from `on`;
// steps, training, answers and points stay with them (history intact).
void move(store::Connection& c, const auth::Context& ctx, int64_t id, int64_t orgId, const Date& on,
          const std::string& reason);

// The earliest date the next step may be recorded on (the last step's date, or the rule's date
// for steps 7 and 23), or nullopt when the pipeline is complete.
std::optional<Date> nextEarliest(store::Connection& c, int64_t id);

// The applicant as GET /api/pipeline/applicants/:id answers (steps, people, training,
// documents, points, moves, questionnaire); NotFound outside `scope`.
boost::json::object detail(store::Connection& c, const Scope& scope, int64_t id);

// The me task source: a probationary member's pipeline status (probation end, 转正 due).
std::vector<me::Task> meTasks(store::Connection& c, const me::Self& self, const Date& today);

}  // namespace zg::pipeline
