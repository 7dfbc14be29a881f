// Result<T>: a value or an Error. Status is Result<void>.
//
// Every fallible Nimbus function returns one of these; both are [[nodiscard]] so that a caller
// cannot drop an error by accident. A Result is a plain value: not thread-safe to mutate, safe to
// copy between threads.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "core/error.h"

namespace nimbus {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return state_.index() == 0; }

  T& value() & { assert(ok()); return std::get<0>(state_); }
  const T& value() const& { assert(ok()); return std::get<0>(state_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(state_)); }

  const Error& error() const& { assert(!ok()); return std::get<1>(state_); }
  Error&& error() && { assert(!ok()); return std::get<1>(std::move(state_)); }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}

  bool ok() const { return !error_.has_value(); }
  const Error& error() const& { assert(!ok()); return *error_; }
  Error&& error() && { assert(!ok()); return std::move(*error_); }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

inline Status ok_status() { return Status(); }

}  // namespace nimbus

#define NIMBUS_CONCAT_INNER(a, b) a##b
#define NIMBUS_CONCAT(a, b) NIMBUS_CONCAT_INNER(a, b)

// Returns the error of a Result or Status expression from the enclosing function.
#define NIMBUS_TRY(expr)                            \
  do {                                              \
    auto&& nimbus_try_result = (expr);              \
    if (!nimbus_try_result.ok()) {                  \
      return std::move(nimbus_try_result).error();  \
    }                                               \
  } while (false)

// Declares or assigns `lhs` from a Result expression, returning its error instead if it has one.
#define NIMBUS_ASSIGN_OR_RETURN(lhs, expr) \
  NIMBUS_ASSIGN_OR_RETURN_IMPL(NIMBUS_CONCAT(nimbus_result_, __LINE__), lhs, expr)
#define NIMBUS_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) {                                   \
    return std::move(tmp).error();                   \
  }                                                  \
  lhs = std::move(tmp).value()
