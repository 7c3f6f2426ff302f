#include "mpinmf/rules/kullback_leibler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mpinmf {

Index kl_block_rows(Index columns) { return std::max<Index>(1, (Index{1} << 20) / columns); }

KlRowPass kl_h_pass(const RowMatrix& V, const RowMatrix& W, const Matrix& H, double delta) {
  KlRowPass pass;
  pass.ratio_product = Matrix::Zero(H.rows(), H.cols());
  const Index block = kl_block_rows(V.cols());
  RowMatrix WH;
  RowMatrix ratio;
  for (Index begin = 0; begin < V.rows(); begin += block) {
    const Index count = std::min(block, V.rows() - begin);
    const auto V_block = V.middleRows(begin, count);
    WH.noalias() = W.middleRows(begin, count) * H;
    ratio = V_block.array() / (WH.array() + delta);
    pass.ratio_product.noalias() += W.middleRows(begin, count).transpose() * ratio;
    // V log(V / WH) is 0 where V is 0; a vanishing WH under a positive V would be infinite,
    // so WH is kept above the smallest normal double there.
    const auto safe_WH = WH.array().max(std::numeric_limits<double>::min());
    pass.divergence += (V_block.array() > 0.0)
                           .select(V_block.array() * (V_block.array() / safe_WH).log(), 0.0)
                           .sum() -
                       V_block.sum() + WH.sum();
    pass.residual_squared += (V_block - WH).squaredNorm();
  }
  return pass;
}

RowMatrix kl_w_numerator(const RowMatrix& V, const RowMatrix& W, const Matrix& H, double delta) {
  RowMatrix numerator(V.rows(), H.rows());
  const Index block = kl_block_rows(V.cols());
  RowMatrix WH;
  RowMatrix ratio;
  for (Index begin = 0; begin < V.rows(); begin += block) {
    const Index count = std::min(block, V.rows() - begin);
    WH.noalias() = W.middleRows(begin, count) * H;
    ratio = V.middleRows(begin, count).array() / (WH.array() + delta);
    numerator.middleRows(begin, count).noalias() = ratio * H.transpose();
  }
  return numerator;
}

void kl_multiplicative_update(Eigen::Ref<Matrix> factor, const Eigen::Ref<const Matrix>& numerator,
                              const Eigen::VectorXd& totals, double delta) {
  factor.array() *= numerator.array().colwise() / (totals.array() + delta);
}

}  // namespace mpinmf
