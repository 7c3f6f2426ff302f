#pragma once
// What every alternating loop shares, whatever its loss: the record of a run, the column
// blocks of H each rank updates, and the stopping decision.

#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "mpinmf/comm.hpp"
#include "mpinmf/init.hpp"
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

enum class StopReason { max_iterations, converged, time_limit, projected_gradient, interrupted };
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
  /// ‖P(∇)‖ of the start (Frobenius rules), which later values are relative to: part of
  /// what a checkpoint must carry.
  double gradient_at_start = 0.0;
  /// The signal that stopped the loop early (stop_reason interrupted).
  int interrupt_signal = 0;
};

/// The components of `W_column_norms`·`H_row_norms` below 1e-12 of the largest product.
std::vector<Index> vanished_components(const Eigen::VectorXd& W_column_norms,
                                       const Eigen::VectorXd& H_row_norms);

/// Called on every rank after each iteration (rank 0 decides what to print).
using IterationCallback = std::function<void(const HistoryEntry&)>;

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

/// When to write checkpoints: every N iterations and/or every S seconds (0 turns either off).
struct CheckpointSchedule {
  int every_iterations = 0;
  double interval_seconds = 0.0;
};

/// Decides, from agreed numbers only, whether the iteration just finished is due a
/// checkpoint.
class CheckpointClock {
 public:
  CheckpointClock(const CheckpointSchedule& schedule, double seconds_now)
      : schedule_(schedule), last_seconds_(seconds_now) {}
  bool due(int iteration, double seconds_now);

 private:
  CheckpointSchedule schedule_;
  double last_seconds_;
};

/// What a loop calls besides its arithmetic: progress, stop requests and checkpoints. The
/// loop agrees on `stop_requested` across ranks, so one rank's signal stops them all.
struct LoopHooks {
  IterationCallback on_iteration;
  std::function<bool()> stop_requested;
  CheckpointSchedule schedule;
  std::function<void(const Factors&, const LoopSnapshot&)> save_checkpoint;

  [[nodiscard]] double stop_flag() const { return stop_requested && stop_requested() ? 1.0 : 0.0; }
};

/// Column block of H per rank, in rank order.
std::vector<IndexRange> column_blocks(Index columns, int parts);

/// Why the loop should stop after `now`, given the objective one iteration before; nothing
/// to go on. Every rank calls it with the same numbers, so every rank decides alike.
std::optional<StopReason> stop_reason(const StoppingCriteria& stopping, double previous_objective,
                                      const HistoryEntry& now);

/// Throws, on every rank alike, when an agreed value such as the objective is NaN or Inf,
/// naming the first rank whose own rows of W or own columns of H hold the non-finite
/// value. Collective only when the value is not finite, which every rank sees alike.
void require_finite(const Communicator& comm, double agreed_value, const RowMatrix& W,
                    const Eigen::Ref<const Matrix>& own_H, int iteration, const std::string& hint);
/// The same for the loop's float factors (V held in single precision).
void require_finite(const Communicator& comm, double agreed_value, const RowMatrixF& W,
                    const Eigen::Ref<const MatrixF>& own_H, int iteration, const std::string& hint);

}  // namespace mpinmf
