// Request metrics for /metrics, in the Prometheus text format. Thread-safe; no Beast here.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace zg::http {

class Metrics {
 public:
  // Histogram upper bounds in seconds (the +Inf bucket is implicit).
  static constexpr std::array<double, 13> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                      0.25,  0.5,    1,     2.5,  5,     10};

  // Records one finished request. `route` is the route pattern ("/api/members/:id"),
  // "static", "unmatched" or a fixed path such as "/healthz".
  void observe(std::string_view route, std::string_view method, int status, double seconds);
  void connectionOpened() { connections_.fetch_add(1, std::memory_order_relaxed); }
  void connectionClosed() { connections_.fetch_sub(1, std::memory_order_relaxed); }

  // The whole registry, plus the process's resident memory, as Prometheus text.
  std::string render() const;

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};  // non-cumulative counts
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;  // route, method, status
  std::map<std::string, Histogram> durations_;                              // by route
  std::map<std::string, uint64_t> errors_;                                  // 5xx by route
  std::atomic<int64_t> connections_{0};
};

// Resident set size of this process in bytes (from /proc/self/statm), or 0 if unknown.
uint64_t residentMemoryBytes();

}  // namespace zg::http
