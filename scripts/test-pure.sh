#!/usr/bin/env bash
# Builds the layers that need neither MPI nor HDF5 (core, kernels, rules, starts, analysis,
# the parsers) with both hidden from CMake, and runs their unit tests (build-pure/).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bash "$MPINMF_ROOT/scripts/setup-deps.sh"
build="$MPINMF_ROOT/build-pure"
cmake -S "$MPINMF_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMPINMF_PURE_ONLY=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_MPI=ON -DCMAKE_DISABLE_FIND_PACKAGE_HDF5=ON >/dev/null
cmake --build "$build" -j "$(nproc)"
cd "$build"
ctest --output-on-failure
