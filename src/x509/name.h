// DistinguishedName: an X.501 name, read from and written as an RFC 4514 string.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "crypto/handles.h"

namespace nimbus::x509 {

// One attribute of a name: its type as to_string() writes it ("CN", "O", "E", or a dotted OID), its
// value as UTF-8 (or "#" and the hex of its DER, for a string type with no text form), and the
// position of its RDN in the DER (attributes of one multi-valued RDN share it).
struct NameAttribute {
  std::string type;
  std::string value;
  int rdn = 0;
};

// Immutable; copies share the underlying X509_NAME. Safe to read from several threads.
class DistinguishedName {
 public:
  // Parses an RFC 4514 string such as "CN=Contoso Issuing CA, O=Contoso\, Inc., C=US".
  // As in RFC 4514 the first RDN written is the most specific, i.e. the last in the DER.
  // Attribute types: CN, O, OU, C, L, ST, STREET, DC, E (emailAddress), UID, SERIALNUMBER, TITLE,
  // GN, SN, or a dotted OID. Values may use the escapes `\,` `\+` `\=` `\"` `\\` `\<` `\>` `\;`
  // `\#` `\ ` and `\XX` (a UTF-8 byte); '+' joins attributes into a multi-valued RDN.
  static Result<DistinguishedName> parse(std::string_view text);

  // Copies `name`.
  static DistinguishedName from_openssl(const X509_NAME* name);

  // RFC 4514 form, most specific first, ", " between RDNs, UTF-8 kept as is: "CN=a, O=b".
  std::string to_string() const;

  // The last (most specific) CN, or "" if there is none.
  std::string common_name() const;
  // A copy whose last CN holds `common_name` (UTF-8) instead, or, without a CN, with one added as
  // the most specific RDN.
  Result<DistinguishedName> with_common_name(std::string_view common_name) const;

  // The attributes in DER order: the least specific first.
  std::vector<NameAttribute> attributes() const;

  bool empty() const;
  Bytes der() const;
  bool operator==(const DistinguishedName& other) const;

  const X509_NAME* get() const { return name_.get(); }

 private:
  explicit DistinguishedName(crypto::X509NamePtr name);
  std::shared_ptr<X509_NAME> name_;
};

// Escapes an attribute value for an RFC 4514 string: `,` `+` `"` `\` `<` `>` `;` `=` anywhere,
// and a leading `#` or space and a trailing space. "Contoso, Inc." -> "Contoso\, Inc."
std::string escape_attribute_value(std::string_view value);

// Formats any X509_NAME the way DistinguishedName::to_string does.
std::string format_name(const X509_NAME* name);

}  // namespace nimbus::x509
