#!/usr/bin/env bash
# The sanitizer build (ASan + UBSan, clang-14) and what runs in it: the unit tests and the
# libFuzzer targets of fuzz/. One instrumented library serves both.
#
#   scripts/fuzz.sh build             configure and build build-fuzz/ (library, unit tests, fuzzers)
#   scripts/fuzz.sh sanitize          build, then the unit tests (ctest -L unit) under ASan + UBSan
#   scripts/fuzz.sh run [TARGET...]   build, then each fuzz target (all by default) for
#                                     FUZZ_SECONDS; fails on any crash, leak, timeout or
#                                     sanitizer report, keeping the input in build-fuzz/findings/
#   scripts/fuzz.sh list              the fuzz targets
#
# Environment: FUZZ_SECONDS (60 per target), FUZZ_JOBS (targets run at once, 1), FUZZ_TIMEOUT
# (seconds one input may take, 10), FUZZ_SEED (libFuzzer's -seed; 0, the default, picks one
# from the clock), JOBS (compile jobs, 2), FUZZ_BUILD_DIR (build-fuzz),
# SHARED_DATA (../shared/data: seed inputs are cut from it at run time, the repository keeps
# only a few tiny hand-made ones in fuzz/corpus/). Which unit tests run under the sanitizers is
# the CMake cache variable EVERGREEN_SANITIZE_TEST_FILTER of build-fuzz/ (tests/CMakeLists.txt).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
JOBS=${JOBS:-2}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_JOBS=${FUZZ_JOBS:-1}
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-10}
FUZZ_SEED=${FUZZ_SEED:-0}
SHARED_DATA=${SHARED_DATA:-../shared/data}
CXX_COMPILER=${FUZZ_CXX:-clang++-14}
# Debian installs clang-14's llvm-symbolizer off the PATH; without it reports show bare addresses.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && [ -x /usr/lib/llvm-14/bin/llvm-symbolizer ]; then
  export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
fi

targets() {
  local source
  for source in fuzz/*_fuzzer.cpp; do
    source=${source##*/}
    echo "${source%_fuzzer.cpp}"
  done
}

build() {
  if ! command -v "$CXX_COMPILER" >/dev/null; then
    echo "fuzz.sh: $CXX_COMPILER not found (scripts/install-deps.sh installs clang-14)" >&2
    exit 2
  fi
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_CXX_COMPILER="$CXX_COMPILER" -DEVERGREEN_FUZZ=ON
  fi
  # nice: the sanitizer build is long and should not starve an interactive build beside it.
  nice -n 10 cmake --build "$BUILD_DIR" -j "$JOBS"
}

sanitize() {
  build
  (cd "$BUILD_DIR" && ctest -L unit --output-on-failure -j "$JOBS")
}

dictionary_of() {
  case "$1" in
    options) echo fuzz/yaml.dict ;;
    csv_series | alibaba_trace | azure_functions | nasa_requests | rmtpp) echo fuzz/csv.dict ;;
    easytpp) echo fuzz/json.dict ;;
    npz_events | zip_archive | npy | checkpoint) echo fuzz/zip.dict ;;
    idx_file) echo fuzz/idx.dict ;;
    llama2c_tokenizer) ;; # binary records: no tokens worth a dictionary
    safetensors) echo fuzz/safetensors.dict ;;
  esac
}

# seed DIR NAME OPTION_BYTES FILE [BYTES]: the target's option bytes (printf escapes) followed by
# the first BYTES (16 KiB) of FILE, when FILE exists.
seed() {
  local directory=$1 name=$2 options=$3 file=$4 bytes=${5:-16384}
  [ -f "$file" ] || return 0
  { printf "$options"; head -c "$bytes" "$file"; } >"$directory/$name"
}

# Fills DIR with the seeds of TARGET: the committed ones, prefixes of the shared data, and for the
# checkpoint real checkpoints written by the fuzzer itself (their layout follows the code).
prepare_seeds() {
  local target=$1 directory=$2 data=$SHARED_DATA
  rm -rf "$directory"
  mkdir -p "$directory"
  if [ -d "fuzz/corpus/$target" ]; then cp fuzz/corpus/"$target"/* "$directory"/ 2>/dev/null || true; fi
  case "$target" in
    options)
      local config
      for config in configs/*.yaml tests/golden/*.yaml; do
        seed "$directory" "$(basename "$config")" '\x00' "$config"
      done
      ;;
    csv_series)
      seed "$directory" alibaba-grouped.csv '\x00\x00\x00\x03\x00\x00\x01\x00' \
        "$data/workload/alibaba2018/machine_usage_300s.csv" 4096
      seed "$directory" nab-cpu.csv '\x00\x00\x00\x02\x00\x00\x00\x00' \
        "$data/workload/nab/data/realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv" 4096
      seed "$directory" bitbrains.csv '\x01\x00\x00\x04\x00\x00\x00\x00' \
        "$data/workload/bitbrains_rnd/2013-7/1.csv" 4096
      ;;
    alibaba_trace)
      seed "$directory" grouped-300s.csv '\x00\x00\x00\x00\x00\x00\x00' \
        "$data/workload/alibaba2018/machine_usage_300s.csv" 4096
      seed "$directory" grouped-30s.csv '\x04\x01\x00\x00\x02\x01\x01' \
        "$data/workload/alibaba2018/machine_usage_30s.csv" 4096
      ;;
    nasa_requests)
      local archive="$data/workload/nasa/workload.tbz2"
      if [ -f "$archive" ] && command -v tar >/dev/null && command -v bzip2 >/dev/null; then
        local text="$directory/requests.raw"
        { tar -xOjf "$archive" 2>/dev/null || true; } | head -c 4096 >"$text"
        seed "$directory" requests.txt '\x00\x00' "$text"
        # The same text as the bzip2 tar the trace is published in, for the tar path.
        mkdir "$directory/tar" && mv "$text" "$directory/tar/requests"
        tar -cjf "$directory/tar/requests.tbz2" -C "$directory/tar" requests
        seed "$directory" requests.tbz2 '\x01\x02' "$directory/tar/requests.tbz2"
        rm -r "$directory/tar"
      fi
      ;;
    rmtpp)
      local pair
      for pair in stackoverflow/event.txt:stackoverflow/time.txt \
        mimic2/event-1-test.txt:mimic2/time-1-test.txt; do
        local events="$data/tpp/${pair%%:*}" times="$data/tpp/${pair##*:}"
        [ -f "$events" ] && [ -f "$times" ] || continue
        { head -n 3 "$events"; printf '\0'; head -n 3 "$times"; } \
          >"$directory/$(dirname "${pair%%:*}").txt"
      done
      ;;
    idx_file)
      seed "$directory" fashion-t10k-labels.gz '' \
        /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz 65536
      ;;
    llama2c_tokenizer)
      # Option bytes: the vocabulary size (0: read to the end of the file; 255: 512 tokens), the
      # text's length and the text; then the whole 6,227-byte tok512.bin.
      seed "$directory" tok512.bin '\x00\x0cOnce upon a ' "$data/lm/stories260K/tok512.bin" 8192
      seed "$directory" tok512-vocab512.bin '\xff\x06Lily.\n' "$data/lm/stories260K/tok512.bin" 8192
      ;;
    checkpoint)
      EVERGREEN_FUZZ_WRITE_SEEDS="$directory" "$BUILD_DIR/bin/checkpoint_fuzzer"
      ;;
    safetensors)
      # One F32 tensor [1] = 1.0: header length 56 (the 54-byte JSON padded with spaces), data.
      printf '\x38\x00\x00\x00\x00\x00\x00\x00%s  \x00\x00\x80\x3f' \
        '{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}' >"$directory/one-f32.safetensors"
      ;;
  esac
}

# run_target TARGET: fuzzes TARGET for FUZZ_SECONDS; its log goes to findings/TARGET.log.
run_target() {
  local target=$1
  local binary="$BUILD_DIR/bin/${target}_fuzzer"
  local corpus="$BUILD_DIR/corpus/$target" seeds="$BUILD_DIR/seeds/$target"
  local findings="$BUILD_DIR/findings/$target"
  mkdir -p "$corpus" "$findings"
  prepare_seeds "$target" "$seeds"
  # A single allocation above 512 MiB is a finding: the fuzzers' memory budget is 256 MiB
  # (kFuzzMemoryBudgetBytes in fuzz/fuzz_support.h), so only a size the input decides that
  # bypassed check_allocation can reach it.
  local arguments=(-max_total_time="$FUZZ_SECONDS" -timeout="$FUZZ_TIMEOUT" -rss_limit_mb=2048
    -malloc_limit_mb=512 -print_final_stats=1 -artifact_prefix="$findings/")
  # A fixed seed makes a run repeatable (CI uses one); 0 lets libFuzzer pick one from the clock.
  [ "$FUZZ_SEED" != 0 ] && arguments+=(-seed="$FUZZ_SEED")
  local dictionary
  dictionary=$(dictionary_of "$target")
  [ -n "$dictionary" ] && arguments+=(-dict="$dictionary")
  # Readers that decompress through tar or unzip read nothing from standard input.
  if "$binary" "${arguments[@]}" "$corpus" "$seeds" </dev/null >"$BUILD_DIR/findings/$target.log" 2>&1; then
    local runs
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$BUILD_DIR/findings/$target.log")
    echo "fuzz $target: ok, ${runs:-?} inputs in ${FUZZ_SECONDS}s"
  else
    echo "fuzz $target: FAILED, see $BUILD_DIR/findings/$target.log; inputs kept in $findings/" >&2
    grep -m1 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|terminate called)' \
      "$BUILD_DIR/findings/$target.log" >&2 || true
    return 1
  fi
}

run() {
  build
  local selected=("$@")
  [ ${#selected[@]} -eq 0 ] && mapfile -t selected < <(targets)
  local target failed=0 running=0
  for target in "${selected[@]}"; do
    if [ ! -x "$BUILD_DIR/bin/${target}_fuzzer" ]; then
      echo "fuzz.sh: no fuzz target '$target' (targets: $(targets | tr '\n' ' '))" >&2
      exit 2
    fi
  done
  for target in "${selected[@]}"; do
    run_target "$target" &
    running=$((running + 1))
    if [ "$running" -ge "$FUZZ_JOBS" ]; then
      wait -n || failed=1
      running=$((running - 1))
    fi
  done
  while [ "$running" -gt 0 ]; do
    wait -n || failed=1
    running=$((running - 1))
  done
  return "$failed"
}

case "${1:-}" in
  build) build ;;
  sanitize) sanitize ;;
  run) shift; run "$@" ;;
  list) targets ;;
  *)
    echo "usage: scripts/fuzz.sh build | sanitize | run [TARGET...] | list" >&2
    exit 2
    ;;
esac
