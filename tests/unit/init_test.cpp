#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "starts/random_start.hpp"

namespace mpinmf {
namespace {

TEST(CounterUniform, IsInTheOpenUnitIntervalAndDependsOnEveryCounter) {
  const double base = counter_uniform(1, 2, 3, 4);
  EXPECT_GT(base, 0.0);
  EXPECT_LT(base, 1.0);
  EXPECT_EQ(base, counter_uniform(1, 2, 3, 4));
  EXPECT_NE(base, counter_uniform(2, 2, 3, 4));
  EXPECT_NE(base, counter_uniform(1, 3, 3, 4));
  EXPECT_NE(base, counter_uniform(1, 2, 4, 4));
  EXPECT_NE(base, counter_uniform(1, 2, 3, 5));
}

TEST(RandomFactors, AnyRowBlockIsTheSameSliceOfTheWhole) {
  const Factors whole = random_factors(42, {0, 50}, 20, 4, 2.0);
  const Factors part = random_factors(42, {17, 33}, 20, 4, 2.0);
  EXPECT_TRUE(part.W == whole.W.middleRows(17, 16));
  EXPECT_TRUE(part.H == whole.H);
  EXPECT_FALSE(random_factors(43, {0, 50}, 20, 4, 2.0).H == whole.H);
}

TEST(RandomFactors, ScaledLikeScikitLearn) {
  // |N(0,1)| · √(mean / k) has mean √(2/π) · √(mean / k).
  const double mean_of_v = 3.0;
  const Index k = 5;
  const Factors factors = random_factors(7, {0, 4000}, 3000, k, mean_of_v);
  EXPECT_GE(factors.W.minCoeff(), 0.0);
  EXPECT_GE(factors.H.minCoeff(), 0.0);
  const double expected = std::sqrt(2.0 / std::numbers::pi) * std::sqrt(mean_of_v / k);
  EXPECT_NEAR(factors.W.mean(), expected, 0.01 * expected);
  EXPECT_NEAR(factors.H.mean(), expected, 0.01 * expected);
}

}  // namespace
}  // namespace mpinmf
