#pragma once
// Lee & Seung's multiplicative update for the Frobenius loss.

#include "rules/update_rule.hpp"

namespace mpinmf {

/// X ← X ∘ B ⊘ (G X + l2·X + l1 + δ): H ← H ∘ WᵀV ⊘ (WᵀW H + δ), and the same for Wᵀ. The
/// penalty's gradient joins the denominator (as scikit-learn does), which keeps every
/// step non-negative and the objective non-increasing. Nothing larger than X is formed.
void multiplicative_update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                           const Eigen::Ref<const Matrix>& product, const Penalty& penalty,
                           double delta);
void multiplicative_update(Eigen::Ref<MatrixF> factor, const MatrixF& gram,
                           const Eigen::Ref<const MatrixF>& product, const Penalty& penalty,
                           double delta);

class MultiplicativeRule final : public UpdateRule {
 public:
  explicit MultiplicativeRule(double delta) : delta_(delta) {}
  void update(Eigen::Ref<Matrix> factor, const Matrix& gram,
              const Eigen::Ref<const Matrix>& product, const Penalty& penalty) const override {
    multiplicative_update(factor, gram, product, penalty, delta_);
  }
  void update(Eigen::Ref<MatrixF> factor, const MatrixF& gram,
              const Eigen::Ref<const MatrixF>& product, const Penalty& penalty) const override {
    multiplicative_update(factor, gram, product, penalty, delta_);
  }

 protected:
  [[nodiscard]] Parts parts() const override { return Parts::cache_blocks; }

 private:
  double delta_;
};

}  // namespace mpinmf
