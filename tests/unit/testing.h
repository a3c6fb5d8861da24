// In-process test harness: a fresh SQLite database, the whole App, and a client that calls
// route handlers directly (no sockets) with a session cookie and CSRF token, turning zg::Error
// into {status, body} as the server does. Over-the-wire behaviour is covered by tests/api.
#pragma once
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "app/app.h"
#include "core/checks.h"
#include "core/error.h"
#include "modules/orgs/orgs.h"
#include "platform/auth.h"
#include "platform/audit.h"
#include "platform/settings.h"
#include "store/db.h"

namespace zg::testing {

struct Reply {
  int status = 0;
  boost::json::value body;
  std::string raw;
};

// A valid 18-digit ID number (Hangzhou 330104) born on `birth` (YYYYMMDD) with sequence `seq`.
inline std::string idNumber(int seq, const std::string& birth = "19800101") {
  std::string first17 = "330104" + birth;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%03d", seq % 1000);
  first17 += buf;
  return first17 + idCheckDigit(first17);
}

class TestApp {
 public:
  TestApp() {
    // A fresh directory of its own (mkdtemp): a name made from the pid could meet a directory left
    // behind by an earlier, killed process with the same pid, and its database.
    std::string dir = (std::filesystem::temp_directory_path() / "zgtest-XXXXXX").string();
    if (!::mkdtemp(dir.data())) throw std::runtime_error("mkdtemp failed for " + dir);
    dir_ = dir;
    db = store::open((dir_ / "t.db").string());
    store::migrate(*db);
    app::registerSettings();
    {
      auto c = db->acquire();
      orgs::ensureRoot(*c, "测试区委");
    }
    app = std::make_unique<app::App>(*db, crypto::FieldCipher(std::string(32, 'k')));
    auto c = db->acquire();
    store::Transaction tx(*c);
    auth::createUser(*c, auth::Actor::system(), "admin", "管理员", auth::Role::DistrictStaff, 1, "Admin1234");
    // Module tests sign in with the password alone; accounts_test turns two-step sign-in on.
    settings::set(*c, auth::Actor::system(), "auth.totp_required", false);
    tx.commit();
  }
  ~TestApp() {
    app.reset();
    db.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Creates an organization through the API (as the logged-in user) and returns its id; the
  // test fails unless the answer is 201.
  int64_t createOrg(int64_t parent, const std::string& name, const std::string& kind, const std::string& branchType = "",
                    const std::string& foundedOn = "2010-01-01") {
    boost::json::object b{{"parentId", parent}, {"name", name}, {"kind", kind}, {"foundedOn", foundedOn}};
    if (!branchType.empty()) b["branchType"] = branchType;
    auto r = call("POST", "/api/orgs", b);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.status == 201 ? r.body.at("id").as_int64() : 0;
  }

  // Logs in as `user`; later calls use that session.
  void login(const std::string& user, const std::string& password) {
    auto c = db->acquire();
    auto r = auth::login(*c, user, password, "127.0.0.1");
    token_ = r.sessionToken;
    csrf_ = r.csrfToken;
  }

  Reply call(const std::string& method, const std::string& target, const boost::json::value& body = nullptr) {
    http::Request req;
    req.method = method;
    req.target = target;
    auto q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = http::parseQuery(target.substr(q + 1));
    req.headers["cookie"] = "zg_session=" + token_;
    req.headers["x-csrf-token"] = csrf_;
    req.remoteIp = "127.0.0.1";
    if (!body.is_null()) req.body = boost::json::serialize(body);
    Reply out;
    auto m = app->router.match(method, req.path);
    if (!m.handler) {
      out.status = m.pathMatched ? 405 : 404;
      return out;
    }
    req.params = m.params;
    try {
      http::Response resp = (*m.handler)(req);
      out.status = resp.status;
      out.raw = resp.body;
      if (resp.contentType.find("json") != std::string::npos && !resp.body.empty()) out.body = boost::json::parse(resp.body);
    } catch (const Error& e) {
      out.status = httpStatus(e.kind());
      out.body = boost::json::object{{"code", e.code()}, {"message", e.message()}, {"field", e.field()}};
    }
    return out;
  }

  std::unique_ptr<store::Database> db;
  std::unique_ptr<app::App> app;

 private:
  std::filesystem::path dir_;
  std::string token_, csrf_;
};

}  // namespace zg::testing
