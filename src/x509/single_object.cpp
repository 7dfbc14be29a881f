#include "x509/single_object.h"

#include <fmt/format.h>

namespace nimbus::x509 {

Error several_objects(std::size_t count, std::string_view plural) {
  return Error(ErrorCode::kMalformed,
               fmt::format("holds {} {}; exactly one is expected (put each in a file of its own)", count, plural));
}

}  // namespace nimbus::x509
