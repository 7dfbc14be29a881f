// The doctor's checks, one family per file, each adding to an Examination (doctor.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "doctor/doctor.h"
#include "store/records.h"
#include "x509/certificate.h"

namespace nimbus::doctor {

// An authority that has a certificate, with what the checks need of it.
struct CheckedAuthority {
  store::AuthorityRecord record;
  x509::Certificate certificate;
  std::vector<x509::Certificate> external_chain;  // the enterprise issuers, for an external parent
};

class Checks {
 public:
  Checks(const DoctorInput& input, Examination& examination) : input_(input), examination_(examination) {}

  // Published URLs, fetched (publication_checks.cpp).
  void aia(const CheckedAuthority& authority);
  void cdp(const CheckedAuthority& authority);
  void ocsp(const CheckedAuthority& authority);
  void scep(const CheckedAuthority& authority);

  // Certificates as stored (certificate_checks.cpp).
  void chain_locations(const CheckedAuthority& authority);
  void expiry(const CheckedAuthority& authority);
  void ocsp_signer(const CheckedAuthority& authority);

  void pass(std::string line) { examination_.passed.push_back(std::move(line)); }
  void find(Finding finding) { examination_.findings.push_back(std::move(finding)); }

 private:
  // The answer to a GET of `url`, or nothing after a finding that says why it failed.
  std::optional<Bytes> fetch(const std::string& check, const std::string& authority, const std::string& url,
                             std::optional<Bytes> post_body = std::nullopt, std::string content_type = {});

  const DoctorInput& input_;
  Examination& examination_;
};

}  // namespace nimbus::doctor
