#include "store/conformance/store_contents.h"

#include <fmt/format.h>

namespace nimbus::store::conformance {

namespace {

std::string text(const std::optional<std::string>& value) { return value ? "'" + *value + "'" : "-"; }
std::string text(const std::optional<Timestamp>& value) { return value ? format_timestamp(*value) : "-"; }
std::string text(const std::optional<int>& value) { return value ? std::to_string(*value) : "-"; }
std::string text(const std::optional<Bytes>& value) { return value ? to_hex(*value) : "-"; }

std::string line(const AuthorityRecord& a) {
  return fmt::format("authority {} kind={} parent={} subject='{}' key={} ref={} status={} cert={} chain={} created={} "
                     "last_crl={}",
                     a.id, authority_kind_name(a.kind), text(a.parent_id), a.subject, a.key_spec, a.key_reference,
                     authority_status_name(a.status), text(a.certificate_der), text(a.external_chain_pem),
                     format_timestamp(a.created_at), a.last_crl_number);
}

std::string line(const CertificateRecord& c) {
  return fmt::format("certificate {} issuer={} authority={} subject='{}' valid={}..{} sha1={} sha256={} der={} "
                     "status={} revoked={} reason={} issued={} profile={} enrollment={} san={}",
                     c.serial, c.issuer_id, text(c.authority_id), c.subject, format_timestamp(c.not_before),
                     format_timestamp(c.not_after), c.sha1, c.sha256, to_hex(c.der), certificate_status_name(c.status),
                     text(c.revoked_at), text(c.revocation_reason), format_timestamp(c.issued_at), text(c.profile_id),
                     text(c.enrollment_id), c.subject_alt_names);
}

std::string line(const EnrollmentRecord& e) {
  return fmt::format("enrollment {} profile={} v{} variables={} subject='{}' san={} status={} created={} used={} "
                     "serial={}",
                     e.id, e.profile_id, e.profile_version, e.variables, e.subject, e.subject_alt_names,
                     enrollment_status_name(e.status), format_timestamp(e.created_at), text(e.used_at),
                     text(e.certificate_serial));
}

}  // namespace

Result<std::string> store_contents(StoreReader& store) {
  std::string out;
  NIMBUS_ASSIGN_OR_RETURN(auto authorities, store.list_authorities());
  for (const AuthorityRecord& authority : authorities) {
    out += line(authority) + "\n";
    NIMBUS_ASSIGN_OR_RETURN(auto revoked, store.revocations(authority.id));
    for (const RevocationEntry& entry : revoked) {
      out += fmt::format("  revoked {} at={} reason={} not_after={}\n", entry.serial, format_timestamp(entry.revoked_at),
                         entry.reason, format_timestamp(entry.not_after));
    }
    NIMBUS_ASSIGN_OR_RETURN(auto crl, store.latest_crl(authority.id));
    if (crl) {
      out += fmt::format("  crl {} this={} next={} der={}\n", crl->number, format_timestamp(crl->this_update),
                         format_timestamp(crl->next_update), to_hex(crl->der));
    }
    NIMBUS_ASSIGN_OR_RETURN(auto signer, store.current_ocsp_signer(authority.id));
    if (signer) {
      out += fmt::format("  ocsp signer {} ref={} der={} valid={}..{}\n", signer->serial, signer->key_reference,
                         to_hex(signer->certificate_der), format_timestamp(signer->not_before),
                         format_timestamp(signer->not_after));
    }
  }
  CertificateFilter every;
  every.limit = 1'000'000;
  NIMBUS_ASSIGN_OR_RETURN(auto certificates, store.list_certificates(every));
  for (const CertificateRecord& certificate : certificates) out += line(certificate) + "\n";
  NIMBUS_ASSIGN_OR_RETURN(auto profiles, store.list_profiles());
  for (const ProfileRecord& p : profiles) {
    NIMBUS_ASSIGN_OR_RETURN(std::size_t pending, store.count_pending_enrollments(p.id));
    out += fmt::format("profile {} v{} ca={} document='{}' created={} updated={} pending={}\n", p.id, p.version,
                       p.issuing_ca, p.document, format_timestamp(p.created_at), format_timestamp(p.updated_at),
                       pending);
  }
  NIMBUS_ASSIGN_OR_RETURN(auto enrollments, store.list_enrollments(""));
  for (const EnrollmentRecord& enrollment : enrollments) {
    out += line(enrollment) + "\n";
    NIMBUS_ASSIGN_OR_RETURN(auto challenges, store.enrollment_challenges(enrollment.id));
    for (const ChallengeRecord& c : challenges) {
      out += fmt::format("  challenge {} ca={} created={} expires={} status={} used={}\n", c.digest, c.authority_id,
                         format_timestamp(c.created_at), format_timestamp(c.expires_at),
                         challenge_status_name(c.status), text(c.used_at));
    }
  }
  NIMBUS_ASSIGN_OR_RETURN(auto tokens, store.list_api_tokens());
  for (const ApiTokenRecord& t : tokens) {
    out += fmt::format("api token {} '{}' role={} digest={} created={} expires={} revoked={}\n", t.id, t.name,
                       api_role_name(t.role), t.digest, format_timestamp(t.created_at), format_timestamp(t.expires_at),
                       text(t.revoked_at));
  }
  NIMBUS_ASSIGN_OR_RETURN(auto tallies, store.certificate_tallies());
  for (const CertificateTally& tally : tallies) {
    out += fmt::format("tally {} issued={} revoked={}\n", tally.issuer_id, tally.issued, tally.revoked);
  }
  NIMBUS_ASSIGN_OR_RETURN(auto events, store.audit_events(1'000'000));
  for (const AuditEvent& e : events) {
    out += fmt::format("audit {} {} {} {} '{}'\n", format_timestamp(e.at), e.actor, e.action, e.target, e.detail);
  }
  return out;
}

}  // namespace nimbus::store::conformance
