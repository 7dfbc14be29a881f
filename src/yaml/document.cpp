#include "yaml/document.h"

#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>

namespace nimbus::yaml {

namespace {

// Thrown out of the parser by the event handler when a collection opens too deep; yaml-cpp's own
// exceptions unwind the same way.
struct TooDeep {
  YAML::Mark mark;
};

// Where documents start, and how deep collections go (throwing TooDeep past kMaxNesting).
class Outline : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    enter(mark);
  }
  void OnSequenceEnd() override { --depth_; }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    enter(mark);
  }
  void OnMapEnd() override { --depth_; }

  std::vector<YAML::Mark> starts;

 private:
  void enter(const YAML::Mark& mark) {
    if (++depth_ > kMaxNesting) throw TooDeep{mark};
  }
  int depth_ = 0;
};

Error at_line(const YAML::Mark& mark, std::string_view why) {
  return Error(ErrorCode::kInvalidArgument, fmt::format("line {}: {}", mark.line + 1, why));
}

}  // namespace

Result<YAML::Node> load_single_document(std::string_view text, std::string_view what) {
  std::string copy(text);
  try {
    // The events of the first two documents at most. Not YAML::LoadAll: yaml-cpp 0.7 can report
    // empty documents forever on malformed input (",") and LoadAll collects them until memory runs
    // out (fixed upstream in yaml-cpp#1319).
    std::istringstream in(copy);
    YAML::Parser parser(in);
    Outline outline;
    for (int document = 0; document < 2 && parser.HandleNextDocument(outline); ++document) {
    }
    if (outline.starts.empty()) return Error(ErrorCode::kInvalidArgument, fmt::format("the {} is empty", what));
    if (outline.starts.size() > 1) {
      return at_line(outline.starts[1],
                     fmt::format("the {} ends before this line; a {} is exactly one YAML document", what, what));
    }
    return YAML::Load(copy);
  } catch (const TooDeep& deep) {
    return at_line(deep.mark, fmt::format("nesting deeper than {} levels of lists and mappings", kMaxNesting));
  } catch (const YAML::Exception& e) {
    return at_line(e.mark, e.msg);
  }
}

}  // namespace nimbus::yaml
