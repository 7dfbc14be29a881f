#include "x509/name.h"

#include <openssl/objects.h>
#include <openssl/x509.h>

#include <set>

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::x509 {
namespace {

// The attribute at DER position `index`: its short type name and UTF-8 value.
struct Entry {
  std::string type;
  std::string value;
  int set = -1;
  int string_type = -1;
};

Entry entry_at(const DistinguishedName& name, int index) {
  const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name.get(), index);
  if (entry == nullptr) return {};
  Entry out;
  out.type = OBJ_nid2sn(OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry)));
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(entry);
  unsigned char* utf8 = nullptr;
  int size = ASN1_STRING_to_UTF8(&utf8, data);
  if (size >= 0) {
    out.value.assign(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(size));
    OPENSSL_free(utf8);
  }
  out.set = X509_NAME_ENTRY_set(entry);
  out.string_type = ASN1_STRING_type(data);
  return out;
}

int count(const DistinguishedName& name) { return X509_NAME_entry_count(name.get()); }

// The value of a one-attribute name.
std::string single_value(std::string_view text) {
  auto name = DistinguishedName::parse(text);
  if (!name.ok()) return "<error: " + name.error().to_string() + ">";
  if (count(*name) != 1) return "<" + std::to_string(count(*name)) + " attributes>";
  return entry_at(*name, 0).value;
}

TEST(DistinguishedName, FirstWrittenIsLastInDer) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName name, DistinguishedName::parse("CN=Leaf, OU=Unit, O=Org, C=US"));
  ASSERT_EQ(count(name), 4);
  EXPECT_EQ(entry_at(name, 0).type, "C");
  EXPECT_EQ(entry_at(name, 0).value, "US");
  EXPECT_EQ(entry_at(name, 1).type, "O");
  EXPECT_EQ(entry_at(name, 2).type, "OU");
  EXPECT_EQ(entry_at(name, 3).type, "CN");
  EXPECT_EQ(entry_at(name, 3).value, "Leaf");
  // Each attribute is its own RDN.
  EXPECT_EQ(entry_at(name, 0).set, 0);
  EXPECT_EQ(entry_at(name, 3).set, 3);
  EXPECT_EQ(name.to_string(), "CN=Leaf, OU=Unit, O=Org, C=US");
}

TEST(DistinguishedName, SpacesAroundSeparatorsAreIgnored) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName name, DistinguishedName::parse("  CN = Leaf CA ,O=Org,   C = US"));
  ASSERT_EQ(count(name), 3);
  EXPECT_EQ(entry_at(name, 2).value, "Leaf CA");
  EXPECT_EQ(entry_at(name, 1).value, "Org");
  EXPECT_EQ(entry_at(name, 0).value, "US");
  EXPECT_EQ(name.to_string(), "CN=Leaf CA, O=Org, C=US");
}

TEST(DistinguishedName, UndoesSpecialCharacterEscapes) {
  EXPECT_EQ(single_value("CN=Contoso\\, Inc."), "Contoso, Inc.");
  EXPECT_EQ(single_value("CN=a\\+b"), "a+b");
  EXPECT_EQ(single_value("CN=a\\=b"), "a=b");
  EXPECT_EQ(single_value("CN=say \\\"hi\\\""), "say \"hi\"");
  EXPECT_EQ(single_value("CN=back\\\\slash"), "back\\slash");
  EXPECT_EQ(single_value("CN=a\\;b\\<c\\>d"), "a;b<c>d");
  EXPECT_EQ(single_value("CN=\\#hash"), "#hash");
  EXPECT_EQ(single_value("CN=\\ lead"), " lead");
}

TEST(DistinguishedName, UndoesHexEscapesAsUtf8Bytes) {
  EXPECT_EQ(single_value("CN=caf\\C3\\A9"), "caf\xC3\xA9");
  EXPECT_EQ(single_value("CN=caf\\c3\\a9"), "caf\xC3\xA9");
  EXPECT_EQ(single_value("CN=\\41\\42C"), "ABC");
  EXPECT_EQ(single_value("CN=a\\2Cb"), "a,b");
  EXPECT_EQ(single_value("CN=\\E6\\9D\\B1\\E4\\BA\\AC"), "\xE6\x9D\xB1\xE4\xBA\xAC");  // 東京
}

TEST(DistinguishedName, RefusesHexEscapesThatAreNotUtf8) {
  NIMBUS_EXPECT_ERROR(DistinguishedName::parse("CN=\\FF"), ErrorCode::kInvalidArgument);
  NIMBUS_EXPECT_ERROR(DistinguishedName::parse("CN=caf\\C3"), ErrorCode::kInvalidArgument);
}

TEST(DistinguishedName, KeepsAnUnescapedEqualsSignInAValue) {
  EXPECT_EQ(single_value("CN=a=b"), "a=b");
}

TEST(DistinguishedName, PlusJoinsAttributesIntoOneRdn) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName name, DistinguishedName::parse("CN=Alice+UID=alice, O=Org"));
  ASSERT_EQ(count(name), 3);
  EXPECT_EQ(entry_at(name, 0).type, "O");
  EXPECT_EQ(entry_at(name, 0).set, 0);
  EXPECT_EQ(entry_at(name, 1).set, 1);
  EXPECT_EQ(entry_at(name, 2).set, 1);
  std::set<std::string> joined = {entry_at(name, 1).type + "=" + entry_at(name, 1).value,
                                  entry_at(name, 2).type + "=" + entry_at(name, 2).value};
  EXPECT_EQ(joined, (std::set<std::string>{"CN=Alice", "UID=alice"}));

  std::string text = name.to_string();
  // Joined attributes may be written with "+" or " + " between them, in either order (a SET has none).
  EXPECT_TRUE(text == "CN=Alice+UID=alice, O=Org" || text == "UID=alice+CN=Alice, O=Org" ||
              text == "CN=Alice + UID=alice, O=Org" || text == "UID=alice + CN=Alice, O=Org")
      << text;
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName reparsed, DistinguishedName::parse(text));
  EXPECT_TRUE(reparsed == name);
  EXPECT_EQ(reparsed.der(), name.der());
}

TEST(DistinguishedName, MultiValuedRdnSurvivesDer) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName name,
                              DistinguishedName::parse("CN=x + OU=y + O=z, C=US"));
  Bytes der = name.der();
  const unsigned char* cursor = der.data();
  crypto::X509NamePtr decoded(d2i_X509_NAME(nullptr, &cursor, static_cast<long>(der.size())));
  ASSERT_NE(decoded, nullptr);
  DistinguishedName copy = DistinguishedName::from_openssl(decoded.get());
  ASSERT_EQ(count(copy), 4);
  EXPECT_EQ(entry_at(copy, 0).set, 0);
  for (int i = 1; i < 4; ++i) EXPECT_EQ(entry_at(copy, i).set, 1) << i;
  EXPECT_TRUE(copy == name);
}

TEST(DistinguishedName, NonAsciiUtf8RoundTripsThroughToString) {
  std::string text = "CN=Zo\xC3\xAB \xC3\x9Cn\xC3\xAF \xE6\x9D\xB1\xE4\xBA\xAC, O=Soci\xC3\xA9t\xC3\xA9 G\xC3\xA9n\xC3\xA9rale";
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName name, DistinguishedName::parse(text));
  EXPECT_EQ(name.to_string(), text);
  EXPECT_EQ(name.common_name(), "Zo\xC3\xAB \xC3\x9Cn\xC3\xAF \xE6\x9D\xB1\xE4\xBA\xAC");
  EXPECT_EQ(entry_at(name, 1).string_type, V_ASN1_UTF8STRING);
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName reparsed, DistinguishedName::parse(name.to_string()));
  EXPECT_EQ(reparsed.der(), name.der());
}

TEST(DistinguishedName, DropsUnescapedTrailingSpacesOnly) {
  EXPECT_EQ(single_value("CN=foo   "), "foo");
  EXPECT_EQ(single_value("CN=foo\\ "), "foo ");
  EXPECT_EQ(single_value("CN=foo\\   "), "foo ");
  EXPECT_EQ(single_value("CN=foo \\ "), "foo  ");
  EXPECT_EQ(single_value("CN=   foo"), "foo");
  EXPECT_EQ(single_value("CN=a  b"), "a  b");
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName name, DistinguishedName::parse("CN=foo   , O=bar  "));
  EXPECT_EQ(entry_at(name, 1).value, "foo");
  EXPECT_EQ(entry_at(name, 0).value, "bar");
}

TEST(DistinguishedName, ToStringEscapesWhatParseUnescapes) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName name,
                              DistinguishedName::parse("CN=\\#1 \\\"quoted\\\" a\\,b a\\+b a\\\\b a\\;b a\\<b\\>\\ , O=Org"));
  std::string text = name.to_string();
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName reparsed, DistinguishedName::parse(text));
  EXPECT_TRUE(reparsed == name) << text;
  EXPECT_EQ(reparsed.common_name(), "#1 \"quoted\" a,b a+b a\\b a;b a<b> ");
}

TEST(DistinguishedName, AcceptsEveryDocumentedAttributeType) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(
      DistinguishedName name,
      DistinguishedName::parse("CN=c, O=o, OU=ou, C=US, L=l, ST=st, STREET=street, DC=dc, E=e@example.net, UID=uid, "
                               "SERIALNUMBER=42, TITLE=t, GN=g, SN=s"));
  EXPECT_EQ(count(name), 14);
  std::vector<std::string> types;
  for (int i = count(name) - 1; i >= 0; --i) types.push_back(entry_at(name, i).type);
  EXPECT_EQ(types, (std::vector<std::string>{"CN", "O", "OU", "C", "L", "ST", "street", "DC", "emailAddress", "UID",
                                             "serialNumber", "title", "GN", "SN"}));
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName reparsed, DistinguishedName::parse(name.to_string()));
  EXPECT_EQ(reparsed.der(), name.der()) << name.to_string();
}

TEST(DistinguishedName, TypesAreCaseInsensitiveAndMayBeOids) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName lower, DistinguishedName::parse("cn=x, o=y"));
  EXPECT_EQ(lower.to_string(), "CN=x, O=y");
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName oid, DistinguishedName::parse("2.5.4.3=x, 2.5.4.10=y"));
  EXPECT_EQ(oid.to_string(), "CN=x, O=y");
  EXPECT_EQ(oid.der(), lower.der());
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName email, DistinguishedName::parse("emailAddress=a@b.c"));
  EXPECT_EQ(email.to_string(), "E=a@b.c");  // OpenSSL prints emailAddress as E, which parse accepts
}

TEST(DistinguishedName, AcceptsOpenSslAttributeNamesSoThatFormattedNamesParseBack) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName name,
                              DistinguishedName::parse("CN=x, organizationIdentifier=VATFR-123, businessCategory=Bank"));
  EXPECT_EQ(count(name), 3);
  EXPECT_EQ(entry_at(name, 1).type, "organizationIdentifier");
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName reparsed, DistinguishedName::parse(name.to_string()));
  EXPECT_EQ(reparsed.der(), name.der()) << name.to_string();
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName long_name, DistinguishedName::parse("commonName=x"));
  EXPECT_EQ(long_name.to_string(), "CN=x");
}

TEST(DistinguishedName, UnknownOidsKeepTheirDottedForm) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName name, DistinguishedName::parse("1.2.3.4=foo, O=Org"));
  EXPECT_EQ(count(name), 2);
  EXPECT_EQ(name.to_string(), "1.2.3.4=foo, O=Org");
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName reparsed, DistinguishedName::parse(name.to_string()));
  EXPECT_EQ(reparsed.der(), name.der());
}

TEST(DistinguishedName, LongOidsKeepEveryArc) {
  std::string type = "2.5.4." + std::string(150, '9') + ".97";
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName name, DistinguishedName::parse(type + "=x"));
  EXPECT_EQ(name.to_string(), type + "=x");
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName reparsed, DistinguishedName::parse(name.to_string()));
  EXPECT_EQ(reparsed.der(), name.der());
}

// RFC 4514 2.4: a value that is not a string is written as '#' and the hex of its BER/DER encoding
// (tag, length and contents), as name.cpp's comment also says ("the DER in hex").
TEST(DistinguishedName, NonStringValuesAreWrittenAsHexOfTheirDer) {
  // Name ::= SEQUENCE { SET { SEQUENCE { x500UniqueIdentifier (2.5.4.45), BIT STRING 0x05 } } }
  // x500UniqueIdentifier is a BIT STRING by definition (X.520), so this is a realistic name.
  const Bytes der = {0x30, 0x0d, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x2d, 0x03, 0x02, 0x00, 0x05};
  const unsigned char* cursor = der.data();
  crypto::X509NamePtr raw(d2i_X509_NAME(nullptr, &cursor, static_cast<long>(der.size())));
  ASSERT_NE(raw, nullptr);
  DistinguishedName name = DistinguishedName::from_openssl(raw.get());
  EXPECT_EQ(name.to_string(), "x500UniqueIdentifier=#03020005");
}

TEST(DistinguishedName, RefusesMalformedStrings) {
  for (const char* text : {"", "CN", "=x", " =x", "CN=", "CN=   ", "FOO=bar", "CN=a\"b", "CN=#0403", "CN= #0403",
                           "CN=a;b", "CN=a<b", "CN=a>b", "CN=a\\", "CN=a\\q", "CN=a,", ",CN=a", "CN=a,,O=b",
                           "CN=a+", "CN=a, O", "C=USA", "1.2.x=y", "CN=a,O=b,FOO=c", "2..5=y", "2.5.=y",
                           "2.05.4=y", "3.1=y", "1=y"}) {
    auto name = DistinguishedName::parse(text);
    ASSERT_FALSE(name.ok()) << "'" << text << "' was accepted as " << name->to_string();
    EXPECT_EQ(name.error().code(), ErrorCode::kInvalidArgument) << text << ": " << name.error().to_string();
    EXPECT_FALSE(name.error().is_failure());
  }
}

TEST(DistinguishedName, ErrorsSayWhatIsWrong) {
  auto quote = DistinguishedName::parse("CN=a\"b");
  ASSERT_FALSE(quote.ok());
  EXPECT_NE(quote.error().message().find("escaped"), std::string::npos) << quote.error().message();
  auto hex = DistinguishedName::parse("CN=#0403");
  ASSERT_FALSE(hex.ok());
  EXPECT_NE(hex.error().message().find("hex"), std::string::npos) << hex.error().message();
  auto unknown = DistinguishedName::parse("FOO=bar");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("'FOO'"), std::string::npos) << unknown.error().message();
  auto empty = DistinguishedName::parse("CN=");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message().find("empty"), std::string::npos) << empty.error().message();
}

TEST(EscapeAttributeValue, EscapesSpecialsAndEdgeSpaces) {
  EXPECT_EQ(escape_attribute_value("Contoso, Inc."), "Contoso\\, Inc.");
  EXPECT_EQ(escape_attribute_value("a+b=c"), "a\\+b\\=c");
  EXPECT_EQ(escape_attribute_value("\"<>;\\"), "\\\"\\<\\>\\;\\\\");
  EXPECT_EQ(escape_attribute_value("#x#"), "\\#x#");
  EXPECT_EQ(escape_attribute_value(" mid dle "), "\\ mid dle\\ ");
  EXPECT_EQ(escape_attribute_value("plain"), "plain");
  EXPECT_EQ(escape_attribute_value(""), "");
}

TEST(EscapeAttributeValue, RoundTripsThroughParse) {
  for (std::string value : {"Contoso, Inc.", ",+\"\\<>;=", "#hash", " lead", "trail ", "  both  ", " ", "   ",
                            "a#b", "x=y", "\\", "Soci\xC3\xA9t\xC3\xA9", "a\\41", "tab\there"}) {
    std::string text = "CN=" + escape_attribute_value(value) + ", O=" + escape_attribute_value(value);
    auto name = DistinguishedName::parse(text);
    ASSERT_TRUE(name.ok()) << "'" << value << "' -> " << text << ": " << name.error().to_string();
    EXPECT_EQ(name->common_name(), value) << text;
    EXPECT_EQ(entry_at(*name, 0).value, value) << text;
  }
}

TEST(DistinguishedName, CommonNameIsTheMostSpecificCn) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName two, DistinguishedName::parse("CN=leaf, OU=x, CN=parent"));
  EXPECT_EQ(two.common_name(), "leaf");
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName none, DistinguishedName::parse("O=Org, C=US"));
  EXPECT_EQ(none.common_name(), "");
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName one, DistinguishedName::parse("CN=Contoso\\, Inc. Root"));
  EXPECT_EQ(one.common_name(), "Contoso, Inc. Root");
}

TEST(DistinguishedName, DerAndEquality) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName a, DistinguishedName::parse("CN=a, O=b"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName same, DistinguishedName::parse("CN=a,O=b"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(DistinguishedName reversed, DistinguishedName::parse("O=b, CN=a"));
  EXPECT_TRUE(a == same);
  EXPECT_FALSE(a == reversed);
  EXPECT_EQ(a.der(), same.der());
  EXPECT_NE(a.der(), reversed.der());
  EXPECT_FALSE(a.empty());

  Bytes der = a.der();
  const unsigned char* cursor = der.data();
  crypto::X509NamePtr decoded(d2i_X509_NAME(nullptr, &cursor, static_cast<long>(der.size())));
  ASSERT_NE(decoded, nullptr);
  DistinguishedName copy = DistinguishedName::from_openssl(decoded.get());
  decoded.reset();  // from_openssl copies
  EXPECT_TRUE(copy == a);
  EXPECT_EQ(copy.to_string(), "CN=a, O=b");
  EXPECT_EQ(format_name(copy.get()), copy.to_string());
}

TEST(DistinguishedName, EmptyName) {
  crypto::X509NamePtr raw(X509_NAME_new());
  DistinguishedName empty = DistinguishedName::from_openssl(raw.get());
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.to_string(), "");
  EXPECT_EQ(empty.common_name(), "");
}

}  // namespace
}  // namespace nimbus::x509
