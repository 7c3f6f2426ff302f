// The KL pieces against the formulas written out with WH formed whole.

#include "rules/kullback_leibler.hpp"

#include <gtest/gtest.h>

namespace mpinmf {
namespace {

struct KlProblem {
  RowMatrix V, W;
  Matrix H;
  KlProblem(Index m, Index n, Index k, unsigned seed) {
    std::srand(seed);
    V = RowMatrix::Random(m, n).cwiseAbs();
    V(0, 0) = 0.0;  // zeros in V contribute WH only
    W = RowMatrix::Random(m, k).cwiseAbs();
    H = Matrix::Random(k, n).cwiseAbs();
  }
};

TEST(KullbackLeibler, RowPassMatchesTheWholeMatrixFormulas) {
  // Enough columns that the pass needs several row blocks.
  const KlProblem p(40, (Index{1} << 20) / 7, 3, 1);
  ASSERT_LT(kl_block_rows(p.V.cols()), p.V.rows());
  const double delta = 1e-9;
  const RowMatrix WH = p.W * p.H;
  const RowMatrix ratio = p.V.array() / (WH.array() + delta);
  const KlRowPass pass = kl_h_pass(p.V, p.W, p.H, delta);
  const Matrix expected_product = p.W.transpose() * ratio;
  EXPECT_LT((pass.ratio_product - expected_product).norm(), 1e-12 * expected_product.norm());
  const double expected_divergence =
      (p.V.array() > 0).select(p.V.array() * (p.V.array() / WH.array()).log(), 0.0).sum() -
      p.V.sum() + WH.sum();
  EXPECT_NEAR(pass.divergence, expected_divergence, 1e-9 * std::abs(expected_divergence));
  EXPECT_NEAR(pass.residual_squared, (p.V - WH).squaredNorm(), 1e-9 * (p.V - WH).squaredNorm());

  const RowMatrix expected_numerator = ratio * p.H.transpose();
  EXPECT_LT((kl_w_numerator(p.V, p.W, p.H, delta) - expected_numerator).norm(),
            1e-12 * expected_numerator.norm());
}

TEST(KullbackLeibler, UpdatesNeverIncreaseTheDivergence) {
  const KlProblem p(30, 20, 4, 2);
  RowMatrix W = p.W;
  Matrix H = p.H;
  double previous = kl_h_pass(p.V, W, H, 1e-16).divergence;
  for (int iteration = 0; iteration < 100; ++iteration) {
    const KlRowPass pass = kl_h_pass(p.V, W, H, 1e-16);
    kl_multiplicative_update(H, pass.ratio_product, W.colwise().sum().transpose(), 1e-16);
    const Eigen::VectorXd h_row_sums = H.rowwise().sum();
    const RowMatrix numerator = kl_w_numerator(p.V, W, H, 1e-16);
    kl_multiplicative_update(W.transpose(), numerator.transpose(), h_row_sums, 1e-16);
    const double now = kl_h_pass(p.V, W, H, 1e-16).divergence;
    ASSERT_LE(now, previous * (1 + 1e-13)) << "iteration " << iteration;
    previous = now;
  }
}

}  // namespace
}  // namespace mpinmf
