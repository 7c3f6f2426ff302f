#pragma once
// The steps every command that factorizes shares (the main run and `mpinmf survey`): V read
// and checked on a communicator's ranks, and one factorization of it by the rule the
// settings name.

#include "mpinmf/comm.hpp"
#include "mpinmf/engine.hpp"
#include "mpinmf/init.hpp"
#include "mpinmf/io/input.hpp"
#include "mpinmf/loop_control.hpp"
#include "mpinmf/options.hpp"

namespace mpinmf {

/// This rank's rows of V, checked (finite, ≥ 0, not all zero), with the sums the engine
/// and the starts need.
struct LoadedMatrix {
  io::InputPlan plan;
  io::LocalInput local;
  double sum = 0.0;           // Σ V
  double squared_norm = 0.0;  // ‖V‖²_F
  [[nodiscard]] double mean() const;
};

/// Reads and checks `plan`'s matrix on `comm`'s ranks. Collective; errors are agreed and
/// name the file.
LoadedMatrix load_matrix(Communicator& comm, const io::InputPlan& plan);

/// Runs `rule`'s loop (the Frobenius engine, or the KL one) with k = `factors`' rank from
/// `factors`, updating them. Collective over the ranks that loaded `V`.
EngineResult factorize_matrix(Communicator& comm, const LoadedMatrix& V, const RuleSettings& rule,
                              const StoppingCriteria& stopping, Factors& factors,
                              const LoopHooks& hooks = {}, const LoopStart& start = {});

}  // namespace mpinmf
