#include "engine/kl_loop.hpp"

#include <cmath>
#include <limits>
#include <optional>

#include "core/fault_injection.hpp"
#include "rules/kullback_leibler.hpp"

namespace mpinmf {

template <typename LocalRows>
EngineResult factorize_kl(Communicator& comm, const LocalRows& local_rows, double v_squared_norm,
                          Factors& factors, double delta, const StoppingCriteria& stopping,
                          const LoopHooks& hooks, const LoopStart& from) {
  // A checkpoint is written at the top of an iteration, before its evaluation pass, so
  // resuming repeats that pass: its entry is dropped here and recomputed bit for bit.
  std::vector<HistoryEntry> history = from.history;
  const double start = MPI_Wtime() - (history.empty() ? 0.0 : history.back().seconds);
  const int first_iteration = history.empty() ? 0 : history.back().iteration;
  if (!history.empty()) {
    history.pop_back();
  }
  const LocalRows& V = local_rows;
  RowMatrix& W = factors.W;
  Matrix& H = factors.H;
  const Index k = H.rows();
  const std::vector<IndexRange> blocks = column_blocks(H.cols(), comm.size());
  const IndexRange own_columns = blocks[static_cast<std::size_t>(comm.rank())];
  Matrix ratio_product_own;
  auto own_H = [&] { return H.middleCols(own_columns.begin, own_columns.size()); };
  // Summed over ranks with each pass: W's column sums, the divergence, the squared
  // residual, rank 0's clock and the ranks' stop requests.
  Eigen::VectorXd sums(k + 4);

  EngineResult result;
  result.history = std::move(history);
  std::optional<CheckpointClock> checkpoint_clock;
  // Iteration t evaluates (W, H) of iteration t − 1 in the same pass that prepares the H
  // update, so the loop runs one evaluation past the last update.
  for (int iteration = first_iteration;; ++iteration) {
    KlRowPass pass = kl_h_pass(V, W, H, delta);
    sums.head(k) = W.colwise().sum().transpose();
    sums(k) = pass.divergence;
    sums(k + 1) = pass.residual_squared;
    sums(k + 2) = comm.is_root() ? MPI_Wtime() - start : 0.0;
    sums(k + 3) = iteration > first_iteration ? hooks.stop_flag() : 0.0;
    comm.sum(sums.data(), sums.size());
    comm.reduce_scatter_columns(pass.ratio_product, blocks, ratio_product_own);

    require_finite(comm, sums(k), W, own_H(), iteration, "try a larger --delta");
    HistoryEntry entry;
    entry.iteration = iteration;
    entry.seconds = sums(k + 2);
    entry.relative_error = std::sqrt(sums(k + 1) / v_squared_norm);
    entry.objective = sums(k);
    const double previous = result.history.empty() ? 0.0 : result.history.back().objective;
    result.history.push_back(entry);
    result.iterations = iteration;
    if (hooks.on_iteration) {
      hooks.on_iteration(entry);
    }
    if (iteration > 0) {
      if (const auto reason = stop_reason(stopping, previous, entry)) {
        result.stop_reason = *reason;
        break;
      }
    }
    if (iteration >= stopping.max_iterations) {
      break;
    }
    if (sums(k + 3) > 0.0) {
      result.stop_reason = StopReason::interrupted;
      return result;
    }
    if (!checkpoint_clock) {
      checkpoint_clock.emplace(hooks.schedule, entry.seconds);
    } else if (hooks.save_checkpoint && checkpoint_clock->due(iteration, entry.seconds)) {
      hooks.save_checkpoint(factors, {result.history, 0.0});
    }

    const Eigen::VectorXd w_column_sums = sums.head(k);
    kl_multiplicative_update(own_H(), ratio_product_own, w_column_sums, delta);
    comm.allgather_columns(H, blocks);
    kill_if_planned(FaultPoint::kill, comm.rank(), iteration + 1);

    const Eigen::VectorXd h_row_sums = H.rowwise().sum();
    const RowMatrix numerator = kl_w_numerator(V, W, H, delta);
    kl_multiplicative_update(W.transpose(), numerator.transpose(), h_row_sums, delta);
    if (fault_planned(FaultPoint::nan, comm.rank(), iteration + 1) && W.size() > 0) {
      W(0, 0) = std::numeric_limits<double>::quiet_NaN();
    }
  }
  result.final_relative_error = result.history.back().relative_error;
  Eigen::VectorXd w_squared_norms = W.colwise().squaredNorm().transpose();
  comm.sum(w_squared_norms.data(), w_squared_norms.size());
  result.vanished_components = vanished_components(w_squared_norms.cwiseSqrt(), H.rowwise().norm());
  return result;
}

#define MPINMF_INSTANTIATE_KL_ENGINE(LocalRows)                                                 \
  template EngineResult factorize_kl(Communicator&, const LocalRows&, double, Factors&, double, \
                                     const StoppingCriteria&, const LoopHooks&, const LoopStart&);
MPINMF_FOR_EACH_LOCAL_ROWS(MPINMF_INSTANTIATE_KL_ENGINE)
#undef MPINMF_INSTANTIATE_KL_ENGINE

}  // namespace mpinmf
