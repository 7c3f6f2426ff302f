#pragma once
// What every alternating loop shares, whatever its loss: the record of a run, the column
// blocks of H each rank updates, and the stopping decision.

#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "mpinmf/options.hpp"
#include "mpinmf/partition.hpp"
#include "mpinmf/types.hpp"

namespace mpinmf {

struct HistoryEntry {
  int iteration = 0;
  double seconds = 0.0;         // since the loop started (rank 0's clock)
  double relative_error = 0.0;  // ‖V − WH‖_F / ‖V‖_F
  double objective = 0.0;       // ½‖V − WH‖² + the penalties; for kl, D(V ‖ WH)
  /// ‖projected gradient‖ / its value at the start (Frobenius rules; NaN for kl).
  double projected_gradient = std::numeric_limits<double>::quiet_NaN();
};

enum class StopReason { max_iterations, converged, time_limit, projected_gradient };
std::string describe(StopReason reason);

struct EngineResult {
  std::vector<HistoryEntry> history;  // entry 0 is the start
  /// ‖V − WH‖_F / ‖V‖_F of the result, computed exactly (the history uses the Gram
  /// identity, which loses digits near an exact fit).
  double final_relative_error = 0.0;
  StopReason stop_reason = StopReason::max_iterations;
  int iterations = 0;
  /// Components whose W column times H row carries almost nothing (below 1e-12 of the
  /// largest): a sign that k is larger than the data supports.
  std::vector<Index> vanished_components;
};

/// The components of `W_column_norms`·`H_row_norms` below 1e-12 of the largest product.
std::vector<Index> vanished_components(const Eigen::VectorXd& W_column_norms,
                                       const Eigen::VectorXd& H_row_norms);

/// Called on every rank after each iteration (rank 0 decides what to print).
using IterationCallback = std::function<void(const HistoryEntry&)>;

/// Column block of H per rank, in rank order.
std::vector<IndexRange> column_blocks(Index columns, int parts);

/// Why the loop should stop after `now`, given the objective one iteration before; nothing
/// to go on. Every rank calls it with the same numbers, so every rank decides alike.
std::optional<StopReason> stop_reason(const StoppingCriteria& stopping, double previous_objective,
                                      const HistoryEntry& now);

/// Throws, on every rank alike, when an agreed value such as the objective is NaN or Inf.
void require_finite(double agreed_value, int iteration, const std::string& hint);

}  // namespace mpinmf
