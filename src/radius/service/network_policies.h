// Network policies: after the chain is accepted, the first policy whose conditions all hold decides
// whether access is granted and which attributes the Access-Accept carries — as NPS network policies
// do, in their processing order.
//
// Immutable once built; thread-safe to share. A reload builds a new set.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "core/result.h"
#include "core/time.h"
#include "radius/packet.h"
#include "radius/service/settings.h"

namespace nimbus::radius {

// What a policy's conditions are tested against.
struct RequestFacts {
  std::string nas;                          // the NAS client's name
  boost::asio::ip::address nas_address;
  std::optional<std::string> issuing_ca;    // the issuer's Nimbus authority id, when it is one
  std::string issuer;                       // the issuer's subject DN
  std::optional<std::string> profile;       // the Nimbus profile of the certificate, when known
  std::vector<std::string> ekus;            // dotted OIDs
  std::string subject;                      // the subject DN
  std::vector<std::string> sans;            // "DNS:x", "email:x", "UPN:x", "URI:x"
  Timestamp at;
};

struct PolicyMatch {
  std::string name;
  bool grant = true;
  std::vector<Attribute> attributes;
};

class NetworkPolicies {
 public:
  // kInvalidArgument when an attribute does not encode (settings were read without the dictionary).
  static Result<NetworkPolicies> build(const std::vector<NetworkPolicySettings>& settings);

  // The first policy that matches; nullopt when none does. With no policies configured at all,
  // every request matches an implicit policy "default" that grants without attributes.
  std::optional<PolicyMatch> match(const RequestFacts& facts) const;

  // Whether some policy tests the profile or the issuing authority by id: what needs a store
  // lookup, which the caller skips otherwise.
  bool needs_issued_facts() const;

 private:
  struct Policy {
    NetworkPolicySettings settings;
    std::vector<Attribute> attributes;
  };
  std::vector<Policy> policies_;
};

// `*` matches any run of characters, `?` one; case-insensitive for ASCII letters.
bool glob_matches(std::string_view pattern, std::string_view text);

}  // namespace nimbus::radius
