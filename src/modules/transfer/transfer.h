// Transfer of organizational relationship 组织关系接转: a case (TransferCase 接转记录) moves one
// member between two organizations — both of the district (within 区内), to an organization
// outside it (out 转出区外) or from one outside it (in 从区外转入) — through the states
// started 已发起 → sent 已开介绍信 → received 已接收 → completed 已办结, or returned 已退回 /
// cancelled 已撤销. The member's placement changes only on completion, in the same transaction:
// within → members::move (closes the old placement, opens the new one the same day), out →
// members::remove (reason 转出), in → members::create. A member is never in two branches at once
// nor in none while a transfer is open: until completion they stay in the sending branch.
//
// Scope (the two sides): a case is visible to callers whose scope holds the sending organization
// (from_org_id) OR the receiving organization (to_org_id). Only the sending side starts, sends and
// cancels; only the receiving side receives, completes and returns. For 'out' there is no
// receiving account: the outside organization confirms receipt on the public page /t/<code> with
// the check part printed on the letter, or the sending side records the returned counterfoil 回执.
// For 'in' the receiving side registers the outside letter (the case starts as sent).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/checks.h"
#include "modules/me/me.h"
#include "platform/api.h"
#include "platform/crypto.h"

namespace zg::transfer {

void registerRoutes(platform::Api& api);
// transfer.letter_valid_days, transfer.receipt_max_failures, transfer.public_rate_per_minute,
// transfer.public_base_url. Idempotent.
void registerSettings();
// "transfer.flow" 转入转出: completed transfers into / out of / inside an organization's subtree.
void registerFigures();

// Letter codes: "JZ2026-000123" for case 123 started in 2026; the check part (6 characters of
// an alphabet without look-alikes, random) is printed on the letter only.
std::string letterCode(int year, int64_t id);
std::string newCheckPart();

struct StartInput {
  std::string direction;  // within / out / in
  std::optional<int64_t> memberId;   // within, out
  std::optional<int64_t> toOrgId;    // within, in
  std::optional<std::string> toOutside;    // out
  std::optional<std::string> fromOutside;  // in
  std::optional<std::string> outsideLetter;  // in: the outside letter's number
  std::optional<Date> sentOn;                // in: the outside letter's date (default today)
  std::string reason;
  std::optional<std::string> note;
  std::optional<boost::json::object> incoming;  // in: the member as for POST /api/members (no orgId)
};

// The writes run inside a transaction on `c`, check everything (Invalid naming the field, in
// Chinese; Conflict "open_case" for a member with an open case; Conflict "state" for an action
// the case's state does not allow; Forbidden for the wrong side; NotFound when the caller sees
// neither side) and write one audit entry each.
int64_t start(store::Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, const StartInput& in);
void send(store::Connection& c, const auth::Context& ctx, int64_t id);
void receive(store::Connection& c, const auth::Context& ctx, int64_t id);
void complete(store::Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, int64_t id);
void returnCase(store::Connection& c, const auth::Context& ctx, int64_t id, const std::string& reason);
void cancel(store::Connection& c, const auth::Context& ctx, int64_t id, const std::string& reason);

// The public receipt page: what an outside organization sees for a letter code (masked name,
// from/to, state, deadline), and the confirmation with the check part (receipt + completion of
// an 'out' case, audited as the public actor). Wrong check parts are counted per case; after
// transfer.receipt_max_failures the case is locked (Conflict "locked").
boost::json::object publicView(store::Connection& c, const std::string& code);
void confirmPublic(store::Connection& c, const std::string& code, const std::string& check, const std::string& receiver,
                   const std::string& ip);

// The case as the API shows it (with its timeline and the actions the caller may use).
boost::json::object detailOf(store::Connection& c, const auth::Context& ctx, int64_t id);
// The letter 中国共产党党员组织关系介绍信 (counterfoil and letter, QR code of `receiptUrl`) as PDF bytes.
std::string letterPdf(store::Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, int64_t id,
                      const std::string& baseUrl);
// Open cases visible in `scope` whose letter is past its deadline on `on` (sent, not received).
std::vector<int64_t> overdue(store::Connection& c, const Scope& scope, const Date& on);

// 我的待办: the member's open transfer ("组织关系转接中：转往…，介绍信有效期至…").
std::vector<me::Task> memberTasks(store::Connection& c, const me::Self& self, const Date& today);

}  // namespace zg::transfer
