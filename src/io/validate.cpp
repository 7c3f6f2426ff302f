#include "io/validate.hpp"

#include <cmath>
#include <limits>
#include <sstream>

namespace mpinmf::io {

namespace {

constexpr const char* kSingleRange =
    " (single precision holds magnitudes up to 3.4e38: run with --precision double)";

LocalFailure entry_failure(const std::string& source, Index row, Index column, Index total_columns,
                           double value, const std::string& why) {
  std::ostringstream message;
  message.precision(17);
  message << source << ": entry at row " << row << ", column " << column << " (0-based) is "
          << value << why;
  return LocalFailure{message.str(), static_cast<std::int64_t>(row * total_columns + column)};
}

/// What the rule is about: the factors read from a start, a checkpoint or a model (their
/// sources end in /W or /H), or else V.
std::string checked_matrix(const std::string& source) {
  return source.ends_with(":/W") || source.ends_with(":/H") ? "the factors W and H" : "V";
}

}  // namespace

template <typename Block>
std::optional<LocalFailure> first_invalid_entry(const Block& block, Index first_row,
                                                Index total_columns, const std::string& source) {
  using Scalar = typename Block::Scalar;
  for (Index i = 0; i < block.rows(); ++i) {
    for (Index j = 0; j < block.cols(); ++j) {
      const Scalar value = block(i, j);
      if (value >= 0 && std::isfinite(value)) {
        continue;
      }
      // HDF5 turns a double beyond float's range into infinity when it narrows on reading.
      const bool narrowed_overflow = std::is_same_v<Scalar, float> && std::isinf(value);
      return entry_failure(source, first_row + i, j, total_columns, value,
                           "; NMF needs every entry of " + checked_matrix(source) +
                               " to be finite and >= 0" + (narrowed_overflow ? kSingleRange : ""));
    }
  }
  return std::nullopt;
}

template std::optional<LocalFailure> first_invalid_entry(const RowMatrix&, Index, Index,
                                                         const std::string&);
template std::optional<LocalFailure> first_invalid_entry(const RowMatrixF&, Index, Index,
                                                         const std::string&);

std::optional<LocalFailure> first_entry_beyond_single(const CompressedMatrix& rows, Index first_row,
                                                      const std::string& source) {
  constexpr double kLargest = std::numeric_limits<float>::max();
  for (Index i = 0; i < rows.major_extent; ++i) {
    for (auto entry = rows.indptr[static_cast<std::size_t>(i)];
         entry < rows.indptr[static_cast<std::size_t>(i) + 1]; ++entry) {
      const double value = rows.values[static_cast<std::size_t>(entry)];
      if (std::abs(value) > kLargest) {
        return entry_failure(source, first_row + i, rows.indices[static_cast<std::size_t>(entry)],
                             rows.minor_extent, value,
                             std::string(", too large for single precision") + kSingleRange);
      }
    }
  }
  return std::nullopt;
}

}  // namespace mpinmf::io
