#include "io/memory_rows.hpp"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "io/sparse_reader.hpp"
#include "io/sparse_structure.hpp"
#include "io/validate.hpp"
#include "mpinmf/error.hpp"

namespace mpinmf::io {
namespace {

/// The plan of a matrix whose ranks hold `local_rows` rows of `columns` columns each: the
/// global shape and this rank's rows, agreed. Throws an agreed error when the ranks' column
/// counts differ or a count is negative.
MemoryInput agreed_layout(Communicator& comm, Index local_rows, Index columns,
                          const std::string& name, InputFormat format) {
  const std::vector<std::int64_t> rows = comm.allgather(local_rows);
  const std::vector<std::int64_t> widths = comm.allgather(columns);
  comm.run_agreed([&] {
    if (local_rows < 0 || columns < 0) {
      throw Error(name + ": a block of " + std::to_string(local_rows) + " × " +
                  std::to_string(columns) + " has a negative extent");
    }
    const auto other = std::find_if(widths.begin(), widths.end(),
                                    [&](std::int64_t width) { return width != widths.front(); });
    if (other != widths.end()) {
      throw Error(name + ": rank " + std::to_string(other - widths.begin()) + "'s rows have " +
                  std::to_string(*other) + " columns but rank 0's have " +
                  std::to_string(widths.front()) + "; every rank's block needs V's columns");
    }
  });
  MemoryInput input;
  const auto own = static_cast<std::size_t>(comm.rank());
  const Index first = std::accumulate(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(own),
                                      std::int64_t{0});
  input.local.rows = {first, first + local_rows};
  input.plan.format = format;
  input.plan.source = name;
  input.plan.description = format == InputFormat::dense ? "dense, in memory" : "CSR, in memory";
  input.plan.rows = std::accumulate(rows.begin(), rows.end(), std::int64_t{0});
  input.plan.columns = columns;
  return input;
}

template <typename Scalar, typename Source, int Order>
RowsOf<Scalar> copied(const DenseRows& rows) {
  using Stored = Eigen::Matrix<Source, Eigen::Dynamic, Eigen::Dynamic, Order>;
  const Eigen::Map<const Stored> view(static_cast<const Source*>(rows.data), rows.rows,
                                      rows.columns);
  return view.template cast<Scalar>();
}

template <typename Scalar>
RowsOf<Scalar> copied(const DenseRows& rows) {
  const bool single = rows.type == ElementType::float32;
  if (rows.column_major) {
    return single ? copied<Scalar, float, Eigen::ColMajor>(rows)
                  : copied<Scalar, double, Eigen::ColMajor>(rows);
  }
  return single ? copied<Scalar, float, Eigen::RowMajor>(rows)
                : copied<Scalar, double, Eigen::RowMajor>(rows);
}

/// `count` entries of an int32 or int64 array as int64, less `offset`.
std::vector<std::int64_t> as_int64(const void* data, bool int64, std::size_t count,
                                   std::int64_t offset = 0) {
  std::vector<std::int64_t> values(count);
  if (int64) {
    const auto* source = static_cast<const std::int64_t*>(data);
    std::transform(source, source + count, values.begin(),
                   [offset](std::int64_t value) { return value - offset; });
  } else {
    const auto* source = static_cast<const std::int32_t*>(data);
    std::transform(source, source + count, values.begin(),
                   [offset](std::int32_t value) { return value - offset; });
  }
  return values;
}

/// This rank's CSR arrays in the readers' form: int64 pointers from 0, double values.
CompressedMatrix compressed_copy(const CsrRows& rows) {
  CompressedMatrix matrix;
  matrix.major_extent = rows.rows;
  matrix.minor_extent = rows.columns;
  const auto pointers = static_cast<std::size_t>(rows.rows) + 1;
  const std::int64_t offset = rows.int64_indices ? *static_cast<const std::int64_t*>(rows.indptr)
                                                 : *static_cast<const std::int32_t*>(rows.indptr);
  matrix.indptr = as_int64(rows.indptr, rows.int64_indices, pointers, offset);
  const std::int64_t entries = matrix.indptr.back();
  if (offset < 0 || entries < 0 || offset + entries > rows.entries) {
    throw Error(rows.name + ": indptr runs from " + std::to_string(offset) + " to " +
                std::to_string(offset + entries) + " but indices and data hold " +
                std::to_string(rows.entries) + " entries");
  }
  const auto count = static_cast<std::size_t>(entries);
  if (rows.int64_indices) {
    matrix.indices = as_int64(static_cast<const std::int64_t*>(rows.indices) + offset, true, count);
  } else {
    matrix.indices =
        as_int64(static_cast<const std::int32_t*>(rows.indices) + offset, false, count);
  }
  matrix.values.resize(count);
  if (rows.value_type == ElementType::float32) {
    const auto* source = static_cast<const float*>(rows.values) + offset;
    std::copy(source, source + count, matrix.values.begin());
  } else {
    const auto* source = static_cast<const double*>(rows.values) + offset;
    std::copy(source, source + count, matrix.values.begin());
  }
  return matrix;
}

}  // namespace

MemoryInput copy_dense_rows(Communicator& comm, const DenseRows& rows, Precision precision) {
  MemoryInput input = agreed_layout(comm, rows.rows, rows.columns, rows.name, InputFormat::dense);
  input.plan.request.precision = precision;
  input.plan.stored_entries = input.plan.rows * input.plan.columns;
  if (precision == Precision::single_precision) {
    input.local.V = copied<float>(rows);
  } else {
    input.local.V = copied<double>(rows);
  }
  return input;
}

MemoryInput copy_csr_rows(Communicator& comm, const CsrRows& rows, Precision precision) {
  MemoryInput input = agreed_layout(comm, rows.rows, rows.columns, rows.name, InputFormat::csr);
  input.plan.request.precision = precision;
  CompressedMatrix matrix;
  comm.run_agreed([&] {
    matrix = compressed_copy(rows);
    CompressedSlice slice = matrix.view();
    slice.major_extent = input.plan.rows;
    slice.first_major = input.local.rows.begin;
    if (!validate_compressed(slice, rows.name)) {
      canonicalize(matrix, input.local.rows.begin, rows.name);
    }
  });
  input.plan.stored_entries = comm.sum_counts(matrix.entries());
  if (precision == Precision::single_precision) {
    comm.agree(first_entry_beyond_single(matrix, input.local.rows.begin, rows.name));
    input.local.V = as_eigen<float>(std::move(matrix));
  } else {
    input.local.V = as_eigen<double>(std::move(matrix));
  }
  return input;
}

}  // namespace mpinmf::io
