#include "x509/csr.h"

#include <openssl/pem.h>

#include <fmt/format.h>

#include "crypto/bio.h"
#include "crypto/openssl_error.h"
#include "x509/extensions.h"
#include "x509/general_names.h"
#include "x509/single_object.h"

namespace nimbus::x509 {

CertificateRequest CertificateRequest::adopt(crypto::X509ReqPtr request) {
  auto shared = std::make_shared<Shared>();
  unsigned char* der = nullptr;
  int size = i2d_X509_REQ(request.get(), &der);
  if (size > 0) {
    shared->der.assign(der, der + size);
    OPENSSL_free(der);
  }
  shared->request = std::move(request);
  return CertificateRequest(std::move(shared));
}

Result<CertificateRequest> CertificateRequest::parse(ByteView data) {
  Bytes der_storage;
  ByteView der = data;
  if (crypto::looks_like_pem(data)) {
    NIMBUS_ASSIGN_OR_RETURN(std::vector<crypto::PemBlock> blocks, crypto::read_pem_blocks(data));
    if (blocks.empty()) return Error(ErrorCode::kMalformed, "no complete PEM block found");
    std::size_t requests = 0;
    for (crypto::PemBlock& block : blocks) {
      if (block.name != "CERTIFICATE REQUEST" && block.name != "NEW CERTIFICATE REQUEST") continue;
      if (requests++ == 0) der_storage = std::move(block.der);
    }
    if (requests == 0) {
      return Error(ErrorCode::kMalformed,
                   fmt::format("expected a CERTIFICATE REQUEST PEM block, found '{}'", blocks.front().name));
    }
    if (requests > 1) return several_objects(requests, "certificate requests");
    der = der_storage;
  }
  const unsigned char* cursor = der.data();
  crypto::X509ReqPtr request(d2i_X509_REQ(nullptr, &cursor, static_cast<long>(der.size())));
  if (!request) {
    return crypto::openssl_error(ErrorCode::kMalformed, "not a DER-encoded PKCS#10 request");
  }
  if (cursor != der.data() + der.size()) {
    ByteView rest = der.subspan(static_cast<std::size_t>(cursor - der.data()));
    if (std::size_t more = count_der_objects<crypto::X509ReqPtr>(rest, d2i_X509_REQ); more > 0) {
      return several_objects(1 + more, "certificate requests");
    }
    return Error(ErrorCode::kMalformed, fmt::format("{} unexpected bytes follow the request", rest.size()));
  }
  if (X509_REQ_get0_pubkey(request.get()) == nullptr) {
    return crypto::openssl_error(ErrorCode::kMalformed, "the request's public key cannot be read");
  }
  return adopt(std::move(request));
}

Result<CertificateRequest> CertificateRequest::create_for_ca(const DistinguishedName& subject,
                                                             const crypto::PrivateKey& key) {
  crypto::X509ReqPtr request(X509_REQ_new());
  if (!request || X509_REQ_set_version(request.get(), X509_REQ_VERSION_1) != 1 ||
      X509_REQ_set_subject_name(request.get(), subject.get()) != 1 ||
      X509_REQ_set_pubkey(request.get(), key.get()) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "assembling the request failed");
  }
  NIMBUS_ASSIGN_OR_RETURN(crypto::X509ExtensionPtr constraints, basic_constraints_extension(true, 0));
  NIMBUS_ASSIGN_OR_RETURN(crypto::X509ExtensionPtr usage,
                          key_usage_extension({KeyUsage::kKeyCertSign, KeyUsage::kCrlSign}));
  crypto::ExtensionStackPtr extensions(sk_X509_EXTENSION_new_null());
  sk_X509_EXTENSION_push(extensions.get(), constraints.release());
  sk_X509_EXTENSION_push(extensions.get(), usage.release());
  if (X509_REQ_add_extensions(request.get(), extensions.get()) != 1 ||
      X509_REQ_sign(request.get(), key.get(), crypto::evp_digest(key.preferred_digest())) <= 0) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "signing the request failed");
  }
  return adopt(std::move(request));
}

Result<CertificateRequest> CertificateRequest::create_for_enrollment(
    const DistinguishedName& subject, const crypto::PrivateKey& key, crypto::SignatureDigest digest,
    const std::optional<std::string>& challenge_password, const std::vector<std::string>& dns_names) {
  crypto::X509ReqPtr request(X509_REQ_new());
  if (!request || X509_REQ_set_version(request.get(), X509_REQ_VERSION_1) != 1 ||
      X509_REQ_set_subject_name(request.get(), subject.get()) != 1 ||
      X509_REQ_set_pubkey(request.get(), key.get()) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "assembling the request failed");
  }
  if (challenge_password &&
      X509_REQ_add1_attr_by_NID(request.get(), NID_pkcs9_challengePassword, MBSTRING_UTF8,
                                reinterpret_cast<const unsigned char*>(challenge_password->data()),
                                static_cast<int>(challenge_password->size())) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "adding the challenge password failed");
  }
  if (!dns_names.empty()) {
    std::vector<AltName> names;
    for (const std::string& name : dns_names) names.push_back({AltNameType::kDns, name});
    NIMBUS_ASSIGN_OR_RETURN(crypto::X509ExtensionPtr alt_names, subject_alt_name_extension(names, subject.empty()));
    crypto::ExtensionStackPtr extensions(sk_X509_EXTENSION_new_null());
    sk_X509_EXTENSION_push(extensions.get(), alt_names.release());
    if (X509_REQ_add_extensions(request.get(), extensions.get()) != 1) {
      return crypto::openssl_error(ErrorCode::kCryptoError, "adding the alternative names failed");
    }
  }
  if (X509_REQ_sign(request.get(), key.get(), crypto::evp_digest(digest)) <= 0) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "signing the request failed");
  }
  return adopt(std::move(request));
}

Status CertificateRequest::verify_signature() const {
  if (X509_REQ_verify(get(), X509_REQ_get0_pubkey(get())) != 1) {
    return crypto::openssl_error(ErrorCode::kPolicyViolation,
                                 "the request's signature does not verify with its own key");
  }
  return ok_status();
}

std::optional<crypto::SignatureDigest> CertificateRequest::signature_digest() const {
  int digest_nid = NID_undef;
  if (OBJ_find_sigid_algs(X509_REQ_get_signature_nid(get()), &digest_nid, nullptr) != 1) return std::nullopt;
  switch (digest_nid) {
    case NID_sha256: return crypto::SignatureDigest::kSha256;
    case NID_sha384: return crypto::SignatureDigest::kSha384;
    case NID_sha512: return crypto::SignatureDigest::kSha512;
    default: return std::nullopt;
  }
}

std::string CertificateRequest::signature_algorithm() const {
  const char* name = OBJ_nid2ln(X509_REQ_get_signature_nid(get()));
  return name != nullptr ? name : "unknown";
}

std::optional<std::string> CertificateRequest::challenge_password() const {
  int index = X509_REQ_get_attr_by_NID(get(), NID_pkcs9_challengePassword, -1);
  if (index < 0 || X509_REQ_get_attr_by_NID(get(), NID_pkcs9_challengePassword, index) >= 0) return std::nullopt;
  X509_ATTRIBUTE* attribute = X509_REQ_get_attr(get(), index);
  if (attribute == nullptr || X509_ATTRIBUTE_count(attribute) != 1) return std::nullopt;
  const ASN1_TYPE* value = X509_ATTRIBUTE_get0_type(attribute, 0);
  if (value == nullptr) return std::nullopt;
  switch (value->type) {
    case V_ASN1_PRINTABLESTRING:
    case V_ASN1_UTF8STRING:
    case V_ASN1_IA5STRING:
    case V_ASN1_T61STRING: {
      const ASN1_STRING* text = value->value.asn1_string;
      return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                         static_cast<std::size_t>(ASN1_STRING_length(text)));
    }
    default: return std::nullopt;
  }
}

DistinguishedName CertificateRequest::subject() const {
  return DistinguishedName::from_openssl(X509_REQ_get_subject_name(get()));
}

Result<std::vector<std::string>> CertificateRequest::requested_subject_alt_names() const {
  crypto::ExtensionStackPtr extensions(X509_REQ_get_extensions(get()));
  if (!extensions) return std::vector<std::string>();
  int index = X509v3_get_ext_by_NID(extensions.get(), NID_subject_alt_name, -1);
  if (index < 0) return std::vector<std::string>();
  if (X509v3_get_ext_by_NID(extensions.get(), NID_subject_alt_name, index) >= 0) {
    return Error(ErrorCode::kInvalidArgument, "the request asks for subjectAltName twice");
  }
  crypto::GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(X509v3_get_ext(extensions.get(), index))));
  if (!names) return Error(ErrorCode::kInvalidArgument, "the request's subjectAltName does not decode");
  return alt_name_strings(names.get());
}

crypto::PublicKey CertificateRequest::public_key() const {
  return crypto::PublicKey::from_received(X509_REQ_get_X509_PUBKEY(get()));
}

std::string CertificateRequest::pem() const {
  crypto::BioPtr out = crypto::memory_writer();
  PEM_write_bio_X509_REQ(out.get(), get());
  return crypto::bio_text(out.get());
}

}  // namespace nimbus::x509
