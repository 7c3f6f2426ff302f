#!/usr/bin/env bash
# Restarts running concurrently across groups: the wall time of the same rank survey (8
# restarts of one k) on 1 rank (1 group), on 2 ranks as 1 group of 2 (each restart split by
# rows over both) and on 2 ranks as 2 groups of 1 (two restarts at a time), measured in the
# same run. 2 groups finishing in about half the time of 1 group of 1 shows the restarts
# running side by side; against 1 group of 2 it shows what grouping gains where splitting
# one factorization by rows does not scale (small matrices, many ranks). The three runs
# compute the same restarts (same seeds): their best objectives are compared too.
#
# Usage: scripts/bench/survey_throughput.sh [ROWS COLUMNS K RESTARTS]  (default 4000 600 8 8)
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
timings=()   # start and end of each run, in the order of `layouts`
layouts=("1 1" "2 2" "2 1")   # ranks and group size
for layout in "${layouts[@]}"; do
  read -r ranks group_size <<<"$layout"
  start=$EPOCHREALTIME
  mpirun -np "$ranks" "$MPINMF_BUILD/mpinmf" survey --input "$work/V.h5" --ranks "$k" \
    --restarts "$restarts" --group-size "$group_size" --max-iter 200 --tol 0 --threads 1 \
    --output "$work/survey-$ranks-$group_size.h5" >/dev/null
  timings+=("$start" "$EPOCHREALTIME")
done
/usr/bin/python3 - "$work" "${timings[@]}" <<'PY'
import sys
import h5py
import numpy as np
work = sys.argv[1]
times = [float(end) - float(start) for start, end in zip(sys.argv[2::2], sys.argv[3::2])]
names = ["1 rank, 1 group", "2 ranks, 1 group of 2", "2 ranks, 2 groups of 1"]
files = ["survey-1-1.h5", "survey-2-2.h5", "survey-2-1.h5"]
objectives = []
for name in files:
    with h5py.File(f"{work}/{name}") as survey:
        objectives.append(survey["survey/best_objective"][()])
same = all(np.allclose(o, objectives[0], rtol=1e-8) for o in objectives)
print(f"{'layout':<28}{'wall s':>10}")
for name, seconds in zip(names, times):
    print(f"{name:<28}{seconds:>10.2f}")
print(f"2 groups of 1 against 1 group of 1: {times[0] / times[2]:.2f}× (restarts side by side);"
      f" against 1 group of 2: {times[1] / times[2]:.2f}×; same best objectives:"
      f" {'yes' if same else 'NO'}")
PY
