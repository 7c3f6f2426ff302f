#include "mpinmf/rules/projected_gradient.hpp"

#include <Eigen/Eigenvalues>

namespace mpinmf {

double safe_step(const Matrix& gram, double l2) {
  const Eigen::SelfAdjointEigenSolver<Matrix> eigen(gram, Eigen::EigenvaluesOnly);
  const double lipschitz = eigen.eigenvalues().maxCoeff() + l2;
  // A zero Gram (a factor that is all zeros) leaves nothing to descend along.
  return lipschitz > 0.0 ? 1.0 / lipschitz : 0.0;
}

void projected_gradient_update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                               const Eigen::Ref<const Matrix>& product, const Penalty& penalty,
                               double step) {
  Matrix gradient = gram * factor;
  gradient.array() += penalty.l2 * factor.array() + penalty.l1 - product.array();
  factor = (factor - step * gradient).cwiseMax(0.0);
}

void ProjectedGradientRule::update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                                   const Eigen::Ref<const Matrix>& product,
                                   const Penalty& penalty) const {
  const double step = learning_rate_ ? *learning_rate_ : safe_step(gram, penalty.l2);
  projected_gradient_update(factor, gram, product, penalty, step);
}

}  // namespace mpinmf
