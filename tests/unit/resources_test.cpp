#include "mpinmf/resources.hpp"

#include <gtest/gtest.h>

namespace mpinmf {
namespace {

TEST(ChooseThreadCount, HonoursARequest) { EXPECT_EQ(choose_thread_count(3, 1, 4, 2), 3); }

TEST(ChooseThreadCount, SharesTheNodeAmongItsRanks) {
  EXPECT_EQ(choose_thread_count(0, 2, 1, 2), 2);  // one rank, unbound
  EXPECT_EQ(choose_thread_count(0, 2, 2, 2), 1);  // two ranks, unbound
  EXPECT_EQ(choose_thread_count(0, 1, 1, 2), 1);  // bound to one core
  EXPECT_EQ(choose_thread_count(0, 2, 4, 2), 1);  // oversubscribed: still one
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
