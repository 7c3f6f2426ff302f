#!/usr/bin/env bash
# Restarts running concurrently across groups: the wall time of the same rank survey (8
# restarts of one k) on 2 ranks as one group of 2 (each restart split by rows over both
# ranks) and as 2 groups of 1 (two restarts at a time), measured in the same run, and their
# ratio. Both runs compute the same restarts (same seeds), so the outputs are compared too.
#
# Usage: scripts/bench/survey_throughput.sh [ROWS COLUMNS K RESTARTS]  (default 4000 600 8 8)
# On a small matrix one factorization does not scale to 2 ranks (communication and the
# serial parts dominate), while whole restarts on separate ranks do: the ratio shows it.
# Timings are noisy on shared machines; rerun before drawing conclusions.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

rows=${1:-4000}
columns=${2:-600}
k=${3:-8}
restarts=${4:-8}

bash "$MPINMF_ROOT/scripts/build.sh" >/dev/null
work=$(mktemp -d /tmp/mpinmf-survey-XXXXXX)
trap 'rm -rf "$work"' EXIT
mpirun -np 2 "$MPINMF_BUILD/mpinmf" generate --rows "$rows" --columns "$columns" --rank "$k" \
  --noise 0.2 --output "$work/V.h5" >/dev/null

echo "survey of ${rows} × ${columns}, k = ${k}, ${restarts} restarts (hals, --max-iter 200" \
  "--tol 0), 2 ranks × 1 thread; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A seconds
for group_size in 2 1; do
  start=$EPOCHREALTIME
  mpirun -np 2 "$MPINMF_BUILD/mpinmf" survey --input "$work/V.h5" --ranks "$k" \
    --restarts "$restarts" --group-size "$group_size" --max-iter 200 --tol 0 --threads 1 \
    --output "$work/survey-$group_size.h5" >/dev/null
  seconds[$group_size]="$start $EPOCHREALTIME"
done
/usr/bin/python3 - "$work" ${seconds[2]} ${seconds[1]} <<'PY'
import sys
import h5py
import numpy as np
work = sys.argv[1]
start_1, end_1, start_2, end_2 = map(float, sys.argv[2:6])
one_group, two_groups = end_1 - start_1, end_2 - start_2
with h5py.File(f"{work}/survey-2.h5") as a, h5py.File(f"{work}/survey-1.h5") as b:
    same = np.allclose(a["survey/best_objective"][()], b["survey/best_objective"][()], rtol=1e-8)
print(f"{'layout':<28}{'wall s':>10}")
print(f"{'1 group of 2 ranks':<28}{one_group:>10.2f}")
print(f"{'2 groups of 1 rank':<28}{two_groups:>10.2f}")
print(f"speed-up from running restarts concurrently: {one_group / two_groups:.2f}×"
      f" (same best objectives: {'yes' if same else 'NO'})")
PY
