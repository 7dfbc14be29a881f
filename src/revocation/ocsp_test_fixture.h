// A store with a root and an issuing CA made by ca::Authorities, leaves issued under the issuing
// CA, and the OpenSSL client side of OCSP: what the signer and responder tests share.
// Header-only, like testing/test_support.h: every .cpp under src/ goes into the product.
#pragma once

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ca/authorities.h"
#include "crypto/key_store.h"
#include "pki/certificate_record.h"
#include "revocation/ocsp_signer.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/test_support.h"
#include "x509/certificate_builder.h"
#include "x509/extensions.h"

namespace nimbus::revocation::testing {

using nimbus::testing::dn;
using nimbus::testing::kDay;
using nimbus::testing::kYear;
using nimbus::testing::must;

// Forwards to the SQLite store; can be told to fail every commit.
class FailableStore final : public nimbus::testing::ForwardingStore {
 public:
  explicit FailableStore(store::Store& inner) : ForwardingStore(inner) {}
  std::atomic<bool> fail_writes = false;
  Status write(const std::function<Status(store::StoreWriter&)>& work) override {
    return inner_.write([&](store::StoreWriter& tx) -> Status {
      NIMBUS_TRY(work(tx));
      if (fail_writes) return Error(ErrorCode::kStoreError, "injected commit failure");
      return ok_status();
    });
  }
};

class OcspFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    // The real time, moved forward by tests: OpenSSL's client checks thisUpdate and the signer's
    // validity against the system clock.
    now_ = now_utc();
    sqlite_ = must(store::sqlite::SqliteStore::create(dir_ / "nimbus.db"));
    store_ = std::make_unique<FailableStore>(*sqlite_);
    keys_ = std::make_unique<crypto::FileKeyStore>(dir_ / "keys",
                                                   [] { return Result<Secret>(Secret(std::string("ocsp test"))); });
    authorities_ = std::make_unique<ca::Authorities>(*store_, *keys_, ca::PublicationUrls::from_base("http://pki.test").value(),
                                                     "test:admin", clock());
    root_record_ = must(authorities_->create_root(ca::NewRoot{"root", dn("CN=OCSP Test Root, O=Nimbus Tests"),
                                                              must(crypto::KeySpec::parse("ec:p384")), 20 * kYear}));
    issuing_record_ = must(authorities_->create_issuing(
        ca::NewIssuing{"issuing", "root", dn("CN=OCSP Test Issuing CA, O=Nimbus Tests"),
                       must(crypto::KeySpec::parse("ec:p256")), 5 * kYear}));
    root_ = must(x509::Certificate::from_der(*root_record_.certificate_der));
    issuing_ = must(x509::Certificate::from_der(*issuing_record_.certificate_der));
    issuing_key_ = must(keys_->load(issuing_record_.key_reference));
    signers_ = std::make_unique<OcspSigners>(*store_, *keys_, clock());
  }

  std::function<Timestamp()> clock() {
    return [this] { return now_.load(); };
  }

  // An end-entity certificate the issuing CA signed, recorded in the store as issuance does.
  x509::Certificate issue_leaf(const std::string& common_name) {
    crypto::PrivateKey key = nimbus::testing::make_key();
    x509::CertificateBuilder builder;
    builder.set_subject(dn("CN=" + common_name))
        .set_issuer(issuing().subject())
        .set_serial(must(crypto::random_serial()))
        .set_validity(now_.load() - std::chrono::minutes(5), now_.load() + 365 * kDay)
        .set_public_key(key.public_key())
        .add_extension(x509::key_usage_extension({x509::KeyUsage::kDigitalSignature}))
        .add_extension(x509::authority_key_id_extension(issuing().subject_key_id()));
    x509::Certificate leaf = must(builder.sign(*issuing_key_, issuing_key_->preferred_digest()));
    store::CertificateRecord record = pki::certificate_record(leaf, "issuing", std::nullopt, now_.load());
    record.subject_alt_names = "[]";
    must(store_->write([&](store::StoreWriter& tx) { return tx.insert_certificate(record); }));
    return leaf;
  }

  void revoke(const x509::Certificate& certificate, int reason, Timestamp at) {
    must(store_->write([&](store::StoreWriter& tx) { return tx.revoke_certificate(certificate.serial_hex(), at, reason); }));
  }

  std::size_t audit_count(std::string_view action) {
    std::size_t count = 0;
    for (const store::AuditEvent& event : must(store_->audit_events(1000))) {
      if (event.action == action) ++count;
    }
    return count;
  }

  const x509::Certificate& root() const { return *root_; }
  const x509::Certificate& issuing() const { return *issuing_; }

  nimbus::testing::TempDir dir_;
  std::atomic<Timestamp> now_{};
  std::unique_ptr<store::sqlite::SqliteStore> sqlite_;
  std::unique_ptr<FailableStore> store_;
  std::unique_ptr<crypto::FileKeyStore> keys_;
  std::unique_ptr<ca::Authorities> authorities_;
  store::AuthorityRecord root_record_;
  store::AuthorityRecord issuing_record_;
  std::optional<x509::Certificate> root_;
  std::optional<x509::Certificate> issuing_;
  std::optional<crypto::PrivateKey> issuing_key_;
  std::unique_ptr<OcspSigners> signers_;
};

// ---- The OpenSSL client side ------------------------------------------------------------------

// A CertID for `certificate` issued by `issuer`, hashed with `md` (SHA-1 as clients send).
inline crypto::OcspCertIdPtr cert_id(const x509::Certificate& certificate, const x509::Certificate& issuer,
                                     const EVP_MD* md = EVP_sha1()) {
  crypto::OcspCertIdPtr id(OCSP_cert_to_id(md, certificate.get(), issuer.get()));
  if (!id) throw std::runtime_error("OCSP_cert_to_id failed");
  return id;
}

// A CertID under `issuer` for an arbitrary serial.
inline crypto::OcspCertIdPtr cert_id_for_serial(const x509::Certificate& issuer, const Bytes& serial,
                                                const EVP_MD* md = EVP_sha1()) {
  crypto::Asn1IntegerPtr number(ASN1_INTEGER_new());
  ASN1_STRING_set(number.get(), serial.data(), static_cast<int>(serial.size()));
  crypto::OcspCertIdPtr id(OCSP_cert_id_new(md, X509_get_subject_name(issuer.get()),
                                            X509_get0_pubkey_bitstr(issuer.get()), number.get()));
  if (!id) throw std::runtime_error("OCSP_cert_id_new failed");
  return id;
}

struct RequestOptions {
  bool nonce = false;
  int nonce_length = 32;
};

inline Bytes encode_request(OCSP_REQUEST* request) {
  unsigned char* der = nullptr;
  int size = i2d_OCSP_REQUEST(request, &der);
  crypto::OpenSslBufferPtr owned(der);
  if (size <= 0) throw std::runtime_error("encoding an OCSP request failed");
  return Bytes(der, der + size);
}

// An OCSPRequest for the given CertIDs (their ownership passes to it); keeps the parsed request
// for OCSP_check_nonce.
struct TestRequest {
  crypto::OcspRequestPtr request;
  Bytes der;
};

inline TestRequest make_ocsp_request(std::vector<crypto::OcspCertIdPtr> ids, RequestOptions options = {}) {
  crypto::OcspRequestPtr request(OCSP_REQUEST_new());
  for (crypto::OcspCertIdPtr& id : ids) {
    if (OCSP_request_add0_id(request.get(), id.get()) == nullptr) throw std::runtime_error("add0_id failed");
    id.release();
  }
  if (options.nonce && OCSP_request_add1_nonce(request.get(), nullptr, options.nonce_length) != 1) {
    throw std::runtime_error("adding a nonce failed");
  }
  Bytes der = encode_request(request.get());
  return TestRequest{std::move(request), std::move(der)};
}

// A parsed response: status, and the basic response when successful.
struct ParsedResponse {
  int status = -1;
  crypto::OcspBasicResponsePtr basic;
};

inline ParsedResponse parse_response(const Bytes& der) {
  const unsigned char* cursor = der.data();
  crypto::OcspResponsePtr response(d2i_OCSP_RESPONSE(nullptr, &cursor, static_cast<long>(der.size())));
  if (!response) throw std::runtime_error("the response does not parse");
  ParsedResponse parsed;
  parsed.status = OCSP_response_status(response.get());
  parsed.basic.reset(OCSP_response_get1_basic(response.get()));
  return parsed;
}

// Verifies the response's signature and its signer's delegation up to `trusted`, as a client does.
inline bool verify_response(OCSP_BASICRESP* basic, const std::vector<x509::Certificate>& trusted,
                            unsigned long flags = 0) {
  crypto::X509StorePtr store(X509_STORE_new());
  for (const x509::Certificate& certificate : trusted) X509_STORE_add_cert(store.get(), certificate.get());
  int verified = OCSP_basic_verify(basic, nullptr, store.get(), flags);
  ERR_clear_error();
  return verified == 1;
}

struct SingleStatus {
  int status = -1;
  int reason = -2;
  std::optional<Timestamp> revoked_at;
  Timestamp this_update;
  Timestamp next_update;
  bool valid_now = false;  // OCSP_check_validity with 5 minutes of leeway
};

inline std::optional<SingleStatus> find_status(OCSP_BASICRESP* basic, OCSP_CERTID* id) {
  int status = -1;
  int reason = -1;
  ASN1_GENERALIZEDTIME* revoked = nullptr;
  ASN1_GENERALIZEDTIME* this_update = nullptr;
  ASN1_GENERALIZEDTIME* next_update = nullptr;
  if (OCSP_resp_find_status(basic, id, &status, &reason, &revoked, &this_update, &next_update) != 1) {
    return std::nullopt;
  }
  SingleStatus single;
  single.status = status;
  single.reason = reason;
  if (revoked != nullptr) single.revoked_at = x509::to_timestamp(revoked);
  single.this_update = x509::to_timestamp(this_update);
  if (next_update != nullptr) single.next_update = x509::to_timestamp(next_update);
  single.valid_now = OCSP_check_validity(this_update, next_update, 300, -1) == 1;
  ERR_clear_error();
  return single;
}

// The signer certificate the response carries (the first of its certs).
inline std::optional<x509::Certificate> response_signer(OCSP_BASICRESP* basic) {
  const STACK_OF(X509)* certs = OCSP_resp_get0_certs(basic);
  if (certs == nullptr || sk_X509_num(certs) < 1) return std::nullopt;
  unsigned char* der = nullptr;
  int size = i2d_X509(sk_X509_value(certs, 0), &der);
  crypto::OpenSslBufferPtr owned(der);
  if (size <= 0) return std::nullopt;
  return must(x509::Certificate::from_der(ByteView(der, static_cast<std::size_t>(size))));
}

}  // namespace nimbus::revocation::testing
