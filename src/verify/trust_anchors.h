// TrustAnchors: the self-signed certificates a relying party trusts, prepared once as the
// OpenSSL store every verification reads. Immutable; thread-safe to share.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "crypto/handles.h"
#include "x509/certificate.h"

namespace nimbus::verify {

class TrustAnchors {
 public:
  // Every certificate becomes an anchor. kInvalidArgument when `anchors` is empty.
  static Result<TrustAnchors> from(std::vector<x509::Certificate> anchors);
  // Reads anchors from a PEM or DER file, or from every *.pem, *.crt, *.cer and *.der file of a
  // directory.
  static Result<TrustAnchors> load(const std::string& path);

  const std::vector<x509::Certificate>& certificates() const { return shared_->certificates; }
  X509_STORE* store() const { return shared_->store.get(); }

 private:
  struct Shared {
    std::vector<x509::Certificate> certificates;
    crypto::X509StorePtr store;
  };
  explicit TrustAnchors(std::shared_ptr<const Shared> shared) : shared_(std::move(shared)) {}
  std::shared_ptr<const Shared> shared_;
};

}  // namespace nimbus::verify
