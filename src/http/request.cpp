// Request and Response helpers, percent-decoding and query parsing. No Beast here.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "http/http.h"

namespace zg::http {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 5987 attr-char: the bytes that may appear unencoded in `filename*`.
bool isAttrChar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '&':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string Request::header(std::string_view name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? std::string() : it->second;
}

std::string Request::cookie(std::string_view name) const {
  auto it = headers.find("cookie");
  if (it == headers.end() || name.empty()) return {};
  std::string_view rest = it->second;
  while (!rest.empty()) {
    size_t semi = rest.find(';');
    std::string_view pair = trim(rest.substr(0, semi));
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (trim(pair.substr(0, eq)) != name) continue;
    std::string_view value = trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return std::string(value);
  }
  return {};
}

std::optional<std::string> Request::q(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

int64_t Request::idParam(const std::string& name) const {
  auto it = params.find(name);
  if (it != params.end()) {
    const std::string& s = it->second;
    // At most 18 digits, so the value always fits in int64_t.
    if (!s.empty() && s.size() <= 18) {
      int64_t v = 0;
      bool ok = true;
      for (char c : s) {
        if (c < '0' || c > '9') {
          ok = false;
          break;
        }
        v = v * 10 + (c - '0');
      }
      if (ok && v > 0) return v;
    }
  }
  throw zg::Error::invalid(name, "编号无效");
}

Response Response::text(int status, std::string body, std::string contentType) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.contentType = std::move(contentType);
  return r;
}

Response Response::download(std::string body, std::string contentType, const std::string& fileName) {
  Response r;
  r.body = std::move(body);
  r.contentType = std::move(contentType);
  // ASCII fallback for old clients: every non-ASCII code point, control character, quote and
  // backslash becomes '_'.
  std::string fallback;
  std::string encoded;
  for (size_t i = 0; i < fileName.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(fileName[i]);
    if (c >= 0x80) {
      if ((c & 0xC0) != 0x80) fallback += '_';  // one '_' per UTF-8 lead byte
    } else if (c < 0x20 || c == 0x7F || c == '"' || c == '\\') {
      fallback += '_';
    } else {
      fallback += static_cast<char>(c);
    }
    if (isAttrChar(c)) {
      encoded += static_cast<char>(c);
    } else {
      static const char* kHex = "0123456789ABCDEF";
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 0xF];
    }
  }
  if (fallback.empty()) fallback = "download";
  r.setHeader("Content-Disposition", "attachment; filename=\"" + fallback + "\"; filename*=UTF-8''" + encoded);
  return r;
}

std::string percentDecode(std::string_view s, bool plusIsSpace) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = hexValue(s[i + 1]);
      int lo = hexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
      out += c;  // malformed escape: kept as is
    } else if (c == '+' && plusIsSpace) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::map<std::string, std::string> parseQuery(std::string_view q) {
  std::map<std::string, std::string> out;
  if (!q.empty() && q.front() == '?') q.remove_prefix(1);
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key = percentDecode(pair.substr(0, eq), true);
    if (key.empty()) continue;
    std::string value = eq == std::string_view::npos ? std::string() : percentDecode(pair.substr(eq + 1), true);
    out[std::move(key)] = std::move(value);  // the last occurrence wins
  }
  return out;
}

}  // namespace zg::http
