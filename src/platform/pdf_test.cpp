#include "platform/pdf.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "platform/qr.h"

namespace zg::pdf {
namespace {

// Runs poppler's pdftotext (installed with the test tools) over the bytes.
std::string textOf(const std::string& bytes) {
  std::string path = testing::TempDir() + "zg_pdf_test.pdf";
  std::ofstream(path, std::ios::binary) << bytes;
  std::string out;
  if (FILE* p = popen(("pdftotext -layout " + path + " - 2>/dev/null").c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
  }
  return out;
}

TEST(Pdf, ChineseTextSurvivesIntoTheFileAndWraps) {
  Document d;
  d.setInfo("介绍信", "测试");
  d.centred(80, "中国共产党党员组织关系介绍信", 20);
  double y = d.paragraph(60, 140, 200, "张三同志系中共正式党员，身份证号码330104198001010011，组织关系由某某支部转去某某支部。", 12);
  EXPECT_GT(y, 160);  // wrapped onto several lines at 200 points
  d.qr(420, 600, 120, "https://example.org/t/ZG-2026-0001");
  d.rect(50, 50, 495, 700);
  std::string bytes = d.bytes();
  ASSERT_TRUE(bytes.starts_with("%PDF-"));
  std::string text = textOf(bytes);
  EXPECT_NE(text.find("中国共产党党员组织关系介绍信"), std::string::npos) << text;
  EXPECT_NE(text.find("张三同志系中共正式党员"), std::string::npos) << text;
}

TEST(Qr, EncodesAndGrowsWithTheText) {
  qr::Matrix small = qr::encode("ZG-1");
  EXPECT_EQ(small.size, 21);  // version 1
  qr::Matrix big = qr::encode(std::string(300, 'a'));
  EXPECT_GT(big.size, 21);
  // Finder patterns: the three corners are dark.
  EXPECT_TRUE(small.at(0, 0));
  EXPECT_TRUE(small.at(small.size - 1, 0));
  EXPECT_TRUE(small.at(0, small.size - 1));
  EXPECT_FALSE(small.at(small.size - 1, small.size - 1) && small.at(small.size - 8, small.size - 8) &&
               small.at(small.size - 1, small.size - 8));
  std::string svg = qr::svg("ZG-1");
  EXPECT_TRUE(svg.starts_with("<svg"));
  EXPECT_THROW(qr::encode(std::string(8000, 'x')), std::exception);
}

}  // namespace
}  // namespace zg::pdf
