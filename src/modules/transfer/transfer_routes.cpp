// Transfer of organizational relationship 组织关系接转: the detail, the letter PDF, the routes and
// the public receipt routes (rate-limited per IP).
#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>

#include "core/error.h"
#include "modules/members/members.h"
#include "modules/orgs/org_kinds.h"
#include "modules/orgs/orgs.h"
#include "modules/transfer/transfer.h"
#include "modules/transfer/transfer_internal.h"
#include "platform/audit.h"
#include "platform/json.h"
#include "platform/pdf.h"
#include "platform/settings.h"

namespace zg::transfer {

namespace bj = boost::json;
using store::Connection;
using store::Params;
using namespace detail;

bj::object detailOf(Connection& c, const auth::Context& ctx, int64_t id) {
  Case k = load(c, ctx.scope, id);
  bj::object o = row(k, today());
  bj::array events;
  for (auto x : c.query("SELECT state, on_date, at, actor_name, note FROM transfer_events WHERE case_id = ? ORDER BY id",
                        {id}))
    events.push_back({{"state", x.text(0)},
                      {"stateLabel", stateLabel(x.text(0))},
                      {"on", x.text(1)},
                      {"at", x.text(2)},
                      {"by", x.text(3)},
                      {"note", json::opt(x.optText(4))}});
  o["events"] = std::move(events);
  // The check part is printed on the letter; the sending side may read it out by telephone.
  o["checkCode"] = k.sendingSide && k.direction != "in" ? bj::value(k.check) : bj::value(nullptr);
  if (k.memberId) {
    Params p{*k.memberId};
    auto r = c.query(
        "SELECT m.active, o.name, m.org_id FROM members m JOIN orgs o ON o.id = m.org_id WHERE m.id = ?", p);
    if (!r.empty()) {
      o["memberActive"] = r.front().i64(0) == 1;
      o["memberOrgName"] = r.front().text(1);
      o["memberOrgId"] = r.front().i64(2);
    }
  }
  return o;
}

namespace {

std::string monthCn(const std::string& ym) {  // "2026-10" → "2026年10月"
  if (ym.size() < 7) return ym;
  return ym.substr(0, 4) + "年" + std::to_string(std::stoi(ym.substr(5, 2))) + "月";
}
std::string dateCn(const std::string& iso) {
  if (iso.size() < 10) return iso;
  return iso.substr(0, 4) + "年" + std::to_string(std::stoi(iso.substr(5, 2))) + "月" +
         std::to_string(std::stoi(iso.substr(8, 2))) + "日";
}

}  // namespace

std::string letterPdf(Connection& c, const auth::Context& ctx, const crypto::FieldCipher& cipher, int64_t id,
                      const std::string& baseUrl) {
  Case k = load(c, ctx.scope, id);
  if (!actionsOf(k).print) {
    if (k.direction == "in") throw Error::conflict("not_ours", "从区外转入的介绍信由区外转出单位开具", "id");
    if (!k.sendingSide) throw Error::forbidden("只有转出方党组织可以打印介绍信");
    throw Error::conflict("state", "介绍信开具（发出）后才能打印", "state");
  }
  auto r = c.query(
      "SELECT name, sex, ethnicity, birth_date, id_number_enc, category FROM members WHERE id = ?", {*k.memberId});
  if (r.empty()) throw Error::notFound("党员不存在");
  auto m = r.front();
  std::string sex = m.text(1) == "M" ? "男" : "女";
  std::string idNumber = m.isNull(4) ? "" : cipher.decrypt(m.text(4));
  std::string age;
  if (auto b = parseDate(m.optText(3).value_or(""))) age = std::to_string(ageOn(*b, today())) + "岁";
  std::string category = members::categoryLabel(m.text(5)).value_or("党员");
  category = category == "正式党员" ? "正式" : category == "预备党员" ? "预备" : category;
  auto paid = c.scalar("SELECT MAX(month) FROM dues_payments WHERE member_id = ?", {*k.memberId});
  std::string paidTo = paid && !paid->isNull() ? monthCn(paid->asText()) : "（未登记）";
  int days = validDays(c);
  std::string sent = k.sentOn.value_or(today().iso());
  std::string url = baseUrl + "/t/" + k.code;

  pdf::Document d;
  d.setInfo("中国共产党党员组织关系介绍信 " + k.code, k.fromName);
  // Counterfoil 存根 (kept by the issuing organization), y 40–318.
  d.centred(62, "中国共产党党员组织关系介绍信", 18);
  d.centred(84, "（存  根）", 12);
  d.text(400, 110, "第 " + k.code + " 号", 11);
  double y = d.paragraph(60, 138, 475,
                         k.memberName + "同志（" + sex + "，" + age + "，" + m.text(2) + "，身份证号码" + idNumber +
                             "）系中共" + category + "党员，组织关系由" + k.fromName + "转到" + k.toName + "。",
                         12, 21);
  d.paragraph(60, std::min(y + 21, 240.0), 475, "党费交到" + paidTo + "。接转原因：" + k.reason + "。", 12, 21);
  d.text(60, 286, "（有效期" + std::to_string(days) + "天，至" + dateCn(k.deadline.value_or("")) + "）", 12);
  d.text(420, 286, dateCn(sent), 12);
  // The cut line with the code across it (骑缝).
  for (double x = 40; x < 555; x += 12) d.line(x, 318, x + 6, 318, 0.6);
  d.centred(311, "第 " + k.code + " 号", 10);
  // The letter 介绍信 (carried by the member to the receiving organization), y 318–630.
  d.centred(358, "中国共产党党员组织关系介绍信", 20);
  d.text(400, 382, "第 " + k.code + " 号", 11);
  d.text(60, 410, k.toName + "：", 13);
  y = d.paragraph(86, 438, 450,
                  "兹介绍" + k.memberName + "同志（" + sex + "，" + age + "，" + m.text(2) + "，身份证号码" + idNumber +
                      "）系中共" + category + "党员，组织关系由" + k.fromName + "转到" + k.toName + "，请接洽。",
                  13, 23);
  d.paragraph(86, std::min(y + 23, 540.0), 450, "该同志党费已交到" + paidTo + "。", 13, 23);
  d.text(86, 570, "（有效期" + std::to_string(days) + "天）", 13);
  double sealX = std::max(300.0, 540 - d.width(k.fromName + "（盖章）", 12));
  d.text(sealX, 596, k.fromName + "（盖章）", 12);
  d.text(420, 618, dateCn(sent), 12);
  // Receipt: the QR code opens the public receipt page; the check part confirms it.
  double qy = 660;
  d.rect(50, qy - 12, 495, 150, 0.6);
  d.qr(60, qy, 120, url);
  d.text(195, qy + 22, "回执（接收党组织填写或扫码确认）", 12);
  d.text(195, qy + 48, "扫描左侧二维码或访问下列网址，输入校验码确认接收：", 10);
  d.text(195, qy + 66, url, 9);
  d.text(195, qy + 92, "回执校验码：" + k.check, 14);
  d.text(195, qy + 116, "接收党组织（盖章）：________________  日期：__________", 10);
  std::string bytes = d.bytes();
  audit::record(c, ctx.actor(),
                {"print", "transfer", id, k.fromPath.value_or("/"),
                 "打印组织关系介绍信（" + k.code + "）：" + k.memberName, nullptr,
                 bj::object{{"code", k.code}}});
  return bytes;
}

namespace {

// Per-IP fixed window for the public receipt routes.
class RateLimiter {
 public:
  bool allow(const std::string& ip, int64_t perMinute) {
    std::lock_guard<std::mutex> lock(mu_);
    auto now = std::chrono::steady_clock::now();
    if (hits_.size() > 10000) hits_.clear();
    auto& h = hits_[ip];
    if (now - h.start > std::chrono::minutes(1)) h = {now, 0};
    return ++h.count <= perMinute;
  }

 private:
  struct Window {
    std::chrono::steady_clock::time_point start;
    int64_t count = 0;
  };
  std::mutex mu_;
  std::map<std::string, Window> hits_;
};

int64_t positiveId(const std::optional<std::string>& v, const char* field) {
  if (!v || trim(*v).empty()) return 0;
  try {
    size_t pos = 0;
    int64_t id = std::stoll(*v, &pos);
    if (pos != v->size() || id <= 0) throw 0;
    return id;
  } catch (...) {
    throw Error::invalid(field, "编号无效");
  }
}

std::string baseUrlOf(Connection& c, const http::Request& req) {
  ensureSettings();
  auto v = settings::get(c, kBaseUrl);
  std::string base = v.is_string() ? std::string(v.as_string()) : "";
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (!base.empty()) return base;
  std::string host = req.header("host");
  if (host.empty()) host = "localhost";
  std::string proto = req.header("x-forwarded-proto");
  return (proto.empty() ? "http" : proto) + "://" + host;
}

template <class F>
http::Response inTx(Connection& c, F f) {
  store::Transaction tx(c);
  f();
  tx.commit();
  return http::Response{};
}

}  // namespace

void registerRoutes(platform::Api& api) {
  registerSettings();
  using auth::Permission;
  platform::Services svc = api.services();

  api.get("/api/transfers", Permission::MemberRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    auto ps = json::pageSpec(req, {{"startedOn", "t.started_on, t.id"}, {"deadline", "t.deadline, t.id"}, {"id", "t.id"}},
                             "-startedOn");
    Scope within = ctx.scope;
    if (int64_t orgId = positiveId(req.q("orgId"), "orgId"))
      within = Scope(orgs::require(c, ctx.scope, orgId, "orgId").path);
    Params p;
    std::string w;
    std::string tab = req.q("tab").value_or("all");
    if (tab == "out")
      w = within.where("fo.path", p);
    else if (tab == "in")
      w = within.where("tor.path", p);
    else if (tab == "all" || tab.empty())
      w = visibleWhere(within, p);
    else
      throw Error::invalid("tab", "tab 应为 out（转出）、in（转入）或 all（全部）", "bad_choice");
    if (auto s = req.q("state"); s && !s->empty()) {
      if (*s == "open") {
        w += " AND t.state IN ('started','sent','received')";
      } else {
        static const std::vector<std::string> kStates = {"started", "sent", "received", "completed", "returned",
                                                         "cancelled"};
        if (std::find(kStates.begin(), kStates.end(), *s) == kStates.end())
          throw Error::invalid("state", "状态无效", "bad_choice");
        w += " AND t.state = ?";
        p.emplace_back(*s);
      }
    }
    if (auto d = req.q("direction"); d && !d->empty()) {
      if (*d != "within" && *d != "out" && *d != "in") throw Error::invalid("direction", "接转类型无效", "bad_choice");
      w += " AND t.direction = ?";
      p.emplace_back(*d);
    }
    if (auto o = req.q("overdue"); o && (*o == "true" || *o == "1")) {
      w += " AND t.state = 'sent' AND t.deadline < ?";
      p.emplace_back(today().iso());
    }
    if (auto q = req.q("q"); q && !trim(*q).empty()) {
      w += " AND (t.member_name LIKE ? OR t.code LIKE ?)";
      p.emplace_back("%" + trim(*q) + "%");
      p.emplace_back("%" + trim(*q) + "%");
    }
    std::string from(kSelect);
    from = from.substr(from.find(" FROM "));
    int64_t total = c.scalar("SELECT COUNT(*)" + from + " WHERE " + w, p)->asInt();
    Params q = p;
    q.emplace_back(ps.pageSize);
    q.emplace_back(ps.offset());
    bj::array items;
    Date now = today();
    for (auto x : c.query(std::string(kSelect) + " WHERE " + w + " ORDER BY " + ps.orderBy + " LIMIT ? OFFSET ?", q))
      items.push_back(row(caseOf(x, ctx.scope), now));
    return json::page(std::move(items), total, ps.page, ps.pageSize);
  });

  // Receiving organizations for a within-district transfer: any branch of the district that
  // holds members (names only — the sending side must be able to name a branch of another street).
  api.get("/api/transfers/targets", Permission::MemberWrite,
          [](http::Request& req, const auth::Context&, Connection& c) {
            std::string q = trim(req.q("q").value_or(""));
            Params p;
            std::string w = "o.dissolved_on IS NULL";
            if (!q.empty()) {
              w += " AND (o.name LIKE ? OR o.short_name LIKE ?)";
              p.emplace_back("%" + q + "%");
              p.emplace_back("%" + q + "%");
            }
            bj::array items;
            for (auto x : c.query("SELECT o.id, o.name, o.kind, po.name FROM orgs o LEFT JOIN orgs po ON po.id = "
                                  "o.parent_id WHERE " + w + " ORDER BY o.path LIMIT 200",
                                  p)) {
              if (!orgs::holdsMembers(x.text(2))) continue;
              items.push_back({{"id", x.i64(0)}, {"name", x.text(1)}, {"parentName", json::opt(x.optText(3))}});
              if (items.size() >= 30) break;
            }
            return json::ok(bj::object{{"items", items}});
          });

  api.get("/api/transfers/:id", Permission::MemberRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    return json::ok(detailOf(c, ctx, req.idParam()));
  });

  api.post("/api/transfers", Permission::MemberWrite, [svc](http::Request& req, const auth::Context& ctx, Connection& c) {
    json::Form f(req.body);
    StartInput in;
    in.direction = f.choice("direction", "接转类型", {"within", "out", "in"}).value_or("");
    if (in.direction.empty()) throw Error::invalid("direction", "请选择接转类型", "required");
    in.memberId = f.integer("memberId", "党员", 1, INT64_MAX);
    in.toOrgId = f.integer("toOrgId", "接收党组织", 1, INT64_MAX);
    in.toOutside = f.text("toOutside", "区外接收党组织", 100);
    in.fromOutside = f.text("fromOutside", "区外转出党组织", 100);
    in.outsideLetter = f.text("outsideLetter", "介绍信编号", 40);
    in.sentOn = f.date("sentOn", "介绍信开具日期");
    in.reason = f.text("reason", "接转原因", 100).value_or("");
    in.note = f.text("note", "备注", 500);
    if (in.direction == "in") in.incoming = f.object();
    store::Transaction tx(c);
    int64_t id = start(c, ctx, *svc.cipher, in);
    tx.commit();
    return json::ok(detailOf(c, ctx, id), 201);
  });

  auto action = [&api, svc](const std::string& name, auto fn) {
    api.post("/api/transfers/:id/" + name, Permission::MemberWrite,
             [svc, fn](http::Request& req, const auth::Context& ctx, Connection& c) {
               int64_t id = req.idParam();
               json::Form f(req.body.empty() ? std::string("{}") : req.body);
               inTx(c, [&] { fn(c, ctx, *svc.cipher, id, f); });
               return json::ok(detailOf(c, ctx, id));
             });
  };
  action("send", [](Connection& c, const auth::Context& ctx, const crypto::FieldCipher&, int64_t id, const json::Form&) {
    send(c, ctx, id);
  });
  action("receive",
         [](Connection& c, const auth::Context& ctx, const crypto::FieldCipher&, int64_t id, const json::Form&) {
           receive(c, ctx, id);
         });
  action("complete",
         [](Connection& c, const auth::Context& ctx, const crypto::FieldCipher& k, int64_t id, const json::Form&) {
           complete(c, ctx, k, id);
         });
  action("return",
         [](Connection& c, const auth::Context& ctx, const crypto::FieldCipher&, int64_t id, const json::Form& f) {
           returnCase(c, ctx, id, f.text("reason", "退回原因", 100).value_or(""));
         });
  action("cancel",
         [](Connection& c, const auth::Context& ctx, const crypto::FieldCipher&, int64_t id, const json::Form& f) {
           cancel(c, ctx, id, f.text("reason", "撤销原因", 100).value_or(""));
         });

  api.get("/api/transfers/:id/letter.pdf", Permission::MemberWrite,
          [svc](http::Request& req, const auth::Context& ctx, Connection& c) {
            int64_t id = req.idParam();
            store::Transaction tx(c);  // the print is audited
            std::string bytes = letterPdf(c, ctx, *svc.cipher, id, baseUrlOf(c, req));
            std::string code = load(c, ctx.scope, id).code;
            tx.commit();
            return http::Response::download(std::move(bytes), "application/pdf", "组织关系介绍信-" + code + ".pdf");
          });

  // The public receipt page's API (no session): one case by its code, rate-limited per IP.
  static RateLimiter limiter;
  auto throttle = [](Connection& c, const http::Request& req) {
    ensureSettings();
    if (!limiter.allow(req.remoteIp, settings::getInt(c, kRatePerMinute)))
      throw Error(ErrorKind::TooManyRequests, "rate_limited", "操作过于频繁，请一分钟后再试");
  };
  api.open("GET", "/api/public/transfers/:code", [svc, throttle](http::Request& req) {
    auto c = svc.db->acquire();
    throttle(*c, req);
    return json::ok(publicView(*c, req.params.at("code")));
  });
  api.open("POST", "/api/public/transfers/:code/receipt", [svc, throttle](http::Request& req) {
    auto c = svc.db->acquire();
    throttle(*c, req);
    json::Form f(req.body);
    std::string check = f.text("check", "校验码", 20).value_or("");
    std::string receiver = f.text("receiver", "接收党组织", 100).value_or("");
    confirmPublic(*c, req.params.at("code"), check, receiver, req.remoteIp);
    return json::ok(publicView(*c, req.params.at("code")));
  });
}

}  // namespace zg::transfer
