# Shared by the scripts in this folder: where things are, and the MPI environment.
# shellcheck shell=bash
MPINMF_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MPINMF_BUILD="${MPINMF_BUILD:-$MPINMF_ROOT/build}"
export MPINMF_ROOT MPINMF_BUILD

# Open MPI refuses to start as root unless told; containers and CI often run as root.
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
