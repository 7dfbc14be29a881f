#include "x509/ocsp_fields.h"

#include <openssl/objects.h>

#include <fmt/format.h>

#include "crypto/handles.h"
#include "crypto/object_identifier.h"
#include "crypto/openssl_error.h"
#include "x509/der_writer.h"

namespace nimbus::x509 {

Bytes ocsp_nonce_value(const OcspExtension& nonce) {
  auto wrapped = der::Reader::message(nonce.value, der::kOctetString, "nonce");
  if (!wrapped.ok()) return nonce.value;
  ByteView inner = wrapped->remaining();
  return Bytes(inner.begin(), inner.end());
}

OcspExtension ocsp_nonce_extension(ByteView nonce) {
  return OcspExtension{std::string(kOcspNonceOid), false, der::element(der::kOctetString, nonce)};
}

Result<std::vector<OcspExtension>> read_optional_ocsp_extensions(der::Reader& reader, std::uint8_t tag,
                                                                 std::string_view field) {
  std::vector<OcspExtension> extensions;
  if (!reader.next_is(tag)) return extensions;
  NIMBUS_ASSIGN_OR_RETURN(der::Reader wrapper, reader.enter(tag, field));
  NIMBUS_ASSIGN_OR_RETURN(der::Reader list, wrapper.enter(der::kSequence, ""));
  NIMBUS_TRY(wrapper.expect_end());
  for (int i = 0; !list.at_end(); ++i) {
    NIMBUS_ASSIGN_OR_RETURN(der::Reader extension, list.enter(der::kSequence, "", i));
    NIMBUS_ASSIGN_OR_RETURN(ByteView oid, extension.read_object_identifier("extnID"));
    bool critical = false;
    if (extension.next_is(der::kBoolean)) {
      NIMBUS_ASSIGN_OR_RETURN(critical, extension.read_boolean("critical"));
    }
    NIMBUS_ASSIGN_OR_RETURN(ByteView value, extension.read_octet_string("extnValue"));
    NIMBUS_TRY(extension.expect_end());
    extensions.push_back(OcspExtension{der::dotted_object_identifier(oid), critical, Bytes(value.begin(), value.end())});
  }
  return extensions;
}

Status read_ocsp_version(der::Reader& reader) {
  constexpr std::uint8_t kVersionTag = der::context_tag(0, true);
  if (!reader.next_is(kVersionTag)) return ok_status();
  NIMBUS_ASSIGN_OR_RETURN(der::Reader version, reader.enter(kVersionTag, "version"));
  NIMBUS_ASSIGN_OR_RETURN(int number, version.read_small_integer(der::kInteger, ""));
  if (number != 0) return version.error(fmt::format("version {} is not v1 (0), the only one RFC 6960 defines", number));
  return version.expect_end();
}

Status append_ocsp_extensions(Bytes& out, const std::vector<OcspExtension>& extensions) {
  Bytes list;
  for (const OcspExtension& extension : extensions) {
    crypto::Asn1ObjectPtr object(crypto::is_dotted_oid(extension.oid) ? OBJ_txt2obj(extension.oid.c_str(), 1) : nullptr);
    if (!object) {
      crypto::clear_openssl_errors();
      return Error(ErrorCode::kInvalidArgument, fmt::format("extension OID '{}' is not dotted decimal", extension.oid));
    }
    Bytes contents;
    der::append_element(contents, der::kObjectIdentifier, ByteView(OBJ_get0_data(object.get()), OBJ_length(object.get())));
    if (extension.critical) der::append_element(contents, der::kBoolean, Bytes{0xff});
    der::append_element(contents, der::kOctetString, extension.value);
    der::append_element(list, der::kSequence, contents);
  }
  der::append_element(out, der::kSequence, list);
  return ok_status();
}

}  // namespace nimbus::x509
