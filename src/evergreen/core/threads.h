// One thread count for every pool a run uses.
#pragma once

namespace evergreen {

/// Sets LibTorch's intra-op threads and, when the process uses OpenBLAS, OpenBLAS's own pool,
/// which torch::set_num_threads does not reach: left alone, OpenBLAS keeps threads spinning on
/// every core, so a "one thread" run competes with itself.
///
/// Example:
///   set_thread_count(1);  // benchmarks measure one thread
void set_thread_count(int threads);

}  // namespace evergreen
