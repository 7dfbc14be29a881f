// Reading and writing files with the care secrets and stores need.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"

namespace nimbus {

// Reads a whole file. `max_size` bounds what an operator can make us load by mistake.
Result<Bytes> read_file(const std::filesystem::path& path, std::size_t max_size = 16u << 20);

// Writes a file atomically: a temporary file in the same directory with `mode`, fsync'd, renamed
// over `path`, then the directory fsync'd. A reader sees the old content or the new, never a part.
// Refuses to replace an existing file unless `overwrite`.
Status write_file_atomic(const std::filesystem::path& path, ByteView content, unsigned mode,
                         bool overwrite = false);

// Creates a directory (and parents) with `mode` for the last component if it does not exist.
Status create_private_directory(const std::filesystem::path& path, unsigned mode = 0700);

// The permission bits of a file, or an error if it cannot be examined.
Result<unsigned> file_mode(const std::filesystem::path& path);

}  // namespace nimbus
