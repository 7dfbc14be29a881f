// The SQLite schema, as an ordered list of migrations. A migration is never edited once released:
// changes are new entries at the end.
#pragma once

#include <span>
#include <string_view>

namespace nimbus::store::sqlite {

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

std::span<const Migration> migrations();

}  // namespace nimbus::store::sqlite
