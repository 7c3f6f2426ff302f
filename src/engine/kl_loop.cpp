#include "engine/kl_loop.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/resources.hpp"
#include "engine/loop_driver.hpp"
#include "rules/kullback_leibler.hpp"

namespace mpinmf {

namespace {

/// The Kullback–Leibler rule's arithmetic for the loop driver. One pass over V evaluates an
/// iterate and forms Wᵀ(V ⊘ WH), which the next H update needs, so an iteration is: update H
/// from the last pass, update W (a second pass), then the pass that evaluates the result.
/// Every buffer is made here, before the loop (`work_` holds the passes' own).
template <typename LocalRows>
class KlSteps final : public LoopSteps {
 public:
  KlSteps(Communicator& comm, const LocalRows& V, double v_squared_norm, Factors& factors,
          double delta)
      : comm_(comm),
        V_(V),
        v_squared_norm_(v_squared_norm),
        delta_(delta),
        W(factors.W),
        H(factors.H),
        k_(H.rows()),
        blocks_(column_blocks(H.cols(), comm.size())),
        own_columns_(blocks_[static_cast<std::size_t>(comm.rank())]),
        work_(V, k_),
        ratio_product_(k_, H.cols()),
        ratio_product_own_(k_, own_columns_.size()),
        numerator_(V.rows(), k_),
        w_column_sums_(k_),
        h_row_sums_(k_),
        sums_(k_ + 4) {}

  Evaluation start(int iteration, double seconds) override {
    return evaluate(iteration, seconds, 0.0);
  }

  void update(int /*iteration*/) override {
    w_column_sums_ = sums_.head(k_);
    kl_multiplicative_update(own_H(), ratio_product_own_, w_column_sums_, delta_);
    comm_.allgather_columns(H, blocks_);
    h_row_sums_.noalias() = H.rowwise().sum();
    kl_w_numerator(V_, W, H, delta_, work_, numerator_);
    kl_multiplicative_update(W.transpose(), numerator_.transpose(), h_row_sums_, delta_);
  }

  // Summed over ranks with each pass: W's column sums, the divergence, the squared
  // residual, rank 0's clock and the ranks' stop requests.
  Evaluation evaluate(int iteration, double seconds, double stop_flag) override {
    const KlSums pass =
        completed_sums(kl_h_pass(V_, W, H, delta_, work_, ratio_product_), W, H, work_);
    sums_.head(k_).noalias() = W.colwise().sum().transpose();
    sums_(k_) = pass.divergence;
    sums_(k_ + 1) = pass.residual_squared;
    sums_(k_ + 2) = comm_.is_root() ? seconds : 0.0;
    sums_(k_ + 3) = stop_flag;
    comm_.sum(sums_.data(), sums_.size());
    comm_.reduce_scatter_columns(ratio_product_, blocks_, ratio_product_own_);
    Evaluation evaluation;
    evaluation.entry.iteration = iteration;
    evaluation.entry.seconds = sums_(k_ + 2);
    // Rounding may dip below zero at an exact fit (sparse V's residual is a difference).
    evaluation.entry.relative_error = std::sqrt(std::max(0.0, sums_(k_ + 1)) / v_squared_norm_);
    evaluation.entry.objective = sums_(k_);
    evaluation.stop_requested = sums_(k_ + 3) > 0.0;
    return evaluation;
  }

  void require_finite(double objective, int iteration) override {
    mpinmf::require_finite(comm_, objective, W, own_H(), iteration, "try a larger --delta");
  }

  void poison() override {
    if (W.size() > 0) {
      W(0, 0) = std::numeric_limits<double>::quiet_NaN();
    }
  }

  std::optional<double> last_gradient_squared() override { return std::nullopt; }

  void write_back(Factors& /*factors*/) override {}

  // The divergence's pass evaluates the residual exactly, so the last entry's error is exact.
  void finish(const Factors& /*factors*/, EngineResult& result) override {
    result.final_relative_error = result.history.back().relative_error;
    Eigen::VectorXd w_squared_norms = W.colwise().squaredNorm().transpose();
    comm_.sum(w_squared_norms.data(), w_squared_norms.size());
    result.vanished_components =
        vanished_components(w_squared_norms.cwiseSqrt(), H.rowwise().norm());
  }

 private:
  auto own_H() { return H.middleCols(own_columns_.begin, own_columns_.size()); }

  Communicator& comm_;
  const LocalRows& V_;
  double v_squared_norm_;
  double delta_;
  RowMatrix& W;
  Matrix& H;
  Index k_;
  std::vector<IndexRange> blocks_;
  IndexRange own_columns_;
  KlWorkspace<LocalRows> work_;
  Matrix ratio_product_;
  Matrix ratio_product_own_;
  RowMatrix numerator_;
  Eigen::VectorXd w_column_sums_;
  Eigen::VectorXd h_row_sums_;
  Eigen::VectorXd sums_;
};

}  // namespace

template <typename LocalRows>
EngineResult factorize_kl(Communicator& comm, const LocalRows& local_rows, double v_squared_norm,
                          Factors& factors, double delta, const StoppingCriteria& stopping,
                          const LoopHooks& hooks, const LoopStart& from) {
  // The passes share V's rows among the rank's threads, each BLAS call on one thread
  // (as the Frobenius loop does, engine/frobenius_loop.cpp).
  const OwnLoopsHaveTheCores own_loops;
  KlSteps<LocalRows> steps(comm, local_rows, v_squared_norm, factors, delta);
  return drive_loop(comm, steps, factors, stopping, hooks, from);
}

#define MPINMF_INSTANTIATE_KL_ENGINE(LocalRows)                                                 \
  template EngineResult factorize_kl(Communicator&, const LocalRows&, double, Factors&, double, \
                                     const StoppingCriteria&, const LoopHooks&, const LoopStart&);
MPINMF_FOR_EACH_LOCAL_ROWS(MPINMF_INSTANTIATE_KL_ENGINE)
#undef MPINMF_INSTANTIATE_KL_ENGINE

}  // namespace mpinmf
