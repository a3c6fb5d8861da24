#include "platform/pdf.h"

#include <hpdf.h>

#include <cstdlib>
#include <vector>

#include "core/checks.h"
#include "core/error.h"
#include "platform/qr.h"

namespace zg::pdf {

namespace {
constexpr double kPageHeight = 842;  // A4 in points
const char* fontPath() {
  const char* env = std::getenv("ZUGONG_PDF_FONT");
  return env && *env ? env : "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc";
}
// UTF-8 code points, one string each, for wrapping.
std::vector<std::string> codePoints(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}
}  // namespace

struct Document::Impl {
  HPDF_Doc doc = nullptr;
  HPDF_Page page = nullptr;
  HPDF_Font font = nullptr;
  HPDF_STATUS error = 0;
  HPDF_STATUS detail = 0;
  static void onError(HPDF_STATUS e, HPDF_STATUS d, void* self) {
    auto* impl = static_cast<Impl*>(self);
    if (!impl->error) impl->error = e, impl->detail = d;
  }
  void check(const char* what) const {
    if (error)
      throw Error::internal(std::string("pdf: ") + what + " failed, libharu error " + std::to_string(error) + "/" +
                            std::to_string(detail));
  }
};

Document::Document() : impl_(std::make_unique<Impl>()) {
  impl_->doc = HPDF_New(&Impl::onError, impl_.get());
  if (!impl_->doc) throw Error::internal("pdf: HPDF_New failed");
  HPDF_SetCompressionMode(impl_->doc, HPDF_COMP_ALL);
  HPDF_UseUTFEncodings(impl_->doc);
  HPDF_SetCurrentEncoder(impl_->doc, "UTF-8");
  const char* name = HPDF_LoadTTFontFromFile2(impl_->doc, fontPath(), 0, HPDF_TRUE);
  impl_->check("loading the CJK font");
  impl_->font = HPDF_GetFont(impl_->doc, name, "UTF-8");
  impl_->check("opening the CJK font");
  newPage();
}

Document::~Document() {
  if (impl_ && impl_->doc) HPDF_Free(impl_->doc);
}

void Document::newPage() {
  impl_->page = HPDF_AddPage(impl_->doc);
  HPDF_Page_SetSize(impl_->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
  impl_->check("adding a page");
}

void Document::text(double x, double y, const std::string& utf8, double size) {
  if (utf8.empty()) return;
  if (!isValidUtf8(utf8)) throw Error::internal("pdf: text is not UTF-8");
  HPDF_Page_BeginText(impl_->page);
  HPDF_Page_SetFontAndSize(impl_->page, impl_->font, static_cast<HPDF_REAL>(size));
  HPDF_Page_TextOut(impl_->page, static_cast<HPDF_REAL>(x), static_cast<HPDF_REAL>(kPageHeight - y), utf8.c_str());
  HPDF_Page_EndText(impl_->page);
  impl_->check("writing text");
}

double Document::width(const std::string& utf8, double size) const {
  HPDF_Page_SetFontAndSize(impl_->page, impl_->font, static_cast<HPDF_REAL>(size));
  return HPDF_Page_TextWidth(impl_->page, utf8.c_str());
}

void Document::centred(double y, const std::string& utf8, double size) {
  double w = width(utf8, size);
  text((595 - w) / 2, y, utf8, size);
}

double Document::paragraph(double x, double y, double maxWidth, const std::string& utf8, double size, double leading) {
  std::string lineText;
  for (const auto& cp : codePoints(utf8)) {
    if (cp == "\n") {
      text(x, y, lineText, size);
      lineText.clear();
      y += leading;
      continue;
    }
    if (!lineText.empty() && width(lineText + cp, size) > maxWidth) {
      text(x, y, lineText, size);
      lineText.clear();
      y += leading;
    }
    lineText += cp;
  }
  if (!lineText.empty()) {
    text(x, y, lineText, size);
    y += leading;
  }
  return y;
}

void Document::line(double x1, double y1, double x2, double y2, double widthPt) {
  HPDF_Page_SetLineWidth(impl_->page, static_cast<HPDF_REAL>(widthPt));
  HPDF_Page_MoveTo(impl_->page, static_cast<HPDF_REAL>(x1), static_cast<HPDF_REAL>(kPageHeight - y1));
  HPDF_Page_LineTo(impl_->page, static_cast<HPDF_REAL>(x2), static_cast<HPDF_REAL>(kPageHeight - y2));
  HPDF_Page_Stroke(impl_->page);
  impl_->check("drawing a line");
}

void Document::rect(double x, double y, double w, double h, double widthPt) {
  HPDF_Page_SetLineWidth(impl_->page, static_cast<HPDF_REAL>(widthPt));
  HPDF_Page_Rectangle(impl_->page, static_cast<HPDF_REAL>(x), static_cast<HPDF_REAL>(kPageHeight - y - h),
                      static_cast<HPDF_REAL>(w), static_cast<HPDF_REAL>(h));
  HPDF_Page_Stroke(impl_->page);
  impl_->check("drawing a rectangle");
}

void Document::qr(double x, double y, double side, const std::string& text) {
  qr::Matrix m = qr::encode(text);
  const int quiet = 4;
  double cell = side / (m.size + 2 * quiet);
  HPDF_Page_SetRGBFill(impl_->page, 0, 0, 0);
  for (int row = 0; row < m.size; ++row)
    for (int col = 0; col < m.size; ++col)
      if (m.at(col, row))
        HPDF_Page_Rectangle(impl_->page, static_cast<HPDF_REAL>(x + (col + quiet) * cell),
                            static_cast<HPDF_REAL>(kPageHeight - (y + (row + quiet + 1) * cell)),
                            static_cast<HPDF_REAL>(cell), static_cast<HPDF_REAL>(cell));
  HPDF_Page_Fill(impl_->page);
  impl_->check("drawing a QR code");
}

void Document::setInfo(const std::string& title, const std::string& author) {
  HPDF_SetInfoAttr(impl_->doc, HPDF_INFO_TITLE, title.c_str());
  HPDF_SetInfoAttr(impl_->doc, HPDF_INFO_AUTHOR, author.c_str());
  HPDF_SetInfoAttr(impl_->doc, HPDF_INFO_CREATOR, "Zugong");
}

std::string Document::bytes() {
  impl_->check("building the document");
  if (HPDF_SaveToStream(impl_->doc) != HPDF_OK) impl_->check("saving");
  HPDF_ResetStream(impl_->doc);
  std::string out;
  HPDF_BYTE buf[65536];
  for (;;) {
    HPDF_UINT32 n = sizeof buf;
    HPDF_ReadFromStream(impl_->doc, buf, &n);
    if (n == 0) break;
    out.append(reinterpret_cast<const char*>(buf), n);
  }
  impl_->error = 0;
  return out;
}

}  // namespace zg::pdf
