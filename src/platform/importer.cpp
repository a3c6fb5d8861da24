#include "platform/importer.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/checks.h"
#include "core/error.h"
#include "platform/crypto.h"
#include "platform/tabular.h"
#include "platform/time.h"

namespace zg::importer {

std::optional<Mode> parseMode(std::string_view s) {
  if (s == "dry_run") return Mode::DryRun;
  if (s == "all_or_nothing") return Mode::AllOrNothing;
  if (s == "keep_good") return Mode::KeepGood;
  return std::nullopt;
}

std::string modeName(Mode m) {
  switch (m) {
    case Mode::DryRun: return "dry_run";
    case Mode::AllOrNothing: return "all_or_nothing";
    case Mode::KeepGood: return "keep_good";
  }
  return "";
}

const std::string& Row::operator[](const std::string& key) const {
  static const std::string empty;
  auto it = cells.find(key);
  return it == cells.end() ? empty : it->second;
}

boost::json::object Outcome::toJson() const {
  boost::json::array errs;
  for (const auto& e : errors)
    errs.push_back({{"row", e.row}, {"field", e.field}, {"column", e.column}, {"message", e.message}});
  boost::json::object o{{"mode", modeName(mode)}, {"total", total}, {"good", good}, {"bad", bad},
                        {"committed", committed}, {"errors", std::move(errs)}};
  o["badFileId"] = badFileId ? boost::json::value(*badFileId) : boost::json::value(nullptr);
  return o;
}

namespace {
std::string normHeader(std::string_view h) {
  std::string s = trim(h);
  // Drop a trailing "*" (required marker) and anything in brackets ("出生日期(YYYY-MM-DD)").
  while (!s.empty() && s.back() == '*') s.pop_back();
  for (const char* open : {"(", "（"}) {
    auto p = s.find(open);
    if (p != std::string::npos && p > 0) s = s.substr(0, p);
  }
  return trim(s);
}
}  // namespace

Outcome run(store::Database& db, const auth::Context& ctx, const Spec& spec, const std::string& bytes, Mode mode,
            platform::Progress* progress) {
  tabular::Sheet sheet = tabular::read(bytes);
  // Find the header row: the first row with at least two known headers.
  size_t headerRow = 0;
  std::vector<int> colOf;  // sheet column → spec column index, -1 when unknown
  bool found = false;
  for (size_t r = 0; r < sheet.rows.size() && r < 10 && !found; ++r) {
    std::vector<int> map(sheet.rows[r].size(), -1);
    int known = 0;
    for (size_t c = 0; c < sheet.rows[r].size(); ++c) {
      std::string h = normHeader(sheet.rows[r][c]);
      for (size_t k = 0; k < spec.columns.size(); ++k) {
        const auto& col = spec.columns[k];
        bool match = h == col.header;
        for (const auto& a : col.aliases) match = match || h == a;
        if (match) {
          map[c] = static_cast<int>(k);
          ++known;
          break;
        }
      }
    }
    if (known >= 2) {
      headerRow = r;
      colOf = map;
      found = true;
    }
  }
  if (!found) throw Error::invalid("file", "文件中没有找到表头，请使用下载的模板填写", "no_header");
  std::vector<std::string> missing;
  for (size_t k = 0; k < spec.columns.size(); ++k) {
    if (!spec.columns[k].required) continue;
    if (std::find(colOf.begin(), colOf.end(), static_cast<int>(k)) == colOf.end()) missing.push_back(spec.columns[k].header);
  }
  if (!missing.empty()) {
    std::string m;
    for (auto& h : missing) m += (m.empty() ? "" : "、") + h;
    throw Error::invalid("file", "缺少必填列：" + m, "missing_columns");
  }

  Outcome out;
  out.mode = mode;
  std::vector<size_t> dataRows;
  for (size_t r = headerRow + 1; r < sheet.rows.size(); ++r) {
    bool empty = true;
    for (auto& cell : sheet.rows[r]) empty = empty && trim(cell).empty();
    if (!empty) dataRows.push_back(r);
  }
  out.total = static_cast<int>(dataRows.size());
  if (progress) progress->total = out.total;

  auto lease = db.acquire();
  store::Connection& c = *lease;
  std::vector<size_t> badRows;
  std::vector<std::string> badReasons;
  // The bad rows as a file to fix (original row number and reason first).
  auto storeBadFile = [&] {
    if (badRows.empty()) return;
    tabular::Sheet bad;
    bad.name = "错误行";
    std::vector<std::string> header = sheet.rows[headerRow];
    header.insert(header.begin(), "错误原因");
    header.insert(header.begin(), "原行号");
    bad.rows.push_back(header);
    for (size_t i = 0; i < badRows.size(); ++i) {
      std::vector<std::string> line = sheet.rows[badRows[i]];
      line.insert(line.begin(), badReasons[i]);
      line.insert(line.begin(), std::to_string(badRows[i] + 1));
      bad.rows.push_back(std::move(line));
    }
    out.badFileId = storeFile(c, spec.label + "导入错误行.xlsx", tabular::writeXlsx(bad), ctx.user.orgPath, ctx.user.id);
  };
  auto reject = [&](size_t r, const Row& row, const Error& e) {
    if (e.kind() == ErrorKind::Internal) spdlog::error("import row {}: {}", row.number, e.internalMessage());
    ++out.bad;
    std::string column;
    for (auto& col : spec.columns)
      if (col.key == e.field()) column = col.header;
    std::string message = e.kind() == ErrorKind::Internal ? "该行无法保存" : e.message();
    if (out.errors.size() < 5000) out.errors.push_back({row.number, e.field(), column, message});
    badRows.push_back(r);
    badReasons.push_back((column.empty() ? "" : column + "：") + message);
  };
  // SQLite: a large batch touches pages of every index of its tables all over; with the default
  // 2 MB page cache the transaction spills them to the WAL and writes the same pages again and
  // again. A larger cache for this connection while the import runs (pages are only taken as
  // used; the pool's other connections keep theirs).
  struct CacheSize {
    store::Connection& c;
    std::optional<store::Value> old;
    CacheSize(store::Connection& c, bool grow) : c(c) {
      if (!grow || c.dialect() != store::Dialect::Sqlite) return;
      old = c.scalar("PRAGMA cache_size");
      c.exec("PRAGMA cache_size = -131072");  // 128 MiB
    }
    ~CacheSize() {
      try {
        if (old) c.exec("PRAGMA cache_size = " + std::to_string(old->asInt()));
      } catch (...) {
      }
    }
  } cacheSize(c, spec.batch && mode != Mode::DryRun && dataRows.size() >= 1000);
  {
    store::Transaction tx(c);
    std::unique_ptr<Batch> batch = spec.batch ? spec.batch(c, ctx) : nullptr;
    auto willCommit = [&] { return mode == Mode::KeepGood || (mode == Mode::AllOrNothing && out.bad == 0); };
    constexpr size_t kChunk = 10000;
    size_t kept = 0;  // rows the batch holds unwritten
    for (size_t i = 0; i < dataRows.size(); ++i) {
      size_t r = dataRows[i];
      Row row;
      row.number = static_cast<int>(r + 1);
      for (size_t col = 0; col < sheet.rows[r].size() && col < colOf.size(); ++col)
        if (colOf[col] >= 0) row.cells[spec.columns[colOf[col]].key] = trim(sheet.rows[r][col]);
      if (batch) {
        try {
          batch->add(row);
          ++out.good;
          ++kept;
        } catch (const Error& e) {
          reject(r, row, e);
        }
        if (!willCommit() && kept > 0) {
          batch->discard();  // a dry run, or a failed all-or-nothing import: validate, keep nothing
          kept = 0;
        } else if (kept >= kChunk) {
          batch->write();  // bounded memory; undone with the transaction if a later row fails
          kept = 0;
        }
      } else {
        c.exec("SAVEPOINT import_row");
        try {
          spec.apply(c, ctx, row);
          c.exec("RELEASE SAVEPOINT import_row");
          ++out.good;
        } catch (const Error& e) {
          c.exec("ROLLBACK TO SAVEPOINT import_row");
          c.exec("RELEASE SAVEPOINT import_row");
          reject(r, row, e);
        }
      }
      if (progress) progress->processed = static_cast<int64_t>(i + 1);
    }
    if (willCommit() && out.good > 0) {
      // The rows were validated against the database inside this transaction (SQLite holds the
      // write lock; on PostgreSQL a concurrent insert of the same ID number fails the unique
      // index here and rolls the whole import back with the error).
      if (batch) batch->write();
      // Everything the import leaves behind — its rows, the bad-rows file and the job marked
      // done with this outcome — in one commit: a crash before it leaves none of them.
      storeBadFile();
      out.committed = true;
      if (progress && progress->finishIn) progress->finishIn(c, out.toJson());
      tx.commit();
    }
    // Otherwise the Transaction's destructor rolls everything back: a rejected import changes nothing.
  }
  if (out.committed && out.good >= 1000) {
    // A large load changes the data's shape; fresh statistics keep the planners' choices good.
    // Only the tables the import wrote when the spec names them (a whole district's database
    // takes seconds to analyze, more than the import itself).
    if (spec.tables.empty()) c.exec("ANALYZE");
    for (const auto& t : spec.tables) c.exec("ANALYZE " + t);
  }
  if (!out.committed && !badRows.empty()) {  // a rejected import: only the file to fix
    store::Transaction tx(c);
    storeBadFile();
    tx.commit();
  }
  return out;
}

std::string templateXlsx(const Spec& spec) {
  tabular::Sheet data;
  data.name = spec.label + "信息";
  std::vector<std::string> header;
  for (const auto& col : spec.columns) header.push_back(col.header);
  data.rows.push_back(header);
  tabular::Sheet help;
  help.name = "填写说明";
  help.rows.push_back({"列名", "是否必填", "说明"});
  for (const auto& col : spec.columns) help.rows.push_back({col.header, col.required ? "必填" : "选填", col.note});
  for (const auto& line : spec.instructions) help.rows.push_back({"", "", line});
  return tabular::writeXlsx(std::vector<tabular::Sheet>{data, help});
}

int64_t storeFile(store::Connection& c, const std::string& name, const std::string& bytes, const std::string& orgPath,
                  int64_t userId) {
  return c
      .query("INSERT INTO files(name, content_b64, size, org_path, created_by, created_at) VALUES (?,?,?,?,?,?) RETURNING id",
             {name, crypto::base64Encode(bytes), static_cast<int64_t>(bytes.size()), orgPath,
              userId ? store::Value(userId) : store::Value(), nowIso()})
      .front()
      .i64(0);
}

std::optional<std::pair<std::string, std::string>> loadFile(store::Connection& c, int64_t id, const Scope& scope) {
  auto r = c.query("SELECT name, content_b64, org_path FROM files WHERE id = ?", {id});
  if (r.empty() || !scope.contains(r.front().text(2))) return std::nullopt;
  return std::make_pair(r.front().text(0), crypto::base64Decode(r.front().text(1)));
}

}  // namespace zg::importer
