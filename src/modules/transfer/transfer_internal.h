// Shared between the transfer module's files (not for other modules).
#pragma once
#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "core/checks.h"
#include "platform/scope.h"
#include "store/db.h"

namespace zg::transfer::detail {

extern const char* kValidDays;
extern const char* kMaxFailures;
extern const char* kRatePerMinute;
extern const char* kBaseUrl;
// SELECT of a case with its two organizations (fo: sending, tor: receiving); columns as caseOf().
extern const char* kSelect;

struct Case {
  int64_t id = 0;
  std::string code, check, direction, state;
  std::optional<int64_t> memberId;
  std::string memberName;
  std::optional<int64_t> fromOrgId;
  std::optional<std::string> fromOutside;
  std::optional<int64_t> toOrgId;
  std::optional<std::string> toOutside;
  std::string reason;
  std::optional<std::string> note, outsideLetter, inEnc, inMask, inHash;
  std::string startedOn;
  std::optional<std::string> sentOn, deadline, receivedOn, completedOn, returnedOn, cancelledOn, closingReason;
  int64_t failures = 0, version = 1;
  std::optional<std::string> fromPath, toPath;
  std::string fromName, toName;  // organization name or the outside name
  bool sendingSide = false, receivingSide = false;
};

struct Actions {
  bool send = false, cancel = false, receive = false, complete = false, returnCase = false, print = false;
};

Case caseOf(const store::Row& x, const Scope& scope);
// "(fo.path in scope OR tor.path in scope)": the two-sided visibility.
std::string visibleWhere(const Scope& scope, store::Params& p);
// The case if the caller sees either side; NotFound otherwise.
Case load(store::Connection& c, const Scope& scope, int64_t id);
std::optional<Case> byCode(store::Connection& c, const std::string& code);
bool isOpen(const std::string& state);
std::string stateLabel(const std::string& s);
std::string directionLabel(const std::string& d);
bool overdueOn(const Case& k, const Date& on);
bool actsAsReceiver(const Case& k);
Actions actionsOf(const Case& k);
boost::json::object row(const Case& k, const Date& on);
int validDays(store::Connection& c);
void ensureSettings();

}  // namespace zg::transfer::detail
