// The process's limit on open file descriptors. A server holds one per connection, so it raises the
// soft limit to the hard one (which only the administrator can raise) before sizing its limits.
#pragma once

#include <cstdint>

namespace nimbus {

// Raises the soft RLIMIT_NOFILE to the hard limit when it is lower, and returns the soft limit
// now in force (what the kernel reports when it cannot be raised).
std::uint64_t raise_open_file_limit();

}  // namespace nimbus
