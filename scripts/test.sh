#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: unit tests, engine and I/O tests under
# mpirun with 1–4 ranks, and the command line end to end.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bash "$MPINMF_ROOT/scripts/build.sh"
cd "$MPINMF_BUILD"
ctest --output-on-failure "$@"
