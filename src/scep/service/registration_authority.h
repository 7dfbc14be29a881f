// The SCEP registration authority of an issuing CA: a certificate of its own (RSA, digitalSignature
// and keyEncipherment, the Certificate Request Agent EKU), issued by that CA, whose key opens the
// envelopes clients send and signs the CertReps, so that the CA's own key never touches client
// traffic. Kept in {data_dir}/scep/{ca}/ra.pem with its key in the deployment's key store, and
// issued again a month before it expires (node/service_identity.h).
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "crypto/key.h"
#include "node/node.h"
#include "x509/certificate.h"

namespace nimbus::scep {

struct RegistrationAuthority {
  std::string authority_id;
  x509::Certificate certificate;
  crypto::PrivateKey key;
  // The issuing CA's certificate and its issuers up to the root: with the RA's certificate, what
  // GetCACert hands out.
  std::vector<x509::Certificate> ca_chain;
};

// The RA of the issuing CA `authority_id`, kept or issued now.
Result<RegistrationAuthority> registration_authority(node::Node& node, const std::string& authority_id);

}  // namespace nimbus::scep
