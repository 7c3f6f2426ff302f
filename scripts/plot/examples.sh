#!/usr/bin/env bash
# Draws docs/pictures.md's pictures from the built-in example (scripts/demo.sh: a 2000 × 300 matrix of
# rank 8 plus 1% noise, factored by mu on 2 ranks), plus the same example factored by hals:
#   docs/images/convergence.png   convergence.py, mu and hals overlaid
#   docs/images/factors.png       factors.py, the mu result
# and from a rank survey (30 restarts of k = 2 … 7) of `mpinmf generate`'s planted example
# (2000 × 300, 4 column clusters, noise 0.3):
#   docs/images/survey.png        survey.py
#   docs/images/consensus.png     consensus.py, k = 3, 4 and 5
# Usage: scripts/plot/examples.sh [FOLDER]   (default: docs/images)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

images="${1:-$MPINMF_ROOT/docs/images}"
example="$MPINMF_BUILD/example"
plot="$MPINMF_ROOT/scripts/plot"
mkdir -p "$images"

bash "$MPINMF_ROOT/scripts/demo.sh" >/dev/null   # builds; writes $example/lowrank.h5 and factors.h5
mpirun -np 2 "$MPINMF_BUILD/mpinmf" --input "$example/lowrank.h5" --rank 8 --algorithm hals \
  --output "$example/factors-hals.h5" --overwrite --max-iter 500 --print-every 0 >/dev/null

/usr/bin/python3 "$plot/convergence.py" "$example/factors.h5" "$example/factors-hals.h5" \
  --labels "mu" "hals" --title "built-in example: V 2000 × 300, rank 8 + 1% noise, k = 8" \
  -o "$images/convergence.png"
/usr/bin/python3 "$plot/factors.py" "$example/factors.h5" \
  --title "built-in example, mu, k = 8: W and H, each component scaled to its largest entry" \
  -o "$images/factors.png"

mpirun -np 2 "$MPINMF_BUILD/mpinmf" generate --rows 2000 --columns 300 --rank 4 --noise 0.3 \
  --output "$example/clusters.h5" --overwrite >/dev/null
mpirun -np 2 "$MPINMF_BUILD/mpinmf" survey --input "$example/clusters.h5" --ranks 2:7 \
  --restarts 30 --output "$example/survey.h5" --overwrite >/dev/null
/usr/bin/python3 "$plot/survey.py" "$example/survey.h5" \
  --title "planted example: 4 column clusters, 30 restarts per k" -o "$images/survey.png"
/usr/bin/python3 "$plot/consensus.py" "$example/survey.h5" --k 3 4 5 \
  --title "planted example: consensus over 30 restarts" -o "$images/consensus.png"
