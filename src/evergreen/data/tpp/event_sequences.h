// Readers for marked event sequences (temporal point process data) in the three layouts public
// TPP data comes in: EasyTPP JSON, RMTPP paired text files and NumPy .npz arrival times. Each is
// implemented in its own file (easytpp_format.cpp, rmtpp_format.cpp, npz_format.cpp) on top of
// data/io/ (JSON records, ZIP archives, .npy arrays, text fields).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace evergreen {

/// One sequence of events: `times[i]` is when event i happened, `types[i]` its mark in
/// 0..num_types-1. Times are non-decreasing (ties are allowed: real logs have them).
///
/// Example:
///   MarkedSequence sequence{{0.0, 0.7, 1.5}, {2, 0, 2}};
struct MarkedSequence {
  std::vector<double> times;
  std::vector<int64_t> types;

  int64_t size() const { return static_cast<int64_t>(times.size()); }
};

/// A set of marked sequences with contiguous type ids. `original_type_ids[k]` is the id the file
/// used for type k, so results can be reported in the file's own ids.
///
/// Example:
///   EventDataset data = read_rmtpp_text("event-1-train.txt", "time-1-train.txt");
///   const MarkedSequence& first = data.sequences[0];
///   int64_t raw_id = data.original_type_ids[first.types[0]];  // the id as the file wrote it
struct EventDataset {
  std::vector<MarkedSequence> sequences;
  int64_t num_types = 0;
  std::vector<int64_t> original_type_ids;  ///< position k holds the raw id mapped to k

  /// Total number of events over all sequences.
  int64_t num_events() const;
};

/// Reads EasyTPP's layout: one JSON object per sequence with the keys `dim_process`, `seq_idx`,
/// `seq_len`, `time_since_start`, `time_since_last_event` and `type_event`, either one object
/// per line (JSON lines) or all of them in one JSON array. Types must lie in [0, dim_process)
/// and are kept as they are; dim_process must agree between sequences. The first event's
/// `time_since_last_event` may be 0 or its `time_since_start` (both conventions exist in
/// published files); later ones must equal the difference of consecutive times within a
/// relative tolerance of 1e-6.
///
/// Example:
///   EventDataset data = read_easytpp_json("taxi/train.json");
EventDataset read_easytpp_json(const std::string& file);

/// Reads RMTPP's layout: `event_file` and `time_file` hold one sequence per line, space
/// separated, line i of one matching line i of the other. Event types are integers (any values:
/// the distinct ids are mapped to 0..K-1 in increasing order); times are finite, non-decreasing
/// floats. Blank lines at the end of the files are ignored; anywhere else they are an error.
///
/// Example:
///   EventDataset data = read_rmtpp_text(dir + "/event-1-test.txt", dir + "/time-1-test.txt");
EventDataset read_rmtpp_text(const std::string& event_file, const std::string& time_file);

/// Reads unmarked arrival times from a NumPy .npz archive: `array` must be a little-endian
/// float64, C-ordered 2-D array (sequences x events). Every event gets type 0. STORED entries
/// are read directly; DEFLATED ones through `unzip -p`, which must be on the PATH.
///
/// Example:
///   EventDataset data = read_npz_arrival_times("synth/hawkes1.npz");  // 64 x 1,024 events
EventDataset read_npz_arrival_times(const std::string& file,
                                    const std::string& array = "arrival_times.npy");

/// Reads `file` in `format`: "npz", "easytpp" or "rmtpp", or "auto" to go by the extension
/// (.npz; .json or .jsonl for EasyTPP; anything else is RMTPP text). RMTPP's times are in
/// `time_file`, or when that is empty in the file named like `file` with "event" replaced by
/// "time" in its name (event-1-train.txt -> time-1-train.txt). InputError for an unknown format
/// or a missing time file.
///
/// Example:
///   EventDataset data = read_event_dataset("so/event.txt");  // times from so/time.txt
EventDataset read_event_dataset(const std::string& file, const std::string& format = "auto",
                                const std::string& time_file = "");

/// Writes `data` in EasyTPP's JSON-lines layout (read_easytpp_json reads it back; times with 17
/// significant digits, so they round-trip exactly), through a temporary file and a rename.
void write_easytpp_json(const EventDataset& data, const std::string& file);

}  // namespace evergreen
