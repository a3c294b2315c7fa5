// Kinds of error, as PyTorch separates TORCH_CHECK from internal asserts: InputError is the
// user's (bad file, bad option: exit code 2), EnvironmentError the machine's (disk full, I/O
// error, output directory locked by another run: exit code 3), anything else is ours (exit 1).
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace evergreen {

/// Bad input or configuration. The message names the file, line and field where known.
///
/// Example:
///   throw InputError(fmt::format("{}:{}: column '{}': expected a number, got '{}'", file, line,
///                                column, text));
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
};

/// The environment refused: an I/O error or full disk while writing, a directory another run
/// holds. The message names the path and the OS's reason; retrying elsewhere may succeed.
class EnvironmentError : public std::runtime_error {
 public:
  explicit EnvironmentError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace evergreen

/// Throws InputError with a formatted message unless `condition` holds.
#define EVERGREEN_CHECK_INPUT(condition, ...)                     \
  do {                                                            \
    if (!(condition)) throw ::evergreen::InputError(fmt::format(__VA_ARGS__)); \
  } while (false)

/// A broken internal invariant: a bug in evergreen, never the user's input.
#define EVERGREEN_ASSERT(condition, ...)                                                   \
  do {                                                                                     \
    if (!(condition))                                                                      \
      throw std::logic_error(fmt::format("internal error at {}:{}: {}", __FILE__, __LINE__, \
                                         fmt::format(__VA_ARGS__)));                       \
  } while (false)
