#!/usr/bin/env bash
# Builds the Debian package: the program, the libraries, the headers, the CMake package, the
# man pages, the bash completion, the plot scripts and the Slurm scripts (as examples), under
# /usr. Prints the .deb's path.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bash "$MPINMF_ROOT/scripts/build.sh" >/dev/null
cd "$MPINMF_BUILD"
cpack -G DEB >/dev/null
ls "$MPINMF_BUILD"/mpinmf_*.deb
