// The update rules as pure functions: each checked against the formula written out with
// the residual formed explicitly, and for the property that makes it safe to use.

#include <gtest/gtest.h>

#include "mpinmf/rules/multiplicative.hpp"
#include "mpinmf/rules/projected_gradient.hpp"

namespace mpinmf {
namespace {

/// A random half-problem min ½‖Y − A X‖² with A (rows × k), Y ≥ 0 and X > 0.
struct HalfProblem {
  Matrix A, Y, X;
  HalfProblem(Index rows, Index k, Index columns, unsigned seed) {
    std::srand(seed);
    A = Matrix::Random(rows, k).cwiseAbs();
    Y = Matrix::Random(rows, columns).cwiseAbs();
    X = Matrix::Random(k, columns).cwiseAbs();
  }
  [[nodiscard]] Matrix gram() const { return A.transpose() * A; }
  [[nodiscard]] Matrix product() const { return A.transpose() * Y; }
  [[nodiscard]] double objective(const Matrix& x, double lambda = 0.0) const {
    return 0.5 * (Y - A * x).squaredNorm() + 0.5 * lambda * x.squaredNorm();
  }
};

TEST(MultiplicativeUpdate, MatchesLeeSeungFormula) {
  const HalfProblem p(30, 4, 9, 1);
  const double delta = 1e-3;
  Matrix expected = p.X.array() * (p.A.transpose() * p.Y).array() /
                    ((p.A.transpose() * p.A * p.X).array() + delta);
  Matrix x = p.X;
  multiplicative_update(x, p.gram(), p.product(), delta);
  EXPECT_LT((x - expected).norm(), 1e-12 * expected.norm());
}

TEST(MultiplicativeUpdate, UpdatesWThroughItsTranspose) {
  // The W half: W ← W ∘ (VHᵀ) ⊘ (W HHᵀ + δ), with W row-major and seen as Wᵀ.
  std::srand(2);
  const RowMatrix V = RowMatrix::Random(12, 8).cwiseAbs();
  const Matrix H = Matrix::Random(3, 8).cwiseAbs();
  RowMatrix W = RowMatrix::Random(12, 3).cwiseAbs();
  const RowMatrix expected =
      W.array() * (V * H.transpose()).array() / ((W * H * H.transpose()).array() + 1e-9);
  const Matrix HHt = H * H.transpose();
  const RowMatrix VHt = V * H.transpose();
  multiplicative_update(W.transpose(), HHt, VHt.transpose(), 1e-9);
  EXPECT_LT((W - expected).norm(), 1e-12 * expected.norm());
}

TEST(MultiplicativeUpdate, NeverIncreasesTheObjectiveAndStaysNonNegative) {
  const HalfProblem p(40, 6, 15, 3);
  Matrix x = p.X;
  double previous = p.objective(x);
  for (int step = 0; step < 200; ++step) {
    multiplicative_update(x, p.gram(), p.product(), std::numeric_limits<double>::epsilon());
    const double now = p.objective(x);
    ASSERT_LE(now, previous * (1 + 1e-14)) << "step " << step;
    ASSERT_GE(x.minCoeff(), 0.0);
    previous = now;
  }
}

TEST(MultiplicativeUpdate, ZeroDenominatorsGiveNoNaN) {
  Matrix x = Matrix::Zero(2, 3);
  const Matrix gram = Matrix::Zero(2, 2);
  const Matrix product = Matrix::Zero(2, 3);
  multiplicative_update(x, gram, product, std::numeric_limits<double>::epsilon());
  EXPECT_TRUE(x.allFinite());
}

TEST(ProjectedGradient, SafeStepIsTheInverseLipschitzConstant) {
  Matrix gram = Matrix::Zero(3, 3);
  gram.diagonal() << 2.0, 7.0, 1.0;
  EXPECT_DOUBLE_EQ(safe_step(gram, 0.5), 1.0 / 7.5);
  EXPECT_EQ(safe_step(Matrix::Zero(2, 2), 0.0), 0.0);
}

TEST(ProjectedGradient, MatchesTheWriteupGradientStepWithTheResidualFormed) {
  // X ← [X + η(Aᵀ(Y − A X) − λX)]₊, the write-up's rule projected onto X ≥ 0.
  const HalfProblem p(25, 5, 7, 4);
  const double lambda = 0.01;
  const double eta = 0.002;
  const Matrix expected =
      (p.X + eta * (p.A.transpose() * (p.Y - p.A * p.X) - lambda * p.X)).cwiseMax(0.0);
  Matrix x = p.X;
  projected_gradient_update(x, p.gram(), p.product(), lambda, eta);
  EXPECT_LT((x - expected).norm(), 1e-12 * expected.norm());
}

TEST(ProjectedGradient, AutomaticStepNeverIncreasesThePenalizedObjective) {
  for (const double lambda : {0.0, 0.01, 1.0}) {
    const HalfProblem p(50, 8, 20, 5);
    const ProjectedGradientRule rule(lambda, std::nullopt);
    Matrix x = p.X;
    double previous = p.objective(x, lambda);
    for (int step = 0; step < 300; ++step) {
      rule.update(x, p.gram(), p.product());
      const double now = p.objective(x, lambda);
      ASSERT_LE(now, previous * (1 + 1e-14)) << "lambda " << lambda << " step " << step;
      ASSERT_GE(x.minCoeff(), 0.0);
      previous = now;
    }
  }
}

TEST(ProjectedGradient, PenaltyIsHalfLambdaTimesSquaredNorms) {
  const ProjectedGradientRule rule(0.2, std::nullopt);
  EXPECT_DOUBLE_EQ(rule.penalty(3.0, 5.0), 0.5 * 0.2 * 8.0);
  EXPECT_EQ(MultiplicativeRule(1e-9).penalty(3.0, 5.0), 0.0);
}

TEST(MakeUpdateRule, BuildsTheRuleNamed) {
  RuleSettings settings;
  EXPECT_NE(dynamic_cast<MultiplicativeRule*>(make_update_rule(settings).get()), nullptr);
  settings.algorithm = Algorithm::projected_gradient;
  EXPECT_NE(dynamic_cast<ProjectedGradientRule*>(make_update_rule(settings).get()), nullptr);
}

}  // namespace
}  // namespace mpinmf
