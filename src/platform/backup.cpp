#include "platform/backup.h"

#include <openssl/evp.h>
#include <spawn.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "core/error.h"
#include "platform/audit.h"
#include "platform/time.h"
#include "store/db.h"
#include "store/sqlite_backup.h"

extern char** environ;

namespace zg::backup {
namespace {

namespace fs = std::filesystem;
namespace bj = boost::json;

bool isPostgresUrl(const std::string& url) {
  return url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0 || url.find("host=") != std::string::npos ||
         url.find("dbname=") != std::string::npos;
}

// Runs a program (looked up in PATH) with `args`, its stdout sent to /dev/null when asked, its
// stderr to ours; returns the exit status (-1 when it could not run or was killed).
int run(const std::vector<std::string>& args, bool quietStdout) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (quietStdout) posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string sha256File(const std::string& path, int64_t& bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error::invalid("from", "无法读取文件：" + path);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) throw Error::internal("SHA-256 init failed");
  std::vector<char> buf(1 << 20);
  bytes = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    auto n = in.gcount();
    if (n > 0) {
      EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(n));
      bytes += n;
    }
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

bj::object toJson(const Manifest& m) {
  bj::object tables;
  for (auto& [t, n] : m.tables) tables[t] = n;
  return {{"format", "zugong-backup-1"},
          {"backend", m.backend},
          {"file", m.file},
          {"bytes", m.bytes},
          {"sha256", m.sha256},
          {"createdAt", m.createdAt},
          {"schemaVersion", m.schemaVersion},
          {"auditHead", bj::object{{"id", m.auditHeadId}, {"hash", m.auditHeadHash}}},
          {"tables", tables},
          {"seconds", m.seconds}};
}

Manifest fromJson(const std::string& text, const std::string& path) {
  Manifest m;
  try {
    bj::object o = bj::parse(text).as_object();
    if (o.at("format").as_string() != "zugong-backup-1") throw std::runtime_error("format");
    m.backend = std::string(o.at("backend").as_string());
    m.file = std::string(o.at("file").as_string());
    m.bytes = o.at("bytes").to_number<int64_t>();
    m.sha256 = std::string(o.at("sha256").as_string());
    m.createdAt = std::string(o.at("createdAt").as_string());
    m.schemaVersion = o.at("schemaVersion").to_number<int>();
    auto& head = o.at("auditHead").as_object();
    m.auditHeadId = head.at("id").to_number<int64_t>();
    m.auditHeadHash = std::string(head.at("hash").as_string());
    for (auto& [k, v] : o.at("tables").as_object()) m.tables[std::string(k)] = v.to_number<int64_t>();
  } catch (const std::exception&) {
    throw Error::invalid("from", "备份清单无法读取或格式不对：" + path);
  }
  return m;
}

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Tables, row counts, audit head and schema version through `q` (a query returning text rows).
template <class Query>
void fillFigures(Manifest& m, const std::string& tableListSql, Query q) {
  for (auto& row : q(tableListSql)) {
    const std::string& t = row.at(0);
    // Table names come from the catalog; quoted all the same.
    auto r = q("SELECT COUNT(*) FROM \"" + t + "\"");
    m.tables[t] = std::stoll(r.at(0).at(0));
  }
  if (m.tables.count("audit_log")) {
    auto r = q("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1");
    if (!r.empty()) {
      m.auditHeadId = std::stoll(r[0][0]);
      m.auditHeadHash = r[0][1];
    }
  }
  if (m.tables.count("schema_version")) {
    auto r = q("SELECT COALESCE(MAX(version), 0) FROM schema_version");
    m.schemaVersion = std::stoi(r.at(0).at(0));
  }
}

std::vector<std::vector<std::string>> asText(const store::Result& r) {
  std::vector<std::vector<std::string>> out;
  for (auto row : r) {
    std::vector<std::string> v;
    for (size_t i = 0; i < row.size(); ++i) v.push_back(row.text(i));
    out.push_back(std::move(v));
  }
  return out;
}

const char* kSqliteTables = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
const char* kPgTables = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename";

// store::open, with a connection failure told as such (the target of a restore must exist).
std::unique_ptr<store::Database> openDb(const std::string& url) {
  try {
    return store::open(url, 1);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::Internal) throw;
    throw Error::invalid("db", "无法打开数据库（PostgreSQL 的目标库须先建好：CREATE DATABASE …）：" + e.internalMessage());
  }
}

void recordAudit(const std::string& dbUrl, const std::string& action, const std::string& summary, const bj::object& after) {
  auto db = openDb(dbUrl);
  auto c = db->acquire();
  store::Transaction tx(*c);
  audit::Entry e;
  e.action = action;
  e.entity = "database";
  e.summary = summary;
  e.after = after;
  audit::record(*c, auth::Actor::system("命令行"), e);
  tx.commit();
}

}  // namespace

Manifest take(const std::string& dbUrl, const std::string& out) {
  auto t0 = std::chrono::steady_clock::now();
  Manifest m;
  m.createdAt = nowIso();
  m.file = fs::path(out).filename().string();
  std::error_code ec;
  fs::path dir = fs::absolute(out, ec).parent_path();
  if (!fs::is_directory(dir, ec)) throw Error::invalid("out", "备份目录不存在：" + dir.string());
  fs::remove(out + ".manifest.json", ec);
  if (isPostgresUrl(dbUrl)) {
    m.backend = "postgres";
    auto db = openDb(dbUrl);
    auto c = db->acquire();
    // The snapshot pg_dump reads is the one this transaction holds: the figures below are the
    // dump's own.
    c->execScript("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    try {
      std::string snapshot = c->query("SELECT pg_export_snapshot()").front().text(0);
      fs::remove(out, ec);
      int rc = run({"pg_dump", "--format=plain", "--no-owner", "--no-privileges", "--snapshot=" + snapshot,
                    "--file=" + out, "--dbname=" + dbUrl},
                   false);
      if (rc != 0) throw Error::invalid("out", "pg_dump 执行失败（退出码 " + std::to_string(rc) + "），备份未完成");
      fillFigures(m, kPgTables, [&](const std::string& sql) { return asText(c->query(sql)); });
      c->execScript("COMMIT");
    } catch (...) {
      try { c->execScript("ROLLBACK"); } catch (...) {}
      throw;
    }
  } else {
    m.backend = "sqlite";
    std::string path = store::sqlitePathOf(dbUrl);
    if (!fs::exists(path, ec)) throw Error::invalid("db", "数据库文件不存在：" + path);
    store::sqliteOnlineBackup(path, out);
    fillFigures(m, kSqliteTables, [&](const std::string& sql) { return store::sqliteReadOnlyQuery(out, sql); });
  }
  // The copy holds what the database holds: readable by its owner only.
  fs::permissions(out, fs::perms::owner_read | fs::perms::owner_write, ec);
  m.sha256 = sha256File(out, m.bytes);
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  {
    std::ofstream mf(out + ".manifest.json", std::ios::binary);
    if (!mf) throw Error::invalid("out", "无法写入备份清单：" + out + ".manifest.json");
    mf << bj::serialize(toJson(m)) << "\n";
  }
  fs::permissions(out + ".manifest.json", fs::perms::owner_read | fs::perms::owner_write, ec);
  int64_t rows = 0;
  for (auto& [t, n] : m.tables) rows += n;
  recordAudit(dbUrl, "backup",
              "备份数据库到 " + m.file + "（" + std::to_string(m.tables.size()) + " 张表，" + std::to_string(rows) +
                  " 行，审计记录至第 " + std::to_string(m.auditHeadId) + " 条）",
              bj::object{{"file", m.file}, {"sha256", m.sha256}, {"auditHeadId", m.auditHeadId}, {"rows", rows}});
  return m;
}

Restored restore(const std::string& dbUrl, const std::string& from, bool force) {
  auto t0 = std::chrono::steady_clock::now();
  Restored res;
  std::error_code ec;
  if (!fs::is_regular_file(from, ec)) throw Error::invalid("from", "备份文件不存在：" + from);
  bool targetPg = isPostgresUrl(dbUrl);
  bool fileSqlite = store::isSqliteFile(from);
  if (targetPg && fileSqlite)
    throw Error::invalid("from", "这是 SQLite 数据库的备份，不能恢复到 PostgreSQL 数据库");
  if (!targetPg && !fileSqlite)
    throw Error::invalid("from", "这不是 SQLite 数据库的备份文件（PostgreSQL 的备份只能恢复到 PostgreSQL）：" + from);

  std::string manifestPath = from + ".manifest.json";
  if (fs::exists(manifestPath, ec)) {
    res.manifest = fromJson(readAll(manifestPath), manifestPath);
    res.hadManifest = true;
    int64_t bytes = 0;
    std::string sha = sha256File(from, bytes);
    if (sha != res.manifest.sha256 || bytes != res.manifest.bytes)
      throw Error::invalid("from", "备份文件与其清单不符（大小或 SHA-256 不同）：文件已损坏或被改动，未恢复");
    if (res.manifest.backend != (targetPg ? "postgres" : "sqlite"))
      throw Error::invalid("from", "备份清单记载的数据库类型（" + res.manifest.backend + "）与目标不同");
  }

  // The target must be empty unless the caller said --force.
  int64_t tables = 0;
  std::string path;
  if (targetPg) {
    auto db = openDb(dbUrl);
    auto c = db->acquire();
    tables = c->scalar("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'")->asInt();
  } else {
    path = store::sqlitePathOf(dbUrl);
    if (!fs::is_directory(fs::absolute(path, ec).parent_path(), ec))
      throw Error::invalid("db", "目标数据库所在目录不存在：" + fs::absolute(path, ec).parent_path().string());
    if (fs::exists(path, ec) && fs::file_size(path, ec) > 0) {
      if (!store::isSqliteFile(path)) throw Error::invalid("db", "目标文件不是 SQLite 数据库，未恢复：" + path);
      tables = std::stoll(store::sqliteReadOnlyQuery(path, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").at(0).at(0));
    }
  }
  if (tables > 0 && !force)
    throw Error::invalid("db", "目标数据库不是空的（已有 " + std::to_string(tables) +
                                   " 张表）。恢复会用备份替换其中的全部数据；确认要覆盖，请加 --force");

  if (targetPg) {
    if (tables > 0) {
      auto db = store::open(dbUrl, 1);
      auto c = db->acquire();
      c->execScript("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    }
    int rc = run({"psql", "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction", "--file=" + from,
                  "--dbname=" + dbUrl},
                 true);
    if (rc != 0)
      throw Error::invalid("from", "psql 载入备份失败（退出码 " + std::to_string(rc) + "），" +
                                       (tables > 0 ? "目标数据库已被清空（--force），请重新恢复" : "目标数据库未改变"));
  } else {
    store::sqliteRestore(from, path);
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, ec);
  }

  // Prove the result: the chain verifies, and head and counts are the manifest's.
  Manifest now;
  {
    auto db = store::open(dbUrl, 1);
    auto c = db->acquire();
    fillFigures(now, targetPg ? kPgTables : kSqliteTables, [&](const std::string& sql) { return asText(c->query(sql)); });
    if (now.tables.count("audit_log")) {
      auto v = audit::verify(*c);
      res.auditChecked = v.checked;
      if (!v.ok)
        throw Error::conflict("audit_broken", "恢复后的审计链校验未通过（第 " + std::to_string(v.problems.front().id) + " 条：" +
                                                  v.problems.front().problem + "）");
    }
  }
  if (res.hadManifest) {
    const Manifest& m = res.manifest;
    if (now.auditHeadId != m.auditHeadId || now.auditHeadHash != m.auditHeadHash)
      throw Error::conflict("mismatch", "恢复后的审计链末条（第 " + std::to_string(now.auditHeadId) + " 条）与备份清单（第 " +
                                            std::to_string(m.auditHeadId) + " 条）不同");
    if (now.tables != m.tables) {
      std::string which;
      for (auto& [t, n] : m.tables)
        if (!now.tables.count(t) || now.tables.at(t) != n) which = t;
      for (auto& [t, n] : now.tables)
        if (!m.tables.count(t)) which = t;
      throw Error::conflict("mismatch", "恢复后表 " + which + " 的行数与备份清单不同");
    }
  } else {
    res.manifest = now;
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (now.tables.count("audit_log")) {
    recordAudit(dbUrl, "restore",
                "从备份 " + fs::path(from).filename().string() + " 恢复数据库（审计记录至第 " +
                    std::to_string(now.auditHeadId) + " 条" + (res.hadManifest ? "，与清单一致" : "，无清单") + "）",
                bj::object{{"file", fs::path(from).filename().string()},
                           {"sha256", res.manifest.sha256},
                           {"auditHeadId", now.auditHeadId},
                           {"checkedAgainstManifest", res.hadManifest}});
  }
  return res;
}

}  // namespace zg::backup
