// The KL pieces against the formulas written out with WH formed whole.

#include "rules/kullback_leibler.hpp"

#include <gtest/gtest.h>
#include <omp.h>

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

TEST(KullbackLeibler, SparseAndThreadedPassesGiveTheDenseNumbers) {
  KlProblem p(61, 300, 4, 3);
  for (Index i = 0; i < p.V.rows(); ++i) {
    for (Index j = 0; j < p.V.cols(); ++j) {
      if ((i * 7 + j * 13) % 5 < 3) {
        p.V(i, j) = 0.0;  // 60% zeros
      }
    }
  }
  const SparseRowMatrix sparse = p.V.sparseView();
  const double delta = 1e-9;
  omp_set_num_threads(1);
  const KlRowPass reference = kl_h_pass(p.V, p.W, p.H, delta);
  const RowMatrix reference_numerator = kl_w_numerator(p.V, p.W, p.H, delta);
  for (const int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);
    const KlRowPass dense = kl_h_pass(p.V, p.W, p.H, delta);
    const KlRowPass from_sparse = kl_h_pass(sparse, p.W, p.H, delta);
    for (const KlRowPass* pass : {&dense, &from_sparse}) {
      EXPECT_LT((pass->ratio_product - reference.ratio_product).norm(),
                1e-12 * reference.ratio_product.norm())
          << threads << " threads";
      EXPECT_NEAR(pass->divergence, reference.divergence, 1e-10 * reference.divergence);
      EXPECT_NEAR(pass->residual_squared, reference.residual_squared,
                  1e-10 * reference.residual_squared);
    }
    for (const RowMatrix& numerator :
         {kl_w_numerator(p.V, p.W, p.H, delta), kl_w_numerator(sparse, p.W, p.H, delta)}) {
      EXPECT_LT((numerator - reference_numerator).norm(), 1e-12 * reference_numerator.norm())
          << threads << " threads";
    }
  }
  omp_set_num_threads(1);
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
