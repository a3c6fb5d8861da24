// Spreadsheet import shared by every module: header mapping by Chinese column names, a dry
// run that lists every bad row with its reason, then all-or-nothing or keep-the-good-rows,
// with the bad rows returned as a file to fix. A module supplies a Spec: its columns and a
// function that validates one row and, when asked, writes it (audited) on the given
// connection — or, for large imports, a Batch that validates every row first in memory and
// then writes the good ones at once. The importer owns the transaction: a rejected import
// changes nothing.
#pragma once
#include <boost/json.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "platform/auth.h"
#include "platform/jobs.h"
#include "store/db.h"

namespace zg::importer {

struct Column {
  std::string key;                   // field name used in errors ("idNumber")
  std::string header;                // Chinese header in the template ("公民身份证号")
  bool required = false;
  std::vector<std::string> aliases;  // other headers accepted ("身份证号", "身份证号码")
  std::string note;                  // shown in the template's instructions sheet
};

enum class Mode { DryRun, AllOrNothing, KeepGood };
std::optional<Mode> parseMode(std::string_view s);  // "dry_run", "all_or_nothing", "keep_good"
std::string modeName(Mode m);

// One row's cells by column key (absent cells are ""), and its spreadsheet row number.
struct Row {
  int number = 0;
  std::map<std::string, std::string> cells;
  const std::string& operator[](const std::string& key) const;
};

// A module's bulk writer for one import run (made on the importer's connection, inside its
// transaction). add() validates one row with every rule the module's create applies, keeping
// what those rules need from the database (duplicates, organizations, settings) in memory, and
// keeps the row; it throws zg::Error like Spec::apply for a bad row and then keeps nothing of
// it (a row's values still count for the rows after it, e.g. as duplicates). write() stores the
// rows kept since the last write (bulk inserts, audited); the importer calls it in chunks, and
// only while the import is still going to commit — a rejected import's writes are rolled back
// with its transaction. discard() drops the kept rows unwritten. A dry run only adds.
class Batch {
 public:
  virtual ~Batch() = default;
  virtual void add(const Row& row) = 0;
  virtual void write() = 0;
  virtual void discard() = 0;
};

struct Spec {
  std::string entity;  // "members", "orgs"
  std::string label;   // "党员", "党组织"
  std::vector<Column> columns;
  // Validates the row and writes it on `c` (inside the importer's transaction and a savepoint
  // of its own). Throw zg::Error::invalid(<column key>, <Chinese reason>) for a bad row.
  // Used when `batch` is not set.
  std::function<void(store::Connection& c, const auth::Context& ctx, const Row& row)> apply;
  // When set, the importer validates all rows through it and writes them in one go.
  std::function<std::unique_ptr<Batch>(store::Connection& c, const auth::Context& ctx)> batch;
  // The tables a committed import of 1,000 rows or more re-ANALYZEs (its planner statistics);
  // empty: the whole database.
  std::vector<std::string> tables;
  // Lines for the template's instructions sheet.
  std::vector<std::string> instructions;
};

struct RowError {
  int row;
  std::string field;
  std::string column;
  std::string message;
};

struct Outcome {
  Mode mode = Mode::DryRun;
  int total = 0;
  int good = 0;
  int bad = 0;
  bool committed = false;
  std::vector<RowError> errors;
  std::optional<int64_t> badFileId;
  boost::json::object toJson() const;
};

// Runs an import. Throws Invalid("file") when the file cannot be read or required headers are
// missing (naming them). Progress is reported through `progress` when given.
Outcome run(store::Database& db, const auth::Context& ctx, const Spec& spec, const std::string& fileBytes,
            Mode mode, platform::Progress* progress = nullptr);

// The .xlsx template: the headers, one example row left empty, and an instructions sheet.
std::string templateXlsx(const Spec& spec);

// Stores a file for download by the caller's scope; returns its id.
int64_t storeFile(store::Connection& c, const std::string& name, const std::string& bytes, const std::string& orgPath,
                  int64_t userId);
// A stored file's name and bytes if it lies within `scope`.
std::optional<std::pair<std::string, std::string>> loadFile(store::Connection& c, int64_t id, const Scope& scope);

}  // namespace zg::importer
