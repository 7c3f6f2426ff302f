#!/usr/bin/env bash
# Seconds per `mu` iteration on a dense matrix against the bound measured in the same run:
# the pair of products that read V (V Hᵀ and Wᵀ V) with the same BLAS, on the same ranks and
# threads. Also the peak memory per rank against 1.3 × its share of V + 50 MB.
#
# Usage: scripts/bench/mu_dense.sh [ROWS COLUMNS K ITERATIONS]   (default 20000 2000 50 20)
# Targets (issue 2): ratio ≤ 1.5 and memory within its bound, for 1 rank × 2 threads and
# 2 ranks × 1 thread. Timings are noisy on shared machines; rerun before drawing conclusions.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

rows=${1:-20000}
columns=${2:-2000}
k=${3:-50}
iterations=${4:-20}

bash "$MPINMF_ROOT/scripts/build.sh" >/dev/null
work=$(mktemp -d /tmp/mpinmf-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$MPINMF_ROOT/scripts/make_matrix.py" --rows "$rows" --columns "$columns" \
  --rank "$k" --noise 0.1 --seed 3 "$work/V.h5"

echo "dense ${rows} × ${columns}, k = ${k}, ${iterations} iterations of mu; $(nproc) cores"
printf '%-18s %12s %12s %8s %8s %22s %8s\n' layout "s/iteration" "GEMM pair s" ratio target \
  "peak MB/rank (bound)" memory
status=0
for layout in "1 2" "2 1"; do
  read -r ranks threads <<<"$layout"
  # One rank with two threads must not be bound to a single core.
  binding=(); [ "$ranks" -eq 1 ] && binding=(--bind-to none)
  bound=$(mpirun -np "$ranks" "${binding[@]}" "$MPINMF_BUILD/mpinmf_gemm_pair" \
    "$rows" "$columns" "$k" 5 "$threads" | awk '/gemm_pair_seconds/ {print $2}')
  mpirun -np "$ranks" "${binding[@]}" "$MPINMF_BUILD/mpinmf" --input "$work/V.h5" --rank "$k" \
    --algorithm mu --output "$work/out.h5" --overwrite --max-iter "$iterations" --tol 0 \
    --threads "$threads" --print-every 0 --summary-json "$work/summary.json" >/dev/null
  line=$(/usr/bin/python3 - "$work/summary.json" "$bound" "$rows" "$columns" "$ranks" <<'PY'
import json, sys
summary = json.load(open(sys.argv[1]))
bound, rows, columns, ranks = float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
per_iteration = summary["seconds_per_iteration"]
ratio = per_iteration / bound
share_mb = 8.0 * rows * columns / ranks / 1e6
memory_bound = 1.3 * share_mb + 50
peak = max(summary["peak_memory_bytes"]) / 1e6
layout = f"{ranks} rank × {summary['threads_per_rank']} thr"
memory_ok = peak <= memory_bound
print(f"{layout:<18} {per_iteration:12.4f} {bound:12.4f} {ratio:8.2f} {'≤ 1.5':>8} "
      f"{peak:10.0f} ({memory_bound:6.0f})    {'ok' if memory_ok else 'OVER':>8}",
      "PASS" if ratio <= 1.5 and memory_ok else "MISS")
PY
)
  echo "$line"
  case "$line" in *MISS) status=1 ;; esac
done
exit $status
