# The quick start: `make demo` runs the main job, `make test` runs the tests. Both first install
# whatever Debian packages are missing (scripts/install-deps.sh), then configure and build.
BUILD ?= build
JOBS ?= $(shell nproc)
CANSIM := $(BUILD)/cansim

.PHONY: all deps build test demo bench docs clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The main job. Until the Figure 4.2 experiment exists, the engine's worked example.
demo: build
	$(CANSIM) run scenarios/queue_example.json -o results/demo --force

bench: build
	$(BUILD)/bench/phold

# Regenerates the documentation that is generated from the code.
docs: build
	$(CANSIM) describe --markdown > docs/scenario-format.md

clean:
	rm -rf $(BUILD)
