#include "x509/cms_message.h"

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <fmt/format.h>

#include "crypto/bio.h"
#include "crypto/handles.h"
#include "crypto/object_identifier.h"
#include "crypto/openssl_error.h"
#include "x509/der_reader.h"

namespace nimbus::x509 {

namespace {

constexpr std::string_view kAes128CbcOid = "2.16.840.1.101.3.4.1.2";
constexpr std::string_view kAes256CbcOid = "2.16.840.1.101.3.4.1.42";
constexpr std::string_view kDesEde3CbcOid = "1.2.840.113549.3.7";
constexpr std::string_view kDesCbcOid = "1.3.14.3.2.7";

Result<crypto::CmsPtr> parse_cms(ByteView der, int expected_type, std::string_view what) {
  const unsigned char* cursor = der.data();
  crypto::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &cursor, static_cast<long>(der.size())));
  if (!cms) return crypto::openssl_error(ErrorCode::kMalformed, fmt::format("not a DER CMS message ({})", what));
  if (cursor != der.data() + der.size()) {
    return Error(ErrorCode::kMalformed, fmt::format("{} bytes follow the CMS message", der.data() + der.size() - cursor));
  }
  if (OBJ_obj2nid(CMS_get0_type(cms.get())) != expected_type) {
    return Error(ErrorCode::kMalformed, fmt::format("the CMS message is {}, not {}",
                                                    crypto::dotted_oid(CMS_get0_type(cms.get())), what));
  }
  return cms;
}

Result<SignedAttribute> read_attribute(CMS_SignerInfo* signer, std::string_view oid) {
  crypto::Asn1ObjectPtr object(OBJ_txt2obj(std::string(oid).c_str(), 1));
  if (!object) return Error(ErrorCode::kInvalidArgument, fmt::format("'{}' is not an OID", oid));
  int index = CMS_signed_get_attr_by_OBJ(signer, object.get(), -1);
  if (index < 0) return Error(ErrorCode::kNotFound, fmt::format("no signed attribute {}", oid));
  if (CMS_signed_get_attr_by_OBJ(signer, object.get(), index) >= 0) {
    return Error(ErrorCode::kMalformed, fmt::format("the signed attribute {} appears twice", oid));
  }
  X509_ATTRIBUTE* attribute = CMS_signed_get_attr(signer, index);
  if (X509_ATTRIBUTE_count(attribute) != 1) {
    return Error(ErrorCode::kMalformed, fmt::format("the signed attribute {} has {} values, not one", oid,
                                                    X509_ATTRIBUTE_count(attribute)));
  }
  ASN1_TYPE* value = X509_ATTRIBUTE_get0_type(attribute, 0);
  SignedAttribute out;
  out.oid = std::string(oid);
  if (value->type == V_ASN1_PRINTABLESTRING) {
    out.type = SignedAttribute::Type::kPrintableString;
  } else if (value->type == V_ASN1_OCTET_STRING) {
    out.type = SignedAttribute::Type::kOctetString;
  } else {
    return Error(ErrorCode::kMalformed,
                 fmt::format("the signed attribute {} is neither a PrintableString nor an OCTET STRING", oid));
  }
  const ASN1_STRING* string = value->value.asn1_string;
  const unsigned char* data = ASN1_STRING_get0_data(string);
  out.value.assign(data, data + ASN1_STRING_length(string));
  return out;
}

// The content encryption algorithm of an EnvelopedData, read from its DER: OpenSSL has no getter
// for it. ContentInfo { contentType, [0] EnvelopedData { version, [0] originatorInfo OPTIONAL,
// recipientInfos, encryptedContentInfo { contentType, contentEncryptionAlgorithm, ... } } }.
Result<std::string> content_encryption_oid(ByteView der) {
  NIMBUS_ASSIGN_OR_RETURN(der::Reader content_info, der::Reader::message(der, der::kSequence, "ContentInfo"));
  NIMBUS_TRY(content_info.read_object_identifier("contentType"));
  NIMBUS_ASSIGN_OR_RETURN(der::Reader explicit_content, content_info.enter(der::context_tag(0, true), "content"));
  NIMBUS_ASSIGN_OR_RETURN(der::Reader enveloped, explicit_content.enter(der::kSequence, "EnvelopedData"));
  NIMBUS_TRY(enveloped.read_integer("version"));
  if (enveloped.next_is(der::context_tag(0, true))) NIMBUS_TRY(enveloped.read_any("originatorInfo"));
  NIMBUS_TRY(enveloped.read_any("recipientInfos"));
  NIMBUS_ASSIGN_OR_RETURN(der::Reader encrypted, enveloped.enter(der::kSequence, "encryptedContentInfo"));
  NIMBUS_TRY(encrypted.read_object_identifier("contentType"));
  NIMBUS_ASSIGN_OR_RETURN(der::AlgorithmIdentifier algorithm,
                          encrypted.read_algorithm_identifier("contentEncryptionAlgorithm"));
  return der::dotted_object_identifier(algorithm.oid);
}

const EVP_CIPHER* cipher_of(ContentCipher cipher) {
  switch (cipher) {
    case ContentCipher::kAes128Cbc: return EVP_aes_128_cbc();
    case ContentCipher::kAes256Cbc: return EVP_aes_256_cbc();
    case ContentCipher::kDesEde3Cbc: return EVP_des_ede3_cbc();
    case ContentCipher::kDesCbc: return EVP_des_cbc();
  }
  return nullptr;
}

// A reference of our own to a certificate a CMS structure holds, alive after the structure is freed.
crypto::X509Ptr shared_reference(X509* certificate) {
  X509_up_ref(certificate);
  return crypto::X509Ptr(certificate);
}

}  // namespace

std::string_view content_cipher_name(ContentCipher cipher) {
  switch (cipher) {
    case ContentCipher::kAes128Cbc: return "AES-128-CBC";
    case ContentCipher::kAes256Cbc: return "AES-256-CBC";
    case ContentCipher::kDesEde3Cbc: return "DES-EDE3-CBC";
    case ContentCipher::kDesCbc: return "DES-CBC";
  }
  return "";
}

const SignedAttribute* SignedMessage::find(std::string_view oid) const {
  for (const SignedAttribute& attribute : attributes) {
    if (attribute.oid == oid) return &attribute;
  }
  return nullptr;
}

Result<SignedMessage> open_signed_message(ByteView der, std::span<const std::string_view> wanted_oids) {
  NIMBUS_ASSIGN_OR_RETURN(crypto::CmsPtr cms, parse_cms(der, NID_pkcs7_signed, "SignedData"));
  STACK_OF(CMS_SignerInfo)* signers = CMS_get0_SignerInfos(cms.get());
  if (sk_CMS_SignerInfo_num(signers) != 1) {
    return Error(ErrorCode::kMalformed,
                 fmt::format("the SignedData has {} signers, not one", sk_CMS_SignerInfo_num(signers)));
  }
  ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
  if (content == nullptr || *content == nullptr) {
    return Error(ErrorCode::kMalformed, "the SignedData carries no content (a detached signature)");
  }
  crypto::X509StackPtr carried(CMS_get1_certs(cms.get()));
  crypto::BioPtr out = crypto::memory_writer();
  // The signer is found among the message's own certificates and its signature verified; no
  // chain is built (CMS_NO_SIGNER_CERT_VERIFY): the caller decides whom to believe.
  if (CMS_verify(cms.get(), nullptr, nullptr, nullptr, out.get(), CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) != 1) {
    return crypto::openssl_error(ErrorCode::kPermissionDenied, "the SignedData's signature does not verify");
  }
  CMS_SignerInfo* signer = sk_CMS_SignerInfo_value(signers, 0);
  X509* signer_certificate = nullptr;
  X509_ALGOR* digest_algorithm = nullptr;
  CMS_SignerInfo_get0_algs(signer, nullptr, &signer_certificate, &digest_algorithm, nullptr);
  if (signer_certificate == nullptr) {
    return Error(ErrorCode::kPermissionDenied, "the signer's certificate is not in the SignedData");
  }

  // References, not copies: a copy (X509_dup) encodes the certificate and decodes it again, public
  // key and all, which costs more than the signature check.
  SignedMessage message{crypto::bio_contents(out.get()), Certificate::adopt(shared_reference(signer_certificate)), {}, {},
                        {}};
  for (int i = 0; carried && i < sk_X509_num(carried.get()); ++i) {
    message.certificates.push_back(Certificate::adopt(shared_reference(sk_X509_value(carried.get(), i))));
  }
  const ASN1_OBJECT* digest_object = nullptr;
  X509_ALGOR_get0(&digest_object, nullptr, nullptr, digest_algorithm);
  message.digest = OBJ_nid2sn(OBJ_obj2nid(digest_object));
  for (std::string_view oid : wanted_oids) {
    auto attribute = read_attribute(signer, oid);
    if (attribute.ok()) {
      message.attributes.push_back(std::move(attribute).value());
    } else if (attribute.error().code() != ErrorCode::kNotFound) {
      return attribute.error();
    }
  }
  crypto::clear_openssl_errors();
  return message;
}

Result<Bytes> make_signed_message(const SigningRequest& request) {
  if (request.signer == nullptr || request.key == nullptr) {
    return Error(ErrorCode::kInvalidArgument, "a signed message needs a signer and its key");
  }
  constexpr unsigned kFlags = CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
  crypto::X509StackPtr certificates(sk_X509_new_null());
  for (const Certificate& certificate : request.certificates) {
    X509_up_ref(certificate.get());
    sk_X509_push(certificates.get(), certificate.get());
  }
  crypto::CmsPtr cms(CMS_sign(nullptr, nullptr, certificates.get(), nullptr, kFlags));
  if (!cms) return crypto::openssl_error(ErrorCode::kCryptoError, "cannot start a SignedData");
  CMS_SignerInfo* signer = CMS_add1_signer(cms.get(), request.signer->get(), request.key->get(),
                                           crypto::evp_digest(request.digest), kFlags);
  if (signer == nullptr) return crypto::openssl_error(ErrorCode::kInvalidArgument, "the key cannot sign the SignedData");
  for (const SignedAttribute& attribute : request.attributes) {
    crypto::Asn1ObjectPtr object(OBJ_txt2obj(attribute.oid.c_str(), 1));
    int type = attribute.type == SignedAttribute::Type::kPrintableString ? V_ASN1_PRINTABLESTRING : V_ASN1_OCTET_STRING;
    if (!object || CMS_signed_add1_attr_by_OBJ(signer, object.get(), type, attribute.value.data(),
                                               static_cast<int>(attribute.value.size())) != 1) {
      return crypto::openssl_error(ErrorCode::kInvalidArgument,
                                   fmt::format("the signed attribute {} cannot be added", attribute.oid));
    }
  }
  // An empty read-only BIO cannot be made over no bytes: an empty growable one reads as empty.
  crypto::BioPtr content = request.content.empty() ? crypto::memory_writer() : crypto::memory_reader(request.content);
  if (CMS_final(cms.get(), content.get(), nullptr, kFlags) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "cannot sign the SignedData");
  }
  unsigned char* der = nullptr;
  int size = i2d_CMS_ContentInfo(cms.get(), &der);
  if (size <= 0) return crypto::openssl_error(ErrorCode::kCryptoError, "cannot encode the SignedData");
  crypto::OpenSslPtr<unsigned char, crypto::free_openssl_buffer> owned(der);
  return Bytes(der, der + size);
}

std::optional<ContentCipher> envelope_cipher(ByteView der) {
  auto oid = content_encryption_oid(der);
  if (!oid.ok()) return std::nullopt;
  if (*oid == kAes128CbcOid) return ContentCipher::kAes128Cbc;
  if (*oid == kAes256CbcOid) return ContentCipher::kAes256Cbc;
  if (*oid == kDesEde3CbcOid) return ContentCipher::kDesEde3Cbc;
  if (*oid == kDesCbcOid) return ContentCipher::kDesCbc;
  return std::nullopt;
}

Result<Bytes> seal_envelope(ByteView content, const Certificate& recipient, ContentCipher cipher) {
  crypto::X509StackPtr recipients(sk_X509_new_null());
  X509_up_ref(recipient.get());
  sk_X509_push(recipients.get(), recipient.get());
  crypto::BioPtr in = crypto::memory_reader(content);
  crypto::CmsPtr cms(CMS_encrypt(recipients.get(), in.get(), cipher_of(cipher), CMS_BINARY));
  if (!cms) return crypto::openssl_error(ErrorCode::kInvalidArgument, "cannot encrypt to the recipient's certificate");
  unsigned char* der = nullptr;
  int size = i2d_CMS_ContentInfo(cms.get(), &der);
  if (size <= 0) return crypto::openssl_error(ErrorCode::kCryptoError, "cannot encode the EnvelopedData");
  crypto::OpenSslPtr<unsigned char, crypto::free_openssl_buffer> owned(der);
  return Bytes(der, der + size);
}

Result<OpenedEnvelope> open_envelope(ByteView der, const Certificate& recipient, const crypto::PrivateKey& key) {
  NIMBUS_ASSIGN_OR_RETURN(crypto::CmsPtr cms, parse_cms(der, NID_pkcs7_enveloped, "EnvelopedData"));
  OpenedEnvelope opened;
  opened.cipher = envelope_cipher(der);
  crypto::BioPtr out = crypto::memory_writer();
  // CMS_DEBUG_DECRYPT off (the default): a wrong key yields random content rather than an error
  // in OpenSSL's RSA PKCS#1 v1.5 path (the Bleichenbacher defence), so a failure here means the
  // envelope is not addressed to this certificate, or its content does not decrypt.
  if (CMS_decrypt(cms.get(), key.get(), recipient.get(), nullptr, out.get(), CMS_BINARY) != 1) {
    return crypto::openssl_error(ErrorCode::kPermissionDenied, "the EnvelopedData does not decrypt with this key");
  }
  opened.content = crypto::bio_contents(out.get());
  return opened;
}

}  // namespace nimbus::x509
