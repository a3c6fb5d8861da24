// Residents' problems 民情: the staff routes (list with filters, detail with the timeline, hotline
// intake, assign / start / escalate / answer / close, the contact cards PDF), the public routes (no
// session, rate-limited per address: the human check, the card's community, one report, the status
// and rating of one problem by number + secret) and the figure problems.flow.
#include <chrono>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "core/error.h"
#include "modules/orgs/orgs.h"
#include "modules/problems/problems.h"
#include "platform/audit.h"
#include "platform/figures.h"
#include "platform/json.h"
#include "platform/rollup_months.h"
#include "platform/settings.h"
#include "platform/time.h"

namespace zg::problems {

namespace bj = boost::json;
using auth::Permission;
using store::Connection;
using store::Params;
using store::Value;

namespace {

// A sliding window of requests per remote address (one per public route family).
class RateLimiter {
 public:
  explicit RateLimiter(std::chrono::seconds window) : window_(window) {}
  bool allow(const std::string& ip, int64_t limit) {
    auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mu_);
    if (hits_.size() > 20000) {
      for (auto it = hits_.begin(); it != hits_.end();)
        it = (it->second.empty() || now - it->second.back() > window_) ? hits_.erase(it) : ++it;
    }
    auto& q = hits_[ip];
    while (!q.empty() && now - q.front() >= window_) q.pop_front();
    if (static_cast<int64_t>(q.size()) >= limit) return false;
    q.push_back(now);
    return true;
  }

 private:
  std::chrono::seconds window_;
  std::mutex mu_;
  std::unordered_map<std::string, std::deque<std::chrono::steady_clock::time_point>> hits_;
};
RateLimiter& reads() {
  static RateLimiter r(std::chrono::seconds(60));
  return r;
}
RateLimiter& reports() {
  static RateLimiter r(std::chrono::seconds(3600));
  return r;
}
void throttle(Connection& c, RateLimiter& l, const http::Request& req, const char* key) {
  if (!l.allow(req.remoteIp, settings::getInt(c, key)))
    throw Error(ErrorKind::TooManyRequests, "rate_limited", "访问过于频繁，请稍后再试");
}
http::Response noStore(http::Response r) {
  r.setHeader("Cache-Control", "no-store");
  r.setHeader("X-Robots-Tag", "noindex");
  return r;
}

std::string baseUrlOf(Connection& c, const http::Request& req) {
  auto v = settings::get(c, "public.base_url");
  std::string base = v.is_string() ? trim(std::string(v.as_string())) : "";
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (!base.empty()) return base;
  std::string host = req.header("host");
  if (host.empty()) host = "localhost";
  std::string proto = req.header("x-forwarded-proto") == "https" ? "https" : "http";
  return proto + "://" + host;
}

const char* kOpen = "p.state IN ('received','assigned','in_progress')";

std::string label(const std::vector<std::pair<std::string, std::string>>& v, const std::string& k) {
  for (const auto& [a, b] : v)
    if (a == k) return b;
  return k;
}

const std::vector<std::pair<std::string, std::string>> kSources = {
    {"public", "群众扫码"}, {"hotline", "热线电话"}, {"visit", "入户走访"}};

bj::object rowJson(const store::Row& x, const std::string& todayIso) {
  // id, number, source, kind, body, reporter_name, phone_mask, org_id, org name, member id, member name,
  // state, received_on, due_on, escalations, answer, answered_on, satisfaction, closed_on, household addr, version
  std::string state = x.text(11);
  bool open = state == "received" || state == "assigned" || state == "in_progress";
  std::optional<std::string> sat = x.optText(17);
  return {{"id", x.i64(0)},
          {"number", x.text(1)},
          {"source", x.text(2)},
          {"sourceLabel", label(kSources, x.text(2))},
          {"kind", x.text(3)},
          {"text", x.text(4)},
          {"reporterName", x.text(5)},
          {"phoneMasked", json::opt(x.optText(6))},
          {"orgId", x.i64(7)},
          {"orgName", x.text(8)},
          {"memberId", x.isNull(9) ? bj::value(nullptr) : bj::value(x.i64(9))},
          {"memberName", json::opt(x.optText(10))},
          {"state", state},
          {"stateLabel", label(states(), state)},
          {"receivedOn", x.text(12)},
          {"dueOn", x.text(13)},
          {"overdue", open && x.text(13) < todayIso},
          {"escalations", x.i64(14)},
          {"answer", json::opt(x.optText(15))},
          {"answeredOn", json::opt(x.optText(16))},
          {"satisfaction", json::opt(sat)},
          {"satisfactionLabel", sat ? bj::value(label(satisfactions(), *sat)) : bj::value(nullptr)},
          {"closedOn", json::opt(x.optText(18))},
          {"household", json::opt(x.optText(19))},
          {"householdId", x.isNull(20) ? bj::value(nullptr) : bj::value(x.i64(20))},
          {"version", x.i64(21)}};
}
const char* kSelect =
    "SELECT p.id, p.number, p.source, p.kind, p.body, p.reporter_name, p.phone_mask, p.org_id, o.name, "
    "p.contact_member_id, m.name, p.state, p.received_on, p.due_on, p.escalations, p.answer, p.answered_on, "
    "p.satisfaction, p.closed_on, "
    "CASE WHEN h.id IS NULL THEN NULL ELSE h.address || h.building || '幢' || h.unit || '单元' || h.room || '室 ' || "
    "h.head_name END, p.household_id, p.version "
    "FROM resident_problems p JOIN orgs o ON o.id = p.org_id LEFT JOIN members m ON m.id = p.contact_member_id "
    "LEFT JOIN households h ON h.id = p.household_id ";

bj::object detail(Connection& c, const Scope& scope, int64_t id) {
  Params p{id};
  std::string w = scope.where("o.path", p);
  auto r = c.query(std::string(kSelect) + "WHERE p.id = ? AND " + w, p);
  if (r.empty()) throw Error::notFound("民情记录不存在或不在管辖范围内");
  bj::object o = rowJson(r.front(), today().iso());
  bj::array events;
  for (auto e : c.query("SELECT e.at, e.action, e.state, o.name, e.actor, e.note FROM resident_problem_events e "
                        "JOIN orgs o ON o.id = e.org_id WHERE e.problem_id = ? ORDER BY e.id",
                        {id}))
    events.push_back(bj::object{{"at", e.text(0)},
                                {"action", e.text(1)},
                                {"state", e.text(2)},
                                {"stateLabel", label(states(), e.text(2))},
                                {"orgName", e.text(3)},
                                {"actor", e.text(4)},
                                {"note", json::opt(e.optText(5))}});
  o["events"] = std::move(events);
  // Can the caller move it up? Only when the organization has a parent.
  auto par = c.query("SELECT parent_id FROM orgs WHERE id = ?", {o["orgId"].as_int64()});
  o["canEscalate"] = !par.empty() && !par.front().isNull(0);
  return o;
}

std::vector<int64_t> idList(const std::string& s, const char* field) {
  std::vector<int64_t> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find(',', i);
    if (j == std::string::npos) j = s.size();
    std::string part = trim(s.substr(i, j - i));
    if (!part.empty()) {
      try {
        size_t used = 0;
        long long v = std::stoll(part, &used);
        if (used != part.size() || v <= 0) throw 0;
        out.push_back(v);
      } catch (...) {
        throw Error::invalid(field, "住户编号无效");
      }
    }
    i = j + 1;
  }
  return out;
}

}  // namespace

bj::array mine(Connection& c, int64_t memberId, std::optional<int64_t> householdId) {
  Params p{memberId};
  std::string where = "WHERE p.contact_member_id = ?";
  if (householdId) {
    where += " AND p.household_id = ?";
    p.emplace_back(*householdId);
  }
  bj::array items;
  std::string t = today().iso();
  for (auto x : c.query(std::string(kSelect) + where + " ORDER BY CASE WHEN " + kOpen +
                            " THEN 0 ELSE 1 END, p.due_on, p.id DESC LIMIT 200",
                        p))
    items.push_back(rowJson(x, t));
  return items;
}

bj::object mineDetail(Connection& c, int64_t memberId, int64_t id) {
  auto r = c.query("SELECT p.id FROM resident_problems p WHERE p.id = ? AND p.contact_member_id = ?", {id, memberId});
  if (r.empty()) throw Error::notFound("民情记录不存在或未交由您办理");
  // Read through the whole tree: the assignment, checked above, is the authorization.
  bj::object o = detail(c, Scope::all(), id);
  o.erase("canEscalate");
  return o;
}

void registerRoutes(platform::Api& api) {
  platform::Services svc = api.services();

  api.getAny("/api/problems/kinds", [](http::Request&, const auth::Context&, Connection& c) {
    bj::array ks;
    for (const auto& [k, d] : kinds(c)) ks.push_back(bj::object{{"kind", k}, {"days", d}});
    bj::array st, sa;
    for (const auto& [k, l] : states()) st.push_back(bj::object{{"value", k}, {"label", l}});
    for (const auto& [k, l] : satisfactions()) sa.push_back(bj::object{{"value", k}, {"label", l}});
    return json::ok(bj::object{{"kinds", ks},
                               {"states", st},
                               {"satisfactions", sa},
                               {"hotline", settings::get(c, "problems.hotline")}});
  });

  api.get("/api/problems", Permission::MemberRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    auto spec = json::pageSpec(req,
                               {{"receivedOn", "p.received_on"}, {"dueOn", "p.due_on"}, {"number", "p.number"}},
                               "-receivedOn");
    Params p;
    std::string where = "WHERE " + ctx.scope.where("o.path", p);
    if (auto org = req.q("orgId"); org && !org->empty()) {
      int64_t oid = 0;
      try {
        oid = std::stoll(*org);
      } catch (...) {
        throw Error::invalid("orgId", "组织编号无效");
      }
      auto o = orgs::require(c, ctx.scope, oid, "orgId");
      where += " AND " + Scope(o.path).where("o.path", p);
    }
    if (auto s = req.q("state"); s && !s->empty()) {
      if (*s == "open") {
        where += std::string(" AND ") + kOpen;
      } else {
        bool ok = false;
        for (const auto& [k, l] : states()) ok = ok || k == *s;
        if (!ok) throw Error::invalid("state", "状态无效");
        where += " AND p.state = ?";
        p.emplace_back(*s);
      }
    }
    if (auto h = req.q("householdId"); h && !h->empty()) {
      try {
        size_t used = 0;
        long long v = std::stoll(*h, &used);
        if (used != h->size() || v <= 0) throw 0;
        where += " AND p.household_id = ?";
        p.emplace_back(static_cast<int64_t>(v));
      } catch (...) {
        throw Error::invalid("householdId", "住户编号无效");
      }
    }
    if (auto k = req.q("kind"); k && !k->empty()) {
      where += " AND p.kind = ?";
      p.emplace_back(*k);
    }
    if (auto s = req.q("source"); s && !s->empty()) {
      where += " AND p.source = ?";
      p.emplace_back(*s);
    }
    if (req.q("overdue").value_or("") == "1") {
      where += std::string(" AND ") + kOpen + " AND p.due_on < ?";
      p.emplace_back(today().iso());
    }
    if (auto q = req.q("q"); q && !trim(*q).empty()) {
      where += " AND (p.number LIKE ? OR p.body LIKE ? OR p.reporter_name LIKE ?)";
      std::string like = "%" + trim(*q) + "%";
      p.emplace_back(like);
      p.emplace_back(like);
      p.emplace_back(like);
    }
    std::string from =
        " FROM resident_problems p JOIN orgs o ON o.id = p.org_id ";
    int64_t total = c.scalar("SELECT COUNT(*)" + from + where, p)->asInt();
    Params pp = p;
    pp.emplace_back(static_cast<int64_t>(spec.pageSize));
    pp.emplace_back(static_cast<int64_t>(spec.offset()));
    bj::array items;
    std::string t = today().iso();
    for (auto x : c.query(std::string(kSelect) + where + " ORDER BY " + spec.orderBy + ", p.id DESC LIMIT ? OFFSET ?", pp))
      items.push_back(rowJson(x, t));
    return json::page(std::move(items), total, spec.page, spec.pageSize);
  });

  api.get("/api/problems/cards.pdf", Permission::MemberRead,
          [svc](http::Request& req, const auth::Context& ctx, Connection& c) {
            auto ids = idList(req.q("householdIds").value_or(""), "householdIds");
            if (ids.empty()) throw Error::invalid("householdIds", "请先选择住户");
            if (ids.size() > 400) throw Error::invalid("householdIds", "一次最多打印400户");
            store::Transaction tx(c);  // creates missing card tokens
            std::string bytes = cardsPdf(c, ctx.scope, *svc.cipher, ids, baseUrlOf(c, req));
            audit::record(c, ctx.actor(), {"print", "household_card", std::nullopt, ctx.scope.path(),
                                           "打印民情联系卡 " + std::to_string(ids.size()) + " 户", nullptr, nullptr});
            tx.commit();
            return http::Response::download(std::move(bytes), "application/pdf", "民情联系卡.pdf");
          });

  api.get("/api/problems/:id", Permission::MemberRead, [](http::Request& req, const auth::Context& ctx, Connection& c) {
    return json::ok(detail(c, ctx.scope, req.idParam()));
  });

  // Hotline intake 热线: typed by staff (or a visit log's problem found).
  api.post("/api/problems", Permission::MemberWrite, [svc](http::Request& req, const auth::Context& ctx, Connection& c) {
    json::Form f(req.body);
    OpenInput in;
    in.source = f.choice("source", "来源", {"hotline", "visit"}).value_or("hotline");
    in.kind = f.text("kind", "类别", 20).value_or("");
    in.text = f.text("text", "反映内容", 1000).value_or("");
    in.reporterName = f.text("reporterName", "反映人", 30).value_or("");
    in.phone = f.text("phone", "联系电话", 30);
    in.householdId = f.integer("householdId", "住户", 1, INT64_MAX);
    in.orgId = f.integer("orgId", "所在组织", 1, INT64_MAX);
    store::Transaction tx(c);
    auto o = open(c, ctx.scope, ctx.actor(), *svc.cipher, in, today());
    tx.commit();
    return json::ok(detail(c, ctx.scope, o.id), 201);
  });

  auto action = [&api](const std::string& name,
                       std::function<void(Connection&, const auth::Context&, int64_t, const json::Form&)> fn) {
    api.post("/api/problems/:id/" + name, Permission::MemberWrite,
             [fn](http::Request& req, const auth::Context& ctx, Connection& c) {
               int64_t id = req.idParam();
               json::Form f(req.body);
               store::Transaction tx(c);
               fn(c, ctx, id, f);
               tx.commit();
               // After an escalation out of the caller's scope the problem is no longer theirs to read.
               Params p{id};
               std::string w = ctx.scope.where("o.path", p);
               if (c.query("SELECT p.id FROM resident_problems p JOIN orgs o ON o.id = p.org_id WHERE p.id = ? AND " + w,
                           p)
                       .empty())
                 return json::ok(bj::object{{"id", id}, {"outOfScope", true}});
               return json::ok(detail(c, ctx.scope, id));
             });
  };
  action("assign", [svc](Connection& c, const auth::Context& ctx, int64_t id, const json::Form& f) {
    assign(c, ctx, *svc.cipher, id, f.integer("orgId", "承办组织", 1, INT64_MAX), f.integer("memberId", "联户党员", 1, INT64_MAX),
           f.text("note", "说明", 300));
  });
  action("start", [](Connection& c, const auth::Context& ctx, int64_t id, const json::Form& f) {
    start(c, ctx, id, f.text("note", "说明", 300));
  });
  action("escalate", [svc](Connection& c, const auth::Context& ctx, int64_t id, const json::Form& f) {
    escalate(c, ctx, *svc.cipher, id, f.text("note", "说明", 300));
  });
  action("answer", [](Connection& c, const auth::Context& ctx, int64_t id, const json::Form& f) {
    answer(c, ctx, id, f.text("answer", "答复", 1000).value_or(""));
  });
  action("close", [](Connection& c, const auth::Context& ctx, int64_t id, const json::Form& f) {
    close(c, ctx, id, f.text("satisfaction", "满意度", 20).value_or(""), f.text("note", "说明", 300));
  });

  // --- the contact member's side (a member login; the assignment is the authorization) ---
  // The problems handed to me (optionally of one household: the archive page).
  api.getAny("/api/me/problems", [](http::Request& req, const auth::Context& ctx, Connection& c) {
    auto self = me::selfOf(c, ctx.user);
    std::optional<int64_t> hid;
    if (auto h = req.q("householdId"); h && !h->empty()) {
      auto ids = idList(*h, "householdId");
      if (ids.size() != 1) throw Error::invalid("householdId", "住户编号无效");
      hid = ids.front();
    }
    return json::ok(bj::object{{"items", mine(c, self.memberId, hid)}});
  });
  api.getAny("/api/me/problems/:id", [](http::Request& req, const auth::Context& ctx, Connection& c) {
    auto self = me::selfOf(c, ctx.user);
    return json::ok(mineDetail(c, self.memberId, req.idParam()));
  });
  api.postAny("/api/me/problems/:id/answer", [](http::Request& req, const auth::Context& ctx, Connection& c) {
    auto self = me::selfOf(c, ctx.user);
    int64_t id = req.idParam();
    json::Form f(req.body);
    store::Transaction tx(c);
    memberAnswer(c, ctx.actor(), self.memberId, id, f.text("answer", "答复", 1000).value_or(""));
    tx.commit();
    return json::ok(mineDetail(c, self.memberId, id));
  });
  // Back to the community it sits at: the member stays able to read it no longer.
  api.postAny("/api/me/problems/:id/pass", [svc](http::Request& req, const auth::Context& ctx, Connection& c) {
    auto self = me::selfOf(c, ctx.user);
    int64_t id = req.idParam();
    json::Form f(req.body);
    store::Transaction tx(c);
    memberPass(c, ctx.actor(), *svc.cipher, self.memberId, id, f.text("note", "原因", 300).value_or(""));
    tx.commit();
    return json::ok(bj::object{{"id", id}, {"passed", true}});
  });

  // --- public routes: no session ---
  api.open("GET", "/api/public/problems/challenge", [svc](http::Request& req) {
    auto c = svc.db->acquire();
    registerSettings();
    throttle(*c, reads(), req, "problems.public_reads_per_minute");
    auto ch = makeChallenge(*svc.cipher);
    bj::array ks;
    for (const auto& [k, d] : kinds(*c)) ks.push_back(bj::value(k));
    return noStore(json::ok(bj::object{{"question", ch.question},
                                       {"challenge", ch.token},
                                       {"kinds", ks},
                                       {"hotline", settings::get(*c, "problems.hotline")}}));
  });
  // The card's community and the hotline (nothing about the household itself).
  api.open("GET", "/api/public/problems/cards/:token", [svc](http::Request& req) {
    auto c = svc.db->acquire();
    registerSettings();
    throttle(*c, reads(), req, "problems.public_reads_per_minute");
    auto r = c->query("SELECT o.name FROM household_card_tokens t JOIN households h ON h.id = t.household_id "
                      "JOIN orgs o ON o.id = h.org_id WHERE t.token = ?",
                      {req.params.at("token")});
    if (r.empty()) throw Error::notFound("联系卡二维码无效");
    bj::array ks;
    for (const auto& [k, d] : kinds(*c)) ks.push_back(bj::value(k));
    return noStore(json::ok(bj::object{
        {"community", r.front().text(0)}, {"hotline", settings::get(*c, "problems.hotline")}, {"kinds", ks}}));
  });
  api.open("POST", "/api/public/problems", [svc](http::Request& req) {
    auto c = svc.db->acquire();
    registerSettings();
    throttle(*c, reads(), req, "problems.public_reads_per_minute");
    json::Form f(req.body);
    checkChallenge(*svc.cipher, f.text("challenge", "验证题", 200).value_or(""), f.text("answer", "验证题答案", 10).value_or(""));
    throttle(*c, reports(), req, "problems.public_reports_per_hour");
    OpenInput in;
    in.source = "public";
    in.kind = f.text("kind", "类别", 20).value_or("");
    in.text = f.text("text", "反映内容", 1000).value_or("");
    in.reporterName = f.text("reporterName", "姓名", 30).value_or("");
    in.phone = f.text("phone", "联系电话", 30);
    if (auto t = f.text("card", "联系卡", 64)) {
      auto r = c->query("SELECT household_id FROM household_card_tokens WHERE token = ?", {*t});
      if (r.empty()) throw Error::invalid("card", "联系卡二维码无效");
      in.householdId = r.front().i64(0);
    }
    store::Transaction tx(*c);
    auto o = open(*c, Scope::all(), auth::Actor{0, "群众（公开页面）", req.remoteIp}, *svc.cipher, in, today());
    tx.commit();
    return noStore(json::ok(bj::object{{"number", o.number}, {"secret", o.secret}}, 201));
  });
  api.open("GET", "/api/public/problems/:number", [svc](http::Request& req) {
    auto c = svc.db->acquire();
    registerSettings();
    throttle(*c, reads(), req, "problems.public_reads_per_minute");
    return noStore(json::ok(publicStatus(*c, req.params.at("number"), req.q("secret").value_or(""))));
  });
  api.open("POST", "/api/public/problems/:number/rate", [svc](http::Request& req) {
    auto c = svc.db->acquire();
    registerSettings();
    throttle(*c, reads(), req, "problems.public_reads_per_minute");
    json::Form f(req.body);
    store::Transaction tx(*c);
    rate(*c, req.params.at("number"), f.text("secret", "查询码", 40).value_or(""),
         f.text("satisfaction", "满意度", 20).value_or(""), req.remoteIp);
    tx.commit();
    return noStore(json::ok(publicStatus(*c, req.params.at("number"), f.text("secret", "查询码", 40).value_or(""))));
  });
}

namespace {

// Rows of the roll-up's asOf edge: answered after asOf, or not on time and due from asOf, in asOf's month.
struct AsOfEdge {
  int64_t answered = 0, days = 0, overdue = 0;
};

std::vector<AsOfEdge> monthEdge(Connection& c, const figures::Query& q, const rollup::Months& m) {
  // The rows of asOf's own month after asOf (usually none when asOf is today or a month's end),
  // found through the date indexes, among the problems received in the whole months.
  std::vector<AsOfEdge> out;
  Date asOf = q.asOf();
  Date next = addMonths(Date{asOf.year, asOf.month, 1}, 1);
  if (addDays(asOf, 1) == next) return out;  // a month's last day: nothing after it in its month
  std::string recvFrom = m.first + "-01", recvTo = m.last + "-01";
  {
    Params p{asOf.iso(), next.iso(), recvFrom, recvTo};
    std::string w = q.scope.where("o.path", p);
    std::string d = c.dialect() == store::Dialect::Postgres
                        ? "(CAST(p.answered_on AS DATE) - CAST(p.received_on AS DATE))"
                        : "CAST(julianday(p.answered_on) - julianday(p.received_on) AS INTEGER)";
    auto r = c.query("SELECT COUNT(*), COALESCE(SUM(" + d + "), 0) FROM resident_problems p JOIN orgs o ON o.id = p.org_id "
                     "WHERE p.answered_on > ? AND p.answered_on < ? AND p.received_on >= ? AND p.received_on < ? AND " + w,
                     p);
    out.push_back({r.front().i64(0), r.front().i64(1), 0});
  }
  {
    Params p{asOf.iso(), next.iso(), recvFrom, recvTo};
    std::string w = q.scope.where("o.path", p);
    auto v = c.scalar("SELECT COUNT(*) FROM resident_problems p JOIN orgs o ON o.id = p.org_id WHERE p.due_on >= ? AND "
                      "p.due_on < ? AND p.received_on >= ? AND p.received_on < ? AND (p.answered_on IS NULL OR "
                      "p.answered_on > p.due_on) AND " + w,
                      p);
    out.push_back({0, 0, v ? v->asInt() : 0});
  }
  return out;
}

std::map<std::string, rollup::Tally> monthCells(Connection& c, const figures::Query& q, const rollup::Months& m) {
  std::map<std::string, rollup::Tally> t;
  std::string asOfMonth = rollup::monthKey(q.asOf());
  auto counts = rollup::subtree(c, q.scope, {"problems.month", "problems.answered", "problems.answer_days", "problems.late"},
                                m.first, m.last);
  for (auto& [k, n] : counts["problems.month"]) {
    std::string what = rollup::splitKey(k).second;
    if (what == "received" || what == "escalated") t[what].count += n;
    if (what.rfind("sat:", 0) == 0) {
      std::string sat = what.substr(4);
      t["rated"].count += n;
      t[sat].count += n;
      if (sat == "satisfied" || sat == "basic") t["content"].count += n;
    }
  }
  // Answered on or before asOf: answered in a month up to asOf's, less those answered after asOf
  // in asOf's month (below). Overdue on asOf: not answered on time and due before asOf — due in a
  // month up to asOf's, less those due from asOf to that month's end.
  for (auto& [k, n] : counts["problems.answered"])
    if (rollup::splitKey(k).second <= asOfMonth) t["answered"].count += n, t["answer_days"].count += n;
  for (auto& [k, n] : counts["problems.answer_days"])
    if (rollup::splitKey(k).second <= asOfMonth) t["answer_days"].sum += n;
  for (auto& [k, n] : counts["problems.late"])
    if (rollup::splitKey(k).second <= asOfMonth) t["overdue"].count += n;
  for (auto& e : monthEdge(c, q, m)) {
    t["answered"].count -= e.answered;
    t["answer_days"].count -= e.answered;
    t["answer_days"].sum -= e.days;
    t["overdue"].count -= e.overdue;
  }
  return t;
}

}  // namespace

void registerFigures() {
  figures::SqlSpec s;
  // Problems received in the period; the cells are what became of them by the period's end.
  s.base = [](const figures::Query& q, Params& p) {
    std::string w = q.scope.where("o.path", p);
    p.emplace_back(q.from.iso());
    p.emplace_back(q.to.iso());
    return "FROM resident_problems p JOIN orgs o ON o.id = p.org_id WHERE " + w +
           " AND p.received_on >= ? AND p.received_on < ?";
  };
  s.cells = [](Connection& c, const figures::Query& q) {
    std::string asOf = q.asOf().iso();
    std::string answered = "p.answered_on IS NOT NULL AND p.answered_on <= ?";
    // Days from received to answered (whole days; dates are ISO text).
    std::string days = c.dialect() == store::Dialect::Postgres
                           ? "(CAST(p.answered_on AS DATE) - CAST(p.received_on AS DATE))"
                           : "CAST(julianday(p.answered_on) - julianday(p.received_on) AS INTEGER)";
    figures::SqlCell avg{"answer_days", "平均办理用时（天）", answered, {asOf}};
    avg.mean = days;
    avg.meanColumn = {"days", "办理用时（天）", ""};
    avg.unit = "天";
    figures::SqlCell solved{"answered", "已答复或办结", answered, {asOf}};
    solved.rateOf = "received";
    figures::SqlCell content{"content", "满意和基本满意", "p.satisfaction IN ('satisfied', 'basic')", {}};
    content.rateOf = "rated";
    return std::vector<figures::SqlCell>{
        {"received", "受理", "1=1", {}},
        solved,
        {"overdue", "超期办理（含逾期答复）",
         "p.due_on < ? AND (p.answered_on IS NULL OR p.answered_on > p.due_on)", {asOf}},
        {"escalated", "曾上提", "p.escalations > 0", {}},
        avg,
        {"rated", "已评价", "p.satisfaction IS NOT NULL", {}},
        content,
        {"satisfied", "满意", "p.satisfaction = 'satisfied'", {}},
        {"basic", "基本满意", "p.satisfaction = 'basic'", {}},
        {"unsatisfied", "不满意", "p.satisfaction = 'unsatisfied'", {}}};
  };
  s.select = [](const figures::Query&, Params&) {
    return std::string("p.id, p.number, p.kind, o.name, p.received_on, p.due_on, p.answered_on, CASE p.satisfaction "
                       "WHEN 'satisfied' THEN '满意' WHEN 'basic' THEN '基本满意' WHEN 'unsatisfied' THEN '不满意' END");
  };
  s.columns = {{"number", "编号", ""},     {"kind", "类别", ""},        {"orgName", "所在组织", ""},
               {"receivedOn", "受理日期", ""}, {"dueOn", "办理时限", ""}, {"answeredOn", "答复日期", ""},
               {"satisfaction", "满意度", ""}};
  s.orderBy = "p.received_on, p.id";
  // Live roll-ups (migration 0015, docs/rollup.md): the problems.* month keys.
  rollup::define({"problems", "SELECT org_id, metric, k, SUM(n) FROM rollup_problem_keys GROUP BY org_id, metric, k"});
  figures::define(rollup::flowFigure("problems.flow", "网格联户", "民情办理", 410, std::move(s), monthCells));
}

}  // namespace zg::problems
