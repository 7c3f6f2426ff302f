#include "core/resources.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <string>

#ifdef MPINMF_HAVE_OPENBLAS
extern "C" int openblas_get_num_threads();
#endif

namespace mpinmf {
namespace {

TEST(ChooseThreadCount, HonoursARequest) { EXPECT_EQ(choose_thread_count(3, 1, 4, 2), 3); }

TEST(ChooseThreadCount, SharesTheNodeAmongItsRanks) {
  EXPECT_EQ(choose_thread_count(0, 2, 1, 2), 2);  // one rank, unbound
  EXPECT_EQ(choose_thread_count(0, 2, 2, 2), 1);  // two ranks, unbound
  EXPECT_EQ(choose_thread_count(0, 1, 1, 2), 1);  // bound to one core
  EXPECT_EQ(choose_thread_count(0, 2, 4, 2), 1);  // oversubscribed: still one
}

TEST(BindingAdvice, SaysHowToGetTheCoresWhenTheBindingGivesFewer) {
  const std::string advice = binding_advice(2, 1);
  EXPECT_NE(advice.find("--threads 2"), std::string::npos);
  EXPECT_NE(advice.find("1 core "), std::string::npos);
  EXPECT_NE(advice.find("--bind-to none"), std::string::npos);
  EXPECT_EQ(std::count(advice.begin(), advice.end(), '\n'), 1);  // one line
}

TEST(BindingAdvice, IsSilentWhenTheCoresSuffice) {
  EXPECT_EQ(binding_advice(2, 2), "");
  EXPECT_EQ(binding_advice(0, 1), "");  // chosen from the binding: nothing to advise
  EXPECT_EQ(binding_advice(1, 4), "");
}

/// The BLAS thread count each layer sees: Eigen's, and OpenBLAS's where it is linked.
void expect_blas_threads(int expected) {
  EXPECT_EQ(Eigen::nbThreads(), expected);
#ifdef MPINMF_HAVE_OPENBLAS
  EXPECT_EQ(openblas_get_num_threads(), expected);
#endif
}

TEST(OwnLoopsHaveTheCores, HoldsBlasAtOneThreadWhileItLivesAndNestsHarmlessly) {
  use_threads(2, ThreadUse::dense_products);
  {
    const OwnLoopsHaveTheCores outer;
    expect_blas_threads(1);
    EXPECT_EQ(omp_get_max_threads(), 2);  // the loops keep their threads
    {
      const OwnLoopsHaveTheCores inner;
      expect_blas_threads(1);
    }
    expect_blas_threads(1);  // the inner one must not hand BLAS its threads back early
  }
  expect_blas_threads(2);
  EXPECT_EQ(blas_threads(), 2);
  use_threads(2, ThreadUse::sparse_products);
  {
    const OwnLoopsHaveTheCores cores;
    expect_blas_threads(1);
  }
  expect_blas_threads(1);
  use_threads(1);
}

TEST(PeakMemory, GrowsWithAnAllocationLargerThanThePeakSoFar) {
  const double before = peak_memory_bytes();
  // Only resident memory beyond the earlier peak can raise it: allocate more than that.
  std::vector<char> block(static_cast<std::size_t>(before) + (64U << 20U), 1);
  EXPECT_EQ(block.back(), 1);
  EXPECT_GE(peak_memory_bytes(), before + 32e6);
}

}  // namespace
}  // namespace mpinmf
