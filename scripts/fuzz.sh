#!/usr/bin/env bash
# Builds the libFuzzer targets with clang, AddressSanitizer and UndefinedBehaviorSanitizer
# (build-fuzz/, apart from the normal build) and runs each for a bounded time:
#
#   scripts/fuzz.sh [SECONDS]     seconds per target: the argument, else $MPINMF_FUZZ_SECONDS, else 60
#
# Each target starts from a copy of its committed seeds (tests/fuzz/corpus/<target>/), so runs
# never add to them. A crash, sanitizer report, leak, timeout or oversized allocation leaves
# its input in build-fuzz/artifacts/<target>/ and makes the script exit non-zero.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

seconds="${1:-${MPINMF_FUZZ_SECONDS:-60}}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET]" >&2
  exit 2
fi
targets=(matrix_market sparse_structure cli_options)

bash "$MPINMF_ROOT/scripts/setup-deps.sh"
build="$MPINMF_ROOT/build-fuzz"
cmake -S "$MPINMF_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMPINMF_FUZZ=ON \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build "$build" -j "$(nproc)" --target "${targets[@]/#/fuzz_}" >/dev/null

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for target in "${targets[@]}"; do
  corpus="$scratch/$target"
  artifacts="$build/artifacts/$target"
  mkdir -p "$artifacts"
  cp -r "$MPINMF_ROOT/tests/fuzz/corpus/$target" "$corpus"
  dict=()
  if [ -f "$MPINMF_ROOT/tests/fuzz/$target.dict" ]; then
    dict=(-dict="$MPINMF_ROOT/tests/fuzz/$target.dict")
  fi
  log="$build/fuzz_$target.log"
  # -malloc_limit_mb: any single allocation this large is a bug (a size taken on trust).
  if "$build/tests/fuzz/fuzz_$target" "${dict[@]}" -max_total_time="$seconds" -timeout=10 \
      -malloc_limit_mb=512 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
    status=1
    grep -E "ERROR|SUMMARY|==[0-9]+==|runtime error|Test unit written" "$log" | head -20 || true
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  coverage=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 || true)
  printf 'fuzz %-17s %-6s %s runs in %s s, %s, corpus %s inputs (log: %s)\n' "$target" "$result" \
    "${runs:-?}" "$seconds" "${coverage:-cov: ?}" "$(find "$corpus" -type f | wc -l)" "$log"
done
exit $status
