#include "platform/rollup.h"

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <set>
#include <tuple>

namespace zg::rollup {

namespace {

std::mutex& mu() {
  static std::mutex m;
  return m;
}
std::vector<Source>& sources() {
  static std::vector<Source> v;
  return v;
}
std::atomic<bool>& flag() {
  static std::atomic<bool> on{[] {
    const char* v = std::getenv("ZUGONG_ROLLUP");
    return !(v && std::string(v) == "off");
  }()};
  return on;
}
std::vector<Source> snapshot() {
  std::lock_guard<std::mutex> l(mu());
  return sources();
}

using Key = std::tuple<int64_t, std::string, std::string>;

}  // namespace

void define(Source s) {
  std::lock_guard<std::mutex> l(mu());
  for (auto& x : sources())
    if (x.name == s.name) {
      x = std::move(s);
      return;
    }
  sources().push_back(std::move(s));
}

bool enabled() { return flag().load(); }
void setEnabled(bool on) { flag().store(on); }

Counts subtree(store::Connection& c, const Scope& scope, const std::vector<std::string>& metrics) {
  Counts out;
  if (metrics.empty()) return out;
  store::Params p;
  std::string in;
  for (auto& m : metrics) {
    in += in.empty() ? "?" : ", ?";
    p.emplace_back(m);
  }
  std::string w = scope.where("o.path", p);
  auto r = c.query(
      "SELECT oc.metric, oc.k, SUM(oc.n) FROM orgs o JOIN org_counts oc ON oc.org_id = o.id AND oc.metric IN (" + in +
          ") WHERE " + w + " GROUP BY oc.metric, oc.k",
      p);
  for (auto row : r) out[row.text(0)][row.text(1)] = row.i64(2);
  return out;
}

int64_t get(const Counts& counts, const std::string& metric, const std::string& key) {
  auto m = counts.find(metric);
  if (m == counts.end()) return 0;
  auto k = m->second.find(key);
  return k == m->second.end() ? 0 : k->second;
}

std::vector<Difference> check(store::Connection& c) {
  std::map<Key, int64_t> stored, counted;
  for (auto row : c.query("SELECT org_id, metric, k, n FROM org_counts WHERE n <> 0"))
    stored[{row.i64(0), row.text(1), row.text(2)}] = row.i64(3);
  for (auto& s : snapshot())
    for (auto row : c.query(s.recount))
      if (row.i64(3) != 0) counted[{row.i64(0), row.text(1), row.text(2)}] += row.i64(3);
  std::set<Key> keys;
  for (auto& [k, _] : stored) keys.insert(k);
  for (auto& [k, _] : counted) keys.insert(k);
  std::vector<Difference> out;
  for (auto& k : keys) {
    int64_t a = stored.count(k) ? stored[k] : 0, b = counted.count(k) ? counted[k] : 0;
    if (a != b) out.push_back({std::get<0>(k), std::get<1>(k), std::get<2>(k), a, b});
  }
  return out;
}

int64_t rebuild(store::Connection& c) {
  int64_t n = 0;
  c.exec("DELETE FROM org_counts");
  for (auto& s : snapshot()) n += c.exec("INSERT INTO org_counts(org_id, metric, k, n) " + s.recount);
  return n;
}

}  // namespace zg::rollup
