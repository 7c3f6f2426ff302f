#include "mpinmf/rules/multiplicative.hpp"

namespace mpinmf {

void multiplicative_update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                           const Eigen::Ref<const Matrix>& product, double delta) {
  const Matrix denominator = gram * factor;
  factor.array() *= product.array() / (denominator.array() + delta);
}

}  // namespace mpinmf
