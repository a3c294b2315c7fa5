# The two commands a new user needs: `make demo` and `make test`.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release

.PHONY: deps configure build demo test test-all bench clean format fuzz sanitize

deps:
	@scripts/install-deps.sh

$(BUILD_DIR)/build.ninja: | deps
	cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS)

configure: $(BUILD_DIR)/build.ninja

build: deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	$(BUILD_DIR)/bin/evergreen run --out runs/demo

# Unit and slow tests (every test CI runs); ctest labels select subsets: `ctest -L unit`.
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# The sanitizer build (clang-14, ASan + UBSan) in build-fuzz/, shared by the two targets below
# (scripts/fuzz.sh does the work): `make sanitize` runs the unit tests in it, `make fuzz` each
# libFuzzer target of fuzz/ for FUZZ_SECONDS (inputs that fail are kept in build-fuzz/findings/).
# The unit tests that drive the CLI binary, which the sanitizer build does not link, are left
# out there by a GoogleTest filter (EVERGREEN_SANITIZE_TEST_FILTER, tests/CMakeLists.txt); they
# run in `make test`.
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1

sanitize: deps
	JOBS=$(JOBS) scripts/fuzz.sh sanitize

fuzz: deps
	JOBS=$(JOBS) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) scripts/fuzz.sh run

bench: build
	$(BUILD_DIR)/bin/evergreen bench overhead
	$(BUILD_DIR)/bin/evergreen bench autoscaling --out runs/bench-autoscaling
	$(BUILD_DIR)/bin/evergreen bench tpp --out runs/bench-tpp
	$(BUILD_DIR)/bin/evergreen bench classic --out runs/bench-classic
	$(BUILD_DIR)/bin/evergreen_micro_bench --benchmark_min_time=0.2

clean:
	rm -rf $(BUILD_DIR)

format:
	clang-format -i $$(git ls-files '*.h' '*.cpp')
