#include "rules/projected_gradient.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>

#include "core/scratch.hpp"
#include "core/vector_clones.hpp"
#include "rules/column_blocks.hpp"
#include "rules/hals.hpp"

namespace mpinmf {

double safe_step(const Eigen::Ref<const Matrix>& gram, double l2) {
  // The solver keeps its workspace from call to call (one per thread), so that the loop's
  // steps do not allocate.
  thread_local Eigen::SelfAdjointEigenSolver<Matrix> eigen;
  eigen.compute(gram, Eigen::EigenvaluesOnly);
  const double lipschitz = eigen.eigenvalues().maxCoeff() + l2;
  // A zero Gram (a factor that is all zeros) leaves nothing to descend along.
  return lipschitz > 0.0 ? 1.0 / lipschitz : 0.0;
}

namespace {

/// `gradient` = (G + l2) X − B + l1 for one block of columns, in X's precision.
template <typename Scalar, typename Gradient>
void penalized_gradient(const Eigen::Ref<const ColumnsOf<Scalar>>& X, const ColumnsOf<Scalar>& gram,
                        const Eigen::Ref<const ColumnsOf<Scalar>>& B, const Penalty& penalty,
                        Gradient& gradient) {
  gradient.noalias() = gram * X;
  gradient.array() +=
      static_cast<Scalar>(penalty.l2) * X.array() + static_cast<Scalar>(penalty.l1) - B.array();
}

/// Σ P(∇)² over `size` entries, summed in double: the gradient where x is above HALS's
/// floor, its negative part where x sits on it. A plain loop, vectorised (Eigen's select()
/// is not): both candidates are formed before the choice, which GCC then makes a blend.
template <typename Scalar>
[[gnu::always_inline]] inline double projected_squared_sum_of(const Scalar* x,
                                                              const Scalar* gradient, Index size) {
  const auto floor = hals_floor<Scalar>();
  double sum = 0.0;
#pragma omp simd reduction(+ : sum)
  for (Index i = 0; i < size; ++i) {
    const double whole = gradient[i];
    const double negative_part = std::min(whole, 0.0);
    const double projected = x[i] > floor ? whole : negative_part;
    sum += projected * projected;
  }
  return sum;
}

MPINMF_VECTOR_CLONES double projected_squared_sum(const double* x, const double* gradient,
                                                  Index size) {
  return projected_squared_sum_of(x, gradient, size);
}
MPINMF_VECTOR_CLONES double projected_squared_sum(const float* x, const float* gradient,
                                                  Index size) {
  return projected_squared_sum_of(x, gradient, size);
}

template <typename Scalar>
double squared_norm_of_projected_gradient(const Eigen::Ref<const ColumnsOf<Scalar>>& factor,
                                          const ColumnsOf<Scalar>& gram,
                                          const Eigen::Ref<const ColumnsOf<Scalar>>& product,
                                          const Penalty& penalty) {
  const Index k = factor.rows();
  auto gradient_buffer = scratch_matrix<ColumnsOf<Scalar>, struct GradientBlock>(
      k, std::min(cache_block_columns(k), factor.cols()));
  double squared_norm = 0.0;
  for_each_column_block(k, factor.cols(), [&](Index first, Index count) {
    const auto X = factor.middleCols(first, count);
    auto gradient = gradient_buffer.leftCols(count);
    penalized_gradient<Scalar>(X, gram, product.middleCols(first, count), penalty, gradient);
    if (X.outerStride() == k) {
      squared_norm += projected_squared_sum(X.data(), gradient.data(), k * count);
    } else {
      for (Index c = 0; c < count; ++c) {
        squared_norm += projected_squared_sum(X.col(c).data(), gradient.col(c).data(), k);
      }
    }
  });
  return squared_norm;
}

template <typename Scalar>
void projected_gradient_step(Eigen::Ref<ColumnsOf<Scalar>> factor, const ColumnsOf<Scalar>& gram,
                             const Eigen::Ref<const ColumnsOf<Scalar>>& product,
                             const Penalty& penalty, double step) {
  const Index k = factor.rows();
  auto gradient_buffer = scratch_matrix<ColumnsOf<Scalar>, struct GradientBlock>(
      k, std::min(cache_block_columns(k), factor.cols()));
  for_each_column_block(k, factor.cols(), [&](Index first, Index count) {
    auto X = factor.middleCols(first, count);
    auto gradient = gradient_buffer.leftCols(count);
    penalized_gradient<Scalar>(X, gram, product.middleCols(first, count), penalty, gradient);
    X = (X - static_cast<Scalar>(step) * gradient).cwiseMax(Scalar{0});
  });
}

}  // namespace

// An Eigen::Ref is a view: passing it on by value copies a pointer, not the matrix.
// NOLINTBEGIN(performance-unnecessary-value-param)
double projected_gradient_squared_norm(const Eigen::Ref<const Matrix>& factor, const Matrix& gram,
                                       const Eigen::Ref<const Matrix>& product,
                                       const Penalty& penalty) {
  return squared_norm_of_projected_gradient<double>(factor, gram, product, penalty);
}

double projected_gradient_squared_norm(const Eigen::Ref<const MatrixF>& factor, const MatrixF& gram,
                                       const Eigen::Ref<const MatrixF>& product,
                                       const Penalty& penalty) {
  return squared_norm_of_projected_gradient<float>(factor, gram, product, penalty);
}

void projected_gradient_update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                               const Eigen::Ref<const Matrix>& product, const Penalty& penalty,
                               double step) {
  projected_gradient_step<double>(factor, gram, product, penalty, step);
}

void ProjectedGradientRule::update(Eigen::Ref<MatrixF> factor, const MatrixF& gram,
                                   const Eigen::Ref<const MatrixF>& product,
                                   const Penalty& penalty) const {
  double step = 0.0;
  if (learning_rate_) {
    step = *learning_rate_;
  } else {
    auto widened = scratch_matrix<Matrix, struct WidenedGram>(gram.rows(), gram.cols());
    widened.noalias() = gram.cast<double>();
    step = safe_step(widened, penalty.l2);
  }
  projected_gradient_step<float>(factor, gram, product, penalty, step);
}
// NOLINTEND(performance-unnecessary-value-param)

void ProjectedGradientRule::update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                                   const Eigen::Ref<const Matrix>& product,
                                   const Penalty& penalty) const {
  const double step = learning_rate_ ? *learning_rate_ : safe_step(gram, penalty.l2);
  projected_gradient_update(factor, gram, product, penalty, step);
}

}  // namespace mpinmf
