#include "crypto/object_identifier.h"

#include <string>

#include <gtest/gtest.h>

#include "crypto/handles.h"

namespace nimbus::crypto {
namespace {

TEST(ObjectIdentifier, AcceptsOnlyRfc4512NumericOids) {
  for (const char* good : {"2.5.4.3", "1.3.6.1.4.1.311.25.2", "0.9", "2.999.0"}) {
    EXPECT_TRUE(is_dotted_oid(good)) << good;
  }
  for (const char* bad : {"", "2", "2.", ".2.5", "2..5", "2.05", "3.1", "22.1", "2.5.a", "2.5 ", "-1.2", "CN"}) {
    EXPECT_FALSE(is_dotted_oid(bad)) << bad;
  }
}

TEST(ObjectIdentifier, WritesLongIdentifiersWhole) {
  std::string text = "2.5.4." + std::string(150, '9') + ".97";
  Asn1ObjectPtr object(OBJ_txt2obj(text.c_str(), 1));
  ASSERT_NE(object, nullptr);
  EXPECT_EQ(dotted_oid(object.get()), text);
  Asn1ObjectPtr common_name(OBJ_txt2obj("2.5.4.3", 1));
  EXPECT_EQ(dotted_oid(common_name.get()), "2.5.4.3");
}

TEST(ObjectIdentifier, CanonicalFormOfDottedTextOnly) {
  EXPECT_EQ(canonical_oid("1.3.6.1.5.5.7.3.2"), std::optional<std::string>("1.3.6.1.5.5.7.3.2"));
  std::string long_arc = "2.25." + std::string(40, '7');
  EXPECT_EQ(canonical_oid(long_arc), std::optional<std::string>(long_arc));
  // Text OpenSSL itself would take (names, or "2..5" read as 2.0.5) is refused.
  for (const char* refused : {"clientAuth", "2..5", "1.3.6.1.", "", "1.02"}) {
    EXPECT_EQ(canonical_oid(refused), std::nullopt) << refused;
  }
}

}  // namespace
}  // namespace nimbus::crypto
