// Figures 统计: every count the system shows for "an organization and a period" is a Figure that
// a module defines once at start-up (like a setting). A figure gives its cells (a label and a
// count each) and, for any cell, the records behind it — so every number on a page opens the list
// it counts and exports to .xlsx the same way. The figures module (src/modules/figures) serves
// them; each module defines its own in its registerFigures().
#pragma once
#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/checks.h"
#include "platform/auth.h"
#include "store/db.h"

namespace zg::figures {

// What a figure is asked for: an organization's subtree (already checked to be inside the
// caller's scope) and a period [from, to) — half-open, `to` exclusive. Stock figures (members by
// category …) count as of the period's last day, or today while the period is still running
// (`asOf()`); flow figures (transfers out, dues collected …) count events dated inside it.
struct Query {
  int64_t orgId = 0;
  std::string orgPath;  // materialized path of orgId; filter with `scope`
  Scope scope;          // orgPath's subtree — use scope.where("<table>.org_path", params)
  Date from, to;
  Date asOf() const;    // min(to − 1 day, today)
};

// One counted thing: `key` is stable ("full", "2026", "overdue"), `label` is Chinese.
// A money figure's cell also carries an amount in fen (分) — dues collected, dues owed; the
// page shows it in yuan beside the count, and its records' amounts add up to it.
//
// A cell may also be a share of another cell of the same figure (`rateOf` = that cell's key: the
// page shows "12,345（98.7%）", see permille()) and/or carry a mean over its records: `sum` is the
// total of one integer value over the cell's records (days to solve …), the mean is sum / count
// in `unit` (meanTenths()), and the records show that value in column `meanKey`, so the mean can
// be checked from the export.
struct Cell {
  std::string key;
  std::string label;
  int64_t count = 0;
  std::optional<int64_t> amountFen;  // money figures only
  std::string rateOf;                // "" or the key of the cell this one is a share of
  std::optional<int64_t> sum;        // cells with a mean only
  std::string unit;                  // the mean's unit ("天")
};

// part / whole in permille, rounded DOWN (so 1000 only when part == whole); nullopt when whole
// is 0 (no rate: the page shows "—"). Negative inputs are clamped to 0.
std::optional<int64_t> permille(int64_t part, int64_t whole);
// "98.7%" from a permille; "—" for nullopt.
std::string percentText(std::optional<int64_t> permille);
// sum / count in tenths, rounded half up (12.35 → 124 tenths); nullopt when count is 0.
std::optional<int64_t> meanTenths(int64_t sum, int64_t count);
// "12.4" from tenths; "—" for nullopt.
std::string tenthsText(std::optional<int64_t> tenths);
// The rate of `c` within `cells` (its rateOf cell's count), nullopt when it has none or that
// cell counts 0.
std::optional<int64_t> rateOfCell(const Cell& c, const std::vector<Cell>& cells);

// The records behind one cell: columns (JSON key → Chinese header) and rows as JSON objects with
// those keys (plus "id"). Paged; total is the count of all rows (it equals the cell's count).
struct Column {
  std::string key;
  std::string title;
  std::string kind;  // "" plain value; "money": integer fen, shown and exported in yuan
};
struct Records {
  std::vector<Column> columns;
  std::vector<boost::json::object> rows;
  int64_t total = 0;
  std::optional<int64_t> amountFen;  // money figures: the sum over all rows (= the cell's amountFen)
  std::optional<int64_t> sum;        // cells with a mean: the sum of column meanKey over all rows
  std::string meanKey, unit;         // that column's key and the mean's unit
};

struct Figure {
  std::string key;    // "members.by_category" — group before the dot
  std::string group;  // Chinese group heading ("党员队伍")
  std::string title;  // Chinese ("按党员类别")
  int order = 0;      // display order across groups and within a group
  std::function<std::vector<Cell>(store::Connection&, const Query&)> cells;
  // Rows of one cell, `limit` rows from `offset` (limit < 0: all, for the export).
  // Throws Invalid("cell", …) for an unknown cell key.
  std::function<Records(store::Connection&, const Query&, const std::string& cell, int64_t offset, int64_t limit)>
      records;
  // True when every record falls in exactly one cell, so the cells add up to a total worth
  // showing (by age band); false when cells overlap or nest (by status; collected / of which).
  bool partition = false;
};

// A figure built from SQL, so that cells and records cannot disagree: each cell is a condition on
// one base set of rows; its count is COUNT of the base rows meeting it (and its amount the SUM of
// `amount` over them), its records are the same rows selected with `select`.
struct SqlCell {
  std::string key, label;
  std::string condition;  // SQL boolean over the base's aliases, "?" placeholders
  store::Params params;
  std::string rateOf;  // see Cell::rateOf
  // A mean over the cell's records: `mean` is an SQL integer expression of one row (no
  // placeholders; NULL rows count as 0 — make the condition exclude them), shown in the
  // records as column `meanColumn` and summed into Cell::sum.
  std::string mean;
  Column meanColumn;
  std::string unit;
};
struct SqlSpec {
  // "FROM … WHERE …" of the base rows for a query; appends its parameters.
  std::function<std::string(const Query&, store::Params&)> base;
  // The cells for a query (may read the database, e.g. to list the decades present).
  std::function<std::vector<SqlCell>(store::Connection&, const Query&)> cells;
  // SELECT list of a record: the id first, then one per column; appends its parameters.
  std::function<std::string(const Query&, store::Params&)> select;
  std::vector<Column> columns;  // keys and headers of the select list after the id
  std::string orderBy;          // ORDER BY of the records (end with a unique key)
  std::string amount;           // money figures: SQL expression of a row's amount in fen
  bool dropEmpty = false;       // leave out cells counting 0 (open-ended lists such as years)
  bool partition = false;       // see Figure::partition
};
Figure sqlFigure(std::string key, std::string group, std::string title, int order, SqlSpec spec);

// Declares a figure (idempotent by key: the last definition wins). Thread-safe.
void define(Figure f);
// All figures, ordered by (order, key).
std::vector<Figure> all();
// NotFound ("统计项不存在") for an unknown key.
Figure find(const std::string& key);

}  // namespace zg::figures
