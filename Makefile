# Thin wrapper over CMake for the two README commands (and a few helpers).
# `make demo` and `make test` install missing system packages first.

BUILD ?= build
CMAKE_FLAGS ?= -G Ninja -DCMAKE_BUILD_TYPE=Release \
               -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit

.PHONY: all deps configure build demo test docs clean

all: build

deps:
	bash cmake/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD)

# Until attn-sweep exists: canonicalize and print every example variant.
demo: build
	@for f in examples/variants/*.mlir; do \
	  echo "=== $$f"; \
	  $(BUILD)/bin/attn-opt --canonicalize "$$f" || exit 1; \
	done

test: build
	cd $(BUILD) && ctest --output-on-failure

# Refresh docs/dialect.md and docs/passes.md from the .td files.
docs: configure
	cmake --build $(BUILD) --target attn-update-docs

clean:
	rm -rf $(BUILD)
