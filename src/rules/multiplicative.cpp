#include "mpinmf/rules/multiplicative.hpp"

namespace mpinmf {

void multiplicative_update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                           const Eigen::Ref<const Matrix>& product, const Penalty& penalty,
                           double delta) {
  Matrix denominator = gram * factor;
  if (penalty.any()) {
    denominator.array() += penalty.l2 * factor.array() + penalty.l1;
  }
  factor.array() *= product.array() / (denominator.array() + delta);
}

}  // namespace mpinmf
