#include "io/sparse_structure.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>
#include <utility>

#include "mpinmf/error.hpp"

namespace mpinmf::io {
namespace {

std::string_view major_name(Compression compression) {
  return compression == Compression::csr ? "row" : "column";
}

std::string_view minor_name(Compression compression) {
  return compression == Compression::csr ? "column" : "row";
}

/// Builds "source: what" from the pieces streamed into it, values at full precision.
class Message {
 public:
  explicit Message(const std::string& source) {
    text_.precision(17);
    text_ << source << ": ";
  }
  template <typename T>
  Message& operator<<(const T& piece) {
    text_ << piece;
    return *this;
  }
  [[noreturn]] void raise() const { throw Error(text_.str()); }

 private:
  std::ostringstream text_;
};

/// "row R, column C" for the entry at (major, minor), whatever the compression.
std::string entry_position(Compression compression, std::int64_t major, std::int64_t minor) {
  const bool csr = compression == Compression::csr;
  return "row " + std::to_string(csr ? major : minor) + ", column " +
         std::to_string(csr ? minor : major);
}

/// Worded as the dense reader words it, so that users see one message for one fault.
[[noreturn]] void raise_invalid_entry(Compression compression, std::int64_t major,
                                      std::int64_t minor, double value, const std::string& source) {
  (Message(source) << "entry at " << entry_position(compression, major, minor) << " (0-based) is "
                   << value << "; NMF needs every entry of V to be finite and >= 0")
      .raise();
}

void validate_extents(Compression compression, std::int64_t major_extent, std::int64_t minor_extent,
                      const std::string& source) {
  const bool csr = compression == Compression::csr;
  const std::int64_t rows = csr ? major_extent : minor_extent;
  const std::int64_t columns = csr ? minor_extent : major_extent;
  if (rows < 0 || columns < 0) {
    (Message(source) << "shape " << rows << " × " << columns << " has a negative extent").raise();
  }
  std::int64_t cells = 0;
  if (__builtin_mul_overflow(rows, columns, &cells)) {
    (Message(source) << "shape " << rows << " × " << columns
                     << " is too large: its number of entries overflows a 64-bit integer")
        .raise();
  }
}

/// The indices of one major, in order, are strictly increasing (so sorted and unique).
bool strictly_increasing(std::span<const std::int64_t> indices) {
  return std::ranges::adjacent_find(indices, std::ranges::greater_equal{}) == indices.end();
}

}  // namespace

std::string_view invalid_value_kind(double value) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return "infinite";
  }
  if (value < 0.0) {
    return "negative";
  }
  return {};
}

void validate_compressed_shape(Compression compression, std::int64_t major_extent,
                               std::int64_t minor_extent, std::int64_t indptr_length,
                               std::int64_t indices_length, std::int64_t data_length,
                               const std::string& source) {
  validate_extents(compression, major_extent, minor_extent, source);
  // major_extent + 1 in unsigned arithmetic: major_extent >= 0 here, and may be INT64_MAX.
  const std::uint64_t needed = static_cast<std::uint64_t>(major_extent) + 1;
  if (indptr_length < 0 || static_cast<std::uint64_t>(indptr_length) != needed) {
    (Message(source) << "indptr has " << indptr_length << " entries; a matrix with " << major_extent
                     << " " << major_name(compression) << "s needs " << needed)
        .raise();
  }
  if (indices_length != data_length) {
    (Message(source) << "indices has " << indices_length << " entries but data has " << data_length
                     << "; they must be equal")
        .raise();
  }
}

void validate_compressed_pointers(const CompressedSlice& slice, const std::string& source) {
  validate_extents(slice.compression, slice.major_extent, slice.minor_extent, source);
  const std::int64_t total = slice.total_entries;
  if (total < 0) {
    (Message(source) << "negative number of entries " << total).raise();
  }
  if (slice.indptr.empty()) {
    (Message(source) << "indptr is empty; it needs one more entry than the "
                     << major_name(slice.compression) << "s it covers")
        .raise();
  }
  const auto count = static_cast<std::int64_t>(slice.indptr.size()) - 1;
  const std::int64_t first = slice.first_major;
  if (first < 0 || first > slice.major_extent || count > slice.major_extent - first) {
    (Message(source) << "an indptr slice of " << count << " " << major_name(slice.compression)
                     << "s from " << major_name(slice.compression) << " " << first
                     << " lies outside the matrix's " << slice.major_extent << " "
                     << major_name(slice.compression) << "s")
        .raise();
  }
  if (first == 0 && slice.indptr.front() != 0) {
    (Message(source) << "indptr[0] is " << slice.indptr.front() << "; it must be 0").raise();
  }
  for (std::int64_t i = 0; i <= count; ++i) {
    const std::int64_t pointer = slice.indptr[i];
    if (pointer < 0 || pointer > total) {
      (Message(source) << "indptr[" << first + i << "] = " << pointer << " is outside [0, " << total
                       << "] (indices and data have " << total << " entries)")
          .raise();
    }
    if (i > 0 && pointer < slice.indptr[i - 1]) {
      (Message(source) << "indptr[" << first + i << "] = " << pointer << " is less than indptr["
                       << first + i - 1 << "] = " << slice.indptr[i - 1]
                       << "; indptr must not decrease")
          .raise();
    }
  }
  if (first + count == slice.major_extent && slice.indptr.back() != total) {
    (Message(source) << "indptr[" << slice.major_extent << "] = " << slice.indptr.back()
                     << " but indices and data have " << total << " entries; they must be equal")
        .raise();
  }
}

bool validate_compressed(const CompressedSlice& slice, const std::string& source) {
  validate_compressed_pointers(slice, source);
  const std::int64_t offset = slice.indptr.front();
  const std::int64_t expected = slice.indptr.back() - offset;
  if (std::cmp_not_equal(slice.indices.size(), expected) ||
      std::cmp_not_equal(slice.values.size(), expected)) {
    (Message(source) << "indptr[" << slice.first_major << " .. "
                     << slice.first_major + static_cast<std::int64_t>(slice.indptr.size()) - 1
                     << "] spans " << expected << " entries but " << slice.indices.size()
                     << " indices and " << slice.values.size() << " values were given")
        .raise();
  }
  bool canonical = true;
  for (std::size_t i = 0; i + 1 < slice.indptr.size(); ++i) {
    const std::int64_t major = slice.first_major + static_cast<std::int64_t>(i);
    const std::int64_t begin = slice.indptr[i] - offset;
    const std::int64_t end = slice.indptr[i + 1] - offset;
    for (std::int64_t k = begin; k < end; ++k) {
      const std::int64_t index = slice.indices[k];
      if (index < 0 || index >= slice.minor_extent) {
        (Message(source) << major_name(slice.compression) << " " << major << " has "
                         << minor_name(slice.compression) << " index " << index << " (indices["
                         << offset + k << "]), outside [0, " << slice.minor_extent << ")")
            .raise();
      }
      if (!invalid_value_kind(slice.values[k]).empty()) {
        raise_invalid_entry(slice.compression, major, index, slice.values[k], source);
      }
    }
    canonical = canonical && strictly_increasing(slice.indices.subspan(begin, end - begin));
  }
  return canonical;
}

CompressedSlice CompressedMatrix::view() const {
  return {.compression = compression,
          .major_extent = major_extent,
          .minor_extent = minor_extent,
          .total_entries = entries(),
          .first_major = 0,
          .indptr = indptr,
          .indices = indices,
          .values = values};
}

std::int64_t canonicalize(CompressedMatrix& matrix, std::int64_t first_major,
                          const std::string& source) {
  std::vector<std::pair<std::int64_t, double>> unsorted;
  std::int64_t write = 0;
  std::int64_t merged = 0;
  for (std::int64_t major = 0; major < matrix.major_extent; ++major) {
    const std::int64_t begin = matrix.indptr[major];
    const std::int64_t end = matrix.indptr[major + 1];
    const std::int64_t major_start = write;
    matrix.indptr[major] = major_start;
    // Appends one entry to this major's compacted run, summing it into the previous one if
    // the index repeats. `write` never passes the entry being read, so this works in place.
    const auto append = [&](std::int64_t index, double value) {
      if (write > major_start && matrix.indices[write - 1] == index) {
        matrix.values[write - 1] += value;
        ++merged;
        if (std::isinf(matrix.values[write - 1])) {
          (Message(source) << "repeated entries at "
                           << entry_position(matrix.compression, first_major + major, index)
                           << " (0-based) sum to infinity; NMF needs every entry of V to be "
                              "finite")
              .raise();
        }
        return;
      }
      matrix.indices[write] = index;
      matrix.values[write] = value;
      ++write;
    };
    const auto indices = std::span(matrix.indices).subspan(begin, end - begin);
    if (std::ranges::is_sorted(indices)) {
      for (std::int64_t k = begin; k < end; ++k) {
        append(matrix.indices[k], matrix.values[k]);
      }
      continue;
    }
    unsorted.clear();
    for (std::int64_t k = begin; k < end; ++k) {
      unsorted.emplace_back(matrix.indices[k], matrix.values[k]);
    }
    // Stable, so that repeated entries are summed in file order, the same on every run.
    std::ranges::stable_sort(unsorted, {}, &std::pair<std::int64_t, double>::first);
    for (const auto& [index, value] : unsorted) {
      append(index, value);
    }
  }
  matrix.indptr[matrix.major_extent] = write;
  matrix.indices.resize(write);
  matrix.values.resize(write);
  return merged;
}

CompressedMatrix triplets_to_csr(std::int64_t rows, std::int64_t columns,
                                 std::span<const Triplet> triplets, const std::string& source) {
  validate_extents(Compression::csr, rows, columns, source);
  CompressedMatrix matrix{
      .compression = Compression::csr,
      .major_extent = rows,
      .minor_extent = columns,
      .indptr = std::vector<std::int64_t>(static_cast<std::size_t>(rows) + 1, 0),
      .indices = {},
      .values = {}};
  // A counting sort by row: count each row's entries, turn the counts into offsets, place.
  for (const Triplet& entry : triplets) {
    if (entry.row < 0 || entry.row >= rows || entry.column < 0 || entry.column >= columns) {
      (Message(source) << "entry (" << entry.row << ", " << entry.column
                       << ") (0-based) lies outside the " << rows << " × " << columns << " matrix")
          .raise();
    }
    if (!invalid_value_kind(entry.value).empty()) {
      raise_invalid_entry(Compression::csr, entry.row, entry.column, entry.value, source);
    }
    ++matrix.indptr[entry.row + 1];
  }
  std::partial_sum(matrix.indptr.begin(), matrix.indptr.end(), matrix.indptr.begin());
  matrix.indices.resize(triplets.size());
  matrix.values.resize(triplets.size());
  std::vector<std::int64_t> next(matrix.indptr.begin(), matrix.indptr.end() - 1);
  for (const Triplet& entry : triplets) {
    const std::int64_t position = next[entry.row]++;
    matrix.indices[position] = entry.column;
    matrix.values[position] = entry.value;
  }
  canonicalize(matrix, 0, source);
  return matrix;
}

}  // namespace mpinmf::io
