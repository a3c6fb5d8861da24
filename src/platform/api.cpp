#include "platform/api.h"

#include <openssl/crypto.h>

#include "core/checks.h"
#include "core/error.h"

namespace zg::platform {

namespace {
bool sameToken(const std::string& a, const std::string& b) {
  return a.size() == b.size() && !a.empty() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}
}  // namespace

void Api::add(const std::string& method, const std::string& pattern, std::optional<auth::Permission> perm, Handler h,
              http::RouteOptions o) {
  Services svc = services_;
  bool changes = method != "GET" && method != "HEAD";
  router_.add(
      method, pattern,
      [svc, perm, h = std::move(h), changes](http::Request& req) {
        // Every byte from outside is checked before it reaches SQL: text parameters must be UTF-8.
        for (const auto& [k, v] : req.query)
          if (!isValidUtf8(k) || !isValidUtf8(v)) throw Error::invalid(k, "请求参数含有无效字符", "bad_encoding");
        auto lease = svc.db->acquire();
        auto ctx = auth::resumeSession(*lease, req.cookie(kSessionCookie), req.remoteIp);
        if (!ctx) throw Error(ErrorKind::Unauthorized, "unauthenticated", "请先登录");
        if (changes && !sameToken(req.header("x-csrf-token"), ctx->csrfToken))
          throw Error(ErrorKind::Forbidden, "csrf", "页面已过期，请刷新后重试");
        if (perm) ctx->require(*perm);
        req.auth = *ctx;
        return h(req, *ctx, *lease);
      },
      o);
}

void Api::get(const std::string& p, auth::Permission perm, Handler h, http::RouteOptions o) { add("GET", p, perm, std::move(h), o); }
void Api::post(const std::string& p, auth::Permission perm, Handler h, http::RouteOptions o) { add("POST", p, perm, std::move(h), o); }
void Api::put(const std::string& p, auth::Permission perm, Handler h, http::RouteOptions o) { add("PUT", p, perm, std::move(h), o); }
void Api::del(const std::string& p, auth::Permission perm, Handler h, http::RouteOptions o) { add("DELETE", p, perm, std::move(h), o); }
void Api::getAny(const std::string& p, Handler h) { add("GET", p, std::nullopt, std::move(h), {}); }
void Api::postAny(const std::string& p, Handler h) { add("POST", p, std::nullopt, std::move(h), {}); }
void Api::putAny(const std::string& p, Handler h) { add("PUT", p, std::nullopt, std::move(h), {}); }
void Api::open(const std::string& method, const std::string& pattern, http::Handler h, http::RouteOptions o) {
  router_.add(method, pattern, std::move(h), o);
}

}  // namespace zg::platform
