// The caller's part of the organization tree. Every query that reads or writes organization
// data takes a Scope and filters by it in SQL, through the helpers below, so no handler can
// forget it. Paths are materialized ("/1/5/23/"): a node's subtree is every path that starts
// with its path, expressed as a half-open range so an ordinary index serves it on both
// SQLite and PostgreSQL ('/' + 1 == '0').
#pragma once
#include <string>
#include <string_view>

#include "store/db.h"

namespace zg {

class Scope {
 public:
  Scope() = default;
  explicit Scope(std::string rootPath) : path_(std::move(rootPath)) {}
  // The district root sees everything.
  static Scope all() { return Scope("/"); }

  const std::string& path() const { return path_; }
  bool contains(std::string_view otherPath) const {
    return !path_.empty() && otherPath.substr(0, path_.size()) == path_;
  }
  // "(<column> >= ? AND <column> < ?)" and the two bound values appended to `params`.
  std::string where(std::string_view column, store::Params& params) const {
    params.emplace_back(path_);
    params.emplace_back(upperBound(path_));
    return "(" + std::string(column) + " >= ? AND " + std::string(column) + " < ?)";
  }
  static std::string upperBound(const std::string& p) {
    std::string u = p;
    if (!u.empty()) u.back() = static_cast<char>(u.back() + 1);  // trailing '/' → '0'
    return u;
  }

 private:
  std::string path_;  // empty = nothing
};

}  // namespace zg
