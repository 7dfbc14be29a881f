#include "yaml/document.h"

#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::yaml {
namespace {

// `levels` collections inside each other, in each of the ways YAML writes nesting, holding "x".
std::string block_sequences(int levels) {  // "- - - x": compact sequences on one line
  std::string text;
  for (int i = 0; i < levels; ++i) text += "- ";
  return text + "x\n";
}
std::string flow_mappings(int levels) {  // "{a: {a: x}}"
  std::string text;
  for (int i = 0; i < levels; ++i) text += "{a: ";
  text += "x";
  for (int i = 0; i < levels; ++i) text += "}";
  return text + "\n";
}
std::string flow_sequences(int levels) {  // "[[x]]"
  return std::string(static_cast<std::size_t>(levels), '[') + "x" + std::string(static_cast<std::size_t>(levels), ']') +
         "\n";
}
std::string block_mappings(int levels) {  // "a:\n  a:\n    a: x", one level per line
  std::string text;
  for (int i = 0; i < levels; ++i) {
    text += std::string(static_cast<std::size_t>(2 * i), ' ') + (i + 1 == levels ? "a: x\n" : "a:\n");
  }
  return text;
}

using Writer = std::string (*)(int);
const Writer kWriters[] = {block_sequences, flow_mappings, flow_sequences, block_mappings};

TEST(LoadSingleDocument, ReadsNestingUpToTheLimit) {
  for (Writer write : kWriters) {
    auto loaded = load_single_document(write(kMaxNesting), "profile");
    ASSERT_TRUE(loaded.ok()) << write(3) << loaded.error().message();
    YAML::Node node = *loaded;
    int depth = 0;
    while (node.IsMap() || node.IsSequence()) {
      node = node.IsMap() ? node["a"] : node[0];
      ++depth;
    }
    EXPECT_EQ(depth, kMaxNesting) << write(3);
    EXPECT_EQ(node.Scalar(), "x");
  }
}

TEST(LoadSingleDocument, RefusesOneLevelMoreWithTheLineWhereItOpens) {
  for (Writer write : kWriters) {
    auto loaded = load_single_document(write(kMaxNesting + 1), "profile");
    ASSERT_FALSE(loaded.ok()) << write(3);
    EXPECT_EQ(loaded.error().code(), ErrorCode::kInvalidArgument);
    // Only the block mappings put each level on a line of its own.
    int line = write == block_mappings ? kMaxNesting + 1 : 1;
    EXPECT_EQ(loaded.error().message(),
              fmt::format("line {}: nesting deeper than {} levels of lists and mappings", line, kMaxNesting));
  }
}

// Far past yaml-cpp's own guard (which says only "bad file"), and past what its recursion could
// take on a thread's stack without one: refused at the limit all the same.
TEST(LoadSingleDocument, RefusesNestingThatWouldExhaustTheStack) {
  for (int levels : {500, 100000}) {
    for (Writer write : {block_sequences, flow_mappings, flow_sequences}) {
      auto loaded = load_single_document(write(levels), "configuration");
      ASSERT_FALSE(loaded.ok());
      EXPECT_NE(loaded.error().message().find("nesting deeper than 64 levels"), std::string::npos)
          << loaded.error().message();
    }
  }
  auto deep = load_single_document(block_mappings(500), "configuration");
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error().message(), "line 65: nesting deeper than 64 levels of lists and mappings");
}

// Nesting is counted where collections open, not how many a document holds side by side.
TEST(LoadSingleDocument, ManyCollectionsSideBySideAreNotNesting) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += fmt::format("k{}: {}", i, flow_sequences(10));
  NIMBUS_ASSERT_OK_AND_ASSIGN(YAML::Node root, load_single_document(text, "profile"));
  EXPECT_EQ(root.size(), 200u);
}

TEST(LoadSingleDocument, RefusesEmptyTextsAndSecondDocuments) {
  auto empty = load_single_document("", "profile");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message(), "the profile is empty");

  auto two = load_single_document("a: 1\n---\nb: 2\n", "configuration");
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(two.error().message(),
            "line 2: the configuration ends before this line; a configuration is exactly one YAML document");

  NIMBUS_ASSERT_OK_AND_ASSIGN(YAML::Node explicit_start, load_single_document("---\na: 1\n...\n", "profile"));
  EXPECT_EQ(explicit_start["a"].Scalar(), "1");
}

TEST(LoadSingleDocument, SyntaxErrorsNameTheLine) {
  auto broken = load_single_document("a: 1\nb: [unclosed\n", "profile");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(broken.error().message().starts_with("line 3: ")) << broken.error().message();
}

}  // namespace
}  // namespace nimbus::yaml
