// Responsibility marks 党员责任标识 — 亮身份、亮职责、亮承诺: a member's 党员先锋岗 (pioneer post),
// 责任区 (responsibility area), 示范户 (model household) and 无职党员设岗定责 (post and duty of a
// member without office), each with a title, a description and a dated history (ending keeps the
// row); the member's yearly public commitment 承诺 with its fulfilment 践诺; and each branch's
// public page (公示页), opened by residents from a QR code, that shows only what members agreed
// to show. Seeds 001 (亮身份亮职责亮承诺, 240+ commitments of members without office) and 002.
#pragma once
#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/checks.h"
#include "platform/api.h"

namespace zg::marks {

void registerRoutes(platform::Api& api);
// Declares marks.public_requests_per_minute (60) and public.base_url ("" = the address the
// request came to). Idempotent.
void registerSettings();
// Defines the figure marks.by_kind (members with a current mark, by kind). Idempotent.
void registerFigures();

// The four kinds (key → Chinese label), in the order shown.
const std::vector<std::pair<std::string, std::string>>& kinds();

struct MarkInput {
  int64_t memberId = 0;
  std::string kind;
  std::string title;
  std::optional<std::string> description;
  std::optional<Date> fromDate;  // default today
  bool showPublic = false;       // the member agreed to show it on the public page
};

// The writes below must run inside a transaction on `c`; each checks its input (Invalid naming
// the JSON field, in Chinese), finds the member or mark only within ctx.scope (the member must
// be active) and writes one audit entry.
int64_t addMark(store::Connection& c, const auth::Context& ctx, const MarkInput& in);
// Title, description and consent of a current mark; optimistic `version` (Conflict "stale").
void updateMark(store::Connection& c, const auth::Context& ctx, int64_t id, const std::string& title,
                const std::optional<std::string>& description, bool showPublic, int64_t version);
// Ends a current mark on `toDate` (exclusive; default today). The row stays as history.
void endMark(store::Connection& c, const auth::Context& ctx, int64_t id, std::optional<Date> toDate);
// Records (or replaces) the member's commitment for `year` and its fulfilment note. `version`,
// when given, is the one the editor loaded (0: there was none yet); a different one on record
// throws Conflict "stale" on field "version".
void setCommitment(store::Connection& c, const auth::Context& ctx, int64_t memberId, int64_t year,
                   const std::string& commitment, const std::optional<std::string>& fulfilment, bool showPublic,
                   std::optional<int64_t> version = std::nullopt);
// Issues the branch's public page token (a new one replaces the old, which stops working).
std::string issueToken(store::Connection& c, const auth::Context& ctx, int64_t orgId);

// What a resident sees for `token` on `asOf`: the branch name, its secretary, and each active
// member with a current mark or this year's commitment that they agreed to show — name, marks,
// commitment; nothing else. NotFound for an unknown token or a dissolved organization.
boost::json::object publicPage(store::Connection& c, const std::string& token, const Date& asOf);

// The branch as staff see it: members (active) with all their marks and commitments.
boost::json::object branchView(store::Connection& c, const Scope& scope, int64_t orgId, int64_t year);

}  // namespace zg::marks
