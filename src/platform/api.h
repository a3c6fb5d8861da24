// How a module registers its HTTP routes. Every route goes through one wrapper that
// resumes the session (401 without one), checks CSRF on every change (403 "csrf"), checks the
// role's permission (403), and hands the handler the caller's Context (with its Scope) and a
// pooled connection. Modules never read cookies or check roles themselves.
#pragma once
#include <functional>
#include <string>

#include "http/http.h"
#include "platform/auth.h"
#include "store/db.h"

namespace zg::crypto { class FieldCipher; }

namespace zg::platform {

class Jobs;

struct Services {
  store::Database* db = nullptr;
  const crypto::FieldCipher* cipher = nullptr;
  Jobs* jobs = nullptr;
};

class Api {
 public:
  using Handler = std::function<http::Response(http::Request&, const auth::Context&, store::Connection&)>;
  Api(http::Router& router, Services services) : router_(router), services_(services) {}

  void get(const std::string& pattern, auth::Permission p, Handler h, http::RouteOptions o = {});
  void post(const std::string& pattern, auth::Permission p, Handler h, http::RouteOptions o = {});
  void put(const std::string& pattern, auth::Permission p, Handler h, http::RouteOptions o = {});
  void del(const std::string& pattern, auth::Permission p, Handler h, http::RouteOptions o = {});
  // A route for any logged-in user, whatever the role.
  void getAny(const std::string& pattern, Handler h);
  void postAny(const std::string& pattern, Handler h);
  void putAny(const std::string& pattern, Handler h);
  // A route without a session (login, public pages). The handler does its own checks.
  void open(const std::string& method, const std::string& pattern, http::Handler h, http::RouteOptions o = {});

  const Services& services() const { return services_; }

 private:
  void add(const std::string& method, const std::string& pattern, std::optional<auth::Permission> p, Handler h,
           http::RouteOptions o);
  http::Router& router_;
  Services services_;
};

// The session cookie's name.
inline constexpr const char* kSessionCookie = "zg_session";

}  // namespace zg::platform
