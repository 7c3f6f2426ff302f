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

TEST(PeakMemory, GrowsWithAnAllocation) {
  const double before = peak_memory_bytes();
  std::vector<char> block(64 << 20, 1);
  EXPECT_GE(peak_memory_bytes(), before + 32e6 * (block[12345] == 1 ? 1 : 0));
}

}  // namespace
}  // namespace mpinmf
