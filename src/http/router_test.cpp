// Router matching, request helpers, percent-decoding and the parser entry point.
#include <gtest/gtest.h>

#include "core/error.h"
#include "http/fuzz.h"
#include "http/http.h"

namespace zg::http {
namespace {

Handler tag(std::string name) {
  return [name](Request&) { return Response::text(200, name); };
}

std::string call(const Match& m) {
  Request r;
  return (*m.handler)(r).body;
}

TEST(Router, MatchesLiteralAndParamSegments) {
  Router r;
  r.add("GET", "/api/members", tag("list"));
  r.add("GET", "/api/members/:id", tag("get"));
  r.add("PUT", "/api/members/:id", tag("put"));
  r.add("GET", "/api/orgs/:orgId/members/:memberId", tag("nested"));

  Match m = r.match("GET", "/api/members");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(call(m), "list");
  EXPECT_TRUE(m.params.empty());

  m = r.match("GET", "/api/members/42");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(call(m), "get");
  EXPECT_EQ(m.params.at("id"), "42");

  m = r.match("PUT", "/api/members/7");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(call(m), "put");

  m = r.match("GET", "/api/orgs/3/members/9");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(call(m), "nested");
  EXPECT_EQ(m.params.at("orgId"), "3");
  EXPECT_EQ(m.params.at("memberId"), "9");
}

TEST(Router, TrailingSlashIsTolerated) {
  Router r;
  r.add("GET", "/api/members/:id", tag("get"));
  Match m = r.match("GET", "/api/members/5/");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.params.at("id"), "5");
}

TEST(Router, UnknownPathAndWrongMethod) {
  Router r;
  r.add("GET", "/api/members/:id", tag("get"));
  Match none = r.match("GET", "/api/nothing");
  EXPECT_EQ(none.handler, nullptr);
  EXPECT_FALSE(none.pathMatched);

  Match wrong = r.match("DELETE", "/api/members/5");
  EXPECT_EQ(wrong.handler, nullptr);
  EXPECT_TRUE(wrong.pathMatched);  // → 405

  // Segment counts must agree exactly.
  EXPECT_FALSE(r.match("GET", "/api/members").pathMatched);
  EXPECT_FALSE(r.match("GET", "/api/members/5/x").pathMatched);
  // Methods are case-sensitive tokens.
  EXPECT_EQ(r.match("get", "/api/members/5").handler, nullptr);
}

TEST(Router, LiteralBeatsParamWhateverTheOrder) {
  Router r;
  r.add("GET", "/api/members/:id", tag("param"));
  r.add("GET", "/api/members/export", tag("literal"));
  r.add("GET", "/api/:area/export", tag("area"));
  EXPECT_EQ(call(r.match("GET", "/api/members/export")), "literal");
  EXPECT_EQ(call(r.match("GET", "/api/members/12")), "param");
  EXPECT_EQ(call(r.match("GET", "/api/orgs/export")), "area");
  EXPECT_TRUE(r.match("GET", "/api/members/export").params.empty());
}

TEST(Router, LiteralOfOtherMethodDoesNotHideParamRoute) {
  Router r;
  r.add("GET", "/api/members/:id", tag("get"));
  r.add("POST", "/api/members/import", tag("import"));
  Match m = r.match("GET", "/api/members/import");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(call(m), "get");
  EXPECT_EQ(m.params.at("id"), "import");
  EXPECT_EQ(call(r.match("POST", "/api/members/import")), "import");
  Match wrong = r.match("DELETE", "/api/members/import");
  EXPECT_EQ(wrong.handler, nullptr);
  EXPECT_TRUE(wrong.pathMatched);
}

TEST(Router, OptionsAndRouteList) {
  Router r;
  r.add("POST", "/api/upload", tag("u"), RouteOptions{.bodyLimit = 10});
  r.add("GET", "/api/a", tag("a"));
  Match m = r.match("POST", "/api/upload");
  ASSERT_NE(m.options, nullptr);
  EXPECT_EQ(m.options->bodyLimit, 10u);
  EXPECT_EQ(r.match("GET", "/api/a").options->bodyLimit, 64u * 1024);
  auto routes = r.routes();
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0], std::make_pair(std::string("POST"), std::string("/api/upload")));
  EXPECT_EQ(routes[1], std::make_pair(std::string("GET"), std::string("/api/a")));
}

TEST(Router, RejectsBadPatterns) {
  Router r;
  EXPECT_THROW(r.add("GET", "api/x", tag("x")), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "/api/:/x", tag("x")), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "/api/x", Handler()), std::invalid_argument);
}

TEST(PercentDecode, DecodesEscapesAndPlus) {
  EXPECT_EQ(percentDecode("a%20b", false), "a b");
  EXPECT_EQ(percentDecode("a+b", false), "a+b");
  EXPECT_EQ(percentDecode("a+b", true), "a b");
  EXPECT_EQ(percentDecode("%2B", true), "+");
  EXPECT_EQ(percentDecode("%e4%B8%ad%E6%96%87", false), "中文");
  EXPECT_EQ(percentDecode("中文", false), "中文");  // raw UTF-8 passes through
  EXPECT_EQ(percentDecode("", true), "");
}

TEST(PercentDecode, KeepsMalformedEscapes) {
  EXPECT_EQ(percentDecode("%", false), "%");
  EXPECT_EQ(percentDecode("%4", false), "%4");
  EXPECT_EQ(percentDecode("abc%", false), "abc%");
  EXPECT_EQ(percentDecode("%zz1", false), "%zz1");
  EXPECT_EQ(percentDecode("%4g", false), "%4g");
  EXPECT_EQ(percentDecode("100%%41", false), "100%A");
  EXPECT_EQ(percentDecode("%00", false), std::string(1, '\0'));
}

TEST(ParseQuery, PairsAndEdgeCases) {
  auto q = parseQuery("page=2&name=%E5%BC%A0+%E4%B8%89&flag&=skipped&&empty=&a=1&a=2");
  EXPECT_EQ(q.at("page"), "2");
  EXPECT_EQ(q.at("name"), "张 三");
  EXPECT_EQ(q.at("flag"), "");
  EXPECT_EQ(q.at("empty"), "");
  EXPECT_EQ(q.at("a"), "2");  // last wins
  EXPECT_EQ(q.count(""), 0u);
  EXPECT_EQ(q.size(), 5u);
  EXPECT_EQ(parseQuery("?x=1").at("x"), "1");
  EXPECT_EQ(parseQuery("k%3D=v%26w").at("k="), "v&w");
  EXPECT_EQ(parseQuery("bad=%zz").at("bad"), "%zz");
  EXPECT_EQ(parseQuery("eq=a=b").at("eq"), "a=b");
  EXPECT_TRUE(parseQuery("").empty());
  EXPECT_TRUE(parseQuery("&&&").empty());
}

TEST(Request, HeaderCookieQueryAndId) {
  Request r;
  r.headers["content-type"] = "application/json";
  r.headers["cookie"] = "theme=dark; zg_session=\"abc=def\";  lang = zh ;bare";
  r.query["page"] = "3";
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.header("X-Missing"), "");
  EXPECT_EQ(r.cookie("theme"), "dark");
  EXPECT_EQ(r.cookie("zg_session"), "abc=def");
  EXPECT_EQ(r.cookie("lang"), "zh");
  EXPECT_EQ(r.cookie("bare"), "");
  EXPECT_EQ(r.cookie("the"), "");
  EXPECT_EQ(r.q("page"), std::optional<std::string>("3"));
  EXPECT_EQ(r.q("nope"), std::nullopt);

  r.params["id"] = "42";
  r.params["big"] = "999999999999999999";
  EXPECT_EQ(r.idParam(), 42);
  EXPECT_EQ(r.idParam("big"), 999999999999999999LL);
  for (const char* bad : {"0", "-1", "+1", "1a", "", " 1", "1.0", "9999999999999999999", "00000000000000000001"}) {
    r.params["x"] = bad;
    try {
      r.idParam("x");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const zg::Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Invalid);
      EXPECT_EQ(e.field(), "x");
      EXPECT_EQ(e.message(), "编号无效");
    }
  }
  EXPECT_THROW(r.idParam("missing"), zg::Error);
}

TEST(Response, TextAndDownload) {
  Response t = Response::text(201, "hi");
  EXPECT_EQ(t.status, 201);
  EXPECT_EQ(t.body, "hi");
  EXPECT_EQ(t.contentType, "text/plain; charset=utf-8");

  Response d = Response::download("data", "text/csv", "党员名册 2024\"x\".csv");
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(d.contentType, "text/csv");
  ASSERT_EQ(d.headers.size(), 1u);
  EXPECT_EQ(d.headers[0].first, "Content-Disposition");
  EXPECT_EQ(d.headers[0].second,
            "attachment; filename=\"____ 2024_x_.csv\"; "
            "filename*=UTF-8''%E5%85%9A%E5%91%98%E5%90%8D%E5%86%8C%202024%22x%22.csv");

  Response crlf = Response::download("", "text/plain", "a\r\nb.txt");
  EXPECT_EQ(crlf.headers[0].second.find('\r'), std::string::npos);
  EXPECT_EQ(crlf.headers[0].second.find('\n'), std::string::npos);
}

TEST(ParseRequest, BuildsTheRequestTheRouterSees) {
  Request r;
  ASSERT_TRUE(
      parseRequestForFuzz("POST /api/%E5%85%9A/x?q=%E4%B8%AD+1&n=2 HTTP/1.1\r\nHost: a\r\nX-Thing: 1\r\n"
                          "Cookie: a=1\r\nCookie: b=2\r\nContent-Length: 5\r\n\r\nhello",
                          r));
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/api/%E5%85%9A/x?q=%E4%B8%AD+1&n=2");
  EXPECT_EQ(r.path, "/api/党/x");
  EXPECT_EQ(r.query.at("q"), "中 1");
  EXPECT_EQ(r.query.at("n"), "2");
  EXPECT_EQ(r.header("x-thing"), "1");
  EXPECT_EQ(r.cookie("b"), "2");
  EXPECT_EQ(r.body, "hello");

  Request chunked;
  ASSERT_TRUE(
      parseRequestForFuzz("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", chunked));
  EXPECT_EQ(chunked.body, "abc");
}

TEST(ParseRequest, RejectsMalformedInput) {
  Request r;
  EXPECT_FALSE(parseRequestForFuzz("", r));
  EXPECT_FALSE(parseRequestForFuzz("GARBAGE\r\n\r\n", r));
  EXPECT_FALSE(parseRequestForFuzz("GET / HTTP/1.1\r\nHost: a\r\n", r));   // incomplete
  EXPECT_FALSE(parseRequestForFuzz("GET http://x/ HTTP/1.1\r\n\r\n", r));  // not origin form
  EXPECT_FALSE(parseRequestForFuzz("GET / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", r));
  EXPECT_FALSE(parseRequestForFuzz("GET / HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n", r));
  EXPECT_FALSE(parseRequestForFuzz("GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab", r));
  // Every prefix of a valid request is handled without crashing.
  std::string full = "POST /api/x?a=%41 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc";
  for (size_t i = 0; i <= full.size(); ++i) {
    Request p;
    EXPECT_EQ(parseRequestForFuzz(full.substr(0, i), p), i == full.size()) << i;
  }
}

}  // namespace
}  // namespace zg::http
