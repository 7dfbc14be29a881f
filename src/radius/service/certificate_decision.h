// The decision on a client whose EAP-TLS handshake finished: its chain judged by the verify engine
// with the configured trust and revocation policy (the trust-domain seam: the verifier knows
// nothing of RADIUS), then the network policies. Every outcome carries an NPS reason code.
//
// Thread-safe: decide() is const and runs on many worker threads; set_policies() swaps the
// policies for later decisions (a SIGHUP reload) while decisions under way keep the ones they
// started with.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "radius/packet.h"
#include "radius/service/network_policies.h"
#include "verify/reason_codes.h"
#include "verify/verifier.h"
#include "x509/certificate.h"

namespace nimbus::radius {

struct Decision {
  bool granted = false;
  verify::ReasonCode reason = verify::ReasonCode::kAccepted;
  std::string policy;                 // the policy that decided; empty when none did
  std::vector<Attribute> attributes;  // the policy's, for an Access-Accept
  std::string user_name;              // the identity the certificate proves
  std::string explanation;            // one sentence: why
  std::string fix;                    // what would change a denial; empty on a grant
};

// What the deployment knows of a certificate it issued: its issuer's authority id and its profile.
struct IssuedFacts {
  std::optional<std::string> issuing_ca;
  std::optional<std::string> profile;
};
using IssuedLookup = std::function<IssuedFacts(const x509::Certificate& certificate)>;

class CertificateDecision {
 public:
  // `verifier` must outlive this object. `lookup` may be empty. A resumed session may reuse the
  // grant of the same certificate made less than `resumption_recheck` ago (0: never).
  CertificateDecision(const verify::Verifier& verifier, verify::RevocationPolicy revocation,
                      std::shared_ptr<const NetworkPolicies> policies, IssuedLookup lookup,
                      std::chrono::seconds resumption_recheck = std::chrono::seconds(0));

  // `chain` is the peer's: its certificate first (for a resumed session, the chain of the session
  // it resumed). `facts` holds the NAS and the time; the certificate's fields are filled in here.
  Decision decide(const std::vector<x509::Certificate>& chain, RequestFacts facts, bool resumed = false) const;

  void set_policies(std::shared_ptr<const NetworkPolicies> policies);

 private:
  std::shared_ptr<const NetworkPolicies> policies() const;
  Decision judge(const std::vector<x509::Certificate>& chain, RequestFacts facts) const;

  struct Grant {
    Decision decision;
    Timestamp at;
    std::string nas;
  };
  static constexpr std::size_t kMaxGrants = 65536;

  const verify::Verifier& verifier_;
  verify::RevocationPolicy revocation_;
  IssuedLookup lookup_;
  mutable std::mutex mutex_;  // guards policies_
  std::shared_ptr<const NetworkPolicies> policies_;
  const std::chrono::seconds resumption_recheck_;
  mutable std::map<Bytes, Grant> grants_;  // by the certificate's SHA-256; under mutex_
};

// The identity a certificate proves, as NPS takes it: its UPN, else its e-mail address, else its
// first DNS name, else its subject's common name.
std::string proven_identity(const x509::Certificate& certificate);

}  // namespace nimbus::radius
