#!/usr/bin/env bash
# Builds everything with AddressSanitizer and UndefinedBehaviorSanitizer (build-asan/) and
# runs the unit tests (leak detection on; what Open MPI and HDF5 keep until exit is
# suppressed in tests/sanitizer-suppressions.txt) and the MPI tests on 1 and 2 ranks (memory
# errors and undefined behaviour; leak detection off there, because Open MPI's plugins are
# unloaded before LeakSanitizer reports, leaving allocations no suppression can name).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bash "$MPINMF_ROOT/scripts/setup-deps.sh"
build="$MPINMF_ROOT/build-asan"
cmake -S "$MPINMF_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMPINMF_SANITIZE=ON >/dev/null
cmake --build "$build" -j "$(nproc)" --target mpinmf_unit_tests mpinmf_engine_unit_tests mpinmf_mpi_tests
export LSAN_OPTIONS="suppressions=$MPINMF_ROOT/tests/sanitizer-suppressions.txt:print_suppressions=0"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd "$build"
ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 ctest --output-on-failure -R '^(unit|engine_unit)$'
ASAN_OPTIONS=halt_on_error=1:detect_leaks=0 ctest --output-on-failure -R '^(mpi_np1|mpi_np2)$'
