#include "app/app.h"

#include <sys/stat.h>

#include <algorithm>
#include <set>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "modules/dashboard/dashboard.h"
#include "modules/dual/dual.h"
#include "modules/evaluation/evaluation.h"
#include "modules/grid/grid.h"
#include "modules/dues/dues.h"
#include "modules/figures/figures.h"
#include "modules/marks/marks.h"
#include "modules/problems/problems.h"
#include "modules/me/me.h"
#include "modules/members/members.h"
#include "modules/mobile/mobile.h"
#include "modules/mobilize/mobilize.h"
#include "modules/orgs/org_kinds.h"
#include "modules/orgs/orgs.h"
#include "modules/transfer/transfer.h"
#include "modules/pipeline/pipeline.h"
#include "modules/visits/visits.h"
#include "platform/accounts.h"
#include "platform/audit.h"
#include "platform/importer.h"
#include "platform/json.h"
#include "platform/qr.h"
#include "platform/settings.h"

namespace zg::app {

namespace bj = boost::json;
using store::Connection;
using P = auth::Permission;

void registerSettings() {
  orgs::registerSettings();
  members::registerSettings();
  mobile::registerSettings();
  dues::registerSettings();
  dual::registerSettings();
  evaluation::registerSettings();
  marks::registerSettings();
  grid::registerSettings();
  transfer::registerSettings();
  pipeline::registerSettings();
  visits::registerSettings();
  problems::registerSettings();
  mobilize::registerSettings();
}

// Figures 统计 (platform/figures.h): each module defines its own; the figures module serves them.
void registerFigures() {
  members::registerFigures();
  mobile::registerFigures();
  dues::registerFigures();
  evaluation::registerFigures();
  marks::registerFigures();
  grid::registerFigures();
  transfer::registerFigures();
  pipeline::registerFigures();
  visits::registerFigures();
  problems::registerFigures();
}

namespace {

bj::object userJson(const auth::User& u) {
  return {{"id", u.id},           {"username", u.username}, {"displayName", u.displayName},
          {"role", auth::roleName(u.role)}, {"roleLabel", auth::roleLabel(u.role)}, {"orgId", u.orgId},
          {"orgName", u.orgName}, {"active", u.active},
          {"memberId", u.memberId ? bj::value(*u.memberId) : bj::value(nullptr)}};
}

std::string sessionCookie(const std::string& token, int64_t maxAge) {
  return std::string(platform::kSessionCookie) + "=" + token + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
         std::to_string(maxAge);
}

// A TOTP secret being enrolled, with its QR code as an image the page can show under the CSP.
bj::object enrolmentJson(const auth::Enrolment& e, const char* step) {
  return {{"step", step},
          {"secret", e.secret},
          {"uri", e.uri},
          {"qr", "data:image/svg+xml;base64," + crypto::base64Encode(qr::svg(e.uri, 4))}};
}

bj::array codesJson(const std::vector<std::string>& codes) {
  bj::array a;
  for (auto& c : codes) a.push_back(bj::string(c));
  return a;
}

bj::object totpStatusJson(const auth::TotpStatus& s) {
  return {{"enrolled", s.enrolled},
          {"required", s.required},
          {"recoveryCodesLeft", s.recoveryCodesLeft},
          {"enrolledAt", s.enrolledAt.empty() ? bj::value(nullptr) : bj::value(s.enrolledAt)}};
}

// ?page=&pageSize= of a user's sign-in log, newest first.
http::Response signInsPage(const http::Request& req, Connection& c, int64_t userId) {
  auto ps = json::pageSpec(req, {{"id", "id"}}, "-id");
  auto p = auth::signIns(c, userId, ps.pageSize, ps.offset());
  bj::array items;
  for (auto& s : p.items) items.push_back({{"id", s.id}, {"at", s.at}, {"ip", s.ip}, {"result", s.result}});
  return json::page(std::move(items), p.total, ps.page, ps.pageSize);
}

bj::array labels(const std::vector<orgs::Label>& v) {
  bj::array a;
  for (auto& l : v) a.push_back({{"value", l.value}, {"label", l.label}});
  return a;
}

void authRoutes(platform::Api& api) {
  platform::Services svc = api.services();
  api.open("POST", "/api/auth/login", [svc](http::Request& req) {
    json::Form f(req.body);
    std::string username = f.text("username", "用户名", 64).value_or("");
    std::string password;
    if (auto it = f.object().find("password"); it != f.object().end() && it->value().is_string())
      password = std::string(it->value().as_string());
    // The second factor: a 6-digit TOTP code or a recovery code (platform/accounts.h).
    std::string code = f.text("code", "动态验证码", 32).value_or("");
    auto c = svc.db->acquire();
    auto res = auth::signIn(*c, *svc.cipher, username, password, code, req.remoteIp);
    if (res.step == auth::LoginStep::NeedCode) return json::ok(bj::object{{"step", "code"}});
    if (res.step == auth::LoginStep::NeedEnrol) return json::ok(enrolmentJson(res.enrolment, "enrol"));
    bj::array recovery = codesJson(res.recoveryCodes);
    auto resp = json::ok(bj::object{{"step", "done"},
                                    {"user", userJson(res.session.user)},
                                    {"csrfToken", res.session.csrfToken},
                                    {"recoveryCodes", recovery},
                                    {"usedRecoveryCode", res.usedRecoveryCode}});
    resp.setHeader("Set-Cookie",
                   sessionCookie(res.session.sessionToken, settings::getInt(*c, "auth.session_hours") * 3600));
    return resp;
  });
  api.postAny("/api/auth/logout", [](http::Request& req, const auth::Context& ctx, Connection& c) {
    auth::logout(c, req.cookie(platform::kSessionCookie));
    auto resp = json::ok(bj::object{{"ok", true}});
    resp.setHeader("Set-Cookie", sessionCookie("", 0));
    return resp;
  });
  api.getAny("/api/auth/me", [](http::Request&, const auth::Context& ctx, Connection&) {
    bj::array perms;
    for (auto& p : auth::permissionsOf(ctx.user.role)) perms.push_back(bj::string(p));
    return json::ok(bj::object{{"user", userJson(ctx.user)}, {"csrfToken", ctx.csrfToken}, {"permissions", perms}});
  });
  api.postAny("/api/auth/password", [](http::Request& req, const auth::Context& ctx, Connection& c) {
    json::Form f(req.body);
    std::string oldPw, newPw;
    if (auto it = f.object().find("oldPassword"); it != f.object().end() && it->value().is_string()) oldPw = it->value().as_string().c_str();
    if (auto it = f.object().find("newPassword"); it != f.object().end() && it->value().is_string()) newPw = it->value().as_string().c_str();
    auto row = c.query("SELECT password_hash FROM users WHERE id = ?", {ctx.user.id});
    if (row.empty() || !crypto::verifyPassword(row.front().text(0), oldPw))
      throw Error::invalid("oldPassword", "原密码不正确");
    auth::checkPasswordPolicy(newPw, "newPassword");
    store::Transaction tx(c);
    try {
      auth::resetPassword(c, ctx.actor(), ctx.user.id, newPw);
    } catch (const Error& e) {
      // The history check names resetPassword's field; this form's is newPassword.
      if (e.code() == "password_reused") throw Error::invalid("newPassword", e.message(), e.code());
      throw;
    }
    tx.commit();
    return json::ok(bj::object{{"ok", true}});
  });
  // --- Account protections of the signed-in user (docs/accounts.md) ---
  api.getAny("/api/auth/totp", [](http::Request&, const auth::Context& ctx, Connection& c) {
    return json::ok(totpStatusJson(auth::totpStatus(c, ctx.user)));
  });
  api.postAny("/api/auth/totp/setup", [svc](http::Request&, const auth::Context& ctx, Connection& c) {
    store::Transaction tx(c);
    auto e = auth::beginTotp(c, *svc.cipher, ctx.user);
    tx.commit();
    return json::ok(enrolmentJson(e, "enrol"));
  });
  api.postAny("/api/auth/totp/confirm", [svc](http::Request& req, const auth::Context& ctx, Connection& c) {
    json::Form f(req.body);
    std::string code = f.requiredText("code", "动态验证码", 32);
    store::Transaction tx(c);
    auto codes = auth::confirmTotp(c, *svc.cipher, ctx.actor(), ctx.user, code);
    if (!codes) throw Error::invalid("code", "动态验证码不正确或已过期，请输入验证器上当前显示的6位数字", "bad_code");
    tx.commit();
    return json::ok(bj::object{{"recoveryCodes", codesJson(*codes)}});
  });
  api.postAny("/api/auth/totp/recovery-codes", [svc](http::Request& req, const auth::Context& ctx, Connection& c) {
    json::Form f(req.body);
    std::string code = f.requiredText("code", "动态验证码", 32);
    store::Transaction tx(c);
    if (auth::checkSecondFactor(c, *svc.cipher, ctx.user.id, code) != auth::FactorUsed::Totp)
      throw Error::invalid("code", "动态验证码不正确或已过期，请输入验证器上当前显示的6位数字", "bad_code");
    auto codes = auth::newRecoveryCodes(c, ctx.actor(), ctx.user);
    tx.commit();
    return json::ok(bj::object{{"recoveryCodes", codesJson(codes)}});
  });
  api.postAny("/api/auth/sessions/end-all", [](http::Request&, const auth::Context& ctx, Connection& c) {
    store::Transaction tx(c);
    int64_t n = auth::endAllSessions(c, ctx.actor(), ctx.user);
    tx.commit();
    auto resp = json::ok(bj::object{{"ended", n}});
    resp.setHeader("Set-Cookie", sessionCookie("", 0));
    return resp;
  });
  api.getAny("/api/auth/sign-ins", [](http::Request& req, const auth::Context& ctx, Connection& c) {
    return signInsPage(req, c, ctx.user.id);
  });
}

void metaRoutes(platform::Api& api) {
  api.getAny("/api/meta", [](http::Request&, const auth::Context&, Connection&) {
    bj::array roles;
    for (auto r : {auth::Role::DistrictStaff, auth::Role::Street, auth::Role::Community, auth::Role::BranchSecretary,
                   auth::Role::GridLeader, auth::Role::Member})
      roles.push_back({{"value", auth::roleName(r)}, {"label", auth::roleLabel(r)}});
    bj::object o{{"roles", roles}, {"orgKinds", labels(orgs::kinds())}, {"branchTypes", labels(orgs::branchTypes())}};
    auto pairs = [](std::initializer_list<std::pair<const char*, const char*>> l) {
      bj::array a;
      for (auto& [v, t] : l) a.push_back({{"value", v}, {"label", t}});
      return a;
    };
    o["categories"] = pairs({{"full", "正式党员"}, {"probationary", "预备党员"}});
    o["sixCategories"] = pairs({{"cadre", "党员干部"}, {"veteran", "老党员及离退休职工党员"}, {"farmer_community", "农民（社区）党员"},
                                {"nonpublic", "非公经济组织党员"}, {"mobile", "流动党员"}, {"hardship", "生活困难党员"}});
    o["educations"] = pairs({{"研究生", "研究生"}, {"大学本科", "大学本科"}, {"大学专科", "大学专科"}, {"中专", "中专"},
                             {"高中", "高中"}, {"初中及以下", "初中及以下"}});
    o["ethnicities"] = pairs({{"汉族", "汉族"}, {"回族", "回族"}, {"满族", "满族"}, {"畲族", "畲族"}, {"壮族", "壮族"},
                              {"蒙古族", "蒙古族"}, {"藏族", "藏族"}, {"维吾尔族", "维吾尔族"}, {"苗族", "苗族"}, {"土家族", "土家族"}});
    o["standings"] = pairs({{"normal", "正常"}, {"suspended", "停止党籍"}});
    return json::ok(o);
  });
}

void auditRoutes(platform::Api& api) {
  api.get("/api/audit", P::AuditRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    store::Params p;
    // District-wide entries (settings, failed log-ins) carry the path "/"; the district root's
    // staff see them along with everything else.
    bool districtRoot = std::count(ctx.scope.path().begin(), ctx.scope.path().end(), '/') == 2;
    std::string where = (districtRoot ? Scope::all() : ctx.scope).where("org_path", p);
    auto addLike = [&](const char* param, const char* sql) {
      if (auto v = req.q(param); v && !v->empty()) {
        where += std::string(" AND ") + sql;
        p.emplace_back("%" + *v + "%");
      }
    };
    auto addEq = [&](const char* param, const char* sql) {
      if (auto v = req.q(param); v && !v->empty()) {
        where += std::string(" AND ") + sql;
        p.emplace_back(*v);
      }
    };
    if (auto v = req.q("q"); v && !v->empty()) {
      where += " AND (summary LIKE ? OR actor_name LIKE ?)";
      p.emplace_back("%" + *v + "%");
      p.emplace_back("%" + *v + "%");
    }
    addEq("entity", "entity = ?");
    addEq("action", "action = ?");
    addLike("actor", "actor_name LIKE ?");
    if (auto v = req.q("entityId"); v && !v->empty()) {
      where += " AND entity_id = ?";
      p.emplace_back(static_cast<int64_t>(std::atoll(v->c_str())));
    }
    for (auto [param, op] : {std::pair{"from", ">="}, std::pair{"to", "<"}}) {
      if (auto v = req.q(param); v && !v->empty()) {
        auto d = parseDate(*v);
        if (!d) throw Error::invalid(param, "日期无效");
        std::string bound = d->iso();
        if (std::string(param) == "to") {
          // inclusive end date: compare against the next day's start
          bound += "T99";
        }
        where += std::string(" AND logged_at ") + op + " ?";
        p.emplace_back(bound);
      }
    }
    auto ps = json::pageSpec(req, {{"id", "id"}}, "-id");
    int64_t total = c.query("SELECT COUNT(*) FROM audit_log WHERE " + where, p).front().i64(0);
    store::Params q = p;
    q.emplace_back(ps.pageSize);
    q.emplace_back(ps.offset());
    auto r = c.query("SELECT id, logged_at, actor_name, ip, action, entity, entity_id, summary, before_json, after_json "
                     "FROM audit_log WHERE " + where + " ORDER BY " + ps.orderBy + " LIMIT ? OFFSET ?",
                     q);
    bj::array items;
    for (auto row : r)
      items.push_back({{"id", row.i64(0)}, {"loggedAt", row.text(1)}, {"actorName", row.text(2)}, {"ip", row.text(3)},
                       {"action", row.text(4)}, {"entity", row.text(5)}, {"entityId", json::fromValue(row[6])},
                       {"summary", row.text(7)}, {"before", json::parseStored(row.optText(8))},
                       {"after", json::parseStored(row.optText(9))}});
    return json::page(std::move(items), total, ps.page, ps.pageSize);
  });
  api.get("/api/audit/verify", P::AuditRead, [](http::Request&, const auth::Context&, Connection& c) {
    auto v = audit::verify(c);
    bj::array probs;
    for (auto& pr : v.problems) probs.push_back({{"id", pr.id}, {"problem", pr.problem}});
    return json::ok(bj::object{{"ok", v.ok}, {"checked", v.checked}, {"problems", probs}});
  });
}

void settingsRoutes(platform::Api& api) {
  api.getAny("/api/settings", [](http::Request&, const auth::Context&, Connection& c) {
    bj::array out;
    for (auto& d : settings::all()) {
      const char* type = d.type == settings::Type::Int ? "int" : d.type == settings::Type::Bool ? "bool" : "text";
      out.push_back({{"key", d.key}, {"label", d.label}, {"description", d.description}, {"type", type},
                     {"value", settings::get(c, d.key)}, {"defaultValue", d.defaultValue}, {"min", d.min}, {"max", d.max},
                     {"version", settings::versionOf(c, d.key)}});
    }
    return json::ok(out);
  });
  api.put("/api/settings/:key", P::SettingsWrite, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    json::Form f(req.body);
    auto it = f.object().find("value");
    if (it == f.object().end()) throw Error::invalid("value", "请填写设置值", "required");
    // `version` (from GET /api/settings) is checked when sent; the web app always sends it.
    std::optional<std::string> version = f.text("version", "版本号", 64);
    store::Transaction tx(c);
    settings::set(c, ctx.actor(), req.params.at("key"), it->value(), version);
    tx.commit();
    return json::ok(bj::object{{"key", req.params.at("key")},
                               {"value", settings::get(c, req.params.at("key"))},
                               {"version", settings::versionOf(c, req.params.at("key"))}});
  });
}

void userRoutes(platform::Api& api) {
  api.get("/api/users", P::UserManage, [](http::Request&, const auth::Context& ctx, Connection& c) {
    std::set<int64_t> enrolled;
    for (auto row : c.query("SELECT user_id FROM user_totp WHERE secret_enc IS NOT NULL")) enrolled.insert(row.i64(0));
    bj::array out;
    for (auto& u : auth::listUsers(c, ctx.scope)) {
      auto o = userJson(u);
      o["totpEnrolled"] = enrolled.count(u.id) > 0;
      out.push_back(std::move(o));
    }
    return json::ok(out);
  });
  api.post("/api/users", P::UserManage, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    json::Form f(req.body);
    std::string username = f.requiredText("username", "用户名", 32);
    std::string displayName = f.requiredText("displayName", "姓名", 40);
    auto roleText = f.requiredText("role", "角色", 32);
    auto role = auth::parseRole(roleText);
    if (!role) throw Error::invalid("role", "角色无效");
    if (auth::roleRank(*role) < auth::roleRank(ctx.user.role)) throw Error::invalid("role", "不能授予高于本人的角色");
    int64_t orgId = f.requiredInt("orgId", "所属组织", 1, INT64_MAX);
    std::string password;
    if (auto it = f.object().find("password"); it != f.object().end() && it->value().is_string()) password = it->value().as_string().c_str();
    store::Transaction tx(c);
    orgs::require(c, ctx.scope, orgId, "orgId");
    int64_t id = auth::createUser(c, ctx.actor(), username, displayName, *role, orgId, password);
    tx.commit();
    return json::ok(userJson(*auth::findUser(c, id)), 201);
  });
  auto inScope = [](Connection& c, const auth::Context& ctx, int64_t id) {
    auto u = auth::findUser(c, id);
    if (!u || !ctx.scope.contains(u->orgPath)) throw Error::notFound("用户不存在");
    if (auth::roleRank(u->role) < auth::roleRank(ctx.user.role)) throw Error::forbidden("不能管理高于本人角色的用户");
    return *u;
  };
  api.post("/api/users/:id/reset-password", P::UserManage, [inScope](http::Request& req, const auth::Context& ctx, Connection& c) {
    json::Form f(req.body);
    std::string password;
    if (auto it = f.object().find("password"); it != f.object().end() && it->value().is_string()) password = it->value().as_string().c_str();
    store::Transaction tx(c);
    auto u = inScope(c, ctx, req.idParam());
    auth::resetPassword(c, ctx.actor(), u.id, password);
    tx.commit();
    return json::ok(bj::object{{"ok", true}});
  });
  api.post("/api/users/:id/active", P::UserManage, [inScope](http::Request& req, const auth::Context& ctx, Connection& c) {
    json::Form f(req.body);
    bool active = f.boolean("active", true);
    store::Transaction tx(c);
    auto u = inScope(c, ctx, req.idParam());
    if (u.id == ctx.user.id) throw Error::invalid("active", "不能停用自己的账号");
    auth::setActive(c, ctx.actor(), u.id, active);
    tx.commit();
    return json::ok(userJson(*auth::findUser(c, u.id)));
  });
  // An administrator's account actions on a user in scope (docs/accounts.md).
  api.post("/api/users/:id/totp/reset", P::UserManage, [inScope](http::Request& req, const auth::Context& ctx, Connection& c) {
    store::Transaction tx(c);
    auto u = inScope(c, ctx, req.idParam());
    auth::resetTotp(c, ctx.actor(), u);
    tx.commit();
    return json::ok(bj::object{{"ok", true}});
  });
  api.post("/api/users/:id/sessions/end", P::UserManage, [inScope](http::Request& req, const auth::Context& ctx, Connection& c) {
    store::Transaction tx(c);
    auto u = inScope(c, ctx, req.idParam());
    int64_t n = auth::endAllSessions(c, ctx.actor(), u);
    tx.commit();
    return json::ok(bj::object{{"ended", n}});
  });
  api.get("/api/users/:id/sign-ins", P::UserManage, [inScope](http::Request& req, const auth::Context& ctx, Connection& c) {
    auto u = inScope(c, ctx, req.idParam());
    return signInsPage(req, c, u.id);
  });
}

void jobRoutes(platform::Api& api) {
  platform::Services svc = api.services();
  api.getAny("/api/jobs/:id", [svc](http::Request& req, const auth::Context& ctx, Connection&) {
    auto j = svc.jobs->get(req.idParam(), ctx.scope);
    if (!j) throw Error::notFound("任务不存在");
    return json::ok(*j);
  });
  api.getAny("/api/files/:id", [](http::Request& req, const auth::Context& ctx, Connection& c) {
    auto f = importer::loadFile(c, req.idParam(), ctx.scope);
    if (!f) throw Error::notFound("文件不存在");
    std::string type = f->first.ends_with(".xlsx") ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                                                   : "application/octet-stream";
    return http::Response::download(f->second, type, f->first);
  });
}

}  // namespace

App::App(store::Database& d, crypto::FieldCipher c) : db(d), cipher(std::move(c)), jobs(d) {
  registerSettings();
  registerFigures();
  platform::Api api(router, platform::Services{&db, &cipher, &jobs});
  authRoutes(api);
  metaRoutes(api);
  auditRoutes(api);
  settingsRoutes(api);
  userRoutes(api);
  jobRoutes(api);
  orgs::registerRoutes(api);
  members::registerRoutes(api);
  mobile::registerRoutes(api);
  dues::registerRoutes(api);
  dual::registerRoutes(api);
  evaluation::registerRoutes(api);
  transfer::registerRoutes(api);
  me::registerRoutes(api);
  figures::registerRoutes(api);
  marks::registerRoutes(api);
  grid::registerRoutes(api);
  pipeline::registerRoutes(api);
  visits::registerRoutes(api);
  problems::registerRoutes(api);
  mobilize::registerRoutes(api);
  dashboard::registerRoutes(api);
}

std::string loadDataKey(const std::string& keyFile) {
  if (const char* env = std::getenv("ZUGONG_DATA_KEY"); env && *env) {
    std::string key = crypto::hexDecode(env);
    if (key.size() != 32) throw Error::invalid("ZUGONG_DATA_KEY", "数据密钥应为64位十六进制字符");
    return key;
  }
  std::ifstream in(keyFile);
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    std::string hex = ss.str();
    while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r' || hex.back() == ' ')) hex.pop_back();
    std::string key = crypto::hexDecode(hex);
    if (key.size() != 32) throw Error::invalid("data-key-file", "数据密钥文件内容无效：" + keyFile);
    return key;
  }
  std::string hex = crypto::randomHex(32);
  {
    std::ofstream out(keyFile);
    if (!out) throw Error::internal("cannot write key file " + keyFile);
    out << hex << "\n";
  }
  ::chmod(keyFile.c_str(), 0600);
  return crypto::hexDecode(hex);
}

}  // namespace zg::app
