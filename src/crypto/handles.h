// Owning handles for OpenSSL objects.
//
// This header and its siblings in src/crypto/ and src/x509/ are the only code that frees OpenSSL
// objects. Everything else holds these handles (or the value types built on them) and lets RAII do
// the rest.
#pragma once

#include <memory>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace nimbus::crypto {

template <typename T, void (*Free)(T*)>
struct OpenSslDeleter {
  void operator()(T* p) const { Free(p); }
};

template <typename T, void (*Free)(T*)>
using OpenSslPtr = std::unique_ptr<T, OpenSslDeleter<T, Free>>;

using BioPtr = OpenSslPtr<BIO, BIO_free_all>;
using EvpPkeyPtr = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using EvpPkeyCtxPtr = OpenSslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using EvpMdCtxPtr = OpenSslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using X509Ptr = OpenSslPtr<X509, X509_free>;
using X509ReqPtr = OpenSslPtr<X509_REQ, X509_REQ_free>;
using X509PubkeyPtr = OpenSslPtr<X509_PUBKEY, X509_PUBKEY_free>;
using X509CrlPtr = OpenSslPtr<X509_CRL, X509_CRL_free>;
using X509RevokedPtr = OpenSslPtr<X509_REVOKED, X509_REVOKED_free>;
using X509NamePtr = OpenSslPtr<X509_NAME, X509_NAME_free>;
using X509ExtensionPtr = OpenSslPtr<X509_EXTENSION, X509_EXTENSION_free>;
using X509StorePtr = OpenSslPtr<X509_STORE, X509_STORE_free>;
using X509StoreCtxPtr = OpenSslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;
using X509AlgorPtr = OpenSslPtr<X509_ALGOR, X509_ALGOR_free>;
using X509SigPtr = OpenSslPtr<X509_SIG, X509_SIG_free>;
using Pkcs8PrivKeyInfoPtr = OpenSslPtr<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free>;
using Asn1ObjectPtr = OpenSslPtr<ASN1_OBJECT, ASN1_OBJECT_free>;
using Asn1IntegerPtr = OpenSslPtr<ASN1_INTEGER, ASN1_INTEGER_free>;
using Asn1TimePtr = OpenSslPtr<ASN1_TIME, ASN1_TIME_free>;
using Asn1OctetStringPtr = OpenSslPtr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;
using BignumPtr = OpenSslPtr<BIGNUM, BN_free>;
using BasicConstraintsPtr = OpenSslPtr<BASIC_CONSTRAINTS, BASIC_CONSTRAINTS_free>;
using AuthorityKeyIdPtr = OpenSslPtr<AUTHORITY_KEYID, AUTHORITY_KEYID_free>;
using Asn1BitStringPtr = OpenSslPtr<ASN1_BIT_STRING, ASN1_BIT_STRING_free>;
using Asn1Ia5StringPtr = OpenSslPtr<ASN1_IA5STRING, ASN1_IA5STRING_free>;
using GeneralNamePtr = OpenSslPtr<GENERAL_NAME, GENERAL_NAME_free>;
using AccessDescriptionPtr = OpenSslPtr<ACCESS_DESCRIPTION, ACCESS_DESCRIPTION_free>;
using DistPointPtr = OpenSslPtr<DIST_POINT, DIST_POINT_free>;
using X509NameEntryPtr = OpenSslPtr<X509_NAME_ENTRY, X509_NAME_ENTRY_free>;
using OcspRequestPtr = OpenSslPtr<OCSP_REQUEST, OCSP_REQUEST_free>;
using OcspResponsePtr = OpenSslPtr<OCSP_RESPONSE, OCSP_RESPONSE_free>;
using OcspBasicResponsePtr = OpenSslPtr<OCSP_BASICRESP, OCSP_BASICRESP_free>;
using OcspCertIdPtr = OpenSslPtr<OCSP_CERTID, OCSP_CERTID_free>;
using Pkcs7Ptr = OpenSslPtr<PKCS7, PKCS7_free>;
using CmsPtr = OpenSslPtr<CMS_ContentInfo, CMS_ContentInfo_free>;
using IssuingDistPointPtr = OpenSslPtr<ISSUING_DIST_POINT, ISSUING_DIST_POINT_free>;
using ExtendedKeyUsagePtr = OpenSslPtr<EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free>;
using Asn1EnumeratedPtr = OpenSslPtr<ASN1_ENUMERATED, ASN1_ENUMERATED_free>;
using Asn1TypePtr = OpenSslPtr<ASN1_TYPE, ASN1_TYPE_free>;


inline void free_general_names(GENERAL_NAMES* names) { GENERAL_NAMES_free(names); }
inline void free_dist_points(CRL_DIST_POINTS* points) { CRL_DIST_POINTS_free(points); }
inline void free_access_info(AUTHORITY_INFO_ACCESS* info) { AUTHORITY_INFO_ACCESS_free(info); }
inline void free_extension_stack(STACK_OF(X509_EXTENSION) * exts) {
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
}
inline void free_openssl_buffer(unsigned char* buffer) { OPENSSL_free(buffer); }
inline void free_x509_stack(STACK_OF(X509) * certs) { sk_X509_pop_free(certs, X509_free); }

using GeneralNamesPtr = OpenSslPtr<GENERAL_NAMES, free_general_names>;
using CrlDistPointsPtr = OpenSslPtr<CRL_DIST_POINTS, free_dist_points>;
using AuthorityInfoAccessPtr = OpenSslPtr<AUTHORITY_INFO_ACCESS, free_access_info>;
using ExtensionStackPtr = OpenSslPtr<STACK_OF(X509_EXTENSION), free_extension_stack>;
using X509StackPtr = OpenSslPtr<STACK_OF(X509), free_x509_stack>;
// Memory OpenSSL allocated (OPENSSL_malloc) or will take ownership of.
using OpenSslBufferPtr = OpenSslPtr<unsigned char, free_openssl_buffer>;

}  // namespace nimbus::crypto
