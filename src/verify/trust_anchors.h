// TrustAnchors: the self-signed certificates a relying party trusts, prepared once as the
// OpenSSL store every verification reads. Immutable; thread-safe to share.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "x509/certificate.h"
#include "x509/trust_store.h"

namespace nimbus::verify {

class TrustAnchors {
 public:
  // Every certificate becomes an anchor. kInvalidArgument when `anchors` is empty.
  static Result<TrustAnchors> from(std::vector<x509::Certificate> anchors);
  // Reads anchors from a PEM or DER file, or from every *.pem, *.crt, *.cer and *.der file of a
  // directory.
  static Result<TrustAnchors> load(const std::string& path);

  const std::vector<x509::Certificate>& certificates() const { return store_.certificates(); }
  const x509::TrustStore& store() const { return store_; }

 private:
  explicit TrustAnchors(x509::TrustStore store) : store_(std::move(store)) {}
  x509::TrustStore store_;
};

}  // namespace nimbus::verify
