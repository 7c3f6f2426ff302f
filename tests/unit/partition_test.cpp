#include "mpinmf/partition.hpp"

#include <gtest/gtest.h>

namespace mpinmf {
namespace {

TEST(EvenBlock, CoversEveryIndexOnceWithSizesWithinOne) {
  for (Index count : {0, 1, 2, 7, 100, 101}) {
    for (int parts = 1; parts <= 9; ++parts) {
      Index next = 0;
      Index smallest = count;
      Index largest = 0;
      for (int part = 0; part < parts; ++part) {
        const IndexRange block = even_block(count, parts, part);
        EXPECT_EQ(block.begin, next) << count << " " << parts << " " << part;
        next = block.end;
        smallest = std::min(smallest, block.size());
        largest = std::max(largest, block.size());
      }
      EXPECT_EQ(next, count);
      EXPECT_LE(largest - smallest, 1);
    }
  }
}

TEST(EvenBlock, MorePartsThanItemsGivesEmptyBlocks) {
  EXPECT_EQ(even_block(2, 4, 0), (IndexRange{0, 1}));
  EXPECT_EQ(even_block(2, 4, 1), (IndexRange{1, 2}));
  EXPECT_EQ(even_block(2, 4, 3).size(), 0);
}

TEST(EvenBlock, RejectsNonsense) {
  EXPECT_THROW(even_block(5, 0, 0), std::invalid_argument);
  EXPECT_THROW(even_block(5, 2, 2), std::invalid_argument);
  EXPECT_THROW(even_block(-1, 2, 0), std::invalid_argument);
}

}  // namespace
}  // namespace mpinmf
