// Fuzz target: .xlsx bytes (zip + XML). Contract: readXlsx returns a sheet or throws zg::Error
// with field "file"; never crashes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.h"
#include "platform/tabular.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    (void)zg::tabular::readXlsx(bytes);
  } catch (const zg::Error& e) {
    if (e.field() != "file") __builtin_trap();
  }
  return 0;
}
