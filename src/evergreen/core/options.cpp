#include "evergreen/core/options.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <sstream>

#include "evergreen/core/atomic_file.h"

namespace evergreen {

Options::Options(YAML::Node node, std::string path, std::string file)
    : node_(std::move(node)), path_(std::move(path)), file_(std::move(file)) {
  if (!node_.IsDefined() || node_.IsNull()) node_ = YAML::Node(YAML::NodeType::Map);
  EVERGREEN_CHECK_INPUT(node_.IsMap(), "{}: '{}' must be a map of options", where(""), path_);
}

std::string Options::field(const std::string& key) const {
  if (path_.empty()) return key;
  return key.empty() ? path_ : path_ + "." + key;
}

namespace {

/// The command-line assignments applied in this process, by the field they assigned
/// ("green.pue"), with the value's text, so that messages about those fields name them.
struct OverrideOrigin {
  std::string assignment;
  std::string value;
  int64_t order = 0;  ///< later assignments win over earlier ones to the same field
};
std::mutex override_origins_mutex;
std::map<std::string, OverrideOrigin> override_origins;
int64_t override_count = 0;

std::string flow_text(const YAML::Node& node) {
  YAML::Emitter emitter;
  emitter << YAML::Flow << node;
  return emitter.c_str();
}

/// Where `field` got its value when the latest assignment to it, or to a map above it as a whole
/// (--set 'green={pue: nan}'), gave it; "" when none did.
std::string override_origin(const std::string& field, const YAML::Node& value) {
  std::lock_guard<std::mutex> lock(override_origins_mutex);
  const OverrideOrigin* latest = nullptr;
  bool latest_is_exact = false;
  for (const auto& [assigned, origin] : override_origins) {
    bool exact = assigned == field && value.IsDefined() && flow_text(value) == origin.value;
    bool above = field.size() > assigned.size() &&
                 field.compare(0, assigned.size(), assigned) == 0 &&
                 (field[assigned.size()] == '.' || field[assigned.size()] == '[');
    if ((exact || above) && (!latest || origin.order > latest->order)) {
      latest = &origin;
      latest_is_exact = exact;
    }
  }
  if (!latest) return "";
  // Below the assigned key, the field itself is named too (strategies[0].name).
  return latest_is_exact ? quote(latest->assignment)
                         : fmt::format("{}: field '{}'", quote(latest->assignment), field);
}

}  // namespace

std::string Options::where(const std::string& key) const {
  const std::string origin = override_origin(field(key), key.empty() ? node_ : node_[key]);
  if (!origin.empty()) return origin;
  YAML::Mark mark = key.empty() || !node_[key].IsDefined() ? node_.Mark() : node_[key].Mark();
  std::string location = file_.empty() ? "config" : file_;
  if (!mark.is_null()) location += fmt::format(":{}:{}", mark.line + 1, mark.column + 1);
  return fmt::format("{}: field '{}'", location, field(key));
}

Options Options::child(const std::string& key) {
  read_.insert(key);
  if (!node_[key].IsDefined() || node_[key].IsNull()) node_[key] = YAML::Node(YAML::NodeType::Map);
  return Options(node_[key], field(key), file_);
}

std::string Options::get_choice(const std::string& key, const std::string& default_value,
                                const std::vector<std::string>& choices, const std::string& help) {
  auto value = get<std::string>(key, default_value, help_with_choices(help, choices));
  check_choice(where(key), value, choices);
  return value;
}

std::string help_with_choices(const std::string& help, const std::vector<std::string>& choices) {
  std::string list = fmt::format("one of: {}", fmt::join(choices, ", "));
  return help.empty() ? list : fmt::format("{} ({})", help, list);
}

void check_choice(const std::string& field, const std::string& value,
                  const std::vector<std::string>& choices) {
  if (std::find(choices.begin(), choices.end(), value) != choices.end()) return;
  throw InputError(fmt::format("{}: must be one of {}, got '{}'", field, fmt::join(choices, ", "),
                               quote(value)));
}

void Options::check_all_read() const {
  std::vector<std::string> unknown;
  for (const auto& entry : node_) {
    // A key that is a map or a list (YAML's "? key") is never an option's name.
    if (!entry.first.IsScalar()) {
      YAML::Mark mark = entry.first.Mark();
      throw InputError(
          fmt::format("{}:{}:{}: field '{}': an option's name must be plain text, "
                      "got '{}'",
                      file_.empty() ? "config" : file_, mark.line + 1, mark.column + 1, path_,
                      quote(flow_text(entry.first))));
    }
    auto key = entry.first.Scalar();
    if (!read_.count(key)) unknown.push_back(key);
  }
  if (unknown.empty()) return;
  std::vector<std::string> known(read_.begin(), read_.end());
  throw InputError(fmt::format("{}: unknown option (known options: {})", where(unknown.front()),
                               fmt::join(known, ", ")));
}

namespace {

/// Deepest nesting a config may have: deeper is not a config but a malformed (or hostile) file,
/// and recursing into it would exhaust the stack.
constexpr int kMaxConfigDepth = 64;

/// Throws InputError at the second occurrence of a key given twice in one map (yaml-cpp keeps
/// both and lookups find the first, so `{epochs: 1, epochs: 2}` would silently train one epoch).
void check_unique_keys(const YAML::Node& node, const std::string& file, int depth) {
  if (depth > kMaxConfigDepth) {
    throw InputError(fmt::format("{}:{}:{}: nested deeper than {} levels", file,
                                 node.Mark().line + 1, node.Mark().column + 1, kMaxConfigDepth));
  }
  if (node.IsSequence()) {
    for (const auto& item : node) check_unique_keys(item, file, depth + 1);
    return;
  }
  if (!node.IsMap()) return;
  std::map<std::string, YAML::Mark> seen;
  for (const auto& entry : node) {
    const YAML::Node& key = entry.first;
    std::string text = key.IsScalar() ? key.Scalar() : flow_text(key);
    auto [first, inserted] = seen.emplace(text, key.Mark());
    if (!inserted) {
      throw InputError(fmt::format(
          "{}:{}:{}: key '{}' is given twice in this map (first at line {})", file,
          key.Mark().line + 1, key.Mark().column + 1, quote(text), first->second.line + 1));
    }
    check_unique_keys(entry.second, file, depth + 1);
  }
}

}  // namespace

YAML::Node parse_yaml_config(const std::string& text, const std::string& file) {
  try {
    YAML::Node root = YAML::Load(text);
    if (root.IsNull()) return YAML::Node(YAML::NodeType::Map);
    EVERGREEN_CHECK_INPUT(root.IsMap(), "{}:{}:{}: the config must be a YAML map", file,
                          root.Mark().line + 1, root.Mark().column + 1);
    check_unique_keys(root, file, 0);
    return root;
  } catch (const YAML::ParserException& error) {
    throw InputError(fmt::format("{}:{}:{}: malformed YAML: {}", file, error.mark.line + 1,
                                 error.mark.column + 1, error.msg));
  } catch (const YAML::Exception& error) {
    throw InputError(fmt::format("{}: malformed YAML: {}", file, error.msg));
  }
}

YAML::Node load_yaml_file(const std::string& file) {
  std::error_code error;
  EVERGREEN_CHECK_INPUT(std::filesystem::exists(file, error), "{}: config file not found", file);
  EVERGREEN_CHECK_INPUT(!std::filesystem::is_directory(file, error),
                        "{}: is a directory, expected a YAML config file", file);
  // A config is a few kilobytes; a huge file given by mistake (a data set) is refused unread.
  constexpr std::uintmax_t kMaxConfigBytes = 16u << 20;
  auto size = std::filesystem::file_size(file, error);
  EVERGREEN_CHECK_INPUT(error || size <= kMaxConfigBytes,
                        "{}: {} bytes is too large for a config file (at most {})", file, size,
                        kMaxConfigBytes);
  std::ifstream in(file, std::ios::binary);
  EVERGREEN_CHECK_INPUT(in.good(), "{}: cannot read the config file: {}", file,
                        std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EVERGREEN_CHECK_INPUT(!in.bad(), "{}: cannot read the config file: {}", file,
                        std::strerror(errno));
  return parse_yaml_config(text, file);
}

void apply_override(YAML::Node root, const std::string& assignment, const std::string& origin) {
  auto equals = assignment.find('=');
  EVERGREEN_CHECK_INPUT(equals != std::string::npos && equals > 0,
                        "--set {}: expected key=value (e.g. train.epochs=5)", quote(assignment));
  std::string key = assignment.substr(0, equals);
  YAML::Node value;
  try {
    value = YAML::Load(assignment.substr(equals + 1));
  } catch (const YAML::Exception& error) {
    throw InputError(fmt::format("--set {}: malformed value: {}", quote(assignment), error.msg));
  }
  check_unique_keys(value, "--set " + quote(assignment), 0);
  // Walk the dotted path, creating maps as needed. Reassigning nodes in yaml-cpp rebinds, so
  // keep the chain of nodes alive by indexing from the root each time.
  std::vector<std::string> parts;
  std::stringstream stream(key);
  for (std::string part; std::getline(stream, part, '.');) {
    EVERGREEN_CHECK_INPUT(!part.empty(), "--set {}: empty component in key '{}'", quote(assignment),
                          quote(key));
    parts.push_back(part);
  }
  std::vector<YAML::Node> chain{root};
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node next = chain.back()[parts[i]];
    if (!next.IsDefined() || !next.IsMap()) {
      chain.back()[parts[i]] = YAML::Node(YAML::NodeType::Map);
      next = chain.back()[parts[i]];
    }
    chain.push_back(next);
  }
  chain.back()[parts.back()] = value;
  std::lock_guard<std::mutex> lock(override_origins_mutex);
  override_origins[key] = {origin.empty() ? "--set " + assignment : origin, flow_text(value),
                           ++override_count};
}

void save_yaml_file(const YAML::Node& node, const std::string& file) {
  YAML::Emitter emitter;
  emitter << node;
  write_file_atomically(file, std::string(emitter.c_str()) + "\n");
}

}  // namespace evergreen
