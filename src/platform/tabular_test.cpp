#include "platform/tabular.h"

#include <gtest/gtest.h>
#include <minizip/zip.h>
#include <unicode/ucnv.h>
#include <zlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/error.h"

namespace zg::tabular {
namespace {

using Rows = std::vector<std::vector<std::string>>;

// UTF-8 → GBK through ICU, so the GBK test input is real GBK.
std::string toGbk(std::string_view utf8) {
  UErrorCode st = U_ZERO_ERROR;
  std::string out(utf8.size() * 2 + 16, '\0');
  int32_t n = ucnv_convert("GBK", "UTF-8", out.data(), static_cast<int32_t>(out.size()), utf8.data(),
                           static_cast<int32_t>(utf8.size()), &st);
  EXPECT_TRUE(U_SUCCESS(st)) << u_errorName(st);
  out.resize(n);
  return out;
}

// Builds an .xlsx (zip) from named parts with minizip.
std::string makeZip(const std::map<std::string, std::string>& parts) {
  std::string path = (std::filesystem::temp_directory_path() / "zg-tabular-test-XXXXXX").string();
  int fd = mkstemp(path.data());
  EXPECT_GE(fd, 0);
  close(fd);
  zipFile zf = zipOpen64(path.c_str(), APPEND_STATUS_CREATE);
  EXPECT_NE(zf, nullptr);
  for (const auto& [name, body] : parts) {
    zip_fileinfo info{};
    EXPECT_EQ(zipOpenNewFileInZip64(zf, name.c_str(), &info, nullptr, 0, nullptr, 0, nullptr, Z_DEFLATED,
                                    Z_DEFAULT_COMPRESSION, 0),
              ZIP_OK);
    EXPECT_EQ(zipWriteInFileInZip(zf, body.data(), static_cast<unsigned>(body.size())), ZIP_OK);
    EXPECT_EQ(zipCloseFileInZip(zf), ZIP_OK);
  }
  EXPECT_EQ(zipClose(zf, nullptr), ZIP_OK);
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(path);
  return bytes;
}

void expectFileError(std::string_view bytes, bool xlsx) {
  try {
    if (xlsx) {
      readXlsx(bytes);
    } else {
      readCsv(bytes);
    }
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Invalid);
    EXPECT_EQ(e.field(), "file");
    EXPECT_FALSE(e.message().empty());
  }
}

TEST(Csv, QuotesNewlinesAndLineEnds) {
  std::string csv =
      "姓名,备注,电话\r\n"
      "\"张三\",\"说\"\"你好\"\"，再见\",13812345678\r\n"
      "李四,\"第一行\n第二行\",\n"
      "王五,\"a,b\",\"\"\r"
      ",,\n"
      "赵六";
  Sheet s = readCsv(csv);
  EXPECT_EQ(s.rows, (Rows{{"姓名", "备注", "电话"},
                          {"张三", "说\"你好\"，再见", "13812345678"},
                          {"李四", "第一行\n第二行", ""},
                          {"王五", "a,b", ""},
                          {"", "", ""},
                          {"赵六"}}));
}

TEST(Csv, TrailingEmptyLinesAndBom) {
  Sheet s = readCsv("\xEF\xBB\xBF编号,名称\r\n1,党支部\r\n\r\n,\r\n");
  EXPECT_EQ(s.rows, (Rows{{"编号", "名称"}, {"1", "党支部"}}));
  EXPECT_TRUE(readCsv("").rows.empty());
  EXPECT_TRUE(readCsv("\xEF\xBB\xBF").rows.empty());
  EXPECT_EQ(readCsv("a").rows, (Rows{{"a"}}));
  EXPECT_EQ(readCsv("a,").rows, (Rows{{"a", ""}}));
}

TEST(Csv, GbkEncoded) {
  std::string utf8 = "姓名,性别,所在党支部\r\n欧阳娜娜,女,第一党支部（机关）\r\n";
  std::string gbk = toGbk(utf8);
  ASSERT_NE(gbk, utf8);
  Sheet s = readCsv(gbk);
  EXPECT_EQ(s.rows, (Rows{{"姓名", "性别", "所在党支部"}, {"欧阳娜娜", "女", "第一党支部（机关）"}}));
  EXPECT_EQ(read(gbk).rows, s.rows);
}

TEST(Csv, BadInput) {
  expectFileError("a,\"unclosed\n", false);
  expectFileError("abc\xFF\xFF", false);                   // neither UTF-8 nor GB18030
  expectFileError("\xEF\xBB\xBF\xD5\xC5\xC8\xFD", false);  // BOM but GBK body
}

TEST(Csv, WriteAndRoundTrip) {
  Sheet s{"x", {{"姓名", "备注"}, {"张三", "a,b"}, {"李四", "说\"好\""}, {"王五", "两\r\n行"}, {" 空格 ", ""}}};
  std::string out = writeCsv(s);
  EXPECT_EQ(out.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_EQ(out.substr(3, 15), "姓名,备注\r\n");
  EXPECT_NE(out.find("\"说\"\"好\"\"\""), std::string::npos);
  EXPECT_EQ(readCsv(out).rows, s.rows);
}

TEST(Csv, WriteDefusesFormulas) {
  Sheet s{"x", {{"=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "@SUM(A1)", "-1", "+86138", "-", "1+1"}}};
  Sheet back = readCsv(writeCsv(s));
  ASSERT_EQ(back.rows.size(), 1u);
  const auto& r = back.rows[0];
  EXPECT_EQ(r[0], "'=HYPERLINK(\"http://x\")");
  EXPECT_EQ(r[1], "'+cmd|' /C calc'!A0");
  EXPECT_EQ(r[2], "'@SUM(A1)");
  EXPECT_EQ(r[3], "-1");
  EXPECT_EQ(r[4], "+86138");
  EXPECT_EQ(r[5], "-");
  EXPECT_EQ(r[6], "1+1");
}

TEST(Sniff, ByContent) {
  EXPECT_EQ(sniff(std::string_view("PK\x03\x04rest", 8)), Format::Xlsx);
  EXPECT_EQ(sniff("a,b"), Format::Csv);
  EXPECT_EQ(sniff(""), Format::Csv);
  EXPECT_EQ(sniff("PK"), Format::Csv);
}

TEST(Xlsx, RoundTripChineseAndEmptyCells) {
  Sheet s{"党员名册",
          {{"姓名", "性别", "公民身份证号", "备注", "电话"},
           {"张三", "男", "11010519491231002X", "", "13812345678"},
           {"李四", "", "110105194912310029", "中间有空", ""},
           {"", "", "", "", ""},
           {"王五", "女", "007", "换行\n第二行", "0.10"},
           {"赵六", "男", "", "", "带 & < > \" ' 符号"}}};
  std::string bytes = writeXlsx(s);
  EXPECT_EQ(sniff(bytes), Format::Xlsx);
  Sheet back = read(bytes);
  EXPECT_EQ(back.name, "党员名册");
  Rows expected = s.rows;
  expected[1].resize(5);
  expected[2].resize(4);  // trailing empty cells are not kept
  expected[3].clear();
  expected[4].resize(5);
  expected[5].resize(2);
  expected[5].push_back("");
  expected[5].push_back("");
  expected[5].push_back("带 & < > \" ' 符号");
  EXPECT_EQ(back.rows, expected);
}

TEST(Xlsx, TenThousandRows) {
  Sheet s{"数据", {}};
  s.rows.push_back({"序号", "姓名", "支部"});
  for (int i = 1; i <= 10000; ++i) {
    s.rows.push_back({std::to_string(i), "党员" + std::to_string(i), "第" + std::to_string(i % 7) + "支部"});
  }
  Sheet back = readXlsx(writeXlsx(s));
  ASSERT_EQ(back.rows.size(), 10001u);
  EXPECT_EQ(back.rows, s.rows);
}

TEST(Xlsx, SeveralSheetsReadsFirstAndSanitizesNames) {
  std::vector<Sheet> sheets = {
      Sheet{"填写说明", {{"请按模板填写"}}},
      Sheet{"数据/2024:[a]", {{"x"}}},
      Sheet{"填写说明", {{"y"}}},
      Sheet{"", {}},
  };
  std::string bytes = writeXlsx(sheets);
  Sheet first = readXlsx(bytes);
  EXPECT_EQ(first.name, "填写说明");
  EXPECT_EQ(first.rows, (Rows{{"请按模板填写"}}));
  EXPECT_FALSE(writeXlsx(std::vector<Sheet>{}).empty());
}

TEST(Xlsx, GarbageIsAFileError) {
  expectFileError("", true);
  expectFileError("this is not a zip file at all", true);
  expectFileError(std::string("PK\x03\x04", 4) + std::string(200, 'x'), true);
  std::string good = writeXlsx(Sheet{"s", {{"a"}}});
  expectFileError(good.substr(0, good.size() / 2), true);  // truncated
  // A zip without a worksheet.
  expectFileError(makeZip({{"hello.txt", "hi"}}), true);
  // Broken XML in the worksheet.
  expectFileError(makeZip({{"xl/worksheets/sheet1.xml", "<worksheet><sheetData><row><c r=\"A1"}}), true);
  expectFileError(makeZip({{"xl/worksheets/sheet1.xml",
                            "<worksheet><sheetData><row><c t=\"s\"><v>5</v></c></row></sheetData>"
                            "</worksheet>"}}),
                  true);  // shared string out of range
}

// A zip whose parts are raw deflate streams with the sizes and CRCs we choose (minizip raw
// mode), to build bombs and lying headers.
struct RawPart {
  std::string deflated;
  uint64_t declaredSize;
  uint32_t crc;
};
std::string makeRawZip(const std::map<std::string, RawPart>& parts) {
  std::string path = (std::filesystem::temp_directory_path() / "zg-tabular-test-XXXXXX").string();
  int fd = mkstemp(path.data());
  EXPECT_GE(fd, 0);
  close(fd);
  zipFile zf = zipOpen64(path.c_str(), APPEND_STATUS_CREATE);
  for (const auto& [name, p] : parts) {
    zip_fileinfo info{};
    EXPECT_EQ(zipOpenNewFileInZip2_64(zf, name.c_str(), &info, nullptr, 0, nullptr, 0, nullptr, Z_DEFLATED,
                                      Z_DEFAULT_COMPRESSION, 1, 1),
              ZIP_OK);
    EXPECT_EQ(zipWriteInFileInZip(zf, p.deflated.data(), static_cast<unsigned>(p.deflated.size())), ZIP_OK);
    EXPECT_EQ(zipCloseFileInZipRaw64(zf, p.declaredSize, p.crc), ZIP_OK);
  }
  EXPECT_EQ(zipClose(zf, nullptr), ZIP_OK);
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(path);
  return bytes;
}

// `mib` MiB of 'A' as a raw deflate stream of a few KB: one MiB deflated with a sync flush
// (byte-aligned, not final) repeated, then an empty final block.
std::string deflateBomb(size_t mib) {
  auto deflateRaw = [](const std::string& in, int flush) {
    z_stream z{};
    EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
    std::string out(in.size() / 100 + 1024, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    EXPECT_NE(deflate(&z, flush), Z_STREAM_ERROR);
    out.resize(out.size() - z.avail_out);
    deflateEnd(&z);
    return out;
  };
  std::string one = deflateRaw(std::string(1024 * 1024, 'A'), Z_SYNC_FLUSH);
  std::string out;
  for (size_t i = 0; i < mib; ++i) out += one;
  return out + deflateRaw("", Z_FINISH);
}
// The CRC-32 of `mib` MiB of 'A' (what the bomb inflates to).
uint32_t crcOfBomb(size_t mib) {
  std::string one(1024 * 1024, 'A');
  uLong crc = crc32(0L, Z_NULL, 0);
  for (size_t i = 0; i < mib; ++i) crc = crc32(crc, reinterpret_cast<const Bytef*>(one.data()), one.size());
  return static_cast<uint32_t>(crc);
}

TEST(Xlsx, ZipBombsAreRefusedWithoutInflatingThem) {
  auto expectTooBig = [](const std::string& bytes) {
    try {
      readXlsx(bytes);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Invalid);
      EXPECT_EQ(e.field(), "file");
      EXPECT_NE(e.message().find("过大"), std::string::npos) << e.message();
    }
  };
  const uint64_t mib = 1024 * 1024;
  // An honest header over the budget: refused before inflating anything.
  expectTooBig(makeRawZip({{"xl/worksheets/sheet1.xml", {deflateBomb(300), 300 * mib, 0}}}));
  // Two parts under the budget each, over it together (shared strings + worksheet).
  expectTooBig(makeRawZip({{"xl/sharedStrings.xml", {deflateBomb(150), 150 * mib, crcOfBomb(150)}},
                           {"xl/worksheets/sheet1.xml", {deflateBomb(150), 150 * mib, crcOfBomb(150)}}}));
  // Headers that lie: 200 MiB claimed for nothing (the old reader allocated the claim up front)
  // and 4 KiB claimed for 300 MiB (only the claimed 4 KiB are inflated). Either an empty sheet
  // or a file error; nothing more.
  auto expectHarmless = [](const std::string& bytes) {
    try {
      EXPECT_TRUE(readXlsx(bytes).rows.empty());
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Invalid);
    }
  };
  expectHarmless(makeRawZip({{"xl/worksheets/sheet1.xml", {deflateBomb(0), 200 * mib, 0}}}));
  expectHarmless(makeRawZip({{"xl/worksheets/sheet1.xml", {deflateBomb(300), 4096, 0}}}));
}

// A workbook as other programs write it, built part by part.
TEST(Xlsx, ReadsHandMadeWorkbook) {
  const char* workbook =
      R"X(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<x:sheets><x:sheet name="花名册" sheetId="1" r:id="rId7"/><x:sheet name="其他" sheetId="2" r:id="rId8"/></x:sheets>
</x:workbook>)X";
  const char* rels =
      R"X(<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/data.xml"/>
<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="strings.xml"/>
<Relationship Id="rId10" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>)X";
  const char* strings =
      R"X(<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4" uniqueCount="4">
<si><t>姓名</t></si>
<si><r><rPr><b/></rPr><t>出生</t></r><r><t xml:space="preserve">日期 </t></r><rPh sb="0" eb="1"><t>しゅっせい</t></rPh></si>
<si><t>A&amp;B &#x4E2D;&#25991;</t></si>
<si><t>一_x000D_
二</t></si>
</sst>)X";
  const char* styles =
      R"X(<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>
<numFmt numFmtId="165" formatCode="[h]:mm:ss"/><numFmt numFmtId="166" formatCode="0.00_);[Red]\(0.00\)"/></numFmts>
<cellXfs count="6"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="166"/><xf numFmtId="20"/></cellXfs>
</styleSheet>)X";
  const char* sheet =
      R"X(<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:F9"/>
<sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c><c r="D1" t="inlineStr"><is><t>备注</t></is></c></row>
<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>13812345678</v></c><c r="C2" s="1"><v>45356</v></c><c r="D2" t="b"><v>1</v></c><c r="E2" t="b"><v>0</v></c></row>
<row r="3"><c t="s"><v>3</v></c><c><v>1.5E10</v></c><c s="2"><v>36526.75</v></c><c><v>0.30000000000000004</v></c><c><v>-2.5</v></c><c><v>1E-3</v></c></row>
<row r="5"><c r="B5" s="3"><v>1.5</v></c><c r="C5" s="4"><v>12.50</v></c><c r="D5" s="5"><v>0.5</v></c><c r="E5" t="str"><f>A1&amp;"x"</f><v>姓名x</v></c><c r="F5" t="e"><v>#N/A</v></c></row>
<row r="6"><c r="A6" t="d"><v>2024-03-05T00:00:00Z</v></c><c r="B6"><v>110105194912310029</v></c><c r="C6" s="1"/><c r="D6" t="inlineStr"><is><r><t>富</t></r><r><t>文本</t></r></is></c></row>
<row r="7"><c r="A7" s="1"><v>60</v></c><c r="B7" s="1"><v>1</v></c><c r="C7"><v>100</v></c></row>
<row r="8"><c r="A8" s="1"/><c r="B8" t="s"><v>0</v></c></row>
<row r="9"><c r="A9" s="1"/></row>
<row r="10"/>
</sheetData></worksheet>)X";
  std::string bytes = makeZip({{"xl/workbook.xml", workbook},
                               {"xl/_rels/workbook.xml.rels", rels},
                               {"xl/strings.xml", strings},
                               {"xl/styles.xml", styles},
                               {"xl/worksheets/data.xml", sheet},
                               {"xl/worksheets/sheet1.xml", "<worksheet/>"}});
  Sheet s = readXlsx(bytes);
  EXPECT_EQ(s.name, "花名册");
  Rows expected = {
      {"姓名", "", "出生日期 ", "备注"},
      {"A&B 中文", "13812345678", "2024-03-05", "TRUE", "FALSE"},
      {"一\r\n二", "15000000000", "2000-01-01", "0.3", "-2.5", "0.001"},
      {},
      {"", "1.5", "12.5", "0.5", "姓名x", "#N/A"},
      {"2024-03-05", "110105194912310029", "", "富文本"},
      {"1900-02-28", "1900-01-01", "100"},
      {"", "姓名"},
  };
  EXPECT_EQ(s.rows, expected);
}

TEST(Xlsx, FallsBackToSheet1WithoutWorkbook) {
  std::string bytes = makeZip({{"xl/worksheets/sheet1.xml",
                                "<worksheet><sheetData><row r=\"2\"><c r=\"B2\"><v>7</v></c></row>"
                                "</sheetData></worksheet>"}});
  Sheet s = readXlsx(bytes);
  EXPECT_EQ(s.rows, (Rows{{}, {"", "7"}}));
}

// Each LibreOffice run gets a profile of its own (-env:UserInstallation): CTest runs tests in
// parallel and two instances sharing the default profile refuse each other.
TEST(Xlsx, LibreOfficeFileIfAvailable) {
  if (std::system("command -v soffice >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "LibreOffice not installed";
  }
  auto dir = std::filesystem::temp_directory_path() / ("zg-lo-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir / "in.csv", std::ios::binary);
    out << "姓名,出生日期,数量\n张三,2024-03-05,12\n李四,,3.5\n";
  }
  // The CSV filter options: comma-separated, double-quoted text, character set 76 (UTF-8).
  std::string cmd = "cd " + dir.string() +
                    " && soffice -env:UserInstallation=file://" + dir.string() + "/profile --headless --infilter=CSV:44,34,76 "
                    "--convert-to xlsx in.csv >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream in(dir / "in.xlsx", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove_all(dir);
  Sheet s = readXlsx(bytes);
  ASSERT_EQ(s.rows.size(), 3u);
  EXPECT_EQ(s.rows[0], (std::vector<std::string>{"姓名", "出生日期", "数量"}));
  EXPECT_EQ(s.rows[1], (std::vector<std::string>{"张三", "2024-03-05", "12"}));
  EXPECT_EQ(s.rows[2], (std::vector<std::string>{"李四", "", "3.5"}));
}

// What we write, LibreOffice opens: our .xlsx converted by LibreOffice to CSV (UTF-8) holds the
// same cells, Chinese text and empty cells included.
TEST(Xlsx, LibreOfficeOpensWhatWeWrite) {
  if (std::system("command -v soffice >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "LibreOffice not installed";
  }
  Sheet out;
  out.name = "党员信息";
  out.rows = {{"姓名", "公民身份证号", "所在党支部", "备注"},
              {"张三", "330104198001011234", "景芳社区第一党支部", ""},
              {"李四", "", "三里亭社区党总支", "含,逗号与\"引号\""}};
  auto dir = std::filesystem::temp_directory_path() / ("zg-lo2-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream f(dir / "ours.xlsx", std::ios::binary);
    f << writeXlsx(out);
  }
  std::string cmd = "cd " + dir.string() +
                    " && soffice -env:UserInstallation=file://" + dir.string() +
                    "/profile --headless --convert-to csv:\"Text - txt - csv (StarCalc)\":44,34,76 ours.xlsx"
                    " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream in(dir / "ours.csv", std::ios::binary);
  std::string csv((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove_all(dir);
  Sheet back = readCsv(csv);
  EXPECT_EQ(back.rows, out.rows);
}

}  // namespace
}  // namespace zg::tabular
