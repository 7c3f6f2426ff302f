#pragma once
// The distributed alternating loop, written once for every rule (see DESIGN.md):
//   WᵀW summed over ranks, WᵀV reduce-scattered by column block, H's own columns updated
//   and gathered, then HHᵀ and VHᵀ formed locally and W's own rows updated locally.
// The Frobenius objective comes from the Gram identity
//   ‖V − WH‖² = ‖V‖² − 2 Σ_p ⟨W_p, V_p Hᵀ⟩ + ⟨WᵀW, HHᵀ⟩,
// its one scalar riding along with the Gram's allreduce.

#include <functional>
#include <string>
#include <vector>

#include "mpinmf/comm.hpp"
#include "mpinmf/init.hpp"
#include "mpinmf/options.hpp"
#include "mpinmf/rules/update_rule.hpp"

namespace mpinmf {

struct HistoryEntry {
  int iteration = 0;
  double seconds = 0.0;         // since the loop started (rank 0's clock)
  double relative_error = 0.0;  // ‖V − WH‖_F / ‖V‖_F
  double objective = 0.0;       // ½‖V − WH‖² + the penalties
};

enum class StopReason { max_iterations, converged, time_limit };
std::string describe(StopReason reason);

struct EngineResult {
  std::vector<HistoryEntry> history;  // entry 0 is the start
  /// ‖V − WH‖_F / ‖V‖_F of the result, computed exactly (the history uses the Gram
  /// identity, which loses digits near an exact fit).
  double final_relative_error = 0.0;
  StopReason stop_reason = StopReason::max_iterations;
  int iterations = 0;
};

/// ‖V − WH‖²_F summed over ranks, formed a block of rows at a time so that no m×n matrix
/// is ever held. Costs one pass over V.
double exact_squared_residual(Communicator& comm, const RowMatrix& local_rows,
                              const Factors& factors);

/// Called on every rank after each iteration (rank 0 decides what to print).
using IterationCallback = std::function<void(const HistoryEntry&)>;

/// Factorizes the row-partitioned V: `local_rows` is this rank's block of V (m_p × n) and
/// `v_squared_norm` is ‖V‖²_F over all ranks. `factors` holds the start on entry and the
/// result on exit. Every rank of `comm` must call it with the same settings.
EngineResult factorize(Communicator& comm, const RowMatrix& local_rows, double v_squared_norm,
                       Factors& factors, const UpdateRule& rule, const Penalties& penalties,
                       const StoppingCriteria& stopping,
                       const IterationCallback& on_iteration = {});

}  // namespace mpinmf
