#include "core/partition.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <random>
#include <vector>

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

/// The CSR row pointer of rows whose lengths follow a power law (a few very long rows, many
/// short ones), in shuffled order, as in text and single-cell data.
std::vector<std::int64_t> power_law_indptr(Index rows) {
  std::vector<std::int64_t> lengths(rows);
  for (Index i = 0; i < rows; ++i) {
    lengths[i] = static_cast<std::int64_t>(1000.0 / std::pow(static_cast<double>(i + 1), 0.8));
  }
  std::mt19937_64 random(7);
  std::ranges::shuffle(lengths, random);
  std::vector<std::int64_t> indptr(rows + 1, 0);
  std::partial_sum(lengths.begin(), lengths.end(), indptr.begin() + 1);
  return indptr;
}

/// Checks that the blocks cover every row once, in order, and returns their nonzeros.
std::vector<std::int64_t> block_nonzeros(const std::vector<std::int64_t>& indptr, int parts) {
  std::vector<std::int64_t> nonzeros;
  Index next = 0;
  for (int part = 0; part < parts; ++part) {
    const IndexRange block = nnz_balanced_block(indptr, parts, part);
    EXPECT_EQ(block.begin, next) << part;
    EXPECT_LE(block.begin, block.end) << part;
    next = block.end;
    nonzeros.push_back(indptr[block.end] - indptr[block.begin]);
  }
  EXPECT_EQ(next, static_cast<Index>(indptr.size()) - 1);
  return nonzeros;
}

TEST(NnzBalancedBlock, BalancesPowerLawRowsWithinFivePercent) {
  const std::vector<std::int64_t> indptr = power_law_indptr(20000);
  for (int parts : {2, 3, 4}) {
    const std::vector<std::int64_t> nonzeros = block_nonzeros(indptr, parts);
    const double mean = static_cast<double>(indptr.back()) / parts;
    const auto largest = static_cast<double>(std::ranges::max(nonzeros));
    EXPECT_LE(largest / mean, 1.05) << parts << " parts";
  }
}

TEST(NnzBalancedBlock, GivesEachBlockAboutEqualNonzerosNotRows) {
  // Row 0 holds half of the nonzeros: it is a block of its own.
  const std::vector<std::int64_t> indptr{0, 6, 7, 8, 9, 10, 11, 12};
  EXPECT_EQ(nnz_balanced_boundaries(indptr, 2), (std::vector<Index>{0, 1, 7}));
}

TEST(NnzBalancedBlock, AllowsEmptyBlocksWhenRowsAreFewerThanParts) {
  const std::vector<std::int64_t> indptr{0, 3, 5};
  const std::vector<std::int64_t> nonzeros = block_nonzeros(indptr, 4);
  EXPECT_EQ(std::reduce(nonzeros.begin(), nonzeros.end()), 5);
  EXPECT_EQ(std::ranges::count(nonzeros, 0), 2);
}

TEST(NnzBalancedBlock, SplitsRowsEvenlyWithoutNonzerosAndHonoursAnOffset) {
  const std::vector<std::int64_t> empty(8, 42);
  EXPECT_EQ(nnz_balanced_boundaries(empty, 3), (std::vector<Index>{0, 3, 5, 7}));
  const std::vector<std::int64_t> offset{100, 101, 102, 103, 104};
  EXPECT_EQ(nnz_balanced_boundaries(offset, 2), (std::vector<Index>{0, 2, 4}));
}

// Ranks that each hold an even slice of indptr agree with one that holds all of it.
TEST(NnzBalancedBlock, SlicesOfThePointerGiveTheWholePointersSplit) {
  const std::vector<std::int64_t> skewed = power_law_indptr(997);
  const std::vector<std::int64_t> empty(6, 0);
  const std::vector<std::int64_t> few{0, 4, 4, 9};
  for (const auto* indptr : {&skewed, &empty, &few}) {
    const auto rows = static_cast<Index>(indptr->size()) - 1;
    for (int parts : {1, 2, 3, 4, 7}) {
      std::vector<std::int64_t> summed(static_cast<std::size_t>(parts) + 1, 0);
      for (int part = 0; part < parts; ++part) {
        const IndexRange slice = even_block(rows, parts, part);
        const std::span<const std::int64_t> pointers(indptr->data() + slice.begin,
                                                     static_cast<std::size_t>(slice.size()) + 1);
        const std::vector<std::int64_t> placed =
            split_points_in_slice(pointers, slice.begin, rows, indptr->back(), parts, part == 0);
        std::transform(summed.begin(), summed.end(), placed.begin(), summed.begin(), std::plus<>());
      }
      const std::vector<Index> whole = nnz_balanced_boundaries(*indptr, parts);
      EXPECT_EQ(std::vector<Index>(summed.begin(), summed.end()), whole)
          << rows << " rows, " << parts << " parts";
    }
  }
}

TEST(NnzBalancedBlock, RejectsNonsense) {
  const std::vector<std::int64_t> indptr{0, 1};
  EXPECT_THROW(nnz_balanced_boundaries({}, 2), std::invalid_argument);
  EXPECT_THROW(nnz_balanced_boundaries(indptr, 0), std::invalid_argument);
  EXPECT_THROW(nnz_balanced_block(indptr, 2, 2), std::invalid_argument);
}

}  // namespace
}  // namespace mpinmf
