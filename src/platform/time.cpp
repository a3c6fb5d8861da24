#include "platform/time.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace zg {

std::string isoAfterSeconds(long long seconds) {
  using namespace std::chrono;
  auto now = system_clock::now() + std::chrono::seconds(seconds) + hours(8);  // Asia/Shanghai
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+08:00", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

std::string nowIso() { return isoAfterSeconds(0); }

}  // namespace zg
