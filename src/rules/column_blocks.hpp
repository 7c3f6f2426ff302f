#pragma once
// Each column of a rule's X is its own problem (update_rule.hpp), so a rule may finish one
// cache-sized block of columns before it touches the next. For the W half, X = Wᵀ has a
// column per local row: tens of megabytes. Working block by block turns every pass a rule
// makes over X (HALS: k per sweep, up to 5 sweeps) into passes over a block that stays in
// cache, and lets the rule's temporaries be block-sized instead of X-sized.

#include <algorithm>

#include "mpinmf/types.hpp"

namespace mpinmf {

/// Columns per block for k rows: about 32 KiB of doubles, within every current core's L1
/// data cache, where HALS's sweeps run through the block once per component (measured faster
/// than blocks twice the size, which fall to L2). A multiple of 32 columns, so that the
/// sweeps' widest chunks (32 doubles, hals.cpp) cover it: a narrower chunk left over has too
/// few independent sums to hide the multiply-adds' latency.
inline Index cache_block_columns(Index rows) {
  constexpr Index kBlockDoubles = 4096;
  constexpr Index kFewestColumns = 16;
  constexpr Index kColumnMultiple = 32;
  return std::max(kFewestColumns,
                  kBlockDoubles / std::max<Index>(rows, 1) / kColumnMultiple * kColumnMultiple);
}

/// Calls `work(first, count)` for consecutive column blocks covering [0, columns).
template <typename Work>
void for_each_column_block(Index rows, Index columns, Work&& work) {
  const Index block = cache_block_columns(rows);
  for (Index first = 0; first < columns; first += block) {
    work(first, std::min(block, columns - first));
  }
}

}  // namespace mpinmf
