#include "mpinmf/rules/projected_gradient.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>

#include "mpinmf/rules/column_blocks.hpp"
#include "mpinmf/rules/hals.hpp"

namespace mpinmf {

double safe_step(const Matrix& gram, double l2) {
  const Eigen::SelfAdjointEigenSolver<Matrix> eigen(gram, Eigen::EigenvaluesOnly);
  const double lipschitz = eigen.eigenvalues().maxCoeff() + l2;
  // A zero Gram (a factor that is all zeros) leaves nothing to descend along.
  return lipschitz > 0.0 ? 1.0 / lipschitz : 0.0;
}

namespace {

/// `gradient` = (G + l2) X − B + l1 for one block of columns.
template <typename Gradient>
void penalized_gradient(const Eigen::Ref<const Matrix>& X, const Matrix& gram,
                        const Eigen::Ref<const Matrix>& B, const Penalty& penalty,
                        Gradient& gradient) {
  gradient.noalias() = gram * X;
  gradient.array() += penalty.l2 * X.array() + penalty.l1 - B.array();
}

}  // namespace

double projected_gradient_squared_norm(const Eigen::Ref<const Matrix>& factor, const Matrix& gram,
                                       const Eigen::Ref<const Matrix>& product,
                                       const Penalty& penalty) {
  const Index k = factor.rows();
  Matrix gradient_buffer(k, std::min(cache_block_columns(k), factor.cols()));
  double squared_norm = 0.0;
  for_each_column_block(k, factor.cols(), [&](Index first, Index count) {
    const auto X = factor.middleCols(first, count);
    auto gradient = gradient_buffer.leftCols(count);
    penalized_gradient(X, gram, product.middleCols(first, count), penalty, gradient);
    squared_norm +=
        (X.array() > kHalsFloor).select(gradient.array(), gradient.array().min(0.0)).square().sum();
  });
  return squared_norm;
}

void projected_gradient_update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                               const Eigen::Ref<const Matrix>& product, const Penalty& penalty,
                               double step) {
  const Index k = factor.rows();
  Matrix gradient_buffer(k, std::min(cache_block_columns(k), factor.cols()));
  for_each_column_block(k, factor.cols(), [&](Index first, Index count) {
    auto X = factor.middleCols(first, count);
    auto gradient = gradient_buffer.leftCols(count);
    penalized_gradient(X, gram, product.middleCols(first, count), penalty, gradient);
    X = (X - step * gradient).cwiseMax(0.0);
  });
}

void ProjectedGradientRule::update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                                   const Eigen::Ref<const Matrix>& product,
                                   const Penalty& penalty) const {
  const double step = learning_rate_ ? *learning_rate_ : safe_step(gram, penalty.l2);
  projected_gradient_update(factor, gram, product, penalty, step);
}

}  // namespace mpinmf
