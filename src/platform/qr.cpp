#include "platform/qr.h"

#include <qrencode.h>

#include <memory>

#include "core/error.h"

namespace zg::qr {

Matrix encode(const std::string& text) {
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
      QRcode_encodeData(static_cast<int>(text.size()), reinterpret_cast<const unsigned char*>(text.data()), 0,
                        QR_ECLEVEL_M),
      &QRcode_free);
  if (!code) throw Error::internal("qr: text cannot be encoded (" + std::to_string(text.size()) + " bytes)");
  Matrix m;
  m.size = code->width;
  m.dark.resize(static_cast<size_t>(m.size) * m.size);
  for (size_t i = 0; i < m.dark.size(); ++i) m.dark[i] = code->data[i] & 1;
  return m;
}

std::string svg(const std::string& text, int pixelsPerModule) {
  Matrix m = encode(text);
  int quiet = 4, total = (m.size + 2 * quiet) * pixelsPerModule;
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(total) + " " +
                    std::to_string(total) + "\" width=\"" + std::to_string(total) + "\" height=\"" +
                    std::to_string(total) + "\" shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" "
                    "fill=\"#fff\"/><path fill=\"#000\" d=\"";
  for (int y = 0; y < m.size; ++y)
    for (int x = 0; x < m.size; ++x)
      if (m.at(x, y))
        out += "M" + std::to_string((x + quiet) * pixelsPerModule) + " " + std::to_string((y + quiet) * pixelsPerModule) +
               "h" + std::to_string(pixelsPerModule) + "v" + std::to_string(pixelsPerModule) + "h-" +
               std::to_string(pixelsPerModule) + "z";
  out += "\"/></svg>";
  return out;
}

}  // namespace zg::qr
