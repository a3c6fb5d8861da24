// Fuzz target: CSV in any encoding. Contract: readCsv either returns a sheet or throws
// zg::Error (kind Invalid, field "file"); never crashes, never anything else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.h"
#include "platform/tabular.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    auto sheet = zg::tabular::readCsv(bytes);
    // What we read we can write back out.
    (void)zg::tabular::writeCsv(sheet);
  } catch (const zg::Error& e) {
    if (e.kind() != zg::ErrorKind::Invalid || e.field() != "file") __builtin_trap();
  }
  return 0;
}
