// Jobs under crashes (docs/security.md §6): a job whose server process is gone turns "failed"
// (interrupted) instead of "running" for ever; one of a live process stays running; work that
// marks itself done inside its own transaction is done exactly when its data is there.
#include "platform/jobs.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "store/db.h"

namespace zg::platform {
namespace {

class JobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string d = (std::filesystem::temp_directory_path() / "zgjobs-XXXXXX").string();
    ASSERT_TRUE(::mkdtemp(d.data()));
    dir = d;
    db = store::open((dir / "t.db").string());
    store::migrate(*db);
  }
  void TearDown() override {
    db.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  // A job row left "running" by an owner process `owner` (JSON), as a killed server leaves it.
  int64_t orphan(const std::string& owner) {
    auto c = db->acquire();
    return c->query("INSERT INTO jobs(kind, status, org_path, result_json, created_at, updated_at) VALUES "
                    "('import.members', 'running', '/1/', ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') RETURNING id",
                    {R"({"owner":)" + owner + "}"})
        .front()
        .i64(0);
  }
  static std::string host() {
    char buf[256] = {};
    ::gethostname(buf, sizeof buf - 1);
    return buf;
  }
  std::filesystem::path dir;
  std::unique_ptr<store::Database> db;
};

TEST_F(JobsTest, AJobWhoseProcessIsGoneIsInterruptedNotRunningForEver) {
  Jobs jobs(*db);
  // No process has this pid (above pid_max), so its owner is gone.
  int64_t id = orphan(R"({"host":")" + host() + R"(","pid":2147483646,"start":"12345"})");
  auto j = jobs.get(id, Scope::all());
  ASSERT_TRUE(j);
  EXPECT_EQ(j->at("status").as_string(), "failed");
  EXPECT_EQ(j->at("result").at("code").as_string(), "interrupted");
  EXPECT_NE(std::string(j->at("result").at("message").as_string()).find("没有保存任何数据"), std::string::npos);
  EXPECT_EQ(j->at("message"), j->at("result").at("message")) << "where the web app shows it";
  // Stored, so every server process answers the same.
  auto c = db->acquire();
  EXPECT_EQ(c->query("SELECT status FROM jobs WHERE id = ?", {id}).front().text(0), "failed");
}

TEST_F(JobsTest, AJobOfALiveProcessOrAnotherHostStaysRunning) {
  Jobs jobs(*db);
  // A real job of this (live) process, to read the owner it records.
  std::atomic<bool> release{false};
  int64_t live = jobs.start("test", "/1/", 0, [&](Progress&) -> boost::json::value {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return nullptr;
  });
  std::string owner;
  {
    auto c = db->acquire();
    auto stored = boost::json::parse(c->query("SELECT result_json FROM jobs WHERE id = ?", {live}).front().text(0));
    owner = boost::json::serialize(stored.at("owner"));
  }
  int64_t sameOwner = orphan(owner);  // a row of this live process that it does not know as live
  int64_t elsewhere = orphan(R"({"host":"another-host-x","pid":2147483646,"start":"1"})");
  EXPECT_EQ(jobs.get(sameOwner, Scope::all())->at("status").as_string(), "running");
  EXPECT_EQ(jobs.get(elsewhere, Scope::all())->at("status").as_string(), "running");
  auto j = jobs.get(live, Scope::all());
  EXPECT_EQ(j->at("status").as_string(), "running");
  EXPECT_TRUE(j->at("result").is_null()) << "the owner is not shown as a result";
  release = true;
}

TEST_F(JobsTest, WorkThatCommitsMarksItselfDoneInTheSameTransaction) {
  Jobs jobs(*db);
  {
    auto c = db->acquire();
    c->exec("CREATE TABLE t (x INTEGER)");
  }
  std::atomic<bool> sawDoneInside{false};
  int64_t id = jobs.start("test", "/1/", 0, [&](Progress& p) -> boost::json::value {  // the only job of kind "test"
    auto c = db->acquire();
    store::Transaction tx(*c);
    c->exec("INSERT INTO t VALUES (1)");
    p.finishIn(*c, boost::json::object{{"committed", true}});
    // Inside the transaction the row says done; outside nobody sees it before the commit.
    sawDoneInside = c->query("SELECT status FROM jobs WHERE kind = 'test'").front().text(0) == "done";
    tx.commit();
    return boost::json::object{{"committed", true}};
  });
  for (int i = 0; i < 400; ++i) {
    auto j = jobs.get(id, Scope::all());
    if (j->at("status").as_string() != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto j = jobs.get(id, Scope::all());
  EXPECT_EQ(j->at("status").as_string(), "done");
  EXPECT_TRUE(j->at("result").at("committed").as_bool());
  EXPECT_TRUE(sawDoneInside);
  auto c = db->acquire();
  EXPECT_EQ(c->query("SELECT COUNT(*) FROM t").front().i64(0), 1);
}

}  // namespace
}  // namespace zg::platform
