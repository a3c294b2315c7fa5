# The two commands a new user needs: `make demo` and `make test`.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release

.PHONY: deps configure build demo test test-all bench clean format

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
