#include "platform/jobs.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "core/error.h"
#include "platform/json.h"
#include "platform/time.h"

namespace zg::platform {

namespace {
// The start time (clock ticks since boot, /proc/<pid>/stat field 22) of a process, or "" when
// there is no such process: with the pid it names one process even when pids are reused.
std::string processStart(long pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!f || !std::getline(f, stat)) return "";
  auto close = stat.rfind(')');  // the command name may hold spaces and parentheses
  if (close == std::string::npos) return "";
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i)
    if (i == 22) return field;
  return "";
}

std::string hostName() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

boost::json::object selfOwner() {
  long pid = static_cast<long>(::getpid());
  return {{"host", hostName()}, {"pid", pid}, {"start", processStart(pid)}};
}

// True when the owner recorded in a running job's row is a process on this host that no longer
// exists. Owners on other hosts are never judged from here.
bool ownerGone(const boost::json::value& stored) {
  if (!stored.is_object()) return false;
  const auto* owner = stored.as_object().if_contains("owner");
  if (!owner || !owner->is_object()) return false;
  const auto& o = owner->as_object();
  const auto* host = o.if_contains("host");
  const auto* pid = o.if_contains("pid");
  const auto* start = o.if_contains("start");
  if (!host || !pid || !start || !host->is_string() || !pid->is_int64() || !start->is_string()) return false;
  if (host->as_string() != hostName()) return false;
  std::string now = processStart(pid->as_int64());
  return now.empty() || now != start->as_string().c_str();
}

void finishRow(store::Connection& c, int64_t id, const std::string& status, const Progress& p,
               const boost::json::value& result) {
  c.exec("UPDATE jobs SET status = ?, processed = ?, total = ?, result_json = ?, updated_at = ? WHERE id = ?",
         {status, p.processed.load(), p.total.load(), boost::json::serialize(result), nowIso(), id});
}
}  // namespace

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
    id = c->query("INSERT INTO jobs(kind, status, org_path, created_by, result_json, created_at, updated_at) "
                  "VALUES (?,?,?,?,?,?,?) RETURNING id",
                  {kind, "running", orgPath, userId ? store::Value(userId) : store::Value(),
                   boost::json::serialize(boost::json::object{{"owner", selfOwner()}}), now, now})
             .front()
             .i64(0);
    tx.commit();
  }
  auto progress = std::make_shared<Progress>();
  Progress* p = progress.get();
  progress->finishIn = [id, p](store::Connection& c, const boost::json::value& result) {
    finishRow(c, id, "done", *p, result);
    p->finished = true;  // the caller commits next; if its work throws instead, the thread writes "failed"
  };
  std::lock_guard lk(mu_);
  live_[id] = progress;
  threads_.emplace_back([this, id, progress, work = std::move(work)] {
    std::string status = "done";
    boost::json::value result;
    try {
      result = work(*progress);
      if (progress->finished) {  // done, and its row written with the work's own commit
        std::lock_guard lk2(mu_);
        live_.erase(id);
        return;
      }
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
      finishRow(*c, id, status, *progress, result);
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
  boost::json::value stored = json::parseStored(row.optText(6));
  boost::json::object o{{"id", row.i64(0)}, {"kind", row.text(1)}, {"status", row.text(2)},
                        {"processed", row.i64(4)}, {"total", row.i64(5)}, {"result", stored}};
  std::shared_ptr<Progress> live;
  {
    std::lock_guard lk(mu_);
    if (auto it = live_.find(id); it != live_.end()) live = it->second;
  }
  if (live) {
    o["status"] = "running";
    o["processed"] = live->processed.load();
    o["total"] = live->total.load();
  }
  if (o["status"].as_string() == "failed") {
    // Why, in Chinese, where the web app reads it (Job.message), beside the full result.
    if (const auto* m = stored.is_object() ? stored.as_object().if_contains("message") : nullptr) o["message"] = *m;
    return o;
  }
  if (o["status"].as_string() != "running") return o;
  o["result"] = nullptr;  // the owner, not a result
  if (!live && ownerGone(stored)) {
    // Its process is gone: it will never finish. Had its work committed, the same transaction
    // would have marked it done, so nothing of it was saved.
    boost::json::object failed{{"code", "interrupted"},
                               {"message", "服务器在任务完成前停止，本次任务没有保存任何数据，请重新提交"},
                               {"field", ""}};
    store::Transaction tx(*c);
    c->exec("UPDATE jobs SET status = 'failed', result_json = ?, updated_at = ? WHERE id = ? AND status = 'running'",
            {boost::json::serialize(failed), nowIso(), id});
    tx.commit();
    spdlog::warn("job {}: its server process is gone; marked failed (interrupted)", id);
    o["status"] = "failed";
    o["message"] = failed["message"];
    o["result"] = std::move(failed);
  }
  return o;
}

}  // namespace zg::platform
