#include "evergreen/core/threads.h"

#include <dlfcn.h>
#include <torch/torch.h>

namespace evergreen {

void set_thread_count(int threads) {
  torch::set_num_threads(threads);
  // Looked up at run time: the BLAS behind LibTorch is chosen by the system (Debian's
  // alternatives), so OpenBLAS may be absent and is never a link-time dependency.
  using SetThreads = void (*)(int);
  if (auto set_openblas = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    set_openblas(threads);
}

}  // namespace evergreen
