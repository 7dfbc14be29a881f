#include "x509/general_names.h"

namespace nimbus::x509 {

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
