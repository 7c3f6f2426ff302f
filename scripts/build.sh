#!/usr/bin/env bash
# Installs what is missing, then configures and builds mpinmf (Release) in build/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bash "$MPINMF_ROOT/scripts/setup-deps.sh"
cmake -S "$MPINMF_ROOT" -B "$MPINMF_BUILD" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" "$@" >/dev/null
cmake --build "$MPINMF_BUILD" -j "$(nproc)"
echo "built: $MPINMF_BUILD/mpinmf"
