#pragma once
// Projected gradient descent on ½‖Y − A X‖² + l1·‖X‖₁ + ½·l2·‖X‖² (the pgd rule's λ is l2).

#include <optional>

#include "rules/update_rule.hpp"

namespace mpinmf {

/// 1 / (largest eigenvalue of G + l2): the inverse Lipschitz constant of the block's
/// gradient, the step for which a projected gradient step never increases the objective.
double safe_step(const Eigen::Ref<const Matrix>& gram, double l2);

/// ‖P(∇)‖² of ½‖Y − A X‖² + l1·ΣX + ½·l2·‖X‖² at X, whose gradient is (G + l2) X − B + l1.
/// P keeps the gradient where X is off its bound (above HALS's floor) and its negative part
/// where X sits on it: zero exactly at a KKT point.
/// Summed in double whatever the factor's precision.
double projected_gradient_squared_norm(const Eigen::Ref<const Matrix>& factor, const Matrix& gram,
                                       const Eigen::Ref<const Matrix>& product,
                                       const Penalty& penalty);
double projected_gradient_squared_norm(const Eigen::Ref<const MatrixF>& factor, const MatrixF& gram,
                                       const Eigen::Ref<const MatrixF>& product,
                                       const Penalty& penalty);

/// X ← [X − η ((G + l2) X − B + l1)]₊, which is W ← [W + η((V − WH)Hᵀ − λW)]₊ (and the same
/// for H) with the residual V − WH never formed.
void projected_gradient_update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                               const Eigen::Ref<const Matrix>& product, const Penalty& penalty,
                               double step);

class ProjectedGradientRule final : public UpdateRule {
 public:
  explicit ProjectedGradientRule(std::optional<double> learning_rate)
      : learning_rate_(learning_rate) {}
  void update(Eigen::Ref<Matrix> factor, const Matrix& gram,
              const Eigen::Ref<const Matrix>& product, const Penalty& penalty) const override;
  void update(Eigen::Ref<MatrixF> factor, const MatrixF& gram,
              const Eigen::Ref<const MatrixF>& product, const Penalty& penalty) const override;

 private:
  std::optional<double> learning_rate_;
};

}  // namespace mpinmf
