#include "fuzz_support.h"

#include <stdlib.h>
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "evergreen/core/resource_bounds.h"

namespace evergreen::fuzz {
namespace {

void remove_fuzz_directory() {
  std::error_code ignored;
  std::filesystem::remove_all(fuzz_directory(), ignored);
}

}  // namespace

void initialize_fuzz_process() {
  set_memory_budget_bytes(kFuzzMemoryBudgetBytes);
  // One thread: inputs are tiny, and a thread pool's start-up would dominate every run.
  torch::set_num_threads(1);
}

const std::string& fuzz_directory() {
  static const std::string directory = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "evergreen-fuzz-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("evergreen fuzz: cannot create a temporary directory");
      std::abort();
    }
    return pattern;
  }();
  static const bool registered = std::atexit(remove_fuzz_directory) == 0;
  (void)registered;
  return directory;
}

std::string write_fuzz_file(const std::string& name, std::string_view bytes) {
  const std::string path = fuzz_directory() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    std::perror(("evergreen fuzz: cannot write " + path).c_str());
    std::abort();
  }
  return path;
}

}  // namespace evergreen::fuzz
