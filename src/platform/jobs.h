// Background jobs (long imports). A job is a row in `jobs` (so its final result survives a
// restart and any server process can answer for it) plus, while it runs, live progress kept
// in this process. Jobs are scoped: a caller sees only jobs created within their subtree.
//
// Crash safety (docs/security.md §6): work that commits its effect writes the job's final row
// in that same transaction (Progress::finishIn), so "done" and the data land together or not
// at all. A running job's row names its owner process (host, pid, process start time); when
// that process is gone (killed, crashed) the job can never finish, and `get` turns it into
// "failed" (code `interrupted`) — truthfully "nothing saved", as its commit would have marked
// it done.
#pragma once
#include <atomic>
#include <boost/json.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "platform/scope.h"
#include "store/db.h"

namespace zg::platform {

struct Progress {
  std::atomic<int64_t> processed{0};
  std::atomic<int64_t> total{0};
  // Set by Jobs::start: marks the job done with `result` on `c`. Work that commits its effect
  // calls it inside that transaction, just before the commit.
  std::function<void(store::Connection& c, const boost::json::value& result)> finishIn;
  std::atomic<bool> finished{false};
};

class Jobs {
 public:
  explicit Jobs(store::Database& db) : db_(db) {}
  ~Jobs();  // waits for running jobs
  // Starts `work` on a background thread; its returned JSON becomes the job's result. A
  // zg::Error thrown by `work` ends the job as failed with the error's Chinese message.
  int64_t start(const std::string& kind, const std::string& orgPath, int64_t userId,
                std::function<boost::json::value(Progress&)> work);
  // {id, kind, status, processed, total, result} or nullopt when unknown or outside `scope`.
  std::optional<boost::json::object> get(int64_t id, const Scope& scope);

 private:
  store::Database& db_;
  std::mutex mu_;
  std::map<int64_t, std::shared_ptr<Progress>> live_;
  std::vector<std::thread> threads_;
};

}  // namespace zg::platform
