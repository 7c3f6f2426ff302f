#!/usr/bin/env bash
# CI: the Debian package as a user meets it. Builds it (scripts/package.sh), installs it with
# apt-get, then from an empty folder with the build tree off PATH: the program, mpirun on 2
# ranks, the man pages, the completion and a find_package(mpinmf) consumer; then removes it and
# checks that none of its files is left.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

deb=$(bash "$MPINMF_ROOT/scripts/package.sh" | tail -n 1)
echo "package: $deb"
as_root apt-get install -y "$deb" >/dev/null
mapfile -t files < <(dpkg -L mpinmf | while read -r path; do [ -f "$path" ] && echo "$path"; done)
echo "installed ${#files[@]} files"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
[ "$(command -v mpinmf)" = /usr/bin/mpinmf ]
mpinmf --version
mpirun -np 2 mpinmf generate --rows 400 --columns 60 --rank 4 --output V.h5
mpirun -np 2 mpinmf --input V.h5 --rank 4 --output factors.h5 --print-every 0 | grep "relative error"
man -w mpinmf
man -w mpinmf-survey
bash -c 'source /usr/share/bash-completion/completions/mpinmf && complete -p mpinmf'
cmake -S "$MPINMF_ROOT/tests/consumer" -B consumer >/dev/null
cmake --build consumer >/dev/null
mpirun -np 2 consumer/factorize_file V.h5 4 1 20 | head -n 2

as_root apt-get remove -y mpinmf >/dev/null
for path in "${files[@]}"; do
  if [ -e "$path" ]; then
    echo "test-package: $path is left after removing the package" >&2
    exit 1
  fi
done
echo "test-package: installed, used and removed cleanly (${#files[@]} files)"
