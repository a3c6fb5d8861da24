#include "http/metrics.h"

#include <unistd.h>

#include <charconv>
#include <fstream>

namespace zg::http {
namespace {

// Escapes a label value: backslash, double quote and newline.
std::string labelValue(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

// Shortest text that reads back as the same double ("0.0025", not "0.0025000000000000001").
std::string number(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

}  // namespace

void Metrics::observe(std::string_view route, std::string_view method, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{std::string(route), std::string(method), status}];
  Histogram& h = durations_[std::string(route)];
  size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  if (i < kBuckets.size()) ++h.buckets[i];
  ++h.count;
  h.sum += seconds;
  if (status >= 500) ++errors_[std::string(route)];
}

std::string Metrics::render() const {
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  out += "# HELP zugong_http_requests_total HTTP requests by route, method and status.\n";
  out += "# TYPE zugong_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    out += "zugong_http_requests_total{route=\"" + labelValue(route) + "\",method=\"" + labelValue(method) +
           "\",status=\"" + std::to_string(status) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP zugong_http_request_duration_seconds HTTP request latency by route.\n";
  out += "# TYPE zugong_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : durations_) {
    std::string r = labelValue(route);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.buckets[i];
      out += "zugong_http_request_duration_seconds_bucket{route=\"" + r + "\",le=\"" + number(kBuckets[i]) + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    out += "zugong_http_request_duration_seconds_bucket{route=\"" + r + "\",le=\"+Inf\"} " + std::to_string(h.count) +
           "\n";
    out += "zugong_http_request_duration_seconds_sum{route=\"" + r + "\"} " + number(h.sum) + "\n";
    out += "zugong_http_request_duration_seconds_count{route=\"" + r + "\"} " + std::to_string(h.count) + "\n";
  }
  out += "# HELP zugong_http_errors_total HTTP responses with a 5xx status, by route.\n";
  out += "# TYPE zugong_http_errors_total counter\n";
  for (const auto& [route, n] : errors_) {
    out += "zugong_http_errors_total{route=\"" + labelValue(route) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP zugong_http_connections_active Open HTTP connections.\n";
  out += "# TYPE zugong_http_connections_active gauge\n";
  out += "zugong_http_connections_active " + std::to_string(connections_.load(std::memory_order_relaxed)) + "\n";
  out += "# HELP zugong_process_resident_memory_bytes Resident memory of the process.\n";
  out += "# TYPE zugong_process_resident_memory_bytes gauge\n";
  out += "zugong_process_resident_memory_bytes " + std::to_string(residentMemoryBytes()) + "\n";
  return out;
}

uint64_t residentMemoryBytes() {
  std::ifstream f("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  if (!(f >> size >> resident)) return 0;
  long page = sysconf(_SC_PAGESIZE);
  return resident * static_cast<uint64_t>(page > 0 ? page : 4096);
}

}  // namespace zg::http
