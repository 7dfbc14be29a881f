#include "core/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace nimbus {

namespace {

Error io_error(const std::filesystem::path& path, std::string_view what, int err) {
  // A missing or forbidden path is a mistake in the request, not a failure of the system.
  ErrorCode code = err == ENOENT || err == ENOTDIR ? ErrorCode::kNotFound
                   : err == EACCES || err == EPERM ? ErrorCode::kPermissionDenied
                                                   : ErrorCode::kIoError;
  return Error(code, fmt::format("{} '{}': {}", what, path.string(), std::strerror(err)));
}

// Closes a file descriptor when it goes out of scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

Status sync_directory(const std::filesystem::path& dir) {
  FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return io_error(dir, "cannot open directory", errno);
  if (::fsync(fd.get()) != 0) return io_error(dir, "cannot sync directory", errno);
  return ok_status();
}

}  // namespace

Result<Bytes> read_file(const std::filesystem::path& path, std::size_t max_size) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return io_error(path, "cannot open", errno);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return io_error(path, "cannot examine", errno);
  if (!S_ISREG(info.st_mode)) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("'{}' is not a file", path.string()));
  }
  if (static_cast<std::size_t>(info.st_size) > max_size) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("'{}' is {} bytes, more than the {} this command reads",
                             path.string(), info.st_size, max_size));
  }
  Bytes content(static_cast<std::size_t>(info.st_size));
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::read(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error(path, "cannot read", errno);
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  content.resize(done);
  return content;
}

Status write_file_atomic(const std::filesystem::path& path, ByteView content, unsigned mode,
                         bool overwrite) {
  std::error_code ec;
  if (!overwrite && std::filesystem::exists(path, ec)) {
    return Error(ErrorCode::kAlreadyExists,
                 fmt::format("'{}' already exists; refusing to replace it", path.string()));
  }
  std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  std::string pattern = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
  FileDescriptor fd(::mkstemp(pattern.data()));
  if (fd.get() < 0) return io_error(path, "cannot create a temporary file for", errno);
  std::filesystem::path temp = pattern;
  auto fail = [&](std::string_view what) {
    int err = errno;
    ::unlink(temp.c_str());
    return io_error(path, what, err);
  };
  if (::fchmod(fd.get(), mode) != 0) return fail("cannot set the mode of");
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot write");
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return fail("cannot sync");
  if (::close(fd.release()) != 0) return fail("cannot close");
  if (!overwrite) {
    // link() fails if the target appeared meanwhile, where rename() would silently replace it.
    if (::link(temp.c_str(), path.c_str()) != 0) return fail("cannot create");
    ::unlink(temp.c_str());
  } else if (::rename(temp.c_str(), path.c_str()) != 0) {
    return fail("cannot replace");
  }
  return sync_directory(dir);
}

Status create_private_directory(const std::filesystem::path& path, unsigned mode) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return ok_status();
  if (!path.parent_path().empty()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return Error(ErrorCode::kIoError, fmt::format("cannot create directory '{}': {}",
                                                    path.parent_path().string(), ec.message()));
    }
  }
  if (::mkdir(path.c_str(), mode) != 0) {
    int err = errno;
    if (err != EEXIST || !std::filesystem::is_directory(path, ec)) {
      return io_error(path, "cannot create directory", err == EEXIST ? ENOTDIR : err);
    }
  }
  return ok_status();
}

Result<unsigned> file_mode(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return io_error(path, "cannot examine", errno);
  return static_cast<unsigned>(info.st_mode & 07777);
}

}  // namespace nimbus
