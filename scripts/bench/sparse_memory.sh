#!/usr/bin/env bash
# Peak memory per rank on sparse input (a CSR group) against the bound the sparse-input issue
# sets, measured in the same run:
#   per rank ≈ nnz_p·(8 + 8)            the rank's CSR block (values, 64-bit column indices)
#            + m_p·k·8 · 5              W, V Hᵀ and the rule's m_p × k temporaries
#            + n·k·8 · 4                H, Wᵀ V, its reduced block, the update's temporary
#            + baseline                 the same program on a tiny sparse matrix, same ranks
# and the ranks' total against the machine's memory (24 GiB on the development machine).
# No rank may hold anything m × n: the peak is compared with one rank's share of a dense V.
#
# Usage: scripts/bench/sparse_memory.sh [ROWS COLUMNS DENSITY K ITERATIONS RANKS]
#        (default 1000000 20000 0.001 20 5 2: 20M nonzeros, a dense V would be 160 GB)
# A second case, 20000 × 20000 at 5% (the same 20M nonzeros in few rows), shows a block
# whose nonzeros dominate the bound. Target: measured/bound ≤ 1 in every case.
# Timings printed alongside are noisy on a shared machine; the memory figures are not.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

rows=${1:-1000000}
columns=${2:-20000}
density=${3:-0.001}
k=${4:-20}
iterations=${5:-5}
ranks=${6:-2}

bash "$MPINMF_ROOT/scripts/build.sh" >/dev/null
work=$(mktemp -d /tmp/mpinmf-sparse-memory-XXXXXX)
trap 'rm -rf "$work"' EXIT

# Runs mpinmf on $1 (a CSR file) and leaves its summary in $2.
factorize() {
  mpirun -np "$ranks" "$MPINMF_BUILD/mpinmf" --input "$1" --rank "$k" --algorithm mu \
    --output "$work/out.h5" --overwrite --max-iter "$iterations" --tol 0 --print-every 0 \
    --summary-json "$2" >/dev/null
}

make_sparse() {
  /usr/bin/python3 "$MPINMF_ROOT/scripts/make_sparse_matrix.py" --seed 7 "$@" >/dev/null
}

make_sparse --rows 2000 --columns 400 --density 0.01 "$work/tiny.h5"
factorize "$work/tiny.h5" "$work/tiny.json"

cases=("$rows $columns $density")
[ $# -eq 0 ] && cases+=("20000 20000 0.05")
echo "sparse CSR input, k = ${k}, ${iterations} iterations of mu, ${ranks} ranks; $(nproc) cores," \
  "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
status=0
for case in "${cases[@]}"; do
  read -r case_rows case_columns case_density <<<"$case"
  make_sparse --rows "$case_rows" --columns "$case_columns" --density "$case_density" "$work/V.h5"
  factorize "$work/V.h5" "$work/summary.json"
  rm -f "$work/V.h5"
  /usr/bin/python3 - "$work/summary.json" "$work/tiny.json" "$k" <<'PY' || status=1
import json, sys

summary = json.load(open(sys.argv[1]))
baseline = max(json.load(open(sys.argv[2]))["peak_memory_bytes"])
k = int(sys.argv[3])
m, n, P = summary["rows"], summary["columns"], summary["ranks"]
nnz = summary["nonzeros"]
nnz_p = nnz / P * summary["nonzero_imbalance"]  # the fullest rank's share
rows_p = -(-m // P)
parts = {
    "CSR block": nnz_p * 16,
    "m_p × k ×5": rows_p * k * 8 * 5,
    "n × k ×4": n * k * 8 * 4,
    "baseline": baseline,
}
bound = sum(parts.values())
peaks = summary["peak_memory_bytes"]
machine = 0
with open("/proc/meminfo") as meminfo:
    for line in meminfo:
        if line.startswith("MemTotal:"):
            machine = int(line.split()[1]) * 1024
dense_share = 8.0 * m * n / P
MB, GiB = 1e6, 2**30

print()
print(f"V {m} × {n}, {nnz:.0f} nonzeros ({nnz / (m * n):.3%}), max/mean nonzeros per rank "
      f"{summary['nonzero_imbalance']:.3f}")
print(f"  {'rank':<6} {'peak MB':>10} {'bound MB':>10} {'measured/bound':>15}")
worst = 0.0
for rank, peak in enumerate(peaks):
    ratio = peak / bound
    worst = max(worst, ratio)
    print(f"  {rank:<6} {peak / MB:10.0f} {bound / MB:10.0f} {ratio:15.2f}")
print("  bound = " + " + ".join(f"{name} {value / MB:.0f}" for name, value in parts.items())
      + " MB")
total = sum(peaks)
print(f"  all ranks {total / GiB:.2f} GiB of {machine / GiB:.1f} GiB ({total / machine:.1%})")
print(f"  a dense V would be {8.0 * m * n / 1e9:.1f} GB ({dense_share / 1e9:.1f} GB per rank); "
      f"the largest peak is {max(peaks) / dense_share:.2%} of that: "
      + ("no rank held anything m × n" if max(peaks) < 0.5 * dense_share else "DENSE?"))
loop = summary["iterations"] * summary["seconds_per_iteration"]
print(f"  time: wall {summary['wall_seconds']:.1f} s = I/O {summary['io_seconds']:.1f} s + "
      f"{summary['iterations']} iterations {loop:.1f} s "
      f"({summary['seconds_per_iteration']:.3f} s each) + the rest "
      f"{summary['wall_seconds'] - summary['io_seconds'] - loop:.1f} s "
      "(start, final exact error, output)")
ok = worst <= 1.0 and max(peaks) < 0.5 * dense_share
print(f"  measured/bound {worst:.2f} (target ≤ 1): {'PASS' if ok else 'MISS'}")
sys.exit(0 if ok else 1)
PY
done
exit $status
