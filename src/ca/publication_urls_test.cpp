#include "ca/publication_urls.h"

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::ca {
namespace {

TEST(PublicationUrls, LaysOutEveryUrlUnderTheBase) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(PublicationUrls urls, PublicationUrls::from_base("http://pki.example.net"));
  EXPECT_EQ(urls.base(), "http://pki.example.net");
  EXPECT_EQ(urls.aia("contoso-root"), "http://pki.example.net/aia/contoso-root.crt");
  EXPECT_EQ(urls.cdp("contoso-root"), "http://pki.example.net/cdp/contoso-root.crl");
  EXPECT_EQ(urls.ocsp("issuing-1"), "http://pki.example.net/ocsp/issuing-1");
  EXPECT_EQ(urls.scep("issuing-1"), "http://pki.example.net/scep/issuing-1");
}

TEST(PublicationUrls, KeepsAPathAndPortAndDropsTrailingSlashes) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(PublicationUrls slash, PublicationUrls::from_base("http://pki.example.net/"));
  EXPECT_EQ(slash.base(), "http://pki.example.net");
  EXPECT_EQ(slash.aia("r"), "http://pki.example.net/aia/r.crt");
  NIMBUS_ASSERT_OK_AND_ASSIGN(PublicationUrls path, PublicationUrls::from_base("http://example.net:8080/pki//"));
  EXPECT_EQ(path.base(), "http://example.net:8080/pki");
  EXPECT_EQ(path.cdp("r"), "http://example.net:8080/pki/cdp/r.crl");
  NIMBUS_ASSERT_OK_AND_ASSIGN(PublicationUrls ip, PublicationUrls::from_base("http://192.0.2.10"));
  EXPECT_EQ(ip.ocsp("x"), "http://192.0.2.10/ocsp/x");
}

TEST(PublicationUrls, RefusesHttpsExplainingWhy) {
  auto urls = PublicationUrls::from_base("https://pki.example.net");
  ASSERT_FALSE(urls.ok());
  EXPECT_EQ(urls.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(urls.error().message().find("https"), std::string::npos);
  EXPECT_NE(urls.error().message().find("RFC 5280"), std::string::npos) << urls.error().message();
}

TEST(PublicationUrls, RefusesWhatIsNotAPlainHttpBase) {
  for (const char* base : {"", "pki.example.net", "ftp://pki.example.net", "ldap://pki.example.net", "http://",
                           "http://pki.example.net/?x=1", "http://pki.example.net/#frag",
                           "http://user:secret@pki.example.net", "http://user@pki.example.net",
                           "http://pki.example.net/has space", "not a url"}) {
    auto urls = PublicationUrls::from_base(base);
    ASSERT_FALSE(urls.ok()) << "'" << base << "' was accepted as " << urls->base();
    EXPECT_EQ(urls.error().code(), ErrorCode::kInvalidArgument) << base;
  }
}

// Whatever is accepted goes into every certificate's AIA and CDP, so it must give well-formed URLs
// with /aia, /cdp, ... in the path of an http URL with a host. An empty query or fragment marker
// left on the base turns the layout into a query or fragment; "http:///" has an empty authority.
// Refusing such a base, or normalising it, are both fine.
TEST(PublicationUrls, AcceptedBasesYieldWellFormedUrls) {
  for (const char* base : {"http://pki.example.net?", "http://pki.example.net/?", "http://pki.example.net#",
                           "http://pki.example.net/pki#", "http:///pki.example.net"}) {
    auto urls = PublicationUrls::from_base(base);
    if (!urls.ok()) continue;  // refusing is fine
    std::string aia = urls->aia("root");
    EXPECT_EQ(aia.find_first_of("?#"), std::string::npos) << "'" << base << "' gives " << aia;
    EXPECT_EQ(aia.find(":///"), std::string::npos) << "'" << base << "' gives " << aia;
  }
}

}  // namespace
}  // namespace nimbus::ca
