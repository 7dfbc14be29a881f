// TrustStore: the certificates a relying party trusts, prepared once as the OpenSSL store that
// every chain verification reads.
#pragma once

#include <memory>
#include <vector>

#include "core/result.h"
#include "crypto/handles.h"
#include "x509/certificate.h"

namespace nimbus::x509 {

// Immutable once made; copies share one store. Thread-safe to read and to verify against from
// several threads at once.
class TrustStore {
 public:
  // Every certificate becomes trusted, in order, as it is or with its public key decoded when it
  // holds the key only as encoded SubjectPublicKeyInfo (see Certificate::with_decoded_key: OpenSSL's
  // verifier needs the decoded key). A repeated certificate is harmless. An empty list makes a
  // store that trusts nothing.
  static Result<TrustStore> from(const std::vector<Certificate>& certificates);

  // The trusted certificates as the store holds them (keys decoded), in the order given.
  const std::vector<Certificate>& certificates() const { return shared_->certificates; }

  X509_STORE* get() const { return shared_->store.get(); }

 private:
  struct Shared {
    std::vector<Certificate> certificates;
    crypto::X509StorePtr store;
  };
  explicit TrustStore(std::shared_ptr<const Shared> shared) : shared_(std::move(shared)) {}
  std::shared_ptr<const Shared> shared_;
};

}  // namespace nimbus::x509
