#include "mpinmf/local_products.hpp"

#include <omp.h>

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <span>
#include <vector>

#include "mpinmf/partition.hpp"
#include "mpinmf/vector_clones.hpp"

namespace mpinmf {

namespace {

/// A CSR block's arrays, as the kernels read them.
struct CsrArrays {
  const std::int64_t* row_pointer;
  const std::int64_t* columns;
  const double* values;
  std::int64_t nonzeros;
};

CsrArrays arrays_of(const SparseRowMatrix& V) {
  return {V.outerIndexPtr(), V.innerIndexPtr(), V.valuePtr(), V.nonZeros()};
}

// Each nonzero reads (V Hᵀ) or updates (Wᵀ V) one k-long column of a factor-sized array at
// a random place: an L1 miss whose address is known from the column index long before it is
// needed. Fetching the column of the nonzero this many places ahead hides that latency
// (measured 1.5× on V Hᵀ and 1.2× on Wᵀ V at k = 20; 4 to 16 all do about as well).
constexpr std::int64_t kPrefetchDistance = 8;
constexpr std::size_t kCacheLine = 64;

template <int ForWrite>
inline void prefetch_column(const double* column, Index k) {
  const auto* bytes = reinterpret_cast<const char*>(column);
  for (std::size_t offset = 0; offset < static_cast<std::size_t>(k) * sizeof(double);
       offset += kCacheLine) {
    __builtin_prefetch(bytes + offset, ForWrite);
  }
}

/// Rows [first, last) of V Hᵀ, into row-major `out`.
MPINMF_VECTOR_CLONES void rows_times_h_transposed(const CsrArrays& V, Index first, Index last,
                                                  const double* H, Index k, double* out) {
  const std::int64_t prefetch_end = V.row_pointer[last];
  for (Index i = first; i < last; ++i) {
    double* out_row = out + i * k;
    std::fill(out_row, out_row + k, 0.0);
    for (std::int64_t p = V.row_pointer[i]; p < V.row_pointer[i + 1]; ++p) {
      if (p + kPrefetchDistance < prefetch_end) {
        prefetch_column<0>(H + V.columns[p + kPrefetchDistance] * k, k);
      }
      const double value = V.values[p];
      const double* h_column = H + V.columns[p] * k;
#pragma omp simd
      for (Index c = 0; c < k; ++c) {
        out_row[c] += value * h_column[c];
      }
    }
  }
}

/// Columns [first, last) of Wᵀ V, added into column-major `out`.
MPINMF_VECTOR_CLONES void add_w_transposed_times_columns(const CsrArrays& V, Index rows,
                                                         const double* W, Index k, Index first,
                                                         Index last, double* out) {
  for (Index i = 0; i < rows; ++i) {
    // A canonical CSR row has sorted columns: this range's are one run of them.
    const std::int64_t* row_begin = V.columns + V.row_pointer[i];
    const std::int64_t* row_end = V.columns + V.row_pointer[i + 1];
    const std::int64_t* begin = std::lower_bound(row_begin, row_end, first);
    const std::int64_t* end = std::lower_bound(begin, row_end, last);
    const double* w_row = W + i * k;
    for (std::int64_t p = begin - V.columns; p < end - V.columns; ++p) {
      // Only columns of this range: prefetching another thread's for writing would steal
      // its cache lines.
      if (p + kPrefetchDistance < V.nonzeros) {
        const std::int64_t ahead = V.columns[p + kPrefetchDistance];
        if (ahead >= first && ahead < last) {
          prefetch_column<1>(out + ahead * k, k);
        }
      }
      const double value = V.values[p];
      double* out_column = out + V.columns[p] * k;
#pragma omp simd
      for (Index c = 0; c < k; ++c) {
        out_column[c] += value * w_row[c];
      }
    }
  }
}

}  // namespace

void times_h_transposed(const RowMatrix& V, const Matrix& H, RowMatrix& out) {
  out.noalias() = V * H.transpose();
}

void times_h_transposed(const SparseRowMatrix& V, const Matrix& H, RowMatrix& out) {
  out.resize(V.rows(), H.rows());
  const CsrArrays arrays = arrays_of(V);
  // Chunks of rows handed out as threads come free: row lengths vary, rows per thread not.
  constexpr Index kRowsPerChunk = 1024;
  const Index chunks = (V.rows() + kRowsPerChunk - 1) / kRowsPerChunk;
#pragma omp parallel for schedule(dynamic, 1)
  for (Index chunk = 0; chunk < chunks; ++chunk) {
    const Index first = chunk * kRowsPerChunk;
    const Index last = std::min(V.rows(), first + kRowsPerChunk);
    rows_times_h_transposed(arrays, first, last, H.data(), H.rows(), out.data());
  }
}

ColumnSplit column_split(const RowMatrix& /*V*/) { return {}; }

ColumnSplit column_split(const SparseRowMatrix& V) {
  const int threads = omp_get_max_threads();
  if (threads < 2) {
    return {0, V.cols()};
  }
  std::vector<std::int64_t> column_pointer(static_cast<std::size_t>(V.cols()) + 1, 0);
  const std::span<const std::int64_t> columns(V.innerIndexPtr(),
                                              static_cast<std::size_t>(V.nonZeros()));
  for (const std::int64_t column : columns) {
    ++column_pointer[static_cast<std::size_t>(column) + 1];
  }
  std::partial_sum(column_pointer.begin(), column_pointer.end(), column_pointer.begin());
  return nnz_balanced_boundaries(column_pointer, threads);
}

void w_transposed_times(const RowMatrix& W, const RowMatrix& V, Matrix& out,
                        const ColumnSplit& /*split*/) {
  out.noalias() = W.transpose() * V;
}

void w_transposed_times(const RowMatrix& W, const SparseRowMatrix& V, Matrix& out,
                        const ColumnSplit& split) {
  out.setZero(W.cols(), V.cols());
  const CsrArrays arrays = arrays_of(V);
  const std::vector<Index>& ranges = split;
  const auto parts = static_cast<int>(ranges.size()) - 1;
#pragma omp parallel for schedule(static, 1)
  for (int part = 0; part < parts; ++part) {
    add_w_transposed_times_columns(arrays, V.rows(), W.data(), W.cols(),
                                   ranges[static_cast<std::size_t>(part)],
                                   ranges[static_cast<std::size_t>(part) + 1], out.data());
  }
}

}  // namespace mpinmf
