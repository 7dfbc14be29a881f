#include "profile/profile.h"

#include <filesystem>
#include <map>
#include <optional>

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::profile {
namespace {

using x509::KeyUsage;

// The smallest profile there is: only the required fields.
constexpr std::pair<std::string_view, std::string_view> kMinimalFields[] = {
    {"id", "id: user-vpn"},
    {"issuing_ca", "issuing_ca: nimbus-demo-issuing-ca"},
    {"type", "type: user"},
    {"subject", "subject: \"CN={{UserName}}\""},
    {"key_usage", "key_usage: [digital_signature]"},
    {"extended_key_usage", "extended_key_usage: [client_auth]"},
};

// The minimal profile with some fields' lines replaced (an empty line drops the field) and any other
// lines appended.
std::string profile_with(std::map<std::string_view, std::string_view> changes = {}) {
  std::string yaml;
  for (const auto& [field, line] : kMinimalFields) {
    auto change = changes.find(field);
    std::string_view text = change == changes.end() ? line : change->second;
    if (change != changes.end()) changes.erase(change);
    if (!text.empty()) yaml += std::string(text) + "\n";
  }
  for (const auto& [field, line] : changes) yaml += std::string(line) + "\n";
  return yaml;
}

struct Refusal {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

Refusal refusal(std::string_view yaml) {
  auto profile = parse_profile(yaml);
  if (profile.ok()) {
    ADD_FAILURE() << "parsed unexpectedly:\n" << yaml;
    return {};
  }
  return {profile.error().code(), profile.error().message()};
}

// Checks that `yaml` is refused with `code` and a message starting with `start`.
void expect_refused(std::string_view yaml, ErrorCode code, std::string_view start) {
  Refusal refused = refusal(yaml);
  EXPECT_EQ(refused.code, code) << refused.message;
  EXPECT_TRUE(refused.message.starts_with(start)) << "expected '" << start << "...', got: " << refused.message;
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

std::filesystem::path examples_dir() {
  return std::filesystem::path(__FILE__).parent_path() / "../../examples/profiles";
}

// ---- Reading ----------------------------------------------------------------------------------

TEST(Profile, MinimalProfileTakesDefaults) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(Profile profile, parse_profile(profile_with()));
  EXPECT_EQ(profile.id, "user-vpn");
  EXPECT_EQ(profile.description, "");
  EXPECT_EQ(profile.issuing_ca, "nimbus-demo-issuing-ca");
  EXPECT_EQ(profile.type, CertificateType::kUser);
  EXPECT_EQ(profile.subject, "CN={{UserName}}");
  EXPECT_TRUE(profile.subject_alt_names.empty());
  EXPECT_EQ(profile.validity, std::chrono::hours(24 * 365));
  EXPECT_EQ(profile.key_usage, std::vector<KeyUsage>{KeyUsage::kDigitalSignature});
  EXPECT_EQ(profile.extended_key_usage, std::vector<std::string>{"1.3.6.1.5.5.7.3.2"});
  EXPECT_EQ(profile.key, KeyPolicy{});
  EXPECT_EQ(profile.hashes, std::vector<crypto::SignatureDigest>{crypto::SignatureDigest::kSha256});
  EXPECT_EQ(profile.renewal_threshold_percent, 20);
  EXPECT_EQ(profile.key_storage, KeyStorage::kTpmPreferred);
  EXPECT_EQ(profile.strong_mapping, StrongMapping::kNone);
  EXPECT_TRUE(profile.custom_variables.empty());
}

TEST(Profile, ReadsEveryField) {
  std::string yaml = R"(
id: device-wifi-2
description: |
  Wi-Fi for kiosks.
  Second line.
issuing_ca: contoso-issuing-ca
type: device
subject: "CN={{ DeviceName }}, OU={{Site}}, O=Contoso\\, Inc."
subject_alt_names:
  - type: dns
    value: "{{DeviceName}}.corp.example.net"
  - {type: uri, value: "urn:device:{{AAD_Device_ID}}"}
  - {type: upn, value: "host/{{DeviceName}}@CORP.EXAMPLE.NET"}
  - {type: email, value: "kiosks@example.net"}
validity: 72h
key_usage: [digital_signature, key_agreement]
extended_key_usage: [client_auth, server_auth, "1.3.6.1.4.1.311.20.2.2", 1.2.840.113556.1.8000.2554.1]
key:
  algorithms: [ec]
  rsa_min_bits: 3072
  rsa_max_bits: 3072
  ec_curves: [p384]
hash: [sha384, sha512]
renewal_threshold: 35%
key_storage: tpm-required
strong_mapping: sid_extension
custom_variables: [Site]
)";
  NIMBUS_ASSERT_OK_AND_ASSIGN(Profile profile, parse_profile(yaml));
  EXPECT_EQ(profile.id, "device-wifi-2");
  EXPECT_EQ(profile.description, "Wi-Fi for kiosks.\nSecond line.\n");
  EXPECT_EQ(profile.issuing_ca, "contoso-issuing-ca");
  EXPECT_EQ(profile.type, CertificateType::kDevice);
  EXPECT_EQ(profile.subject, "CN={{ DeviceName }}, OU={{Site}}, O=Contoso\\, Inc.");
  ASSERT_EQ(profile.subject_alt_names.size(), 4u);
  EXPECT_EQ(profile.subject_alt_names[0], (SanTemplate{SanType::kDns, "{{DeviceName}}.corp.example.net"}));
  EXPECT_EQ(profile.subject_alt_names[1], (SanTemplate{SanType::kUri, "urn:device:{{AAD_Device_ID}}"}));
  EXPECT_EQ(profile.subject_alt_names[2].type, SanType::kUpn);
  EXPECT_EQ(profile.subject_alt_names[3], (SanTemplate{SanType::kEmail, "kiosks@example.net"}));
  EXPECT_EQ(profile.validity, std::chrono::hours(72));
  EXPECT_EQ(profile.key_usage, (std::vector<KeyUsage>{KeyUsage::kDigitalSignature, KeyUsage::kKeyAgreement}));
  EXPECT_EQ(profile.extended_key_usage,
            (std::vector<std::string>{"1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.1", "1.3.6.1.4.1.311.20.2.2",
                                      "1.2.840.113556.1.8000.2554.1"}));
  EXPECT_FALSE(profile.key.allow_rsa);
  EXPECT_TRUE(profile.key.allow_ec);
  EXPECT_EQ(profile.key.rsa_min_bits, 3072);
  EXPECT_EQ(profile.key.rsa_max_bits, 3072);
  EXPECT_EQ(profile.key.ec_curves, std::vector<std::string>{"p384"});
  EXPECT_EQ(profile.hashes,
            (std::vector<crypto::SignatureDigest>{crypto::SignatureDigest::kSha384, crypto::SignatureDigest::kSha512}));
  EXPECT_EQ(profile.renewal_threshold_percent, 35);
  EXPECT_EQ(profile.key_storage, KeyStorage::kTpmRequired);
  EXPECT_EQ(profile.strong_mapping, StrongMapping::kSidExtension);
  EXPECT_EQ(profile.custom_variables, std::vector<std::string>{"Site"});
}

TEST(Profile, KeyFieldsDefaultIndividually) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(Profile profile, parse_profile(profile_with({{"key", "key: {algorithms: [rsa]}"}})));
  EXPECT_TRUE(profile.key.allow_rsa);
  EXPECT_FALSE(profile.key.allow_ec);
  EXPECT_EQ(profile.key.rsa_min_bits, 2048);
  EXPECT_EQ(profile.key.rsa_max_bits, 4096);
  EXPECT_EQ(profile.key.ec_curves, (std::vector<std::string>{"p256", "p384"}));
}

TEST(Profile, ExampleFilesParse) {
  for (const char* name : {"user-vpn.yaml", "device-vpn.yaml"}) {
    std::string yaml = nimbus::testing::read_text(examples_dir() / name);
    auto profile = parse_profile(yaml);
    ASSERT_TRUE(profile.ok()) << name << ": " << profile.error().to_string();
    EXPECT_EQ(profile->issuing_ca, "nimbus-demo-issuing-ca");
    EXPECT_EQ(profile->extended_key_usage, std::vector<std::string>{"1.3.6.1.5.5.7.3.2"});
    EXPECT_NE(profile->strong_mapping, StrongMapping::kNone) << name;
    NIMBUS_ASSERT_OK_AND_ASSIGN(Profile again, parse_profile(profile_to_yaml(*profile)));
    EXPECT_EQ(again, *profile) << name;
  }
  NIMBUS_ASSERT_OK_AND_ASSIGN(Profile user, parse_profile(nimbus::testing::read_text(examples_dir() / "user-vpn.yaml")));
  EXPECT_EQ(user.type, CertificateType::kUser);
  EXPECT_EQ(user.strong_mapping, StrongMapping::kBoth);
  EXPECT_EQ(user.key_storage, KeyStorage::kTpmPreferred);
  NIMBUS_ASSERT_OK_AND_ASSIGN(Profile device, parse_profile(nimbus::testing::read_text(examples_dir() / "device-vpn.yaml")));
  EXPECT_EQ(device.type, CertificateType::kDevice);
  EXPECT_EQ(device.key_storage, KeyStorage::kTpmRequired);
  EXPECT_EQ(device.subject_alt_names.at(0), (SanTemplate{SanType::kDns, "{{FullyQualifiedDomainName}}"}));
}

// ---- Refusals: structure ------------------------------------------------------------------------

TEST(Profile, RefusesYamlSyntaxErrorsWithTheLine) {
  expect_refused("id: a\nsubject: [unclosed\nkey: x\n", ErrorCode::kInvalidArgument, "line ");
  Refusal refused = refusal("id: a\ntype: user\n  bad indentation: x\n");
  EXPECT_TRUE(contains(refused.message, "line 3")) << refused.message;
}

TEST(Profile, RefusesDocumentsThatAreNotOneMapping) {
  expect_refused("", ErrorCode::kInvalidArgument, "the profile is empty");
  expect_refused("# only a comment\n", ErrorCode::kInvalidArgument, "the profile is empty");
  expect_refused("- id: a\n", ErrorCode::kInvalidArgument, "profile: expected a mapping of fields");
  expect_refused("just text", ErrorCode::kInvalidArgument, "profile: expected a mapping of fields");
  expect_refused(profile_with() + "---\n" + profile_with(), ErrorCode::kInvalidArgument,
                 "line 7: the profile ends before this line; a profile is exactly one YAML document");
  // yaml-cpp 0.7's LoadAll never returns on this; the parser must refuse it and stop.
  expect_refused(",\n", ErrorCode::kInvalidArgument, "");
  expect_refused(std::string(70 * 1024, '#'), ErrorCode::kInvalidArgument, "the profile is 71680 bytes");
}

// A field's value nested hundreds of levels deep (yaml-cpp 0.7 alone says "bad file"), in block
// and in flow style: refused at the line where nesting passes the limit, before any field is read.
TEST(Profile, RefusesDeepNestingWithTheLine) {
  std::string dashes;
  for (int i = 0; i < 500; ++i) dashes += "- ";
  expect_refused(profile_with({{"key_usage", "key_usage:\n  " + dashes + "digital_signature"}}),
                 ErrorCode::kInvalidArgument, "line 6: nesting deeper than 64 levels of lists and mappings");
  std::string braces = "key:";
  for (int i = 0; i < 500; ++i) braces += " {algorithms:";
  expect_refused(profile_with({{"key", braces + " [rsa]" + std::string(500, '}')}}), ErrorCode::kInvalidArgument,
                 "line 7: nesting deeper than 64 levels of lists and mappings");
}

TEST(Profile, RefusesUnknownFieldsNamingThem) {
  Refusal refused = refusal(profile_with({{"keyusage", "keyusage: [digital_signature]"}}));
  EXPECT_EQ(refused.code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(refused.message.starts_with("keyusage: unknown field; the fields of the profile are id, description"))
      << refused.message;
  EXPECT_TRUE(contains(refused.message, "(line 7)")) << refused.message;

  expect_refused(profile_with({{"subject_alt_names", "subject_alt_names: [{type: dns, value: a.b, critical: true}]"}}),
                 ErrorCode::kInvalidArgument,
                 "subject_alt_names[0].critical: unknown field; the fields of subject_alt_names[0] are type, value");
  expect_refused(profile_with({{"key", "key: {algorithms: [rsa], rsa_bits: 2048}"}}), ErrorCode::kInvalidArgument,
                 "key.rsa_bits: unknown field; the fields of key are algorithms, rsa_min_bits, rsa_max_bits, ec_curves");
}

TEST(Profile, RefusesRepeatedFields) {
  expect_refused(profile_with({{"type", "type: user\ntype: device"}}), ErrorCode::kInvalidArgument,
                 "type: appears twice");
}

TEST(Profile, RequiredFields) {
  for (std::string_view field : {"id", "issuing_ca", "type", "subject", "key_usage", "extended_key_usage"}) {
    expect_refused(profile_with({{field, ""}}), ErrorCode::kInvalidArgument,
                   std::string(field) + ": this field is required");
  }
}

TEST(Profile, RefusesWrongShapes) {
  expect_refused(profile_with({{"id", "id: [a]"}}), ErrorCode::kInvalidArgument, "id: expected a single value");
  expect_refused(profile_with({{"id", "id:"}}), ErrorCode::kInvalidArgument, "id: expected a single value");
  expect_refused(profile_with({{"key_usage", "key_usage: digital_signature"}}), ErrorCode::kInvalidArgument,
                 "key_usage: expected a list");
  expect_refused(profile_with({{"key", "key: [rsa]"}}), ErrorCode::kInvalidArgument,
                 "key: expected a mapping of fields");
  expect_refused(profile_with({{"subject_alt_names", "subject_alt_names: [upn]"}}), ErrorCode::kInvalidArgument,
                 "subject_alt_names[0]: expected a mapping of fields");
}

TEST(Profile, ErrorsCarryTheLine) {
  Refusal refused = refusal(profile_with({{"key_usage", "key_usage:\n  - digital_signature\n  - sign_everything"}}));
  EXPECT_EQ(refused.message,
            "key_usage[1]: 'sign_everything' is not one of digital_signature, non_repudiation, key_encipherment, "
            "data_encipherment, key_agreement (line 7)");
}

// ---- Refusals: fields ---------------------------------------------------------------------------

TEST(Profile, Ids) {
  expect_refused(profile_with({{"id", "id: User_VPN"}}), ErrorCode::kInvalidArgument,
                 "id: 'User_VPN' is not a valid profile id: use 1 to 63 characters of a-z, 0-9 and '-'");
  expect_refused(profile_with({{"id", "id: -vpn"}}), ErrorCode::kInvalidArgument, "id: '-vpn' is not a valid");
  expect_refused(profile_with({{"id", "id: " + std::string(64, 'a')}}), ErrorCode::kInvalidArgument, "id: ");
  expect_refused(profile_with({{"id", "id: \"\""}}), ErrorCode::kInvalidArgument, "id: is empty");
  expect_refused(profile_with({{"issuing_ca", "issuing_ca: Contoso CA"}}), ErrorCode::kInvalidArgument,
                 "issuing_ca: authority id 'Contoso CA' is not valid");
  NIMBUS_EXPECT_OK(parse_profile(profile_with({{"id", "id: 0-" + std::string(61, 'z')}})));
}

TEST(Profile, Type) {
  expect_refused(profile_with({{"type", "type: server"}}), ErrorCode::kInvalidArgument,
                 "type: 'server' is not one of user, device");
}

TEST(Profile, SubjectVariablesMustBeKnown) {
  Refusal refused = refusal(profile_with({{"subject", "subject: \"CN={{UserName}}, OU={{Department}}\""}}));
  EXPECT_EQ(refused.code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(refused.message.starts_with("subject: unknown variable 'Department'; the standard variables are "
                                          "UserName, UserPrincipalName, EmailAddress"))
      << refused.message;
  EXPECT_TRUE(contains(refused.message, "custom_variables")) << refused.message;

  NIMBUS_EXPECT_OK(parse_profile(profile_with({{"subject", "subject: \"CN={{UserName}}, OU={{Department}}\""},
                                               {"custom_variables", "custom_variables: [Department]"}})));
}

TEST(Profile, SubjectMustBeATemplateOfAName) {
  expect_refused(profile_with({{"subject", "subject: \"CN={{UserName}\""}}), ErrorCode::kInvalidArgument,
                 "subject: template 'CN={{UserName}': '{{' at position 4 has no closing '}}'");
  expect_refused(profile_with({{"subject", "subject: \"{{UserName}}\""}}), ErrorCode::kInvalidArgument,
                 "subject: distinguished name 'x' is malformed");
  expect_refused(profile_with({{"subject", "subject: \"XYZ={{UserName}}\""}}), ErrorCode::kInvalidArgument,
                 "subject: distinguished name 'XYZ=x': unknown attribute type 'XYZ'");
  expect_refused(profile_with({{"subject", "subject: \"CN={{UserName}}, O=\""}}), ErrorCode::kInvalidArgument,
                 "subject: distinguished name 'CN=x, O=' is malformed");
  // Any attribute the DN parser knows, including dotted OIDs and multi-valued RDNs.
  NIMBUS_EXPECT_OK(parse_profile(profile_with(
      {{"subject", "subject: \"CN={{UserName}}+UID={{SerialNumber}}, 2.5.4.97=VAT-1, DC=corp, DC=example\""}})));
  NIMBUS_EXPECT_OK(parse_profile(profile_with({{"subject", "subject: CN=Static Kiosk, O=Contoso"}})));
}

TEST(Profile, SubjectAltNames) {
  expect_refused(profile_with({{"subject_alt_names", "subject_alt_names: [{type: ip, value: 10.0.0.1}]"}}),
                 ErrorCode::kInvalidArgument, "subject_alt_names[0].type: 'ip' is not one of upn, dns, email, uri");
  expect_refused(profile_with({{"subject_alt_names", "subject_alt_names: [{type: dns}]"}}),
                 ErrorCode::kInvalidArgument, "subject_alt_names[0].value: this field is required");
  expect_refused(profile_with({{"subject_alt_names",
                                "subject_alt_names:\n  - {type: upn, value: \"{{UserPrincipalName}}\"}\n"
                                "  - {type: dns, value: \"{{Hostname}}\"}"}}),
                 ErrorCode::kInvalidArgument, "subject_alt_names[1].value: unknown variable 'Hostname'");
  // A value without variables is checked at once.
  expect_refused(profile_with({{"subject_alt_names", "subject_alt_names: [{type: dns, value: \"bad host!\"}]"}}),
                 ErrorCode::kInvalidArgument, "subject_alt_names[0].value: 'bad host!' is not a valid DNS name");
  expect_refused(profile_with({{"subject_alt_names",
                                "subject_alt_names:\n  - {type: email, value: \"{{EmailAddress}}\"}\n"
                                "  - {type: email, value: \"{{EmailAddress}}\"}"}}),
                 ErrorCode::kInvalidArgument, "subject_alt_names[1]: repeats an earlier entry");
  NIMBUS_EXPECT_OK(parse_profile(profile_with({{"subject_alt_names", "subject_alt_names: []"}})));
}

TEST(Profile, Validity) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(Profile days, parse_profile(profile_with({{"validity", "validity: 90d"}})));
  EXPECT_EQ(days.validity, std::chrono::hours(90 * 24));
  NIMBUS_ASSERT_OK_AND_ASSIGN(Profile hours, parse_profile(profile_with({{"validity", "validity: 8h"}})));
  EXPECT_EQ(hours.validity, std::chrono::hours(8));
  expect_refused(profile_with({{"validity", "validity: 1y"}}), ErrorCode::kInvalidArgument,
                 "validity: '1y': profiles give validity in days (d) or hours (h), not years; for one year write 365d");
  for (std::string_view bad : {"validity: 0d", "validity: -1d", "validity: 365", "validity: d", "validity: 1.5d",
                               "validity: 12m", "validity: 36500000d", "validity: 365 d"}) {
    expect_refused(profile_with({{"validity", bad}}), ErrorCode::kInvalidArgument, "validity: ");
  }
}

TEST(Profile, KeyUsage) {
  expect_refused(profile_with({{"key_usage", "key_usage: []"}}), ErrorCode::kInvalidArgument,
                 "key_usage: the list is empty");
  expect_refused(profile_with({{"key_usage", "key_usage: [digital_signature, key_cert_sign]"}}),
                 ErrorCode::kPolicyViolation,
                 "key_usage[1]: key_cert_sign is for CA certificates; an end-entity profile cannot grant it");
  expect_refused(profile_with({{"key_usage", "key_usage: [crl_sign]"}}), ErrorCode::kPolicyViolation,
                 "key_usage[0]: crl_sign is for CA certificates");
  expect_refused(profile_with({{"key_usage", "key_usage: [digital_signature, digital_signature]"}}),
                 ErrorCode::kInvalidArgument, "key_usage[1]: repeats an earlier entry");
  NIMBUS_ASSERT_OK_AND_ASSIGN(
      Profile all, parse_profile(profile_with({{"key_usage",
                                                "key_usage: [digital_signature, non_repudiation, key_encipherment, "
                                                "data_encipherment, key_agreement]"}})));
  EXPECT_EQ(all.key_usage.size(), 5u);
}

TEST(Profile, KeyUsageMustSuitTheAllowedKeys) {
  expect_refused(profile_with({{"key_usage", "key_usage: [digital_signature, key_encipherment]"},
                               {"key", "key: {algorithms: [ec]}"}}),
                 ErrorCode::kPolicyViolation,
                 "key_usage[1]: key_encipherment needs an RSA key; the profile allows only EC");
  expect_refused(profile_with({{"key_usage", "key_usage: [data_encipherment]"}, {"key", "key: {algorithms: [ec]}"}}),
                 ErrorCode::kPolicyViolation, "key_usage[0]: data_encipherment needs an RSA key");
  expect_refused(profile_with({{"key_usage", "key_usage: [key_agreement]"}, {"key", "key: {algorithms: [rsa]}"}}),
                 ErrorCode::kPolicyViolation,
                 "key_usage[0]: key_agreement needs an EC key; the profile allows only RSA");
  NIMBUS_EXPECT_OK(
      parse_profile(profile_with({{"key_usage", "key_usage: [digital_signature, key_encipherment, key_agreement]"}})));
}

TEST(Profile, EveryAllowedKeyGetsAUsableSetOfUsages) {
  // RSA and EC are both allowed by default; an EC key could perform none of these.
  expect_refused(profile_with({{"key_usage", "key_usage: [key_encipherment]"},
                               {"extended_key_usage", "extended_key_usage: [server_auth]"}}),
                 ErrorCode::kPolicyViolation,
                 "key_usage: none of these usages applies to an EC key, which the profile allows; add "
                 "digital_signature or narrow key.algorithms");
  NIMBUS_EXPECT_OK(parse_profile(profile_with({{"key_usage", "key_usage: [key_encipherment]"},
                                               {"extended_key_usage", "extended_key_usage: [server_auth]"},
                                               {"key", "key: {algorithms: [rsa]}"}})));
  // client_auth needs a signature (or key agreement); an RSA key here would get only key_encipherment.
  expect_refused(profile_with({{"key_usage", "key_usage: [key_encipherment, key_agreement]"}}),
                 ErrorCode::kPolicyViolation,
                 "extended_key_usage[0]: client_auth needs digital_signature (or key_agreement, for EC keys) in "
                 "key_usage; an RSA key would get neither");
  NIMBUS_EXPECT_OK(parse_profile(profile_with({{"key_usage", "key_usage: [key_agreement]"},
                                               {"key", "key: {algorithms: [ec]}"}})));
  expect_refused(profile_with({{"key_usage", "key_usage: [non_repudiation]"},
                               {"extended_key_usage", "extended_key_usage: [email_protection, server_auth]"}}),
                 ErrorCode::kPolicyViolation, "extended_key_usage[1]: server_auth needs digital_signature");
}

TEST(Profile, KeyUsagesForAKey) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(
      Profile profile,
      parse_profile(profile_with({{"key_usage",
                                   "key_usage: [key_agreement, digital_signature, key_encipherment, data_encipherment]"}})));
  EXPECT_EQ(key_usages_for(profile, nimbus::testing::make_key("rsa:2048").public_key()),
            (std::vector<KeyUsage>{KeyUsage::kDigitalSignature, KeyUsage::kKeyEncipherment,
                                   KeyUsage::kDataEncipherment}));
  EXPECT_EQ(key_usages_for(profile, nimbus::testing::make_key("ec:p256").public_key()),
            (std::vector<KeyUsage>{KeyUsage::kKeyAgreement, KeyUsage::kDigitalSignature}));
}

TEST(Profile, ExtendedKeyUsage) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(
      Profile profile,
      parse_profile(profile_with({{"extended_key_usage",
                                   "extended_key_usage: [client_auth, server_auth, code_signing, email_protection, "
                                   "time_stamping, ocsp_signing, smartcard_logon, ipsec_ike, 1.3.6.1.4.1.99999.1]"}})));
  EXPECT_EQ(profile.extended_key_usage,
            (std::vector<std::string>{"1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.3",
                                      "1.3.6.1.5.5.7.3.4", "1.3.6.1.5.5.7.3.8", "1.3.6.1.5.5.7.3.9",
                                      "1.3.6.1.4.1.311.20.2.2", "1.3.6.1.5.5.7.3.17", "1.3.6.1.4.1.99999.1"}));
  expect_refused(profile_with({{"extended_key_usage", "extended_key_usage: []"}}), ErrorCode::kInvalidArgument,
                 "extended_key_usage: the list is empty");
  for (std::string_view bad : {"clientAuth", "client-auth", "1.3.6..1", "1", "1.3.6.1.", ".1.3", "1.3.6.1 x", "1.03.6",
                               "3.1.2", "12.3", "1.3.6.1.99999999999999999999999999999999999999999999999999x"}) {
    Refusal refused = refusal(profile_with({{"extended_key_usage", "extended_key_usage: [\"" + std::string(bad) + "\"]"}}));
    EXPECT_EQ(refused.code, ErrorCode::kInvalidArgument) << bad;
    EXPECT_TRUE(refused.message.starts_with("extended_key_usage[0]: '" + std::string(bad) +
                                            "' is neither a known purpose (client_auth, server_auth"))
        << refused.message;
  }
  // A name and its OID are the same purpose.
  expect_refused(profile_with({{"extended_key_usage", "extended_key_usage: [client_auth, 1.3.6.1.5.5.7.3.2]"}}),
                 ErrorCode::kInvalidArgument, "extended_key_usage[1]: repeats an earlier entry");
  expect_refused(profile_with({{"extended_key_usage", "extended_key_usage: [2.5.29.37.0]"}}),
                 ErrorCode::kPolicyViolation, "extended_key_usage[0]: anyExtendedKeyUsage");
}

TEST(Profile, KeyPolicy) {
  Refusal refused = refusal(profile_with({{"key", "key: {rsa_min_bits: 1024}"}}));
  EXPECT_EQ(refused.code, ErrorCode::kPolicyViolation);
  EXPECT_TRUE(refused.message.starts_with("key.rsa_min_bits: 1024 bits is too short: RSA keys below 2048 bits"))
      << refused.message;
  expect_refused(profile_with({{"key", "key: {rsa_max_bits: 1024}"}}), ErrorCode::kPolicyViolation,
                 "key.rsa_max_bits: 1024 bits is too short");
  expect_refused(profile_with({{"key", "key: {rsa_min_bits: 4096, rsa_max_bits: 3072}"}}), ErrorCode::kInvalidArgument,
                 "key.rsa_min_bits: 4096 is more than rsa_max_bits (3072)");
  expect_refused(profile_with({{"key", "key: {rsa_min_bits: 8192}"}}), ErrorCode::kInvalidArgument,
                 "key.rsa_min_bits: 8192 is more than rsa_max_bits (4096)");
  expect_refused(profile_with({{"key", "key: {rsa_max_bits: 32768}"}}), ErrorCode::kInvalidArgument,
                 "key.rsa_max_bits: 32768 bits is more than");
  expect_refused(profile_with({{"key", "key: {rsa_min_bits: 2k}"}}), ErrorCode::kInvalidArgument,
                 "key.rsa_min_bits: '2k' is not a whole number");
  expect_refused(profile_with({{"key", "key: {algorithms: []}"}}), ErrorCode::kInvalidArgument,
                 "key.algorithms: the list is empty");
  expect_refused(profile_with({{"key", "key: {algorithms: [dsa]}"}}), ErrorCode::kInvalidArgument,
                 "key.algorithms[0]: 'dsa' is not one of rsa, ec");
  expect_refused(profile_with({{"key", "key: {ec_curves: [p256, p521]}"}}), ErrorCode::kInvalidArgument,
                 "key.ec_curves[1]: curve 'p521' is not supported; use p256 or p384");
  expect_refused(profile_with({{"key", "key: {ec_curves: []}"}}), ErrorCode::kInvalidArgument,
                 "key.ec_curves: EC keys are allowed but no curve is listed");
  NIMBUS_EXPECT_OK(parse_profile(profile_with({{"key", "key: {algorithms: [rsa], ec_curves: []}"}})));
}

TEST(Profile, Hashes) {
  Refusal refused = refusal(profile_with({{"hash", "hash: [sha256, sha1]"}}));
  EXPECT_EQ(refused.code, ErrorCode::kPolicyViolation);
  EXPECT_EQ(refused.message,
            "hash[1]: SHA-1 is broken for signatures (colliding requests can be made); use sha256, sha384, sha512 "
            "(line 7)");
  expect_refused(profile_with({{"hash", "hash: [SHA-1]"}}), ErrorCode::kPolicyViolation, "hash[0]: SHA-1 is broken");
  expect_refused(profile_with({{"hash", "hash: [md5]"}}), ErrorCode::kPolicyViolation, "hash[0]: MD5 is broken");
  expect_refused(profile_with({{"hash", "hash: [sha3-256]"}}), ErrorCode::kInvalidArgument,
                 "hash[0]: 'sha3-256' is not one of sha256, sha384, sha512");
  expect_refused(profile_with({{"hash", "hash: []"}}), ErrorCode::kInvalidArgument, "hash: the list is empty");
}

TEST(Profile, RenewalThreshold) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(Profile profile, parse_profile(profile_with({{"renewal_threshold", "renewal_threshold: 1%"}})));
  EXPECT_EQ(profile.renewal_threshold_percent, 1);
  for (std::string_view bad : {"renewal_threshold: 0%", "renewal_threshold: 100%", "renewal_threshold: 20",
                               "renewal_threshold: 20 %", "renewal_threshold: \"%\"", "renewal_threshold: 2.5%",
                               "renewal_threshold: -5%"}) {
    expect_refused(profile_with({{"renewal_threshold", bad}}), ErrorCode::kInvalidArgument, "renewal_threshold: ");
  }
}

TEST(Profile, RenewalAndChallenge) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(Profile defaults, parse_profile(profile_with()));
  EXPECT_FALSE(defaults.revoke_on_renewal);
  EXPECT_EQ(defaults.challenge.mode, ChallengeMode::kStore);
  EXPECT_EQ(defaults.challenge.lifetime, std::chrono::minutes(60));

  NIMBUS_ASSERT_OK_AND_ASSIGN(Profile stored, parse_profile(profile_with({{"challenge", "challenge: {lifetime: 2h}"},
                                                                          {"revoke", "revoke_on_renewal: true"}})));
  EXPECT_TRUE(stored.revoke_on_renewal);
  EXPECT_EQ(stored.challenge.lifetime, std::chrono::hours(2));
  NIMBUS_ASSERT_OK_AND_ASSIGN(
      Profile webhook,
      parse_profile(profile_with({{"challenge", "challenge: {mode: webhook, webhook_url: \"http://127.0.0.1:9/check\", "
                                                "secret_file: mdm.secret, timeout: 3s}"}})));
  EXPECT_EQ(webhook.challenge.mode, ChallengeMode::kWebhook);
  EXPECT_EQ(webhook.challenge.webhook_url, "http://127.0.0.1:9/check");
  EXPECT_EQ(webhook.challenge.secret_file, "mdm.secret");
  EXPECT_EQ(webhook.challenge.timeout, std::chrono::seconds(3));

  auto refused = [](std::string_view line, std::string_view message) {
    expect_refused(profile_with({{"challenge", line}}), ErrorCode::kInvalidArgument, message);
  };
  refused("challenge: {lifetime: 0m}", "challenge.lifetime: '0m' is not a positive number");
  refused("challenge: {lifetime: 60}", "challenge.lifetime: '60' is not a positive number");
  refused("challenge: {lifetime: 40d}", "challenge.lifetime: '40d' is not a positive number");
  refused("challenge: {lifetime: 20s}", "challenge.lifetime: '20s' is outside");
  refused("challenge: {mode: ldap}", "challenge.mode: 'ldap' is not one of store, webhook");
  refused("challenge: {mode: webhook, secret_file: s}", "challenge.webhook_url: mode: webhook needs it");
  refused("challenge: {mode: webhook, webhook_url: \"https://x\"}", "challenge.secret_file: mode: webhook needs it");
  refused("challenge: {webhook_url: \"https://x\"}", "challenge.webhook_url: is only for mode: webhook");
  refused("challenge: {mode: webhook, webhook_url: \"ftp://x\", secret_file: s}",
          "challenge.webhook_url: 'ftp://x' is not an http:// or https:// URL");
  refused("challenge: {mode: webhook, webhook_url: \"https://x\", secret_file: s, timeout: 2m}",
          "challenge.timeout: '2m' is outside");
  refused("challenge: {mood: store}", "challenge");
  expect_refused(profile_with({{"revoke", "revoke_on_renewal: maybe"}}), ErrorCode::kInvalidArgument,
                 "revoke_on_renewal: expected true or false");
}

TEST(Profile, KeyStorageAndStrongMapping) {
  for (auto [text, storage] : {std::pair{"tpm-required", KeyStorage::kTpmRequired},
                               {"tpm-preferred", KeyStorage::kTpmPreferred}, {"software", KeyStorage::kSoftware}}) {
    NIMBUS_ASSERT_OK_AND_ASSIGN(Profile profile,
                                parse_profile(profile_with({{"key_storage", "key_storage: " + std::string(text)}})));
    EXPECT_EQ(profile.key_storage, storage);
  }
  for (auto [text, mapping] : {std::pair{"none", StrongMapping::kNone}, {"sid_extension", StrongMapping::kSidExtension},
                               {"san_uri", StrongMapping::kSanUri}, {"both", StrongMapping::kBoth}}) {
    NIMBUS_ASSERT_OK_AND_ASSIGN(Profile profile,
                                parse_profile(profile_with({{"strong_mapping", "strong_mapping: " + std::string(text)}})));
    EXPECT_EQ(profile.strong_mapping, mapping);
  }
  expect_refused(profile_with({{"key_storage", "key_storage: tpm"}}), ErrorCode::kInvalidArgument,
                 "key_storage: 'tpm' is not one of tpm-required, tpm-preferred, software");
  expect_refused(profile_with({{"strong_mapping", "strong_mapping: sid"}}), ErrorCode::kInvalidArgument,
                 "strong_mapping: 'sid' is not one of none, sid_extension, san_uri, both");
}

TEST(Profile, CustomVariables) {
  expect_refused(profile_with({{"custom_variables", "custom_variables: [UserName]"}}), ErrorCode::kInvalidArgument,
                 "custom_variables[0]: 'UserName' is a standard variable");
  expect_refused(profile_with({{"custom_variables", "custom_variables: [Cost-Centre]"}}), ErrorCode::kInvalidArgument,
                 "custom_variables[0]: 'Cost-Centre' is not a variable name");
  expect_refused(profile_with({{"custom_variables", "custom_variables: [Site, Site]"}}), ErrorCode::kInvalidArgument,
                 "custom_variables[1]: repeats an earlier entry");
}

TEST(Profile, RefusesControlCharactersAndBadUtf8) {
  expect_refused(profile_with({{"subject", "subject: \"CN={{UserName}}\\n\""}}), ErrorCode::kInvalidArgument,
                 "subject: contains the control character U+000A");
  expect_refused(profile_with({{"description", "description: \"caf\xC3\""}}), ErrorCode::kInvalidArgument,
                 "description: is not valid UTF-8");
  NIMBUS_EXPECT_OK(parse_profile(profile_with({{"description", "description: \"two\\nlines\\tand tabs\""}})));
}

// ---- Writing ----------------------------------------------------------------------------------

Profile elaborate_profile() {
  Profile profile;
  profile.id = "kiosk-7";
  profile.description = "Kiosks: \"lobby\" & caf\xC3\xA9 # not a comment\nsecond line";
  profile.issuing_ca = "contoso-issuing-ca";
  profile.type = CertificateType::kDevice;
  profile.subject = "CN={{DeviceName}}, OU={{Site}}, O=Contoso\\, Inc. #1";
  profile.subject_alt_names = {{SanType::kDns, "{{DeviceName}}.corp.example.net"},
                               {SanType::kUri, "urn:x:{{ Site }}:{{SerialNumber}}"},
                               {SanType::kUpn, "{{DeviceName}}$@corp.example.net"},
                               {SanType::kEmail, "ops@example.net"}};
  profile.validity = std::chrono::hours(30);
  profile.key_usage = {KeyUsage::kKeyAgreement, KeyUsage::kDigitalSignature, KeyUsage::kNonRepudiation};
  profile.extended_key_usage = {"1.3.6.1.5.5.7.3.17", "1.3.6.1.4.1.99999.7", "1.3.6.1.4.1.311.20.2.2"};
  profile.key.allow_rsa = false;
  profile.key.rsa_min_bits = 3072;
  profile.key.ec_curves = {"p384", "p256"};
  profile.hashes = {crypto::SignatureDigest::kSha512, crypto::SignatureDigest::kSha256};
  profile.renewal_threshold_percent = 99;
  profile.key_storage = KeyStorage::kSoftware;
  profile.strong_mapping = StrongMapping::kSanUri;
  profile.custom_variables = {"Site", "yes", "null"};
  profile.revoke_on_renewal = true;
  profile.challenge = {ChallengeMode::kWebhook, std::chrono::minutes(60), "https://mdm.example.net/scep-check",
                       "secrets/mdm-webhook", std::chrono::seconds(8)};
  return profile;
}

Profile must_parse_minimal() { return nimbus::testing::must(parse_profile(profile_with()), "parsing the minimal profile"); }

TEST(Profile, YamlRoundTrips) {
  for (const Profile& profile : {elaborate_profile(), must_parse_minimal()}) {
    std::string yaml = profile_to_yaml(profile);
    auto again = parse_profile(yaml);
    ASSERT_TRUE(again.ok()) << again.error().to_string() << "\n" << yaml;
    EXPECT_EQ(*again, profile) << yaml;
    EXPECT_EQ(profile_to_yaml(*again), yaml);  // canonical: writing is a fixed point
  }
}

TEST(Profile, YamlRoundTripsAwkwardText) {
  for (std::string text : {"yes", "null", "~", "- dash", "'quoted'", "\"double\"", "a: b", "{braces}", "[list]",
                           "trailing space ", " leading space", "#hash", "&anchor", "*alias", "!tag", "%percent", "@at",
                           "`tick", "0x10", "1e3", "? question", "|", ">", "---", "...", "caf\xC3\xA9 \xF0\x9F\x94\x91",
                           "{{UserName}}"}) {
    Profile profile = must_parse_minimal();
    profile.description = text + "\n" + text;
    profile.subject = "CN={{UserName}}, O=" + x509::escape_attribute_value(text);
    auto again = parse_profile(profile_to_yaml(profile));
    ASSERT_TRUE(again.ok()) << text << ": " << again.error().to_string() << "\n" << profile_to_yaml(profile);
    EXPECT_EQ(*again, profile) << text;
  }
}

TEST(Profile, YamlIsCanonical) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(Profile profile,
                              parse_profile(profile_with({{"extended_key_usage",
                                                           "extended_key_usage: [1.3.6.1.5.5.7.3.2, 1.2.3.4]"},
                                                          {"validity", "validity: 48h"}})));
  std::string yaml = profile_to_yaml(profile);
  EXPECT_TRUE(contains(yaml, "extended_key_usage: [client_auth, 1.2.3.4]")) << yaml;
  EXPECT_TRUE(contains(yaml, "validity: 2d")) << yaml;
  EXPECT_TRUE(contains(yaml, "renewal_threshold: 20%")) << yaml;
  EXPECT_TRUE(contains(yaml, "strong_mapping: none")) << yaml;
  EXPECT_TRUE(contains(yaml, "hash: [sha256]")) << yaml;
  EXPECT_FALSE(contains(yaml, "description")) << yaml;
  EXPECT_FALSE(contains(yaml, "custom_variables")) << yaml;
  EXPECT_TRUE(yaml.starts_with("# ")) << yaml;
}

TEST(Profile, Json) {
  nlohmann::json json = profile_to_json(elaborate_profile());
  EXPECT_EQ(json["id"], "kiosk-7");
  EXPECT_EQ(json["description"], elaborate_profile().description);
  EXPECT_EQ(json["issuing_ca"], "contoso-issuing-ca");
  EXPECT_EQ(json["type"], "device");
  EXPECT_EQ(json["subject"], "CN={{DeviceName}}, OU={{Site}}, O=Contoso\\, Inc. #1");
  EXPECT_EQ(json["subject_alt_names"][0], (nlohmann::json{{"type", "dns"}, {"value", "{{DeviceName}}.corp.example.net"}}));
  EXPECT_EQ(json["subject_alt_names"].size(), 4u);
  EXPECT_EQ(json["validity"], "30h");
  EXPECT_EQ(json["key_usage"], (nlohmann::json{"key_agreement", "digital_signature", "non_repudiation"}));
  EXPECT_EQ(json["extended_key_usage"], (nlohmann::json{"ipsec_ike", "1.3.6.1.4.1.99999.7", "smartcard_logon"}));
  EXPECT_EQ(json["key"]["algorithms"], nlohmann::json{"ec"});
  EXPECT_EQ(json["key"]["rsa_min_bits"], 3072);
  EXPECT_EQ(json["key"]["rsa_max_bits"], 4096);
  EXPECT_EQ(json["key"]["ec_curves"], (nlohmann::json{"p384", "p256"}));
  EXPECT_EQ(json["hash"], (nlohmann::json{"sha512", "sha256"}));
  EXPECT_EQ(json["renewal_threshold"], 99);
  EXPECT_EQ(json["key_storage"], "software");
  EXPECT_EQ(json["strong_mapping"], "san_uri");
  EXPECT_EQ(json["custom_variables"], (nlohmann::json{"Site", "yes", "null"}));
  EXPECT_EQ(json["revoke_on_renewal"], true);
  EXPECT_EQ(json["challenge"], (nlohmann::json{{"mode", "webhook"},
                                               {"webhook_url", "https://mdm.example.net/scep-check"},
                                               {"secret_file", "secrets/mdm-webhook"},
                                               {"timeout_seconds", 8}}));

  nlohmann::json minimal = profile_to_json(Profile{});
  EXPECT_EQ(minimal["subject_alt_names"], nlohmann::json::array());
  EXPECT_EQ(minimal["custom_variables"], nlohmann::json::array());
  EXPECT_EQ(minimal["description"], "");
  EXPECT_EQ(minimal["validity"], "365d");
  EXPECT_EQ(minimal["challenge"], (nlohmann::json{{"mode", "store"}, {"lifetime_seconds", 3600}}));
}

TEST(Profile, Names) {
  EXPECT_EQ(certificate_type_name(CertificateType::kDevice), "device");
  EXPECT_EQ(san_type_name(SanType::kUpn), "upn");
  EXPECT_EQ(key_storage_name(KeyStorage::kTpmRequired), "tpm-required");
  EXPECT_EQ(strong_mapping_name(StrongMapping::kSidExtension), "sid_extension");
  EXPECT_EQ(key_usage_name(KeyUsage::kDigitalSignature), "digital_signature");
  EXPECT_EQ(key_usage_name(KeyUsage::kKeyCertSign), "key_cert_sign");
  EXPECT_EQ(key_usage_name(KeyUsage::kCrlSign), "crl_sign");
}

}  // namespace
}  // namespace nimbus::profile
