// Spreadsheets in and out: .xlsx (read with minizip + pugixml, write with libxlsxwriter) and
// .csv (UTF-8 with or without BOM, or GBK/GB18030 as Excel on Chinese Windows saves it).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace zg::tabular {

// A sheet as rows of cells, all cells as UTF-8 text (numbers formatted without exponent,
// integers without ".0"; dates formatted as ISO "YYYY-MM-DD" when the cell has a date format).
struct Sheet {
  std::string name;
  std::vector<std::vector<std::string>> rows;
};

enum class Format { Csv, Xlsx };
// Decides by content: a zip signature ("PK\x03\x04") is xlsx, anything else csv.
Format sniff(std::string_view bytes);

// Parses CSV (RFC 4180: quotes, doubled quotes, CR/LF/CRLF, embedded newlines). Encoding:
// BOM or valid UTF-8 → UTF-8; otherwise decoded as GB18030 (superset of GBK). Throws
// zg::Error::invalid("file", …) on bytes that decode as neither.
Sheet readCsv(std::string_view bytes);
// Reads the first worksheet of an .xlsx (shared strings, inline strings, numbers, booleans,
// dates). Throws zg::Error::invalid("file", "无法读取 Excel 文件：…") on a broken file.
Sheet readXlsx(std::string_view bytes);
// Either of the above by sniff().
Sheet read(std::string_view bytes);

// Writes CSV as UTF-8 with BOM (so Excel opens Chinese text correctly), CRLF line ends.
std::string writeCsv(const Sheet& s);
// Writes an .xlsx workbook with one sheet: header row bold and frozen, column widths fitted to
// content (CJK characters counted double), every cell as text. Opens in Excel and LibreOffice.
std::string writeXlsx(const Sheet& s);
// Several sheets in one workbook (e.g. a template with an instructions sheet).
std::string writeXlsx(const std::vector<Sheet>& sheets);

}  // namespace zg::tabular
