// The distributed engine under 1–4 ranks: rank-count independence, monotonicity,
// recovery of known factors, the reference write-up's example, and agreed stopping.

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <string>

#include "engine/normalize.hpp"
#include "engine/projection.hpp"
#include "mpinmf/error.hpp"
#include "parallel/comm.hpp"
#include "rules/multiplicative.hpp"
#include "rules/projected_gradient.hpp"
#include "test_problems.hpp"

namespace mpinmf {
namespace {

using testing::factorize_rows;
using testing::low_rank_rows;
using testing::Outcome;
using testing::relative_difference;

StoppingCriteria fixed_iterations(int iterations) {
  StoppingCriteria stopping;
  stopping.max_iterations = iterations;
  stopping.tolerance = 0.0;
  return stopping;
}

struct RuleCase {
  const char* name;
  RuleSettings settings;
};

RuleSettings with_elastic_net(RuleSettings settings) {
  settings.alpha_W = 0.002;
  settings.alpha_H = 0.001;
  settings.l1_ratio = 0.5;
  return settings;
}

std::vector<RuleCase> every_rule() {
  RuleSettings mu;
  RuleSettings pgd;
  pgd.algorithm = Algorithm::projected_gradient;
  RuleSettings pgd_no_penalty = pgd;
  pgd_no_penalty.lambda = 0.0;
  RuleSettings hals;
  hals.algorithm = Algorithm::hals;
  RuleSettings kl;
  kl.algorithm = Algorithm::kullback_leibler;
  RuleSettings anls;
  anls.algorithm = Algorithm::anls_bpp;
  return {{"mu", mu},
          {"kl", kl},
          {"mu+elastic-net", with_elastic_net(mu)},
          {"pgd", pgd},
          {"pgd-lambda0", pgd_no_penalty},
          {"pgd+elastic-net", with_elastic_net(pgd)},
          {"hals", hals},
          {"hals+elastic-net", with_elastic_net(hals)},
          {"anls-bpp", anls},
          {"anls-bpp+elastic-net", with_elastic_net(anls)}};
}

class EngineTest : public ::testing::Test {
 protected:
  Communicator world{MPI_COMM_WORLD};
};

// The same seed and input give the same W and H on P ranks as on one rank.
TEST_F(EngineTest, FactorsDoNotDependOnTheNumberOfRanks) {
  const Index m = 97;
  const Index n = 61;
  const Index k = 5;
  auto make_rows = [&](IndexRange rows) { return low_rank_rows(3, rows, n, 4, 0.05); };
  Communicator alone = world.split(world.rank());
  for (const RuleCase& rule_case : every_rule()) {
    const Outcome together =
        factorize_rows(world, m, n, k, rule_case.settings, fixed_iterations(50), make_rows);
    const Outcome single =
        factorize_rows(alone, m, n, k, rule_case.settings, fixed_iterations(50), make_rows);
    const RowMatrix single_own_rows =
        single.factors.W.middleRows(together.rows.begin, together.rows.size());
    EXPECT_LT(relative_difference(world, together.factors.W, single_own_rows, true), 1e-10)
        << rule_case.name;
    EXPECT_LT(relative_difference(world, together.factors.H, single.factors.H, false), 1e-10)
        << rule_case.name;
    EXPECT_NEAR(together.result.history.back().relative_error,
                single.result.history.back().relative_error, 1e-10)
        << rule_case.name;
    // And the run did something: the error fell from the start.
    EXPECT_LT(together.result.history.back().relative_error,
              0.5 * together.result.history.front().relative_error)
        << rule_case.name;
  }
}

// More ranks than rows: ranks with no rows take part and the answer is unchanged.
TEST_F(EngineTest, RanksWithoutRowsStillGiveTheSameFactors) {
  const Index m = 2;
  const Index n = 7;
  auto make_rows = [&](IndexRange rows) { return low_rank_rows(5, rows, n, 1, 0.1); };
  Communicator alone = world.split(world.rank());
  const RuleSettings mu;
  const Outcome together = factorize_rows(world, m, n, 1, mu, fixed_iterations(20), make_rows);
  const Outcome single = factorize_rows(alone, m, n, 1, mu, fixed_iterations(20), make_rows);
  EXPECT_LT(relative_difference(world, together.factors.H, single.factors.H, false), 1e-10);
  EXPECT_NEAR(together.result.history.back().relative_error,
              single.result.history.back().relative_error, 1e-10);
}

// Each iteration's objective is at most the previous one (up to rounding).
TEST_F(EngineTest, ObjectiveNeverIncreases) {
  const Index m = 120;
  const Index n = 80;
  // Noise-dominated data: the fit stays far from exact, so the Gram identity keeps its digits.
  auto make_rows = [&](IndexRange rows) { return low_rank_rows(11, rows, n, 3, 1.0); };
  for (const RuleCase& rule_case : every_rule()) {
    const Outcome outcome =
        factorize_rows(world, m, n, 6, rule_case.settings, fixed_iterations(300), make_rows);
    const auto& history = outcome.result.history;
    ASSERT_EQ(history.size(), 301U);
    for (std::size_t t = 1; t < history.size(); ++t) {
      EXPECT_LE(history[t].objective, history[t - 1].objective * (1.0 + 1e-12))
          << rule_case.name << " at iteration " << t;
    }
    // The Gram identity agrees with the error formed explicitly, far from an exact fit.
    EXPECT_NEAR(outcome.result.final_relative_error, history.back().relative_error, 1e-10)
        << rule_case.name;
  }
}

// Exact rank 5, 300 × 200, factors uniform on [0, 1): both rules fit to 1e-2.
TEST_F(EngineTest, RecoversAnExactLowRankMatrix) {
  const Index m = 300;
  const Index n = 200;
  auto make_rows = [&](IndexRange rows) { return low_rank_rows(2024, rows, n, 5, 0.0); };
  RuleSettings pgd;
  pgd.algorithm = Algorithm::projected_gradient;
  pgd.lambda = 0.0;
  for (const RuleSettings& settings : {RuleSettings{}, pgd}) {
    StoppingCriteria stopping = fixed_iterations(2000);
    const Outcome outcome = factorize_rows(world, m, n, 5, settings, stopping, make_rows);
    EXPECT_LE(outcome.result.history.back().relative_error, 1e-2)
        << algorithm_name(settings.algorithm);
  }
}

// The write-up's 5 × 6 example with k = 5: every entry is reconstructed.
TEST_F(EngineTest, ReconstructsTheWriteupExample) {
  struct Case {
    RuleSettings settings;
    double entry_tolerance;
  };
  RuleSettings writeup_delta;
  writeup_delta.delta = 0.001;
  RuleSettings pgd;
  pgd.algorithm = Algorithm::projected_gradient;
  pgd.lambda = 0.01;
  // The write-up's own δ = 0.001 damps the updates; its R run got within about 0.002, and
  // how close depends on the start, so that case only has to come near.
  for (const Case& c : {Case{RuleSettings{}, 0.002}, Case{writeup_delta, 0.004}, Case{pgd, 0.02}}) {
    const Outcome outcome =
        factorize_rows(world, 5, 6, 5, c.settings, fixed_iterations(5000), testing::writeup_rows);
    const RowMatrix reconstruction = outcome.factors.W * outcome.factors.H;
    const RowMatrix V = testing::writeup_rows(outcome.rows);
    const double worst = world.max(V.size() ? (reconstruction - V).cwiseAbs().maxCoeff() : 0.0);
    const double residual = world.sum(V.size() ? (reconstruction - V).squaredNorm() : 0.0);
    const double norm = world.sum(V.squaredNorm());
    EXPECT_NEAR(outcome.result.final_relative_error, std::sqrt(residual / norm), 1e-12);
    EXPECT_LE(worst, c.entry_tolerance)
        << algorithm_name(c.settings.algorithm) << " delta " << c.settings.delta;
  }
}

// Stopping is decided from numbers every rank shares, so every rank stops together.
TEST_F(EngineTest, AllRanksStopAtTheSameIteration) {
  auto make_rows = [&](IndexRange rows) { return low_rank_rows(9, rows, 40, 3, 0.01); };
  const RuleSettings mu;

  StoppingCriteria by_tolerance;
  by_tolerance.max_iterations = 100000;
  by_tolerance.tolerance = 1e-3;
  const Outcome converged = factorize_rows(world, 50, 40, 3, mu, by_tolerance, make_rows);
  EXPECT_EQ(converged.result.stop_reason, StopReason::converged);
  EXPECT_LT(converged.result.iterations, 100000);
  EXPECT_EQ(world.max(converged.result.iterations), converged.result.iterations);

  StoppingCriteria by_time;
  by_time.max_iterations = std::numeric_limits<int>::max();
  by_time.tolerance = 0.0;
  by_time.time_limit_seconds = 0.2;
  const Outcome timed = factorize_rows(world, 50, 40, 3, mu, by_time, make_rows);
  EXPECT_EQ(timed.result.stop_reason, StopReason::time_limit);
  EXPECT_EQ(world.max(timed.result.iterations), timed.result.iterations);
  EXPECT_GE(timed.result.history.back().seconds, 0.2);
}

// The projected gradient is reported relative to its start and can stop the run.
TEST_F(EngineTest, ProjectedGradientIsReportedAndCanStopTheRun) {
  auto make_rows = [&](IndexRange rows) { return low_rank_rows(21, rows, 40, 3, 0.0); };
  RuleSettings hals;
  hals.algorithm = Algorithm::hals;
  StoppingCriteria stopping = fixed_iterations(5000);
  stopping.gradient_tolerance = 1e-5;
  const Outcome outcome = factorize_rows(world, 60, 40, 3, hals, stopping, make_rows);
  const auto& history = outcome.result.history;
  EXPECT_EQ(outcome.result.stop_reason, StopReason::projected_gradient);
  EXPECT_LT(outcome.result.iterations, 5000);
  EXPECT_DOUBLE_EQ(history.front().projected_gradient, 1.0);
  for (const HistoryEntry& entry : history) {
    EXPECT_TRUE(std::isfinite(entry.projected_gradient)) << entry.iteration;
  }
  EXPECT_LT(history[history.size() - 2].projected_gradient, 1e-5);
  EXPECT_EQ(world.max(outcome.result.iterations), outcome.result.iterations);
}

TEST_F(EngineTest, NormalizingKeepsTheProductAndScalesWColumns) {
  const Index m = 31;
  const Index n = 12;
  const IndexRange rows = even_block(m, world.size(), world.rank());
  for (const Normalization how : {Normalization::l1, Normalization::l2}) {
    Factors factors = random_factors(3, rows, n, 4, 2.0);
    const RowMatrix before = factors.W * factors.H;
    normalize_factors(world, factors, how);
    EXPECT_LT(relative_difference(world, factors.W * factors.H, before, true), 1e-13);
    Eigen::VectorXd norms = how == Normalization::l1
                                ? Eigen::VectorXd(factors.W.colwise().sum().transpose())
                                : Eigen::VectorXd(factors.W.colwise().squaredNorm().transpose());
    world.sum(norms.data(), norms.size());
    EXPECT_LT((norms - Eigen::VectorXd::Ones(4)).norm(), 1e-13) << normalization_name(how);
  }
}

// Projecting the training data with the learned W gives back H (W is at a fixed point).
TEST_F(EngineTest, ProjectingTheTrainingDataReproducesTheFactors) {
  const Index m = 80;
  const Index n = 60;
  auto make_rows = [&](IndexRange rows) { return low_rank_rows(8, rows, n, 4, 0.0, 0.7); };
  RuleSettings anls;
  anls.algorithm = Algorithm::anls_bpp;
  const Outcome outcome = factorize_rows(world, m, n, 4, anls, fixed_iterations(300), make_rows);
  const RowMatrix V = make_rows(outcome.rows);
  const Matrix H = project_columns(world, V, outcome.factors.W, Penalty{});
  EXPECT_LT(relative_difference(world, H, outcome.factors.H, false), 1e-8)
      << "final error " << outcome.result.final_relative_error;
  const RowMatrix W = project_rows(V, outcome.factors.H, Penalty{});
  EXPECT_LT(relative_difference(world, W, outcome.factors.W, true), 1e-8);
}

// A component the data does not support is reported, not hidden.
TEST_F(EngineTest, ReportsVanishedComponents) {
  const IndexRange rows = even_block(30, world.size(), world.rank());
  const RowMatrix V = low_rank_rows(2, rows, 20, 2, 0.0);
  Factors factors = random_factors(1, rows, 20, 3, 1.0);
  factors.W.col(2).setZero();  // multiplicative updates keep a zero component at zero
  const auto rule = make_update_rule(RuleSettings{});
  const EngineResult result = factorize(world, V, world.sum(V.squaredNorm()), factors, *rule,
                                        Penalties{}, fixed_iterations(5));
  EXPECT_EQ(result.vanished_components, std::vector<Index>{2});
}

/// A rule that breaks W on one rank, as a numerical blow-up would.
class PoisonOneRank final : public UpdateRule {
 public:
  explicit PoisonOneRank(bool poison) : poison_(poison) {}
  void update(Eigen::Ref<Matrix> factor, const Matrix& gram,
              const Eigen::Ref<const Matrix>& product, const Penalty& penalty) const override {
    multiplicative_update(factor, gram, product, penalty, 1e-16);
    if (poison_ && factor.cols() > 10) {  // the W half: this rank's own rows
      factor(0, 0) = std::numeric_limits<double>::quiet_NaN();
    }
  }

 private:
  bool poison_;
};

TEST_F(EngineTest, NonFiniteValuesStopEveryRankWithOneError) {
  const int victim = world.size() - 1;
  const PoisonOneRank rule(world.rank() == victim);
  auto make_rows = [&](IndexRange rows) { return low_rank_rows(4, rows, 30, 3, 0.1); };
  try {
    factorize_rows(world, 12 * world.size(), 30, 3, rule, Penalties{}, fixed_iterations(10),
                   make_rows);
    ADD_FAILURE() << "the NaN was not detected";
  } catch (const AgreedError& error) {
    EXPECT_EQ(error.origin_rank(), victim) << error.what();
    EXPECT_NE(std::string(error.what()).find("holds NaN"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("iteration 1"), std::string::npos) << error.what();
  }
}

// A failed MPI call, on a copy of the world that returns errors (the tests' own world keeps
// MPI's fatal default). A negative count is refused by every rank's MPI before it
// communicates, so every rank fails alike.

MPI_Comm copy_returning_errors() {
  MPI_Comm copy = MPI_COMM_NULL;
  MPI_Comm_dup(MPI_COMM_WORLD, &copy);
  MPI_Comm_set_errhandler(copy, MPI_ERRORS_RETURN);
  return copy;
}

std::string failure_seen;
void remember_failure(const std::string& message) { failure_seen = message; }

TEST(MpiFailure, ThrowsMpiErrorNamingTheCallAndMpisReason) {
  MPI_Comm copy = copy_returning_errors();
  {
    Communicator comm(copy);
    double value = 1.0;
    try {
      comm.sum(&value, -1);
      ADD_FAILURE() << "the failed MPI_Allreduce went unnoticed";
    } catch (const MpiError& error) {
      std::array<char, MPI_MAX_ERROR_STRING> reason{};
      int length = 0;
      MPI_Error_string(MPI_ERR_COUNT, reason.data(), &length);
      EXPECT_EQ(std::string(error.what()),
                "MPI_Allreduce failed: " + std::string(reason.data(), length));
    }
    // Never agreed on: the other ranks could be waiting inside the call that failed.
    EXPECT_THROW(comm.run_agreed([&] { comm.sum(&value, -1); }), MpiError);
  }
  MPI_Comm_free(&copy);
}

TEST(MpiFailure, ReachesTheHandlerFirstAlsoOnSplitCommunicators) {
  MPI_Comm copy = copy_returning_errors();
  {
    Communicator comm(copy, remember_failure);
    Communicator part = comm.split(comm.rank() % 2);
    double value = 1.0;
    failure_seen.clear();
    EXPECT_THROW(comm.sum(&value, -1), MpiError);
    EXPECT_EQ(failure_seen.rfind("MPI_Allreduce failed: ", 0), 0U) << failure_seen;
    failure_seen.clear();
    EXPECT_THROW(part.sum(&value, -1), MpiError);  // the split inherits MPI_ERRORS_RETURN
    EXPECT_EQ(failure_seen.rfind("MPI_Allreduce failed: ", 0), 0U) << failure_seen;
  }
  MPI_Comm_free(&copy);
}

}  // namespace
}  // namespace mpinmf
