#include "mpinmf/engine.hpp"

#include <algorithm>
#include <cmath>

#include "mpinmf/error.hpp"

namespace mpinmf {

namespace {

/// What the ranks sum after each W update: WᵀW, the cross term ⟨W_p, V_p Hᵀ⟩, ‖W_p‖₁ and
/// rank 0's clock, so that every rank takes the same stopping decision from the same numbers.
class MonitorSums {
 public:
  explicit MonitorSums(Index rank) : rank_(rank), buffer_(rank * rank + 3) {}

  void reduce(Communicator& comm, const RowMatrix& W, const RowMatrix& VHt, double rank0_seconds) {
    Eigen::Map<Matrix>(buffer_.data(), rank_, rank_).noalias() = W.transpose() * W;
    buffer_[rank_ * rank_] = (W.array() * VHt.array()).sum();
    buffer_[rank_ * rank_ + 1] = W.sum();
    buffer_[rank_ * rank_ + 2] = comm.is_root() ? rank0_seconds : 0.0;
    comm.sum(buffer_.data(), static_cast<Index>(buffer_.size()));
  }

  [[nodiscard]] Eigen::Map<const Matrix> gram() const { return {buffer_.data(), rank_, rank_}; }
  [[nodiscard]] double cross_term() const { return buffer_[rank_ * rank_]; }
  [[nodiscard]] double w_sum() const { return buffer_[rank_ * rank_ + 1]; }
  [[nodiscard]] double seconds() const { return buffer_[rank_ * rank_ + 2]; }

 private:
  Index rank_;
  std::vector<double> buffer_;
};

HistoryEntry evaluate(int iteration, const MonitorSums& sums, const Matrix& H, const Matrix& HHt,
                      double v_squared_norm, const Penalties& penalties) {
  const double residual_squared =
      v_squared_norm - 2.0 * sums.cross_term() + sums.gram().cwiseProduct(HHt).sum();
  require_finite(residual_squared, iteration, "try a larger --delta or a smaller --learning-rate");
  // Rounding can push the identity slightly below zero at an exact fit.
  const double clamped = std::max(residual_squared, 0.0);
  HistoryEntry entry;
  entry.iteration = iteration;
  entry.seconds = sums.seconds();
  entry.relative_error = std::sqrt(clamped / v_squared_norm);
  entry.objective = 0.5 * clamped + penalties.W.value(sums.w_sum(), sums.gram().trace()) +
                    penalties.H.value(H.sum(), HHt.trace());
  return entry;
}

}  // namespace

double exact_squared_residual(Communicator& comm, const RowMatrix& local_rows,
                              const Factors& factors) {
  constexpr Index kBlockRows = 64;
  double local = 0.0;
  for (Index begin = 0; begin < local_rows.rows(); begin += kBlockRows) {
    const Index count = std::min(kBlockRows, local_rows.rows() - begin);
    local += (local_rows.middleRows(begin, count) - factors.W.middleRows(begin, count) * factors.H)
                 .squaredNorm();
  }
  return comm.sum(local);
}

EngineResult factorize(Communicator& comm, const RowMatrix& local_rows, double v_squared_norm,
                       Factors& factors, const UpdateRule& rule, const Penalties& penalties,
                       const StoppingCriteria& stopping, const IterationCallback& on_iteration) {
  const double start = MPI_Wtime();
  const RowMatrix& V = local_rows;
  RowMatrix& W = factors.W;
  Matrix& H = factors.H;
  const Index k = H.rows();
  const std::vector<IndexRange> blocks = column_blocks(H.cols(), comm.size());
  const IndexRange own_columns = blocks[static_cast<std::size_t>(comm.rank())];

  Matrix WtV(k, V.cols());
  Matrix WtV_own(k, own_columns.size());
  Matrix WtW(k, k);
  Matrix HHt = H * H.transpose();
  RowMatrix VHt = V * H.transpose();
  MonitorSums sums(k);

  EngineResult result;
  sums.reduce(comm, W, VHt, MPI_Wtime() - start);
  result.history.push_back(evaluate(0, sums, H, HHt, v_squared_norm, penalties));
  if (on_iteration) {
    on_iteration(result.history.back());
  }

  for (int iteration = 1; iteration <= stopping.max_iterations; ++iteration) {
    WtW = sums.gram();

    WtV.noalias() = W.transpose() * V;
    comm.reduce_scatter_columns(WtV, blocks, WtV_own);
    rule.update(H.middleCols(own_columns.begin, own_columns.size()), WtW, WtV_own, penalties.H);
    comm.allgather_columns(H, blocks);

    HHt.noalias() = H * H.transpose();
    VHt.noalias() = V * H.transpose();
    rule.update(W.transpose(), HHt, VHt.transpose(), penalties.W);

    sums.reduce(comm, W, VHt, MPI_Wtime() - start);
    const double previous = result.history.back().objective;
    result.history.push_back(evaluate(iteration, sums, H, HHt, v_squared_norm, penalties));
    result.iterations = iteration;
    if (on_iteration) {
      on_iteration(result.history.back());
    }

    if (const auto reason = stop_reason(stopping, previous, result.history.back())) {
      result.stop_reason = *reason;
      break;
    }
  }

  result.final_relative_error =
      std::sqrt(exact_squared_residual(comm, V, factors) / v_squared_norm);
  return result;
}

}  // namespace mpinmf
