// After the first iterations, the loop allocates nothing on the heap: every buffer of every
// rule, storage (dense, CSR) and precision (double, single) belongs to a workspace made
// before the loop (or sized by its first iteration) and is reused. Counted from the report
// of iteration 3 to that of iteration 10 (counting_allocator.hpp), on one thread and on two,
// under 1–2 ranks.

#include <gtest/gtest.h>

#include <string>

#include "core/resources.hpp"
#include "counting_allocator.hpp"
#include "test_problems.hpp"

namespace mpinmf {
namespace {

using testing::every_algorithm;
using testing::fixed_iterations;
using testing::low_rank_rows;
using testing::run_rule;

// Wide enough that the H half has several column blocks, the last a partial one, and the
// rows and columns split among two threads.
constexpr Index kRows = 240;
constexpr Index kColumns = 1400;
constexpr Index kRank = 5;
constexpr int kIterations = 12;
constexpr int kFirstCounted = 3;
constexpr int kLastCounted = 10;

class AllocationTest : public ::testing::TestWithParam<int> {
 protected:
  void TearDown() override { use_threads(1); }

  /// Allocations counted in iterations kFirstCounted … kLastCounted of `settings` on `V`.
  template <typename LocalRows>
  std::int64_t allocations_in_loop(const LocalRows& V, const RuleSettings& settings) {
    Factors factors = start;
    LoopHooks hooks;
    std::int64_t counted = -1;
    hooks.on_iteration = [&](const HistoryEntry& entry) {
      if (entry.iteration == kFirstCounted) {
        testing::start_counting_allocations();
      } else if (entry.iteration == kLastCounted) {
        counted = testing::stop_counting_allocations();
      }
    };
    const EngineResult result = run_rule(world, V, squared_norm, kRows, factors, settings,
                                         fixed_iterations(kIterations), hooks);
    EXPECT_EQ(result.iterations, kIterations);
    return counted;
  }

  Communicator world{MPI_COMM_WORLD};
  IndexRange rows = even_block(kRows, world.size(), world.rank());
  // About half the entries zero, so that the CSR storage is a real sparse one.
  RowMatrix dense = low_rank_rows(5, rows, kColumns, kRank, 0.05, 0.5).cast<float>().cast<double>();
  RowMatrixF dense_single = dense.cast<float>();
  SparseRowMatrix sparse = dense.sparseView();
  SparseRowMatrixF sparse_single = dense_single.sparseView();
  double squared_norm = world.sum(dense.squaredNorm());
  Factors start = random_factors(4, rows, kColumns, kRank, 0.3);
};

TEST_P(AllocationTest, NoRuleStorageOrPrecisionAllocatesInTheLoop) {
  const int threads = GetParam();
  for (const RuleSettings& settings : every_algorithm()) {
    const std::string name = algorithm_name(settings.algorithm);
    use_threads(threads, ThreadUse::dense_products);
    EXPECT_EQ(allocations_in_loop(dense, settings), 0) << name << " dense double";
    EXPECT_EQ(allocations_in_loop(dense_single, settings), 0) << name << " dense single";
    use_threads(threads, ThreadUse::sparse_products);
    EXPECT_EQ(allocations_in_loop(sparse, settings), 0) << name << " sparse double";
    EXPECT_EQ(allocations_in_loop(sparse_single, settings), 0) << name << " sparse single";
  }
}

// A test that the counter counts: an allocation between the hooks is seen.
TEST_P(AllocationTest, TheCounterSeesAnAllocation) {
  testing::start_counting_allocations();
  const Matrix temporary = Matrix::Random(kRank, kColumns);
  auto* boxed = new double(temporary.sum());  // NOLINT(cppcoreguidelines-owning-memory)
  const std::int64_t counted = testing::stop_counting_allocations();
  delete boxed;  // NOLINT(cppcoreguidelines-owning-memory)
  EXPECT_EQ(counted, 2);
}

INSTANTIATE_TEST_SUITE_P(Threads, AllocationTest, ::testing::Values(1, 2),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::to_string(info.param) + "_threads";
                         });

}  // namespace
}  // namespace mpinmf
