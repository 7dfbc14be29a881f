#include "x509/der_reader.h"

#include <gtest/gtest.h>

#include "testing/test_support.h"
#include "x509/der_writer.h"

namespace nimbus::x509::der {
namespace {

using nimbus::testing::at;
using nimbus::testing::must;

// The message of the error `result` holds, or "ok".
template <typename T>
std::string failure(const Result<T>& result) {
  return result.ok() ? "ok" : result.error().message();
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

// A reader over the contents of a SEQUENCE holding `contents`.
Reader sequence_of(const Bytes& storage) { return must(Reader::message(storage, kSequence, "Test")); }

TEST(DerReader, ReadsNestedElementsAndChecksTheEnd) {
  // SEQUENCE { INTEGER 5, SEQUENCE { BOOLEAN TRUE }, OCTET STRING 'ab' }
  Bytes der = {0x30, 0x0c, 0x02, 0x01, 0x05, 0x30, 0x03, 0x01, 0x01, 0xff, 0x04, 0x02, 'a', 'b'};
  Reader reader = sequence_of(der);
  NIMBUS_ASSERT_OK_AND_ASSIGN(int five, reader.read_small_integer(kInteger, "five"));
  EXPECT_EQ(five, 5);
  NIMBUS_ASSERT_OK_AND_ASSIGN(Reader inner, reader.enter(kSequence, "inner"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(bool yes, inner.read_boolean("flag"));
  EXPECT_TRUE(yes);
  NIMBUS_EXPECT_OK(inner.expect_end());
  EXPECT_TRUE(reader.next_is(kOctetString));
  NIMBUS_ASSERT_OK_AND_ASSIGN(ByteView text, reader.read_octet_string("text"));
  EXPECT_EQ(Bytes(text.begin(), text.end()), (Bytes{'a', 'b'}));
  EXPECT_TRUE(reader.at_end());
  NIMBUS_EXPECT_OK(reader.expect_end());
}

TEST(DerReader, ErrorsNameThePathAndTheOffset) {
  // SEQUENCE { SEQUENCE { OCTET STRING } } where an INTEGER is expected inside.
  Bytes der = {0x30, 0x05, 0x30, 0x03, 0x04, 0x01, 0x00};
  Reader reader = sequence_of(der);
  NIMBUS_ASSERT_OK_AND_ASSIGN(Reader list, reader.enter(kSequence, "list", 3));
  std::string why = failure(list.read_integer("serial"));
  EXPECT_EQ(why, "Test.list[3].serial: expected INTEGER, found OCTET STRING (offset 4)");

  Bytes trailing = {0x30, 0x03, 0x02, 0x01, 0x01, 0x05, 0x00};
  EXPECT_EQ(failure(Reader::message(trailing, kSequence, "Test")), "2 bytes follow the Test");

  Bytes extra_field = {0x30, 0x05, 0x02, 0x01, 0x01, 0x05, 0x00};
  Reader extra = sequence_of(extra_field);
  (void)extra.read_integer("one");
  Status end = extra.expect_end();
  ASSERT_FALSE(end.ok());
  EXPECT_EQ(end.error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(end.error().message(), "Test: unexpected NULL after the last field (offset 5)");
}

TEST(DerReader, LengthsMustBeDefiniteMinimalAndInside) {
  EXPECT_TRUE(contains(failure(Reader::message(Bytes{}, kSequence, "T")), "the input ends"));
  EXPECT_TRUE(contains(failure(Reader::message(Bytes{0x30}, kSequence, "T")), "cut off before its length"));
  EXPECT_TRUE(contains(failure(Reader::message(Bytes{0x30, 0x80, 0x00, 0x00}, kSequence, "T")), "indefinite length"));
  EXPECT_TRUE(contains(failure(Reader::message(Bytes{0x30, 0x81, 0x05, 0, 0, 0, 0, 0}, kSequence, "T")),
                       "not minimally encoded"));
  EXPECT_TRUE(contains(failure(Reader::message(Bytes{0x30, 0x82, 0x00, 0x80}, kSequence, "T")),
                       "not minimally encoded"));
  EXPECT_TRUE(contains(failure(Reader::message(Bytes{0x30, 0x85, 1, 0, 0, 0, 0}, kSequence, "T")), "length of 5 octets"));
  EXPECT_TRUE(contains(failure(Reader::message(Bytes{0x30, 0x82, 0x01}, kSequence, "T")), "length of SEQUENCE is cut off"));
  EXPECT_TRUE(contains(failure(Reader::message(Bytes{0x30, 0x05, 0x02, 0x01}, kSequence, "T")),
                       "claims 5 bytes, but only 2 remain"));
  EXPECT_TRUE(contains(failure(Reader::message(Bytes{0x3f, 0x01, 0x00}, kSequence, "T")), "multi-octet tags"));
  EXPECT_TRUE(contains(failure(Reader::message(Bytes{0x31, 0x00}, kSequence, "T")), "expected SEQUENCE, found tag 0x31"));

  // The long form from 128 up.
  Bytes long_form = {0x30, 0x81, 0x80};
  long_form.resize(3 + 0x80, 0x05);
  for (std::size_t i = 3; i < long_form.size(); i += 2) long_form[i + 1] = 0x00;  // NULL, NULL, ...
  Reader reader = must(Reader::message(long_form, kSequence, "T"));
  for (int i = 0; i < 64; ++i) NIMBUS_ASSERT_OK(reader.read_null(kNull, "null"));
  EXPECT_TRUE(reader.at_end());
}

TEST(DerReader, IntegersBooleansAndNullsFollowDer) {
  Bytes der = {0x30, 0x1a, 0x02, 0x00,              // empty INTEGER
               0x02, 0x02, 0x00, 0x7f,              // non-minimal positive
               0x02, 0x02, 0xff, 0x80,              // non-minimal negative
               0x02, 0x02, 0x00, 0x80,              // 128
               0x02, 0x01, 0xff,                    // -1
               0x01, 0x01, 0x01,                    // BOOLEAN 0x01
               0x01, 0x01, 0x00,                    // FALSE
               0x05, 0x01, 0x00};                   // NULL with contents
  Reader reader = sequence_of(der);
  EXPECT_TRUE(contains(failure(reader.read_integer("a")), "no contents octets"));
  EXPECT_TRUE(contains(failure(reader.read_integer("b")), "not minimally encoded"));
  EXPECT_TRUE(contains(failure(reader.read_integer("c")), "not minimally encoded"));
  EXPECT_EQ(must(reader.read_small_integer(kInteger, "d")), 128);
  EXPECT_EQ(must(reader.read_small_integer(kInteger, "e")), -1);
  EXPECT_TRUE(contains(failure(reader.read_boolean("f")), "0x00 or 0xFF"));
  EXPECT_FALSE(must(reader.read_boolean("g")));
  EXPECT_TRUE(contains(failure(reader.read_null(kNull, "h")), "NULL has contents"));

  Bytes big = {0x30, 0x07, 0x0a, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00};
  Reader wide = sequence_of(big);
  EXPECT_TRUE(contains(failure(wide.read_small_integer(kEnumerated, "reason")), "ENUMERATED is out of range"));
}

TEST(DerReader, ObjectIdentifiersAndBitStrings) {
  Bytes der = {0x30, 0x17,
               0x06, 0x03, 0x55, 0x04, 0x03,  // 2.5.4.3
               0x06, 0x00,                    // empty
               0x06, 0x02, 0x2a, 0x86,        // ends inside an arc
               0x06, 0x02, 0x80, 0x01,        // non-minimal arc
               0x03, 0x02, 0x04, 0xf0,        // 4 unused bits, all zero
               0x03, 0x02, 0x04, 0xf1};       // 4 unused bits, not zero
  Reader reader = sequence_of(der);
  NIMBUS_ASSERT_OK_AND_ASSIGN(ByteView cn, reader.read_object_identifier("cn"));
  EXPECT_EQ(dotted_object_identifier(cn), "2.5.4.3");
  EXPECT_TRUE(contains(failure(reader.read_object_identifier("empty")), "no contents octets"));
  EXPECT_TRUE(contains(failure(reader.read_object_identifier("cut")), "ends inside an arc"));
  EXPECT_TRUE(contains(failure(reader.read_object_identifier("padded")), "not minimally encoded"));
  NIMBUS_EXPECT_OK(reader.read_bit_string("bits"));
  EXPECT_TRUE(contains(failure(reader.read_bit_string("dirty")), "unused bits of the BIT STRING are not zero"));

  Bytes lying = {0x30, 0x03, 0x03, 0x01, 0x01};
  Reader empty_bits = sequence_of(lying);
  EXPECT_TRUE(contains(failure(empty_bits.read_bit_string("bits")), "claims 1 unused bits"));
}

TEST(DerReader, GeneralizedTimeInDerFormOnly) {
  auto read_time = [](std::string_view text) {
    Bytes der;
    append_element(der, kGeneralizedTime, as_bytes(text));
    Bytes outer = element(kSequence, der);
    Reader reader = must(Reader::message(outer, kSequence, "T"));
    return reader.read_generalized_time("time");
  };
  EXPECT_EQ(must(read_time("20260301120000Z")), at("2026-03-01T12:00:00Z"));
  EXPECT_EQ(must(read_time("20260301120000.5Z")), at("2026-03-01T12:00:00Z"));
  EXPECT_EQ(must(read_time("20240229235959Z")), at("2024-02-29T23:59:59Z"));
  for (std::string_view bad : {"20260301120000", "202603011200Z", "20260301120000+0100", "20260301120000.50Z",
                               "20260301120000.Z", "2026030112000aZ", "20250229120000Z", "20261301120000Z",
                               "20260301240000Z", "20260301126000Z", "20260301120060Z", "260301120000Z"}) {
    auto result = read_time(bad);
    EXPECT_FALSE(result.ok()) << bad;
  }
  // A UTCTime where a GeneralizedTime belongs.
  Bytes utc = {0x30, 0x0f, 0x17, 0x0d, '2', '6', '0', '3', '0', '1', '1', '2', '0', '0', '0', '0', 'Z'};
  Reader reader = sequence_of(utc);
  EXPECT_TRUE(contains(failure(reader.read_generalized_time("time")), "expected GeneralizedTime, found tag 0x17"));
}

TEST(DerReader, EncapsulatedStructuresAndAlgorithmIdentifiers) {
  // SEQUENCE { OCTET STRING { SEQUENCE { NULL } }, SEQUENCE { OID 2.5.4.3 },
  //            SEQUENCE { OID 2.5.4.3, NULL, NULL } }
  Bytes der = {0x30, 0x00, 0x04, 0x04, 0x30, 0x02, 0x05, 0x00, 0x30, 0x05, 0x06, 0x03, 0x55, 0x04,
               0x03, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x03, 0x05, 0x00, 0x05, 0x00};
  der[1] = static_cast<std::uint8_t>(der.size() - 2);
  Reader reader = sequence_of(der);
  NIMBUS_ASSERT_OK_AND_ASSIGN(Reader inner, reader.enter_encapsulated(kSequence, "wrapped"));
  NIMBUS_EXPECT_OK(inner.read_null(kNull, "null"));
  NIMBUS_EXPECT_OK(inner.expect_end());
  NIMBUS_ASSERT_OK_AND_ASSIGN(AlgorithmIdentifier bare, reader.read_algorithm_identifier("bare"));
  EXPECT_EQ(dotted_object_identifier(bare.oid), "2.5.4.3");
  EXPECT_EQ(bare.element.encoding.size(), 7u);
  EXPECT_FALSE(reader.read_algorithm_identifier("cut").ok());

  Bytes extra = {0x30, 0x06, 0x04, 0x04, 0x05, 0x00, 0x05, 0x00};
  Reader wrapped = sequence_of(extra);
  EXPECT_TRUE(contains(failure(wrapped.enter_encapsulated(kNull, "wrapped")), "2 bytes follow the NULL"));
}

}  // namespace
}  // namespace nimbus::x509::der
