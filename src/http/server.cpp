// The HTTP server: Boost.Beast over Asio with C++20 coroutines. This is the only translation
// unit that includes Beast/Asio.
//
// Per connection (one coroutine on its own strand):
//   wait for the first bytes of a request (read timeout for the first request, idle timeout
//   between keep-alive requests) → read the header (16 KB limit, read timeout) → route it →
//   check the body against the route's limit (413 before reading it) → read the body → run the
//   handler → write the response → log and count it.
#include <signal.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include "core/error.h"
#include "http/fuzz.h"
#include "http/http.h"
#include "http/metrics.h"
#include "spdlog/spdlog.h"

namespace zg::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr size_t kHeaderLimit = 16 * 1024;
// Whole-response write deadlines: generous for files (large exports on slow links).
constexpr auto kWriteTimeout = std::chrono::seconds(60);
constexpr auto kFileWriteTimeout = std::chrono::seconds(600);
// After a 413 the rest of the body is read and dropped for at most this long / this much, so the
// client sees the response instead of a connection reset. Enough for a file somewhat over the
// largest route limit (imports, 20 MB) sent to a route with a smaller one: with 8 MB / 2 s a
// 10 MB file sent to a 64 KB route was reset under load before the client read the 413.
constexpr auto kLingerTimeout = std::chrono::seconds(5);
constexpr size_t kLingerBytes = 32 * 1024 * 1024;
// How long stop() waits for requests in flight before stopping the io_context.
constexpr auto kShutdownGrace = std::chrono::seconds(10);

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

const char* const kJsonType = "application/json; charset=utf-8";
const char* const kCsp =
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

std::string toLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

const std::string* findHeader(const Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (iequals(k, name)) return &v;
  }
  return nullptr;
}

Response jsonError(int status, std::string_view code, std::string_view message, std::string_view field = {}) {
  boost::json::object o;
  o["code"] = code;
  o["message"] = message;
  o["field"] = field;
  return Response::text(status, boost::json::serialize(o), kJsonType);
}

Response internalError() { return jsonError(500, "internal", "服务器内部错误，请稍后重试"); }

Response methodNotAllowed() { return jsonError(405, "method_not_allowed", "不支持的请求方法"); }

std::string_view extensionOf(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return {};
  return name.substr(dot + 1);
}

std::string contentTypeFor(std::string_view path) {
  std::string ext = toLower(extensionOf(path));
  static const std::unordered_map<std::string, std::string> kTypes = {
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json; charset=utf-8"},
      {"map", "application/json; charset=utf-8"},
      {"webmanifest", "application/manifest+json"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"ico", "image/x-icon"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
      {"ttf", "font/ttf"},
      {"txt", "text/plain; charset=utf-8"},
      {"csv", "text/csv; charset=utf-8"},
      {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
      {"pdf", "application/pdf"},
  };
  auto it = kTypes.find(ext);
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

// A static path is served only when it has no NUL, no backslash and no ".." segment.
bool safeStaticPath(std::string_view path) {
  if (path.empty() || path[0] != '/') return false;
  if (path.find('\0') != std::string_view::npos) return false;
  if (path.find('\\') != std::string_view::npos) return false;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (path.substr(i, j - i) == "..") return false;
    i = j + 1;
  }
  return true;
}

bool validHeaderText(std::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool isHttpError(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category();
}

// Fills `out` from a parsed request header. False when the target is not in origin form.
template <class Fields>
bool fillRequest(const bhttp::header<true, Fields>& h, Request& out) {
  out.method = std::string(h.method_string());
  out.target = std::string(h.target());
  if (out.target.empty() || out.target[0] != '/') return false;
  std::string_view target = out.target;
  size_t qpos = target.find('?');
  std::string_view rawPath = target.substr(0, qpos);
  size_t hash = rawPath.find('#');
  if (hash != std::string_view::npos) rawPath = rawPath.substr(0, hash);
  out.path = percentDecode(rawPath, false);
  if (qpos != std::string_view::npos) {
    std::string_view rawQuery = target.substr(qpos + 1);
    size_t qhash = rawQuery.find('#');
    if (qhash != std::string_view::npos) rawQuery = rawQuery.substr(0, qhash);
    out.query = parseQuery(rawQuery);
  }
  for (const auto& f : h) {
    std::string key = toLower(f.name_string());
    std::string value(f.value());
    auto [it, inserted] = out.headers.emplace(key, value);
    if (!inserted) it->second += (key == "cookie" ? "; " : ", ") + value;
  }
  return true;
}

struct Conn {
  explicit Conn(tcp::socket s) : stream(std::move(s)) {}
  beast::tcp_stream stream;
  bool idle = false;  // waiting for the next request; only touched on the connection's strand
};

enum class Kind { Api, Health, Metrics, Static };

struct Dispatch {
  Kind kind = Kind::Static;
  Match match;
  std::string label;  // the metrics route label
  size_t bodyLimit = 0;
};

struct Sent {
  beast::error_code ec;
  int status = 0;
  uint64_t bytes = 0;
};

}  // namespace

std::string clientAddress(const std::string& peer, std::string_view forwardedFor,
                          const std::vector<std::string>& trusted) {
  if (forwardedFor.empty() || std::find(trusted.begin(), trusted.end(), peer) == trusted.end()) return peer;
  // The proxy appends the address it saw last ($proxy_add_x_forwarded_for); earlier entries
  // come from the client and are not believed.
  size_t comma = forwardedFor.rfind(',');
  std::string_view last = comma == std::string_view::npos ? forwardedFor : forwardedFor.substr(comma + 1);
  while (!last.empty() && (last.front() == ' ' || last.front() == '\t')) last.remove_prefix(1);
  while (!last.empty() && (last.back() == ' ' || last.back() == '\t')) last.remove_suffix(1);
  if (last.empty() || last.size() > 45) return peer;
  for (char ch : last)
    if (!(std::isxdigit(static_cast<unsigned char>(ch)) || ch == '.' || ch == ':')) return peer;
  return std::string(last);
}

struct Server::Impl {
  explicit Impl(ServerConfig c, Router r)
      : cfg(std::move(c)),
        router(std::move(r)),
        ioc(std::max(1, cfg.threads)),
        acceptorStrand(asio::make_strand(ioc)),
        acceptor(acceptorStrand),
        signals(acceptorStrand) {
    trusted = cfg.trustedProxies;
    if (trusted.empty()) {
      if (const char* env = std::getenv("ZUGONG_TRUSTED_PROXIES")) {
        std::string list(env);
        size_t pos = 0;
        while (pos <= list.size()) {
          size_t comma = list.find(',', pos);
          if (comma == std::string::npos) comma = list.size();
          std::string one = list.substr(pos, comma - pos);
          one.erase(0, one.find_first_not_of(" \t"));
          one.erase(one.find_last_not_of(" \t") + 1);
          if (!one.empty()) trusted.push_back(one);
          pos = comma + 1;
        }
      }
    }
    // Route labels for metrics: every pattern, read as a path, matches its own route.
    for (const auto& [method, pattern] : router.routes()) {
      Match m = router.match(method, pattern);
      if (m.handler != nullptr) patterns.emplace(m.handler, pattern);
    }
  }

  ServerConfig cfg;
  std::vector<std::string> trusted;  // reverse proxies whose X-Forwarded-For is believed
  Router router;
  std::unordered_map<const Handler*, std::string> patterns;
  Metrics metrics;
  asio::io_context ioc;
  // The acceptor, the signal set and shutdown run on this strand.
  asio::strand<asio::io_context::executor_type> acceptorStrand;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  std::atomic<bool> stopping{false};
  std::atomic<uint16_t> boundPort{0};
  std::mutex connsMu;
  std::set<std::shared_ptr<Conn>> conns;

  asio::awaitable<void> listen();
  asio::awaitable<void> session(std::shared_ptr<Conn> c);
  asio::awaitable<Sent> send(Conn& c, Response res, const Request& req, Kind kind, unsigned version, bool keepAlive);
  Dispatch dispatch(Request& req) const;
  Response produce(const Dispatch& d, Request& req);
  Response serveStatic(const Request& req) const;
  void beginShutdown();
  asio::awaitable<void> watchdog();
  void record(const std::string& label, const std::string& method, const std::string& target, int status,
              uint64_t bytes, Clock::time_point start, const std::string& ip);
};

namespace {

void logCoroutineException(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("http: connection failed: {}", ex.what());
  } catch (...) {
    spdlog::error("http: connection failed: unknown exception");
  }
}

template <class Body>
void applyHeaders(bhttp::response<Body>& m, const Response& r, const std::string& contentType, bool isApi) {
  m.set(bhttp::field::content_type, contentType);
  for (const auto& [name, value] : r.headers) {
    if (iequals(name, "content-type") || iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
        iequals(name, "connection")) {
      continue;
    }
    if (name.empty() || !validHeaderText(name) || !validHeaderText(value)) {
      spdlog::error("http: dropped a response header with a control character: {}", name);
      continue;
    }
    m.insert(name, value);
  }
  m.set("X-Content-Type-Options", "nosniff");
  m.set("X-Frame-Options", "DENY");
  m.set("Referrer-Policy", "same-origin");
  if (contentType.starts_with("text/html") && findHeader(r, "Content-Security-Policy") == nullptr) {
    m.set("Content-Security-Policy", kCsp);
  }
  if (isApi && findHeader(r, "Cache-Control") == nullptr) m.set(bhttp::field::cache_control, "no-store");
}

}  // namespace

Dispatch Server::Impl::dispatch(Request& req) const {
  Dispatch d;
  d.bodyLimit = cfg.defaultBodyLimit;
  const std::string& p = req.path;
  if (p == "/api" || p.starts_with("/api/")) {
    d.kind = Kind::Api;
    d.match = router.match(req.method, p);
    if (d.match.handler == nullptr && req.method == "HEAD") {
      Match get = router.match("GET", p);
      if (get.handler != nullptr) d.match = std::move(get);
    }
    if (d.match.handler != nullptr) {
      auto it = patterns.find(d.match.handler);
      d.label = it != patterns.end() ? it->second : "unmatched";
      d.bodyLimit = d.match.options->bodyLimit;
      req.params = d.match.params;
    } else {
      d.label = "unmatched";
    }
  } else if (p == "/healthz") {
    d.kind = Kind::Health;
    d.label = "/healthz";
  } else if (p == "/metrics") {
    d.kind = Kind::Metrics;
    d.label = "/metrics";
  } else {
    d.kind = Kind::Static;
    d.label = "static";
  }
  return d;
}

Response Server::Impl::produce(const Dispatch& d, Request& req) {
  bool getOrHead = req.method == "GET" || req.method == "HEAD";
  switch (d.kind) {
    case Kind::Api:
      if (d.match.handler != nullptr) {
        try {
          return (*d.match.handler)(req);
        } catch (const zg::Error& e) {
          if (e.kind() == ErrorKind::Internal) {
            spdlog::error("{} {}: {}", req.method, req.target, e.internalMessage());
            return internalError();
          }
          if (!e.internalMessage().empty()) {
            spdlog::warn("{} {}: {}: {}", req.method, req.target, e.code(), e.internalMessage());
          }
          return jsonError(httpStatus(e.kind()), e.code(), e.message(), e.field());
        } catch (const std::exception& e) {
          spdlog::error("{} {}: unhandled exception: {}", req.method, req.target, e.what());
          return internalError();
        } catch (...) {
          spdlog::error("{} {}: unhandled non-standard exception", req.method, req.target);
          return internalError();
        }
      }
      if (d.match.pathMatched) return methodNotAllowed();
      return jsonError(404, "not_found", "接口不存在");
    case Kind::Health:
      if (!getOrHead) return methodNotAllowed();
      return Response::text(200, "ok");
    case Kind::Metrics:
      if (!getOrHead) return methodNotAllowed();
      return Response::text(200, metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
    case Kind::Static:
      return serveStatic(req);
  }
  return internalError();
}

Response Server::Impl::serveStatic(const Request& req) const {
  if (req.method != "GET" && req.method != "HEAD") return methodNotAllowed();
  if (cfg.staticDir.empty()) return jsonError(404, "not_found", "页面不存在");
  if (!safeStaticPath(req.path)) return jsonError(400, "bad_path", "路径无效");
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path root(cfg.staticDir);
  fs::path file = root / std::string_view(req.path).substr(1);
  if (fs::is_directory(file, ec)) file /= "index.html";
  if (!fs::is_regular_file(file, ec)) {
    // Client-side routes of the single-page app have no extension.
    if (!extensionOf(req.path).empty()) return jsonError(404, "not_found", "文件不存在");
    file = root / "index.html";
    if (!fs::is_regular_file(file, ec)) return jsonError(404, "not_found", "页面不存在");
  }
  Response r;
  r.filePath = file.string();
  r.contentType = contentTypeFor(r.filePath);
  if (req.path.starts_with("/assets/") && file.filename() != "index.html") {
    r.setHeader("Cache-Control", "public, max-age=31536000, immutable");
  } else {
    r.setHeader("Cache-Control", "no-cache");
  }
  return r;
}

asio::awaitable<Sent> Server::Impl::send(Conn& c, Response res, const Request& req, Kind kind, unsigned version,
                                         bool keepAlive) {
  Sent out;
  bool head = req.method == "HEAD";
  bool isApi = kind == Kind::Api;
  if (!res.filePath.empty()) {
    bhttp::file_body::value_type file;
    beast::error_code fec;
    file.open(res.filePath.c_str(), beast::file_mode::scan, fec);
    if (!fec) {
      std::string type;
      if (const std::string* h = findHeader(res, "Content-Type")) {
        type = *h;
      } else if (res.contentType != kJsonType) {
        type = res.contentType;
      } else {
        type = contentTypeFor(res.filePath);
      }
      uint64_t size = file.size();
      out.status = res.status;
      c.stream.expires_after(kFileWriteTimeout);
      if (head) {
        bhttp::response<bhttp::empty_body> m;
        m.version(version);
        m.result(static_cast<unsigned>(res.status));
        applyHeaders(m, res, type, isApi);
        m.set(bhttp::field::content_length, std::to_string(size));
        m.keep_alive(keepAlive);
        auto [ec, n] = co_await bhttp::async_write(c.stream, m, kTuple);
        out.ec = ec;
      } else {
        bhttp::response<bhttp::file_body> m(std::piecewise_construct, std::make_tuple(std::move(file)));
        m.version(version);
        m.result(static_cast<unsigned>(res.status));
        applyHeaders(m, res, type, isApi);
        m.prepare_payload();
        m.keep_alive(keepAlive);
        auto [ec, n] = co_await bhttp::async_write(c.stream, m, kTuple);
        out.ec = ec;
        out.bytes = size;
      }
      co_return out;
    }
    if (kind == Kind::Static) {
      res = jsonError(404, "not_found", "文件不存在");
    } else {
      spdlog::error("{} {}: cannot open response file {}: {}", req.method, req.target, res.filePath, fec.message());
      res = internalError();
    }
  }
  // No body is allowed with 1xx, 204 and 304.
  if (res.status < 200 || res.status == 204 || res.status == 304) res.body.clear();
  out.status = res.status;
  c.stream.expires_after(kWriteTimeout);
  if (head) {
    bhttp::response<bhttp::empty_body> m;
    m.version(version);
    m.result(static_cast<unsigned>(res.status));
    applyHeaders(m, res, res.contentType, isApi);
    m.set(bhttp::field::content_length, std::to_string(res.body.size()));
    m.keep_alive(keepAlive);
    auto [ec, n] = co_await bhttp::async_write(c.stream, m, kTuple);
    out.ec = ec;
  } else {
    bhttp::response<bhttp::string_body> m;
    m.version(version);
    m.result(static_cast<unsigned>(res.status));
    applyHeaders(m, res, res.contentType, isApi);
    out.bytes = res.body.size();
    m.body() = std::move(res.body);
    m.prepare_payload();
    m.keep_alive(keepAlive);
    auto [ec, n] = co_await bhttp::async_write(c.stream, m, kTuple);
    out.ec = ec;
  }
  co_return out;
}

void Server::Impl::record(const std::string& label, const std::string& method, const std::string& target, int status,
                          uint64_t bytes, Clock::time_point start, const std::string& ip) {
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  metrics.observe(label, method, status, seconds);
  if (cfg.logRequests) {
    spdlog::info("{} {} {} {}B {:.1f}ms {}", method, target, status, bytes, seconds * 1000, ip);
  }
}

asio::awaitable<void> Server::Impl::session(std::shared_ptr<Conn> c) {
  metrics.connectionOpened();
  std::string ip;
  {
    beast::error_code ec;
    auto ep = c->stream.socket().remote_endpoint(ec);
    if (!ec) ip = ep.address().to_string();
  }
  beast::flat_buffer buffer;
  bool first = true;
  bool linger = false;  // drain unread input before closing (after a 413)
  for (;;) {
    // Wait for the first bytes of the next request.
    if (buffer.size() == 0) {
      c->idle = true;
      if (stopping) break;
      c->stream.expires_after(std::chrono::seconds(first ? cfg.readTimeoutSeconds : cfg.idleTimeoutSeconds));
      auto [ec, n] = co_await c->stream.async_read_some(buffer.prepare(4096), kTuple);
      c->idle = false;
      if (ec) break;
      buffer.commit(n);
    }
    first = false;
    Clock::time_point start = Clock::now();
    c->stream.expires_after(std::chrono::seconds(cfg.readTimeoutSeconds));

    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(boost::none);  // checked against the route's limit once routed
    auto [hec, hn] = co_await bhttp::async_read_header(c->stream, buffer, parser, kTuple);
    Request req;
    req.remoteIp = ip;
    bool badRequest = false;
    if (hec) {
      if (!isHttpError(hec) || hec == bhttp::error::end_of_stream || hec == bhttp::error::partial_message) {
        break;  // closed, reset or timed out: nothing to answer
      }
      badRequest = true;
    } else if (!fillRequest(parser.get(), req)) {
      badRequest = true;
    } else if (!trusted.empty()) {
      req.remoteIp = clientAddress(ip, req.header("x-forwarded-for"), trusted);
    }
    if (badRequest) {
      Response res = hec == bhttp::error::header_limit ? jsonError(431, "header_too_large", "请求头过大")
                                                       : jsonError(400, "bad_request", "请求格式错误");
      Request dummy;
      dummy.method = "-";
      Sent sent = co_await send(*c, std::move(res), dummy, Kind::Static, 11, false);
      record("unmatched", "-", req.target.empty() ? "-" : req.target, sent.status, sent.bytes, start, ip);
      linger = true;
      break;
    }

    Dispatch d = dispatch(req);
    unsigned version = parser.get().version();
    bool tooLarge = false;
    if (parser.content_length() && *parser.content_length() > d.bodyLimit) {
      tooLarge = true;
    } else if (!parser.is_done()) {
      parser.body_limit(d.bodyLimit);  // for chunked bodies
      if (iequals(req.header("expect"), "100-continue")) {
        static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        auto [cec, cn] = co_await asio::async_write(c->stream, asio::buffer(kContinue), kTuple);
        if (cec) break;
      }
      auto [bec, bn] = co_await bhttp::async_read(c->stream, buffer, parser, kTuple);
      if (bec == bhttp::error::body_limit) {
        tooLarge = true;
      } else if (bec) {
        if (!isHttpError(bec) || bec == bhttp::error::partial_message) break;
        Sent sent = co_await send(*c, jsonError(400, "bad_request", "请求格式错误"), req, Kind::Static, version, false);
        record(d.label, req.method, req.target, sent.status, sent.bytes, start, ip);
        linger = true;
        break;
      }
    }

    Response res;
    if (tooLarge) {
      res = jsonError(413, "payload_too_large", "请求内容过大");
    } else {
      req.body = std::move(parser.get().body());
      res = produce(d, req);
    }
    bool keepAlive = !tooLarge && parser.get().keep_alive() && !stopping;
    Sent sent = co_await send(*c, std::move(res), req, d.kind, version, keepAlive);
    record(d.label, req.method, req.target, sent.status, sent.bytes, start, ip);
    if (sent.ec) break;
    if (!keepAlive) {
      linger = tooLarge;
      break;
    }
  }

  beast::error_code ec;
  c->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (linger && !ec) {
    // Read and drop what the client is still sending so it gets our response, not a reset.
    c->stream.expires_after(kLingerTimeout);
    std::array<char, 16 * 1024> scratch;
    size_t total = 0;
    while (total < kLingerBytes) {
      auto [rec, rn] = co_await c->stream.async_read_some(asio::buffer(scratch), kTuple);
      if (rec) break;
      total += rn;
    }
  }
  c->stream.close();
  {
    std::lock_guard<std::mutex> lock(connsMu);
    conns.erase(c);
  }
  metrics.connectionClosed();
}

asio::awaitable<void> Server::Impl::listen() {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), kTuple);
    if (ec) {
      if (stopping || !acceptor.is_open()) co_return;
      spdlog::warn("http: accept failed: {}", ec.message());
      // Out of descriptors and the like: back off instead of spinning.
      asio::steady_timer t(ioc, std::chrono::milliseconds(100));
      co_await t.async_wait(kTuple);
      continue;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto c = std::make_shared<Conn>(tcp::socket(std::move(socket)));
    {
      std::lock_guard<std::mutex> lock(connsMu);
      conns.insert(c);
    }
    asio::co_spawn(c->stream.get_executor(), session(c), logCoroutineException);
  }
}

void Server::Impl::beginShutdown() {
  beast::error_code ec;
  acceptor.close(ec);
  signals.cancel(ec);
  std::vector<std::shared_ptr<Conn>> open;
  {
    std::lock_guard<std::mutex> lock(connsMu);
    open.assign(conns.begin(), conns.end());
  }
  // Connections waiting for a request are closed now; the others finish their request first.
  for (auto& c : open) {
    asio::post(c->stream.get_executor(), [c] {
      if (c->idle) c->stream.cancel();
    });
  }
  asio::co_spawn(ioc, watchdog(), logCoroutineException);
}

asio::awaitable<void> Server::Impl::watchdog() {
  auto deadline = Clock::now() + kShutdownGrace;
  asio::steady_timer t(ioc);
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(connsMu);
      if (conns.empty()) co_return;
    }
    if (Clock::now() >= deadline) {
      spdlog::warn("http: requests still running after {}s; stopping anyway", kShutdownGrace.count());
      ioc.stop();
      co_return;
    }
    t.expires_after(std::chrono::milliseconds(50));
    co_await t.async_wait(kTuple);
  }
}

Server::Server(ServerConfig cfg, Router router) : impl_(std::make_unique<Impl>(std::move(cfg), std::move(router))) {}

Server::~Server() = default;

void Server::run() {
  Impl& s = *impl_;
  tcp::endpoint endpoint;
  beast::error_code ec;
  auto address = asio::ip::make_address(s.cfg.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, s.cfg.port);
  } else {
    tcp::resolver resolver(s.ioc);
    auto results = resolver.resolve(s.cfg.host, std::to_string(s.cfg.port), ec);
    if (ec || results.empty()) {
      throw std::runtime_error("cannot resolve listen address " + s.cfg.host + ": " + ec.message());
    }
    endpoint = results.begin()->endpoint();
  }
  try {
    s.acceptor.open(endpoint.protocol());
    s.acceptor.set_option(tcp::acceptor::reuse_address(true));
    s.acceptor.bind(endpoint);
    s.acceptor.listen(asio::socket_base::max_listen_connections);
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("cannot listen on " + s.cfg.host + ":" + std::to_string(s.cfg.port) + ": " +
                             e.code().message());
  }
  s.boundPort = s.acceptor.local_endpoint().port();

  s.signals.add(SIGINT);
  s.signals.add(SIGTERM);
  s.signals.async_wait([this](const beast::error_code& sec, int sig) {
    if (sec) return;
    spdlog::info("http: signal {} received, stopping", sig);
    stop();
  });
  asio::co_spawn(s.acceptorStrand, s.listen(), logCoroutineException);

  std::string host = s.cfg.host.find(':') != std::string::npos ? "[" + s.cfg.host + "]" : s.cfg.host;
  std::cout << "listening on http://" << host << ":" << s.boundPort.load() << std::endl;

  auto runLoop = [&s] {
    for (;;) {
      try {
        s.ioc.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("http: io thread caught: {}", e.what());
      }
    }
  };
  std::vector<std::thread> pool;
  for (int i = 1; i < s.cfg.threads; ++i) pool.emplace_back(runLoop);
  runLoop();
  for (auto& t : pool) t.join();
}

void Server::stop() {
  if (impl_->stopping.exchange(true)) return;
  Impl* s = impl_.get();
  asio::post(s->acceptorStrand, [s] { s->beginShutdown(); });
}

uint16_t Server::port() const { return impl_->boundPort.load(); }

bool parseRequestForFuzz(std::string_view bytes, Request& out) {
  try {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(64 * 1024);
    parser.eager(true);
    beast::error_code ec;
    while (!parser.is_done()) {
      size_t n = parser.put(asio::buffer(bytes.data(), bytes.size()), ec);
      bytes.remove_prefix(n);
      if (ec == bhttp::error::need_more) {
        if (!parser.got_some()) return false;
        parser.put_eof(ec);  // all input is given: the request is incomplete unless body-to-EOF
        if (ec) return false;
        break;
      }
      if (ec) return false;
      if (n == 0 && !parser.is_done()) return false;
    }
    if (!fillRequest(parser.get(), out)) return false;
    out.body = std::move(parser.get().body());
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace zg::http
