// Reading the YAML that operators write (profiles, nimbus.yaml) within bounds yaml-cpp does not set.
//
// yaml-cpp builds a node tree by recursion, one level of its parser per level of nesting. 0.7 (as
// Debian 12 ships it) stops at 2000 levels of that recursion with a DeepRecursion exception whose
// whole message is "bad file"; older releases have no limit and overflow the stack. Nothing Nimbus
// reads needs more than a few levels, so a document nested deeper than kMaxNesting is refused with
// its line, by a pass over the parser's events that stops there, before any tree is built.
//
// Thread-safety: the functions are pure; call them from any thread.
#pragma once

#include <string_view>

#include <yaml-cpp/yaml.h>

#include "core/result.h"

namespace nimbus::yaml {

// Lists and mappings inside each other, the document's own top-level mapping being the first.
// A profile needs 3 (the top, subject_alt_names, one name), nimbus.yaml 2.
inline constexpr int kMaxNesting = 64;

// The one YAML document in `text`. `what` names it in errors ("profile", "configuration"). Refuses,
// with kInvalidArgument and the line where yaml-cpp or the check stopped:
//   - an empty text: "the profile is empty";
//   - nesting deeper than kMaxNesting: "line 65: nesting deeper than 64 levels of lists and mappings";
//   - a second document, which YAML::Load would silently ignore: "line 9: the profile ends before
//     this line; a profile is exactly one YAML document";
//   - a syntax error: "line 3: <yaml-cpp's reason>".
Result<YAML::Node> load_single_document(std::string_view text, std::string_view what);

}  // namespace nimbus::yaml
