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

/// A CSR block's arrays, as the kernels read them; values double or float.
template <typename Value>
struct CsrArrays {
  const std::int64_t* row_pointer;
  const std::int64_t* columns;
  const Value* values;
  std::int64_t nonzeros;
};

template <typename Value>
CsrArrays<Value> arrays_of(const Eigen::SparseMatrix<Value, Eigen::RowMajor, std::int64_t>& V) {
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
template <typename Value>
[[gnu::always_inline]] inline void rows_times_h_transposed(const CsrArrays<Value>& V, Index first,
                                                           Index last, const double* H, Index k,
                                                           double* out) {
  const std::int64_t prefetch_end = V.row_pointer[last];
  for (Index i = first; i < last; ++i) {
    double* out_row = out + i * k;
    std::fill(out_row, out_row + k, 0.0);
    for (std::int64_t p = V.row_pointer[i]; p < V.row_pointer[i + 1]; ++p) {
      if (p + kPrefetchDistance < prefetch_end) {
        prefetch_column<0>(H + V.columns[p + kPrefetchDistance] * k, k);
      }
      const auto value = static_cast<double>(V.values[p]);
      const double* h_column = H + V.columns[p] * k;
#pragma omp simd
      for (Index c = 0; c < k; ++c) {
        out_row[c] += value * h_column[c];
      }
    }
  }
}

/// Columns [first, last) of Wᵀ V, added into column-major `out`.
template <typename Value>
[[gnu::always_inline]] inline void add_w_transposed_times_columns(const CsrArrays<Value>& V,
                                                                  Index rows, const double* W,
                                                                  Index k, Index first, Index last,
                                                                  double* out) {
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
      const auto value = static_cast<double>(V.values[p]);
      double* out_column = out + V.columns[p] * k;
#pragma omp simd
      for (Index c = 0; c < k; ++c) {
        out_column[c] += value * w_row[c];
      }
    }
  }
}

// The kernels compiled for each vector width (vector_clones.hpp), once per value type.
MPINMF_VECTOR_CLONES void rows_times_h_transposed_cloned(const CsrArrays<double>& V, Index first,
                                                         Index last, const double* H, Index k,
                                                         double* out) {
  rows_times_h_transposed(V, first, last, H, k, out);
}
MPINMF_VECTOR_CLONES void rows_times_h_transposed_cloned(const CsrArrays<float>& V, Index first,
                                                         Index last, const double* H, Index k,
                                                         double* out) {
  rows_times_h_transposed(V, first, last, H, k, out);
}
MPINMF_VECTOR_CLONES void add_w_transposed_times_columns_cloned(const CsrArrays<double>& V,
                                                                Index rows, const double* W,
                                                                Index k, Index first, Index last,
                                                                double* out) {
  add_w_transposed_times_columns(V, rows, W, k, first, last, out);
}
MPINMF_VECTOR_CLONES void add_w_transposed_times_columns_cloned(const CsrArrays<float>& V,
                                                                Index rows, const double* W,
                                                                Index k, Index first, Index last,
                                                                double* out) {
  add_w_transposed_times_columns(V, rows, W, k, first, last, out);
}

template <typename Value>
void sparse_times_h_transposed(const CsrArrays<Value>& V, Index rows, const Matrix& H,
                               RowMatrix& out) {
  out.resize(rows, H.rows());
  // Chunks of rows handed out as threads come free: row lengths vary, rows per thread not.
  constexpr Index kRowsPerChunk = 1024;
  const Index chunks = (rows + kRowsPerChunk - 1) / kRowsPerChunk;
#pragma omp parallel for schedule(dynamic, 1)
  for (Index chunk = 0; chunk < chunks; ++chunk) {
    const Index first = chunk * kRowsPerChunk;
    const Index last = std::min(rows, first + kRowsPerChunk);
    rows_times_h_transposed_cloned(V, first, last, H.data(), H.rows(), out.data());
  }
}

template <typename Value>
void sparse_w_transposed_times(const CsrArrays<Value>& V, Index rows, Index columns,
                               const RowMatrix& W, const std::vector<Index>& ranges, Matrix& out) {
  out.setZero(W.cols(), columns);
  const auto parts = static_cast<int>(ranges.size()) - 1;
#pragma omp parallel for schedule(static, 1)
  for (int part = 0; part < parts; ++part) {
    add_w_transposed_times_columns_cloned(V, rows, W.data(), W.cols(),
                                          ranges[static_cast<std::size_t>(part)],
                                          ranges[static_cast<std::size_t>(part) + 1], out.data());
  }
}

/// Column ranges, one per thread, holding nearly equal nonzeros of a CSR block.
std::vector<Index> nonzero_balanced_columns(const std::int64_t* column_indices,
                                            std::int64_t nonzeros, Index columns) {
  const int threads = omp_get_max_threads();
  if (threads < 2) {
    return {0, columns};
  }
  std::vector<std::int64_t> column_pointer(static_cast<std::size_t>(columns) + 1, 0);
  for (const std::int64_t column :
       std::span<const std::int64_t>(column_indices, static_cast<std::size_t>(nonzeros))) {
    ++column_pointer[static_cast<std::size_t>(column) + 1];
  }
  std::partial_sum(column_pointer.begin(), column_pointer.end(), column_pointer.begin());
  return nnz_balanced_boundaries(column_pointer, threads);
}

}  // namespace

template <typename LocalRows>
LocalProducts<LocalRows>::LocalProducts(const LocalRows& V) : V_(V) {
  if constexpr (is_sparse_v<LocalRows>) {
    column_split_ = nonzero_balanced_columns(V.innerIndexPtr(), V.nonZeros(), V.cols());
  }
}

template <typename LocalRows>
void LocalProducts<LocalRows>::times_h_transposed(const Matrix& H, RowMatrix& out) {
  if constexpr (is_sparse_v<LocalRows>) {
    sparse_times_h_transposed(arrays_of(V_), V_.rows(), H, out);
  } else if constexpr (std::is_same_v<typename LocalRows::Scalar, float>) {
    narrow_.H = H.cast<float>();
    narrow_.VHt.noalias() = V_ * narrow_.H.transpose();
    out = narrow_.VHt.template cast<double>();
  } else {
    out.noalias() = V_ * H.transpose();
  }
}

template <typename LocalRows>
void LocalProducts<LocalRows>::w_transposed_times(const RowMatrix& W, Matrix& out) {
  if constexpr (is_sparse_v<LocalRows>) {
    sparse_w_transposed_times(arrays_of(V_), V_.rows(), V_.cols(), W, column_split_, out);
  } else if constexpr (std::is_same_v<typename LocalRows::Scalar, float>) {
    narrow_.W = W.cast<float>();
    narrow_.WtV.noalias() = narrow_.W.transpose() * V_;
    out = narrow_.WtV.template cast<double>();
  } else {
    out.noalias() = W.transpose() * V_;
  }
}

#define MPINMF_INSTANTIATE_LOCAL_PRODUCTS(LocalRows) template class LocalProducts<LocalRows>;
MPINMF_FOR_EACH_LOCAL_ROWS(MPINMF_INSTANTIATE_LOCAL_PRODUCTS)
#undef MPINMF_INSTANTIATE_LOCAL_PRODUCTS

}  // namespace mpinmf
