#include "engine/loop_driver.hpp"

#include <mpi.h>

#include <algorithm>
#include <cmath>

#include "core/fault_injection.hpp"

namespace mpinmf {

EngineResult drive_loop(const Communicator& comm, LoopSteps& steps, Factors& factors,
                        const StoppingCriteria& stopping, const LoopHooks& hooks,
                        const LoopStart& from) {
  const bool resuming = !from.history.empty();
  const double start = MPI_Wtime() - (resuming ? from.history.back().seconds : 0.0);
  auto seconds = [&] { return MPI_Wtime() - start; };
  EngineResult result;
  result.history = from.history;
  // An entry an iteration, room made before the loop so that it does not allocate in it
  // (past kReservedEntries, growth is amortized).
  constexpr int kReservedEntries = 10000;
  result.history.reserve(
      result.history.size() +
      static_cast<std::size_t>(std::clamp(stopping.max_iterations, 0, kReservedEntries)) + 1);
  result.gradient_at_start = from.gradient_at_start;
  auto report = [&](const HistoryEntry& entry) {
    if (hooks.on_iteration) {
      hooks.on_iteration(entry);
    }
  };
  auto record_gradient = [&](HistoryEntry& entry, double squared) {
    if (result.gradient_at_start == 0.0) {
      result.gradient_at_start = std::sqrt(squared);
    }
    entry.projected_gradient =
        result.gradient_at_start > 0.0 ? std::sqrt(squared) / result.gradient_at_start : 0.0;
  };

  const int first = resuming ? result.history.back().iteration : 0;
  const Evaluation begun = steps.start(first, seconds());
  // Resuming keeps the checkpoint's entry: the start recomputed only what the next update needs.
  if (!resuming) {
    result.history.push_back(begun.entry);
    steps.require_finite(begun.entry.objective, first);
    if (begun.complete) {
      report(begun.entry);
    }
  }
  result.iterations = first;
  CheckpointClock checkpoint_clock(hooks.schedule, begun.entry.seconds);

  for (int iteration = first + 1; iteration <= stopping.max_iterations; ++iteration) {
    kill_if_planned(FaultPoint::kill, comm.rank(), iteration);
    steps.update(iteration);
    if (fault_planned(FaultPoint::nan, comm.rank(), iteration)) {
      steps.poison();
    }
    const Evaluation now = steps.evaluate(iteration, seconds(), hooks.stop_flag());
    // An entry is reported once complete: where the gradient comes a step late, the entry
    // before is completed and reported now, and the stopping test sees that gradient.
    HistoryEntry& previous = result.history.back();
    double latest_gradient = now.entry.projected_gradient;
    if (now.previous_gradient_squared) {
      record_gradient(previous, *now.previous_gradient_squared);
      report(previous);
      latest_gradient = previous.projected_gradient;
    }
    const double previous_objective = previous.objective;
    result.history.push_back(now.entry);
    steps.require_finite(now.entry.objective, iteration);
    require_no_increase(result.history.front().objective, previous_objective, now.entry);
    result.iterations = iteration;
    if (now.complete) {
      report(now.entry);
    }
    HistoryEntry decided = now.entry;
    decided.projected_gradient = latest_gradient;
    if (const auto reason = stop_reason(stopping, previous_objective, decided)) {
      result.stop_reason = *reason;
      break;
    }
    if (now.stop_requested) {
      result.stop_reason = StopReason::interrupted;
      steps.write_back(factors);
      return result;
    }
    if (hooks.save_checkpoint && checkpoint_clock.due(iteration, decided.seconds)) {
      steps.write_back(factors);
      hooks.save_checkpoint(factors, {result.history, result.gradient_at_start});
    }
  }

  if (const auto last_gradient = steps.last_gradient_squared()) {
    record_gradient(result.history.back(), *last_gradient);
    report(result.history.back());
  }
  steps.write_back(factors);
  steps.finish(factors, result);
  return result;
}

}  // namespace mpinmf
