#include "core/result.h"

#include <gtest/gtest.h>

namespace nimbus {
namespace {

Result<int> half(int n) {
  if (n % 2 != 0) return Error(ErrorCode::kInvalidArgument, "odd");
  return n / 2;
}

Result<int> quarter(int n) {
  NIMBUS_ASSIGN_OR_RETURN(int h, half(n));
  return half(h);
}

TEST(Result, PropagatesTheFirstError) {
  EXPECT_EQ(quarter(8).value(), 2);
  auto r = quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().to_string(), "invalid_argument: odd");
}

TEST(Error, SeparatesFailuresFromRejections) {
  EXPECT_FALSE(Error(ErrorCode::kPolicyViolation, "x").is_failure());
  EXPECT_TRUE(Error(ErrorCode::kIoError, "x").is_failure());
  EXPECT_EQ(error_code_name(ErrorCode::kBadPassphrase), "bad_passphrase");
}

TEST(Error, NamesTheFieldAtFaultThroughContext) {
  Error error = Error(ErrorCode::kInvalidArgument, "must be a string").at_field("profile");
  EXPECT_EQ(error.field(), "profile");
  Error contexted = std::move(error).with_context("the request");
  EXPECT_EQ(contexted.field(), "profile");
  EXPECT_EQ(contexted.message(), "the request: must be a string");
  EXPECT_TRUE(Error(ErrorCode::kNotFound, "no such thing").field().empty());
}

}  // namespace
}  // namespace nimbus
