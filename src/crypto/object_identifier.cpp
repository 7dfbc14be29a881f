#include "crypto/object_identifier.h"

#include <algorithm>

#include <openssl/objects.h>

#include "crypto/handles.h"
#include "crypto/openssl_error.h"

namespace nimbus::crypto {

bool is_dotted_oid(std::string_view text) {
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t arcs = 0;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = text.find('.', start);
    std::string_view arc = text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    bool digits = !arc.empty() && std::all_of(arc.begin(), arc.end(), is_digit);
    if (!digits || (arc.size() > 1 && arc.front() == '0')) return false;
    if (arcs++ == 0 && (arc.size() > 1 || arc.front() > '2')) return false;
    if (dot == std::string_view::npos) return arcs >= 2;
    start = dot + 1;
  }
}

std::string dotted_oid(const ASN1_OBJECT* object) {
  int length = OBJ_obj2txt(nullptr, 0, object, 1);
  if (length <= 0) return {};
  std::string text(static_cast<std::size_t>(length) + 1, '\0');
  OBJ_obj2txt(text.data(), length + 1, object, 1);
  text.resize(static_cast<std::size_t>(length));
  return text;
}

std::optional<std::string> canonical_oid(std::string_view text) {
  if (!is_dotted_oid(text)) return std::nullopt;
  Asn1ObjectPtr object(OBJ_txt2obj(std::string(text).c_str(), 1));
  if (!object) {
    clear_openssl_errors();
    return std::nullopt;
  }
  std::string dotted = dotted_oid(object.get());
  if (dotted.empty()) return std::nullopt;
  return dotted;
}

}  // namespace nimbus::crypto
