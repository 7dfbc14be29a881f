// Reading a profile's YAML: loading exactly one document, and checked access to its fields.
//
// Every refusal names the field path and, where yaml-cpp knows it, the line:
// "key_usage[1]: 'sign' is not one of digital_signature, ... (line 7)". Only checked accessors
// are used, so a document of the wrong shape is refused with a reason, never thrown at the
// caller. What a value means, and which values a profile allows, is for profile.cpp and
// profile_rules.h; this file knows only YAML.
//
// Internal to profile/.
#pragma once

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "core/result.h"
#include "profile/vocabulary.h"

namespace nimbus::profile {

// The one document in `yaml`. Refuses more than 64 KiB (a profile is a page of YAML), and what
// yaml::load_single_document refuses: an empty text, nesting deeper than yaml::kMaxNesting, a
// second document. kInvalidArgument with the line where yaml-cpp found a syntax error.
Result<YAML::Node> load_profile_document(std::string_view yaml);

// "key.rsa_min_bits", "subject_alt_names[0].type"
std::string member_path(std::string_view parent, std::string_view name);
std::string element_path(std::string_view parent, std::size_t index);

// "path: why (line N)", kInvalidArgument: the document is not a well-formed profile.
Error invalid(std::string_view path, const YAML::Node& node, std::string_view why);
// The same, kPolicyViolation: well-formed, but asks for something Nimbus will not issue.
Error refused(std::string_view path, const YAML::Node& node, std::string_view why);

// The members of a mapping, by name. Unknown and repeated names are refused: a misspelt field
// silently taking its default is how a profile ends up weaker than its author meant.
class Fields {
 public:
  // `path` is where the mapping is in the document ("" for the top level, "key"); `known` lists
  // every field it may have.
  static Result<Fields> read(const YAML::Node& node, std::string_view path, std::span<const std::string_view> known);

  // The member `name`, or nullptr when the document leaves it out.
  const YAML::Node* find(std::string_view name) const;
  // The member `name`; its absence is refused as "path.name: this field is required".
  Result<YAML::Node> required(std::string_view name) const;

  // Where member `name` is in the document: "key.algorithms".
  std::string path(std::string_view name) const;

 private:
  explicit Fields(std::string_view path) : path_(path) {}
  std::string path_;
  std::map<std::string, YAML::Node> members_;
};

// A single value that passes check_text (profile/text.h); `free_text` allows the wider set of
// characters descriptions may use.
Result<std::string> read_string(const YAML::Node& node, std::string_view path, bool free_text = false);

// A non-empty string; the common case for every field that is not free text.
Result<std::string> read_word(const YAML::Node& node, std::string_view path);

// A whole number, written as digits alone.
Result<int> read_integer(const YAML::Node& node, std::string_view path);

// One of the names in `table`; anything else is refused with the list of names.
template <typename T, std::size_t N>
Result<T> read_choice(const YAML::Node& node, std::string_view path, const Named<T> (&table)[N]) {
  NIMBUS_ASSIGN_OR_RETURN(std::string name, read_word(node, path));
  if (std::optional<T> value = value_named(table, name)) return *value;
  return invalid(path, node, fmt::format("'{}' is not one of {}", name, names_of(table)));
}

// A sequence, element by element: `read(element, element_path)` turns each into a T. Empty lists
// are refused unless `may_be_empty`; repeated entries are refused, since a list that says a thing
// twice was rarely meant that way.
template <typename T, typename Reader>
Result<std::vector<T>> read_list(const YAML::Node& node, std::string_view path, bool may_be_empty, Reader read) {
  if (!node.IsSequence()) return invalid(path, node, "expected a list");
  if (node.size() == 0 && !may_be_empty) return invalid(path, node, "the list is empty");
  std::vector<T> values;
  for (std::size_t i = 0; i < node.size(); ++i) {
    std::string item_path = element_path(path, i);
    NIMBUS_ASSIGN_OR_RETURN(T value, read(node[i], item_path));
    if (std::find(values.begin(), values.end(), value) != values.end()) {
      return invalid(item_path, node[i], "repeats an earlier entry");
    }
    values.push_back(std::move(value));
  }
  return values;
}

// A list of names from `table`.
template <typename T, std::size_t N>
Result<std::vector<T>> read_choices(const YAML::Node& node, std::string_view path, bool may_be_empty,
                                    const Named<T> (&table)[N]) {
  return read_list<T>(node, path, may_be_empty, [&](const YAML::Node& item, const std::string& item_path) {
    return read_choice(item, item_path, table);
  });
}

}  // namespace nimbus::profile
