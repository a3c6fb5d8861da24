// clientAddress: X-Forwarded-For is believed only from a trusted reverse proxy, and then only
// its last entry (the address the proxy itself saw).
#include <gtest/gtest.h>

#include "http/http.h"

namespace zg::http {

TEST(ClientAddress, UntrustedPeerKeepsItsOwnAddress) {
  EXPECT_EQ(clientAddress("10.0.0.9", "1.2.3.4", {}), "10.0.0.9");
  EXPECT_EQ(clientAddress("10.0.0.9", "1.2.3.4", {"127.0.0.1"}), "10.0.0.9");
}

TEST(ClientAddress, TrustedProxyGivesTheLastForwardedAddress) {
  std::vector<std::string> proxies{"127.0.0.1"};
  EXPECT_EQ(clientAddress("127.0.0.1", "203.0.113.7", proxies), "203.0.113.7");
  // A client that sends its own X-Forwarded-For cannot choose its address: nginx appends the
  // real one last.
  EXPECT_EQ(clientAddress("127.0.0.1", "6.6.6.6, 203.0.113.7", proxies), "203.0.113.7");
  EXPECT_EQ(clientAddress("127.0.0.1", "2001:db8::1", proxies), "2001:db8::1");
  EXPECT_EQ(clientAddress("127.0.0.1", "", proxies), "127.0.0.1");
  EXPECT_EQ(clientAddress("127.0.0.1", "not an address", proxies), "127.0.0.1");
}

}  // namespace zg::http
