// The web console's files (the console/ folder of the source tree), built into the binary so that
// a node serves exactly the console it was built with and needs nothing on its disk.
#pragma once

#include <span>
#include <string_view>

namespace nimbus::console {

struct ConsoleAsset {
  std::string_view name;          // "index.html", "console.js"
  std::string_view content_type;  // "text/html; charset=utf-8"
  std::string_view content;
};

std::span<const ConsoleAsset> console_assets();

}  // namespace nimbus::console
