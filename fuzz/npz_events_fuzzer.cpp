// The NumPy .npz arrival-times reader (data/tpp/npz_format.cpp): the ZIP archive, its stored or
// deflated (through `unzip -p`) entry and the .npy array inside, then the times' checks.
//
// Input: the .npz file's contents.
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
  const std::string file = fuzz::write_fuzz_file(
      "events.npz", std::string_view(reinterpret_cast<const char*>(data), size));
  fuzz::expect_only_input_errors([&] { read_npz_arrival_times(file); });
  return 0;
}
