// In-service members' dual management 在职党员双重管理: a member of a workplace branch (机关、
// 学校、医院、企业…) registers (报到) with the community or village (社区/村) where they live;
// the community sees them, assigns a post (认领岗位) and records what they do there (服务记录);
// the workplace branch sees that record. The unregistered list shows in-service members who have
// not registered anywhere.
//
// Scope (the two sides): a registration is visible to callers whose scope contains the member's
// branch (workplace side 单位一方: read only) OR the community organization (community side 社区
// 一方: read, assign the post, record service, end the registration).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/checks.h"
#include "platform/api.h"
#include "platform/crypto.h"

namespace zg::dual {

void registerRoutes(platform::Api& api);
// Declares dual.non_workplace_branch_types (text, comma-separated). Idempotent.
void registerSettings();

// The branch types whose members are not in-service (在职) members, from the setting.
std::vector<std::string> nonWorkplaceBranchTypes(store::Connection& c);

// "(<memberPath> in scope OR <communityPath> in scope)", the two-sided visibility filter.
std::string visibleWhere(const Scope& scope, const std::string& memberPathColumn,
                         const std::string& communityPathColumn, store::Params& params);

// The writes run inside a transaction on `c`, check everything (Invalid naming the field, in
// Chinese) and write one audit entry each with the member's org_path.
// register: either side may record it. The workplace side names a member in its scope (by
// memberId) and any community of the district; the community side names one of its communities
// and a member of its scope, or — a member of a branch elsewhere, present in person — the
// member's ID number (idNumber; with memberId too, they must agree). The member must be active
// and in-service; the community must exist, be of branch type community or village and not be
// dissolved; one current registration per member (Conflict "registered").
struct RegisterInput {
  std::optional<int64_t> memberId;
  std::optional<std::string> idNumber;
  int64_t communityOrgId = 0;
  std::optional<Date> registeredOn;
  std::optional<std::string> post;
};
int64_t registerMember(store::Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher,
                       const RegisterInput& in);
// The community side only: NotFound when the caller sees neither side, Forbidden when only the
// workplace side.
void update(store::Connection& c, const auth::Context& ctx, int64_t id, const std::optional<std::string>& post,
            const std::optional<std::string>& note, int64_t version);
void end(store::Connection& c, const auth::Context& ctx, int64_t id, std::optional<Date> endedOn);
int64_t addService(store::Connection& c, const auth::Context& ctx, int64_t id, const Date& servedOn, int64_t hours,
                   const std::string& description);

// Active in-service members within `scope` with no current registration (ids, by name).
std::vector<int64_t> unregistered(store::Connection& c, const Scope& scope);

}  // namespace zg::dual
