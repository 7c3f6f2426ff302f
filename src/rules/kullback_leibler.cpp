#include "rules/kullback_leibler.hpp"

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

namespace {

template <typename DenseRows>
KlRowPass dense_kl_h_pass(const DenseRows& V, const RowMatrix& W, const Matrix& H, double delta) {
  KlRowPass pass;
  pass.ratio_product = Matrix::Zero(H.rows(), H.cols());
  const Index block = kl_block_rows(V.cols());
  RowMatrix WH;
  RowMatrix ratio;
  for (Index begin = 0; begin < V.rows(); begin += block) {
    const Index count = std::min(block, V.rows() - begin);
    // A view of the block when V is double, its entries widened one by one when float.
    const auto V_block = V.middleRows(begin, count).template cast<double>();
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

template <typename SparseRows>
KlRowPass sparse_kl_h_pass(const SparseRows& V, const RowMatrix& W, const Matrix& H, double delta) {
  KlRowPass pass;
  pass.ratio_product = Matrix::Zero(H.rows(), H.cols());
  double at_nonzeros = 0.0;
  double cross = 0.0;      // ⟨V, WH⟩
  double v_squared = 0.0;  // ‖V‖²
  for (Index i = 0; i < V.outerSize(); ++i) {
    for (typename SparseRows::InnerIterator entry(V, i); entry; ++entry) {
      const double v = entry.value();
      const Index j = entry.col();
      const double wh = W.row(i).dot(H.col(j));
      pass.ratio_product.col(j).noalias() += (v / (wh + delta)) * W.row(i).transpose();
      at_nonzeros += divergence_term(v, wh) - v;
      cross += v * wh;
      v_squared += v * v;
    }
  }
  const Eigen::VectorXd w_column_sums = W.colwise().sum().transpose();
  pass.divergence = at_nonzeros + w_column_sums.dot(H.rowwise().sum());
  const Matrix WtW = W.transpose() * W;
  const Matrix HHt = H * H.transpose();
  // ‖V − WH‖² = ‖V‖² − 2⟨V, WH⟩ + ⟨WᵀW, HHᵀ⟩; rounding may dip below zero at an exact fit.
  pass.residual_squared = std::max(0.0, v_squared - 2.0 * cross + WtW.cwiseProduct(HHt).sum());
  return pass;
}

template <typename SparseRows>
RowMatrix sparse_kl_w_numerator(const SparseRows& V, const RowMatrix& W, const Matrix& H,
                                double delta) {
  RowMatrix numerator = RowMatrix::Zero(V.rows(), H.rows());
  for (Index i = 0; i < V.outerSize(); ++i) {
    for (typename SparseRows::InnerIterator entry(V, i); entry; ++entry) {
      const double wh = W.row(i).dot(H.col(entry.col()));
      const double v = entry.value();
      numerator.row(i).noalias() += (v / (wh + delta)) * H.col(entry.col()).transpose();
    }
  }
  return numerator;
}

template <typename DenseRows>
RowMatrix dense_kl_w_numerator(const DenseRows& V, const RowMatrix& W, const Matrix& H,
                               double delta) {
  RowMatrix numerator(V.rows(), H.rows());
  const Index block = kl_block_rows(V.cols());
  RowMatrix WH;
  RowMatrix ratio;
  for (Index begin = 0; begin < V.rows(); begin += block) {
    const Index count = std::min(block, V.rows() - begin);
    WH.noalias() = W.middleRows(begin, count) * H;
    ratio = V.middleRows(begin, count).template cast<double>().array() / (WH.array() + delta);
    numerator.middleRows(begin, count).noalias() = ratio * H.transpose();
  }
  return numerator;
}

}  // namespace

template <typename LocalRows>
KlRowPass kl_h_pass(const LocalRows& V, const RowMatrix& W, const Matrix& H, double delta) {
  if constexpr (is_sparse_v<LocalRows>) {
    return sparse_kl_h_pass(V, W, H, delta);
  } else {
    return dense_kl_h_pass(V, W, H, delta);
  }
}

template <typename LocalRows>
RowMatrix kl_w_numerator(const LocalRows& V, const RowMatrix& W, const Matrix& H, double delta) {
  if constexpr (is_sparse_v<LocalRows>) {
    return sparse_kl_w_numerator(V, W, H, delta);
  } else {
    return dense_kl_w_numerator(V, W, H, delta);
  }
}

#define MPINMF_INSTANTIATE_KL_PASSES(LocalRows)                                            \
  template KlRowPass kl_h_pass(const LocalRows&, const RowMatrix&, const Matrix&, double); \
  template RowMatrix kl_w_numerator(const LocalRows&, const RowMatrix&, const Matrix&, double);
MPINMF_FOR_EACH_LOCAL_ROWS(MPINMF_INSTANTIATE_KL_PASSES)
#undef MPINMF_INSTANTIATE_KL_PASSES

void kl_multiplicative_update(Eigen::Ref<Matrix> factor, const Eigen::Ref<const Matrix>& numerator,
                              const Eigen::VectorXd& totals, double delta) {
  factor.array() *= numerator.array().colwise() / (totals.array() + delta);
}

}  // namespace mpinmf
