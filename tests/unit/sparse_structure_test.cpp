#include "io/sparse_structure.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "mpinmf/error.hpp"

namespace mpinmf::io {
namespace {

/// The message of the Error `action` throws.
std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& error) {
    return error.what();
  }
  ADD_FAILURE() << "no error";
  return {};
}

#define EXPECT_ERROR(action, expected)                               \
  do {                                                               \
    const std::string message = error_of([&] { action; });           \
    EXPECT_NE(message.find(expected), std::string::npos) << message; \
  } while (false)

/// A 3 × 4 CSR matrix:  [1 0 2 0; 0 0 0 0; 0 3 0 4].
struct Csr {
  std::vector<std::int64_t> indptr{0, 2, 2, 4};
  std::vector<std::int64_t> indices{0, 2, 1, 3};
  std::vector<double> values{1, 2, 3, 4};
  Compression compression = Compression::csr;

  [[nodiscard]] CompressedSlice whole() const {
    return {.compression = compression,
            .major_extent = static_cast<std::int64_t>(indptr.size()) - 1,
            .minor_extent = 4,
            .total_entries = static_cast<std::int64_t>(indices.size()),
            .first_major = 0,
            .indptr = indptr,
            .indices = indices,
            .values = values};
  }
};

const std::string kSource = "data.h5:/X";

TEST(CompressedShape, AcceptsConsistentSizes) {
  EXPECT_NO_THROW(validate_compressed_shape(Compression::csr, 3, 4, 4, 4, 4, kSource));
}

TEST(CompressedShape, NamesTheInconsistency) {
  EXPECT_ERROR(validate_compressed_shape(Compression::csr, 3, 4, 3, 4, 4, kSource),
               "data.h5:/X: indptr has 3 entries; a matrix with 3 rows needs 4");
  EXPECT_ERROR(validate_compressed_shape(Compression::csc, 3, 4, 3, 4, 4, kSource),
               "a matrix with 3 columns needs 4");
  EXPECT_ERROR(validate_compressed_shape(Compression::csr, 3, 4, 4, 4, 5, kSource),
               "data.h5:/X: indices has 4 entries but data has 5");
  EXPECT_ERROR(validate_compressed_shape(Compression::csr, -1, 4, 0, 0, 0, kSource),
               "shape -1 × 4 has a negative extent");
  EXPECT_ERROR(validate_compressed_shape(Compression::csr, std::int64_t{1} << 32,
                                         std::int64_t{1} << 31, 1, 0, 0, kSource),
               "shape 4294967296 × 2147483648 is too large");
}

TEST(CompressedStructure, AcceptsACanonicalMatrix) {
  const Csr csr;
  EXPECT_TRUE(validate_compressed(csr.whole(), kSource));
}

TEST(CompressedStructure, AcceptsUnsortedIndicesAndDuplicatesAsNotCanonical) {
  Csr unsorted;
  unsorted.indices = {2, 0, 1, 3};
  EXPECT_FALSE(validate_compressed(unsorted.whole(), kSource));
  Csr repeated;
  repeated.indices = {0, 0, 1, 3};
  EXPECT_FALSE(validate_compressed(repeated.whole(), kSource));
}

TEST(CompressedStructure, NamesBadPointers) {
  Csr csr;
  csr.indptr = {1, 2, 2, 4};
  EXPECT_ERROR(validate_compressed(csr.whole(), kSource),
               "data.h5:/X: indptr[0] is 1; it must be 0");
  csr.indptr = {0, 3, 2, 4};
  EXPECT_ERROR(validate_compressed(csr.whole(), kSource),
               "indptr[2] = 2 is less than indptr[1] = 3; indptr must not decrease");
  csr.indptr = {0, 2, 9, 4};
  EXPECT_ERROR(validate_compressed(csr.whole(), kSource),
               "indptr[2] = 9 is outside [0, 4] (indices and data have 4 entries)");
  csr.indptr = {0, 2, 2, 3};
  EXPECT_ERROR(validate_compressed(csr.whole(), kSource),
               "indptr[3] = 3 but indices and data have 4 entries; they must be equal");
  CompressedSlice no_pointers = Csr{}.whole();
  no_pointers.indptr = {};
  EXPECT_ERROR(validate_compressed(no_pointers, kSource), "indptr is empty");
}

TEST(CompressedStructure, NamesAnIndexOutsideTheMatrixWithItsBound) {
  Csr csr;
  csr.indices = {0, 2, 1, 4};
  EXPECT_ERROR(validate_compressed(csr.whole(), kSource),
               "data.h5:/X: row 2 has column index 4 (indices[3]), outside [0, 4)");
  csr.indices = {-1, 2, 1, 3};
  EXPECT_ERROR(validate_compressed(csr.whole(), kSource), "row 0 has column index -1");
  csr.indices = {0, 2, 1, 4};
  csr.compression = Compression::csc;
  EXPECT_ERROR(validate_compressed(csr.whole(), kSource), "column 2 has row index 4");
}

TEST(CompressedStructure, NamesABadValueWithItsRowAndColumn) {
  Csr csr;
  csr.values = {1, 2, 3, -0.5};
  EXPECT_ERROR(validate_compressed(csr.whole(), kSource),
               "data.h5:/X: entry at row 2, column 3 (0-based) is -0.5; NMF needs every entry of V "
               "to be finite and >= 0");
  csr.compression = Compression::csc;  // the same arrays as CSC: column 2, row 3
  EXPECT_ERROR(validate_compressed(csr.whole(), kSource), "entry at row 3, column 2 (0-based)");
  csr.values = {std::numeric_limits<double>::quiet_NaN(), 2, 3, 4};
  EXPECT_ERROR(validate_compressed(csr.whole(), kSource), "is nan");
  csr.values = {1, std::numeric_limits<double>::infinity(), 3, 4};
  EXPECT_ERROR(validate_compressed(csr.whole(), kSource), "is inf");
}

TEST(CompressedStructure, NamesArraysThatDoNotMatchThePointers) {
  Csr csr;
  csr.values.pop_back();
  EXPECT_ERROR(validate_compressed(csr.whole(), kSource),
               "indptr[0 .. 3] spans 4 entries but 4 indices and 3 values were given");
}

TEST(CompressedStructure, ValidatesOneRanksSliceWithGlobalPositions) {
  // Rows [1, 3) of the 3 × 4 matrix: indptr[1..3] and entries [2, 4).
  const Csr csr;
  CompressedSlice slice = csr.whole();
  slice.first_major = 1;
  slice.indptr = std::span(csr.indptr).subspan(1);
  slice.indices = std::span(csr.indices).subspan(2);
  slice.values = std::span(csr.values).subspan(2);
  EXPECT_TRUE(validate_compressed(slice, kSource));

  std::vector<double> values{3, -1};
  slice.values = values;
  EXPECT_ERROR(validate_compressed(slice, kSource), "entry at row 2, column 3 (0-based) is -1");

  // A slice that does not start the matrix may start anywhere in the arrays ...
  const std::vector<std::int64_t> middle{2, 3};
  slice.first_major = 1;
  slice.indptr = middle;
  slice.indices = std::span(csr.indices).subspan(2, 1);
  slice.values = std::span(csr.values).subspan(2, 1);
  EXPECT_TRUE(validate_compressed(slice, kSource));
  // ... but not outside the matrix.
  slice.first_major = 3;
  EXPECT_ERROR(validate_compressed(slice, kSource),
               "an indptr slice of 1 rows from row 3 lies outside the matrix's 3 rows");
}

TEST(Canonicalize, SortsIndicesAndSumsDuplicatesInFileOrder) {
  CompressedMatrix matrix{.compression = Compression::csr,
                          .major_extent = 3,
                          .minor_extent = 4,
                          .indptr = {0, 4, 4, 6},
                          .indices = {3, 0, 3, 1, 2, 2},
                          .values = {1, 2, 3, 4, 5, 6}};
  EXPECT_FALSE(validate_compressed(matrix.view(), kSource));
  EXPECT_EQ(canonicalize(matrix, 0, kSource), 2);
  EXPECT_EQ(matrix.indptr, (std::vector<std::int64_t>{0, 3, 3, 4}));
  EXPECT_EQ(matrix.indices, (std::vector<std::int64_t>{0, 1, 3, 2}));
  EXPECT_EQ(matrix.values, (std::vector<double>{2, 4, 4, 11}));
  EXPECT_TRUE(validate_compressed(matrix.view(), kSource));
}

TEST(Canonicalize, RefusesDuplicatesThatSumToInfinity) {
  const double big = std::numeric_limits<double>::max();
  CompressedMatrix matrix{.compression = Compression::csr,
                          .major_extent = 1,
                          .minor_extent = 2,
                          .indptr = {0, 2},
                          .indices = {1, 1},
                          .values = {big, big}};
  EXPECT_ERROR(canonicalize(matrix, 7, kSource),
               "data.h5:/X: repeated entries at row 7, column 1 (0-based) sum to infinity");
}

TEST(TripletsToCsr, SortsByRowAndColumnAndSumsDuplicates) {
  const std::vector<Triplet> triplets = {{2, 3, 1}, {0, 1, 2}, {2, 0, 3}, {0, 1, 4}, {2, 3, 5}};
  const CompressedMatrix csr = triplets_to_csr(4, 4, triplets, "m.mtx");
  EXPECT_EQ(csr.major_extent, 4);
  EXPECT_EQ(csr.indptr, (std::vector<std::int64_t>{0, 1, 1, 3, 3}));
  EXPECT_EQ(csr.indices, (std::vector<std::int64_t>{1, 0, 3}));
  EXPECT_EQ(csr.values, (std::vector<double>{6, 3, 6}));
}

TEST(TripletsToCsr, RefusesEntriesOutsideTheMatrixAndBadValues) {
  const std::vector<Triplet> outside = {{0, 4, 1}};
  EXPECT_ERROR(triplets_to_csr(4, 4, outside, "m.mtx"),
               "m.mtx: entry (0, 4) (0-based) lies outside the 4 × 4 matrix");
  const std::vector<Triplet> negative = {{1, 2, -3}};
  EXPECT_ERROR(triplets_to_csr(4, 4, negative, "m.mtx"),
               "entry at row 1, column 2 (0-based) is -3");
}

TEST(InvalidValueKind, NamesWhatIsWrong) {
  EXPECT_EQ(invalid_value_kind(0.0), "");
  EXPECT_EQ(invalid_value_kind(-0.0), "");
  EXPECT_EQ(invalid_value_kind(-1e-300), "negative");
  EXPECT_EQ(invalid_value_kind(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(invalid_value_kind(-std::numeric_limits<double>::infinity()), "infinite");
}

}  // namespace
}  // namespace mpinmf::io
