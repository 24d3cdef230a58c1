# The quick start: `make demo` runs the main job, `make test` runs the tests. Both first install
# whatever Debian packages are missing (scripts/install-deps.sh), then configure and build.
BUILD ?= build
JOBS ?= $(shell nproc)
CANSIM := $(BUILD)/cansim
# Debian's Python, which has python3-matplotlib (another python3 may come first on PATH).
PYTHON ?= /usr/bin/python3

.PHONY: all deps build cli test demo bench docs clean

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

# The main job: the Figure 4.2 reproduction, its summary table, the paper's statements, the plot.
demo: cli
	$(CANSIM) run scenarios/fig4_2.json -o results/fig4_2 --force
	$(CANSIM) claims results/fig4_2
	@echo "demo: statements that 'do not hold' are expected of the literal reading of the paper; docs/reproduction.md says which variant of the model meets each."
	$(PYTHON) scripts/plot/churn_boxplot.py results/fig4_2

bench: build
	$(BUILD)/bench/phold
	$(BUILD)/bench/cloud_placement

# Regenerates the documentation that is generated from the code.
docs: build
	$(CANSIM) describe --markdown > docs/scenario-format.md
	$(PYTHON) scripts/update_generated.py docs/contracts.md gas $(BUILD)/bench/contract_gas

clean:
	rm -rf $(BUILD)
