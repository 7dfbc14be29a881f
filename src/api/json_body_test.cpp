#include "api/json_body.h"

#include <gtest/gtest.h>

namespace nimbus::api {
namespace {

Bytes body(std::string_view text) { return Bytes(text.begin(), text.end()); }

TEST(JsonBody, AnEmptyBodyIsAnEmptyObject) {
  auto parsed = parse_json_object({});
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->is_object());
  EXPECT_TRUE(parsed->empty());
}

TEST(JsonBody, RefusesWhatIsNotAnObject) {
  EXPECT_EQ(parse_json_object(body("[1]")).error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(parse_json_object(body("{\"a\":")).error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(parse_json_object(body("\"x\"")).error().code(), ErrorCode::kMalformed);
}

TEST(JsonBody, NamesTheMemberAtFault) {
  auto object = *parse_json_object(body(R"({"profile": 3, "variables": {"UserName": 1}, "typo": true})"));
  EXPECT_EQ(required_string(object, "profile").error().field(), "profile");
  EXPECT_EQ(required_string(object, "absent").error().field(), "absent");
  EXPECT_EQ(optional_string_map(object, "variables").error().field(), "variables.UserName");
  auto unknown = refuse_unknown_members(object, {"profile", "variables"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().field(), "typo");
}

TEST(JsonBody, ReadsStringsAndMaps) {
  auto object = *parse_json_object(body(R"({"profile": "vpn", "variables": {"UserName": "alice"}, "note": null})"));
  EXPECT_EQ(*required_string(object, "profile"), "vpn");
  EXPECT_FALSE(optional_string(object, "note")->has_value());
  EXPECT_EQ(optional_string_map(object, "variables")->at("UserName"), "alice");
}

}  // namespace
}  // namespace nimbus::api
