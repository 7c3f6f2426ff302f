#!/usr/bin/env bash
# Sets everything up, makes a built-in example (a 2000 × 300 matrix of rank 8 plus 1% noise)
# and factors it with 2 MPI ranks, printing progress and the summary.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bash "$MPINMF_ROOT/scripts/build.sh" >/dev/null
example="$MPINMF_BUILD/example"
mkdir -p "$example"
/usr/bin/python3 "$MPINMF_ROOT/scripts/make_matrix.py" --rows 2000 --columns 300 --rank 8 \
  --noise 0.01 --seed 1 "$example/lowrank.h5"
echo "example: $example/lowrank.h5 (/V, 2000 × 300, rank 8 + 1% noise)"
echo "+ mpirun -np 2 mpinmf --input $example/lowrank.h5 --rank 8 --algorithm mu --output $example/factors.h5 --overwrite --max-iter 500"
mpirun -np 2 "$MPINMF_BUILD/mpinmf" --input "$example/lowrank.h5" --rank 8 --algorithm mu \
  --output "$example/factors.h5" --overwrite --max-iter 500 --print-every 50
echo
echo "Read it back: /usr/bin/python3 -c \"import h5py; f = h5py.File('$example/factors.h5'); print(f['W'].shape, f['H'].shape, dict(f.attrs))\""
