# The quick start: `make demo` runs the main job, `make test` runs the tests. Both first install
# whatever Debian packages are missing (scripts/install-deps.sh), then configure and build.
BUILD ?= build
JOBS ?= $(shell nproc)
CANSIM := $(BUILD)/cansim
# Debian's Python, which has python3-matplotlib (another python3 may come first on PATH).
PYTHON ?= /usr/bin/python3

.PHONY: all deps build cli test test-sanitize fuzz demo bench docs gas-calibrate clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# Only the executable (the demo needs nothing else: no tests, no benchmarks).
cli: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target cansim

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The test suite and every scenario (2 repetitions each) under AddressSanitizer and
# UndefinedBehaviorSanitizer, in a Debug build of its own (CI also compares its results with
# Release's); any report fails. The [golden] tests are left out (tests/CMakeLists.txt says why).
SAN_BUILD ?= build-sanitize
# SAN_SCENARIOS=0: the tests only (CI runs every scenario under this build itself, against Release).
SAN_SCENARIOS ?= 1
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# [golden] and [full] (every run of a bundled scenario) are left to the Release suite: CI's loop
# below runs every scenario under the sanitizers, at 3 repetitions.
test-sanitize: deps
	cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DCANSIM_BENCH=OFF -DCANSIM_TEST_SPEC="~[golden]~[full]" \
	  -DCMAKE_CXX_FLAGS="$(SAN_FLAGS)" -DCMAKE_EXE_LINKER_FLAGS="$(SAN_FLAGS)"
	cmake --build $(SAN_BUILD) -j $(JOBS)
	cd $(SAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -LE not_sanitized
	if [ "$(SAN_SCENARIOS)" != 0 ]; then out=$$(mktemp -d) && trap 'rm -rf "$$out"' EXIT && for sc in scenarios/*.json; do \
	  reps="--set repetitions=2"; grep -q '"churn_exact"' "$$sc" && reps=""; \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 $(SAN_BUILD)/cansim run "$$sc" -o "$$out/$$(basename $$sc .json)" \
	    $$reps > /dev/null || exit 1; done; fi
	@echo "test-sanitize: the tests$(if $(filter 0,$(SAN_SCENARIOS)),, and every scenario) ran clean under ASan and UBSan"

# The libFuzzer targets (fuzz/) in a clang build of their own, every library instrumented and under
# ASan and UBSan: first each corpus is replayed (the shipped scenarios and applications, and
# fuzz/corpus/, where inputs that once found something are kept), then each target fuzzes for
# FUZZ_SECONDS into a temporary corpus. Any finding fails, and libFuzzer leaves the input that
# caused it in the current directory (crash-*, leak-*, timeout-*, oom-*).
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
fuzz:
	@bash scripts/install-deps.sh fuzz
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DCMAKE_CXX_COMPILER=clang++ \
	  -DCANSIM_FUZZ=ON -DCANSIM_TESTS=OFF -DCANSIM_BENCH=OFF \
	  -DCMAKE_CXX_FLAGS="$(FUZZ_FLAGS)" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined"
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target scenario_fuzz tosca_fuzz merge_fuzz
	$(FUZZ_BUILD)/fuzz/scenario_fuzz -runs=0 scenarios fuzz/corpus/scenario
	$(FUZZ_BUILD)/fuzz/tosca_fuzz -runs=0 apps fuzz/corpus/tosca
	$(FUZZ_BUILD)/fuzz/merge_fuzz -runs=0 fuzz/corpus/merge
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && mkdir "$$tmp/s" "$$tmp/t" "$$tmp/m" && \
	  $(FUZZ_BUILD)/fuzz/scenario_fuzz -max_total_time=$(FUZZ_SECONDS) -timeout=10 -dict=fuzz/scenario.dict -print_final_stats=1 \
	    "$$tmp/s" scenarios fuzz/corpus/scenario && \
	  $(FUZZ_BUILD)/fuzz/tosca_fuzz -max_total_time=$(FUZZ_SECONDS) -timeout=10 -dict=fuzz/tosca.dict -print_final_stats=1 \
	    "$$tmp/t" apps fuzz/corpus/tosca && \
	  $(FUZZ_BUILD)/fuzz/merge_fuzz -max_total_time=$(FUZZ_SECONDS) -timeout=10 -dict=fuzz/scenario.dict -print_final_stats=1 \
	    "$$tmp/m" fuzz/corpus/merge
	@echo "fuzz: the corpora replayed clean and $(FUZZ_SECONDS) s of fuzzing per target found nothing"

# The main job: the Figure 4.2 reproduction, its summary table, the paper's statements, the plot.
demo: cli
	$(CANSIM) run scenarios/fig4_2.json -o results/fig4_2 --force
	$(CANSIM) claims results/fig4_2
	@echo "demo: statements that 'do not hold' are expected of the literal reading of the paper; docs/reproduction.md says which variant of the model meets each."
	$(PYTHON) scripts/plot/churn_boxplot.py results/fig4_2

# SimGrid (for PHOLD side by side) is installed here, and found when CMake configures again.
bench: build
	@bash scripts/install-deps.sh bench
	cmake -S . -B $(BUILD) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)
	$(BUILD)/bench/phold
	$(BUILD)/bench/phold_simgrid
	$(BUILD)/bench/cloud_placement
	$(BUILD)/bench/orchestration_bench

# Regenerates the documentation that is generated from the code, and the figure gallery
# (docs/gallery.md and its figures in docs/img: runs the scenarios they come from, about 25 s).
docs: build
	$(CANSIM) describe --markdown > docs/scenario-format.md
	$(PYTHON) scripts/update_generated.py docs/contracts.md gas $(BUILD)/bench/contract_gas
	$(PYTHON) scripts/update_generated.py docs/reproduction.md exact $(PYTHON) scripts/exact_tables.py $(CANSIM)
	$(PYTHON) scripts/gallery.py --cansim $(CANSIM)
	$(PYTHON) scripts/update_generated.py docs/gallery.md gallery $(PYTHON) scripts/gallery.py --markdown

# Measures the Solidity reference contracts (contracts/) on a real EVM and writes
# scripts/gas/calibration.json, which the tests compare the gas model with. A maintainer's tool,
# after changing a contract: it needs Node.js 20 or later and the npm registry (CI needs neither).
# Then `$(BUILD)/bench/contract_gas --fit` gives the model's constants, and `make docs` the tables.
gas-calibrate:
	cd scripts/gas && npm ci --no-audit --no-fund && npm run --silent lint && node calibrate.mjs

clean:
	rm -rf $(BUILD)
