#include "platform/json.h"

#include "core/error.h"

namespace zg::json {

Form::Form(const std::string& body) {
  boost::system::error_code ec;
  bj::value v = bj::parse(body.empty() ? std::string("{}") : body, ec);
  if (ec || !v.is_object()) throw Error::invalid("body", "请求内容不是有效的 JSON 对象", "bad_json");
  o_ = std::move(v.as_object());
}

const bj::value* Form::get(const char* key) const {
  auto it = o_.find(key);
  if (it == o_.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

bool Form::has(const char* key) const { return o_.contains(key); }

std::optional<std::string> Form::text(const char* key, const std::string& label, size_t maxLen) const {
  const bj::value* v = get(key);
  if (!v) return std::nullopt;
  std::string s;
  if (v->is_string()) s = std::string(v->as_string());
  else if (v->is_int64()) s = std::to_string(v->as_int64());
  else if (v->is_uint64()) s = std::to_string(v->as_uint64());
  else throw Error::invalid(key, label + "应为文本");
  if (!isValidUtf8(s)) throw Error::invalid(key, label + "含有无效字符");
  s = trim(s);
  if (s.empty()) return std::nullopt;
  if (utf8Length(s) > maxLen)
    throw Error::invalid(key, label + "不能超过" + std::to_string(maxLen) + "个字", "too_long");
  for (unsigned char ch : s)
    if (ch < 0x20 && ch != '\n' && ch != '\t') throw Error::invalid(key, label + "含有控制字符");
  return s;
}

std::string Form::requiredText(const char* key, const std::string& label, size_t maxLen) const {
  auto s = text(key, label, maxLen);
  if (!s) throw Error::invalid(key, label + "不能为空", "required");
  return *s;
}

std::optional<Date> Form::date(const char* key, const std::string& label) const {
  auto s = text(key, label, 20);
  if (!s) return std::nullopt;
  auto d = parseDate(*s);
  if (!d) throw Error::invalid(key, label + "不是有效日期（格式：2024-01-31）", "bad_date");
  return d;
}

Date Form::requiredDate(const char* key, const std::string& label) const {
  auto d = date(key, label);
  if (!d) throw Error::invalid(key, label + "不能为空", "required");
  return *d;
}

std::optional<int64_t> Form::integer(const char* key, const std::string& label, int64_t min, int64_t max) const {
  const bj::value* v = get(key);
  if (!v) return std::nullopt;
  int64_t n = 0;
  if (v->is_int64()) n = v->as_int64();
  else if (v->is_uint64() && v->as_uint64() <= uint64_t(INT64_MAX)) n = int64_t(v->as_uint64());
  else if (v->is_string()) {
    std::string s = trim(std::string(v->as_string()));
    if (s.empty()) return std::nullopt;
    try {
      size_t pos = 0;
      n = std::stoll(s, &pos);
      if (pos != s.size()) throw 0;
    } catch (...) {
      throw Error::invalid(key, label + "应为整数");
    }
  } else {
    throw Error::invalid(key, label + "应为整数");
  }
  if (n < min || n > max)
    throw Error::invalid(key, label + "应在" + std::to_string(min) + "到" + std::to_string(max) + "之间", "out_of_range");
  return n;
}

int64_t Form::requiredInt(const char* key, const std::string& label, int64_t min, int64_t max) const {
  auto n = integer(key, label, min, max);
  if (!n) throw Error::invalid(key, label + "不能为空", "required");
  return *n;
}

bool Form::boolean(const char* key, bool fallback) const {
  const bj::value* v = get(key);
  if (!v) return fallback;
  if (v->is_bool()) return v->as_bool();
  if (v->is_int64()) return v->as_int64() != 0;
  if (v->is_string()) {
    std::string s(v->as_string());
    if (s == "true" || s == "1" || s == "是") return true;
    if (s == "false" || s == "0" || s == "否" || s.empty()) return false;
  }
  throw Error::invalid(key, "应为“是”或“否”");
}

std::optional<std::string> Form::choice(const char* key, const std::string& label,
                                        const std::vector<std::string>& allowed) const {
  auto s = text(key, label, 64);
  if (!s) return std::nullopt;
  for (const auto& a : allowed)
    if (a == *s) return s;
  throw Error::invalid(key, label + "的取值无效", "bad_choice");
}

http::Response ok(const bj::value& v, int status) {
  http::Response r;
  r.status = status;
  r.body = bj::serialize(v);
  return r;
}

http::Response page(bj::array items, int64_t total, int page, int pageSize) {
  bj::object o;
  o["items"] = std::move(items);
  o["total"] = total;
  o["page"] = page;
  o["pageSize"] = pageSize;
  return ok(o);
}

static int queryInt(const http::Request& r, const char* name, int fallback, int min, int max, const char* label) {
  auto v = r.q(name);
  if (!v || v->empty()) return fallback;
  try {
    size_t pos = 0;
    long n = std::stol(*v, &pos);
    if (pos != v->size() || n < min || n > max) throw 0;
    return static_cast<int>(n);
  } catch (...) {
    throw Error::invalid(name, std::string(label) + "应为" + std::to_string(min) + "到" + std::to_string(max) + "之间的整数");
  }
}

PageSpec pageSpec(const http::Request& r, const std::vector<std::pair<std::string, std::string>>& allowed,
                  const std::string& defaultSort) {
  PageSpec p;
  p.page = queryInt(r, "page", 1, 1, 1000000, "页码");
  p.pageSize = queryInt(r, "pageSize", 20, 1, 200, "每页条数");
  std::string sort = r.q("sort").value_or(defaultSort);
  if (sort.empty()) sort = defaultSort;
  bool desc = sort[0] == '-';
  std::string key = desc ? sort.substr(1) : sort;
  for (const auto& [k, sql] : allowed) {
    if (k == key) {
      // `sql` may list several columns separated by commas; apply the direction to each.
      std::string out, part;
      size_t start = 0;
      while (start <= sql.size()) {
        size_t comma = sql.find(',', start);
        part = sql.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!out.empty()) out += ", ";
        out += trim(part) + (desc ? " DESC" : " ASC");
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      p.orderBy = out;
      return p;
    }
  }
  throw Error::invalid("sort", "不支持按该字段排序");
}

bj::value fromValue(const store::Value& v) {
  if (v.isNull()) return nullptr;
  if (v.isInt()) return v.asInt();
  if (v.isReal()) return v.asReal();
  return bj::string(v.asText());
}

bj::value opt(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return bj::string(*s);
}

bj::value parseStored(const std::optional<std::string>& s) {
  if (!s || s->empty()) return nullptr;
  boost::system::error_code ec;
  bj::value v = bj::parse(*s, ec);
  if (ec) return bj::string(*s);
  return v;
}

}  // namespace zg::json
