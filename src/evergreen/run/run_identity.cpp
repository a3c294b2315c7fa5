#include "evergreen/run/run_identity.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "evergreen/core/error.h"
#include "evergreen/core/quoting.h"
#include "evergreen/strategies/stacked_strategy.h"

namespace evergreen {
namespace {

/// Two independent 64-bit lanes over 16-byte blocks: each block step is invertible, so two
/// inputs of one block never collide, and every byte of the input reaches the result. Fast
/// enough (several GB/s) to hash a whole stream on every run.
class Digest {
 public:
  void update(const void* data, size_t size) {
    auto bytes = static_cast<const unsigned char*>(data);
    length_ += size;
    if (pending_size_ > 0) {
      size_t take = std::min(size, kBlock - pending_size_);
      std::memcpy(pending_ + pending_size_, bytes, take);
      pending_size_ += take;
      bytes += take;
      size -= take;
      if (pending_size_ < kBlock) return;
      block(pending_);
      pending_size_ = 0;
    }
    for (; size >= kBlock; bytes += kBlock, size -= kBlock) block(bytes);
    std::memcpy(pending_, bytes, size);
    pending_size_ = size;
  }
  /// A field of a record: its length first, so that ("ab", "c") and ("a", "bc") differ.
  void field(std::string_view text) {
    number(static_cast<uint64_t>(text.size()));
    update(text.data(), text.size());
  }
  void number(uint64_t value) { update(&value, sizeof(value)); }

  std::string hex() {
    if (pending_size_ > 0) {
      std::memset(pending_ + pending_size_, 0, kBlock - pending_size_);
      block(pending_);
    }
    uint64_t a = mix(a_ ^ length_);
    uint64_t b = mix(b_ ^ (length_ * kPrime1));
    a += b;
    b += a;
    return fmt::format("{:016x}{:016x}", mix(a), mix(b));
  }

 private:
  static constexpr size_t kBlock = 16;
  static constexpr uint64_t kPrime1 = 0x9e3779b97f4a7c15ull;
  static constexpr uint64_t kPrime2 = 0xc2b2ae3d27d4eb4full;

  static uint64_t rotate(uint64_t value, int bits) {
    return (value << bits) | (value >> (64 - bits));
  }
  /// The 64-bit finaliser of MurmurHash3: every input bit flips about half the output bits.
  static uint64_t mix(uint64_t value) {
    value ^= value >> 33;
    value *= 0xff51afd7ed558ccdull;
    value ^= value >> 33;
    value *= 0xc4ceb9fe1a85ec53ull;
    value ^= value >> 33;
    return value;
  }
  void block(const unsigned char* bytes) {
    uint64_t first, second;
    std::memcpy(&first, bytes, 8);
    std::memcpy(&second, bytes + 8, 8);
    a_ = rotate(a_ ^ first, 29) * kPrime1;
    b_ = rotate(b_ ^ second, 31) * kPrime2;
  }

  uint64_t a_ = 0x243f6a8885a308d3ull;  // digits of pi: any fixed start would do
  uint64_t b_ = 0x13198a2e03707344ull;
  unsigned char pending_[kBlock] = {};
  size_t pending_size_ = 0;
  uint64_t length_ = 0;
};

/// `node` with every map's keys in sorted order, so that the same configuration always gives the
/// same text whichever order its file wrote the keys in.
YAML::Node sorted(const YAML::Node& node) {
  if (node.IsSequence()) {
    YAML::Node copy(YAML::NodeType::Sequence);
    for (const auto& item : node) copy.push_back(sorted(item));
    return copy;
  }
  if (!node.IsMap()) return YAML::Clone(node);
  std::vector<std::string> keys;
  for (const auto& item : node) keys.push_back(item.first.as<std::string>());
  std::sort(keys.begin(), keys.end());
  YAML::Node copy(YAML::NodeType::Map);
  for (const auto& key : keys) copy[key] = sorted(node[key]);
  return copy;
}

/// A value as a message quotes it: a scalar's text, or a map or list in flow style.
std::string value_text(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "(absent)";
  if (node.IsScalar()) return quote(node.Scalar());
  YAML::Emitter emitter;
  emitter << YAML::Flow << node;
  return quote(emitter.c_str());
}

std::string child_path(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

/// The first place where `saved` and `now` differ, as "PATH: A in the checkpoint, B now".
std::optional<std::string> first_difference(const std::string& path, const YAML::Node& saved,
                                            const YAML::Node& now) {
  auto differs = [&] {
    return fmt::format("{}: {} in the checkpoint, {} now", path.empty() ? "(top level)" : path,
                       value_text(saved), value_text(now));
  };
  if (!saved.IsDefined() || !now.IsDefined()) {
    if (saved.IsDefined() != now.IsDefined()) return differs();
    return std::nullopt;
  }
  if (saved.Type() != now.Type()) return differs();
  if (saved.IsMap()) {
    std::vector<std::string> keys;
    for (const auto& item : saved) keys.push_back(item.first.as<std::string>());
    for (const auto& item : now) keys.push_back(item.first.as<std::string>());
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (const auto& key : keys) {
      auto found = first_difference(child_path(path, key), saved[key], now[key]);
      if (found) return found;
    }
    return std::nullopt;
  }
  if (saved.IsSequence()) {
    for (size_t i = 0; i < std::min(saved.size(), now.size()); ++i) {
      auto found = first_difference(fmt::format("{}[{}]", path, i), saved[i], now[i]);
      if (found) return found;
    }
    if (saved.size() != now.size()) return differs();
    return std::nullopt;
  }
  if (saved.IsScalar() && saved.Scalar() != now.Scalar()) return differs();
  return std::nullopt;
}

void digest_batch(Digest& digest, const std::string& split, const Batch& batch) {
  digest.field(split);
  digest.number(batch.tensors().size());
  for (const auto& [name, tensor] : batch) {
    digest.field(name);
    digest.field(c10::toString(tensor.scalar_type()));
    digest.number(static_cast<uint64_t>(tensor.dim()));
    for (int64_t size : tensor.sizes()) digest.number(static_cast<uint64_t>(size));
    torch::Tensor bytes = tensor.cpu().contiguous();
    digest.update(bytes.data_ptr(), bytes.numel() * bytes.element_size());
  }
}

}  // namespace

const std::vector<std::string>& keys_free_on_resume() {
  static const std::vector<std::string> keys = {"threads", "force_threads", "memory_budget_gb"};
  return keys;
}

nlohmann::json RunIdentity::to_json() const {
  return {{"strategy", strategy},       {"model", model},
          {"config", config},           {"config_digest", config_digest},
          {"data_digest", data_digest}, {"experiences", experiences}};
}

RunIdentity RunIdentity::from_json(const nlohmann::json& json) {
  RunIdentity identity;
  try {
    identity.strategy = json.at("strategy").get<std::string>();
    identity.model = json.at("model").get<std::string>();
    identity.config = json.at("config").get<std::string>();
    identity.config_digest = json.at("config_digest").get<std::string>();
    identity.data_digest = json.at("data_digest").get<std::string>();
    identity.experiences = json.at("experiences").get<int64_t>();
  } catch (const nlohmann::json::exception& error) {
    throw InputError(fmt::format("damaged run identity ({})", quote(error.what())));
  }
  EVERGREEN_CHECK_INPUT(identity.config_digest == content_digest(identity.config),
                        "damaged run identity: its config does not match its digest");
  EVERGREEN_CHECK_INPUT(identity.experiences >= 1,
                        "damaged run identity: {} experiences in the stream", identity.experiences);
  return identity;
}

RunIdentity make_run_identity(const YAML::Node& config, const Stream& stream,
                              const std::string& data_digest) {
  RunIdentity identity;
  const YAML::Node entry = config["strategies"][0];
  identity.strategy = entry["name"].as<std::string>();
  std::vector<std::string> members = stacked_member_names(entry);
  if (!members.empty())
    identity.strategy = fmt::format("{}({})", identity.strategy, fmt::join(members, ", "));
  identity.model = config["model"]["name"].as<std::string>();
  YAML::Node kept = sorted(config);
  for (const auto& key : keys_free_on_resume()) kept.remove(key);
  YAML::Emitter emitter;
  emitter << kept;
  identity.config = std::string(emitter.c_str()) + "\n";
  identity.config_digest = content_digest(identity.config);
  identity.data_digest = data_digest;
  identity.experiences = stream.size();
  return identity;
}

std::string content_digest(std::string_view bytes) {
  Digest digest;
  digest.update(bytes.data(), bytes.size());
  return digest.hex();
}

std::string stream_data_digest(const Stream& stream) {
  Digest digest;
  digest.number(stream.experiences.size());
  for (const auto& experience : stream.experiences) {
    digest.field(experience.name);
    digest_batch(digest, "train", experience.train);
    digest_batch(digest, "test", experience.test);
  }
  return digest.hex();
}

std::string run_identity_difference(const RunIdentity& saved, const RunIdentity& now) {
  if (saved.strategy != now.strategy)
    return fmt::format("written by strategy '{}', this run is '{}'", quote(saved.strategy),
                       quote(now.strategy));
  if (saved.model != now.model)
    return fmt::format("written by model '{}', this run's is '{}'", quote(saved.model),
                       quote(now.model));
  if (saved.config_digest != now.config_digest) {
    std::optional<std::string> where;
    try {
      where = first_difference("", YAML::Load(saved.config), YAML::Load(now.config));
    } catch (const YAML::Exception&) {
      // A checkpoint's own text that does not parse: say that the configs differ, without where.
    }
    if (where) return "config differs from the checkpoint's at " + *where;
    return fmt::format("config differs from the checkpoint's (digest {} in the checkpoint, {} now)",
                       quote(saved.config_digest), now.config_digest);
  }
  if (saved.experiences != now.experiences)
    return fmt::format("written for a stream of {} experiences, this one has {}", saved.experiences,
                       now.experiences);
  if (saved.data_digest != now.data_digest)
    return fmt::format(
        "the stream's data differ from those the checkpoint was trained on (digest {} in the "
        "checkpoint, {} now): did a data file change?",
        quote(saved.data_digest), now.data_digest);
  return "";
}

}  // namespace evergreen
