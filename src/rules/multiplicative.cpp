#include "rules/multiplicative.hpp"

#include <algorithm>

#include "core/scratch.hpp"
#include "rules/column_blocks.hpp"

namespace mpinmf {

namespace {

template <typename Scalar>
void multiplicative_update_of(Eigen::Ref<ColumnsOf<Scalar>> factor, const ColumnsOf<Scalar>& gram,
                              const Eigen::Ref<const ColumnsOf<Scalar>>& product,
                              const Penalty& penalty, double delta) {
  const Index k = factor.rows();
  const auto l1 = static_cast<Scalar>(penalty.l1);
  const auto l2 = static_cast<Scalar>(penalty.l2);
  const auto shift = static_cast<Scalar>(delta);
  auto denominator_buffer = scratch_matrix<ColumnsOf<Scalar>, struct MultiplicativeDenominator>(
      k, std::min(cache_block_columns(k), factor.cols()));
  for_each_column_block(k, factor.cols(), [&](Index first, Index count) {
    auto X = factor.middleCols(first, count);
    auto denominator = denominator_buffer.leftCols(count);
    denominator.noalias() = gram * X;
    if (penalty.any()) {
      denominator.array() += l2 * X.array() + l1;
    }
    X.array() *= product.middleCols(first, count).array() / (denominator.array() + shift);
  });
}

}  // namespace

// An Eigen::Ref is a view: passing it on by value copies a pointer, not the matrix.
// NOLINTBEGIN(performance-unnecessary-value-param)
void multiplicative_update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                           const Eigen::Ref<const Matrix>& product, const Penalty& penalty,
                           double delta) {
  multiplicative_update_of<double>(factor, gram, product, penalty, delta);
}

void multiplicative_update(Eigen::Ref<MatrixF> factor, const MatrixF& gram,
                           const Eigen::Ref<const MatrixF>& product, const Penalty& penalty,
                           double delta) {
  multiplicative_update_of<float>(factor, gram, product, penalty, delta);
}
// NOLINTEND(performance-unnecessary-value-param)

}  // namespace mpinmf
