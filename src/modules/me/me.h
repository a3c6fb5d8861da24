// The member's own page 我的: a logged-in user whose account is linked to a member record
// (users.member_id) sees that record (placements, masked identifiers), their dues ledger for the
// year, their mobile-member records with the contact log, and their tasks 待办; they may change
// their own mobile phone (and, through /api/auth/password, their password) and nothing else.
#pragma once
#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/checks.h"
#include "platform/api.h"
#include "store/db.h"

namespace zg::me {

void registerRoutes(platform::Api& api);

// The member a session stands for: the linked record and its current branch. The link is the
// authorization; every read below goes through `scope` (the member's own branch) narrowed to `memberId`.
struct Self {
  int64_t memberId = 0;
  std::string orgPath;
  Scope scope;
  bool active = true;
};
// The member linked to `user`; NotFound ("当前账号未关联党员档案") when none.
Self selfOf(store::Connection& c, const auth::User& user);

// One item of 我的待办. `kind` names the source ("dues", later "study", "evaluation", "pipeline",
// "transfer"); `due` is an ISO date or empty; `link` is a web route the item points to.
struct Task {
  std::string kind;
  std::string title;
  std::optional<std::string> due;
  std::string link;
  bool overdue = false;  // past its due date (the page marks it 已超期)
};
// A task source: one function per module that gives the member things to do.
using TaskSource = std::function<std::vector<Task>(store::Connection&, const Self&, const Date& today)>;
// The sources, in the order their tasks are listed. A new module adds its function here.
const std::vector<TaskSource>& taskSources();
// Every source's tasks for `self` as of `today`.
std::vector<Task> tasksOf(store::Connection& c, const Self& self, const Date& today);

// The dues source: each obliged, unpaid, unexempted month of the last 12 up to this one
// ("本月党费待交纳（¥12.34）" for this month, "2026年9月党费未交纳（¥12.34）" for earlier ones).
std::vector<Task> duesTasks(store::Connection& c, const Self& self, const Date& today);

}  // namespace zg::me
