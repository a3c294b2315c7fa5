// The sanitizers' default options for every program of the sanitizer build (EVERGREEN_FUZZ): the
// runtimes call these hooks at start-up, before main, so test discovery, ctest and a fuzzer run
// by hand all see the same settings without an environment to set up. ASAN_OPTIONS,
// UBSAN_OPTIONS and LSAN_OPTIONS given in the environment are applied after these and win.

extern "C" {

// Stack traces on every UBSan report, and the report ends the program (with
// -fno-sanitize-recover=all it would anyway; this keeps a build without that flag honest too).
const char* __ubsan_default_options() { return "print_stacktrace=1:halt_on_error=1"; }

// Leaks fail the program; the committed suppressions (fuzz/lsan.supp, each entry with its reason)
// cover the state LibTorch and its runtime libraries allocate once and never free.
const char* __lsan_default_options() {
  return "suppressions=" EVERGREEN_LSAN_SUPPRESSIONS ":print_suppressions=0";
}

// strict_string_checks: the C string functions check their whole argument, not only what they
// read. detect_stack_use_after_return stays off: it slows LibTorch's deep call stacks severely.
const char* __asan_default_options() {
  return "strict_string_checks=1:check_initialization_order=1:detect_leaks=1";
}

}  // extern "C"
