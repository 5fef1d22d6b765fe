# Thin wrapper over CMake for the two README commands (and a few helpers).
# `make demo` and `make test` install missing system packages first.

BUILD ?= build
CMAKE_FLAGS ?= -G Ninja -DCMAKE_BUILD_TYPE=Release \
               -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit

.PHONY: all deps configure build demo test docs install clean

all: build

deps:
	bash cmake/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD)

# The main job: every example variant compiled, checked against the float64
# reference (N <= 512), timed and set beside the cost model's prediction.
DEMO_SEQ ?= 256,512,1024,2048,4096,8192
demo: build
	mkdir -p $(BUILD)/report
	$(BUILD)/bin/attn-sweep examples/variants/*.mlir --seq $(DEMO_SEQ) \
	  --batch 1 --heads 4 --csv $(BUILD)/report/sweep.csv \
	  --json $(BUILD)/report/sweep.json --report $(BUILD)/report

test: build
	cd $(BUILD) && ctest --output-on-failure

# Refresh docs/dialect.md and docs/passes.md from the .td files.
docs: configure
	cmake --build $(BUILD) --target attn-update-docs

# Headers, attn::runtime, the tools and the CMake package under PREFIX
# (relocatable): find_package(Attn) with -DCMAKE_PREFIX_PATH=$(PREFIX).
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD)
