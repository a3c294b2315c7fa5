// What a checkpoint says about the run that wrote it, so that `--resume` continues that run and
// no other: the strategy and model names, the resolved configuration (with a digest) and a digest
// of the stream's data. A checkpoint copied from another run, a config.yaml edited after the stop
// or a data file changed under a stopped run is refused with the first difference named.
#pragma once

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "evergreen/data/experience.h"

namespace evergreen {

/// Top-level config keys a resumed run may change: they decide how fast a run goes and how much
/// it may allocate, never its numbers. Everything else (seed, stream, model, strategies, train,
/// green, the experiment's name) is part of the identity.
const std::vector<std::string>& keys_free_on_resume();

struct RunIdentity {
  std::string strategy;  ///< "er", or "stack(er, ewc)" for a stack
  std::string model;     ///< "mlp"
  std::string config;    ///< the resolved one-strategy config, keys sorted, minus the free keys
  std::string config_digest;  ///< content_digest(config)
  std::string data_digest;    ///< stream_data_digest of the stream trained on
  int64_t experiences = 0;    ///< in the stream

  nlohmann::json to_json() const;
  /// InputError when a field is missing, of the wrong type, or the config digest does not match
  /// the config text.
  static RunIdentity from_json(const nlohmann::json& json);
};

/// The identity of a run of `config` (one strategy in `strategies`, as the strategy's own
/// config.yaml holds it) on `stream`; `data_digest` is stream_data_digest(stream).
RunIdentity make_run_identity(const YAML::Node& config, const Stream& stream,
                              const std::string& data_digest);

/// A 128-bit digest of `bytes` as 32 hex digits. Guards against mistakes (an edited or replaced
/// file), not against an adversary: it is not a cryptographic hash.
std::string content_digest(std::string_view bytes);

/// The digest of every experience's name and its train and test tensors (names, dtypes, shapes
/// and every byte of data): any change to the data a run trains or is scored on changes it.
std::string stream_data_digest(const Stream& stream);

/// "" when a run of `now` may continue from a checkpoint of `saved`, else the first difference
/// as one line, e.g. "written by strategy 'er', this run is 'naive'" or "config differs from the
/// checkpoint's at train.learning_rate: 0.001 in the checkpoint, 0.01 now".
std::string run_identity_difference(const RunIdentity& saved, const RunIdentity& now);

}  // namespace evergreen
