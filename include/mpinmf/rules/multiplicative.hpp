#pragma once
// Lee & Seung's multiplicative update for the Frobenius loss.

#include "mpinmf/rules/update_rule.hpp"

namespace mpinmf {

/// X ← X ∘ B ⊘ (G X + δ): H ← H ∘ WᵀV ⊘ (WᵀW H + δ), and the same for Wᵀ. The products
/// are grouped so that nothing larger than X is formed.
void multiplicative_update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                           const Eigen::Ref<const Matrix>& product, double delta);

class MultiplicativeRule final : public UpdateRule {
 public:
  explicit MultiplicativeRule(double delta) : delta_(delta) {}
  void update(Eigen::Ref<Matrix> factor, const Matrix& gram,
              const Eigen::Ref<const Matrix>& product) const override {
    multiplicative_update(factor, gram, product, delta_);
  }

 private:
  double delta_;
};

}  // namespace mpinmf
