# Nimbus PKI — developer entry points. See README.md.
#   make run        install dependencies, build, create ./var with a demo hierarchy, show it
#   make test       install dependencies, build, run every test
#   make test-asan  the same tests on an AddressSanitizer + UndefinedBehaviorSanitizer build
#   make fuzz       build the libFuzzer targets with clang and run each for FUZZ_SECONDS
#   make fuzz-long  the same targets, each to FUZZ_RUNS inputs or FUZZ_LONG_SECONDS, whichever is first
#   make bench      build the benchmarks and run them next to `openssl speed` (bench/run, ~8 minutes)
#   make bench-verify  only chain verification, next to `openssl verify -crl_check_all` (bench/verify_peer)
#   make bench-radius  only the RADIUS server, next to FreeRADIUS 3.2 (bench/radius, ~3 minutes)
#   make bench-scep    only SCEP enrollment, next to the RSA ceiling and micromdm/scep (bench/scep, ~4 minutes)
#   make deps       install the Debian packages the build and tests need

SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD_TYPE ?= RelWithDebInfo
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?= 10000000
FUZZ_LONG_SECONDS ?= 3600
DATA ?= var

.PHONY: all deps build build-asan test test-asan run fuzz fuzz-long fuzz-build bench bench-verify bench-radius bench-scep clean

all: build

deps:
	@scripts/install-deps

build/build.ninja:
	cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: deps build/build.ninja
	cmake --build build -j $(JOBS)

build-asan: deps
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DNIMBUS_SANITIZE=ON
	cmake --build build-asan -j $(JOBS)

test: build
	cd build && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)

run: build
	@scripts/demo "$(DATA)"

# Both keep what each target finds in build-fuzz/corpus/<target>/, and fail when any target crashes,
# leaks, trips UBSan, times out or runs out of memory (the input is left in build-fuzz/crashes/).
fuzz: fuzz-build
	@scripts/run-fuzzers build-fuzz $(FUZZ_SECONDS)

fuzz-long: fuzz-build
	@RUNS=$(FUZZ_RUNS) scripts/run-fuzzers --long build-fuzz $(FUZZ_LONG_SECONDS)

fuzz-build: deps
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNIMBUS_FUZZ=ON
	cmake --build build-fuzz -j $(JOBS) --target fuzz_targets

# The build/ tree ($(BUILD_TYPE), RelWithDebInfo by default: -O2, as shipped). Only the benchmarks and
# the library they link are built; the benchmarks are not part of `make test`.
bench: deps build/build.ninja
	cmake --build build -j $(JOBS) --target nimbus_bench nimbus_crl_bench nimbus_verify_bench nimbus_scep_bench nimbus
	bench/run build

# bench/run ends with this; on its own it takes about 2 minutes. The per-process peer needs the
# nimbus binary as well as the benchmark.
bench-verify: deps build/build.ninja
	cmake --build build -j $(JOBS) --target nimbus_verify_bench nimbus
	bench/verify_peer build

# bench/run ends with this too: EAP-TLS against FreeRADIUS, same certificates and load generator.
bench-radius: deps build/build.ninja
	cmake --build build -j $(JOBS) --target nimbus
	bench/radius build

# bench/run ends with this as well: enrollments through `nimbus serve` at concurrency 1, 8 and 64, the
# same run's `openssl speed rsa2048` ceiling and micromdm's scepserver (../shared/peers).
bench-scep: deps build/build.ninja
	cmake --build build -j $(JOBS) --target nimbus_scep_bench nimbus
	bench/scep build

clean:
	rm -rf build build-asan build-fuzz
