// PDF documents (libharu) for things people print and sign: the transfer letter 介绍信, lists for
// the branch's books. Text is UTF-8 in one embedded CJK font (WenQuanYi Zen Hei from Debian's
// fonts-wqy-zenhei; ZUGONG_PDF_FONT overrides the path). Coordinates are in points from the
// top-left corner of an A4 page (595 × 842), y downwards, which is how a layout is written.
#pragma once
#include <memory>
#include <string>

namespace zg::pdf {

class Document {
 public:
  Document();
  ~Document();
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  void newPage();  // A4 portrait; the first call is made by the constructor
  // Text with its baseline at (x, y); `size` in points.
  void text(double x, double y, const std::string& utf8, double size = 12);
  // Text centred on the page at baseline y.
  void centred(double y, const std::string& utf8, double size = 12);
  // Width of `utf8` at `size`, for layout.
  double width(const std::string& utf8, double size) const;
  // Text wrapped to `maxWidth`, lines `leading` apart; returns the baseline after the last line.
  double paragraph(double x, double y, double maxWidth, const std::string& utf8, double size = 12,
                   double leading = 20);
  void line(double x1, double y1, double x2, double y2, double widthPt = 0.8);
  void rect(double x, double y, double w, double h, double widthPt = 0.8);
  // `text`'s QR code with its top-left corner at (x, y), `side` points wide (quiet zone included).
  void qr(double x, double y, double side, const std::string& text);
  void setInfo(const std::string& title, const std::string& author);
  // The finished file. Throws Internal if the library reported an error at any step.
  std::string bytes();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zg::pdf
