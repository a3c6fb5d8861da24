// Figures 统计: every count the other modules define (platform/figures.h), for any organization
// in the caller's scope and any period — year, quarter, month or a custom [from, to) — each
// count opening the records behind it, the whole page and any cell's records exported to .xlsx.
#pragma once
#include <boost/json.hpp>
#include <string>

#include "platform/api.h"
#include "platform/figures.h"

namespace zg::figures {

void registerRoutes(platform::Api& api);

// A period: [from, to) and how to say it ("2026年第1季度").
struct Period {
  std::string kind;  // year / quarter / month / custom
  Date from, to;
  std::string label;
};
// From the query parameters: period=year&year=2026 | period=quarter&year=2026&quarter=1 |
// period=month&month=2026-03 | period=custom&from=2026-01-05&to=2026-02-10 (to exclusive).
// Default: this year. Throws Invalid naming the parameter.
Period parsePeriod(const http::Request& req);

// All figures with their cells for `q` (the page), grouped in display order.
boost::json::object page(store::Connection& c, const figures::Query& q);
// The page as one worksheet: organization and period at the top, then each group, each figure
// and its cells (count, and the amount in yuan for money figures).
std::string pageXlsx(store::Connection& c, const figures::Query& q, const std::string& orgName, const Period& p);
// One cell's records, all rows, as a worksheet (money columns in yuan).
std::string recordsXlsx(const figures::Figure& f, const figures::Records& r);

// One cell as the page shows it: key, label, count, amountFen; rateOf and permille (null when
// the whole is 0); sum, meanTenths (null when the count is 0) and unit.
boost::json::object cellJson(const figures::Cell& x, const std::vector<figures::Cell>& cells);
// "占住户 98.7%；平均 3.4 天" — the rate and mean of a cell in the .xlsx.
std::string extraText(const figures::Cell& x, const std::vector<figures::Cell>& cells);

// Fen → "12.34".
std::string yuan(int64_t fen);

}  // namespace zg::figures
