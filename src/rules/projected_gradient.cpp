#include "mpinmf/rules/projected_gradient.hpp"

#include <Eigen/Eigenvalues>

#include "mpinmf/rules/hals.hpp"

namespace mpinmf {

double safe_step(const Matrix& gram, double l2) {
  const Eigen::SelfAdjointEigenSolver<Matrix> eigen(gram, Eigen::EigenvaluesOnly);
  const double lipschitz = eigen.eigenvalues().maxCoeff() + l2;
  // A zero Gram (a factor that is all zeros) leaves nothing to descend along.
  return lipschitz > 0.0 ? 1.0 / lipschitz : 0.0;
}

Matrix penalized_gradient(const Eigen::Ref<const Matrix>& factor, const Matrix& gram,
                          const Eigen::Ref<const Matrix>& product, const Penalty& penalty) {
  Matrix gradient = gram * factor;
  gradient.array() += penalty.l2 * factor.array() + penalty.l1 - product.array();
  return gradient;
}

double projected_gradient_squared_norm(const Eigen::Ref<const Matrix>& factor,
                                       const Eigen::Ref<const Matrix>& gradient) {
  return (factor.array() > kHalsFloor)
      .select(gradient.array(), gradient.array().min(0.0))
      .square()
      .sum();
}

void projected_gradient_update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                               const Eigen::Ref<const Matrix>& product, const Penalty& penalty,
                               double step) {
  factor = (factor - step * penalized_gradient(factor, gram, product, penalty)).cwiseMax(0.0);
}

void ProjectedGradientRule::update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                                   const Eigen::Ref<const Matrix>& product,
                                   const Penalty& penalty) const {
  const double step = learning_rate_ ? *learning_rate_ : safe_step(gram, penalty.l2);
  projected_gradient_update(factor, gram, product, penalty, step);
}

}  // namespace mpinmf
