# Thin wrapper over CMake for the two README commands (and a few helpers).
# `make demo` and `make test` install missing system packages first.

BUILD ?= build
CMAKE_FLAGS ?= -G Ninja -DCMAKE_BUILD_TYPE=Release \
               -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit

.PHONY: all deps configure build demo test docs install clean sanitize fuzz tsan

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

# A second tree built by clang with ASan + UBSan and the fuzzers' coverage
# (docs/reliability.md): the unit, integration, AOT and tool tests under the
# sanitizers, and the libFuzzer targets. allow_user_poisoning=0: LLVM's
# inline BumpPtrAllocator is instrumented in attn but not in libMLIR.so.
SAN_BUILD ?= build-sanitize
SAN_FLAGS ?= -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang-14 \
             -DCMAKE_CXX_COMPILER=clang++-14 -DATTN_SANITIZE=address,undefined \
             -DATTN_FUZZ=ON -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit
SAN_TESTS_EXCLUDE ?= install
SAN_ENV = ASAN_OPTIONS=allow_user_poisoning=0 UBSAN_OPTIONS=print_stacktrace=1
sanitize: deps
	cmake -S . -B $(SAN_BUILD) $(SAN_FLAGS)
	$(SAN_ENV) cmake --build $(SAN_BUILD)
	cd $(SAN_BUILD) && $(SAN_ENV) \
	  ctest --output-on-failure -E '$(SAN_TESTS_EXCLUDE)'

# The runtime under ThreadSanitizer: many threads calling kernels (built by
# this tree's attn-compile) while the thread count changes.
TSAN_BUILD ?= build-tsan
tsan: build
	cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
	  -DATTN_SANITIZE=thread \
	  -DATTN_KERNEL_COMPILER=$(abspath $(BUILD))/bin/attn-compile \
	  -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit
	cmake --build $(TSAN_BUILD) --target attn-concurrency-tests
	TSAN_OPTIONS=halt_on_error=1 \
	  $(TSAN_BUILD)/test/Aot/attn-concurrency-tests --gtest_repeat=5

# Each libFuzzer target for FUZZ_SECONDS (CI: a short smoke run).
FUZZ_SECONDS ?= 60
fuzz: deps
	cmake -S . -B $(SAN_BUILD) $(SAN_FLAGS)
	$(SAN_ENV) cmake --build $(SAN_BUILD) --target attn-fuzzers
	bash test/Fuzz/run.sh $(SAN_BUILD) $(FUZZ_SECONDS)

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
