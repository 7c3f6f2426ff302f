#pragma once
// Projected gradient descent with an L2 penalty, on ½‖Y − A X‖² + (λ/2)‖X‖².

#include <optional>

#include "mpinmf/rules/update_rule.hpp"

namespace mpinmf {

/// 1 / (largest eigenvalue of G + λ): the inverse Lipschitz constant of the block's
/// gradient, the step for which a projected gradient step never increases the objective.
double safe_step(const Matrix& gram, double lambda);

/// X ← [X − η (G X − B + λ X)]₊, which is W ← [W + η((V − WH)Hᵀ − λW)]₊ (and the same for
/// H) with the residual V − WH never formed.
void projected_gradient_update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                               const Eigen::Ref<const Matrix>& product, double lambda, double step);

class ProjectedGradientRule final : public UpdateRule {
 public:
  ProjectedGradientRule(double lambda, std::optional<double> learning_rate)
      : lambda_(lambda), learning_rate_(learning_rate) {}
  void update(Eigen::Ref<Matrix> factor, const Matrix& gram,
              const Eigen::Ref<const Matrix>& product) const override;
  [[nodiscard]] double penalty(double w_squared_norm, double h_squared_norm) const override {
    return 0.5 * lambda_ * (w_squared_norm + h_squared_norm);
  }

 private:
  double lambda_;
  std::optional<double> learning_rate_;
};

}  // namespace mpinmf
