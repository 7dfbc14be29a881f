// Fuzzes the profile parser: profiles are written by hand and uploaded by operators, so whatever
// the bytes, parsing must refuse cleanly. Whatever it accepts must be written back as YAML that it
// accepts again as the same profile.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "profile/profile.h"

#include "input_scope.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nimbus::fuzz::InputScope scope;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto profile = nimbus::profile::parse_profile(text);
  if (!profile.ok()) return 0;
  auto again = nimbus::profile::parse_profile(nimbus::profile::profile_to_yaml(*profile));
  if (!again.ok() || !(*again == *profile)) std::abort();
  (void)nimbus::profile::profile_to_json(*profile).dump();
  return 0;
}
