// The reply attributes an administrator may put in a network policy, by the names RFC 2865, 2868
// and 3580 give them, with the type of each value: what `radius.policies[].attributes` accepts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "radius/packet.h"

namespace nimbus::radius {

// The attribute `name` ("Session-Timeout") with `value` as written ("28800", "VLAN", "10.0.0.9").
// kInvalidArgument for a name not in the dictionary or a value its type does not allow, saying
// which names or values are.
Result<Attribute> encode_reply_attribute(std::string_view name, std::string_view value);

// "Session-Timeout (27, integer)": one line per attribute, for the README.
std::vector<std::string> reply_attribute_descriptions();

}  // namespace nimbus::radius
