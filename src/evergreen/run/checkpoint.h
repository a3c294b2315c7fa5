// A strategy's checkpoint (checkpoint.pt): the trainer's state (model, optimisers, strategy,
// generator), the run record, the green meter's measures and the identity of the run that wrote
// it, in one LibTorch archive. Written after every experience, atomically: a failed write (full
// disk, I/O error) leaves the previous checkpoint as it was.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "evergreen/eval/continual_metrics.h"
#include "evergreen/run/run_identity.h"

namespace evergreen {

class Trainer;
class GreenMeter;

/// Records of a strategy's run so far: what a checkpoint must restore besides the trainer.
struct RunRecord {
  std::vector<double> initial;  ///< the main metric on each experience before training
  MetricMatrix matrix;          ///< row i: the main metric on each experience after i + 1
  nlohmann::json evaluations = nlohmann::json::array();  ///< metrics.jsonl's lines

  nlohmann::json to_json() const;
  /// Throws nlohmann::json::exception when a field is missing or of the wrong type.
  static RunRecord from_json(const nlohmann::json& json);
};

/// The checkpoint's bytes (a LibTorch archive), serialised in memory.
std::string checkpoint_bytes(const RunIdentity& identity, const Trainer& trainer,
                             const RunRecord& record, const GreenMeter& meter);

/// Writes the checkpoint to `file` through write_file_atomically: EnvironmentError naming the
/// path and the OS's reason when the disk refuses, with `file` left as it was.
void write_checkpoint(const std::string& file, const RunIdentity& identity, const Trainer& trainer,
                      const RunRecord& record, const GreenMeter& meter);

/// The identity recorded in the checkpoint at `file`. InputError when the file is not an
/// evergreen checkpoint or was written without an identity.
RunIdentity read_checkpoint_identity(const std::string& file);

/// InputError unless `data` is a ZIP archive whose every entry is stored and matches its CRC-32.
/// LibTorch 1.13 reads archive entries without checking their checksums, and some damaged ones
/// crash it (a segmentation fault parsing damaged TorchScript source) or make it allocate what they
/// declare; both readers below check the archive first, so a damaged checkpoint is an error.
void verify_checkpoint_archive(const char* data, size_t size);

/// Restores `trainer`, `record` and `meter` from the checkpoint at `file`. With `expected`, a
/// checkpoint of another run is refused first, with one line naming what differs. Any malformed
/// content throws InputError naming `file`; a file the OS cannot read, EnvironmentError.
void read_checkpoint(const std::string& file, const RunIdentity* expected, Trainer& trainer,
                     RunRecord& record, GreenMeter& meter);

/// As above, from the `size` bytes at `data`; messages name `name`. Throws only InputError.
void read_checkpoint(const char* data, size_t size, const std::string& name,
                     const RunIdentity* expected, Trainer& trainer, RunRecord& record,
                     GreenMeter& meter);

}  // namespace evergreen
