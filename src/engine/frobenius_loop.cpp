#include "engine/frobenius_loop.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <type_traits>
#include <vector>

#include "core/fault_injection.hpp"
#include "core/resources.hpp"
#include "core/thread_shares.hpp"
#include "kernels/gram.hpp"
#include "kernels/local_products.hpp"
#include "mpinmf/error.hpp"
#include "rules/projected_gradient.hpp"

namespace mpinmf {

namespace {

/// What the ranks sum after each W update: WᵀW, the cross term ⟨W_p, V_p Hᵀ⟩, ‖W_p‖₁, rank
/// 0's clock, the squared projected gradient of the iterate before (it needs WᵀV of that
/// iterate, which the next iteration forms) and the ranks' stop requests, so that every
/// rank takes the same stopping decision from the same numbers.
class MonitorSums {
 public:
  /// ‖W‖₁ is summed only `with_w_sum` (an L1 penalty on W needs it): a pass over W.
  MonitorSums(Index rank, bool with_w_sum)
      : rank_(rank), with_w_sum_(with_w_sum), buffer_(rank * rank + 5) {}

  /// Forms this rank's terms and starts their sum; the accessors below read it once the
  /// result has been waited for. The cross term comes from this rank's Wᵀ V_p, as
  /// ⟨W_p, V_p Hᵀ⟩ = ⟨W_pᵀ V_p, H⟩: k × n products instead of a pass over W and V Hᵀ.
  /// Summed in double whatever the factors' precision.
  template <typename Real>
  [[nodiscard]] PendingCollective start(Communicator& comm, const RowsOf<Real>& W,
                                        const ColumnsOf<Real>& WtV, const ColumnsOf<Real>& H,
                                        double rank0_seconds, double previous_gradient_squared,
                                        double stop_flag) {
    form_gram_in_shares(W.transpose(), Eigen::Map<Matrix>(buffer_.data(), rank_, rank_));
    buffer_[rank_ * rank_] =
        (WtV.template cast<double>().array() * H.template cast<double>().array()).sum();
    buffer_[rank_ * rank_ + 1] = with_w_sum_ ? W.template cast<double>().sum() : 0.0;
    buffer_[rank_ * rank_ + 2] = comm.is_root() ? rank0_seconds : 0.0;
    buffer_[rank_ * rank_ + 3] = previous_gradient_squared;
    buffer_[rank_ * rank_ + 4] = stop_flag;
    return comm.start_sum(buffer_.data(), static_cast<Index>(buffer_.size()));
  }

  [[nodiscard]] Eigen::Map<const Matrix> gram() const { return {buffer_.data(), rank_, rank_}; }
  [[nodiscard]] double cross_term() const { return buffer_[rank_ * rank_]; }
  [[nodiscard]] double w_sum() const { return buffer_[rank_ * rank_ + 1]; }
  [[nodiscard]] double seconds() const { return buffer_[rank_ * rank_ + 2]; }
  [[nodiscard]] double previous_gradient_squared() const { return buffer_[rank_ * rank_ + 3]; }
  [[nodiscard]] bool stop_requested() const { return buffer_[rank_ * rank_ + 4] > 0.0; }

 private:
  Index rank_;
  bool with_w_sum_;
  std::vector<double> buffer_;
};

HistoryEntry evaluate(int iteration, const MonitorSums& sums, double h_sum, const Matrix& HHt,
                      double v_squared_norm, const Penalties& penalties) {
  const double residual_squared =
      v_squared_norm - 2.0 * sums.cross_term() + sums.gram().cwiseProduct(HHt).sum();
  // Rounding can push the identity slightly below zero at an exact fit.
  const double clamped = std::max(residual_squared, 0.0);
  HistoryEntry entry;
  entry.iteration = iteration;
  entry.seconds = sums.seconds();
  entry.relative_error = std::sqrt(clamped / v_squared_norm);
  entry.objective = 0.5 * clamped + penalties.W.value(sums.w_sum(), sums.gram().trace()) +
                    penalties.H.value(h_sum, HHt.trace());
  return entry;
}

/// The loop's factors in V's precision: for double V, W and H themselves; for float V,
/// float copies (half the bytes for every pass over them, and the float rules), written back
/// where the caller reads the factors (exactly: every float is a double).
template <typename Real>
class WorkingFactors;

template <>
class WorkingFactors<double> {
 public:
  explicit WorkingFactors(Factors& factors) : W(factors.W), H(factors.H) {}
  void write_back(Factors& /*factors*/) const {}
  RowMatrix& W;
  Matrix& H;
};

template <>
class WorkingFactors<float> {
 public:
  explicit WorkingFactors(const Factors& factors)
      : W(factors.W.cast<float>()), H(factors.H.cast<float>()) {}
  void write_back(Factors& factors) const {
    factors.W = W.cast<double>();
    factors.H = H.cast<double>();
  }
  RowMatrixF W;
  MatrixF H;
};

/// A Gram (double, for the objective) as the rules take it, in the factors' precision: the
/// Gram itself for double, `narrow` filled for float.
template <typename Real>
const ColumnsOf<Real>& for_the_rule(const Matrix& gram, ColumnsOf<Real>& narrow) {
  if constexpr (std::is_same_v<Real, double>) {
    return gram;
  } else {
    narrow = gram.cast<Real>();
    return narrow;
  }
}

}  // namespace

template <typename LocalRows>
double exact_squared_residual(Communicator& comm, const LocalRows& local_rows,
                              const Factors& factors) {
  const RowMatrix& W = factors.W;
  const Matrix& H = factors.H;
  if constexpr (!is_sparse_v<LocalRows>) {
    std::vector<double> share_sums(static_cast<std::size_t>(thread_shares(local_rows.rows())));
    for_each_thread_share(local_rows.rows(), [&](int share, IndexRange rows) {
      RowMatrix residual;
      double sum = 0.0;
      for (Index begin = rows.begin; begin < rows.end; begin += kResidualBlockRows) {
        const Index count = std::min(kResidualBlockRows, rows.end - begin);
        residual.noalias() = -W.middleRows(begin, count) * H;
        residual += local_rows.middleRows(begin, count).template cast<double>();
        sum += residual.squaredNorm();
      }
      share_sums[static_cast<std::size_t>(share)] = sum;
    });
    return comm.sum(std::accumulate(share_sums.begin(), share_sums.end(), 0.0));
  } else {
    // At the nonzeros, (v − wh)² term by term; at the zeros, ‖WH‖² less its share at the
    // nonzeros, from the Grams: nnz·k work instead of the m·n·k of forming WH.
    double at_nonzeros = 0.0;
    double wh_at_nonzeros = 0.0;
    for (Index i = 0; i < local_rows.outerSize(); ++i) {
      for (typename LocalRows::InnerIterator entry(local_rows, i); entry; ++entry) {
        const double wh = W.row(i).dot(H.col(entry.col()));
        const double v = entry.value();
        at_nonzeros += (v - wh) * (v - wh);
        wh_at_nonzeros += wh * wh;
      }
    }
    Matrix HHt(H.rows(), H.rows());
    form_gram(H, HHt);
    Matrix WtW(H.rows(), H.rows());
    form_gram(W.transpose(), WtW);
    std::array<double, 2> sums{at_nonzeros, WtW.cwiseProduct(HHt).sum() - wh_at_nonzeros};
    comm.sum(sums.data(), 2);
    return sums[0] + std::max(sums[1], 0.0);
  }
}

template <typename LocalRows>
EngineResult factorize(Communicator& comm, const LocalRows& local_rows, double v_squared_norm,
                       Factors& factors, const UpdateRule& rule, const Penalties& penalties,
                       const StoppingCriteria& stopping, const LoopHooks& hooks,
                       const LoopStart& from) {
  const bool resuming = !from.history.empty();
  const double start = MPI_Wtime() - (resuming ? from.history.back().seconds : 0.0);
  // Every product below is shared among the rank's threads by the project, each BLAS call on
  // one thread. Holding the cores for the whole loop, rather than in each product, spares
  // starting and ending BLAS's threads several times an iteration (measured 0.147 → 0.138 s
  // per iteration, dense 20000 × 2000, k = 50, hals, 1 rank × 2 threads).
  const OwnLoopsHaveTheCores own_loops;
  const LocalRows& V = local_rows;
  using Real = typename LocalRows::Scalar;
  WorkingFactors<Real> working(factors);
  RowsOf<Real>& W = working.W;
  ColumnsOf<Real>& H = working.H;
  const Index k = H.rows();
  const std::vector<IndexRange> blocks = column_blocks(H.cols(), comm.size());
  const IndexRange own_columns = blocks[static_cast<std::size_t>(comm.rank())];
  auto own_H = [&] { return H.middleCols(own_columns.begin, own_columns.size()); };

  ColumnsOf<Real> WtV(k, V.cols());
  ColumnsOf<Real> WtV_own(k, own_columns.size());
  RowsOf<Real> VHt;
  // The Grams in double for the objective; the rules read them in the factors' precision.
  Matrix WtW(k, k);
  Matrix HHt(k, k);
  ColumnsOf<Real> WtW_narrow;
  ColumnsOf<Real> HHt_narrow;
  LocalProducts<LocalRows> products(V);
  MonitorSums sums(k, penalties.W.l1 != 0.0);

  // Every rank forms HHᵀ and V Hᵀ from all of H (docs/architecture.md, step 4).
  auto products_for_W = [&] {
    form_gram_in_shares(H, HHt);
    products.times_h_transposed(H, VHt);
  };
  // After a W update: Wᵀ V, which the next H update (or the last iterate's gradient) needs
  // whatever the monitor sums decide, then the sums, which travel while Wᵀ V is
  // reduce-scattered.
  auto products_for_H_and_sum_monitors = [&](double rank0_seconds, double previous_gradient_squared,
                                             double stop_flag) {
    products.w_transposed_times(W, WtV);
    PendingCollective pending =
        sums.start<Real>(comm, W, WtV, H, rank0_seconds, previous_gradient_squared, stop_flag);
    comm.reduce_scatter_columns(WtV, blocks, WtV_own);
    pending.wait();
    WtW = sums.gram();
  };
  auto h_sum = [&] { return H.template cast<double>().sum(); };

  // ‖P(∇)‖² of an iterate = its W part (known once W is updated) + its H part (known once
  // its WᵀV is formed); the sum reaches the history one iteration late.
  double w_gradient_of_last = 0.0;
  EngineResult result;
  result.history = from.history;
  result.gradient_at_start = from.gradient_at_start;
  auto record_gradient = [&](HistoryEntry& entry, double squared) {
    if (result.gradient_at_start == 0.0) {
      result.gradient_at_start = std::sqrt(squared);
    }
    entry.projected_gradient =
        result.gradient_at_start > 0.0 ? std::sqrt(squared) / result.gradient_at_start : 0.0;
  };

  // Resuming recomputes exactly what the interrupted run held at this point, from the
  // same W and H by the same operations, so the iterations that follow are bit-identical.
  products_for_W();
  w_gradient_of_last = projected_gradient_squared_norm(
      W.transpose(), for_the_rule<Real>(HHt, HHt_narrow), VHt.transpose(), penalties.W);
  products_for_H_and_sum_monitors(MPI_Wtime() - start, 0.0, 0.0);
  if (!resuming) {
    result.history.push_back(evaluate(0, sums, h_sum(), HHt, v_squared_norm, penalties));
  }
  result.iterations = result.history.back().iteration;
  CheckpointClock checkpoint_clock(hooks.schedule, sums.seconds());

  for (int iteration = result.iterations + 1; iteration <= stopping.max_iterations; ++iteration) {
    const double gradient_of_previous =
        w_gradient_of_last + rule.gradient_norm_and_update(own_H(),
                                                           for_the_rule<Real>(WtW, WtW_narrow),
                                                           WtV_own, penalties.H);
    comm.allgather_columns(H, blocks);
    products_for_W();
    kill_if_planned(FaultPoint::kill, comm.rank(), iteration);

    w_gradient_of_last = rule.update_and_gradient_norm(
        W.transpose(), for_the_rule<Real>(HHt, HHt_narrow), VHt.transpose(), penalties.W);
    if (fault_planned(FaultPoint::nan, comm.rank(), iteration) && W.size() > 0) {
      W(0, 0) = std::numeric_limits<Real>::quiet_NaN();
    }

    products_for_H_and_sum_monitors(MPI_Wtime() - start, gradient_of_previous, hooks.stop_flag());
    HistoryEntry& previous_entry = result.history.back();
    record_gradient(previous_entry, sums.previous_gradient_squared());
    if (hooks.on_iteration) {
      hooks.on_iteration(previous_entry);
    }
    const double previous = previous_entry.objective;
    const double latest_known_gradient = previous_entry.projected_gradient;
    result.history.push_back(evaluate(iteration, sums, h_sum(), HHt, v_squared_norm, penalties));
    require_finite(comm, result.history.back().objective, W, own_H(), iteration,
                   "try a larger --delta or a smaller --learning-rate");
    result.iterations = iteration;
    HistoryEntry now = result.history.back();
    now.projected_gradient = latest_known_gradient;
    if (const auto reason = stop_reason(stopping, previous, now)) {
      result.stop_reason = *reason;
      break;
    }
    if (sums.stop_requested()) {
      result.stop_reason = StopReason::interrupted;
      working.write_back(factors);
      return result;
    }
    if (hooks.save_checkpoint && checkpoint_clock.due(iteration, now.seconds)) {
      working.write_back(factors);
      hooks.save_checkpoint(factors, {result.history, result.gradient_at_start});
    }
  }

  // The last iterate's gradient needs its WᵀV (formed with the last sums), and the exact
  // error one more pass over V.
  const double last_gradient = comm.sum(
      w_gradient_of_last + projected_gradient_squared_norm(
                               own_H(), for_the_rule<Real>(WtW, WtW_narrow), WtV_own, penalties.H));
  record_gradient(result.history.back(), last_gradient);
  if (hooks.on_iteration) {
    hooks.on_iteration(result.history.back());
  }
  working.write_back(factors);
  result.final_relative_error =
      std::sqrt(exact_squared_residual(comm, V, factors) / v_squared_norm);
  result.vanished_components =
      vanished_components(sums.gram().diagonal().cwiseSqrt(), HHt.diagonal().cwiseSqrt());
  return result;
}

#define MPINMF_INSTANTIATE_ENGINE(LocalRows)                                                    \
  template double exact_squared_residual(Communicator&, const LocalRows&, const Factors&);      \
  template EngineResult factorize(Communicator&, const LocalRows&, double, Factors&,            \
                                  const UpdateRule&, const Penalties&, const StoppingCriteria&, \
                                  const LoopHooks&, const LoopStart&);
MPINMF_FOR_EACH_LOCAL_ROWS(MPINMF_INSTANTIATE_ENGINE)
#undef MPINMF_INSTANTIATE_ENGINE

}  // namespace mpinmf
