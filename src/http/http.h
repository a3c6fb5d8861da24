// HTTP types shared by the server, the router and every module's routes. Nothing here
// includes Boost.Beast or Asio: those stay inside src/http/*.cpp.
#pragma once
#include <any>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace zg::http {

struct Request {
  std::string method;  // "GET", "POST", …
  std::string target;  // raw target, e.g. "/api/members?page=2"
  std::string path;    // percent-decoded path without the query
  std::map<std::string, std::string> query;               // decoded query parameters
  std::unordered_map<std::string, std::string> headers;   // keys in lower case
  std::unordered_map<std::string, std::string> params;    // route parameters (":id" → "id")
  std::string body;
  std::string remoteIp;
  // Set by the application's middleware (the authenticated user); opaque to src/http.
  std::any auth;

  // Header value or "" (name is case-insensitive).
  std::string header(std::string_view name) const;
  // Cookie value from the Cookie header, or "".
  std::string cookie(std::string_view name) const;
  // Query parameter, or nullopt.
  std::optional<std::string> q(const std::string& name) const;
  // Route parameter parsed as a positive integer; throws zg::Error::invalid(name) otherwise.
  int64_t idParam(const std::string& name = "id") const;
};

struct Response {
  int status = 200;
  std::string contentType = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the server sends this file (Content-Type/Cache-Control taken from `headers` or
  // derived from the extension) instead of `body`.
  std::string filePath;

  static Response text(int status, std::string body, std::string contentType = "text/plain; charset=utf-8");
  // A download: sets Content-Disposition with the UTF-8 file name (RFC 5987).
  static Response download(std::string body, std::string contentType, const std::string& fileName);
  void setHeader(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
};

using Handler = std::function<Response(Request&)>;

struct RouteOptions {
  // Largest request body accepted; larger bodies get 413 before the handler runs.
  size_t bodyLimit = 64 * 1024;
};

struct Match {
  const Handler* handler = nullptr;
  const RouteOptions* options = nullptr;
  std::unordered_map<std::string, std::string> params;
  bool pathMatched = false;  // true with handler==nullptr means 405
};

// Routes "/api/members/:id" style patterns. Literal segments win over parameters.
class Router {
 public:
  void add(std::string method, std::string pattern, Handler h, RouteOptions o = {});
  Match match(std::string_view method, std::string_view path) const;
  // For tests and docs: every (method, pattern) registered.
  std::vector<std::pair<std::string, std::string>> routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    RouteOptions options;
  };
  std::vector<Route> routes_;
};

struct ServerConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  int threads = 4;
  std::string staticDir;           // built web app (web/dist); "" = none
  int readTimeoutSeconds = 30;     // whole request must arrive within this
  int idleTimeoutSeconds = 60;     // keep-alive connection closed after this idle time
  size_t defaultBodyLimit = 64 * 1024;
  bool logRequests = true;
  // Addresses of reverse proxies (nginx in front of several servers) whose X-Forwarded-For is
  // believed: a request from one of them takes the last address of that header as its
  // remoteIp, so log-in throttling and the public pages' rate limits see the real client. Empty
  // = the env ZUGONG_TRUSTED_PROXIES (comma-separated), else none.
  std::vector<std::string> trustedProxies;
};

// The client address of a request that came from `peer` with this X-Forwarded-For header:
// the header's last entry when `peer` is one of `trusted`, else `peer`. (Pure; tested.)
std::string clientAddress(const std::string& peer, std::string_view forwardedFor,
                          const std::vector<std::string>& trusted);


// Runs the HTTP server until stop() is called or SIGINT/SIGTERM arrives.
//  - "/api/..." requests go to the router; unknown → 404 JSON; wrong method → 405 JSON.
//  - a zg::Error thrown by a handler becomes {code, message, field} with httpStatus(kind);
//    any other exception becomes a 500 with a generic Chinese message, logged with details.
//  - "/healthz" → 200 "ok"; "/metrics" → Prometheus text (requests by route and status,
//    latency histogram, errors).
//  - other GET paths are files under staticDir; unknown paths without a file extension get
//    index.html (the SPA's client-side routes). index.html is sent with
//    "Cache-Control: no-cache", files under /assets/ with "public, max-age=31536000, immutable".
//  - one log line per request: method, target, status, bytes, latency ms, remote ip.
class Server {
 public:
  Server(ServerConfig cfg, Router router);
  ~Server();
  // Binds and serves; returns when stopped. Prints "listening on http://host:port" when ready.
  void run();
  void stop();
  // The bound port (useful with port 0).
  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Percent-decoding and query parsing (exposed for tests and fuzzing).
std::string percentDecode(std::string_view s, bool plusIsSpace);
std::map<std::string, std::string> parseQuery(std::string_view q);

}  // namespace zg::http
