// OCSP CertID (RFC 6960 4.1.1): how requests and responses name a certificate, by its issuer's
// name and key hashes and its serial number; and matching one against certificates and other
// CertIDs.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "core/bytes.h"
#include "core/result.h"
#include "x509/certificate.h"
#include "x509/der_reader.h"

namespace nimbus::x509 {

// The hash algorithms Nimbus makes and matches CertIDs with. SHA-1 is what RFC 5019 clients send
// (and all that many responders answer); the others are answered in kind.
enum class OcspHashAlgorithm { kSha1, kSha256, kSha384, kSha512 };

// A value: cheap to copy (one buffer), immutable, thread-safe to read. It keeps its DER, as made
// or as received, and reads every field out of it.
class OcspCertId {
 public:
  // For `certificate`, which `issuer` issued: the hash of the issuer name as `certificate`
  // encodes it, the hash of the value of `issuer`'s subjectPublicKey BIT STRING, and
  // `certificate`'s serial number (what OpenSSL's OCSP_cert_to_id makes).
  static Result<OcspCertId> for_certificate(const Certificate& certificate, const Certificate& issuer,
                                            OcspHashAlgorithm algorithm = OcspHashAlgorithm::kSha1);
  // For the certificate with serial number `serial` (unsigned, big-endian, as
  // Certificate::serial() gives it) that `issuer` issued.
  static Result<OcspCertId> for_serial(const Certificate& issuer, ByteView serial,
                                       OcspHashAlgorithm algorithm = OcspHashAlgorithm::kSha1);
  // Exactly one DER CertID; kMalformed, saying what and where, otherwise.
  static Result<OcspCertId> parse(ByteView der);
  // The CertID that `reader` reads next as `field`: for the request and response parsers.
  static Result<OcspCertId> read(der::Reader& reader, std::string_view field);

  const Bytes& der() const { return der_; }

  // nullopt for an algorithm other than the four above (a CertID may name any).
  std::optional<OcspHashAlgorithm> hash_algorithm() const;
  // hashAlgorithm's OID, dotted ("1.3.14.3.2.26").
  std::string hash_algorithm_oid() const;
  // OpenSSL's NID for hashAlgorithm; 0 (NID_undef) when OpenSSL does not know it.
  int hash_nid() const;
  ByteView issuer_name_hash() const { return field(name_hash_); }
  ByteView issuer_key_hash() const { return field(key_hash_); }
  // serialNumber as encoded: two's complement, big-endian, minimal.
  ByteView serial_number() const { return field(serial_); }
  // The serial's magnitude, as Certificate::serial() gives it; see negative_serial().
  Bytes serial() const;
  // True for a negative serialNumber, which no conforming CA issues.
  bool negative_serial() const { return (field(serial_)[0] & 0x80) != 0; }

  // True when this CertID names `certificate` issued by `issuer`: its hashes, made with this
  // CertID's algorithm, and its serial match. False for an algorithm Nimbus does not hash with.
  bool matches(const Certificate& certificate, const Certificate& issuer) const;
  // The same CertID: hash algorithm (its parameters aside, as OpenSSL's OCSP_id_cmp compares
  // them), both hashes and the serial number.
  bool operator==(const OcspCertId& other) const;

 private:
  struct Span {
    std::uint32_t offset = 0;
    std::uint32_t size = 0;
  };
  OcspCertId() = default;
  // The fields `reader` holds (a CertID's contents); `encoding` is the whole CertID.
  static Result<OcspCertId> from_contents(der::Reader& reader, ByteView encoding);
  ByteView field(Span span) const { return ByteView(der_).subspan(span.offset, span.size); }

  Bytes der_;
  Span algorithm_;  // contents of the OBJECT IDENTIFIER
  Span name_hash_;
  Span key_hash_;
  Span serial_;  // contents of the INTEGER
};

// An issuer as CertIDs name it, hashed once with every OcspHashAlgorithm: for a responder that
// matches many CertIDs against the same CA. Immutable; thread-safe to read.
class OcspIssuer {
 public:
  static Result<OcspIssuer> from_certificate(const Certificate& issuer);

  // True when `id` names a certificate of this issuer: an algorithm of OcspHashAlgorithm and
  // both hashes match. The serial is not looked at.
  bool issued(const OcspCertId& id) const;

 private:
  struct Hashes {
    Bytes name;
    Bytes key;
  };
  OcspIssuer() = default;
  std::array<Hashes, 4> hashes_;  // indexed by OcspHashAlgorithm
};

}  // namespace nimbus::x509
