// libFuzzer target: arbitrary bytes as the sizes and arrays of one slice of a CSR or CSC
// matrix. The checks must throw mpinmf::Error or accept it; what they accept must survive
// canonicalization (sorted, duplicates summed) and nonzero-balanced partitioning.

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/partition.hpp"
#include "io/sparse_structure.hpp"
#include "mpinmf/error.hpp"

namespace {

using namespace mpinmf::io;

void require(bool condition) {
  if (!condition) {
    std::abort();
  }
}

/// Mostly a small number, so that arrays and sizes can agree; sometimes any 64-bit value, so
/// that the overflow and range checks are reached.
std::int64_t size_like(FuzzedDataProvider& bytes) {
  if (bytes.ConsumeIntegralInRange(0, 7) == 0) {
    return bytes.ConsumeIntegral<std::int64_t>();
  }
  return bytes.ConsumeIntegralInRange<std::int64_t>(-2, 40);
}

/// Mostly a valid value, sometimes any double (negative, NaN, infinity, huge).
double value_like(FuzzedDataProvider& bytes) {
  if (bytes.ConsumeIntegralInRange(0, 7) == 0) {
    return bytes.ConsumeFloatingPoint<double>();
  }
  return bytes.ConsumeIntegralInRange(0, 9) * 0.5;
}

/// The canonical form of an accepted slice, rebased to start at its own first major.
void check_canonical_form(const CompressedSlice& slice) {
  CompressedMatrix local{.compression = slice.compression,
                         .major_extent = static_cast<std::int64_t>(slice.indptr.size()) - 1,
                         .minor_extent = slice.minor_extent,
                         .indptr = {},
                         .indices = {slice.indices.begin(), slice.indices.end()},
                         .values = {slice.values.begin(), slice.values.end()}};
  for (const std::int64_t pointer : slice.indptr) {
    local.indptr.push_back(pointer - slice.indptr.front());
  }
  const std::int64_t entries = local.entries();
  const std::int64_t merged = canonicalize(local, slice.first_major, "fuzz");
  require(local.entries() + merged == entries);
  require(validate_compressed(local.view(), "fuzz"));
}

void check_partition(std::span<const std::int64_t> indptr, int parts) {
  const std::vector<mpinmf::Index> boundaries = mpinmf::nnz_balanced_boundaries(indptr, parts);
  require(boundaries.size() == static_cast<std::size_t>(parts) + 1);
  require(boundaries.front() == 0);
  require(boundaries.back() == static_cast<mpinmf::Index>(indptr.size()) - 1);
  require(std::ranges::is_sorted(boundaries));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider bytes(data, size);
  const Compression compression = bytes.ConsumeBool() ? Compression::csr : Compression::csc;
  const std::int64_t major_extent = size_like(bytes);
  const std::int64_t minor_extent = size_like(bytes);
  const std::int64_t total_entries = size_like(bytes);
  const std::int64_t first_major = size_like(bytes);
  const int parts = bytes.ConsumeIntegralInRange(1, 9);

  std::vector<std::int64_t> indptr(bytes.ConsumeIntegralInRange<std::size_t>(0, 42));
  std::ranges::generate(indptr, [&] { return size_like(bytes); });
  std::vector<std::int64_t> indices(bytes.ConsumeIntegralInRange<std::size_t>(0, 42));
  std::ranges::generate(indices, [&] { return size_like(bytes); });
  std::vector<double> values(
      bytes.ConsumeBool() ? indices.size() : bytes.ConsumeIntegralInRange<std::size_t>(0, 42));
  std::ranges::generate(values, [&] { return value_like(bytes); });

  try {
    validate_compressed_shape(compression, major_extent, minor_extent,
                              static_cast<std::int64_t>(indptr.size()),
                              static_cast<std::int64_t>(indices.size()),
                              static_cast<std::int64_t>(values.size()), "fuzz");
  } catch (const mpinmf::Error&) {
    // Expected for most inputs; the slice checks below run regardless.
  }
  const CompressedSlice slice{.compression = compression,
                              .major_extent = major_extent,
                              .minor_extent = minor_extent,
                              .total_entries = total_entries,
                              .first_major = first_major,
                              .indptr = indptr,
                              .indices = indices,
                              .values = values};
  try {
    validate_compressed(slice, "fuzz");
    check_canonical_form(slice);
    check_partition(slice.indptr, parts);
  } catch (const mpinmf::Error&) {
    // Refusing bad input with a message is the expected outcome.
  }
  return 0;
}
