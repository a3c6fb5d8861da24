// Fuzz target: bytes off the wire into the server's request parser, then the query and route
// parameter helpers a handler uses. Contract: nothing crashes; the parser never throws.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.h"
#include "http/fuzz.h"
#include "http/http.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  zg::http::Request req;
  if (!zg::http::parseRequestForFuzz(bytes, req)) return 0;
  (void)req.cookie("zg_session");
  (void)req.header("x-csrf-token");
  zg::http::Router r;
  r.add("GET", "/api/members/:id", [](zg::http::Request&) { return zg::http::Response{}; });
  auto m = r.match(req.method, req.path);
  req.params = m.params;
  try {
    if (m.handler) (void)req.idParam();
  } catch (const zg::Error& e) {
    if (e.kind() != zg::ErrorKind::Invalid) __builtin_trap();
  }
  return 0;
}
