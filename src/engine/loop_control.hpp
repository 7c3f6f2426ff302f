#pragma once
// What every alternating loop shares, whatever its loss: the record of a run, the column
// blocks of H each rank updates, and the stopping decision.

#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/loop_state.hpp"
#include "core/partition.hpp"
#include "mpinmf/options.hpp"
#include "mpinmf/result.hpp"
#include "mpinmf/types.hpp"
#include "parallel/comm.hpp"
#include "starts/random_start.hpp"

namespace mpinmf {

/// The components of `W_column_norms`·`H_row_norms` below 1e-12 of the largest product.
std::vector<Index> vanished_components(const Eigen::VectorXd& W_column_norms,
                                       const Eigen::VectorXd& H_row_norms);

/// Called on every rank after each iteration (rank 0 decides what to print).
using IterationCallback = std::function<void(const HistoryEntry&)>;

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

/// The rise of the objective, as a fraction of the largest objective so far (the start's),
/// that rounding in its sums can explain (single precision loops included: their sums round
/// near 1e-7 of it).
inline constexpr double kRoundingAllowance = 1e-6;

/// Throws, on every rank alike (the numbers are agreed), when `now`'s objective exceeds the
/// one before by more than rounding: every rule decreases its objective, so a rise means
/// the updates diverge, and a diverging run must not stop as converged.
void require_no_increase(double start_objective, double previous_objective,
                         const HistoryEntry& now);

/// Why the loop should stop after `now`, given the objective one iteration before; nothing
/// to go on. Every rank calls it with the same numbers, so every rank decides alike.
std::optional<StopReason> stop_reason(const StoppingCriteria& stopping, double previous_objective,
                                      const HistoryEntry& now);

/// Throws, on every rank alike, when an agreed value such as the objective is NaN or Inf,
/// naming the first rank whose own rows of W or own columns of H hold the non-finite
/// value. Collective only when the value is not finite, which every rank sees alike.
void require_finite(const Communicator& comm, double agreed_value, const RowMatrix& W,
                    const Eigen::Ref<const Matrix>& own_H, int iteration, std::string_view hint);
/// The same for the loop's float factors (V held in single precision).
void require_finite(const Communicator& comm, double agreed_value, const RowMatrixF& W,
                    const Eigen::Ref<const MatrixF>& own_H, int iteration, std::string_view hint);

}  // namespace mpinmf
