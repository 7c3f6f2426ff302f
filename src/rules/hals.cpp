#include "mpinmf/rules/hals.hpp"

#include <algorithm>

namespace mpinmf {

void hals_update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                 const Eigen::Ref<const Matrix>& product, const Penalty& penalty, int sweeps) {
  const Index k = factor.rows();
  Eigen::RowVectorXd step(factor.cols());
  for (int sweep = 0; sweep < sweeps; ++sweep) {
    for (Index j = 0; j < k; ++j) {
      const double curvature = gram(j, j) + penalty.l2;
      if (curvature <= 0.0) {
        continue;  // the other factor's component j is zero: nothing to fit
      }
      step.noalias() = gram.row(j) * factor;
      step = (product.row(j).array() - penalty.l1 - step.array() -
              penalty.l2 * factor.row(j).array()) /
             curvature;
      factor.row(j) = (factor.row(j) + step).cwiseMax(kHalsFloor);
    }
  }
}

int automatic_hals_sweeps(Index rows, Index columns, Index rank) {
  const double rho =
      1.0 + static_cast<double>(std::min(rows, columns)) / static_cast<double>(rank + 1);
  return static_cast<int>(std::clamp(1.0 + 0.5 * rho, 1.0, 5.0));
}

}  // namespace mpinmf
