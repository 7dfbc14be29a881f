#include "store/sqlite/database.h"

#include <clocale>
#include <climits>
#include <cwchar>
#include <cwctype>
#include <locale.h>
#include <mutex>
#include <string>

#include <fmt/format.h>

namespace nimbus::store::sqlite {

namespace {
ErrorCode code_for(int sqlite_code) {
  switch (sqlite_code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY: return ErrorCode::kAlreadyExists;
    case SQLITE_CONSTRAINT_FOREIGNKEY: return ErrorCode::kNotFound;
    default: break;
  }
  switch (sqlite_code & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return ErrorCode::kMalformed;
    default: return ErrorCode::kStoreError;
  }
}
}  // namespace

namespace {

// fold(text): text in lower case for the whole of Unicode's simple case mapping (SQLite's own
// lower() knows only ASCII), so that `cert list --subject zoë` finds "CN=ZOË".
void fold_case(sqlite3_context* context, int /*argc*/, sqlite3_value** argv) {
  static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  if (text == nullptr) {
    sqlite3_result_null(context);
    return;
  }
  std::string_view input(text, static_cast<std::size_t>(sqlite3_value_bytes(argv[0])));
  std::string out;
  out.reserve(input.size());
  std::mbstate_t decode{};
  std::mbstate_t encode{};
  char buffer[MB_LEN_MAX];
  locale_t previous = uselocale(utf8);
  for (std::size_t i = 0; i < input.size();) {
    wchar_t wide = 0;
    std::size_t used = std::mbrtowc(&wide, input.data() + i, input.size() - i, &decode);
    if (used == static_cast<std::size_t>(-1) || used == static_cast<std::size_t>(-2) || used == 0) {
      out.push_back(input[i]);  // not UTF-8: keep the byte as it is
      decode = std::mbstate_t{};
      ++i;
      continue;
    }
    std::size_t written = std::wcrtomb(buffer, static_cast<wchar_t>(std::towlower(static_cast<wint_t>(wide))), &encode);
    if (written == static_cast<std::size_t>(-1)) {
      out.append(input.data() + i, used);
    } else {
      out.append(buffer, written);
    }
    i += used;
  }
  uselocale(previous);
  sqlite3_result_text(context, out.data(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
}

}  // namespace

Result<Database> Database::open(const std::filesystem::path& path, bool create) {
  std::error_code ec;
  bool exists = std::filesystem::exists(path, ec);
  if (create && exists) {
    return Error(ErrorCode::kAlreadyExists,
                 fmt::format("a store already exists at '{}'; refusing to overwrite it", path.string()));
  }
  if (!create && !exists) {
    return Error(ErrorCode::kNotFound,
                 fmt::format("no store at '{}': run 'nimbus init' first, or pass --data", path.string()));
  }
  // Before SQLite's first use: without memory statistics, which nothing here reads, SQLite's
  // allocator takes no global mutex around every allocation.
  static std::once_flag configured;
  std::call_once(configured, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  Database database(db);
  if (rc != SQLITE_OK) {
    return Error(ErrorCode::kStoreError,
                 fmt::format("cannot open store '{}': {}", path.string(),
                             db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_create_function_v2(db, "fold", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, fold_case, nullptr,
                             nullptr, nullptr);
  return database;
}

Database::~Database() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

Error Database::error(std::string_view what) const {
  int code = sqlite3_extended_errcode(db_);
  return Error(code_for(code), fmt::format("{}: {}", what, sqlite3_errmsg(db_)));
}

Status Database::execute(std::string_view sql) {
  std::string copy(sql);
  if (sqlite3_exec(db_, copy.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return error("store statement failed");
  }
  return ok_status();
}

Result<Statement> Database::prepare(std::string_view sql) {
  auto cached = cache_.find(std::string(sql));
  if (cached != cache_.end() && !cached->second.in_use) {
    cached->second.in_use = true;
    return Statement(db_, cached->second.stmt, &cached->second.in_use);
  }
  // A statement already in use (a query nested in another's row loop) gets a private copy.
  bool keep = cached == cache_.end() && cache_.size() < kCacheLimit;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), keep ? SQLITE_PREPARE_PERSISTENT : 0, &stmt,
                         nullptr) != SQLITE_OK) {
    return error(fmt::format("preparing '{}'", sql.substr(0, 60)));
  }
  if (!keep) return Statement(db_, stmt, nullptr);
  Cached& entry = cache_[std::string(sql)];
  entry = {stmt, true};
  return Statement(db_, stmt, &entry.in_use);
}

Status Database::run(std::string_view sql) {
  NIMBUS_ASSIGN_OR_RETURN(Statement statement, prepare(sql));
  return statement.run();
}

int Database::changes() const { return sqlite3_changes(db_); }

void Database::on_wal_commit(std::function<void(int pages)> hook) {
  wal_hook_ = std::make_unique<std::function<void(int)>>(std::move(hook));
  sqlite3_wal_hook(
      db_,
      [](void* context, sqlite3*, const char*, int pages) {
        (*static_cast<std::function<void(int)>*>(context))(pages);
        return SQLITE_OK;
      },
      wal_hook_.get());
}

Result<Database::CheckpointOutcome> Database::checkpoint_passive() {
  int wal_pages = 0;
  int copied = 0;
  int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_pages, &copied);
  if (rc == SQLITE_BUSY) return CheckpointOutcome{true, 0};
  if (rc != SQLITE_OK) return error("checkpointing the write-ahead log");
  return CheckpointOutcome{false, wal_pages - copied};
}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (lease_ == nullptr) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *lease_ = false;
}

Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind_blob(int index, ByteView blob) {
  // Not copied: a CRL can be tens of megabytes. The statement forgets its bindings when destroyed.
  sqlite3_bind_blob(stmt_, index, blob.data(), static_cast<int>(blob.size()), SQLITE_STATIC);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Statement& Statement::bind_optional(int index, const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Error(code_for(sqlite3_extended_errcode(db_)),
               fmt::format("store query failed: {}", sqlite3_errmsg(db_)));
}

Status Statement::run() {
  for (;;) {
    NIMBUS_ASSIGN_OR_RETURN(bool row, step());
    if (!row) return ok_status();
  }
}

std::string Statement::text(int column) const {
  const unsigned char* data = sqlite3_column_text(stmt_, column);
  if (data == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(data),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::string_view Statement::text_view(int column) const {
  const unsigned char* data = sqlite3_column_text(stmt_, column);
  if (data == nullptr) return {};
  return std::string_view(reinterpret_cast<const char*>(data),
                          static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<std::string> Statement::optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

std::optional<std::int64_t> Statement::optional_integer(int column) const {
  if (is_null(column)) return std::nullopt;
  return integer(column);
}

Bytes Statement::blob(int column) const {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) return {};
  return Bytes(data, data + size);
}

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

}  // namespace nimbus::store::sqlite
