#include "store/conformance/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

extern char** environ;

namespace nimbus::store::conformance {

namespace {

constexpr const char* kLocatorVariable = "NIMBUS_STORE_CONFORMANCE_LOCATOR";

// The parent's environment, less what would make the child's GoogleTest run other tests or write
// the parent's report (GTEST_FILTER, GTEST_SHARD_INDEX, GTEST_OUTPUT, ...), plus the locator.
std::vector<std::string> child_environment(const std::string& locator) {
  std::vector<std::string> variables;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view variable(*entry);
    if (variable.starts_with("GTEST_") || variable.starts_with(kLocatorVariable)) continue;
    variables.emplace_back(variable);
  }
  variables.push_back(fmt::format("{}={}", kLocatorVariable, locator));
  return variables;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::string read_log(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::optional<std::string> ChildProcess::locator_from_parent() {
  const char* locator = std::getenv(kLocatorVariable);
  if (locator == nullptr) return std::nullopt;
  return std::string(locator);
}

Result<ChildProcess> ChildProcess::start(const std::string& locator) {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  if (test == nullptr) return Error(ErrorCode::kInternal, "a child process can only be started by a running test");

  std::string log_pattern = (std::filesystem::temp_directory_path() / "nimbus-child-XXXXXX").string();
  int log_fd = ::mkstemp(log_pattern.data());
  if (log_fd < 0) return Error(ErrorCode::kIoError, fmt::format("creating a log file: {}", std::strerror(errno)));

  std::vector<std::string> arguments = {"/proc/self/exe",
                                        fmt::format("--gtest_filter={}.{}", test->test_suite_name(), test->name()),
                                        "--gtest_color=no"};
  std::vector<std::string> environment = child_environment(locator);
  std::vector<char*> argv = pointers(arguments);
  std::vector<char*> envp = pointers(environment);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, log_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, log_fd, STDERR_FILENO);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(log_fd);
  if (rc != 0) {
    std::filesystem::remove(log_pattern);
    return Error(ErrorCode::kIoError, fmt::format("starting a child test process: {}", std::strerror(rc)));
  }
  return ChildProcess(pid, log_pattern);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, 0)), log_(std::move(other.log_)) {}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (!log_.empty()) {
    std::error_code ignored;
    std::filesystem::remove(log_, ignored);
  }
}

Status ChildProcess::wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return Error(ErrorCode::kInternal, "the child process was already waited for");
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) break;
    if (done < 0) return Error(ErrorCode::kIoError, fmt::format("waiting for the child: {}", std::strerror(errno)));
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      pid_ = 0;
      return Error(ErrorCode::kInternal, fmt::format("the child process was still running after {} ms; its output:\n{}",
                                                     timeout.count(), read_log(log_)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  pid_ = 0;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return ok_status();
  std::string how = WIFEXITED(status) ? fmt::format("exited with status {}", WEXITSTATUS(status))
                                      : fmt::format("was killed by signal {}", WTERMSIG(status));
  return Error(ErrorCode::kInternal, fmt::format("the child process {}; its output:\n{}", how, read_log(log_)));
}

}  // namespace nimbus::store::conformance
