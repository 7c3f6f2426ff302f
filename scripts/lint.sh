#!/usr/bin/env bash
# Formatting, clang-tidy and cppcheck on the project's own code; fails on any finding.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$MPINMF_ROOT"

mapfile -t sources < <(git ls-files 'src/*.cpp' 'include/*.hpp' 'tests/*.cpp' 'tests/*.hpp')
status=0

if ! clang-format --dry-run --Werror "${sources[@]}"; then
  echo "lint: run clang-format -i on the files above"
  status=1
fi

[ -f "$MPINMF_BUILD/compile_commands.json" ] || bash scripts/build.sh >/dev/null
tidy_log=$(mktemp)
run-clang-tidy -p "$MPINMF_BUILD" -quiet "$MPINMF_ROOT/src/.*\\.cpp" >"$tidy_log" 2>&1 || true
if grep -E "(warning|error):" "$tidy_log"; then
  echo "lint: clang-tidy findings above"
  status=1
fi
rm -f "$tidy_log"

if ! cppcheck --enable=warning,style,performance,portability --std=c++20 --inline-suppr \
    --error-exitcode=1 --quiet -I include -I src src; then
  echo "lint: cppcheck findings above"
  status=1
fi
[ $status -eq 0 ] && echo "lint: clean"
exit $status
