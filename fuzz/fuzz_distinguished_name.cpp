// Fuzzes the RFC 4514 name parser, and checks that whatever it accepts formats to a string it
// accepts again as the same name.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "x509/name.h"

#include "input_scope.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nimbus::fuzz::InputScope scope;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto name = nimbus::x509::DistinguishedName::parse(text);
  if (!name.ok()) return 0;
  std::string formatted = name->to_string();
  auto again = nimbus::x509::DistinguishedName::parse(formatted);
  if (!again.ok() || !(*again == *name)) std::abort();
  return 0;
}
