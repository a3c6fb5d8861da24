#include "platform/figures.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "core/error.h"

namespace zg::figures {

namespace {
std::mutex& lock() {
  static std::mutex m;
  return m;
}
std::map<std::string, Figure>& registry() {
  static std::map<std::string, Figure> r;
  return r;
}
}  // namespace

Date Query::asOf() const { return addDays(to, -1); }

void define(Figure f) {
  std::lock_guard g(lock());
  registry()[f.key] = std::move(f);
}

std::vector<Figure> all() {
  std::vector<Figure> out;
  {
    std::lock_guard g(lock());
    for (auto& [k, f] : registry()) out.push_back(f);
  }
  std::stable_sort(out.begin(), out.end(), [](const Figure& a, const Figure& b) { return a.order < b.order; });
  return out;
}

Figure find(const std::string& key) {
  std::lock_guard g(lock());
  auto it = registry().find(key);
  if (it == registry().end()) throw Error::notFound("统计项不存在");
  return it->second;
}

}  // namespace zg::figures
