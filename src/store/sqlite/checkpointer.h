// Checkpointer: a WAL database's checkpoints, on a thread of their own.
//
// SQLite's automatic checkpoint runs inside whichever commit makes the write-ahead log cross its
// threshold: copying the log back into the database and syncing it then stalls that commit, and
// every commit queued behind it, by the time it takes to write the log twice (tens of
// milliseconds for a burst of issuances, a tenth of a second after a CRL of fifty megabytes).
// Here a commit only reports the log's size; past the threshold, a thread with its own
// connection runs a passive checkpoint, which waits for no reader and no writer.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

namespace nimbus::store::sqlite {

// Thread-safe: wal_grew may be called from any thread, including from inside a commit.
class Checkpointer {
 public:
  // SQLite's own default threshold: a thousand pages (4 MB with the default page size).
  static constexpr int kDefaultThresholdPages = 1000;

  explicit Checkpointer(std::filesystem::path database, int threshold_pages = kDefaultThresholdPages);
  // Lets a checkpoint in progress finish, then stops the thread. Whatever is left in the log is
  // checkpointed by SQLite when the last connection to the database closes, or by the next
  // checkpoint of any process that has it open.
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Reports the log's size after a commit; wakes the thread (starting it the first time) when the
  // log has reached the threshold. Never blocks on a checkpoint.
  void wal_grew(int pages);
  // Asks for a checkpoint of whatever the log holds, whatever its size. Never blocks on it.
  void request();

  // Checkpoints completed so far, for tests and diagnostics.
  unsigned long completed() const;

 private:
  void run();

  const std::filesystem::path database_;
  const int threshold_pages_;

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable wake_;
  bool requested_ = false;
  bool stopping_ = false;
  unsigned long completed_ = 0;
  std::thread thread_;
};

}  // namespace nimbus::store::sqlite
