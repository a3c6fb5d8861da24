// M2 Party members — the registry (党员名册): identity checked (GB 11643), ID numbers and phones
// encrypted at rest and masked in lists, full/probationary status, 6×3 categories, dated
// placements in branches, import/export with the national collection form's headers.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/checks.h"
#include "platform/api.h"
#include "platform/crypto.h"
#include "platform/figures.h"
#include "platform/importer.h"
#include "platform/json.h"

namespace zg::members {

void registerRoutes(platform::Api& api);
// Declares the member rules taken from DOMAIN.md as settings (member.min_age …). Idempotent;
// the functions below also declare them on first use.
void registerSettings();
// The import spec for members; needs the field cipher to encrypt ID numbers and phones.
importer::Spec importSpec(const crypto::FieldCipher& cipher);

// List filters shared by the list, the export and the counts (all optional).
struct Filter {
  std::optional<int64_t> orgId;            // subtree of this organization (must be in scope)
  std::string q;                           // name contains, or pinyin initials / full pinyin prefix
  std::optional<std::string> category;     // full / probationary
  std::optional<std::string> sixCategory;  // cadre, veteran, …
  std::optional<std::string> standing;     // normal / suspended
};

// Export of active members within `scope` (narrowed by `filter`) as the 16-item national form
// (.xlsx bytes, same headers and order as the import so an export re-imports); ID numbers and
// phones in clear only when `reveal` is true, masked otherwise.
std::string exportXlsx(store::Connection& c, const Scope& scope, const crypto::FieldCipher& cipher, bool reveal,
                       const Filter& filter = {});

// What a caller supplies to create or edit a member. Sex and birth date are not inputs: they
// are derived from the ID number.
struct Input {
  std::string name;
  std::string idNumber;  // raw, checked by checkIdNumber
  std::string ethnicity = "汉族";
  std::optional<std::string> education;  // one of educations()
  std::string category;                  // "full" / "probationary"
  int64_t orgId = 0;                     // create only
  std::optional<Date> joinedOn, fullOn;
  std::optional<std::string> post, phone, landline, address;
  std::string standing = "normal";  // "normal" / "suspended"
  bool lostContact = false;
  std::optional<Date> lostOn;
  bool mobile = false;
  std::optional<std::string> mobileTo;
  std::optional<std::string> sixCategory;
  std::string orgField = "orgId";  // field named in errors about the organization
};

// Reads a create (withOrg) or edit body. Throws Invalid naming the field (Chinese message).
Input parseInput(const json::Form& f, bool withOrg);

// The writes below must run inside a transaction on `c`; each validates everything (Invalid
// naming the field; Conflict "duplicate" for an ID number already in the registry, whoever's
// scope holds it, without saying where), keeps the dated placements in step and writes one
// audit entry (masked identifiers only).
int64_t create(store::Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, const Input& in);
// create() for many members at once (the import): the same rules, with what they need from the
// database read once (ID numbers already registered, member.min_age) and organizations checked
// once each; an ID number added earlier in the same batch counts as registered. write() stores
// the members added since the last write — one bulk insert per table (COPY on PostgreSQL), one
// audit entry per member as create() writes it, roll-ups kept by the same triggers — inside the
// caller's transaction on `c`.
class BulkCreate {
 public:
  BulkCreate(store::Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher);
  ~BulkCreate();
  // Validates like create() and keeps the member for write(); throws like create() and then
  // keeps nothing of it.
  void add(const Input& in);
  size_t pending() const;
  // Forgets the pending members (an all-or-nothing import that will not commit); the ID
  // numbers seen still count as duplicates.
  void discard();
  // Writes the pending members; returns their ids in the order they were added.
  std::vector<int64_t> write();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Edits every field but the organization. Conflict "stale" when `version` is not current;
// NotFound when the member is not in the caller's scope.
void update(store::Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, int64_t id,
            const Input& in, int64_t version);
// Moves a member to another branch from `effectiveOn` (default today): closes the current
// placement (to_date = effectiveOn) and opens the new one. A member is always in exactly one
// branch.
void move(store::Connection& c, const auth::Context& ctx, int64_t id, int64_t orgId, std::optional<Date> effectiveOn,
          const std::string& reason);
// Takes a member off the registry from `effectiveOn` (default today); kept for history.
void remove(store::Connection& c, const auth::Context& ctx, int64_t id, const std::string& reason,
            std::optional<Date> effectiveOn);

// The member's detail (as GET /api/members/:id: masked identifiers, dated placements), found
// within `scope`; NotFound ("党员不存在") otherwise.
boost::json::object detailOf(store::Connection& c, const Scope& scope, int64_t id);
// Changes only the member's mobile phone (same rule as create/edit: normalizePhone, 11 digits
// starting with 1, else Invalid "phone"), stored encrypted + masked, version bumped, one audit
// entry with masked values only. Inside a transaction; NotFound outside ctx.scope.
void changePhone(store::Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, int64_t id,
                 const std::string& phone);

// History: the organization a member (in `scope`) was placed in on `on`, or nullopt.
std::optional<int64_t> orgOn(store::Connection& c, const Scope& scope, int64_t memberId, const Date& on);
// History: the members placed directly in organization `orgId` (in `scope`) on `on`, by id.
std::vector<int64_t> membersOn(store::Connection& c, const Scope& scope, int64_t orgId, const Date& on);

// Labels: category ("full" → 正式党员), 6×3 category ("cadre" → 党员干部), standing, education.
std::optional<std::string> categoryLabel(std::string_view key);
std::optional<std::string> sixCategoryLabel(std::string_view key);
std::optional<std::string> standingLabel(std::string_view key);
const std::vector<std::pair<std::string, std::string>>& sixCategories();
const std::vector<std::string>& educations();

// Figures 统计 (members_figures.cpp): members by category, status, age band, education and
// joining decade, counted as of the period's last day from the dated placements. Idempotent.
void registerFigures();
// Declares the members' live roll-up source (platform/rollup.h): the full recount of the counts
// the triggers of migration 0014 keep in org_counts. Called by registerFigures; idempotent.
void registerRollup();
// The members placed in q's subtree on q.asOf(), for other modules' figures: joins
// `member_placements pl` and `orgs o` (the branch on that day) to a `members m` already in the
// FROM clause, appending the parameters.
std::string placedOn(const figures::Query& q, store::Params& p);
// Whether q's stock figures read the live roll-ups: they are on and q.asOf() is today.
bool rolledToday(const figures::Query& q);
// Mobility records 流动党员 ongoing today of the members placed in q's subtree today, from the
// roll-up 'mobile.open' (migration 0021) with exact corrections for dates after today; cost in
// organizations plus records dated after today. Only for rolledToday(q).
struct MobileToday {
  int64_t outflow = 0, inflow = 0;  // records (mobile.members)
  int64_t outflowMembers = 0;       // members with an outflow record (members.by_status "mobile")
};
MobileToday mobileToday(store::Connection& c, const figures::Query& q);

}  // namespace zg::members
