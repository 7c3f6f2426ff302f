#!/usr/bin/env bash
# Iterations and seconds each rule needs to reach relative errors 1e-2, 1e-4 and 1e-6 on a
# well-conditioned exact low-rank problem: 2000 × 1000, rank 10, factors uniform on [0, 1)
# with 70% of their entries zeroed. All rules start from the same random start (same seed)
# and run on the same ranks, side by side in one run.
#
# Usage: scripts/bench/time_to_accuracy.sh [RANKS] [MAX_ITERATIONS]   (default 2 and 1000)
# Issue 3's target: hals and anls-bpp reach 1e-6 in fewer than 100 iterations; mu does not.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

ranks=${1:-2}
max_iterations=${2:-1000}
rules=${RULES:-mu pgd hals anls-bpp kl}

bash "$MPINMF_ROOT/scripts/build.sh" >/dev/null
work=$(mktemp -d /tmp/mpinmf-tta-XXXXXX)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$MPINMF_ROOT/scripts/make_matrix.py" --rows 2000 --columns 1000 --rank 10 \
  --zero-fraction 0.7 --seed 11 "$work/V.h5"

echo "2000 × 1000, exact rank 10 (70% zeros in the factors), k = 10, $ranks ranks, at most $max_iterations iterations"
for rule in $rules; do
  extra=()
  [ "$rule" = pgd ] && extra=(--lambda 0)
  mpirun -np "$ranks" "$MPINMF_BUILD/mpinmf" --input "$work/V.h5" --rank 10 --algorithm "$rule" \
    --output "$work/$rule.h5" --overwrite --max-iter "$max_iterations" --tol 0 --seed 5 \
    --print-every 0 "${extra[@]}" >/dev/null
done

/usr/bin/python3 - "$work" $rules <<'PY'
import sys
import h5py

work, rules = sys.argv[1], sys.argv[2:]
targets = [1e-2, 1e-4, 1e-6]
print(f"{'rule':<10}" + "".join(f"{'to ' + format(t, '.0e'):>22}" for t in targets) + f"{'final error':>14}")
for rule in rules:
    with h5py.File(f"{work}/{rule}.h5", "r") as result:
        history = result["history"][()]
        final = result.attrs["relative_error"]
    cells = []
    for target in targets:
        reached = history[history[:, 2] <= target]
        if len(reached):
            iteration, seconds = int(reached[0, 0]), reached[0, 1]
            cells.append(f"{iteration:>7d} it {seconds:8.3f} s")
        else:
            cells.append(f"{'not reached':>18}")
    print(f"{rule:<10}" + "".join(f"{c:>22}" for c in cells) + f"{final:>14.2e}")
PY
