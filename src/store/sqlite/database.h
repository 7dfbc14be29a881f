// A thin RAII layer over the SQLite C API, for the SQLite store only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <sqlite3.h>

#include "core/bytes.h"
#include "core/result.h"

namespace nimbus::store::sqlite {

class Statement;

// One open database connection. Not thread-safe; the store serialises access to it.
//
// Statements are compiled once per connection and kept: parsing and planning SQL costs more than
// running the small statements a certificate issuance makes.
class Database {
 public:
  // Opens an existing database file (kNotFound if absent) or creates one when `create` is set
  // (kAlreadyExists if present).
  static Result<Database> open(const std::filesystem::path& path, bool create);

  Database(Database&& other) noexcept
      : db_(std::exchange(other.db_, nullptr)),
        cache_(std::move(other.cache_)),
        wal_hook_(std::move(other.wal_hook_)) {}
  Database& operator=(Database&&) = delete;
  Database(const Database&) = delete;
  ~Database();

  // Runs SQL that returns no rows (may hold several statements).
  Status execute(std::string_view sql);
  // One statement, from the connection's cache when it is not already in use. The cache holds a
  // bounded number of distinct SQL texts; beyond that, statements are compiled for one use.
  Result<Statement> prepare(std::string_view sql);
  // Runs one statement that returns no rows, through the cache (BEGIN, COMMIT, SAVEPOINT, ...).
  Status run(std::string_view sql);
  // Rows changed by the last INSERT, UPDATE or DELETE on this connection.
  int changes() const;

  // Calls `hook` after each commit on this connection with the number of pages in the WAL, in
  // place of SQLite's automatic checkpoint (which this hook replaces). The hook runs inside the
  // commit: it must be quick and must not use this connection.
  void on_wal_commit(std::function<void(int pages)> hook);
  struct CheckpointOutcome {
    bool busy = false;   // another connection was checkpointing; nothing was done
    int pages_left = 0;  // frames still in the WAL because a reader needs them
  };
  // Copies as much of the WAL into the database as no reader still needs, waiting for nobody.
  Result<CheckpointOutcome> checkpoint_passive();

  // An error naming what failed, with SQLite's message.
  Error error(std::string_view what) const;

 private:
  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  static constexpr std::size_t kCacheLimit = 128;

  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<std::string, Cached> cache_;
  // Boxed: SQLite holds its address, which must not change when the Database moves.
  std::unique_ptr<std::function<void(int)>> wal_hook_;
};

// A prepared statement. Bind parameters by 1-based index, then step through rows.
class Statement {
 public:
  Statement(Statement&& other) noexcept
      : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), lease_(std::exchange(other.lease_, nullptr)) {}
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  // The blob is not copied: it must stay alive and unchanged until the statement is destroyed.
  Statement& bind_blob(int index, ByteView blob);
  Statement& bind_null(int index);
  Statement& bind_optional(int index, const std::optional<std::string>& text);

  // true when a row is available, false when done.
  Result<bool> step();
  // Steps to completion of a statement that returns no rows.
  Status run();

  std::string text(int column) const;
  // The same without a copy; valid until the statement steps or resets.
  std::string_view text_view(int column) const;
  std::optional<std::string> optional_text(int column) const;
  std::int64_t integer(int column) const;
  std::optional<std::int64_t> optional_integer(int column) const;
  Bytes blob(int column) const;
  bool is_null(int column) const;

 private:
  friend class Database;
  // `lease` is the cache entry's in-use flag for a cached statement (reset, not finalized, when
  // done), or null for a statement this object owns.
  Statement(sqlite3* db, sqlite3_stmt* stmt, bool* lease) : db_(db), stmt_(stmt), lease_(lease) {}
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool* lease_;
};

}  // namespace nimbus::store::sqlite
