#pragma once
// The distributed alternating loop, written once for every rule (docs/architecture.md):
//   WᵀW summed over ranks, WᵀV reduce-scattered by column block, H's own columns updated
//   and gathered, then HHᵀ and VHᵀ formed locally and W's own rows updated locally. The sums
//   after a W update (WᵀW among them) travel while the next WᵀV is formed.
// The Frobenius objective comes from the Gram identity
//   ‖V − WH‖² = ‖V‖² − 2 Σ_p ⟨W_p, V_p Hᵀ⟩ + ⟨WᵀW, HHᵀ⟩,
// its one scalar riding along with the Gram's allreduce.

#include <functional>
#include <string>
#include <vector>

#include "engine/loop_control.hpp"
#include "mpinmf/options.hpp"
#include "parallel/comm.hpp"
#include "rules/update_rule.hpp"
#include "starts/random_start.hpp"

namespace mpinmf {

/// Rows of V per block of the exact residual: a block × n temporary is all it adds.
inline constexpr Index kResidualBlockRows = 64;

/// ‖V − WH‖²_F summed over ranks, in double whatever V's precision. Dense V: formed a block
/// of rows at a time so that no m×n matrix is ever held. Sparse V: exact at its nonzeros;
/// at its zeros it is ‖WH‖² less WH's share at the nonzeros, from the Grams (which loses
/// digits only near an exact fit). One pass over V.
template <typename LocalRows>
double exact_squared_residual(Communicator& comm, const LocalRows& local_rows,
                              const Factors& factors);

/// Factorizes the row-partitioned V: `local_rows` is this rank's block of V (m_p × n) and
/// `v_squared_norm` is ‖V‖²_F over all ranks. `factors` holds the start on entry and the
/// result on exit. Every rank of `comm` must call it with the same settings. `from` is a
/// checkpoint's history and state when resuming (then `factors` holds its W and H).
/// Dense or sparse V, double or single, alike: only the products V Hᵀ and Wᵀ V see the
/// difference.
template <typename LocalRows>
EngineResult factorize(Communicator& comm, const LocalRows& local_rows, double v_squared_norm,
                       Factors& factors, const UpdateRule& rule, const Penalties& penalties,
                       const StoppingCriteria& stopping, const LoopHooks& hooks = {},
                       const LoopStart& from = {});

#define MPINMF_DECLARE_ENGINE(LocalRows)                                                          \
  extern template double exact_squared_residual(Communicator&, const LocalRows&, const Factors&); \
  extern template EngineResult factorize(                                                         \
      Communicator&, const LocalRows&, double, Factors&, const UpdateRule&, const Penalties&,     \
      const StoppingCriteria&, const LoopHooks&, const LoopStart&);
MPINMF_FOR_EACH_LOCAL_ROWS(MPINMF_DECLARE_ENGINE)
#undef MPINMF_DECLARE_ENGINE

}  // namespace mpinmf
