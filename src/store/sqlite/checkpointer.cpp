#include "store/sqlite/checkpointer.h"

#include <spdlog/spdlog.h>

#include "store/sqlite/database.h"

namespace nimbus::store::sqlite {

Checkpointer::Checkpointer(std::filesystem::path database, int threshold_pages)
    : database_(std::move(database)), threshold_pages_(threshold_pages) {}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Checkpointer::wal_grew(int pages) {
  if (pages >= threshold_pages_) request();
}

void Checkpointer::request() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    requested_ = true;
    // Started on first need: most CLI commands never write enough to want a checkpoint.
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  }
  wake_.notify_one();
}

unsigned long Checkpointer::completed() const {
  std::lock_guard lock(mutex_);
  return completed_;
}

void Checkpointer::run() {
  auto connection = Database::open(database_, /*create=*/false);
  if (!connection.ok()) {
    spdlog::error("store: the checkpoint thread cannot open '{}': {}; the write-ahead log will grow until the "
                  "store is closed",
                  database_.string(), connection.error().message());
    return;
  }
  // Syncs the database file after copying, as the writers' synchronous=FULL promises.
  if (Status configured = connection->execute("PRAGMA synchronous = FULL;"); !configured.ok()) {
    spdlog::warn("store: configuring the checkpoint connection: {}", configured.error().message());
  }
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return requested_ || stopping_; });
    if (stopping_) return;
    requested_ = false;
    lock.unlock();
    auto checkpointed = connection->checkpoint_passive();
    if (!checkpointed.ok()) {
      spdlog::warn("store: checkpoint of '{}' failed: {}", database_.string(), checkpointed.error().message());
    } else if (checkpointed->busy) {
      // Another process (or a closing connection) is checkpointing the same log right now.
      spdlog::debug("store: checkpoint of '{}' skipped: another connection is checkpointing", database_.string());
    } else if (checkpointed->pages_left > 0) {
      // A reader still needs the rest; the next commit past the threshold, or the next upkeep, asks
      // again.
      spdlog::debug("store: checkpoint left {} page(s) that a reader still uses", checkpointed->pages_left);
    }
    lock.lock();
    if (checkpointed.ok() && !checkpointed->busy) ++completed_;
  }
}

}  // namespace nimbus::store::sqlite
