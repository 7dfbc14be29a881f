#include "profile/yaml_reader.h"

#include <charconv>

#include <fmt/ranges.h>

#include "profile/text.h"
#include "yaml/document.h"

namespace nimbus::profile {

namespace {

// A profile is a page of YAML; anything much larger is not one, and parsing it costs for nothing.
constexpr std::size_t kMaxDocumentSize = 64 * 1024;

std::string at_line(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.line >= 0 ? fmt::format(" (line {})", mark.line + 1) : std::string();
}

Error field_error(ErrorCode code, std::string_view path, const YAML::Node& node, std::string_view why) {
  return Error(code, fmt::format("{}: {}{}", path, why, at_line(node)));
}

}  // namespace

Result<YAML::Node> load_profile_document(std::string_view text) {
  if (text.size() > kMaxDocumentSize) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("the profile is {} bytes; a profile is at most {} bytes", text.size(), kMaxDocumentSize));
  }
  return yaml::load_single_document(text, "profile");
}

std::string member_path(std::string_view parent, std::string_view name) {
  return parent.empty() ? std::string(name) : fmt::format("{}.{}", parent, name);
}

std::string element_path(std::string_view parent, std::size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

Error invalid(std::string_view path, const YAML::Node& node, std::string_view why) {
  return field_error(ErrorCode::kInvalidArgument, path, node, why);
}

Error refused(std::string_view path, const YAML::Node& node, std::string_view why) {
  return field_error(ErrorCode::kPolicyViolation, path, node, why);
}

Result<Fields> Fields::read(const YAML::Node& node, std::string_view path, std::span<const std::string_view> known) {
  std::string where = path.empty() ? "the profile" : std::string(path);
  if (!node.IsMap()) return invalid(path.empty() ? "profile" : path, node, "expected a mapping of fields");
  Fields fields(path);
  for (const auto& member : node) {
    if (!member.first.IsScalar()) return invalid(where, member.first, "field names must be plain words");
    std::string name = member.first.Scalar();
    std::string name_path = member_path(path, name);
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return invalid(name_path, member.first,
                     fmt::format("unknown field; the fields of {} are {}", where, fmt::join(known, ", ")));
    }
    if (!fields.members_.emplace(name, member.second).second) {
      return invalid(name_path, member.first, "appears twice");
    }
  }
  return fields;
}

const YAML::Node* Fields::find(std::string_view name) const {
  auto member = members_.find(std::string(name));
  return member == members_.end() ? nullptr : &member->second;
}

Result<YAML::Node> Fields::required(std::string_view name) const {
  if (const YAML::Node* node = find(name)) return *node;
  return Error(ErrorCode::kInvalidArgument, fmt::format("{}: this field is required", path(name)));
}

std::string Fields::path(std::string_view name) const { return member_path(path_, name); }

Result<std::string> read_string(const YAML::Node& node, std::string_view path, bool free_text) {
  if (!node.IsScalar()) return invalid(path, node, "expected a single value");
  Status text = check_text(node.Scalar(), free_text);
  if (!text.ok()) return invalid(path, node, text.error().message());
  return node.Scalar();
}

Result<std::string> read_word(const YAML::Node& node, std::string_view path) {
  NIMBUS_ASSIGN_OR_RETURN(std::string value, read_string(node, path));
  if (value.empty()) return invalid(path, node, "is empty");
  return value;
}

Result<int> read_integer(const YAML::Node& node, std::string_view path) {
  NIMBUS_ASSIGN_OR_RETURN(std::string text, read_word(node, path));
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return invalid(path, node, fmt::format("'{}' is not a whole number", text));
  }
  return value;
}

}  // namespace nimbus::profile
