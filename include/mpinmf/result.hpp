#pragma once
// What a factorization gives back: the factors, the record of every iteration and why the
// loop stopped. Shared by the engine, the writers of output files and the library's users.

#include <limits>
#include <string>
#include <vector>

#include "mpinmf/types.hpp"

namespace mpinmf {

/// Names of V's rows and columns (W's rows, H's columns), where the input has them.
struct Names {
  std::vector<std::string> rows;
  std::vector<std::string> columns;
};

/// This rank's rows of W and all of H.
struct Factors {
  RowMatrix W;  // m_p × k
  Matrix H;     // k × n
};

/// One iteration's record: rank 0's clock and the agreed measures of fit.
struct HistoryEntry {
  int iteration = 0;
  double seconds = 0.0;         // since the loop started (rank 0's clock)
  double relative_error = 0.0;  // ‖V − WH‖_F / ‖V‖_F
  double objective = 0.0;       // ½‖V − WH‖² + the penalties; for kl, D(V ‖ WH)
  /// ‖projected gradient‖ / its value at the start (Frobenius rules; NaN for kl).
  double projected_gradient = std::numeric_limits<double>::quiet_NaN();
};

enum class StopReason { max_iterations, converged, time_limit, projected_gradient, interrupted };
/// The stop reason as the summary prints it.
std::string describe(StopReason reason);

/// Everything a loop reports besides the factors it updated in place.
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
  /// ‖P(∇)‖ of the start (Frobenius rules), which later values are relative to: part of
  /// what a checkpoint must carry.
  double gradient_at_start = 0.0;
  /// The signal that stopped the loop early (stop_reason interrupted).
  int interrupt_signal = 0;
};

}  // namespace mpinmf
