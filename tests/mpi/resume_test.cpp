// Checkpoints and stop requests at the loop level, under 1–4 ranks: what a checkpoint
// snapshot holds is enough to continue bit for bit, for every rule, and a stop request on
// one rank stops every rank after the same iteration.

#include <gtest/gtest.h>

#include <cmath>
#include <optional>

#include "test_problems.hpp"

namespace mpinmf {
namespace {

using testing::every_algorithm;
using testing::fixed_iterations;
using testing::low_rank_rows;
using testing::make_start;
using testing::run_rule;

constexpr Index kRows = 41;
constexpr Index kColumns = 23;
constexpr Index kRank = 3;

/// A checkpoint as the loop hands it over: copies of the factors and loop state.
struct SavedState {
  Factors factors;
  LoopStart start;
};

class ResumeTest : public ::testing::Test {
 protected:
  Communicator world{MPI_COMM_WORLD};
  testing::Start start = make_start(
      world, kRows, kColumns, kRank,
      [](IndexRange rows) { return low_rank_rows(11, rows, kColumns, kRank, 0.05, 0.2); }, 5);
};

TEST_F(ResumeTest, ContinuingFromACheckpointIsBitIdenticalForEveryRule) {
  for (const RuleSettings& settings : every_algorithm()) {
    const std::string name = algorithm_name(settings.algorithm);
    Factors uninterrupted = start.factors;
    const EngineResult reference = run_rule(world, start.V, start.squared_norm, kRows,
                                            uninterrupted, settings, fixed_iterations(20));

    std::optional<SavedState> first_checkpoint;
    LoopHooks hooks;
    hooks.schedule.every_iterations = 7;
    hooks.save_checkpoint = [&](const Factors& factors, const LoopSnapshot& snapshot) {
      if (!first_checkpoint) {
        first_checkpoint = SavedState{factors, {snapshot.history, snapshot.gradient_at_start}};
      }
    };
    Factors checkpointed = start.factors;
    run_rule(world, start.V, start.squared_norm, kRows, checkpointed, settings,
             fixed_iterations(20), hooks);
    ASSERT_TRUE(first_checkpoint.has_value()) << name;
    EXPECT_EQ(first_checkpoint->start.history.back().iteration, 7) << name;

    Factors resumed = first_checkpoint->factors;
    const EngineResult continued =
        run_rule(world, start.V, start.squared_norm, kRows, resumed, settings, fixed_iterations(20),
                 {}, first_checkpoint->start);
    EXPECT_TRUE(resumed.W == uninterrupted.W) << name << ": W differs after resuming";
    EXPECT_TRUE(resumed.H == uninterrupted.H) << name << ": H differs after resuming";
    EXPECT_EQ(continued.iterations, reference.iterations) << name;
    ASSERT_EQ(continued.history.size(), reference.history.size()) << name;
    for (std::size_t i = 0; i < reference.history.size(); ++i) {
      EXPECT_EQ(continued.history[i].iteration, reference.history[i].iteration) << name;
      EXPECT_EQ(continued.history[i].objective, reference.history[i].objective)
          << name << " at entry " << i;
      const double gradient = continued.history[i].projected_gradient;
      const double expected = reference.history[i].projected_gradient;
      EXPECT_TRUE(gradient == expected || (std::isnan(gradient) && std::isnan(expected)))
          << name << " at entry " << i << ": projected gradient " << gradient << " vs " << expected;
    }
  }
}

TEST_F(ResumeTest, AStopRequestOnOneRankStopsEveryRankAfterTheSameIteration) {
  for (const RuleSettings& settings : every_algorithm()) {
    const std::string name = algorithm_name(settings.algorithm);
    int iterations_seen = 0;
    LoopHooks hooks;
    hooks.on_iteration = [&](const HistoryEntry&) { ++iterations_seen; };
    // Only the last rank asks, as when a signal reaches one process.
    hooks.stop_requested = [&] { return world.rank() == world.size() - 1 && iterations_seen >= 4; };
    Factors factors = start.factors;
    const EngineResult result = run_rule(world, start.V, start.squared_norm, kRows, factors,
                                         settings, fixed_iterations(50), hooks);
    EXPECT_EQ(result.stop_reason, StopReason::interrupted) << name;
    EXPECT_LT(result.iterations, 10) << name;
    EXPECT_EQ(world.max(result.iterations), world.sum(result.iterations) / world.size()) << name;
  }
}

}  // namespace
}  // namespace mpinmf
