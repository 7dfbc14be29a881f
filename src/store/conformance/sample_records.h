// Records for store tests: plausible values for every field, so that a test states only what it
// is about. Test-only; shared by the conformance suite and each implementation's own tests.
#pragma once

#include <cstdint>
#include <string>

#include "core/time.h"
#include "store/records.h"

namespace nimbus::store::conformance {

// The time the samples are made at, as the tests write it.
Timestamp sample_time(const char* rfc3339);

// An active root authority with a certificate, created at `created`.
AuthorityRecord root_record(const std::string& id, Timestamp created = sample_time("2026-01-01T00:00:00Z"));
// An active issuing authority under `parent`.
AuthorityRecord issuing_record(const std::string& id, const std::string& parent,
                               Timestamp created = sample_time("2026-01-02T00:00:00Z"));

// A valid certificate of `issuer`, valid through 2026, whose thumbprints derive from the serial
// (so two samples never share one).
CertificateRecord certificate_record(const std::string& serial, const std::string& issuer);

// CRL number `number` of `authority`, issued `number` hours after 2026-03-01.
CrlRecord crl_record(const std::string& authority, std::uint64_t number);

// A profile issued by the authority "issuing".
ProfileRecord profile_record(const std::string& id, std::uint64_t version, const std::string& document,
                             Timestamp when = sample_time("2026-02-01T00:00:00Z"));

// A pending enrollment for alice under `profile`, version 1.
EnrollmentRecord enrollment_record(const std::string& id, const std::string& profile,
                                   Timestamp created = sample_time("2026-02-02T00:00:00Z"));

// A delegated OCSP signer of `authority` whose certificate is the stored certificate `serial`.
OcspSignerRecord ocsp_signer_record(const std::string& authority, const std::string& serial,
                                    Timestamp not_after);

}  // namespace nimbus::store::conformance
