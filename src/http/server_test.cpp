// The real server on 127.0.0.1 with an ephemeral port, spoken to over plain POSIX sockets.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "http/http.h"

namespace zg::http {
namespace {

namespace fs = std::filesystem;

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// A tiny blocking HTTP/1.1 client: enough to read responses with Content-Length.
class Client {
 public:
  explicit Client(uint16_t port, int timeoutSeconds = 5) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket");
    timeval tv{timeoutSeconds, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("connect");
    }
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      data.remove_prefix(static_cast<size_t>(n));
    }
  }

  // Reads one response; nullopt when the connection ends first. `head`: no body follows.
  std::optional<Reply> read(bool head = false) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    std::string head_text = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    Reply r;
    std::istringstream lines(head_text);
    std::string line;
    std::getline(lines, line);
    if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12) return std::nullopt;
    r.status = std::stoi(line.substr(9, 3));
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t v = line.find_first_not_of(' ', colon + 1);
      r.headers[name] = v == std::string::npos ? "" : line.substr(v);
    }
    if (r.status / 100 == 1) return r;  // interim response
    size_t length = head ? 0 : std::stoul(r.header("content-length").empty() ? "0" : r.header("content-length"));
    while (buf_.size() < length) {
      if (!fill()) return std::nullopt;
    }
    r.body = buf_.substr(0, length);
    buf_.erase(0, length);
    return r;
  }

  // True when the server closes the connection (EOF or reset) within the receive timeout.
  bool closedByServer() {
    char c;
    ssize_t n = ::recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

 private:
  bool fill() {
    char tmp[8192];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  int fd_ = -1;
  std::string buf_;
};

std::string req(const std::string& method, const std::string& target, const std::string& body = "",
                const std::string& extra = "") {
  std::string s = method + " " + target + " HTTP/1.1\r\nHost: test\r\n" + extra;
  if (!body.empty() || method == "POST") s += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return s + "\r\n" + body;
}

const std::string kInternalBody = R"({"code":"internal","message":"服务器内部错误，请稍后重试","field":""})";

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("zg_http_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "www" / "assets");
    write(dir_ / "www" / "index.html", "<html>app</html>");
    write(dir_ / "www" / "assets" / "app.1234.js", "console.log(1);");
    write(dir_ / "www" / "robots.txt", "User-agent: *");
    write(dir_ / "secret.txt", "top secret");
    write(dir_ / "report.pdf", "%PDF-1.4 fake");

    // Capture the log so tests can check what reaches it.
    log_ = std::make_shared<std::ostringstream>();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*log_);
    previousLogger_ = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));

    Router r;
    r.add("GET", "/api/items/:id", [](Request& q) {
      return Response::text(200, "{\"id\":" + std::to_string(q.idParam()) + "}", "application/json; charset=utf-8");
    });
    r.add("GET", "/api/items/special", [](Request&) { return Response::text(200, "special"); });
    r.add("POST", "/api/echo", [](Request& q) {
      Response res = Response::text(200, q.body);
      res.setHeader("X-Query", q.q("x").value_or("-"));
      res.setHeader("X-Cookie", q.cookie("sid"));
      return res;
    });
    r.add(
        "POST", "/api/small", [](Request& q) { return Response::text(200, "got " + q.body); },
        RouteOptions{.bodyLimit = 16});
    r.add("GET", "/api/invalid", [](Request&) -> Response { throw zg::Error::invalid("name", "姓名不能为空"); });
    r.add("GET", "/api/boom", [](Request&) -> Response { throw std::runtime_error("database password is hunter2"); });
    r.add("GET", "/api/internal",
          [](Request&) -> Response { throw zg::Error::internal("disk quota exceeded on /var/lib"); });
    r.add("GET", "/api/download",
          [](Request&) { return Response::download("a,b\n", "text/csv; charset=utf-8", "名册.csv"); });
    std::string pdf = (dir_ / "report.pdf").string();
    r.add("GET", "/api/file", [pdf](Request&) {
      Response res;
      res.filePath = pdf;
      res.setHeader("Cache-Control", "private");
      return res;
    });
    start(std::move(r));
  }

  void start(Router r, int readTimeout = 30, int idleTimeout = 60) {
    ServerConfig cfg;
    cfg.host = "127.0.0.1";
    cfg.port = 0;
    cfg.threads = 2;
    cfg.staticDir = (dir_ / "www").string();
    cfg.readTimeoutSeconds = readTimeout;
    cfg.idleTimeoutSeconds = idleTimeout;
    cfg.logRequests = true;
    server_ = std::make_unique<Server>(cfg, std::move(r));
    thread_ = std::thread([this] { server_->run(); });
    for (int i = 0; i < 500 && server_->port() == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_NE(server_->port(), 0);
  }

  void stopServer() {
    if (!server_) return;
    server_->stop();
    thread_.join();
    server_.reset();
  }

  void TearDown() override {
    stopServer();
    spdlog::set_default_logger(previousLogger_);
    fs::remove_all(dir_);
  }

  static void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

  // One request on a fresh connection.
  Reply get(const std::string& raw, bool head = false) {
    Client c(server_->port());
    c.send(raw);
    auto r = c.read(head);
    if (!r) throw std::runtime_error("no response to " + raw.substr(0, 40));
    return *r;
  }

  // Read only after stopServer(): the server threads write the log.
  std::string log() const { return log_->str(); }

  fs::path dir_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::shared_ptr<std::ostringstream> log_;
  std::shared_ptr<spdlog::logger> previousLogger_;
};

void expectSecurityHeaders(const Reply& r) {
  EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(r.header("x-frame-options"), "DENY");
  EXPECT_EQ(r.header("referrer-policy"), "same-origin");
}

TEST_F(ServerTest, Healthz) {
  Reply r = get(req("GET", "/healthz"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
  expectSecurityHeaders(r);
}

TEST_F(ServerTest, HandlerResultAndParams) {
  Reply r = get(req("GET", "/api/items/42"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"id\":42}");
  EXPECT_EQ(r.header("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(r.header("cache-control"), "no-store");
  expectSecurityHeaders(r);
  EXPECT_EQ(get(req("GET", "/api/items/special/")).body, "special");  // literal beats :id

  Reply bad = get(req("GET", "/api/items/abc"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, R"({"code":"invalid","message":"编号无效","field":"id"})");
}

TEST_F(ServerTest, EchoesBodyQueryAndCookie) {
  Reply r = get(req("POST", "/api/echo?x=%E4%B8%AD+1", "{\"a\":1}", "Cookie: a=1; sid=xyz\r\n"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"a\":1}");
  EXPECT_EQ(r.header("x-query"), "中 1");
  EXPECT_EQ(r.header("x-cookie"), "xyz");
}

TEST_F(ServerTest, ErrorsBecomeJson) {
  Reply invalid = get(req("GET", "/api/invalid"));
  EXPECT_EQ(invalid.status, 400);
  EXPECT_EQ(invalid.body, R"({"code":"invalid","message":"姓名不能为空","field":"name"})");
  EXPECT_EQ(invalid.header("content-type"), "application/json; charset=utf-8");

  Reply boom = get(req("GET", "/api/boom"));
  EXPECT_EQ(boom.status, 500);
  EXPECT_EQ(boom.body, kInternalBody);
  EXPECT_EQ(boom.body.find("hunter2"), std::string::npos);

  Reply internal = get(req("GET", "/api/internal"));
  EXPECT_EQ(internal.status, 500);
  EXPECT_EQ(internal.body, kInternalBody);

  // The details reach the log only.
  stopServer();  // no more log writes while the log is read
  EXPECT_NE(log().find("database password is hunter2"), std::string::npos);
  EXPECT_NE(log().find("disk quota exceeded on /var/lib"), std::string::npos);
}

TEST_F(ServerTest, NotFoundAndMethodNotAllowed) {
  Reply nf = get(req("GET", "/api/nothing/here"));
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(nf.body, R"({"code":"not_found","message":"接口不存在","field":""})");
  EXPECT_EQ(nf.header("cache-control"), "no-store");

  Reply na = get(req("DELETE", "/api/items/1"));
  EXPECT_EQ(na.status, 405);
  EXPECT_EQ(na.body, R"({"code":"method_not_allowed","message":"不支持的请求方法","field":""})");

  EXPECT_EQ(get(req("POST", "/healthz")).status, 405);
  EXPECT_EQ(get(req("POST", "/index.html")).status, 405);
}

TEST_F(ServerTest, BodyLimits) {
  EXPECT_EQ(get(req("POST", "/api/small", "0123456789")).body, "got 0123456789");

  Client c(server_->port());
  c.send(req("POST", "/api/small", std::string(100, 'x')));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->body, R"({"code":"payload_too_large","message":"请求内容过大","field":""})");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.closedByServer());

  // Chunked bodies are held to the same limit.
  Reply chunked =
      get("POST /api/small HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
          "10\r\n0123456789abcdef\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n");
  EXPECT_EQ(chunked.status, 413);

  // Routes without options get the default 64 KB; a larger body is refused up front.
  Reply big = get(req("POST", "/api/echo", std::string(70 * 1024, 'y')));
  EXPECT_EQ(big.status, 413);
  Reply fits = get(req("POST", "/api/echo", std::string(60 * 1024, 'y')));
  EXPECT_EQ(fits.status, 200);
  EXPECT_EQ(fits.body.size(), 60u * 1024);
}

TEST_F(ServerTest, ExpectContinue) {
  Client c(server_->port());
  c.send("POST /api/small HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  auto interim = c.read();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  c.send("abcd");
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "got abcd");
}

TEST_F(ServerTest, KeepAliveAndPipelining) {
  Client c(server_->port());
  c.send(req("GET", "/api/items/1"));
  auto a = c.read();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->body, "{\"id\":1}");
  c.send(req("GET", "/api/items/2"));
  auto b = c.read();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->body, "{\"id\":2}");
  // Two requests in one write.
  c.send(req("GET", "/api/items/3") + req("POST", "/api/echo", "hello"));
  auto x = c.read();
  auto y = c.read();
  ASSERT_TRUE(x && y);
  EXPECT_EQ(x->body, "{\"id\":3}");
  EXPECT_EQ(y->body, "hello");
  // An error response keeps the connection too.
  c.send(req("GET", "/api/invalid"));
  auto e = c.read();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 400);
  c.send(req("GET", "/healthz"));
  auto h = c.read();
  ASSERT_TRUE(h);
  EXPECT_EQ(h->body, "ok");
  // Connection: close is honoured.
  c.send(req("GET", "/healthz", "", "Connection: close\r\n"));
  ASSERT_TRUE(c.read());
  EXPECT_TRUE(c.closedByServer());
}

TEST_F(ServerTest, StaticFilesAndSpaFallback) {
  Reply index = get(req("GET", "/"));
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<html>app</html>");
  EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(index.header("cache-control"), "no-cache");
  EXPECT_EQ(index.header("content-security-policy"),
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'");
  expectSecurityHeaders(index);

  Reply js = get(req("GET", "/assets/app.1234.js"));
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.body, "console.log(1);");
  EXPECT_EQ(js.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js.header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(js.header("content-security-policy"), "");

  Reply robots = get(req("GET", "/robots.txt"));
  EXPECT_EQ(robots.body, "User-agent: *");
  EXPECT_EQ(robots.header("content-type"), "text/plain; charset=utf-8");

  Reply spa = get(req("GET", "/members/12/edit?tab=2"));
  EXPECT_EQ(spa.status, 200);
  EXPECT_EQ(spa.body, "<html>app</html>");
  EXPECT_EQ(spa.header("cache-control"), "no-cache");
  // A page route gets the page's headers too, frame-ancestors included.
  EXPECT_EQ(spa.header("content-security-policy"), index.header("content-security-policy"));
  expectSecurityHeaders(spa);

  EXPECT_EQ(get(req("GET", "/missing.png")).status, 404);
  EXPECT_EQ(get(req("GET", "/assets/missing.js")).status, 404);
  // /api/… never falls back to the app.
  EXPECT_EQ(get(req("GET", "/api/members")).status, 404);
}

TEST_F(ServerTest, StaticRejectsTraversal) {
  for (const char* target :
       {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt", "/a%00.html", "/..%5csecret.txt"}) {
    Reply r = get(req("GET", target));
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(r.body.find("top secret"), std::string::npos) << target;
  }
}

TEST_F(ServerTest, HeadSendsHeadersOnly) {
  Client c(server_->port());
  c.send(req("HEAD", "/assets/app.1234.js"));
  auto r = c.read(/*head=*/true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-length"), "15");
  EXPECT_EQ(r->header("cache-control"), "public, max-age=31536000, immutable");
  c.send(req("HEAD", "/api/items/5"));  // HEAD runs the GET route
  auto api = c.read(true);
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 200);
  EXPECT_EQ(api->header("content-length"), "8");
  // No body was sent: the next response on the connection parses cleanly.
  c.send(req("GET", "/healthz"));
  auto next = c.read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, "ok");
}

TEST_F(ServerTest, DownloadsAndHandlerFiles) {
  Reply d = get(req("GET", "/api/download"));
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(d.body, "a,b\n");
  EXPECT_EQ(d.header("content-type"), "text/csv; charset=utf-8");
  EXPECT_EQ(d.header("content-disposition"),
            "attachment; filename=\"__.csv\"; filename*=UTF-8''%E5%90%8D%E5%86%8C.csv");

  Reply f = get(req("GET", "/api/file"));
  EXPECT_EQ(f.status, 200);
  EXPECT_EQ(f.body, "%PDF-1.4 fake");
  EXPECT_EQ(f.header("content-type"), "application/pdf");
  EXPECT_EQ(f.header("cache-control"), "private");
}

TEST_F(ServerTest, MalformedRequests) {
  Client c(server_->port());
  c.send("THIS IS NOT HTTP\r\n\r\n");
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(c.closedByServer());

  Reply absolute = get("GET http://evil/ HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(absolute.status, 400);

  Reply huge = get("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
  EXPECT_EQ(huge.status, 431);

  // The server still serves after all that.
  EXPECT_EQ(get(req("GET", "/healthz")).body, "ok");
}

TEST_F(ServerTest, Metrics) {
  get(req("GET", "/api/items/7"));
  get(req("GET", "/api/items/8"));
  get(req("GET", "/api/boom"));
  get(req("GET", "/api/nope"));
  get(req("GET", "/"));
  const std::vector<std::string> expected = {
      "zugong_http_requests_total{route=\"/api/items/:id\",method=\"GET\",status=\"200\"} 2\n",
      "zugong_http_requests_total{route=\"/api/boom\",method=\"GET\",status=\"500\"} 1\n",
      "zugong_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1\n",
      "zugong_http_requests_total{route=\"static\",method=\"GET\",status=\"200\"} 1\n",
      "# TYPE zugong_http_request_duration_seconds histogram\n",
      "zugong_http_request_duration_seconds_bucket{route=\"/api/items/:id\",le=\"0.001\"} ",
      "zugong_http_request_duration_seconds_bucket{route=\"/api/items/:id\",le=\"0.0025\"} ",
      "zugong_http_request_duration_seconds_bucket{route=\"/api/items/:id\",le=\"10\"} 2\n",
      "zugong_http_request_duration_seconds_bucket{route=\"/api/items/:id\",le=\"+Inf\"} 2\n",
      "zugong_http_request_duration_seconds_count{route=\"/api/items/:id\"} 2\n",
      "zugong_http_errors_total{route=\"/api/boom\"} 1\n",
  };
  auto missing = [&](const std::string& text) {
    for (const auto& e : expected) {
      if (text.find(e) == std::string::npos) return e;
    }
    return std::string();
  };
  // A request is counted just after its response is written: poll until the last ones show.
  Reply m;
  for (int i = 0; i < 100; ++i) {
    m = get(req("GET", "/metrics"));
    if (missing(m.body).empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(m.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(missing(m.body), "") << m.body;
  const std::string rssPrefix = "\nzugong_process_resident_memory_bytes ";
  size_t rss = m.body.find(rssPrefix);
  ASSERT_NE(rss, std::string::npos);
  EXPECT_GT(std::stoull(m.body.substr(rss + rssPrefix.size())), 1000000u);
}

TEST_F(ServerTest, RequestLogLine) {
  get(req("GET", "/api/items/9?page=2"));
  stopServer();  // all lines are written
  EXPECT_NE(log().find("GET /api/items/9?page=2 200 8B "), std::string::npos) << log();
  EXPECT_NE(log().find("ms 127.0.0.1"), std::string::npos) << log();
}

TEST_F(ServerTest, StopClosesIdleConnectionsPromptly) {
  Client idle(server_->port());
  idle.send(req("GET", "/healthz"));
  ASSERT_TRUE(idle.read());
  auto t0 = std::chrono::steady_clock::now();
  stopServer();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  EXPECT_TRUE(idle.closedByServer());
}

class ServerTimeoutTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    stopServer();
    Router r;
    r.add("GET", "/api/x", [](Request&) { return Response::text(200, "x"); });
    start(std::move(r), /*readTimeout=*/1, /*idleTimeout=*/1);
  }
};

TEST_F(ServerTimeoutTest, SlowHeaderIsCut) {
  Client c(server_->port());
  c.send("GET /api/x HTTP/1.1\r\n");  // never finishes the header
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closedByServer());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(2500));
}

TEST_F(ServerTimeoutTest, IdleKeepAliveIsClosed) {
  Client c(server_->port());
  c.send(req("GET", "/api/x"));
  ASSERT_TRUE(c.read());
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closedByServer());
  auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GT(waited, std::chrono::milliseconds(500));
  EXPECT_LT(waited, std::chrono::milliseconds(2500));
}

}  // namespace
}  // namespace zg::http
