#include "x509/ocsp_fields.h"

#include <gtest/gtest.h>

#include "testing/test_support.h"
#include "x509/der_writer.h"

namespace nimbus::x509 {
namespace {

using nimbus::testing::must;

// `[1] EXPLICIT Extensions` holding `list` (the contents of the SEQUENCE OF), as the only field
// of a SEQUENCE, read back.
Result<std::vector<OcspExtension>> read_back(const Bytes& list) {
  Bytes wrapped;
  der::append_element(wrapped, der::context_tag(1, true), der::element(der::kSequence, list));
  Bytes message = der::element(der::kSequence, wrapped);
  der::Reader reader = must(der::Reader::message(message, der::kSequence, "T"));
  auto extensions = read_optional_ocsp_extensions(reader, der::context_tag(1, true), "extensions");
  if (extensions.ok()) NIMBUS_EXPECT_OK(reader.expect_end());
  return extensions;
}

TEST(OcspFields, ExtensionsRoundTrip) {
  std::vector<OcspExtension> written = {ocsp_nonce_extension(Bytes{0x01, 0x02}),
                                        OcspExtension{"1.3.6.1.5.5.7.48.1.3", true, {0x30, 0x00}}};
  Bytes encoded;
  NIMBUS_ASSERT_OK(append_ocsp_extensions(encoded, written));
  der::Reader outer = must(der::Reader::message(encoded, der::kSequence, "Extensions"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::vector<OcspExtension> read, read_back(Bytes(outer.remaining().begin(), outer.remaining().end())));
  EXPECT_EQ(read, written);
  EXPECT_TRUE(read[0].is_nonce());
  EXPECT_FALSE(read[1].is_nonce());

  Bytes refused;
  NIMBUS_EXPECT_ERROR(append_ocsp_extensions(refused, {OcspExtension{"not.an.oid", false, {}}}), ErrorCode::kInvalidArgument);
}

TEST(OcspFields, AbsentExtensionsAreNoneAndMalformedOnesAreNamed) {
  Bytes message = der::element(der::kSequence, Bytes{0x05, 0x00});
  der::Reader reader = must(der::Reader::message(message, der::kSequence, "T"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::vector<OcspExtension> none,
                              read_optional_ocsp_extensions(reader, der::context_tag(1, true), "extensions"));
  EXPECT_TRUE(none.empty());

  // An extension without its extnValue.
  Bytes extension;
  der::append_element(extension, der::kObjectIdentifier, Bytes{0x55, 0x1d, 0x0e});
  auto missing = read_back(der::element(der::kSequence, extension));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(), "T.extensions[0].extnValue: expected OCTET STRING, but the input ends (offset 13)");
}

TEST(OcspFields, NoncesAreUnwrappedUnlessSentBare) {
  EXPECT_EQ(ocsp_nonce_value(ocsp_nonce_extension(Bytes{0xaa, 0xbb})), (Bytes{0xaa, 0xbb}));
  EXPECT_EQ(ocsp_nonce_extension(Bytes{0xaa}).value, (Bytes{0x04, 0x01, 0xaa}));
  // RFC 2560 clients put the nonce itself in extnValue.
  OcspExtension bare{std::string(kOcspNonceOid), false, {0x12, 0x34, 0x56}};
  EXPECT_EQ(ocsp_nonce_value(bare), (Bytes{0x12, 0x34, 0x56}));
  // An OCTET STRING followed by more bytes is no wrapping either.
  OcspExtension trailing{std::string(kOcspNonceOid), false, {0x04, 0x01, 0x07, 0x00}};
  EXPECT_EQ(ocsp_nonce_value(trailing), trailing.value);
  OcspExtension empty{std::string(kOcspNonceOid), false, {0x04, 0x00}};
  EXPECT_TRUE(ocsp_nonce_value(empty).empty());
}

TEST(OcspFields, OnlyVersionOneIsRead) {
  auto read_version = [](const Bytes& fields) {
    Bytes message = der::element(der::kSequence, fields);
    der::Reader reader = must(der::Reader::message(message, der::kSequence, "T"));
    Status status = read_ocsp_version(reader);
    if (status.ok()) status = reader.expect_end();
    return status;
  };
  NIMBUS_EXPECT_OK(read_version({}));
  NIMBUS_EXPECT_OK(read_version({0xa0, 0x03, 0x02, 0x01, 0x00}));
  NIMBUS_EXPECT_ERROR(read_version({0xa0, 0x03, 0x02, 0x01, 0x01}), ErrorCode::kMalformed);
  NIMBUS_EXPECT_ERROR(read_version({0xa0, 0x04, 0x02, 0x01, 0x00, 0x00}), ErrorCode::kMalformed);
}

}  // namespace
}  // namespace nimbus::x509
