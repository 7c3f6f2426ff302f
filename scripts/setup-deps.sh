#!/usr/bin/env bash
# Installs the Debian 12 packages mpinmf needs to build, test and run, only when one is missing.
# With package names as arguments, installs those instead (the benchmarks' peers: scikit-learn,
# R), again only when missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  openmpi-bin libopenmpi-dev openssh-client
  libhdf5-openmpi-dev hdf5-tools
  libeigen3-dev libboost-program-options-dev libopenblas-dev zlib1g-dev
  nlohmann-json3-dev   # the summary's JSON (engine/report.cpp)
  libgtest-dev
  python3-numpy python3-h5py python3-matplotlib   # python3-matplotlib: scripts/plot/
  pybind11-dev python3-pybind11 python3-scipy python3-mpi4py   # the Python module (python/)
  python3-sklearn python3-anndata python3-pandas python3-pytest   # and its tests
  clang-format clang-tidy cppcheck
  clang libclang-rt-14-dev   # scripts/fuzz.sh: clang and its libFuzzer runtime
  slurmctld slurmd slurm-client munge   # scripts/slurm-local/: a one-node Slurm for the slurm/ tests
  dpkg-dev man-db   # scripts/package.sh (dpkg-shlibdeps) and scripts/test-package.sh (man -w)
)

if [ $# -gt 0 ]; then
  packages=("$@")
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "mpinmf setup: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
