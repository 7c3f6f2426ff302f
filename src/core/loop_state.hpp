#pragma once
// The loop's state besides the factors: what a checkpoint stores and a resumed run starts
// from.

#include <vector>

#include "mpinmf/result.hpp"

namespace mpinmf {

/// Where a loop begins: a fresh start (empty history), or the history and state a
/// checkpoint carried, to continue exactly where the interrupted run was.
struct LoopStart {
  std::vector<HistoryEntry> history;
  double gradient_at_start = 0.0;
};

/// The loop's state besides the factors, as a checkpoint stores it.
struct LoopSnapshot {
  const std::vector<HistoryEntry>& history;
  double gradient_at_start;
};

}  // namespace mpinmf
