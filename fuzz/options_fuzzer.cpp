// The YAML options layer (core/options.h) on arbitrary text: parse_yaml_config as for a config
// file, apply_override as for --set, then every key named like an option read back through
// Options with a getter of the usual types, as the engine's components read them, and the
// resolved config (what a run writes as config.yaml) parsed again.
//
// Input: one byte N (0-3), then N lines of `key=value` assignments, then the config's text.
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "evergreen/core/options.h"
#include "fuzz_support.h"

namespace evergreen::fuzz {
namespace {

// Deep enough for every real config (strategies: [{name: stack, of: [...]}]); the layer itself
// refuses nesting past 64 levels.
constexpr int kMaxReadDepth = 8;

// A stable choice of getter per key, so that one input always reads the same way.
uint32_t key_hash(const std::string& key) {
  uint32_t hash = 2166136261u;
  for (char c : key) hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
  return hash;
}

// Every option the engine reads is named like an identifier; any other key stays unread, so
// that check_all_read refuses it as the engine would (an unknown option).
bool is_option_name(const std::string& key) {
  if (key.empty() || key.size() > 64) return false;
  for (char c : key) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  }
  return true;
}

void read_every_option(Options options, int depth) {
  std::vector<std::string> keys;
  for (const auto& entry : options.node()) {
    if (entry.first.IsScalar() && is_option_name(entry.first.Scalar()))
      keys.push_back(entry.first.Scalar());
  }
  for (const std::string& key : keys) {
    (void)options.where(key);
    if (options.node()[key].IsMap() && depth < kMaxReadDepth) {
      read_every_option(options.child(key), depth + 1);
      continue;
    }
    switch (key_hash(key) % 8) {
      case 0:
        options.get<int64_t>(key, 1, "an integer");
        break;
      case 1:
        options.get<int>(key, 2, "a small integer");
        break;
      case 2:
        options.get<double>(key, 0.5, "a number");
        break;
      case 3:
        options.get<bool>(key, false, "a switch");
        break;
      case 4:
        options.get<std::string>(key, "text", "a string");
        break;
      case 5:
        options.get<std::vector<double>>(key, {1.0, 2.0}, "numbers");
        break;
      case 6:
        options.get<std::vector<std::string>>(key, {"a"}, "strings");
        break;
      default:
        options.get_choice(key, "mean", {"mean", "sum", "max"}, "a choice");
        break;
    }
  }
  options.check_all_read();
}

}  // namespace
}  // namespace evergreen::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  evergreen::fuzz::initialize_fuzz_process();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace evergreen;
  fuzz::FuzzInput input(data, size);
  const int assignment_count = input.byte() % 4;
  std::string text(input.rest());
  std::vector<std::string> assignments;
  for (int i = 0; i < assignment_count && !text.empty(); ++i) {
    const size_t end = text.find('\n');
    assignments.push_back(text.substr(0, end));
    text = end == std::string::npos ? std::string() : text.substr(end + 1);
  }
  fuzz::expect_only_input_errors([&] {
    YAML::Node root = parse_yaml_config(text, "fuzz.yaml");
    for (const std::string& assignment : assignments) apply_override(root, assignment);
    fuzz::read_every_option(Options(root, "", "fuzz.yaml"), 0);
    // What a run writes as its config.yaml (save_yaml_file) must read back, or --resume and
    // re-running the written config would fail on a config the engine itself produced.
    YAML::Emitter emitter;
    emitter << root;
    try {
      parse_yaml_config(emitter.c_str(), "resolved.yaml");
    } catch (const InputError& error) {
      throw std::logic_error(std::string("the resolved config does not read back: ") +
                             error.what() + "\n---\n" + emitter.c_str());
    }
  });
  return 0;
}
