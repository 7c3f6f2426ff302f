#include "mpinmf/engine_kl.hpp"

#include <cmath>

#include "mpinmf/rules/kullback_leibler.hpp"

namespace mpinmf {

EngineResult factorize_kl(Communicator& comm, const RowMatrix& local_rows, double v_squared_norm,
                          Factors& factors, double delta, const StoppingCriteria& stopping,
                          const IterationCallback& on_iteration) {
  const double start = MPI_Wtime();
  const RowMatrix& V = local_rows;
  RowMatrix& W = factors.W;
  Matrix& H = factors.H;
  const Index k = H.rows();
  const std::vector<IndexRange> blocks = column_blocks(H.cols(), comm.size());
  const IndexRange own_columns = blocks[static_cast<std::size_t>(comm.rank())];
  Matrix ratio_product_own;
  // Summed over ranks with each pass: W's column sums, the divergence, the squared
  // residual and rank 0's clock.
  Eigen::VectorXd sums(k + 3);

  EngineResult result;
  // Iteration t evaluates (W, H) of iteration t − 1 in the same pass that prepares the H
  // update, so the loop runs one evaluation past the last update.
  for (int iteration = 0;; ++iteration) {
    KlRowPass pass = kl_h_pass(V, W, H, delta);
    sums.head(k) = W.colwise().sum().transpose();
    sums(k) = pass.divergence;
    sums(k + 1) = pass.residual_squared;
    sums(k + 2) = comm.is_root() ? MPI_Wtime() - start : 0.0;
    comm.sum(sums.data(), sums.size());
    comm.reduce_scatter_columns(pass.ratio_product, blocks, ratio_product_own);

    require_finite(sums(k), iteration, "try a larger --delta");
    HistoryEntry entry;
    entry.iteration = iteration;
    entry.seconds = sums(k + 2);
    entry.relative_error = std::sqrt(sums(k + 1) / v_squared_norm);
    entry.objective = sums(k);
    const double previous = result.history.empty() ? 0.0 : result.history.back().objective;
    result.history.push_back(entry);
    result.iterations = iteration;
    if (on_iteration) {
      on_iteration(entry);
    }
    if (iteration > 0) {
      if (const auto reason = stop_reason(stopping, previous, entry)) {
        result.stop_reason = *reason;
        break;
      }
    }
    if (iteration == stopping.max_iterations) {
      break;
    }

    const Eigen::VectorXd w_column_sums = sums.head(k);
    kl_multiplicative_update(H.middleCols(own_columns.begin, own_columns.size()), ratio_product_own,
                             w_column_sums, delta);
    comm.allgather_columns(H, blocks);

    const Eigen::VectorXd h_row_sums = H.rowwise().sum();
    const RowMatrix numerator = kl_w_numerator(V, W, H, delta);
    kl_multiplicative_update(W.transpose(), numerator.transpose(), h_row_sums, delta);
  }
  result.final_relative_error = result.history.back().relative_error;
  Eigen::VectorXd w_squared_norms = W.colwise().squaredNorm().transpose();
  comm.sum(w_squared_norms.data(), w_squared_norms.size());
  result.vanished_components = vanished_components(w_squared_norms.cwiseSqrt(), H.rowwise().norm());
  return result;
}

}  // namespace mpinmf
