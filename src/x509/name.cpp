#include "x509/name.h"

#include <openssl/objects.h>

#include <cctype>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "core/bytes.h"
#include "crypto/object_identifier.h"
#include "crypto/openssl_error.h"

namespace nimbus::x509 {

namespace {

struct Attribute {
  std::string type;
  std::string value;
  bool starts_rdn = false;  // first attribute of its RDN (not joined by '+')
};

// Attribute type names accepted in strings, mapped to OpenSSL's names.
const char* openssl_attribute_name(std::string_view type) {
  struct Alias {
    std::string_view written;
    const char* openssl;
  };
  static constexpr Alias kAliases[] = {
      {"CN", "CN"},       {"O", "O"},          {"OU", "OU"},
      {"C", "C"},         {"L", "L"},          {"ST", "ST"},
      {"STREET", "street"}, {"DC", "DC"},      {"E", "emailAddress"},
      {"EMAILADDRESS", "emailAddress"},        {"UID", "UID"},
      {"SERIALNUMBER", "serialNumber"},        {"TITLE", "title"},
      {"GN", "GN"},       {"SN", "SN"},
  };
  std::string upper(type);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const Alias& alias : kAliases) {
    if (alias.written == upper) return alias.openssl;
  }
  return nullptr;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_space(char c) { return c == ' '; }

// Splits an RFC 4514 string into attributes, undoing escapes.
Result<std::vector<Attribute>> split_attributes(std::string_view text) {
  auto error = [&](std::string_view why) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("distinguished name '{}' is malformed: {}", text, why));
  };
  std::vector<Attribute> attributes;
  std::size_t i = 0;
  bool next_starts_rdn = true;
  while (true) {
    while (i < text.size() && is_space(text[i])) ++i;
    std::size_t type_start = i;
    while (i < text.size() && text[i] != '=' && text[i] != ',' && text[i] != '+') ++i;
    if (i >= text.size() || text[i] != '=') return error("expected TYPE=value");
    std::string_view type = text.substr(type_start, i - type_start);
    while (!type.empty() && is_space(type.back())) type.remove_suffix(1);
    if (type.empty()) return error("an attribute has no type");
    ++i;  // '='
    while (i < text.size() && is_space(text[i])) ++i;
    if (i < text.size() && text[i] == '#') return error("hex-encoded (#...) values are not supported");

    std::string value;
    std::size_t kept = 0;  // length of value up to its last escaped or non-space character
    while (i < text.size() && text[i] != ',' && text[i] != '+') {
      char c = text[i];
      if (c == '\\') {
        if (i + 1 >= text.size()) return error("it ends in a lone backslash");
        char next = text[i + 1];
        int high = hex_value(next);
        if (high >= 0 && i + 2 < text.size() && hex_value(text[i + 2]) >= 0) {
          value.push_back(static_cast<char>(high * 16 + hex_value(text[i + 2])));
          i += 3;
        } else if (std::string_view("\"+,;<>\\=# ").find(next) != std::string_view::npos) {
          value.push_back(next);
          i += 2;
        } else {
          return error(fmt::format("'\\{}' is not a valid escape", next));
        }
        kept = value.size();
        continue;
      }
      if (c == '"' || c == ';' || c == '<' || c == '>') {
        return error(fmt::format("'{}' must be escaped as '\\{}'", c, c));
      }
      value.push_back(c);
      if (!is_space(c)) kept = value.size();
      ++i;
    }
    value.resize(kept);  // unescaped trailing spaces are not part of the value
    if (value.empty()) return error(fmt::format("attribute '{}' has an empty value", type));
    attributes.push_back({std::string(type), std::move(value), next_starts_rdn});
    if (i >= text.size()) break;
    next_starts_rdn = text[i] == ',';
    ++i;
  }
  return attributes;
}

}  // namespace

DistinguishedName::DistinguishedName(crypto::X509NamePtr name)
    : name_(name.release(), X509_NAME_free) {}

Result<DistinguishedName> DistinguishedName::parse(std::string_view text) {
  NIMBUS_ASSIGN_OR_RETURN(std::vector<Attribute> attributes, split_attributes(text));

  // RFC 4514 writes the most specific RDN first; DER holds it last. Walk RDNs in reverse, keeping
  // the order of attributes inside a multi-valued RDN.
  std::vector<std::vector<const Attribute*>> rdns;
  for (const Attribute& attribute : attributes) {
    if (attribute.starts_rdn) rdns.emplace_back();
    rdns.back().push_back(&attribute);
  }

  crypto::X509NamePtr name(X509_NAME_new());
  int rdn_index = 0;
  for (auto rdn = rdns.rbegin(); rdn != rdns.rend(); ++rdn, ++rdn_index) {
    bool first = true;
    for (const Attribute* attribute : *rdn) {
      crypto::Asn1ObjectPtr type;
      if (const char* known = openssl_attribute_name(attribute->type)) {
        type.reset(OBJ_txt2obj(known, 0));
      } else {
        // A dotted OID, or a name OpenSSL prints (organizationIdentifier, ...), so that whatever
        // to_string() writes parses back. Text that starts like a number must be a well-formed OID:
        // OpenSSL would read "2..5" as 2.0.5.
        bool numeric = !attribute->type.empty() && attribute->type.front() >= '0' && attribute->type.front() <= '9';
        if (!numeric || crypto::is_dotted_oid(attribute->type)) type.reset(OBJ_txt2obj(attribute->type.c_str(), 0));
      }
      if (!type) {
        crypto::clear_openssl_errors();
        return Error(ErrorCode::kInvalidArgument,
                     fmt::format("distinguished name '{}': unknown attribute type '{}' (use CN, O, "
                                 "OU, C, L, ST, STREET, DC, E, UID, SERIALNUMBER, TITLE, GN, SN or "
                                 "a dotted OID)",
                                 text, attribute->type));
      }
      const auto* bytes = reinterpret_cast<const unsigned char*>(attribute->value.data());
      if (X509_NAME_add_entry_by_OBJ(name.get(), type.get(), MBSTRING_UTF8, bytes,
                                     static_cast<int>(attribute->value.size()), -1,
                                     first ? 0 : -1) != 1) {
        return crypto::openssl_error(
            ErrorCode::kInvalidArgument,
            fmt::format("distinguished name '{}': '{}' is not a valid value for {}", text,
                        attribute->value, attribute->type));
      }
      first = false;
    }
  }
  return DistinguishedName(std::move(name));
}

DistinguishedName DistinguishedName::from_openssl(const X509_NAME* name) {
  return DistinguishedName(crypto::X509NamePtr(X509_NAME_dup(name)));
}

std::string DistinguishedName::to_string() const { return format_name(name_.get()); }

Result<DistinguishedName> DistinguishedName::with_common_name(std::string_view common_name) const {
  crypto::X509NamePtr name(X509_NAME_dup(name_.get()));
  if (!name) return crypto::openssl_error(ErrorCode::kCryptoError, "copying a name failed");
  int position = -1;
  for (int i = X509_NAME_get_index_by_NID(name.get(), NID_commonName, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name.get(), NID_commonName, i)) {
    position = i;
  }
  if (position >= 0) {
    // Deleting and re-adding (rather than X509_NAME_ENTRY_set_data) keeps the name's cached
    // encoding in step with its entries.
    crypto::X509NameEntryPtr removed(X509_NAME_delete_entry(name.get(), position));
  }
  if (X509_NAME_add_entry_by_NID(name.get(), NID_commonName, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.data()),
                                 static_cast<int>(common_name.size()), position, 0) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError,
                                 fmt::format("building a name with CN \"{}\" failed", common_name));
  }
  return DistinguishedName(std::move(name));
}

std::string DistinguishedName::common_name() const {
  int index = X509_NAME_get_index_by_NID(name_.get(), NID_commonName, -1);
  int last = -1;
  while (index >= 0) {
    last = index;
    index = X509_NAME_get_index_by_NID(name_.get(), NID_commonName, index);
  }
  if (last < 0) return "";
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name_.get(), last));
  unsigned char* utf8 = nullptr;
  int size = ASN1_STRING_to_UTF8(&utf8, data);
  if (size < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(size));
  OPENSSL_free(utf8);
  return out;
}

bool DistinguishedName::empty() const { return X509_NAME_entry_count(name_.get()) == 0; }

Bytes DistinguishedName::der() const {
  unsigned char* der = nullptr;
  int size = i2d_X509_NAME(name_.get(), &der);
  if (size <= 0) return {};
  Bytes out(der, der + size);
  OPENSSL_free(der);
  return out;
}

bool DistinguishedName::operator==(const DistinguishedName& other) const {
  return X509_NAME_cmp(name_.get(), other.name_.get()) == 0;
}

std::string escape_attribute_value(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 4);
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\{:02X}", byte);
      continue;
    }
    bool special = std::string_view(",+\"\\<>;=").find(c) != std::string_view::npos;
    bool edge = (i == 0 && (c == '#' || c == ' ')) || (i + 1 == value.size() && c == ' ');
    if (special || edge) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

namespace {

// The name an attribute type is written with: ours where we have one, else OpenSSL's short name,
// else the dotted OID.
std::string attribute_type_text(const ASN1_OBJECT* type) {
  int nid = OBJ_obj2nid(type);
  if (nid == NID_pkcs9_emailAddress) return "E";
  if (nid != NID_undef) {
    if (const char* short_name = OBJ_nid2sn(nid)) return short_name;
  }
  return crypto::dotted_oid(type);
}

// The complete DER (tag, length, content) of an attribute value, for RFC 4514 section 2.4's "#hex".
Bytes value_der(const ASN1_STRING* data) {
  crypto::OpenSslPtr<ASN1_TYPE, ASN1_TYPE_free> value(ASN1_TYPE_new());
  if (!value || ASN1_TYPE_set1(value.get(), ASN1_STRING_type(data), data) != 1) return {};
  unsigned char* der = nullptr;
  int size = i2d_ASN1_TYPE(value.get(), &der);
  if (size <= 0) return {};
  Bytes out(der, der + size);
  OPENSSL_free(der);
  return out;
}

// The value as UTF-8; nullopt for a string type that has no text form.
std::optional<std::string> attribute_utf8(const X509_NAME_ENTRY* entry) {
  unsigned char* utf8 = nullptr;
  int size = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
  if (size < 0) {
    crypto::clear_openssl_errors();
    return std::nullopt;
  }
  std::string value(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(size));
  OPENSSL_free(utf8);
  return value;
}

// The value as an escaped RFC 4514 string, or "#" and the DER in hex when it is not a string.
std::string attribute_value_text(const X509_NAME_ENTRY* entry) {
  std::optional<std::string> value = attribute_utf8(entry);
  if (!value) return "#" + to_hex(value_der(X509_NAME_ENTRY_get_data(entry)));
  return escape_attribute_value(*value);
}

}  // namespace

std::vector<NameAttribute> DistinguishedName::attributes() const {
  std::vector<NameAttribute> out;
  for (int i = 0; i < X509_NAME_entry_count(name_.get()); ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name_.get(), i);
    std::optional<std::string> value = attribute_utf8(entry);
    out.push_back({attribute_type_text(X509_NAME_ENTRY_get_object(entry)),
                   value ? std::move(*value) : attribute_value_text(entry), X509_NAME_ENTRY_set(entry)});
  }
  return out;
}

std::string format_name(const X509_NAME* name) {
  // Most specific RDN (last in DER) first; attributes inside a multi-valued RDN in DER order.
  std::string out;
  int count = X509_NAME_entry_count(name);
  int index = count - 1;
  while (index >= 0) {
    int set = X509_NAME_ENTRY_set(X509_NAME_get_entry(name, index));
    int first = index;
    while (first > 0 && X509_NAME_ENTRY_set(X509_NAME_get_entry(name, first - 1)) == set) --first;
    if (!out.empty()) out += ", ";
    for (int i = first; i <= index; ++i) {
      const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
      if (i > first) out += " + ";
      out += attribute_type_text(X509_NAME_ENTRY_get_object(entry)) + "=" + attribute_value_text(entry);
    }
    index = first - 1;
  }
  return out;
}

}  // namespace nimbus::x509
