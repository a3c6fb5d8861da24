// Fuzz-friendly entry point into the server's request parsing (implemented in server.cpp, so
// fuzzers and tests reach Beast's parser without including Beast).
#pragma once
#include <string_view>

#include "http/http.h"

namespace zg::http {

// Parses `bytes` as one HTTP/1.x request with the server's header limit (16 KB) and the default
// body limit (64 KB), and fills `out` as the router would see it (method, target, decoded path,
// query, lower-case headers, body). Returns false where the server would answer 400/413/431 or
// the request is incomplete. Never throws on any input.
bool parseRequestForFuzz(std::string_view bytes, Request& out);

}  // namespace zg::http
