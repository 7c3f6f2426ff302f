#pragma once
// An update rule improves one factor with the other held fixed. Both halves of NMF are
// the same problem, min over X ≥ 0 of ½‖Y − A X‖² + l1·‖X‖₁ + ½·l2·‖X‖², and a rule sees
// it only through the k×k Gram G = AᵀA and the k×c product B = AᵀY:
//   H half: X = H's columns,  G = WᵀW, B = WᵀV's columns
//   W half: X = Wᵀ,           G = HHᵀ, B = (VHᵀ)ᵀ
// Rules are pure local functions: no MPI, no I/O, no state between calls. Each column of X
// is its own problem, so a rule's answer for a column never depends on which other
// columns a rank holds: that keeps results independent of the number of ranks.

#include <memory>

#include "mpinmf/options.hpp"
#include "mpinmf/types.hpp"
#include "rules/penalty.hpp"

namespace mpinmf {

class UpdateRule {
 public:
  virtual ~UpdateRule() = default;

  /// Updates `factor` (k×c) in place from `gram` (k×k) and `product` (k×c).
  virtual void update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                      const Eigen::Ref<const Matrix>& product, const Penalty& penalty) const = 0;

  /// The same in single precision, the loop's precision when V is held in float. By default
  /// through double copies of the factor and product (a rule whose work is its own solver,
  /// which stays double); the rules whose work is passes over the factor override it.
  virtual void update(Eigen::Ref<MatrixF> factor, const MatrixF& gram,
                      const Eigen::Ref<const MatrixF>& product, const Penalty& penalty) const;

  /// Updates `factor` as update() does, its columns shared among the rank's threads, and
  /// returns ‖P(∇)‖² of the same problem at the result (see projected_gradient_squared_norm):
  /// the engine's convergence measure for the W half.
  [[nodiscard]] double update_and_gradient_norm(Eigen::Ref<Matrix> factor, const Matrix& gram,
                                                const Eigen::Ref<const Matrix>& product,
                                                const Penalty& penalty) const;
  [[nodiscard]] double update_and_gradient_norm(Eigen::Ref<MatrixF> factor, const MatrixF& gram,
                                                const Eigen::Ref<const MatrixF>& product,
                                                const Penalty& penalty) const;

  /// Returns ‖P(∇)‖² at `factor` as given, then updates it as update() does, its columns
  /// shared among the threads: the H half, whose gradient the engine needs at the iterate
  /// before (it needs WᵀW and WᵀV of the W that followed it).
  [[nodiscard]] double gradient_norm_and_update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                                                const Eigen::Ref<const Matrix>& product,
                                                const Penalty& penalty) const;
  [[nodiscard]] double gradient_norm_and_update(Eigen::Ref<MatrixF> factor, const MatrixF& gram,
                                                const Eigen::Ref<const MatrixF>& product,
                                                const Penalty& penalty) const;

 protected:
  /// How the two above share the columns among the threads. Cache blocks, handed out as
  /// threads come free, suit rules whose update of a block needs nothing but the block and
  /// costs no set-up per call: each block is measured while it is still in cache. Rules with
  /// a set-up per call (a step size, a solver's state) take one block per thread, as ranks
  /// share the columns, so that the set-up is shared too.
  enum class Parts { cache_blocks, thread_shares };
  [[nodiscard]] virtual Parts parts() const { return Parts::thread_shares; }

 private:
  enum class GradientAt { result, start };
  template <typename Scalar>
  [[nodiscard]] double update_in_parts(Eigen::Ref<ColumnsOf<Scalar>> factor,
                                       const ColumnsOf<Scalar>& gram,
                                       const Eigen::Ref<const ColumnsOf<Scalar>>& product,
                                       const Penalty& penalty, GradientAt at) const;
};

/// The rule `settings` names (its row of the registry, rules/registry.cpp), for a V of `rows` ×
/// `columns` with `nonzeros` stored entries (0: dense, all of them) and k = `rank`; HALS sizes its
/// sweeps by them.
std::unique_ptr<UpdateRule> make_update_rule(const RuleSettings& settings, Index rows = 1,
                                             Index columns = 1, Index rank = 1,
                                             std::int64_t nonzeros = 0);

}  // namespace mpinmf
