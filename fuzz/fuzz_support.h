// What every fuzz target shares: a per-process directory for readers that only take a path, the
// rule that InputError is the one expected outcome of bad input, and a way to draw reader options
// from the first bytes of an input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "evergreen/core/error.h"

namespace evergreen::fuzz {

/// The memory budget (resource_bounds.h) of a fuzz process: sizes the input decides are refused
/// above it with an InputError. scripts/fuzz.sh runs the fuzzers with -malloc_limit_mb=512, so
/// that a single allocation beyond twice the budget, which only a size that bypassed
/// check_allocation can reach, is reported as an out-of-memory finding.
constexpr double kFuzzMemoryBudgetBytes = 256.0 * 1024 * 1024;

/// Sets the process up for fuzzing (the memory budget above, one LibTorch thread); call from
/// LLVMFuzzerInitialize.
void initialize_fuzz_process();

/// A fresh directory under the system's temporary directory, made at the first call and removed
/// with its files when the process exits normally.
const std::string& fuzz_directory();

/// Writes `bytes` to the file `name` in fuzz_directory() (replacing it) and returns its path.
std::string write_fuzz_file(const std::string& name, std::string_view bytes);

/// Runs `action` on bad input: an InputError is the expected outcome and is swallowed; anything
/// else escapes, so that libFuzzer reports it (an uncaught exception aborts the process).
template <typename Action>
void expect_only_input_errors(Action&& action) {
  try {
    action();
  } catch (const InputError&) {
  }
}

/// The bytes of a fuzz input, consumed from the front: option choices first, the file after.
///
/// Example:
///   FuzzInput input(data, size);
///   char delimiter = input.pick<char>({',', ';', '\t', ' '});
///   std::string path = write_fuzz_file("series.csv", input.rest());
class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : bytes_(reinterpret_cast<const char*>(data), size) {}

  /// The next byte (0 once the input is exhausted).
  uint8_t byte() {
    if (bytes_.empty()) return 0;
    const auto value = static_cast<uint8_t>(bytes_.front());
    bytes_.remove_prefix(1);
    return value;
  }

  /// One of `choices`, chosen by the next byte.
  template <typename T, size_t N>
  T pick(const T (&choices)[N]) {
    return choices[byte() % N];
  }

  /// Everything not consumed yet.
  std::string_view rest() const { return bytes_; }

 private:
  std::string_view bytes_;
};

}  // namespace evergreen::fuzz
