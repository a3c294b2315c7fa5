// The .npy parser (data/io/npy_array.h) on arbitrary bytes, in memory: the magic, version,
// header dict (descr, fortran_order, shape) and the size of the data.
//
// Input: the .npy bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "evergreen/data/io/npy_array.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  evergreen::fuzz::initialize_fuzz_process();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace evergreen;
  fuzz::expect_only_input_errors(
      [&] { parse_npy(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.npy"); });
  return 0;
}
