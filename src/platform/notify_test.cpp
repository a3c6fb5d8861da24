// The notification outbox: enqueue inside a transaction, the log driver, and the http driver
// against a tiny HTTP server on loopback started here (503 then 200: retry with backoff; a
// server that never answers: the timeout is recorded; always 500: failed after max attempts).
#include "platform/notify.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "../../tests/unit/testing.h"
#include "platform/settings.h"

namespace zg::notify {
namespace {

namespace bj = boost::json;

// Answers each connection with the next status of `statuses` (the last one repeats); status 0
// means: read the request and never answer.
class LoopbackGateway {
 public:
  explicit LoopbackGateway(std::vector<int> statuses) : statuses_(std::move(statuses)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 8);
    thread_ = std::thread([this] {
      for (;;) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0 || stop_) {
          if (c >= 0) ::close(c);
          return;
        }
        std::string req;
        char buf[4096];
        while (true) {
          ssize_t n = ::recv(c, buf, sizeof buf, 0);
          if (n <= 0) break;
          req.append(buf, static_cast<size_t>(n));
          auto h = req.find("\r\n\r\n");
          if (h != std::string::npos) {
            auto cl = req.find("Content-Length: ");
            size_t want = cl == std::string::npos ? 0 : std::stoul(req.substr(cl + 16));
            if (req.size() >= h + 4 + want) break;
          }
        }
        int status;
        {
          std::lock_guard g(mu_);
          requests_.push_back(req);
          status = statuses_[std::min(requests_.size() - 1, statuses_.size() - 1)];
        }
        if (status == 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(600));
        } else {
          std::string resp = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
          ::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
        }
        ::close(c);
      }
    });
  }
  ~LoopbackGateway() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/sms/send"; }
  std::vector<std::string> requests() {
    std::lock_guard g(mu_);
    return requests_;
  }

 private:
  std::vector<int> statuses_;
  int fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> requests_;
};

struct Fixture {
  testing::TestApp t;
  crypto::FieldCipher cipher{std::string(32, 'k')};
  Fixture() { t.login("admin", "Admin1234"); }
  void set(const std::string& key, const bj::value& v) {
    auto r = t.call("PUT", "/api/settings/" + key, bj::object{{"value", v}});
    ASSERT_EQ(r.status, 200) << r.raw;
  }
  int64_t put(const std::string& text, std::optional<std::string> phone = "13912345678") {
    auto c = t.db->acquire();
    store::Transaction tx(*c);
    int64_t id = enqueue(*c, cipher, Message{std::nullopt, "王五", phone, text, "test", 1, "/1/"});
    tx.commit();
    return id;
  }
  store::Result row(int64_t id) {
    auto c = t.db->acquire();
    return c->query("SELECT state, attempts, last_error, phone_enc, phone_mask, preview, body_enc FROM notify_outbox "
                    "WHERE id = ?",
                    {id});
  }
};

TEST(Notify, TextRules) {
  EXPECT_TRUE(holdsIdNumber("身份证330104198001010011号"));
  EXPECT_TRUE(holdsIdNumber("33010419800101001X"));
  EXPECT_FALSE(holdsIdNumber("电话13912345678，门牌1201"));
  EXPECT_EQ(maskPhones("队长张三，电话13912345678。"), "队长张三，电话139****5678。");
  EXPECT_EQ(maskPhones("编号123456789012"), "编号123456789012");
}

TEST(Notify, EnqueueStoresEncryptedAndRefusesIdNumbers) {
  Fixture f;
  int64_t id = f.put("队长电话13800001111");
  auto r = f.row(id);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.front().text(0), "pending");
  EXPECT_EQ(r.front().text(3).find("13912345678"), std::string::npos);  // phone encrypted
  EXPECT_EQ(f.cipher.decrypt(r.front().text(3)), "13912345678");
  EXPECT_EQ(r.front().text(4), "139****5678");
  EXPECT_EQ(r.front().text(5), "队长电话138****1111");
  EXPECT_EQ(f.cipher.decrypt(r.front().text(6)), "队长电话13800001111");
  auto c = f.t.db->acquire();
  try {
    enqueue(*c, f.cipher, Message{std::nullopt, "王五", "13912345678", "证件330104198001010011", "test", 1, "/1/"});
    FAIL() << "an ID number was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "text");
  }
}

TEST(Notify, LogDriverMarksSent) {
  Fixture f;
  int64_t a = f.put("你好"), b = f.put("无号码", std::nullopt);
  EXPECT_EQ(drainOnce(*f.t.db, f.cipher), 2);
  EXPECT_EQ(f.row(a).front().text(0), "sent");
  EXPECT_EQ(f.row(b).front().text(0), "failed");
  EXPECT_EQ(f.row(b).front().text(2), "无手机号");
  EXPECT_EQ(drainOnce(*f.t.db, f.cipher), 0);  // nothing due any more
}

TEST(Notify, HttpDriverRetriesWithBackoffThenSends) {
  Fixture f;
  LoopbackGateway gw({503, 200});
  f.set("notify.driver", "http");
  f.set("notify.gateway_url", bj::value(gw.url()));
  f.set("notify.gateway_key", "k-123");
  f.set("notify.retry_base_seconds", 3600);
  int64_t id = f.put("队长电话13800001111");
  EXPECT_EQ(drainOnce(*f.t.db, f.cipher), 1);
  auto r = f.row(id);
  EXPECT_EQ(r.front().text(0), "pending");
  EXPECT_EQ(r.front().i64(1), 1);
  EXPECT_EQ(r.front().text(2), "网关返回 HTTP 503");
  // Backoff: not due again for an hour.
  EXPECT_EQ(drainOnce(*f.t.db, f.cipher), 0);
  {
    auto c = f.t.db->acquire();
    c->exec("UPDATE notify_outbox SET next_attempt_at = '2000-01-01' WHERE id = ?", {id});
  }
  EXPECT_EQ(drainOnce(*f.t.db, f.cipher), 1);
  r = f.row(id);
  EXPECT_EQ(r.front().text(0), "sent");
  EXPECT_EQ(r.front().i64(1), 2);
  auto reqs = gw.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_NE(reqs[1].find("POST /sms/send HTTP/1.1"), std::string::npos);
  EXPECT_NE(reqs[1].find("Authorization: Bearer k-123"), std::string::npos);
  auto body = bj::parse(reqs[1].substr(reqs[1].find("\r\n\r\n") + 4)).as_object();
  EXPECT_EQ(body.at("phone").as_string(), "13912345678");
  EXPECT_EQ(body.at("text").as_string(), "队长电话13800001111");
}

TEST(Notify, HttpDriverRecordsTimeoutsAndGivesUp) {
  Fixture f;
  LoopbackGateway gw({0, 500});
  f.set("notify.driver", "http");
  f.set("notify.gateway_url", bj::value(gw.url()));
  f.set("notify.timeout_ms", 200);
  f.set("notify.retry_base_seconds", 0);
  f.set("notify.max_attempts", 3);
  int64_t id = f.put("你好");
  EXPECT_EQ(drainOnce(*f.t.db, f.cipher), 1);
  auto r = f.row(id);
  EXPECT_EQ(r.front().text(0), "pending");
  EXPECT_NE(r.front().text(2).find("超时"), std::string::npos) << r.front().text(2);
  drainOnce(*f.t.db, f.cipher);
  drainOnce(*f.t.db, f.cipher);
  r = f.row(id);
  EXPECT_EQ(r.front().text(0), "failed");
  EXPECT_EQ(r.front().i64(1), 3);
  EXPECT_EQ(r.front().text(2), "网关返回 HTTP 500");
  // Nothing listening: a connection failure is recorded, not thrown.
  f.set("notify.gateway_url", "http://127.0.0.1:1/x");
  int64_t id2 = f.put("再试");
  EXPECT_EQ(drainOnce(*f.t.db, f.cipher), 1);
  EXPECT_NE(f.row(id2).front().text(2).find("无法连接"), std::string::npos);
}

}  // namespace
}  // namespace zg::notify
