#!/usr/bin/env bash
# Installs the Debian 12 packages evergreen builds against. A no-op when all are present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libtorch-dev libopenblas0-pthread   # without OpenBLAS, LibTorch falls back to the reference BLAS (~15x slower)
  libcli11-dev libyaml-cpp-dev nlohmann-json3-dev libfmt-dev libspdlog-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  gnuplot-nox
  bzip2 unzip                         # NASA .tbz2 traces (tar -j) and deflated .npz archives
  python3-torch                       # Python baseline of `evergreen bench overhead` (/usr/bin/python3)
  zlib1g-dev                          # gzipped IDX files (MNIST family) read through gzopen/gzread
  libsentencepiece-dev                # SentencePiece tokenizers (models/lm): encoding and training vocabularies
  dataset-fashion-mnist               # Fashion-MNIST IDX files in /usr/share/datasets/fashion-mnist
  clang-14 libfuzzer-14-dev           # the sanitizer build: ASan + UBSan unit tests and libFuzzer targets (scripts/fuzz.sh);
  libclang-rt-14-dev llvm-14          # with the sanitizer runtimes (only recommended by clang-14) and llvm-symbolizer for stacks
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q || true
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
