// The RMTPP reader (data/tpp/rmtpp_format.cpp) on arbitrary pairs of event and time files.
//
// Input: the event file's contents, a NUL byte, the time file's contents (no NUL: an empty time
// file).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "evergreen/data/tpp/event_sequences.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  evergreen::fuzz::initialize_fuzz_process();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace evergreen;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const size_t separator = bytes.find('\0');
  const std::string event_file =
      fuzz::write_fuzz_file("event-1-train.txt", bytes.substr(0, separator));
  const std::string time_file = fuzz::write_fuzz_file(
      "time-1-train.txt",
      separator == std::string_view::npos ? std::string_view() : bytes.substr(separator + 1));
  fuzz::expect_only_input_errors([&] { read_rmtpp_text(event_file, time_file); });
  return 0;
}
