#include "mpinmf/engine.hpp"

#include <algorithm>
#include <cmath>

#include "mpinmf/error.hpp"
#include "mpinmf/rules/projected_gradient.hpp"

namespace mpinmf {

namespace {

/// What the ranks sum after each W update: WᵀW, the cross term ⟨W_p, V_p Hᵀ⟩, ‖W_p‖₁, rank
/// 0's clock, and the squared projected gradient of the iterate before (it needs WᵀV of
/// that iterate, which the next iteration forms), so that every rank takes the same
/// stopping decision from the same numbers.
class MonitorSums {
 public:
  explicit MonitorSums(Index rank) : rank_(rank), buffer_(rank * rank + 4) {}

  void reduce(Communicator& comm, const RowMatrix& W, const RowMatrix& VHt, double rank0_seconds,
              double previous_gradient_squared) {
    Eigen::Map<Matrix>(buffer_.data(), rank_, rank_).noalias() = W.transpose() * W;
    buffer_[rank_ * rank_] = (W.array() * VHt.array()).sum();
    buffer_[rank_ * rank_ + 1] = W.sum();
    buffer_[rank_ * rank_ + 2] = comm.is_root() ? rank0_seconds : 0.0;
    buffer_[rank_ * rank_ + 3] = previous_gradient_squared;
    comm.sum(buffer_.data(), static_cast<Index>(buffer_.size()));
  }

  [[nodiscard]] Eigen::Map<const Matrix> gram() const { return {buffer_.data(), rank_, rank_}; }
  [[nodiscard]] double cross_term() const { return buffer_[rank_ * rank_]; }
  [[nodiscard]] double w_sum() const { return buffer_[rank_ * rank_ + 1]; }
  [[nodiscard]] double seconds() const { return buffer_[rank_ * rank_ + 2]; }
  [[nodiscard]] double previous_gradient_squared() const { return buffer_[rank_ * rank_ + 3]; }

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
  double local = 0.0;
  for (Index begin = 0; begin < local_rows.rows(); begin += kResidualBlockRows) {
    const Index count = std::min(kResidualBlockRows, local_rows.rows() - begin);
    local += (local_rows.middleRows(begin, count) - factors.W.middleRows(begin, count) * factors.H)
                 .squaredNorm();
  }
  return comm.sum(local);
}

/// ‖P(∇_W)‖² over this rank's rows at (W, H), from HHᵀ and VHᵀ of that H.
double w_gradient_squared(const RowMatrix& W, const Matrix& HHt, const RowMatrix& VHt,
                          const Penalty& penalty) {
  const RowMatrix gradient_rows =
      penalized_gradient(W.transpose(), HHt, VHt.transpose(), penalty).transpose();
  return projected_gradient_squared_norm(W.transpose(), gradient_rows.transpose());
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

  // ‖P(∇)‖² of an iterate = its W part (known once W is updated) + its H part (known once
  // the next iteration has formed WᵀV); the sum reaches the history one iteration late.
  double w_gradient_of_last = w_gradient_squared(W, HHt, VHt, penalties.W);
  auto products_for_H = [&] {
    WtW = sums.gram();
    WtV.noalias() = W.transpose() * V;
    comm.reduce_scatter_columns(WtV, blocks, WtV_own);
    const auto own_H = H.middleCols(own_columns.begin, own_columns.size());
    return w_gradient_of_last + projected_gradient_squared_norm(
                                    own_H, penalized_gradient(own_H, WtW, WtV_own, penalties.H));
  };
  double gradient_at_start = 0.0;
  auto record_gradient = [&](HistoryEntry& entry, double squared) {
    if (gradient_at_start == 0.0) {
      gradient_at_start = std::sqrt(squared);
    }
    entry.projected_gradient =
        gradient_at_start > 0.0 ? std::sqrt(squared) / gradient_at_start : 0.0;
  };

  EngineResult result;
  sums.reduce(comm, W, VHt, MPI_Wtime() - start, 0.0);
  result.history.push_back(evaluate(0, sums, H, HHt, v_squared_norm, penalties));

  for (int iteration = 1; iteration <= stopping.max_iterations; ++iteration) {
    const double gradient_of_previous = products_for_H();
    rule.update(H.middleCols(own_columns.begin, own_columns.size()), WtW, WtV_own, penalties.H);
    comm.allgather_columns(H, blocks);

    HHt.noalias() = H * H.transpose();
    VHt.noalias() = V * H.transpose();
    rule.update(W.transpose(), HHt, VHt.transpose(), penalties.W);
    w_gradient_of_last = w_gradient_squared(W, HHt, VHt, penalties.W);

    sums.reduce(comm, W, VHt, MPI_Wtime() - start, gradient_of_previous);
    HistoryEntry& previous_entry = result.history.back();
    record_gradient(previous_entry, sums.previous_gradient_squared());
    if (on_iteration) {
      on_iteration(previous_entry);
    }
    const double previous = previous_entry.objective;
    const double latest_known_gradient = previous_entry.projected_gradient;
    result.history.push_back(evaluate(iteration, sums, H, HHt, v_squared_norm, penalties));
    result.iterations = iteration;
    HistoryEntry now = result.history.back();
    now.projected_gradient = latest_known_gradient;
    if (const auto reason = stop_reason(stopping, previous, now)) {
      result.stop_reason = *reason;
      break;
    }
  }

  // The last iterate's gradient needs its WᵀV: one more product, and the exact error one
  // more pass; both only once.
  const double last_gradient = comm.sum(products_for_H());
  record_gradient(result.history.back(), last_gradient);
  if (on_iteration) {
    on_iteration(result.history.back());
  }
  result.final_relative_error =
      std::sqrt(exact_squared_residual(comm, V, factors) / v_squared_norm);
  result.vanished_components =
      vanished_components(sums.gram().diagonal().cwiseSqrt(), HHt.diagonal().cwiseSqrt());
  return result;
}

}  // namespace mpinmf
