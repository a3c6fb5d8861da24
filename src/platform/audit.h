// The audit log: every change records who, when, what, before and after, in the SAME
// transaction as the change (call record() on the connection that holds the transaction).
// Entries are append-only (database triggers refuse UPDATE and DELETE) and hash-chained:
// hash = SHA-256(prev_hash | id | logged_at | actor | action | entity | entity_id | org_path |
// summary | before | after), so verify() finds an edited row (hash mismatch) and a deleted
// row (gap in ids or prev_hash not matching the previous row's hash).
#pragma once
#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "platform/auth.h"
#include "store/db.h"

namespace zg::audit {

struct Entry {
  std::string action;    // "create", "update", "move", "merge", "split", "delete", "import", "login", "reveal", …
  std::string entity;    // "org", "member", "user", "setting", …
  std::optional<int64_t> entityId;
  std::string orgPath = "/";  // where in the tree it happened (scopes who may read the entry)
  std::string summary;   // one Chinese line for the list
  boost::json::value before;  // null when none
  boost::json::value after;
};

// Appends one entry. Must run inside a transaction on `c` (serializes the chain: SQLite holds
// the write lock; PostgreSQL takes an advisory transaction lock).
void record(store::Connection& c, const auth::Actor& actor, const Entry& e);

struct Problem {
  int64_t id;
  std::string problem;  // Chinese: "内容被修改", "记录缺失", "链接断开"
};
struct VerifyResult {
  bool ok = true;
  int64_t checked = 0;
  std::vector<Problem> problems;
};
VerifyResult verify(store::Connection& c);

}  // namespace zg::audit
