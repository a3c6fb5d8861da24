// zugong: one binary, sub-commands for every operation on a deployment.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <malloc.h>
#include <unistd.h>

#include "app/app.h"
#include "app/demo.h"
#include "app/demo_activity.h"
#include "app/demo_evaluation.h"
#include "app/demo_marks.h"
#include "app/demo_grid.h"
#include "app/demo_visits.h"
#include "app/demo_mobilize.h"
#include "app/demo_transfer.h"
#include "app/demo_pipeline.h"
#include "app/demo_problems.h"
#include "core/error.h"
#include "http/http.h"
#include "modules/dues/dues.h"
#include "modules/mobile/mobile.h"
#include "modules/members/members.h"
#include "modules/orgs/orgs.h"
#include "modules/problems/problems.h"
#include "modules/grid/grid.h"
#include "modules/visits/visits.h"
#include "platform/audit.h"
#include "platform/backup.h"
#include "platform/keyrotation.h"
#include "platform/importer.h"
#include "platform/notify.h"
#include "platform/rollup.h"
#include "platform/tabular.h"
#include "store/db.h"

namespace fs = std::filesystem;
using namespace zg;

namespace {

std::string envOr(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

bool isPostgres(const std::string& url) {
  return url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0 || url.find("dbname=") != std::string::npos ||
         url.find("host=") != std::string::npos;
}

struct Global {
  std::string db = envOr("ZUGONG_DB", "zugong.db");
  std::string keyFile = envOr("ZUGONG_DATA_KEY_FILE", "");
  std::string districtName = envOr("ZUGONG_DISTRICT_NAME", "示例区委");

  std::string keyPath() const {
    if (!keyFile.empty()) return keyFile;
    return isPostgres(db) ? std::string("zugong.key") : db + ".key";
  }
  std::unique_ptr<store::Database> open(bool migrateToo = true) const {
    auto d = store::open(db);
    if (migrateToo) {
      int n = store::migrate(*d);
      if (n) spdlog::info("applied {} migration(s)", n);
      auto c = d->acquire();
      app::registerSettings();
      orgs::ensureRoot(*c, districtName);
    }
    return d;
  }
  crypto::FieldCipher cipher() const { return crypto::FieldCipher(app::loadDataKey(keyPath())); }
};

auth::Context cliContext() {
  auth::Context ctx;
  ctx.user.id = 0;
  ctx.user.username = "cli";
  ctx.user.displayName = "命令行";
  ctx.user.role = auth::Role::DistrictStaff;
  ctx.user.orgId = 1;
  ctx.user.orgPath = "/1/";
  ctx.scope = Scope("/1/");
  return ctx;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error::invalid("file", "无法读取文件：" + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void writeFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error::invalid("out", "无法写入文件：" + path);
  out << bytes;
}

std::string defaultWebDir(const char* argv0) {
  for (fs::path p : {fs::path("web/dist"), fs::path(argv0).parent_path() / "../web/dist",
                     fs::path(argv0).parent_path() / "web/dist"}) {
    std::error_code ec;
    if (fs::exists(p / "index.html", ec)) return fs::weakly_canonical(p, ec).string();
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"Zugong 组工 — 区级党组织工作系统", "zugong"};
  cli.require_subcommand(1);
  Global g;
  cli.add_option("--db", g.db, "SQLite file path or PostgreSQL connection string (env ZUGONG_DB)");
  cli.add_option("--data-key-file", g.keyFile,
                 "file holding the 32-byte field key in hex (env ZUGONG_DATA_KEY_FILE or ZUGONG_DATA_KEY; default <db>.key)");
  cli.add_option("--district-name", g.districtName, "name of the district root created on an empty database");

  // serve
  http::ServerConfig sc;
  sc.port = static_cast<uint16_t>(std::atoi(envOr("ZUGONG_PORT", "8080").c_str()));
  sc.host = envOr("ZUGONG_HOST", "127.0.0.1");
  sc.staticDir = envOr("ZUGONG_WEB_DIR", "");
  sc.threads = std::atoi(envOr("ZUGONG_THREADS", "4").c_str());
  auto* serve = cli.add_subcommand("serve", "run the HTTP server");
  serve->add_option("--host", sc.host, "address to listen on (env ZUGONG_HOST)");
  serve->add_option("--port", sc.port, "port (env ZUGONG_PORT; 0 = any free port)");
  serve->add_option("--web", sc.staticDir, "built web app directory (env ZUGONG_WEB_DIR; default web/dist)");
  serve->add_option("--threads", sc.threads, "worker threads (env ZUGONG_THREADS)");
  serve->add_option("--read-timeout", sc.readTimeoutSeconds, "seconds for a whole request to arrive");
  serve->add_option("--idle-timeout", sc.idleTimeoutSeconds, "seconds a keep-alive connection may idle");
  bool quiet = false;
  serve->add_flag("--quiet", quiet, "no per-request log lines");
  // glibc malloc arenas for the server (docs/performance.md, "Member list and memory (S)").
  int mallocArenas = std::atoi(envOr("ZUGONG_MALLOC_ARENAS", "1").c_str());
  serve->add_option("--malloc-arenas", mallocArenas,
                    "glibc malloc arenas, 0 = glibc's default of 8 per core (env ZUGONG_MALLOC_ARENAS; default 1; "
                    "MALLOC_ARENA_MAX, when set, wins)");

  auto* migrate = cli.add_subcommand("migrate", "create or upgrade the database schema");

  demo::Options demoOpts;
  auto* demoCmd = cli.add_subcommand("demo", "load the demo district (江干-shaped) into an empty database");
  demoCmd->add_option("--seed", demoOpts.seed, "random seed (same seed, same data)");
  auto* demoScale = demoCmd->add_option("--scale", demoOpts.scale,
                                        "small (~2,000 members), district (~20,000), city (x10) or province (x50)")
                        ->check(CLI::IsMember({"small", "district", "city", "province"}));
  int demoVisitYears = 0;
  demoCmd->add_option("--visit-years", demoVisitYears,
                      "years of visit logs (default 1; 4 when --scale district|city|province is given)")
      ->check(CLI::Range(1, 20));
  demoCmd->add_option("--password", demoOpts.password, "password of every demo login");
  bool noActivity = false;
  demoCmd->add_flag("--no-activity", noActivity, "only the tree, members and logins: no dues or mobile-member records");

  auto* user = cli.add_subcommand("user", "manage log-in accounts");
  user->require_subcommand(1);
  std::string uName, uPassword, uRole = "district_staff", uDisplay;
  int64_t uOrg = 1;
  auto* userAdd = user->add_subcommand("add", "add a user");
  userAdd->add_option("--username", uName)->required();
  userAdd->add_option("--password", uPassword)->required();
  userAdd->add_option("--role", uRole, "district_staff, street, community, branch_secretary, grid_leader, member");
  userAdd->add_option("--org-id", uOrg, "organization the user is bound to (default: the district root)");
  userAdd->add_option("--display-name", uDisplay);
  int64_t uMember = 0;
  userAdd->add_option("--member-id", uMember, "member record the login belongs to (role member: the page 我的)");
  auto* userReset = user->add_subcommand("reset-password", "set a new password");
  userReset->add_option("--username", uName)->required();
  userReset->add_option("--password", uPassword)->required();
  auto* userList = user->add_subcommand("list", "list users");

  std::string what, file, mode = "all_or_nothing", out;
  bool reveal = false;
  auto* importCmd = cli.add_subcommand("import", "import members or organizations from .xlsx/.csv");
  importCmd->add_option("what", what, "members | orgs")->required()->check(CLI::IsMember({"members", "orgs"}));
  importCmd->add_option("file", file, "the spreadsheet")->required();
  importCmd->add_option("--mode", mode, "dry_run | all_or_nothing | keep_good")
      ->check(CLI::IsMember({"dry_run", "all_or_nothing", "keep_good"}));
  auto* exportCmd = cli.add_subcommand("export", "export members or organizations to .xlsx");
  exportCmd->add_option("what", what, "members | orgs")->required()->check(CLI::IsMember({"members", "orgs"}));
  exportCmd->add_option("--out", out, "output .xlsx file")->required();
  exportCmd->add_flag("--reveal", reveal, "write ID numbers and phones in clear");

  auto* backup = cli.add_subcommand("backup", "write a consistent copy of the database");
  backup->add_option("--out", out, "output file (SQLite copy, or pg_dump SQL for PostgreSQL)")->required();
  // Restore and key rotation (issue 6, items 7 and 3): platform/backup.h, platform/keyrotation.h.
  std::string restoreFrom, newKeyFile;
  bool restoreForce = false;
  auto* restoreCmd = cli.add_subcommand("restore", "load a backup into an empty database (checked against its manifest)");
  restoreCmd->add_option("--from", restoreFrom, "the backup file (its <file>.manifest.json beside it)")->required();
  restoreCmd->add_flag("--force", restoreForce, "replace the content of a database that is not empty");
  auto* rotateCmd = cli.add_subcommand("rotate-key", "re-encrypt every encrypted column with a new field key (server stopped)");
  rotateCmd->add_option("--new-key-file", newKeyFile, "file with the new key in hex (created with a random key if missing)")
      ->required();

  auto* auditCmd = cli.add_subcommand("audit", "audit log tools");
  auditCmd->require_subcommand(1);
  auto* auditVerify = auditCmd->add_subcommand("verify", "check the hash chain of the audit log");

  auto* routesCmd = cli.add_subcommand("routes", "list every HTTP route (method and pattern)");

  // problems sweep: the overdue sweep once (for cron; `serve` also runs it on a timer)
  auto* problemsCmd = cli.add_subcommand("problems", "residents' problems 民情");
  problemsCmd->require_subcommand(1);
  auto* problemsSweep = problemsCmd->add_subcommand("sweep", "move overdue open problems up one level, once");
  std::string sweepAsOf;
  problemsSweep->add_option("--as-of", sweepAsOf, "the date to judge deadlines by (default today, Asia/Shanghai)");

  // rollup rebuild|check: the live roll-ups (platform/rollup.h) recounted from the base tables, or
  // compared with such a recount (one line per difference; exit status 1 when any)
  auto* rollupCmd = cli.add_subcommand("rollup", "live roll-ups 汇总: rebuild (recount everything) or check");
  rollupCmd->require_subcommand(1);
  for (std::string what : {"rebuild", "check"}) {
    rollupCmd->add_subcommand(what, what == "rebuild" ? "recount every roll-up from the base tables"
                                                      : "compare every roll-up with a full recount")
        ->callback([&g, what] {
          int rc = 0;
          try {
            auto db = g.open();
            auto c = db->acquire();
            members::registerRollup();
            grid::registerFigures();  // each declares its roll-up source (migration 0015)
            visits::registerFigures();
            problems::registerFigures();
            dues::registerRollup();
            mobile::registerRollup();
            if (what == "rebuild") {
              store::Transaction tx(*c);
              int64_t n = rollup::rebuild(*c);
              tx.commit();
              std::cout << "rebuilt " << n << " roll-up rows\n";
            } else {
              auto diffs = rollup::check(*c);
              for (auto& d : diffs)
                std::cout << "org " << d.orgId << " " << d.metric << " [" << d.key << "] stored " << d.stored
                          << " counted " << d.counted << "\n";
              std::cout << diffs.size() << " difference(s)\n";
              rc = diffs.empty() ? 0 : 1;
            }
          } catch (const std::exception& e) {
            std::cerr << "error: " << e.what() << "\n";
            rc = 2;
          }
          std::cout.flush();
          std::exit(rc);
        });
  }

  CLI11_PARSE(cli, argc, argv);

  try {
    if (*serve) {
      // Before any thread starts: each thread that allocates gets an arena, and an arena keeps the
      // peak of the largest request it served (a district-wide page) for the life of the process.
      // One arena by default: the peak is then one such request (measured: 150 MB at district, 400
      // MB with glibc's default), at no throughput cost measurable on this machine.
      if (mallocArenas > 0 && std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, mallocArenas);
      auto db = g.open();
      app::App application(*db, g.cipher());
      if (sc.staticDir.empty()) sc.staticDir = defaultWebDir(argv[0]);
      sc.logRequests = !quiet;
      spdlog::info("database {}; web app {}", db->description(), sc.staticDir.empty() ? "(none)" : sc.staticDir);
      notify::Sender notifier(*db, g.cipher());  // drains the notification outbox (platform/notify.h)
      notifier.start();
      problems::Sweeper sweeper(*db, g.cipher());  // overdue residents' problems rise on a timer
      sweeper.start();
      http::Server server(sc, std::move(application.router));
      server.run();
      return 0;
    }
    if (*routesCmd) {
      // Routes do not touch the database while being registered; a throwaway SQLite file is enough.
      auto tmp = fs::temp_directory_path() / ("zugong-routes-" + std::to_string(::getpid()) + ".db");
      {
        auto db = store::open(tmp.string());
        app::App application(*db, crypto::FieldCipher(std::string(32, '\0')));
        for (auto& [m, p] : application.router.routes()) std::cout << m << " " << p << "\n";
      }
      std::error_code ec;
      for (auto ext : {"", "-wal", "-shm"}) fs::remove(tmp.string() + ext, ec);
      return 0;
    }
    if (*migrate) {
      auto db = g.open(false);
      int n = store::migrate(*db);
      app::registerSettings();
      auto c = db->acquire();
      orgs::ensureRoot(*c, g.districtName);
      std::cout << "schema version " << store::schemaVersion(*db) << " (" << n << " applied)\n";
      return 0;
    }
    if (*demoCmd) {
      auto db = g.open();
      // The everyday demo keeps one year of visits; the sizes of issue 5 take four (~1M at district).
      demoOpts.visitYears = demoVisitYears > 0                                   ? demoVisitYears
                            : demoScale->count() > 0 && demoOpts.scale != "small" ? 4
                                                                                  : 1;
      demo::LoadMode loadMode(*db);  // faster settings for the load, restored when it ends
      auto r = demo::load(*db, g.cipher(), demoOpts);
      if (r.skipped) {
        std::cout << "demo: the database already has data; nothing loaded\n";
        return 0;
      }
      std::cout << "demo: " << r.orgs << " organizations, " << r.members << " members, " << r.users << " users in "
                << r.seconds << " s\n";
      if (noActivity) return 0;
      auto a = demo::loadActivity(*db, demoOpts.seed, demoOpts.asOf.empty() ? today() : *parseDate(demoOpts.asOf));
      std::cout << "demo activity: " << a.duesBases << " dues bases, " << a.payments << " payments, "
                << a.mobilityRecords << " mobile members (" << a.contacts << " contacts, " << a.requests
                << " requests), " << a.registrations << " in-service members registered with a community\n";
      auto ev = demo::loadEvaluation(*db, demoOpts.seed, demoOpts.asOf.empty() ? today() : *parseDate(demoOpts.asOf));
      std::cout << "demo evaluation: " << ev.campaigns << " campaigns (" << ev.open << " open), " << ev.entries
                << " members graded or to grade (" << ev.good << " 好, " << ev.fair << " 中, " << ev.poor << " 差)\n";
      auto mk = demo::loadMarks(*db, demoOpts.seed, demoOpts.asOf.empty() ? today() : *parseDate(demoOpts.asOf));
      std::cout << "demo marks: " << mk.marks << " responsibility marks (" << mk.members << " members), "
                << mk.commitments << " commitments, " << mk.branches << " branch public pages\n";
      auto gr = demo::loadGrid(*db, g.cipher(), demoOpts.seed, demoOpts.asOf.empty() ? today() : *parseDate(demoOpts.asOf));
      std::cout << "demo grid: " << gr.areas << " areas, " << gr.groups << " groups, " << gr.households << " households ("
                << gr.keyHouseholds << " key, " << gr.uncovered << " without a contact), " << gr.contactMembers
                << " contact members in " << gr.seconds << " s\n";
      auto vi = demo::loadVisits(*db, demoOpts.seed, demoOpts.asOf.empty() ? today() : *parseDate(demoOpts.asOf),
                                 demoOpts.visitYears);
      std::cout << "demo visits: " << vi.visits << " visit logs (" << vi.households << " households, " << vi.withProblems
                << " with problems), " << vi.buildingGroups << " building party groups in " << vi.seconds << " s\n";
      auto mz = demo::loadMobilizations(*db, g.cipher(), demoOpts.seed, demoOpts.asOf.empty() ? today() : *parseDate(demoOpts.asOf));
      std::cout << "demo mobilization: " << mz.mobilizations << " mobilizations, " << mz.teams << " teams, " << mz.members << " members, " << mz.sent << " messages sent\n";
      auto tr = demo::loadTransfers(*db, demoOpts.seed, demoOpts.asOf.empty() ? today() : *parseDate(demoOpts.asOf));
      std::cout << "demo transfers: " << tr.completedWithin << " completed within the district, " << tr.completedOut
                << " out of it, " << tr.open << " open (" << tr.overdue << " overdue), " << tr.closedOther
                << " returned or cancelled\n";
      auto pl = demo::loadPipeline(*db, g.cipher(), demoOpts.seed, demoOpts.asOf.empty() ? today() : *parseDate(demoOpts.asOf));
      std::cout << "demo pipeline: " << pl.applicants << " applicants (" << pl.linkedMembers << " members' histories, "
                << pl.migrants << " migrant workers with " << pl.points << " points entries), " << pl.steps << " steps\n";
      auto pr = demo::loadProblems(*db, g.cipher(), demoOpts.seed, demoOpts.asOf.empty() ? today() : *parseDate(demoOpts.asOf));
      std::cout << "demo problems: " << pr.problems << " residents' problems (" << pr.open << " open, " << pr.overdue
                << " overdue, " << pr.escalated << " escalated) in " << pr.seconds << " s\n";
      db->acquire()->exec("ANALYZE");
      return 0;
    }
    if (*user) {
      auto db = g.open();
      auto c = db->acquire();
      if (*userAdd) {
        auto role = auth::parseRole(uRole);
        if (!role) throw Error::invalid("role", "角色无效：" + uRole);
        store::Transaction tx(*c);
        int64_t id = auth::createUser(*c, auth::Actor::system("命令行"), uName, uDisplay.empty() ? uName : uDisplay,
                                      *role, uOrg, uPassword,
                                      uMember > 0 ? std::optional<int64_t>(uMember) : std::nullopt);
        tx.commit();
        std::cout << "user " << uName << " created (id " << id << ")\n";
      } else if (*userReset) {
        auto u = auth::findUserByName(*c, uName);
        if (!u) throw Error::notFound("用户不存在：" + uName);
        store::Transaction tx(*c);
        auth::resetPassword(*c, auth::Actor::system("命令行"), u->id, uPassword);
        tx.commit();
        std::cout << "password of " << uName << " reset\n";
      } else if (*userList) {
        for (auto& u : auth::listUsers(*c, Scope::all()))
          std::cout << u.id << "\t" << u.username << "\t" << u.displayName << "\t" << auth::roleName(u.role) << "\t"
                    << u.orgName << (u.active ? "" : "\t(停用)") << "\n";
      }
      return 0;
    }
    if (*importCmd) {
      auto db = g.open();
      auto cipher = g.cipher();
      importer::Spec spec = what == "members" ? members::importSpec(cipher) : orgs::importSpec();
      auto t0 = std::chrono::steady_clock::now();
      auto r = importer::run(*db, cliContext(), spec, readFile(file), *importer::parseMode(mode));
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::cout << "rows " << r.total << ", good " << r.good << ", bad " << r.bad << ", "
                << (r.committed ? "committed" : "nothing written") << " (" << secs << " s)\n";
      for (size_t i = 0; i < r.errors.size() && i < 50; ++i)
        std::cout << "  row " << r.errors[i].row << " " << r.errors[i].column << ": " << r.errors[i].message << "\n";
      return r.bad > 0 && mode != "keep_good" ? 2 : 0;
    }
    if (*exportCmd) {
      auto db = g.open();
      auto c = db->acquire();
      if (what == "members") {
        writeFile(out, members::exportXlsx(*c, Scope::all(), g.cipher(), reveal));
      } else {
        writeFile(out, orgs::exportXlsx(*c, Scope::all()));
      }
      std::cout << "wrote " << out << "\n";
      return 0;
    }
    if (*backup) {
      auto m = backup::take(g.db, out);
      int64_t rows = 0;
      for (auto& [t, n] : m.tables) rows += n;
      std::cout << "backup written to " << out << " (" << m.backend << ", " << m.bytes << " bytes, " << m.tables.size()
                << " tables, " << rows << " rows, audit head " << m.auditHeadId << ", " << m.seconds << " s)\n"
                << "manifest " << out << ".manifest.json (sha256 " << m.sha256 << ")\n"
                << "the field key is not in the backup: keep " << g.keyPath() << " apart from it\n";
      return 0;
    }
    if (*restoreCmd) {
      auto r = backup::restore(g.db, restoreFrom, restoreForce);
      int64_t rows = 0;
      for (auto& [t, n] : r.manifest.tables) rows += n;
      std::cout << "restored " << restoreFrom << " into " << g.db << ": " << r.manifest.tables.size() << " tables, "
                << rows << " rows, audit chain intact (" << r.auditChecked << " entries, head " << r.manifest.auditHeadId
                << ")" << (r.hadManifest ? ", equal to the manifest" : ", no manifest to compare with") << " in "
                << r.seconds << " s\n";
      return 0;
    }
    if (*rotateCmd) {
      // The current key must exist (loadDataKey would otherwise invent one).
      if (!std::getenv("ZUGONG_DATA_KEY") && !fs::exists(g.keyPath()))
        throw Error::invalid("data-key-file", "当前密钥文件不存在：" + g.keyPath());
      std::string oldKey = app::loadDataKey(g.keyPath());
      if (!fs::exists(newKeyFile)) {
        keys::writeKeyFile(newKeyFile, crypto::hexDecode(crypto::randomHex(32)));
        std::cout << "new key generated in " << newKeyFile << "\n";
      }
      std::string newKey = keys::readKeyFile(newKeyFile);
      auto db = g.open();
      auto c = db->acquire();
      auto r = keys::rotate(*c, oldKey, newKey, auth::Actor::system("命令行"));
      for (auto& col : r.columns) std::cout << "  " << col.table << "." << col.column << ": " << col.values << "\n";
      std::cout << "rotated key " << r.oldKeyId << " -> " << r.newKeyId << ": " << r.sealed << " values re-encrypted, "
                << r.hashes << " lookup hashes recomputed, " << r.rows << " rows, one transaction, " << r.seconds << " s\n";
      if (r.statisticsLeft)
        std::cout << "note: pg_statistic could not be rewritten (not its owner): run VACUUM FULL pg_statistic as a superuser\n";
      if (std::getenv("ZUGONG_DATA_KEY")) {
        std::cout << "the key came from ZUGONG_DATA_KEY: set it to the content of " << newKeyFile
                  << " before starting the server\n";
      } else if (fs::absolute(newKeyFile) != fs::absolute(g.keyPath())) {
        // The deployment keeps reading the same key file: swap the new key in, keep the old one
        // (older backups need it) under a name that says so.
        std::string kp = g.keyPath(), retired = kp + ".retired-" + r.oldKeyId;
        keys::writeKeyFile(kp + ".tmp", newKey, "data-key-file");
        fs::rename(kp, retired);
        fs::rename(kp + ".tmp", kp);
        std::cout << "key file " << kp << " now holds the new key; the old key is in " << retired
                  << " (backups taken before now need it: keep it offline with them)\n";
      }
      return 0;
    }
    if (*problemsSweep) {
      auto db = g.open();
      auto c = db->acquire();
      auto on = sweepAsOf.empty() ? std::optional<Date>(today()) : parseDate(sweepAsOf);
      if (!on) throw Error::invalid("as-of", "日期格式应为 YYYY-MM-DD");
      int n = problems::sweep(*c, g.cipher(), *on);
      std::cout << "problems sweep: " << n << " overdue problem(s) moved up one level\n";
      return 0;
    }
    if (*auditVerify) {
      auto db = g.open(false);
      auto c = db->acquire();
      auto v = audit::verify(*c);
      std::cout << "checked " << v.checked << " entries: " << (v.ok ? "chain intact" : "PROBLEMS FOUND") << "\n";
      for (auto& p : v.problems) std::cout << "  entry " << p.id << ": " << p.problem << "\n";
      return v.ok ? 0 : 1;
    }
  } catch (const Error& e) {
    std::cerr << "错误: " << e.message();
    if (!e.field().empty()) std::cerr << " [" << e.field() << "]";
    if (!e.internalMessage().empty()) std::cerr << " (" << e.internalMessage() << ")";
    std::cerr << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
