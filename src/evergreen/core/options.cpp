#include "evergreen/core/options.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
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

std::string Options::where(const std::string& key) const {
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
  throw InputError(
      fmt::format("{}: must be one of {}, got '{}'", field, fmt::join(choices, ", "), value));
}

void Options::check_all_read() const {
  std::vector<std::string> unknown;
  for (const auto& entry : node_) {
    auto key = entry.first.as<std::string>();
    if (!read_.count(key)) unknown.push_back(key);
  }
  if (unknown.empty()) return;
  std::vector<std::string> known(read_.begin(), read_.end());
  throw InputError(fmt::format("{}: unknown option (known options: {})", where(unknown.front()),
                               fmt::join(known, ", ")));
}

YAML::Node load_yaml_file(const std::string& file) {
  EVERGREEN_CHECK_INPUT(std::filesystem::exists(file), "{}: config file not found", file);
  try {
    YAML::Node root = YAML::LoadFile(file);
    if (root.IsNull()) return YAML::Node(YAML::NodeType::Map);
    EVERGREEN_CHECK_INPUT(root.IsMap(), "{}:{}:{}: the config must be a YAML map", file,
                          root.Mark().line + 1, root.Mark().column + 1);
    return root;
  } catch (const YAML::ParserException& error) {
    throw InputError(fmt::format("{}:{}:{}: malformed YAML: {}", file, error.mark.line + 1,
                                 error.mark.column + 1, error.msg));
  } catch (const YAML::BadFile&) {
    throw InputError(fmt::format("{}: cannot read the config file", file));
  }
}

void apply_override(YAML::Node root, const std::string& assignment) {
  auto equals = assignment.find('=');
  EVERGREEN_CHECK_INPUT(equals != std::string::npos && equals > 0,
                        "--set {}: expected key=value (e.g. train.epochs=5)", assignment);
  std::string key = assignment.substr(0, equals);
  YAML::Node value;
  try {
    value = YAML::Load(assignment.substr(equals + 1));
  } catch (const YAML::Exception& error) {
    throw InputError(fmt::format("--set {}: malformed value: {}", assignment, error.msg));
  }
  // Walk the dotted path, creating maps as needed. Reassigning nodes in yaml-cpp rebinds, so
  // keep the chain of nodes alive by indexing from the root each time.
  std::vector<std::string> parts;
  std::stringstream stream(key);
  for (std::string part; std::getline(stream, part, '.');) {
    EVERGREEN_CHECK_INPUT(!part.empty(), "--set {}: empty component in key '{}'", assignment, key);
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
}

void save_yaml_file(const YAML::Node& node, const std::string& file) {
  YAML::Emitter emitter;
  emitter << node;
  write_file_atomically(file, std::string(emitter.c_str()) + "\n");
}

}  // namespace evergreen
