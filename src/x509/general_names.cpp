#include "x509/general_names.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include "crypto/object_identifier.h"

namespace nimbus::x509 {

namespace {

constexpr std::string_view kUpnOid = "1.3.6.1.4.1.311.20.2.3";

std::string text_of(const ASN1_STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), static_cast<std::size_t>(ASN1_STRING_length(s)));
}

std::string ip_text(const ASN1_OCTET_STRING* octets) {
  char text[INET6_ADDRSTRLEN] = {};
  int length = ASN1_STRING_length(octets);
  int family = length == 4 ? AF_INET : length == 16 ? AF_INET6 : AF_UNSPEC;
  if (family == AF_UNSPEC || inet_ntop(family, ASN1_STRING_get0_data(octets), text, sizeof text) == nullptr) {
    return "IP:invalid";
  }
  return std::string("IP:") + text;
}

std::string alt_name_string(const GENERAL_NAME* name) {
  switch (name->type) {
    case GEN_DNS: return "DNS:" + text_of(name->d.dNSName);
    case GEN_EMAIL: return "email:" + text_of(name->d.rfc822Name);
    case GEN_URI: return "URI:" + text_of(name->d.uniformResourceIdentifier);
    case GEN_IPADD: return ip_text(name->d.iPAddress);
    case GEN_OTHERNAME: {
      std::string oid = crypto::dotted_oid(name->d.otherName->type_id);
      const ASN1_TYPE* value = name->d.otherName->value;
      if (oid == kUpnOid && value->type == V_ASN1_UTF8STRING) return "UPN:" + text_of(value->value.utf8string);
      return "othername:" + oid;
    }
    default: return "other";
  }
}

}  // namespace

std::vector<std::string> alt_name_strings(const GENERAL_NAMES* names) {
  std::vector<std::string> out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) out.push_back(alt_name_string(sk_GENERAL_NAME_value(names, i)));
  return out;
}

std::vector<std::string> uri_names(const GENERAL_NAMES* names) {
  std::vector<std::string> urls;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_URI) continue;
    const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
    urls.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                      static_cast<std::size_t>(ASN1_STRING_length(uri)));
  }
  return urls;
}

std::vector<std::string> full_name_urls(const CRL_DIST_POINTS* points) {
  std::vector<std::string> urls;
  for (int i = 0; i < sk_DIST_POINT_num(points); ++i) {
    const DIST_POINT* point = sk_DIST_POINT_value(points, i);
    if (point->distpoint == nullptr || point->distpoint->type != 0) continue;
    for (std::string& url : uri_names(point->distpoint->name.fullname)) urls.push_back(std::move(url));
  }
  return urls;
}

}  // namespace nimbus::x509
