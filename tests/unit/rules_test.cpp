// The update rules as pure functions: each checked against the formula written out with
// the residual formed explicitly, and for the property that makes it safe to use.

#include <gtest/gtest.h>

#include "mpinmf/error.hpp"
#include "rules/hals.hpp"
#include "rules/multiplicative.hpp"
#include "rules/projected_gradient.hpp"
#include "rules/registry.hpp"

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
  multiplicative_update(x, p.gram(), p.product(), Penalty{}, delta);
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
  multiplicative_update(W.transpose(), HHt, VHt.transpose(), Penalty{}, 1e-9);
  EXPECT_LT((W - expected).norm(), 1e-12 * expected.norm());
}

TEST(MultiplicativeUpdate, NeverIncreasesTheObjectiveAndStaysNonNegative) {
  const HalfProblem p(40, 6, 15, 3);
  Matrix x = p.X;
  double previous = p.objective(x);
  for (int step = 0; step < 200; ++step) {
    multiplicative_update(x, p.gram(), p.product(), Penalty{},
                          std::numeric_limits<double>::epsilon());
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
  multiplicative_update(x, gram, product, Penalty{}, std::numeric_limits<double>::epsilon());
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
  projected_gradient_update(x, p.gram(), p.product(), Penalty{0.0, lambda}, eta);
  EXPECT_LT((x - expected).norm(), 1e-12 * expected.norm());
}

TEST(ProjectedGradient, AutomaticStepNeverIncreasesThePenalizedObjective) {
  for (const double lambda : {0.0, 0.01, 1.0}) {
    const HalfProblem p(50, 8, 20, 5);
    const ProjectedGradientRule rule(std::nullopt);
    Matrix x = p.X;
    double previous = p.objective(x, lambda);
    for (int step = 0; step < 300; ++step) {
      rule.update(x, p.gram(), p.product(), Penalty{0.0, lambda});
      const double now = p.objective(x, lambda);
      ASSERT_LE(now, previous * (1 + 1e-14)) << "lambda " << lambda << " step " << step;
      ASSERT_GE(x.minCoeff(), 0.0);
      previous = now;
    }
  }
}

/// ½‖Y − A X‖² + l1·ΣX + ½·l2·‖X‖², the objective every rule decreases.
double penalized_objective(const HalfProblem& p, const Matrix& x, const Penalty& penalty) {
  return p.objective(x) + penalty.value(x.sum(), x.squaredNorm());
}

TEST(EveryFrobeniusRule, NeverIncreasesThePenalizedObjective) {
  const HalfProblem p(60, 7, 25, 6);
  RuleSettings mu;
  RuleSettings pgd;
  pgd.algorithm = Algorithm::projected_gradient;
  RuleSettings hals;
  hals.algorithm = Algorithm::hals;
  for (const RuleSettings& settings : {mu, pgd, hals}) {
    for (const Penalty& penalty :
         {Penalty{}, Penalty{0.5, 0.0}, Penalty{0.0, 2.0}, Penalty{1.0, 1.0}}) {
      const auto rule = make_update_rule(settings, 60, 25, 7);
      Matrix x = p.X;
      double previous = penalized_objective(p, x, penalty);
      for (int step = 0; step < 100; ++step) {
        rule->update(x, p.gram(), p.product(), penalty);
        const double now = penalized_objective(p, x, penalty);
        ASSERT_LE(now, previous * (1 + 1e-13) + 1e-13)
            << algorithm_name(settings.algorithm) << " l1 " << penalty.l1 << " l2 " << penalty.l2
            << " step " << step;
        ASSERT_GE(x.minCoeff(), 0.0);
        previous = now;
      }
    }
  }
}

TEST(Hals, OneSweepMinimizesEachComponentExactly) {
  // With k = 1 a HALS step is the exact non-negative least-squares solution.
  const HalfProblem p(30, 1, 8, 7);
  Matrix x = p.X;
  hals_update(x, p.gram(), p.product(), Penalty{}, 1);
  const Matrix exact = (p.product() / p.gram()(0, 0)).cwiseMax(kHalsFloor);
  EXPECT_LT((x - exact).norm(), 1e-12 * exact.norm());
}

TEST(Hals, KeepsEveryEntryAboveTheFloorAndSkipsDeadComponents) {
  const HalfProblem p(20, 3, 6, 8);
  Matrix gram = p.gram();
  gram.row(1).setZero();
  gram.col(1).setZero();
  Matrix x = p.X;
  const Eigen::RowVectorXd untouched = x.row(1);
  hals_update(x, gram, p.product(), Penalty{}, 3);
  EXPECT_GE(x.minCoeff(), kHalsFloor);
  EXPECT_TRUE(x.row(1) == untouched);
  EXPECT_TRUE(x.allFinite());
}

/// `sweeps` HALS sweeps written out one component and one column at a time, as HALS is
/// defined.
Matrix hals_one_at_a_time(Matrix x, const Matrix& gram, const Matrix& product,
                          const Penalty& penalty, int sweeps) {
  for (int sweep = 0; sweep < sweeps; ++sweep) {
    for (Index j = 0; j < x.rows(); ++j) {
      const double curvature = gram(j, j) + penalty.l2;
      if (curvature <= 0.0) {
        continue;
      }
      for (Index c = 0; c < x.cols(); ++c) {
        const double step =
            product(j, c) - penalty.l1 - penalty.l2 * x(j, c) - gram.row(j).dot(x.col(c));
        x(j, c) = std::max(x(j, c) + step / curvature, kHalsFloor);
      }
    }
  }
  return x;
}

TEST(Hals, GivesTheStepsOfOneComponentAtATime) {
  // The sweeps step several components together, several columns per vector, in a shape
  // for the CPU's vector registers. k = 11 and 75 columns reach every group size and chunk
  // width of both shapes; component 5, dead (with no L2 penalty to give it a curvature),
  // sits inside a group.
  const HalfProblem p(40, 11, 75, 9);
  Matrix gram = p.gram();
  gram.row(5).setZero();
  gram.col(5).setZero();
  for (const Penalty penalty : {Penalty{0.05, 0.3}, Penalty{0.05, 0.0}}) {
    const Matrix expected = hals_one_at_a_time(p.X, gram, p.product(), penalty, 3);
    for (const int registers : {16, 32}) {  // both shapes of the sweeps' sums
      Matrix x = p.X;
      hals_update_for_registers(x, gram, p.product(), penalty, 3, registers);
      EXPECT_LT((x - expected).norm(), 1e-12 * expected.norm())
          << "l2 = " << penalty.l2 << ", " << registers << " registers";
    }
  }
  Matrix x = p.X;
  hals_update(x, gram, p.product(), Penalty{}, 3);
  EXPECT_TRUE(x.row(5) == p.X.row(5));
}

TEST(Hals, AutomaticSweepsGrowWithTheProductCostAndAreCapped) {
  EXPECT_EQ(automatic_hals_sweeps(5, 5, 9, 25), 1);
  EXPECT_EQ(automatic_hals_sweeps(2000, 1000, 10, 2000 * 1000), 5);
  EXPECT_GE(automatic_hals_sweeps(100, 100, 20, 100 * 100), 2);
  // Sparse V: products cost nonzeros·k, so sweeps pay off less (50 nonzeros a row here).
  EXPECT_EQ(automatic_hals_sweeps(200000, 10000, 20, 10000000), 2);
  EXPECT_LT(automatic_hals_sweeps(200000, 10000, 20, 10000000),
            automatic_hals_sweeps(200000, 10000, 20, std::int64_t{200000} * 10000));
}

TEST(EveryFrobeniusRule, ReportsTheGradientNormOfWhatItReturns) {
  // Several cache blocks (k = 50: 80 columns each) and thread shares, so that a rule working
  // by parts is checked across their edges, against the update and the measure done
  // separately. ANLS solves exactly: its norm is rounding alone, which the parts' order of
  // summation changes; the floor, far below the starting point's norm, allows for that.
  const HalfProblem p(80, 50, 700, 9);
  for (const Algorithm algorithm : frobenius_algorithms()) {
    RuleSettings settings;
    settings.algorithm = algorithm;
    const auto rule = make_update_rule(settings, 80, 700, 50);
    const Penalty penalty{0.1, 0.2};
    Matrix separately = p.X;
    rule->update(separately, p.gram(), p.product(), penalty);
    const double expected =
        projected_gradient_squared_norm(separately, p.gram(), p.product(), penalty);
    Matrix together = p.X;
    const double reported =
        rule->update_and_gradient_norm(together, p.gram(), p.product(), penalty);
    EXPECT_LT((together - separately).norm(), 1e-12 * separately.norm())
        << algorithm_name(algorithm);
    const double rounding_floor =
        1e-20 * projected_gradient_squared_norm(p.X, p.gram(), p.product(), penalty);
    EXPECT_NEAR(reported, expected, 1e-9 * expected + rounding_floor) << algorithm_name(algorithm);
    EXPECT_GT(reported, 0.0) << algorithm_name(algorithm);
  }
}

TEST(EveryFrobeniusRule, InSinglePrecisionGivesTheDoubleStepToFloatPrecision) {
  // The loop's float factors (V held in single precision) go through each rule's float
  // overload: the same step as in double, to float's rounding, in parts across threads as in
  // double, and with its gradient norm. A float overload doing something else (or nothing)
  // lands far from the double step.
  const HalfProblem p(80, 50, 700, 10);
  const Penalty penalty{0.1, 0.2};
  const MatrixF gram = p.gram().cast<float>();
  const MatrixF product = p.product().cast<float>();
  const MatrixF start = p.X.cast<float>();
  for (const Algorithm algorithm : frobenius_algorithms()) {
    RuleSettings settings;
    settings.algorithm = algorithm;
    const auto rule = make_update_rule(settings, 80, 700, 50);
    Matrix in_double = start.cast<double>();
    const double double_norm = rule->update_and_gradient_norm(in_double, gram.cast<double>(),
                                                              product.cast<double>(), penalty);
    MatrixF in_float = start;
    const double float_norm = rule->update_and_gradient_norm(in_float, gram, product, penalty);
    ASSERT_GT((in_double - start.cast<double>()).norm(), 1e-3 * in_double.norm())
        << algorithm_name(algorithm);
    EXPECT_LT((in_float.cast<double>() - in_double).norm(), 1e-4 * in_double.norm())
        << algorithm_name(algorithm);
    EXPECT_GE(in_float.minCoeff(), 0.0f) << algorithm_name(algorithm);
    EXPECT_NEAR(float_norm, double_norm, 1e-3 * double_norm + 1e-6 * p.product().squaredNorm())
        << algorithm_name(algorithm);
  }
}

TEST(Penalties, AreScaledAsScikitLearnScalesThem) {
  RuleSettings settings;
  settings.alpha_W = 0.5;
  settings.l1_ratio = 0.25;
  const Penalties same = make_penalties(settings, 30, 20);
  EXPECT_DOUBLE_EQ(same.W.l1, 0.5 * 0.25 * 20);
  EXPECT_DOUBLE_EQ(same.W.l2, 0.5 * 0.75 * 20);
  EXPECT_DOUBLE_EQ(same.H.l1, 0.5 * 0.25 * 30);  // alpha_H defaults to alpha_W
  settings.alpha_H = 0.0;
  EXPECT_FALSE(make_penalties(settings, 30, 20).H.any());
  settings.algorithm = Algorithm::projected_gradient;
  settings.lambda = 0.1;
  EXPECT_DOUBLE_EQ(make_penalties(settings, 30, 20).H.l2, 0.1);
}

TEST(MakeUpdateRule, BuildsTheRuleNamed) {
  RuleSettings settings;
  EXPECT_NE(dynamic_cast<MultiplicativeRule*>(make_update_rule(settings).get()), nullptr);
  settings.algorithm = Algorithm::projected_gradient;
  EXPECT_NE(dynamic_cast<ProjectedGradientRule*>(make_update_rule(settings).get()), nullptr);
  settings.algorithm = Algorithm::hals;
  EXPECT_NE(dynamic_cast<HalsRule*>(make_update_rule(settings).get()), nullptr);
  settings.algorithm = Algorithm::kullback_leibler;
  EXPECT_THROW(static_cast<void>(make_update_rule(settings)), Error);
}

TEST(RuleRegistry, HoldsOneRowForEveryRuleUsersCanName) {
  // The names users type (options.hpp) and the registry (rules/registry.cpp) list the same
  // rules in the same order, and every name reads back as its rule.
  ASSERT_EQ(rule_entries().size(), std::size(kAlgorithms));
  for (std::size_t i = 0; i < rule_entries().size(); ++i) {
    const Algorithm algorithm = kAlgorithms[i].algorithm;
    EXPECT_EQ(rule_entries()[i].algorithm, algorithm) << kAlgorithms[i].name;
    EXPECT_EQ(&rule_entry(algorithm), &rule_entries()[i]);
    EXPECT_EQ(parse_algorithm(algorithm_name(algorithm)), algorithm);
    EXPECT_GT(std::string(kAlgorithms[i].help).size(), 20U) << kAlgorithms[i].name;
  }
  EXPECT_EQ(frobenius_algorithms().size(), rule_entries().size() - 1);  // kl has its own loop
  EXPECT_THROW(static_cast<void>(parse_algorithm("nmf")), Error);
  for (const AlgorithmInfo& info : kAlgorithms) {
    EXPECT_NE(algorithm_choices().find(info.name), std::string::npos) << info.name;
  }
}

TEST(RuleRegistry, CountsEachRulesScratchAsItGrowsWithTheColumns) {
  // The memory pre-check adds these; a rule that allocates per column must say so.
  for (const Algorithm algorithm : frobenius_algorithms()) {
    const auto scratch = rule_entry(algorithm).scratch_bytes;
    EXPECT_GT(scratch(20, 1000), 0) << algorithm_name(algorithm);
    EXPECT_EQ(scratch(20, 2000) - scratch(20, 1000), scratch(20, 3000) - scratch(20, 2000))
        << algorithm_name(algorithm);
  }
}

}  // namespace
}  // namespace mpinmf
