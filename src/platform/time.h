#pragma once
#include <string>

namespace zg {
// Now as ISO 8601 with milliseconds in Asia/Shanghai: "2026-11-23T19:09:17.123+08:00".
std::string nowIso();
// Now plus `seconds`, same format.
std::string isoAfterSeconds(long long seconds);
}  // namespace zg
