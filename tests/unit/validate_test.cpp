#include "io/validate.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "engine/factorization.hpp"

namespace mpinmf {
namespace {

TEST(FirstInvalidEntry, AcceptsNonNegativeFiniteData) {
  RowMatrix block = RowMatrix::Constant(3, 4, 0.5);
  block(1, 1) = 0.0;
  EXPECT_FALSE(io::first_invalid_entry(block, 10, 4, "f.h5:/V").has_value());
}

TEST(FirstInvalidEntry, NamesTheFirstBadEntryInRowMajorOrderWithGlobalRow) {
  RowMatrix block = RowMatrix::Constant(3, 4, 1.0);
  block(2, 0) = -1.0;
  block(1, 3) = std::numeric_limits<double>::quiet_NaN();
  const auto failure = io::first_invalid_entry(block, 10, 4, "f.h5:/V");
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->order, 11 * 4 + 3);
  EXPECT_NE(failure->message.find("f.h5:/V: entry at row 11, column 3"), std::string::npos)
      << failure->message;
  EXPECT_NE(failure->message.find("nan"), std::string::npos) << failure->message;
}

TEST(FirstInvalidEntry, RefusesInfinity) {
  RowMatrix block = RowMatrix::Constant(1, 2, 1.0);
  block(0, 1) = std::numeric_limits<double>::infinity();
  const auto failure = io::first_invalid_entry(block, 0, 2, "x");
  ASSERT_TRUE(failure.has_value());
  EXPECT_NE(failure->message.find("inf"), std::string::npos);
}

TEST(MagnitudeRefusal, NamesTheRangeOutsideIt) {
  for (const double largest : {1e-300, 1e-200, 1e-101, 1e101, 1e200, 1e300}) {
    const auto refusal = magnitude_refusal(largest);
    ASSERT_TRUE(refusal.has_value()) << largest;
    EXPECT_NE(refusal->find("outside 1e-100 to 1e+100"), std::string::npos) << *refusal;
  }
  for (const double largest : {0.0, 1e-100, 1e-50, 1.0, 1e50, 1e100}) {
    EXPECT_FALSE(magnitude_refusal(largest).has_value()) << largest;
  }
}

}  // namespace
}  // namespace mpinmf
