// Block principal pivoting checked against what defines the NNLS answer: the KKT
// conditions, an exhaustive search over passive sets, and exact recovery of a
// non-negative X that fits Y exactly; then the properties the distributed engine relies
// on (columns independent of each other, warm start harmless, no NaN on singular G).

#include "rules/nnls_bpp.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include <Eigen/Cholesky>
#include <algorithm>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <vector>

namespace mpinmf {
namespace {

constexpr double kKktTolerance = 1e-10;
// Kim & Park report a handful of rounds on random problems; the limit is 10k + 100, so a
// solver that pivots on rounding noise, or cycles, goes far past this.
constexpr Index kFewRounds = 20;

/// min over X ≥ 0 of ½‖Y − A X‖², seen by the solver only through G = AᵀA and B = AᵀY.
struct NnlsProblem {
  Matrix A, Y;
  [[nodiscard]] Matrix gram() const { return A.transpose() * A; }
  [[nodiscard]] Matrix product() const { return A.transpose() * Y; }
};

/// A (rows × k) with entries in [−1, 1], or in [0, 1] as in NMF, and Y ≥ 0.
NnlsProblem random_problem(Index rows, Index k, Index columns, unsigned seed,
                           bool non_negative_a = false) {
  std::srand(seed);
  NnlsProblem p;
  p.A = Matrix::Random(rows, k);
  if (non_negative_a) p.A = p.A.cwiseAbs();
  p.Y = Matrix::Random(rows, columns).cwiseAbs();
  return p;
}

/// X* ≥ 0 with about half of its entries exactly zero.
Matrix sparse_non_negative(Index k, Index columns, unsigned seed) {
  std::srand(seed);
  const Matrix values = Matrix::Random(k, columns).cwiseAbs();
  const Matrix coins = Matrix::Random(k, columns);
  return (coins.array() > 0.0).select(values, 0.0);
}

/// A problem Y = A X* that X* fits exactly: every gradient entry is zero at the optimum,
/// the degenerate case in which rounding decides the signs the pivoting looks at.
NnlsProblem exactly_fitted_problem(Index rows, Index k, Index columns, unsigned seed,
                                   Matrix& truth) {
  std::srand(seed);
  NnlsProblem p;
  p.A = Matrix::Random(rows, k);
  truth = sparse_non_negative(k, columns, seed + 1000);
  p.Y = p.A * truth;
  return p;
}

/// The size of the terms in column j of G X − B, against which its rounding is judged.
double gradient_scale(const Matrix& gram, const Matrix& product, const Matrix& x, Index j) {
  const double gram_norm = gram.cwiseAbs().rowwise().sum().maxCoeff();
  const double terms =
      product.col(j).cwiseAbs().maxCoeff() + gram_norm * x.col(j).cwiseAbs().maxCoeff();
  return std::max(terms, std::numeric_limits<double>::min());
}

/// X ≥ 0, G X − B ≥ 0 and X ∘ (G X − B) = 0, each relative to the column's scale.
void expect_kkt(const Matrix& gram, const Matrix& product, const Matrix& x,
                double tolerance = kKktTolerance) {
  ASSERT_EQ(x.rows(), product.rows());
  ASSERT_EQ(x.cols(), product.cols());
  ASSERT_TRUE(x.allFinite());
  if (x.size() == 0) return;
  EXPECT_GE(x.minCoeff(), 0.0);
  const Matrix gradient = gram * x - product;
  double worst_dual = 0.0;
  double worst_complementarity = 0.0;
  for (Index j = 0; j < x.cols(); ++j) {
    const double scale = gradient_scale(gram, product, x, j);
    const double x_size =
        std::max(x.col(j).cwiseAbs().maxCoeff(), std::numeric_limits<double>::min());
    worst_dual = std::max(worst_dual, -gradient.col(j).minCoeff() / scale);
    worst_complementarity =
        std::max(worst_complementarity,
                 x.col(j).cwiseProduct(gradient.col(j)).cwiseAbs().maxCoeff() / (scale * x_size));
  }
  EXPECT_LE(worst_dual, tolerance) << "gradient negative somewhere";
  EXPECT_LE(worst_complementarity, tolerance) << "x and gradient both nonzero somewhere";
}

/// Every passive set tried, each subproblem solved unconstrained; the feasible one with
/// the least objective ½xᵀGx − bᵀx is the NNLS answer. Only for small k.
Matrix brute_force_nnls(const Matrix& gram, const Matrix& product) {
  const Index k = gram.rows();
  Matrix answer = Matrix::Zero(k, product.cols());
  for (Index j = 0; j < product.cols(); ++j) {
    const Eigen::VectorXd b = product.col(j);
    double best = 0.0;  // x = 0, the empty passive set
    for (unsigned mask = 1; mask < (1U << k); ++mask) {
      std::vector<Index> passive;
      for (Index i = 0; i < k; ++i) {
        if ((mask >> i) & 1U) passive.push_back(i);
      }
      const Eigen::VectorXd x_passive = gram(passive, passive).ldlt().solve(b(passive));
      if (x_passive.minCoeff() < 0.0) continue;
      Eigen::VectorXd x = Eigen::VectorXd::Zero(k);
      x(passive) = x_passive;
      const double objective = 0.5 * x.dot(gram * x) - b.dot(x);
      if (objective < best) {
        best = objective;
        answer.col(j) = x;
      }
    }
  }
  return answer;
}

/// Column by column, ‖x − expected‖ ≤ tolerance · (‖expected‖ + ‖b‖ / ‖G‖).
void expect_columns_near(const Matrix& x, const Matrix& expected, const Matrix& gram,
                         const Matrix& product, double tolerance) {
  ASSERT_EQ(x.rows(), expected.rows());
  ASSERT_EQ(x.cols(), expected.cols());
  const double gram_norm = std::max(gram.norm(), std::numeric_limits<double>::min());
  for (Index j = 0; j < x.cols(); ++j) {
    const double scale = expected.col(j).norm() + product.col(j).norm() / gram_norm;
    EXPECT_LE((x.col(j) - expected.col(j)).norm(), tolerance * scale) << "column " << j;
  }
}

class NnlsBppKkt : public ::testing::TestWithParam<int> {};

TEST_P(NnlsBppKkt, RandomProblemsSatisfyKkt) {
  const Index k = GetParam();
  for (const bool non_negative_a : {false, true}) {
    const NnlsProblem p =
        random_problem(3 * k + 7, k, 150, static_cast<unsigned>(k), non_negative_a);
    NnlsBppReport report;
    const Matrix x = nnls_block_principal_pivoting(p.gram(), p.product(), &report);
    expect_kkt(p.gram(), p.product(), x);
    EXPECT_EQ(report.unconverged_columns, 0);
    EXPECT_LE(report.rounds, kFewRounds);
    // Neither all active nor all passive: the pivoting had work to do.
    if (!non_negative_a && k > 1) {
      EXPECT_GT((x.array() == 0.0).count(), 0);
      EXPECT_GT((x.array() > 0.0).count(), 0);
    }
  }
}

TEST_P(NnlsBppKkt, ExactlyFittedSparseProblemsSatisfyKkt) {
  const Index k = GetParam();
  Matrix truth;
  const NnlsProblem p =
      exactly_fitted_problem(2 * k + 5, k, 120, static_cast<unsigned>(k) + 50, truth);
  NnlsBppReport report;
  const Matrix x = nnls_block_principal_pivoting(p.gram(), p.product(), &report);
  expect_kkt(p.gram(), p.product(), x);
  // Every gradient entry is rounding here; chasing its sign would never settle.
  EXPECT_EQ(report.unconverged_columns, 0);
  EXPECT_LE(report.rounds, kFewRounds);
}

INSTANTIATE_TEST_SUITE_P(Ranks, NnlsBppKkt, ::testing::Values(1, 2, 5, 10, 20, 30));

TEST(NnlsBpp, AgreesWithExhaustiveSearchForSmallK) {
  for (Index k = 1; k <= 6; ++k) {
    for (const bool non_negative_a : {false, true}) {
      const NnlsProblem p =
          random_problem(k + 4, k, 80, static_cast<unsigned>(100 + k), non_negative_a);
      const Matrix x = nnls_block_principal_pivoting(p.gram(), p.product());
      const Matrix expected = brute_force_nnls(p.gram(), p.product());
      SCOPED_TRACE(::testing::Message() << "k = " << k << ", A >= 0: " << non_negative_a);
      expect_columns_near(x, expected, p.gram(), p.product(), 1e-10);
    }
  }
}

TEST(NnlsBpp, RecoversAnExactNonNegativeFit) {
  for (const Index k : {1, 3, 8, 20, 40}) {
    Matrix truth;
    const NnlsProblem p =
        exactly_fitted_problem(2 * k + 10, k, 100, static_cast<unsigned>(200 + k), truth);
    const Matrix x = nnls_block_principal_pivoting(p.gram(), p.product());
    EXPECT_LE((x - truth).norm(), 1e-9 * truth.norm()) << "k = " << k;
  }
}

TEST(NnlsBpp, RecoversEntriesFarBelowTheOthers) {
  // Entries 1e-8 of the rest are small, not rounding: leaving them at zero would leave a
  // gradient of about −1e-8 behind, so the rounding allowance must be far smaller.
  Matrix truth;
  NnlsProblem p = exactly_fitted_problem(40, 10, 100, 18, truth);
  std::srand(19);
  truth = (truth.array() > 0.0).select(truth, 1e-8 * Matrix::Random(10, 100).cwiseAbs());
  p.Y = p.A * truth;
  const Matrix x = nnls_block_principal_pivoting(p.gram(), p.product());
  expect_kkt(p.gram(), p.product(), x);
  EXPECT_TRUE((x.array() > 0.0).all());
  EXPECT_LE((x - truth).norm(), 1e-9 * truth.norm());
}

TEST(NnlsBpp, EachColumnIsSolvedAsIfAlone) {
  // The engine hands each rank a different slice of the columns; a column's answer must
  // not depend on which others share its call.
  const NnlsProblem p = random_problem(40, 12, 200, 7);
  const Matrix gram = p.gram();
  const Matrix product = p.product();
  const Matrix together = nnls_block_principal_pivoting(gram, product);
  for (Index j = 0; j < product.cols(); ++j) {
    const Matrix alone = nnls_block_principal_pivoting(gram, product.col(j));
    EXPECT_LE((alone.col(0) - together.col(j)).norm(), 1e-12 * together.col(j).norm())
        << "column " << j;
  }
}

TEST(NnlsBpp, SplittingAndReorderingColumnsChangesNothing) {
  Matrix truth;
  const NnlsProblem p = exactly_fitted_problem(30, 10, 300, 8, truth);
  const Matrix gram = p.gram();
  const Matrix product = p.product();
  const Matrix together = nnls_block_principal_pivoting(gram, product);

  std::vector<Index> order(product.cols());
  std::iota(order.begin(), order.end(), Index{0});
  std::shuffle(order.begin(), order.end(), std::mt19937(3));
  const Matrix shuffled = nnls_block_principal_pivoting(gram, product(Eigen::all, order));
  const Matrix first = nnls_block_principal_pivoting(gram, product.leftCols(97));
  const Matrix rest = nnls_block_principal_pivoting(gram, product.rightCols(203));
  for (Index t = 0; t < product.cols(); ++t) {
    const double scale = together.col(order[t]).norm();
    EXPECT_LE((shuffled.col(t) - together.col(order[t])).norm(), 1e-12 * scale);
  }
  EXPECT_LE((first - together.leftCols(97)).norm(), 1e-12 * together.norm());
  EXPECT_LE((rest - together.rightCols(203)).norm(), 1e-12 * together.norm());
}

TEST(NnlsBpp, WarmStartGivesTheColdAnswer) {
  const NnlsProblem p = random_problem(50, 15, 120, 9);
  const Matrix gram = p.gram();
  const Matrix product = p.product();
  const Matrix cold = nnls_block_principal_pivoting(gram, product);
  // From the answer itself, from a wrong support, and from everything passive.
  const Matrix starts[] = {cold, sparse_non_negative(15, 120, 10), Matrix::Ones(15, 120)};
  for (const Matrix& start : starts) {
    const Matrix warm = nnls_block_principal_pivoting(gram, product, start);
    EXPECT_LE((warm - cold).norm(), 1e-10 * cold.norm());
    expect_kkt(gram, product, warm);
  }
}

TEST(NnlsBpp, WarmStartFromTheAnswerNeedsOneRound) {
  // The solve on the answer's own support confirms it: no pivoting at all.
  Matrix truth;
  const NnlsProblem p = exactly_fitted_problem(40, 12, 150, 16, truth);
  NnlsBppReport report;
  const Matrix x = nnls_block_principal_pivoting(p.gram(), p.product(), truth, &report);
  EXPECT_EQ(report.rounds, 1);
  EXPECT_LE((x - truth).norm(), 1e-9 * truth.norm());
}

TEST(NnlsBpp, AWarmStartOnAFaceIsFinishedByTheActiveSetInOneRound) {
  // A start with some variables at zero and some positive, as the last ANLS iterate is, goes
  // straight to the active set, which adds and drops variables from it: no pivoting round,
  // and still the optimum (a start inside the orthant would need a round of pivoting first).
  const NnlsProblem p = random_problem(50, 15, 120, 9);
  const Matrix gram = p.gram();
  const Matrix product = p.product();
  const Matrix cold = nnls_block_principal_pivoting(gram, product);
  Matrix start = sparse_non_negative(15, 120, 31);
  for (Index j = 0; j < start.cols(); ++j) {
    start(j % 15, j) = 0.0;
    start((j + 1) % 15, j) = 1.0;
  }
  NnlsBppReport report;
  const Matrix warm = nnls_block_principal_pivoting(gram, product, start, &report);
  EXPECT_EQ(report.rounds, 1);
  EXPECT_LE((warm - cold).norm(), 1e-10 * cold.norm());
  expect_kkt(gram, product, warm);
}

TEST(NnlsBpp, WrongStartsGiveTheExhaustiveSearchAnswer) {
  // After the first pivoting round the columns still infeasible are finished by the
  // active-set stage from the round's clipped iterate: from a wrong support it must both add
  // and drop variables (one-variable updates of G_FF's factor) and still reach the optimum.
  const NnlsProblem p = random_problem(30, 10, 60, 21, true);
  const Matrix gram = p.gram();
  const Matrix product = p.product();
  const Matrix expected = brute_force_nnls(gram, product);
  const Matrix starts[] = {sparse_non_negative(10, 60, 22), Matrix::Ones(10, 60),
                           Matrix::Zero(10, 60)};
  for (const Matrix& start : starts) {
    const Matrix x = nnls_block_principal_pivoting(gram, product, start);
    expect_kkt(gram, product, x);
    expect_columns_near(x, expected, gram, product, 1e-10);
  }
}

TEST(NnlsBpp, NearlyCollinearComponentsNeedFewRounds) {
  // An overfitted NMF factor: 40 components that are small perturbations of 8, so G is
  // ill-conditioned (about 1e7). Full exchanges keep failing on such problems and the
  // single-variable rule needs hundreds of rounds; the active-set stage finishes in one.
  std::srand(23);
  const Matrix base = Matrix::Random(200, 8).cwiseAbs();
  const Matrix mix = Matrix::Random(8, 40).cwiseAbs();
  NnlsProblem p;
  p.A = base * mix + 1e-3 * Matrix::Random(200, 40).cwiseAbs();
  p.Y = Matrix::Random(200, 300).cwiseAbs();
  const Matrix gram = p.gram();
  const Matrix product = p.product();
  NnlsBppReport report;
  const Matrix x = nnls_block_principal_pivoting(gram, product, &report);
  expect_kkt(gram, product, x, 1e-9);
  EXPECT_EQ(report.unconverged_columns, 0);
  EXPECT_LE(report.rounds, 3);
}

TEST(NnlsBpp, ThreadsAndSplittingChangeNoBit) {
  // Each column is solved by the same operations in the same order whichever columns share
  // its call and whichever thread takes it.
  const NnlsProblem p = random_problem(60, 25, 400, 24, true);
  const Matrix gram = p.gram();
  const Matrix product = p.product();
  const Matrix start = sparse_non_negative(25, 400, 25);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const Matrix one_thread = nnls_block_principal_pivoting(gram, product, start);
  omp_set_num_threads(std::max(2, threads));
  const Matrix several = nnls_block_principal_pivoting(gram, product, start);
  const Matrix left =
      nnls_block_principal_pivoting(gram, product.leftCols(150), start.leftCols(150));
  omp_set_num_threads(threads);
  EXPECT_TRUE((one_thread.array() == several.array()).all());
  EXPECT_TRUE((left.array() == several.leftCols(150).array()).all());
  expect_kkt(gram, product, several);
}

TEST(NnlsBpp, BackupRuleEndsACycleOfFullExchanges) {
  // A problem on which exchanging every infeasible variable each round cycles for ever;
  // Kim & Park's backup rule (after three rounds with no fewer infeasible variables,
  // exchange only the largest-index one) must take over and reach the optimum.
  Matrix gram(4, 4);
  gram << 1.58, 0.06, -0.18, -0.66,  //
      0.06, 0.79, 0.38, -0.35,       //
      -0.18, 0.38, 0.24, -0.13,      //
      -0.66, -0.35, -0.13, 0.52;
  Matrix product(4, 1);
  product << 0.44, -5.77, -5.48, 6.63;
  NnlsBppReport report;
  const Matrix x = nnls_block_principal_pivoting(gram, product, &report);
  EXPECT_EQ(report.unconverged_columns, 0);
  expect_kkt(gram, product, x);
  expect_columns_near(x, brute_force_nnls(gram, product), gram, product, 1e-10);
}

TEST(NnlsBpp, ZeroComponentStaysZeroAndFinite) {
  NnlsProblem p = random_problem(30, 6, 60, 11);
  p.A.col(2).setZero();
  const Matrix gram = p.gram();
  const Matrix product = p.product();
  const Matrix cold = nnls_block_principal_pivoting(gram, product);
  const Matrix warm = nnls_block_principal_pivoting(gram, product, Matrix::Ones(6, 60));
  for (const Matrix& x : {cold, warm}) {
    expect_kkt(gram, product, x);
    EXPECT_TRUE(x.row(2).isZero(0.0));
  }
  expect_columns_near(cold, brute_force_nnls(gram, product), gram, product, 1e-10);
}

TEST(NnlsBpp, DuplicatedComponentsGiveAnOptimalFit) {
  // G is singular: any split of the weight between the two copies is optimal, so the
  // check is on KKT and on the fit A X, which is unique.
  NnlsProblem p = random_problem(40, 8, 100, 12, true);
  p.A.col(5) = p.A.col(1);
  const Matrix gram = p.gram();
  const Matrix product = p.product();

  std::vector<Index> kept(8);
  std::iota(kept.begin(), kept.end(), Index{0});
  kept.erase(kept.begin() + 5);
  const Matrix reduced_a = p.A(Eigen::all, kept);
  const Matrix reduced =
      nnls_block_principal_pivoting(reduced_a.transpose() * reduced_a, reduced_a.transpose() * p.Y);
  const Matrix best_fit = reduced_a * reduced;

  const Matrix cold = nnls_block_principal_pivoting(gram, product);
  // Both copies passive from the start: G_FF is singular on the first solve.
  const Matrix warm = nnls_block_principal_pivoting(gram, product, Matrix::Ones(8, 100));
  for (const Matrix& x : {cold, warm}) {
    expect_kkt(gram, product, x);
    EXPECT_LE((p.A * x - best_fit).norm(), 1e-9 * best_fit.norm());
  }
}

TEST(NnlsBpp, SingularOptimalSupportIsConfirmedInOneRound) {
  // Both copies of a duplicated component carry weight in X*, so the warm start's passive
  // set has a singular G_FF and is optimal as it stands: its subproblem must be solved
  // consistently (here, the weight split evenly) and accepted without any pivoting.
  Matrix truth;
  NnlsProblem p = exactly_fitted_problem(30, 6, 40, 17, truth);
  p.A.col(4) = p.A.col(0);
  truth.row(0).array() += 0.5;
  truth.row(4).array() += 0.5;
  p.Y = p.A * truth;
  NnlsBppReport report;
  const Matrix x = nnls_block_principal_pivoting(p.gram(), p.product(), truth, &report);
  EXPECT_EQ(report.rounds, 1);
  expect_kkt(p.gram(), p.product(), x);
  EXPECT_LE((p.A * x - p.Y).norm(), 1e-12 * p.Y.norm());
  EXPECT_LE((x.row(0) - x.row(4)).norm(), 1e-12 * x.row(0).norm());
}

TEST(NnlsBpp, ColumnsStayIndependentWhenGramIsSingular) {
  NnlsProblem p = random_problem(25, 6, 80, 13, true);
  p.A.col(4) = p.A.col(0);
  p.A.col(3).setZero();
  const Matrix gram = p.gram();
  const Matrix product = p.product();
  const Matrix starts = Matrix::Ones(6, 80);
  const Matrix together = nnls_block_principal_pivoting(gram, product, starts);
  for (Index j = 0; j < product.cols(); ++j) {
    const Matrix alone = nnls_block_principal_pivoting(gram, product.col(j), starts.col(j));
    EXPECT_LE((alone.col(0) - together.col(j)).norm(), 1e-12 * together.col(j).norm());
  }
}

TEST(NnlsBpp, ZeroGramGivesZero) {
  const Matrix x =
      nnls_block_principal_pivoting(Matrix::Zero(3, 3), Matrix::Zero(3, 4), Matrix::Ones(3, 4));
  EXPECT_TRUE(x.isZero(0.0));
}

TEST(NnlsBpp, InconsistentZeroComponentIsLeftAtZero) {
  // G_ii = 0 with b_i > 0 has no minimiser (x_i → ∞); the component is left at zero and
  // the rest is still solved.
  Matrix gram = Matrix::Identity(3, 3);
  gram(1, 1) = 0.0;
  Matrix product(3, 2);
  product << 2.0, -1.0,  //
      5.0, 5.0,          //
      -3.0, 4.0;
  Matrix expected(3, 2);
  expected << 2.0, 0.0,  //
      0.0, 0.0,          //
      0.0, 4.0;
  EXPECT_TRUE(nnls_block_principal_pivoting(gram, product).isApprox(expected, 1e-15));
}

TEST(NnlsBpp, IllConditionedGramStillGivesAFeasibleDescent) {
  // Hilbert matrices (condition numbers about 1e16 and 1e28): the answers cannot be
  // accurate, and at order 20 some columns run into the round limit, but every answer
  // must be finite, non-negative and no worse than x = 0.
  for (const Index k : {12, 20}) {
    Matrix gram(k, k);
    for (Index i = 0; i < k; ++i) {
      for (Index j = 0; j < k; ++j) gram(i, j) = 1.0 / static_cast<double>(i + j + 1);
    }
    std::srand(14);
    const Matrix product = Matrix::Random(k, 50);
    const Matrix x = nnls_block_principal_pivoting(gram, product);
    ASSERT_TRUE(x.allFinite());
    EXPECT_GE(x.minCoeff(), 0.0);
    for (Index j = 0; j < x.cols(); ++j) {
      EXPECT_LE(0.5 * x.col(j).dot(gram * x.col(j)) - product.col(j).dot(x.col(j)), 0.0)
          << "k = " << k << ", column " << j;
    }
  }
}

TEST(NnlsBpp, NoColumnsGiveAnEmptyAnswer) {
  const NnlsProblem p = random_problem(10, 4, 0, 15);
  const Matrix x = nnls_block_principal_pivoting(p.gram(), p.product());
  EXPECT_EQ(x.rows(), 4);
  EXPECT_EQ(x.cols(), 0);
  EXPECT_EQ(nnls_block_principal_pivoting(Matrix(0, 0), Matrix(0, 5)).cols(), 5);
}

TEST(NnlsBpp, OneComponentIsTheClippedRatio) {
  Matrix gram(1, 1);
  gram << 4.0;
  Matrix product(1, 4);
  product << 2.0, -1.0, 0.0, 8.0;
  Matrix expected(1, 4);
  expected << 0.5, 0.0, 0.0, 2.0;
  EXPECT_TRUE(nnls_block_principal_pivoting(gram, product).isApprox(expected, 1e-15));
}

TEST(NnlsBpp, RejectsMismatchedShapes) {
  EXPECT_THROW(nnls_block_principal_pivoting(Matrix::Identity(3, 3), Matrix::Zero(2, 4)),
               std::invalid_argument);
  EXPECT_THROW(nnls_block_principal_pivoting(Matrix::Zero(3, 2), Matrix::Zero(3, 4)),
               std::invalid_argument);
  EXPECT_THROW(
      nnls_block_principal_pivoting(Matrix::Identity(3, 3), Matrix::Zero(3, 4), Matrix::Zero(3, 5)),
      std::invalid_argument);
}

}  // namespace
}  // namespace mpinmf
