#include "mpinmf/rules/projected_gradient.hpp"

#include <Eigen/Eigenvalues>

namespace mpinmf {

double safe_step(const Matrix& gram, double lambda) {
  const Eigen::SelfAdjointEigenSolver<Matrix> eigen(gram, Eigen::EigenvaluesOnly);
  const double lipschitz = eigen.eigenvalues().maxCoeff() + lambda;
  // A zero Gram (a factor that is all zeros) leaves nothing to descend along.
  return lipschitz > 0.0 ? 1.0 / lipschitz : 0.0;
}

void projected_gradient_update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                               const Eigen::Ref<const Matrix>& product, double lambda,
                               double step) {
  Matrix gradient = gram * factor;
  gradient += lambda * factor - product;
  factor = (factor - step * gradient).cwiseMax(0.0);
}

void ProjectedGradientRule::update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                                   const Eigen::Ref<const Matrix>& product) const {
  const double step = learning_rate_ ? *learning_rate_ : safe_step(gram, lambda_);
  projected_gradient_update(factor, gram, product, lambda_, step);
}

}  // namespace mpinmf
