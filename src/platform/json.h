// JSON in and out for route handlers: Form reads a request body field by field, naming the
// field in every error (in Chinese, with the field's label); helpers build answers.
#pragma once
#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "core/checks.h"
#include "http/http.h"
#include "store/db.h"

namespace zg::json {

namespace bj = boost::json;

class Form {
 public:
  // Parses the body as a JSON object; throws Invalid("body", "请求内容不是有效的 JSON 对象").
  explicit Form(const std::string& body);
  explicit Form(bj::object o) : o_(std::move(o)) {}

  bool has(const char* key) const;
  // Text fields are trimmed; empty counts as absent. maxLen counts characters.
  std::string requiredText(const char* key, const std::string& label, size_t maxLen = 100) const;
  std::optional<std::string> text(const char* key, const std::string& label, size_t maxLen = 200) const;
  Date requiredDate(const char* key, const std::string& label) const;
  std::optional<Date> date(const char* key, const std::string& label) const;
  int64_t requiredInt(const char* key, const std::string& label, int64_t min, int64_t max) const;
  std::optional<int64_t> integer(const char* key, const std::string& label, int64_t min, int64_t max) const;
  bool boolean(const char* key, bool fallback) const;
  // One of `allowed` values; label used in the error.
  std::optional<std::string> choice(const char* key, const std::string& label,
                                    const std::vector<std::string>& allowed) const;
  const bj::object& object() const { return o_; }

 private:
  const bj::value* get(const char* key) const;
  bj::object o_;
};

// 200 with a JSON body.
http::Response ok(const bj::value& v, int status = 200);
// {"items": [...], "total": N, "page": P, "pageSize": S}
http::Response page(bj::array items, int64_t total, int page, int pageSize);

// Paging and sorting from the query string: page ≥ 1, 1 ≤ pageSize ≤ 200 (Invalid naming the
// parameter otherwise); sort "field" or "-field" checked against `allowed` (key → SQL).
struct PageSpec {
  int page = 1;
  int pageSize = 20;
  std::string orderBy;  // SQL, from the allowed map
  int offset() const { return (page - 1) * pageSize; }
};
PageSpec pageSpec(const http::Request& r,
                  const std::vector<std::pair<std::string, std::string>>& allowedSorts,
                  const std::string& defaultSort);

// A store value as JSON: NULL → null, Int → number, Real → number, Text → string.
bj::value fromValue(const store::Value& v);
// Optional text as JSON (nullopt → null).
bj::value opt(const std::optional<std::string>& s);
// Parses stored JSON text; "" or NULL → null.
bj::value parseStored(const std::optional<std::string>& s);

}  // namespace zg::json
