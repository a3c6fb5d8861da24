#include "platform/tabular.h"

#include <minizip/unzip.h>
#include <unicode/ucnv.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <pugixml.hpp>
#include <set>
#include <sstream>
#include <unordered_map>

#include "core/checks.h"
#include "core/error.h"

namespace zg::tabular {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

[[noreturn]] void badXlsx(std::string_view why) {
  throw Error::invalid("file", "无法读取 Excel 文件：" + std::string(why), "file.unreadable");
}

void trimTrailingEmptyRows(std::vector<std::vector<std::string>>& rows) {
  while (!rows.empty()) {
    const auto& r = rows.back();
    if (std::all_of(r.begin(), r.end(), [](const std::string& c) { return c.empty(); })) {
      rows.pop_back();
    } else {
      break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// CSV

// Decodes GB18030 (a superset of GBK and GB2312) to UTF-8; nullopt on bytes that are not
// GB18030.
std::optional<std::string> decodeGb18030(std::string_view bytes) {
  UErrorCode st = U_ZERO_ERROR;
  UConverter* cnv = ucnv_open("GB18030", &st);
  if (U_FAILURE(st)) throw Error::internal(std::string("ucnv_open GB18030: ") + u_errorName(st));
  std::unique_ptr<UConverter, void (*)(UConverter*)> guard(cnv, ucnv_close);
  ucnv_setToUCallBack(cnv, UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &st);
  std::string out(bytes.size() * 2 + 16, '\0');
  int32_t n = ucnv_toAlgorithmic(UCNV_UTF8, cnv, out.data(), static_cast<int32_t>(out.size()), bytes.data(),
                                 static_cast<int32_t>(bytes.size()), &st);
  if (U_FAILURE(st)) return std::nullopt;
  out.resize(n);
  return out;
}

}  // namespace

Format sniff(std::string_view bytes) {
  return bytes.substr(0, 4) == std::string_view("PK\x03\x04", 4) ? Format::Xlsx : Format::Csv;
}

Sheet readCsv(std::string_view bytes) {
  std::string decoded;
  std::string_view text;
  if (bytes.substr(0, 3) == kBom) {
    text = bytes.substr(3);
    if (!isValidUtf8(text)) {
      throw Error::invalid("file", "CSV 文件编码无效：文件声明为 UTF-8 但内容不是 UTF-8", "file.encoding");
    }
  } else if (isValidUtf8(bytes)) {
    text = bytes;
  } else if (auto gb = decodeGb18030(bytes)) {
    decoded = std::move(*gb);
    text = decoded;
  } else {
    throw Error::invalid("file", "无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码的 CSV", "file.encoding");
  }
  Sheet sheet;
  sheet.name = "Sheet1";
  auto& rows = sheet.rows;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false;      // inside a quoted field
  bool rowStarted = false;  // something seen on this line
  size_t i = 0, n = text.size();
  auto endCell = [&] {
    row.push_back(std::move(cell));
    cell.clear();
  };
  auto endRow = [&] {
    endCell();
    rows.push_back(std::move(row));
    row.clear();
    rowStarted = false;
  };
  while (i < n) {
    char c = text[i];
    if (quoted) {
      // Copy up to the next quote in one go.
      size_t q = text.find('"', i);
      if (q == std::string_view::npos) {
        throw Error::invalid("file", "CSV 文件格式错误：引号未闭合", "file.csv_quote");
      }
      cell.append(text.substr(i, q - i));
      if (q + 1 < n && text[q + 1] == '"') {
        cell.push_back('"');
        i = q + 2;
      } else {
        quoted = false;
        i = q + 1;
      }
      continue;
    }
    if (c == ',') {
      endCell();
      rowStarted = true;
      ++i;
    } else if (c == '\r' || c == '\n') {
      endRow();
      i += (c == '\r' && i + 1 < n && text[i + 1] == '\n') ? 2 : 1;
    } else if (c == '"' && cell.empty()) {
      quoted = true;
      rowStarted = true;
      ++i;
    } else {
      // Unquoted run (a stray quote in the middle of a field is kept literally).
      size_t j = i;
      while (j < n && text[j] != ',' && text[j] != '\r' && text[j] != '\n') ++j;
      cell.append(text.substr(i, j - i));
      rowStarted = true;
      i = j;
    }
  }
  if (rowStarted || !cell.empty()) endRow();
  trimTrailingEmptyRows(rows);
  return sheet;
}

namespace {

// Whether a cell would be run as a formula by a spreadsheet program (CSV injection).
bool looksLikeFormula(std::string_view c) {
  if (c.size() < 2) return false;
  char f = c[0];
  if (f == '=' || f == '@' || f == '\t' || f == '\r') return true;
  if (f != '+' && f != '-') return false;
  // "+86…" phones and negative numbers are data, not formulas.
  for (char ch : c.substr(1)) {
    if (!((ch >= '0' && ch <= '9') || ch == '.' || ch == ' ')) return true;
  }
  return false;
}

}  // namespace

std::string writeCsv(const Sheet& s) {
  std::string out(kBom);
  for (const auto& row : s.rows) {
    for (size_t k = 0; k < row.size(); ++k) {
      if (k) out.push_back(',');
      std::string_view c = row[k];
      bool formula = looksLikeFormula(c);
      bool quote = formula || c.find_first_of(",\"\r\n") != std::string_view::npos ||
                   (!c.empty() && (c.front() == ' ' || c.back() == ' '));
      if (!quote) {
        out.append(c);
        continue;
      }
      out.push_back('"');
      // A leading apostrophe makes Excel show the text instead of evaluating it.
      if (formula) out.push_back('\'');
      for (char ch : c) {
        if (ch == '"') out.push_back('"');
        out.push_back(ch);
      }
      out.push_back('"');
    }
    out.append("\r\n");
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Zip archive in memory (minizip with I/O callbacks over a buffer).

namespace {

struct MemStream {
  const char* data;
  uint64_t size;
  uint64_t pos;
};

voidpf ZCALLBACK memOpen(voidpf opaque, const void*, int mode) {
  if (mode & ZLIB_FILEFUNC_MODE_WRITE) return nullptr;
  static_cast<MemStream*>(opaque)->pos = 0;
  return opaque;
}
uLong ZCALLBACK memRead(voidpf, voidpf stream, void* buf, uLong size) {
  auto* m = static_cast<MemStream*>(stream);
  uint64_t n = std::min<uint64_t>(size, m->pos < m->size ? m->size - m->pos : 0);
  std::memcpy(buf, m->data + m->pos, n);
  m->pos += n;
  return static_cast<uLong>(n);
}
uLong ZCALLBACK memWrite(voidpf, voidpf, const void*, uLong) { return 0; }
ZPOS64_T ZCALLBACK memTell(voidpf, voidpf stream) { return static_cast<MemStream*>(stream)->pos; }
long ZCALLBACK memSeek(voidpf, voidpf stream, ZPOS64_T offset, int origin) {
  auto* m = static_cast<MemStream*>(stream);
  uint64_t base = origin == ZLIB_FILEFUNC_SEEK_SET ? 0 : origin == ZLIB_FILEFUNC_SEEK_CUR ? m->pos : m->size;
  if (offset > m->size || base + offset > m->size) return -1;
  m->pos = base + offset;
  return 0;
}
int ZCALLBACK memClose(voidpf, voidpf) { return 0; }
int ZCALLBACK memError(voidpf, voidpf) { return 0; }

// What we inflate of one workbook, all parts together (guards against zip bombs). Imports are
// at most 20 MB on the wire; worksheet XML compresses about 10:1, so a real file stays well
// below this, while a bomb (1000:1 and more) is stopped after 256 MiB, whatever its headers
// claim. The declared size is only a hint for the first allocation, never trusted beyond it.
constexpr uint64_t kMaxInflated = 256ull * 1024 * 1024;
constexpr uint64_t kFirstAlloc = 4ull * 1024 * 1024;

class Zip {
 public:
  explicit Zip(std::string_view bytes) : mem_{bytes.data(), bytes.size(), 0} {
    zlib_filefunc64_def f{};
    f.zopen64_file = memOpen;
    f.zread_file = memRead;
    f.zwrite_file = memWrite;
    f.ztell64_file = memTell;
    f.zseek64_file = memSeek;
    f.zclose_file = memClose;
    f.zerror_file = memError;
    f.opaque = &mem_;
    zf_ = unzOpen2_64("memory.xlsx", &f);
    if (!zf_) badXlsx("文件不是有效的 xlsx（zip）格式");
  }
  ~Zip() {
    if (zf_) unzClose(zf_);
  }
  Zip(const Zip&) = delete;
  Zip& operator=(const Zip&) = delete;

  // The inflated part, or nullopt if the archive has no such entry (names compared ignoring
  // case, as Excel does).
  std::optional<std::string> read(const std::string& name) {
    if (unzLocateFile(zf_, name.c_str(), 2) != UNZ_OK) return std::nullopt;
    unz_file_info64 info{};
    if (unzGetCurrentFileInfo64(zf_, &info, nullptr, 0, nullptr, 0, nullptr, 0) != UNZ_OK) {
      badXlsx("压缩包目录损坏");
    }
    const uint64_t budget = kMaxInflated - inflated_;
    if (info.uncompressed_size > budget) badXlsx("文件内容过大（解压后超过 256 MB）");
    if (unzOpenCurrentFile(zf_) != UNZ_OK) badXlsx("无法解压 " + name);
    std::string out;
    out.resize(static_cast<size_t>(std::min<uint64_t>(info.uncompressed_size, kFirstAlloc)));
    size_t got = 0;
    for (;;) {
      if (got == out.size()) {
        if (out.size() >= budget) {
          unzCloseCurrentFile(zf_);
          badXlsx("文件内容过大（解压后超过 256 MB）");
        }
        out.resize(static_cast<size_t>(std::min<uint64_t>(std::max<size_t>(out.size() * 2, 65536), budget)));
      }
      int r = unzReadCurrentFile(zf_, out.data() + got,
                                 static_cast<unsigned>(std::min<size_t>(out.size() - got, 1u << 30)));
      if (r < 0) {
        unzCloseCurrentFile(zf_);
        badXlsx("压缩数据损坏（" + name + "）");
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    if (unzCloseCurrentFile(zf_) != UNZ_OK) badXlsx("压缩数据校验失败（" + name + "）");
    out.resize(got);
    inflated_ += got;
    return out;
  }

 private:
  MemStream mem_;
  uint64_t inflated_ = 0;  // bytes inflated so far, all parts
  unzFile zf_ = nullptr;
};

// ---------------------------------------------------------------------------------------------
// A small pull parser for the two parts that can be large (the worksheet and the shared
// strings): a DOM of 100k rows × 16 cells would cost several hundred megabytes. It reads
// elements, attributes, text, CDATA, comments and processing instructions; it refuses DTDs.
// Element names are reported without their namespace prefix.

class XmlPull {
 public:
  enum Kind { Start, End, Text, Eof };

  explicit XmlPull(std::string_view doc) : d_(doc) {}

  Kind next() {
    if (pendingEnd_) {
      pendingEnd_ = false;
      return End;
    }
    for (;;) {
      if (p_ >= d_.size()) return Eof;
      if (d_[p_] != '<') {
        size_t e = d_.find('<', p_);
        if (e == std::string_view::npos) e = d_.size();
        text_ = d_.substr(p_, e - p_);
        cdata_ = false;
        p_ = e;
        return Text;
      }
      char c1 = p_ + 1 < d_.size() ? d_[p_ + 1] : '\0';
      if (c1 == '!') {
        if (d_.compare(p_, 4, "<!--") == 0) {
          skipPast("-->");
          continue;
        }
        if (d_.compare(p_, 9, "<![CDATA[") == 0) {
          size_t e = d_.find("]]>", p_ + 9);
          if (e == std::string_view::npos) badXlsx("XML 格式错误");
          text_ = d_.substr(p_ + 9, e - p_ - 9);
          cdata_ = true;
          p_ = e + 3;
          return Text;
        }
        badXlsx("不支持含 DTD 的 XML");
      }
      if (c1 == '?') {
        skipPast("?>");
        continue;
      }
      bool end = c1 == '/';
      size_t nameStart = p_ + (end ? 2 : 1);
      size_t gt = findTagEnd(nameStart);
      size_t nameEnd = nameStart;
      while (nameEnd < gt && !isSpace(d_[nameEnd]) && d_[nameEnd] != '/') ++nameEnd;
      std::string_view name = d_.substr(nameStart, nameEnd - nameStart);
      if (size_t colon = name.find(':'); colon != std::string_view::npos) {
        name.remove_prefix(colon + 1);
      }
      name_ = name;
      bool selfClosing = !end && gt > nameStart && d_[gt - 1] == '/';
      attrs_ = end ? std::string_view() : d_.substr(nameEnd, gt - nameEnd - (selfClosing ? 1 : 0));
      p_ = gt + 1;
      if (end) return End;
      pendingEnd_ = selfClosing;
      return Start;
    }
  }

  std::string_view name() const { return name_; }
  // The raw (undecoded) value of an attribute of the current start tag, by local name.
  std::optional<std::string_view> attr(std::string_view local) const {
    std::string_view a = attrs_;
    size_t i = 0;
    while (i < a.size()) {
      while (i < a.size() && isSpace(a[i])) ++i;
      size_t eq = a.find('=', i);
      if (eq == std::string_view::npos) return std::nullopt;
      std::string_view key = a.substr(i, eq - i);
      while (!key.empty() && isSpace(key.back())) key.remove_suffix(1);
      size_t q = eq + 1;
      while (q < a.size() && isSpace(a[q])) ++q;
      if (q >= a.size() || (a[q] != '"' && a[q] != '\'')) return std::nullopt;
      size_t close = a.find(a[q], q + 1);
      if (close == std::string_view::npos) return std::nullopt;
      if (size_t colon = key.find(':'); colon != std::string_view::npos) {
        // xml:space and the like are never what we look for.
        if (key.substr(colon + 1) == local && key.substr(0, colon) != "xml") {
          return a.substr(q + 1, close - q - 1);
        }
      } else if (key == local) {
        return a.substr(q + 1, close - q - 1);
      }
      i = close + 1;
    }
    return std::nullopt;
  }
  // Appends the current text, entities decoded.
  void appendText(std::string& out) const {
    if (cdata_) {
      out.append(text_);
    } else {
      appendDecoded(text_, out);
    }
  }

  static void appendDecoded(std::string_view s, std::string& out) {
    size_t i = 0;
    while (i < s.size()) {
      size_t amp = s.find_first_of("&\r", i);
      if (amp == std::string_view::npos) {
        out.append(s.substr(i));
        return;
      }
      out.append(s.substr(i, amp - i));
      if (s[amp] == '\r') {  // XML end-of-line handling: CRLF and CR become LF
        out.push_back('\n');
        i = amp + ((amp + 1 < s.size() && s[amp + 1] == '\n') ? 2 : 1);
        continue;
      }
      size_t semi = s.find(';', amp);
      if (semi == std::string_view::npos || semi - amp > 12) badXlsx("XML 实体格式错误");
      std::string_view ent = s.substr(amp + 1, semi - amp - 1);
      if (ent == "lt") {
        out.push_back('<');
      } else if (ent == "gt") {
        out.push_back('>');
      } else if (ent == "amp") {
        out.push_back('&');
      } else if (ent == "quot") {
        out.push_back('"');
      } else if (ent == "apos") {
        out.push_back('\'');
      } else if (ent.size() > 1 && ent[0] == '#') {
        uint32_t cp = 0;
        bool hex = ent[1] == 'x' || ent[1] == 'X';
        std::string_view digits = ent.substr(hex ? 2 : 1);
        auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
        if (ec != std::errc() || ptr != digits.data() + digits.size() || digits.empty()) {
          badXlsx("XML 实体格式错误");
        }
        appendUtf8(cp, out);
      } else {
        badXlsx("XML 实体格式错误");
      }
      i = semi + 1;
    }
  }

  static void appendUtf8(uint32_t cp, std::string& out) {
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

 private:
  static bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

  void skipPast(std::string_view end) {
    size_t e = d_.find(end, p_);
    if (e == std::string_view::npos) badXlsx("XML 格式错误");
    p_ = e + end.size();
  }

  // The '>' closing the tag that starts before `from`, skipping quoted attribute values.
  size_t findTagEnd(size_t from) const {
    size_t i = from;
    while (i < d_.size()) {
      char c = d_[i];
      if (c == '>') return i;
      if (c == '"' || c == '\'') {
        size_t q = d_.find(c, i + 1);
        if (q == std::string_view::npos) break;
        i = q + 1;
      } else if (c == '<') {
        break;
      } else {
        ++i;
      }
    }
    badXlsx("XML 格式错误");
  }

  std::string_view d_;
  size_t p_ = 0;
  std::string_view name_, attrs_, text_;
  bool cdata_ = false;
  bool pendingEnd_ = false;
};

// Excel escapes characters XML cannot carry as "_xHHHH_" (and a literal "_x" as "_x005F_").
void decodeExcelEscapes(std::string& s) {
  if (s.find("_x") == std::string::npos) return;
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '_' && i + 6 < s.size() && s[i + 1] == 'x' && s[i + 6] == '_' &&
        std::all_of(s.begin() + i + 2, s.begin() + i + 6,
                    [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
      uint32_t cp = 0;
      std::from_chars(s.data() + i + 2, s.data() + i + 6, cp, 16);
      XmlPull::appendUtf8(cp, out);
      i += 7;
    } else {
      out.push_back(s[i++]);
    }
  }
  s = std::move(out);
}

// Text of a string item (<si> or <is>): the <t> directly inside and the <t> of rich-text runs
// (<r>), but not phonetic guides (<rPh>). Call after the item's start tag; consumes its end.
void readStringItem(XmlPull& x, std::string& out) {
  int depth = 1, phonetic = 0;
  bool inT = false;
  while (depth > 0) {
    switch (x.next()) {
      case XmlPull::Start:
        ++depth;
        if (x.name() == "rPh") ++phonetic;
        if (x.name() == "t" && phonetic == 0) inT = true;
        break;
      case XmlPull::End:
        --depth;
        if (x.name() == "rPh") --phonetic;
        if (x.name() == "t") inT = false;
        break;
      case XmlPull::Text:
        if (inT) x.appendText(out);
        break;
      case XmlPull::Eof:
        badXlsx("XML 不完整");
    }
  }
  decodeExcelEscapes(out);
}

std::vector<std::string> readSharedStrings(std::string_view xml) {
  std::vector<std::string> out;
  XmlPull x(xml);
  for (;;) {
    auto k = x.next();
    if (k == XmlPull::Eof) break;
    if (k == XmlPull::Start && x.name() == "sst") {
      if (auto n = x.attr("uniqueCount")) {
        size_t count = 0;
        std::from_chars(n->data(), n->data() + n->size(), count);
        out.reserve(std::min<size_t>(count, 4'000'000));
      }
    } else if (k == XmlPull::Start && x.name() == "si") {
      out.emplace_back();
      readStringItem(x, out.back());
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Numbers and dates.

bool isPlainDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Formats a number as Excel shows it in a General cell, without exponent: at most 15
// significant digits, no trailing zeros, integers without ".0".
std::string formatDouble(double v) {
  if (!std::isfinite(v)) return "";
  if (v == 0) return "0";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.14e", v);  // d.dddddddddddddde±XX
  std::string_view s = buf;
  bool neg = s[0] == '-';
  if (neg) s.remove_prefix(1);
  size_t e = s.find('e');
  std::string digits;
  digits.push_back(s[0]);
  digits.append(s.substr(2, e - 2));
  int exp = std::atoi(std::string(s.substr(e + 1)).c_str());
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out;
  if (neg) out.push_back('-');
  if (exp >= 0) {
    size_t intLen = static_cast<size_t>(exp) + 1;
    if (digits.size() <= intLen) {
      out += digits;
      out.append(intLen - digits.size(), '0');
    } else {
      out += digits.substr(0, intLen);
      out.push_back('.');
      out += digits.substr(intLen);
    }
  } else {
    out += "0.";
    out.append(static_cast<size_t>(-exp - 1), '0');
    out += digits;
  }
  return out;
}

std::string formatNumber(std::string_view v) {
  std::string_view body = v;
  if (!body.empty() && body[0] == '-') body.remove_prefix(1);
  // Integers are kept digit for digit (a long number written by a program other than Excel).
  if (isPlainDigits(body)) return std::string(v);
  double d = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || ptr != v.data() + v.size()) return std::string(v);
  return formatDouble(d);
}

// Excel serial day number → ISO date; nullopt outside 1900-01-01 … 9999-12-31.
std::optional<std::string> serialToIso(double serial, bool date1904) {
  if (!std::isfinite(serial) || serial < (date1904 ? 0 : 1) || serial >= 2958466) {
    return std::nullopt;
  }
  long days = static_cast<long>(std::floor(serial));
  using namespace std::chrono;
  sys_days base = date1904 ? sys_days(year(1904) / 1 / 1) : sys_days(year(1899) / 12 / 30);
  if (!date1904) {
    if (days == 60) return std::string("1900-02-28");  // Excel's phantom 1900-02-29
    if (days < 60) ++days;                             // before the phantom day, serial 1 is 1900-01-01
  }
  year_month_day ymd{base + std::chrono::days(days)};
  Date dt{static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
          static_cast<int>(static_cast<unsigned>(ymd.day()))};
  if (dt.year > 9999) return std::nullopt;
  return dt.iso();
}

// Whether a number format shows a date: built-in ids 14–17 and 22 (and the East Asian built-ins
// 27–36, 50–58), or a custom code with year/month/day parts outside quotes and brackets.
bool isDateFormatCode(std::string_view code) {
  bool y = false, d = false, m = false, h = false, sec = false;
  for (size_t i = 0; i < code.size(); ++i) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(code[i])));
    if (c == '"') {
      size_t e = code.find('"', i + 1);
      if (e == std::string_view::npos) break;
      i = e;
    } else if (c == '\\' || c == '_' || c == '*') {
      ++i;  // the next character is literal (or padding)
    } else if (c == '[') {
      size_t e = code.find(']', i + 1);  // colours, conditions, locales, elapsed time
      if (e == std::string_view::npos) break;
      i = e;
    } else if (c == ';') {
      break;  // the first section decides
    } else if (c == 'y') {
      y = true;
    } else if (c == 'd') {
      d = true;
    } else if (c == 'm') {
      m = true;
    } else if (c == 'h') {
      h = true;
    } else if (c == 's') {
      sec = true;
    }
  }
  // "m" next to "h" or "s" means minutes: "h:mm" and "mm:ss" are times, not dates.
  return y || d || (m && !h && !sec);
}

bool isBuiltinDateFormat(int id) {
  return (id >= 14 && id <= 17) || id == 22 || (id >= 27 && id <= 36) || (id >= 50 && id <= 58);
}

// Local name of a pugixml node ("x:sheet" → "sheet").
std::string_view localName(const pugi::xml_node& n) {
  std::string_view s = n.name();
  size_t c = s.find(':');
  return c == std::string_view::npos ? s : s.substr(c + 1);
}

pugi::xml_node childLocal(const pugi::xml_node& n, std::string_view local) {
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && localName(c) == local) return c;
  }
  return {};
}

pugi::xml_attribute attrLocal(const pugi::xml_node& n, std::string_view local) {
  for (pugi::xml_attribute a = n.first_attribute(); a; a = a.next_attribute()) {
    std::string_view s = a.name();
    size_t c = s.find(':');
    if ((c == std::string_view::npos ? s : s.substr(c + 1)) == local) return a;
  }
  return {};
}

void parseSmall(pugi::xml_document& doc, const std::string& xml, std::string_view part) {
  auto r = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!r) badXlsx(std::string(part) + " 格式错误");
}

// Resolves a relationship target against the folder of the part holding the relationships.
std::string resolveTarget(std::string_view target, std::string_view baseDir) {
  if (!target.empty() && target[0] == '/') return std::string(target.substr(1));
  std::vector<std::string> parts;
  std::string path = std::string(baseDir) + std::string(target);
  std::stringstream ss(path);
  std::string seg;
  while (std::getline(ss, seg, '/')) {
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!parts.empty()) parts.pop_back();
    } else {
      parts.push_back(seg);
    }
  }
  std::string out;
  for (auto& p : parts) {
    if (!out.empty()) out.push_back('/');
    out += p;
  }
  return out;
}

// Column index from a cell reference ("C7" → 2), or -1.
int columnOf(std::string_view ref) {
  int col = 0;
  size_t i = 0;
  while (i < ref.size() && ((ref[i] >= 'A' && ref[i] <= 'Z') || (ref[i] >= 'a' && ref[i] <= 'z'))) {
    col = col * 26 + ((ref[i] | 0x20) - 'a' + 1);
    if (col > 16384) return -1;
    ++i;
  }
  if (i == 0) return -1;
  return col - 1;
}

long toLong(std::optional<std::string_view> s, long fallback) {
  if (!s) return fallback;
  long v = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  return (ec == std::errc() && p == s->data() + s->size()) ? v : fallback;
}

}  // namespace

Sheet readXlsx(std::string_view bytes) {
  Zip zip(bytes);
  Sheet sheet;

  // Which part is the first worksheet, and where the shared strings and styles are.
  std::string sheetPath = "xl/worksheets/sheet1.xml";
  std::string sstPath = "xl/sharedStrings.xml";
  std::string stylesPath = "xl/styles.xml";
  bool date1904 = false;
  if (auto wb = zip.read("xl/workbook.xml")) {
    pugi::xml_document doc;
    parseSmall(doc, *wb, "workbook.xml");
    pugi::xml_node root = doc.document_element();
    if (auto pr = childLocal(root, "workbookPr")) {
      std::string_view v = attrLocal(pr, "date1904").value();
      date1904 = v == "1" || v == "true";
    }
    std::string rid;
    if (auto sheets = childLocal(root, "sheets")) {
      if (auto first = childLocal(sheets, "sheet")) {
        sheet.name = first.attribute("name").value();
        rid = attrLocal(first, "id").value();
      }
    }
    if (auto rels = zip.read("xl/_rels/workbook.xml.rels")) {
      pugi::xml_document rdoc;
      parseSmall(rdoc, *rels, "workbook.xml.rels");
      for (pugi::xml_node r = rdoc.document_element().first_child(); r; r = r.next_sibling()) {
        if (localName(r) != "Relationship") continue;
        std::string_view type = r.attribute("Type").value();
        std::string target = resolveTarget(r.attribute("Target").value(), "xl/");
        if (!rid.empty() && rid == r.attribute("Id").value()) sheetPath = target;
        if (type.ends_with("/sharedStrings")) sstPath = target;
        if (type.ends_with("/styles")) stylesPath = target;
      }
    }
  }
  if (sheet.name.empty()) sheet.name = "Sheet1";

  // Styles: which cell formats (index of <xf> in cellXfs) show dates.
  std::vector<bool> dateXf;
  if (auto styles = zip.read(stylesPath)) {
    pugi::xml_document doc;
    parseSmall(doc, *styles, "styles.xml");
    pugi::xml_node root = doc.document_element();
    std::unordered_map<long, bool> customDate;
    if (auto fmts = childLocal(root, "numFmts")) {
      for (pugi::xml_node f = fmts.first_child(); f; f = f.next_sibling()) {
        if (localName(f) != "numFmt") continue;
        customDate[f.attribute("numFmtId").as_int(-1)] = isDateFormatCode(f.attribute("formatCode").value());
      }
    }
    if (auto xfs = childLocal(root, "cellXfs")) {
      for (pugi::xml_node xf = xfs.first_child(); xf; xf = xf.next_sibling()) {
        if (localName(xf) != "xf") continue;
        int id = xf.attribute("numFmtId").as_int(0);
        auto it = customDate.find(id);
        dateXf.push_back(it != customDate.end() ? it->second : isBuiltinDateFormat(id));
      }
    }
  }

  std::vector<std::string> shared;
  if (auto sst = zip.read(sstPath)) {
    if (!isValidUtf8(*sst)) badXlsx("共享字符串不是 UTF-8 编码");
    shared = readSharedStrings(*sst);
  }

  std::optional<std::string> xml = zip.read(sheetPath);
  if (!xml && sheetPath != "xl/worksheets/sheet1.xml") xml = zip.read("xl/worksheets/sheet1.xml");
  if (!xml) badXlsx("找不到工作表");
  if (!isValidUtf8(*xml)) badXlsx("工作表不是 UTF-8 编码");

  auto& rows = sheet.rows;
  XmlPull x(*xml);
  long rowIndex = -1;  // 0-based index of the current <row>
  int lastCol = -1;    // 0-based column of the previous cell in the row
  bool inSheetData = false;
  std::string value;
  for (;;) {
    auto k = x.next();
    if (k == XmlPull::Eof) break;
    if (k == XmlPull::End && x.name() == "sheetData") break;
    if (k != XmlPull::Start) continue;
    std::string_view name = x.name();
    if (name == "sheetData") {
      inSheetData = true;
      continue;
    }
    if (!inSheetData) continue;
    if (name == "row") {
      long r = toLong(x.attr("r"), rowIndex + 2) - 1;
      if (r < 0 || r >= 1048576) badXlsx("行号无效");
      rowIndex = r;
      lastCol = -1;
      continue;
    }
    if (name != "c") continue;
    if (rowIndex < 0) rowIndex = 0;
    // A cell.
    int col = lastCol + 1;
    if (auto ref = x.attr("r")) {
      col = columnOf(*ref);
      if (col < 0) badXlsx("单元格引用无效");
    }
    if (col >= 16384) badXlsx("单元格引用无效");
    lastCol = col;
    std::string_view type = x.attr("t").value_or("n");
    long style = toLong(x.attr("s"), 0);
    bool hasValue = false;
    value.clear();
    int depth = 1;
    while (depth > 0) {
      auto kk = x.next();
      if (kk == XmlPull::Eof) badXlsx("XML 不完整");
      if (kk == XmlPull::End) {
        --depth;
        continue;
      }
      if (kk == XmlPull::Text) continue;
      // Start of a child of <c>.
      if (depth == 1 && x.name() == "v") {
        hasValue = true;
        for (int d = 1; d > 0;) {
          auto kv = x.next();
          if (kv == XmlPull::Text)
            x.appendText(value);
          else if (kv == XmlPull::Start)
            ++d;
          else if (kv == XmlPull::End)
            --d;
          else
            badXlsx("XML 不完整");
        }
      } else if (depth == 1 && x.name() == "is") {
        hasValue = true;
        readStringItem(x, value);
      } else {
        ++depth;  // <f>, <extLst>…: skipped
      }
    }
    if (!hasValue) continue;
    std::string text;
    if (type == "s") {
      long idx = toLong(value, -1);
      if (idx < 0 || static_cast<size_t>(idx) >= shared.size()) badXlsx("共享字符串索引无效");
      text = shared[idx];
    } else if (type == "inlineStr") {
      text = std::move(value);
    } else if (type == "str" || type == "e") {
      decodeExcelEscapes(value);
      text = std::move(value);
    } else if (type == "b") {
      text = (value == "1" || value == "true") ? "TRUE" : "FALSE";
    } else if (type == "d") {
      auto d = parseDate(std::string_view(value).substr(0, 10));
      text = d ? d->iso() : std::move(value);
    } else {  // "n"
      std::string_view v = value;
      while (!v.empty() && (v.front() == ' ' || v.front() == '\n')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\n')) v.remove_suffix(1);
      std::optional<std::string> date;
      if (style >= 0 && static_cast<size_t>(style) < dateXf.size() && dateXf[style]) {
        double d = 0;
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
        if (ec == std::errc() && p == v.data() + v.size()) date = serialToIso(d, date1904);
      }
      text = date ? std::move(*date) : formatNumber(v);
    }
    if (text.empty()) continue;
    if (rows.size() <= static_cast<size_t>(rowIndex)) rows.resize(rowIndex + 1);
    auto& rowCells = rows[rowIndex];
    if (rowCells.size() <= static_cast<size_t>(col)) rowCells.resize(col + 1);
    rowCells[col] = std::move(text);
  }
  for (auto& r : rows) {
    while (!r.empty() && r.back().empty()) r.pop_back();
  }
  trimTrailingEmptyRows(rows);
  return sheet;
}

Sheet read(std::string_view bytes) { return sniff(bytes) == Format::Xlsx ? readXlsx(bytes) : readCsv(bytes); }

// ---------------------------------------------------------------------------------------------
// Writing .xlsx

namespace {

// Display width in Excel's character units: East Asian wide characters count 2.
size_t displayWidth(std::string_view s) {
  size_t w = 0;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    size_t n;
    if (c < 0x80) {
      cp = c, n = 1;
    } else if ((c >> 5) == 6) {
      cp = c & 0x1F, n = 2;
    } else if ((c >> 4) == 14) {
      cp = c & 0x0F, n = 3;
    } else {
      cp = c & 0x07, n = 4;
    }
    for (size_t k = 1; k < n && i + k < s.size(); ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
    i += n;
    bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
                (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                (cp >= 0xFFE0 && cp <= 0xFFE6) || cp >= 0x20000;
    w += wide ? 2 : 1;
  }
  return w;
}

// Excel sheet names: at most 31 characters, none of []:*?/\, unique ignoring case.
std::string sheetName(std::string_view wanted, size_t index, std::set<std::string>& used) {
  std::string base;
  size_t chars = 0;
  for (size_t i = 0; i < wanted.size() && chars < 31;) {
    unsigned char c = static_cast<unsigned char>(wanted[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    std::string_view cp = wanted.substr(i, n);
    if (cp.size() == 1 && std::strchr("[]:*?/\\", cp[0])) {
      base.push_back('_');
    } else if (cp.size() == 1 && static_cast<unsigned char>(cp[0]) < 0x20) {
      base.push_back(' ');
    } else {
      base.append(cp);
    }
    i += n;
    ++chars;
  }
  while (!base.empty() && base.front() == '\'') base.erase(0, 1);
  while (!base.empty() && base.back() == '\'') base.pop_back();
  if (base.empty() || !isValidUtf8(base)) base = "Sheet" + std::to_string(index + 1);
  auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  std::string name = base;
  for (int k = 2; used.count(lower(name)); ++k) {
    std::string suffix = "(" + std::to_string(k) + ")";
    // Keep within 31 characters (ASCII suffix; trim whole code points from the base).
    std::string b = base;
    while (utf8Length(b) + suffix.size() > 31) {
      do b.pop_back();
      while (!b.empty() && (static_cast<unsigned char>(b.back()) & 0xC0) == 0x80);
      if (!b.empty() && static_cast<unsigned char>(b.back()) >= 0xC0) b.pop_back();
    }
    name = b + suffix;
  }
  used.insert(lower(name));
  return name;
}

// Excel's limit on the characters in a cell.
constexpr size_t kMaxCellChars = 32767;

std::string clampCell(const std::string& s) {
  if (s.size() <= kMaxCellChars) return s;  // bytes ≥ characters
  std::string out;
  size_t chars = 0, i = 0;
  while (i < s.size() && chars < kMaxCellChars) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    // Characters outside the BMP count twice in Excel (UTF-16).
    if (n == 4 && chars + 2 > kMaxCellChars) break;
    out.append(s, i, n);
    i += n;
    chars += n == 4 ? 2 : 1;
  }
  return out;
}

struct TempFile {
  std::string path;
  ~TempFile() {
    if (!path.empty()) ::unlink(path.c_str());
  }
};

}  // namespace

std::string writeXlsx(const Sheet& s) { return writeXlsx(std::vector<Sheet>{s}); }

std::string writeXlsx(const std::vector<Sheet>& sheetsIn) {
  std::vector<Sheet> fallback;
  const std::vector<Sheet>* sheets = &sheetsIn;
  if (sheetsIn.empty()) {
    fallback.push_back(Sheet{"Sheet1", {}});
    sheets = &fallback;
  }
  for (const auto& sh : *sheets) {
    if (sh.rows.size() > 1048576) {
      throw Error::invalid("", "导出的行数超过 Excel 上限（1048576 行），请缩小范围后分批导出", "export.too_many_rows");
    }
    for (const auto& r : sh.rows) {
      if (r.size() > 16384) throw Error::internal("xlsx export: more than 16384 columns");
    }
  }

  std::string dir = std::filesystem::temp_directory_path().string();
  TempFile tmp;
  std::string templ = dir + "/zugong-export-XXXXXX.xlsx";
  int fd = ::mkstemps(templ.data(), 5);
  if (fd < 0) throw Error::internal("mkstemps failed in " + dir);
  ::close(fd);
  tmp.path = templ;

  lxw_workbook_options opts{};
  opts.constant_memory = LXW_TRUE;
  opts.tmpdir = dir.data();
  lxw_workbook* wb = workbook_new_opt(tmp.path.c_str(), &opts);
  if (!wb) throw Error::internal("workbook_new_opt failed for " + tmp.path);
  // From here on the workbook must be closed (which also frees it).
  lxw_error err = LXW_NO_ERROR;
  try {
    lxw_format* text = workbook_add_format(wb);
    format_set_num_format(text, "@");
    lxw_format* header = workbook_add_format(wb);
    format_set_num_format(header, "@");
    format_set_bold(header);

    std::set<std::string> used;
    for (size_t si = 0; si < sheets->size(); ++si) {
      const Sheet& sh = (*sheets)[si];
      std::string name = sheetName(sh.name, si, used);
      lxw_worksheet* ws = workbook_add_worksheet(wb, name.c_str());
      if (!ws) throw Error::internal("workbook_add_worksheet failed for sheet " + name);
      // Widths first: in constant-memory mode columns must be set before rows are written.
      std::vector<size_t> widths;
      for (const auto& r : sh.rows) {
        if (widths.size() < r.size()) widths.resize(r.size(), 0);
        for (size_t c = 0; c < r.size(); ++c) {
          if (widths[c] < 60) widths[c] = std::max(widths[c], displayWidth(r[c]));
        }
      }
      for (size_t c = 0; c < widths.size(); ++c) {
        double w = static_cast<double>(std::clamp<size_t>(widths[c], 6, 60)) + 2;
        worksheet_set_column(ws, c, c, w, text);
      }
      if (!sh.rows.empty()) worksheet_freeze_panes(ws, 1, 0);
      for (size_t r = 0; r < sh.rows.size(); ++r) {
        const auto& row = sh.rows[r];
        for (size_t c = 0; c < row.size(); ++c) {
          if (row[c].empty()) continue;
          lxw_error e = worksheet_write_string(ws, static_cast<lxw_row_t>(r), static_cast<lxw_col_t>(c),
                                               clampCell(row[c]).c_str(), r == 0 ? header : text);
          if (e != LXW_NO_ERROR) {
            throw Error::internal(std::string("worksheet_write_string: ") + lxw_strerror(e));
          }
        }
      }
    }
  } catch (...) {
    workbook_close(wb);
    throw;
  }
  err = workbook_close(wb);
  if (err != LXW_NO_ERROR) {
    throw Error::internal(std::string("workbook_close: ") + lxw_strerror(err));
  }
  std::ifstream in(tmp.path, std::ios::binary);
  std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) throw Error::internal("cannot read back " + tmp.path);
  if (out.empty()) throw Error::internal("empty xlsx written to " + tmp.path);
  return out;
}

}  // namespace zg::tabular
