// Fuzzes the SCEP RA's reading of a pkiMessage (RFC 8894 §3): the bytes any client can POST to
// PKIOperation, before a challenge, a transaction or the store is looked at. OpenSSL's CMS parser,
// the signer found among the carried certificates and its signature checked, the signed
// attributes, the EnvelopedData's cipher read from its DER, and the envelope opened with the RA's
// key. Nothing may crash or leak, and a refusal the responder would answer with a CertRep must hold
// what that CertRep needs.
//
// The seeds are real requests from `nimbus scep` (fuzz/make-scep-seeds), enveloped to the RA of
// the deployment that made them, not to this one: they are refused at the envelope. Mutations of
// what the signature covers (the attributes, the envelope) stop at the signature; those of what it
// does not (the carried certificates, the unsigned fields) go on to the attributes and envelope.
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "core/time.h"
#include "crypto/key.h"
#include "crypto/random.h"
#include "scep/message.h"
#include "x509/certificate_builder.h"
#include "x509/extensions.h"

#include "input_scope.h"

namespace {

using namespace nimbus;
using namespace nimbus::scep;

constexpr std::size_t kNonceSize = 16;  // RFC 8894 §3.2.1.5

// The RA for the whole run, shaped as registration_authority() issues one: RSA (SCEP key
// transport is RSA PKCS#1 v1.5), digitalSignature and keyEncipherment. Self-signed: the decoder
// never looks at who issued it.
struct Ra {
  crypto::PrivateKey key = *crypto::PrivateKey::generate(*crypto::KeySpec::parse("rsa:2048"));
  x509::Certificate certificate = make_certificate();

  x509::Certificate make_certificate() const {
    x509::DistinguishedName name = *x509::DistinguishedName::parse("CN=fuzz SCEP RA");
    x509::CertificateBuilder builder;
    builder.set_subject(name)
        .set_issuer(name)
        .set_serial(*crypto::random_serial())
        .set_validity(now_utc() - std::chrono::hours(1), now_utc() + std::chrono::hours(24 * 365))
        .set_public_key(key.public_key())
        .add_extension(
            x509::key_usage_extension({x509::KeyUsage::kDigitalSignature, x509::KeyUsage::kKeyEncipherment}));
    return *builder.sign(key, crypto::SignatureDigest::kSha256);
  }
};

Ra& ra() {
  static Ra* instance = new Ra();  // never destroyed: the fuzzer exits without unwinding
  return *instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nimbus::fuzz::InputScope scope;
  Ra& r = ra();
  Refusal refusal;
  // The ciphers a responder accepts unless configured for DES.
  auto request = read_request(ByteView(data, size), r.certificate, r.key, kAesCiphers, &refusal);
  if (!request.ok()) {
    if (refusal.reason.empty() || refusal.reason != request.error().message()) __builtin_trap();
    // The responder answers such a refusal with a CertRep to the signer, matched by these two.
    if (refusal.reply_possible &&
        (!refusal.signer || refusal.transaction_id.empty() || refusal.sender_nonce.size() != kNonceSize)) {
      __builtin_trap();
    }
    return 0;
  }
  if (request->transaction_id.empty() || request->sender_nonce.size() != kNonceSize || request->digest.empty()) {
    __builtin_trap();
  }
  return 0;
}
