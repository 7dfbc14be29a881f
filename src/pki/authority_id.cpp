#include "pki/authority_id.h"

#include <fmt/format.h>

namespace nimbus::pki {

namespace {
constexpr std::size_t kMaxLength = 63;
bool is_id_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }
}  // namespace

Status check_authority_id(std::string_view id) {
  bool valid = !id.empty() && id.size() <= kMaxLength && id.front() != '-';
  for (char c : id) valid = valid && is_id_char(c);
  if (!valid) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("authority id '{}' is not valid: use 1 to {} characters of a-z, 0-9 and '-', "
                             "not starting with '-'",
                             id, kMaxLength));
  }
  return ok_status();
}

std::string authority_id_from_name(std::string_view name) {
  std::string id;
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (is_id_char(c) && c != '-') {
      id.push_back(c);
    } else if (!id.empty() && id.back() != '-') {
      id.push_back('-');
    }
  }
  while (!id.empty() && id.back() == '-') id.pop_back();
  if (id.size() > kMaxLength) id.resize(kMaxLength);
  while (!id.empty() && id.back() == '-') id.pop_back();
  return id;
}

}  // namespace nimbus::pki
