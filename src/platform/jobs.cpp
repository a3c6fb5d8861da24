#include "platform/jobs.h"

#include <spdlog/spdlog.h>

#include "core/error.h"
#include "platform/json.h"
#include "platform/time.h"

namespace zg::platform {

Jobs::~Jobs() {
  std::vector<std::thread> ts;
  {
    std::lock_guard lk(mu_);
    ts.swap(threads_);
  }
  for (auto& t : ts)
    if (t.joinable()) t.join();
}

int64_t Jobs::start(const std::string& kind, const std::string& orgPath, int64_t userId,
                    std::function<boost::json::value(Progress&)> work) {
  int64_t id;
  {
    auto c = db_.acquire();
    std::string now = nowIso();
    store::Transaction tx(*c);
    id = c->query("INSERT INTO jobs(kind, status, org_path, created_by, created_at, updated_at) VALUES (?,?,?,?,?,?) RETURNING id",
                  {kind, "running", orgPath, userId ? store::Value(userId) : store::Value(), now, now})
             .front()
             .i64(0);
    tx.commit();
  }
  auto progress = std::make_shared<Progress>();
  std::lock_guard lk(mu_);
  live_[id] = progress;
  threads_.emplace_back([this, id, progress, work = std::move(work)] {
    std::string status = "done";
    boost::json::value result;
    try {
      result = work(*progress);
    } catch (const Error& e) {
      status = "failed";
      if (e.kind() == ErrorKind::Internal) spdlog::error("job {} failed: {}", id, e.internalMessage());
      result = boost::json::object{{"code", e.code()}, {"message", e.message()}, {"field", e.field()}};
    } catch (const std::exception& e) {
      status = "failed";
      spdlog::error("job {} failed: {}", id, e.what());
      result = boost::json::object{{"code", "internal"}, {"message", "服务器内部错误，请稍后重试"}, {"field", ""}};
    }
    try {
      auto c = db_.acquire();
      store::Transaction tx(*c);
      c->exec("UPDATE jobs SET status = ?, processed = ?, total = ?, result_json = ?, updated_at = ? WHERE id = ?",
              {status, progress->processed.load(), progress->total.load(), boost::json::serialize(result), nowIso(), id});
      tx.commit();
    } catch (const std::exception& e) {
      spdlog::error("job {}: could not store result: {}", id, e.what());
    }
    std::lock_guard lk2(mu_);
    live_.erase(id);
  });
  return id;
}

std::optional<boost::json::object> Jobs::get(int64_t id, const Scope& scope) {
  auto c = db_.acquire();
  auto r = c->query("SELECT id, kind, status, org_path, processed, total, result_json FROM jobs WHERE id = ?", {id});
  if (r.empty() || !scope.contains(r.front().text(3))) return std::nullopt;
  auto row = r.front();
  boost::json::object o{{"id", row.i64(0)}, {"kind", row.text(1)}, {"status", row.text(2)},
                        {"processed", row.i64(4)}, {"total", row.i64(5)}, {"result", json::parseStored(row.optText(6))}};
  std::lock_guard lk(mu_);
  auto it = live_.find(id);
  if (it != live_.end()) {
    o["status"] = "running";
    o["processed"] = it->second->processed.load();
    o["total"] = it->second->total.load();
  }
  return o;
}

}  // namespace zg::platform
