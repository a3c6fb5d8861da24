// QR codes (libqrencode): the transfer letter's receipt code and the branch's public page link.
#pragma once
#include <string>
#include <vector>

namespace zg::qr {

// A square matrix of modules, row-major, true = dark. No quiet zone.
struct Matrix {
  int size = 0;
  std::vector<bool> dark;
  bool at(int x, int y) const { return dark[static_cast<size_t>(y) * size + x]; }
};

// Encodes `text` (bytes, UTF-8 kept as is) at error-correction level M. Throws Internal when the
// text is too long for a QR code (over ~2 KB).
Matrix encode(const std::string& text);

// An SVG image of `text`'s code with a 4-module quiet zone, `pixelsPerModule` user units each.
std::string svg(const std::string& text, int pixelsPerModule = 4);

}  // namespace zg::qr
