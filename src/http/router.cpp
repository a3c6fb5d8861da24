// Router: "/api/members/:id" patterns matched segment by segment. No Beast here.
#include <stdexcept>

#include "http/http.h"

namespace zg::http {
namespace {

// Splits a path on '/', dropping empty segments (so "/a/b/", "/a//b" and "/a/b" are the same).
std::vector<std::string_view> splitPath(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool isParam(const std::string& segment) { return segment.size() > 1 && segment[0] == ':'; }

}  // namespace

void Router::add(std::string method, std::string pattern, Handler h, RouteOptions o) {
  if (pattern.empty() || pattern[0] != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + pattern);
  }
  if (!h) throw std::invalid_argument("route without handler: " + pattern);
  Route r;
  for (std::string_view s : splitPath(pattern)) {
    if (s == ":") throw std::invalid_argument("route parameter without a name: " + pattern);
    r.segments.emplace_back(s);
  }
  r.method = std::move(method);
  r.pattern = std::move(pattern);
  r.handler = std::move(h);
  r.options = o;
  routes_.push_back(std::move(r));
}

Match Router::match(std::string_view method, std::string_view path) const {
  Match m;
  std::vector<std::string_view> parts = splitPath(path);
  const Route* best = nullptr;
  // Among routes matching the path with this method, the one whose first literal/parameter
  // difference is a literal wins; among equals, the first registered.
  auto moreSpecific = [](const Route& a, const Route& b) {
    for (size_t i = 0; i < a.segments.size(); ++i) {
      bool la = !isParam(a.segments[i]);
      bool lb = !isParam(b.segments[i]);
      if (la != lb) return la;
    }
    return false;
  };
  for (const Route& r : routes_) {
    if (r.segments.size() != parts.size()) continue;
    bool ok = true;
    for (size_t i = 0; i < parts.size() && ok; ++i) {
      ok = isParam(r.segments[i]) || r.segments[i] == parts[i];
    }
    if (!ok) continue;
    m.pathMatched = true;
    if (r.method != method) continue;
    if (best == nullptr || moreSpecific(r, *best)) best = &r;
  }
  if (best != nullptr) {
    m.handler = &best->handler;
    m.options = &best->options;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (isParam(best->segments[i])) m.params[best->segments[i].substr(1)] = std::string(parts[i]);
    }
  }
  return m;
}

std::vector<std::pair<std::string, std::string>> Router::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(routes_.size());
  for (const Route& r : routes_) out.emplace_back(r.method, r.pattern);
  return out;
}

}  // namespace zg::http
