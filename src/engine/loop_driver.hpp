#pragma once
// The one alternating loop every loss runs through. The driver owns the record of the run
// (history, the projected gradient relative to its start), the stopping decision, stop
// requests, checkpoints, progress and the injected faults of the tests; a loss supplies only
// its arithmetic, as `LoopSteps`: form what the first update needs, update H and W, evaluate
// the new iterate. The Frobenius loop (frobenius_loop.cpp) and the Kullback–Leibler loop
// (kl_loop.cpp) are two such step sets.

#include <optional>

#include "core/loop_state.hpp"
#include "engine/loop_control.hpp"
#include "mpinmf/options.hpp"
#include "mpinmf/result.hpp"

namespace mpinmf {

/// An iterate's agreed numbers, as one step evaluates them.
struct Evaluation {
  HistoryEntry entry;           // iteration, seconds, relative error and objective
  bool stop_requested = false;  // a rank asked to stop (its flag summed with the iterate's sums)
  /// ‖P(∇)‖² of the iterate before, where a loss learns it only with this one's sums (the
  /// Frobenius rules: it needs this iterate's WᵀV); absent where the loss has none.
  std::optional<double> previous_gradient_squared;
  /// Whether `entry` is complete now; if not, the next evaluation completes it.
  bool complete = true;
};

/// A loss's arithmetic. Every call is collective over the loop's ranks.
class LoopSteps {
 public:
  virtual ~LoopSteps() = default;
  /// Forms what the first update needs from the start (or a checkpoint's factors, by the same
  /// operations, so that a resumed run continues bit for bit) and evaluates it as
  /// `iteration`.
  virtual Evaluation start(int iteration, double seconds) = 0;
  /// Updates H, then W: iteration `iteration`.
  virtual void update(int iteration) = 0;
  /// Evaluates the iterate just updated; `seconds` and `stop_flag` travel with its sums.
  virtual Evaluation evaluate(int iteration, double seconds, double stop_flag) = 0;
  /// Throws an agreed error naming where a NaN or Inf is when `objective` is not finite.
  virtual void require_finite(double objective, int iteration) = 0;
  /// Puts a NaN into this rank's W (fault injection: tests only).
  virtual void poison() = 0;
  /// ‖P(∇)‖² of the last iterate, where the loss has one (collective).
  virtual std::optional<double> last_gradient_squared() = 0;
  /// The iterate into `factors` (a loop in single precision holds float copies).
  virtual void write_back(Factors& factors) = 0;
  /// After the last iterate: the exact relative error and the components that vanished.
  virtual void finish(const Factors& factors, EngineResult& result) = 0;
};

/// Runs `steps` from `from` (a fresh start or a checkpoint's state) until `stopping` says so
/// or a rank asks to stop; `factors` holds the iterate on return.
EngineResult drive_loop(const Communicator& comm, LoopSteps& steps, Factors& factors,
                        const StoppingCriteria& stopping, const LoopHooks& hooks,
                        const LoopStart& from);

}  // namespace mpinmf
