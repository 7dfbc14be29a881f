#include "verify/trust_anchors.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "core/file.h"

namespace nimbus::verify {

namespace {

bool looks_like_certificate_file(const std::filesystem::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
  return extension == ".pem" || extension == ".crt" || extension == ".cer" || extension == ".der";
}

Status read_into(const std::filesystem::path& path, std::vector<x509::Certificate>& out) {
  NIMBUS_ASSIGN_OR_RETURN(Bytes content, read_file(path));
  auto certs = x509::Certificate::parse_all(content);
  if (!certs.ok()) return std::move(certs).error().with_context(fmt::format("trust anchors in '{}'", path.string()));
  for (auto& cert : certs.value()) out.push_back(std::move(cert));
  return ok_status();
}

}  // namespace

Result<TrustAnchors> TrustAnchors::from(std::vector<x509::Certificate> anchors) {
  if (anchors.empty()) return Error(ErrorCode::kInvalidArgument, "no trust anchors were given");
  NIMBUS_ASSIGN_OR_RETURN(x509::TrustStore store, x509::TrustStore::from(anchors));
  return TrustAnchors(std::move(store));
}

Result<TrustAnchors> TrustAnchors::load(const std::string& path) {
  std::error_code error;
  std::vector<x509::Certificate> anchors;
  if (std::filesystem::is_directory(path, error)) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
      if (entry.is_regular_file() && looks_like_certificate_file(entry.path())) files.push_back(entry.path());
    }
    if (error) return Error(ErrorCode::kIoError, fmt::format("reading directory '{}': {}", path, error.message()));
    std::sort(files.begin(), files.end());
    for (const auto& file : files) NIMBUS_TRY(read_into(file, anchors));
    if (anchors.empty()) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("'{}' holds no .pem, .crt, .cer or .der certificate files", path));
    }
  } else {
    NIMBUS_TRY(read_into(path, anchors));
  }
  return from(std::move(anchors));
}

}  // namespace nimbus::verify
