#pragma once
// The alternating loop for the Kullback–Leibler divergence. Its pieces differ from the
// Frobenius loop's (V ⊘ WH instead of Grams), but the distribution is the same: Wᵀ(V ⊘ WH)
// is reduce-scattered by column block with the column sums of W riding along, H's own
// columns are updated and gathered, and W's own rows are updated locally.

#include "engine/loop_control.hpp"
#include "parallel/comm.hpp"
#include "starts/random_start.hpp"

namespace mpinmf {

/// Minimizes D(V ‖ WH) from the start in `factors`; the history's objective is the
/// divergence, its relative error ‖V − WH‖/‖V‖ (both exact: they come from the same pass).
template <typename LocalRows>
EngineResult factorize_kl(Communicator& comm, const LocalRows& local_rows, double v_squared_norm,
                          Factors& factors, double delta, const StoppingCriteria& stopping,
                          const LoopHooks& hooks = {}, const LoopStart& from = {});

#define MPINMF_DECLARE_KL_ENGINE(LocalRows)                                                    \
  extern template EngineResult factorize_kl(Communicator&, const LocalRows&, double, Factors&, \
                                            double, const StoppingCriteria&, const LoopHooks&, \
                                            const LoopStart&);
MPINMF_FOR_EACH_LOCAL_ROWS(MPINMF_DECLARE_KL_ENGINE)
#undef MPINMF_DECLARE_KL_ENGINE

}  // namespace mpinmf
