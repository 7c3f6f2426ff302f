#include "mpinmf/rules/kullback_leibler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mpinmf {

namespace {

/// V log(V / WH) is 0 where V is 0; a vanishing WH under a positive V would be infinite,
/// so WH is kept above the smallest normal double there.
double divergence_term(double v, double wh) {
  return v > 0.0 ? v * std::log(v / std::max(wh, std::numeric_limits<double>::min())) : 0.0;
}

}  // namespace

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
    // divergence_term, vectorized.
    const auto safe_WH = WH.array().max(std::numeric_limits<double>::min());
    pass.divergence += (V_block.array() > 0.0)
                           .select(V_block.array() * (V_block.array() / safe_WH).log(), 0.0)
                           .sum() -
                       V_block.sum() + WH.sum();
    pass.residual_squared += (V_block - WH).squaredNorm();
  }
  return pass;
}

KlRowPass kl_h_pass(const SparseRowMatrix& V, const RowMatrix& W, const Matrix& H, double delta) {
  KlRowPass pass;
  pass.ratio_product = Matrix::Zero(H.rows(), H.cols());
  double at_nonzeros = 0.0;
  double cross = 0.0;  // ⟨V, WH⟩
  for (Index i = 0; i < V.outerSize(); ++i) {
    for (SparseRowMatrix::InnerIterator entry(V, i); entry; ++entry) {
      const double v = entry.value();
      const Index j = entry.col();
      const double wh = W.row(i).dot(H.col(j));
      pass.ratio_product.col(j).noalias() += (v / (wh + delta)) * W.row(i).transpose();
      at_nonzeros += divergence_term(v, wh) - v;
      cross += v * wh;
    }
  }
  const Eigen::VectorXd w_column_sums = W.colwise().sum().transpose();
  pass.divergence = at_nonzeros + w_column_sums.dot(H.rowwise().sum());
  const Matrix WtW = W.transpose() * W;
  const Matrix HHt = H * H.transpose();
  // ‖V − WH‖² = ‖V‖² − 2⟨V, WH⟩ + ⟨WᵀW, HHᵀ⟩; rounding may dip below zero at an exact fit.
  pass.residual_squared =
      std::max(0.0, V.squaredNorm() - 2.0 * cross + WtW.cwiseProduct(HHt).sum());
  return pass;
}

RowMatrix kl_w_numerator(const SparseRowMatrix& V, const RowMatrix& W, const Matrix& H,
                         double delta) {
  RowMatrix numerator = RowMatrix::Zero(V.rows(), H.rows());
  for (Index i = 0; i < V.outerSize(); ++i) {
    for (SparseRowMatrix::InnerIterator entry(V, i); entry; ++entry) {
      const double wh = W.row(i).dot(H.col(entry.col()));
      numerator.row(i).noalias() += (entry.value() / (wh + delta)) * H.col(entry.col()).transpose();
    }
  }
  return numerator;
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
