#include "mpinmf/rules/multiplicative.hpp"

#include <algorithm>

#include "mpinmf/rules/column_blocks.hpp"

namespace mpinmf {

void multiplicative_update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                           const Eigen::Ref<const Matrix>& product, const Penalty& penalty,
                           double delta) {
  const Index k = factor.rows();
  Matrix denominator_buffer(k, std::min(cache_block_columns(k), factor.cols()));
  for_each_column_block(k, factor.cols(), [&](Index first, Index count) {
    auto X = factor.middleCols(first, count);
    auto denominator = denominator_buffer.leftCols(count);
    denominator.noalias() = gram * X;
    if (penalty.any()) {
      denominator.array() += penalty.l2 * X.array() + penalty.l1;
    }
    X.array() *= product.middleCols(first, count).array() / (denominator.array() + delta);
  });
}

}  // namespace mpinmf
