#include "mpinmf/rules/hals.hpp"

#include <algorithm>

#include "mpinmf/rules/column_blocks.hpp"
#include "mpinmf/vector_clones.hpp"

namespace mpinmf {

namespace {

/// The sweeps on one block, copied row-major (k × count): component j's step is then k
/// contiguous axpys, where X's column-major storage would stride them.
MPINMF_VECTOR_CLONES void sweep_block(double* X, const double* B, Index k, Index count,
                                      const Matrix& gram, const Penalty& penalty, int sweeps,
                                      double* step) {
  for (int sweep = 0; sweep < sweeps; ++sweep) {
    for (Index j = 0; j < k; ++j) {
      const double curvature = gram(j, j) + penalty.l2;
      if (curvature <= 0.0) {
        continue;  // the other factor's component j is zero: nothing to fit
      }
      double* x_j = X + j * count;
      const double* b_j = B + j * count;
#pragma omp simd
      for (Index c = 0; c < count; ++c) {
        step[c] = b_j[c] - penalty.l1 - penalty.l2 * x_j[c];
      }
      for (Index l = 0; l < k; ++l) {
        const double g = gram(j, l);
        const double* x_l = X + l * count;
#pragma omp simd
        for (Index c = 0; c < count; ++c) {
          step[c] -= g * x_l[c];
        }
      }
#pragma omp simd
      for (Index c = 0; c < count; ++c) {
        x_j[c] = std::max(x_j[c] + step[c] / curvature, kHalsFloor);
      }
    }
  }
}

}  // namespace

void hals_update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                 const Eigen::Ref<const Matrix>& product, const Penalty& penalty, int sweeps) {
  const Index k = factor.rows();
  RowMatrix X;
  RowMatrix B;
  Eigen::RowVectorXd step;
  for_each_column_block(k, factor.cols(), [&](Index first, Index count) {
    X = factor.middleCols(first, count);
    B = product.middleCols(first, count);
    step.resize(count);
    sweep_block(X.data(), B.data(), k, count, gram, penalty, sweeps, step.data());
    factor.middleCols(first, count) = X;
  });
}

int automatic_hals_sweeps(Index rows, Index columns, Index rank, std::int64_t nonzeros) {
  const double per_line = static_cast<double>(nonzeros) /
                          static_cast<double>(std::max(std::max(rows, columns), Index{1}));
  const double rho = 1.0 + per_line / static_cast<double>(rank + 1);
  return static_cast<int>(std::clamp(1.0 + 0.5 * rho, 1.0, 5.0));
}

}  // namespace mpinmf
