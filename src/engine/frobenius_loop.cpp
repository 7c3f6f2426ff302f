#include "engine/frobenius_loop.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <type_traits>
#include <vector>

#include "core/resources.hpp"
#include "core/thread_shares.hpp"
#include "engine/loop_driver.hpp"
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

HistoryEntry entry_of(int iteration, const MonitorSums& sums, double h_sum, const Matrix& HHt,
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

namespace {

/// The Frobenius rules' arithmetic for the loop driver (docs/architecture.md, one iteration).
template <typename LocalRows>
class FrobeniusSteps final : public LoopSteps {
  using Real = typename LocalRows::Scalar;

 public:
  FrobeniusSteps(Communicator& comm, const LocalRows& V, double v_squared_norm, Factors& factors,
                 const UpdateRule& rule, const Penalties& penalties)
      : comm_(comm),
        V_(V),
        v_squared_norm_(v_squared_norm),
        rule_(rule),
        penalties_(penalties),
        working_(factors),
        W(working_.W),
        H(working_.H),
        blocks_(column_blocks(H.cols(), comm.size())),
        own_columns_(blocks_[static_cast<std::size_t>(comm.rank())]),
        WtV_(H.rows(), V.cols()),
        WtV_own_(H.rows(), own_columns_.size()),
        WtW_(H.rows(), H.rows()),
        HHt_(H.rows(), H.rows()),
        products_(V),
        sums_(H.rows(), penalties.W.l1 != 0.0) {}

  Evaluation start(int iteration, double seconds) override {
    products_for_W();
    w_gradient_of_last_ = projected_gradient_squared_norm(
        W.transpose(), for_the_rule<Real>(HHt_, HHt_narrow_), VHt_.transpose(), penalties_.W);
    products_for_H_and_sum_monitors(seconds, 0.0, 0.0);
    return {evaluation(iteration), false, std::nullopt, false};
  }

  void update(int /*iteration*/) override {
    gradient_of_previous_ =
        w_gradient_of_last_ + rule_.gradient_norm_and_update(own_H(),
                                                             for_the_rule<Real>(WtW_, WtW_narrow_),
                                                             WtV_own_, penalties_.H);
    comm_.allgather_columns(H, blocks_);
    products_for_W();
    w_gradient_of_last_ = rule_.update_and_gradient_norm(
        W.transpose(), for_the_rule<Real>(HHt_, HHt_narrow_), VHt_.transpose(), penalties_.W);
  }

  Evaluation evaluate(int iteration, double seconds, double stop_flag) override {
    products_for_H_and_sum_monitors(seconds, gradient_of_previous_, stop_flag);
    return {evaluation(iteration), sums_.stop_requested(), sums_.previous_gradient_squared(),
            false};
  }

  void require_finite(double objective, int iteration) override {
    mpinmf::require_finite(comm_, objective, W, own_H(), iteration,
                           "try a larger --delta or a smaller --learning-rate");
  }

  void poison() override {
    if (W.size() > 0) {
      W(0, 0) = std::numeric_limits<Real>::quiet_NaN();
    }
  }

  // The last iterate's gradient needs its WᵀV, formed with the last sums.
  std::optional<double> last_gradient_squared() override {
    return comm_.sum(w_gradient_of_last_ +
                     projected_gradient_squared_norm(own_H(), for_the_rule<Real>(WtW_, WtW_narrow_),
                                                     WtV_own_, penalties_.H));
  }

  void write_back(Factors& factors) override { working_.write_back(factors); }

  void finish(const Factors& factors, EngineResult& result) override {
    result.final_relative_error =
        std::sqrt(exact_squared_residual(comm_, V_, factors) / v_squared_norm_);
    result.vanished_components =
        vanished_components(sums_.gram().diagonal().cwiseSqrt(), HHt_.diagonal().cwiseSqrt());
  }

 private:
  auto own_H() { return H.middleCols(own_columns_.begin, own_columns_.size()); }

  // Every rank forms HHᵀ and V Hᵀ from all of H (docs/architecture.md, step 4).
  void products_for_W() {
    form_gram_in_shares(H, HHt_);
    products_.times_h_transposed(H, VHt_);
  }

  // After a W update: Wᵀ V, which the next H update (or the last iterate's gradient) needs
  // whatever the monitor sums decide, then the sums, which travel while Wᵀ V is
  // reduce-scattered.
  void products_for_H_and_sum_monitors(double rank0_seconds, double previous_gradient_squared,
                                       double stop_flag) {
    products_.w_transposed_times(W, WtV_);
    PendingCollective pending =
        sums_.start<Real>(comm_, W, WtV_, H, rank0_seconds, previous_gradient_squared, stop_flag);
    comm_.reduce_scatter_columns(WtV_, blocks_, WtV_own_);
    pending.wait();
    WtW_ = sums_.gram();
  }

  [[nodiscard]] HistoryEntry evaluation(int iteration) const {
    return entry_of(iteration, sums_, H.template cast<double>().sum(), HHt_, v_squared_norm_,
                    penalties_);
  }

  Communicator& comm_;
  const LocalRows& V_;
  double v_squared_norm_;
  const UpdateRule& rule_;
  const Penalties& penalties_;
  WorkingFactors<Real> working_;
  RowsOf<Real>& W;
  ColumnsOf<Real>& H;
  std::vector<IndexRange> blocks_;
  IndexRange own_columns_;
  ColumnsOf<Real> WtV_;
  ColumnsOf<Real> WtV_own_;
  RowsOf<Real> VHt_;
  // The Grams in double for the objective; the rules read them in the factors' precision.
  Matrix WtW_;
  Matrix HHt_;
  ColumnsOf<Real> WtW_narrow_;
  ColumnsOf<Real> HHt_narrow_;
  LocalProducts<LocalRows> products_;
  MonitorSums sums_;
  // ‖P(∇)‖² of an iterate = its W part (known once W is updated) + its H part (known once
  // its WᵀV is formed); the sum reaches the history one iteration late.
  double w_gradient_of_last_ = 0.0;
  double gradient_of_previous_ = 0.0;
};

}  // namespace

template <typename LocalRows>
EngineResult factorize(Communicator& comm, const LocalRows& local_rows, double v_squared_norm,
                       Factors& factors, const UpdateRule& rule, const Penalties& penalties,
                       const StoppingCriteria& stopping, const LoopHooks& hooks,
                       const LoopStart& from) {
  // Every product is shared among the rank's threads by the project, each BLAS call on one
  // thread. Holding the cores for the whole loop, rather than in each product, spares
  // starting and ending BLAS's threads several times an iteration.
  const OwnLoopsHaveTheCores own_loops;
  FrobeniusSteps<LocalRows> steps(comm, local_rows, v_squared_norm, factors, rule, penalties);
  return drive_loop(comm, steps, factors, stopping, hooks, from);
}

#define MPINMF_INSTANTIATE_ENGINE(LocalRows)                                                    \
  template double exact_squared_residual(Communicator&, const LocalRows&, const Factors&);      \
  template EngineResult factorize(Communicator&, const LocalRows&, double, Factors&,            \
                                  const UpdateRule&, const Penalties&, const StoppingCriteria&, \
                                  const LoopHooks&, const LoopStart&);
MPINMF_FOR_EACH_LOCAL_ROWS(MPINMF_INSTANTIATE_ENGINE)
#undef MPINMF_INSTANTIATE_ENGINE

}  // namespace mpinmf
