// Fuzz target: a request body through json::Form, as every handler reads it. Contract: either a
// value or zg::Error of kind Invalid naming a field; never crashes, never another exception.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "platform/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  try {
    zg::json::Form f(body);
    (void)f.text("name", "姓名", 20);
    (void)f.date("joinedOn", "入党日期");
    (void)f.integer("orgId", "所在党支部", 1, INT64_MAX);
    (void)f.boolean("mobile", false);
    (void)f.choice("category", "人员类别", {"full", "probationary"});
  } catch (const zg::Error& e) {
    if (e.kind() != zg::ErrorKind::Invalid || e.field().empty()) __builtin_trap();
  }
  return 0;
}
