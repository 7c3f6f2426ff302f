#include "mpinmf/local_products.hpp"

#include <omp.h>

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <span>
#include <vector>

#include "mpinmf/partition.hpp"
#include "mpinmf/resources.hpp"
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

template <int ForWrite, typename Scalar>
inline void prefetch_column(const Scalar* column, Index k) {
  const auto* bytes = reinterpret_cast<const char*>(column);
  for (std::size_t offset = 0; offset < static_cast<std::size_t>(k) * sizeof(Scalar);
       offset += kCacheLine) {
    __builtin_prefetch(bytes + offset, ForWrite);
  }
}

/// Rows [first, last) of V Hᵀ, into row-major `out`; V, H and `out` all of one precision.
template <typename Scalar>
[[gnu::always_inline]] inline void rows_times_h_transposed(const CsrArrays<Scalar>& V, Index first,
                                                           Index last, const Scalar* H, Index k,
                                                           Scalar* out) {
  const std::int64_t prefetch_end = V.row_pointer[last];
  for (Index i = first; i < last; ++i) {
    Scalar* out_row = out + i * k;
    std::fill(out_row, out_row + k, Scalar{0});
    for (std::int64_t p = V.row_pointer[i]; p < V.row_pointer[i + 1]; ++p) {
      if (p + kPrefetchDistance < prefetch_end) {
        prefetch_column<0>(H + V.columns[p + kPrefetchDistance] * k, k);
      }
      const Scalar value = V.values[p];
      const Scalar* h_column = H + V.columns[p] * k;
#pragma omp simd
      for (Index c = 0; c < k; ++c) {
        out_row[c] += value * h_column[c];
      }
    }
  }
}

/// Columns [first, last) of Wᵀ V, added into column-major `out`; one precision throughout.
template <typename Scalar>
[[gnu::always_inline]] inline void add_w_transposed_times_columns(const CsrArrays<Scalar>& V,
                                                                  Index rows, const Scalar* W,
                                                                  Index k, Index first, Index last,
                                                                  Scalar* out) {
  for (Index i = 0; i < rows; ++i) {
    // A canonical CSR row has sorted columns: this range's are one run of them.
    const std::int64_t* row_begin = V.columns + V.row_pointer[i];
    const std::int64_t* row_end = V.columns + V.row_pointer[i + 1];
    const std::int64_t* begin = std::lower_bound(row_begin, row_end, first);
    const std::int64_t* end = std::lower_bound(begin, row_end, last);
    const Scalar* w_row = W + i * k;
    for (std::int64_t p = begin - V.columns; p < end - V.columns; ++p) {
      // Only columns of this range: prefetching another thread's for writing would steal
      // its cache lines.
      if (p + kPrefetchDistance < V.nonzeros) {
        const std::int64_t ahead = V.columns[p + kPrefetchDistance];
        if (ahead >= first && ahead < last) {
          prefetch_column<1>(out + ahead * k, k);
        }
      }
      const Scalar value = V.values[p];
      Scalar* out_column = out + V.columns[p] * k;
#pragma omp simd
      for (Index c = 0; c < k; ++c) {
        out_column[c] += value * w_row[c];
      }
    }
  }
}

// The kernels compiled for each vector width (vector_clones.hpp), once per precision.
MPINMF_VECTOR_CLONES void rows_times_h_transposed_cloned(const CsrArrays<double>& V, Index first,
                                                         Index last, const double* H, Index k,
                                                         double* out) {
  rows_times_h_transposed(V, first, last, H, k, out);
}
MPINMF_VECTOR_CLONES void rows_times_h_transposed_cloned(const CsrArrays<float>& V, Index first,
                                                         Index last, const float* H, Index k,
                                                         float* out) {
  rows_times_h_transposed(V, first, last, H, k, out);
}
MPINMF_VECTOR_CLONES void add_w_transposed_times_columns_cloned(const CsrArrays<double>& V,
                                                                Index rows, const double* W,
                                                                Index k, Index first, Index last,
                                                                double* out) {
  add_w_transposed_times_columns(V, rows, W, k, first, last, out);
}
MPINMF_VECTOR_CLONES void add_w_transposed_times_columns_cloned(const CsrArrays<float>& V,
                                                                Index rows, const float* W, Index k,
                                                                Index first, Index last,
                                                                float* out) {
  add_w_transposed_times_columns(V, rows, W, k, first, last, out);
}

template <typename Scalar>
using ColumnsOf = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
template <typename Scalar>
using RowsOf = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename Scalar>
using CsrOf = Eigen::SparseMatrix<Scalar, Eigen::RowMajor, std::int64_t>;

/// `out` = V Hᵀ for CSR V, in V's precision, its rows shared among the threads.
template <typename Scalar>
void product_times_h_transposed(const CsrOf<Scalar>& V, const ColumnsOf<Scalar>& H,
                                RowsOf<Scalar>& out, const std::vector<Index>& /*split*/) {
  out.resize(V.rows(), H.rows());
  const CsrArrays<Scalar> arrays = arrays_of(V);
  // Chunks of rows handed out as threads come free: row lengths vary, rows per thread not.
  constexpr Index kRowsPerChunk = 1024;
  const Index chunks = (V.rows() + kRowsPerChunk - 1) / kRowsPerChunk;
#pragma omp parallel for schedule(dynamic, 1)
  for (Index chunk = 0; chunk < chunks; ++chunk) {
    const Index first = chunk * kRowsPerChunk;
    const Index last = std::min(V.rows(), first + kRowsPerChunk);
    rows_times_h_transposed_cloned(arrays, first, last, H.data(), H.rows(), out.data());
  }
}

/// `out` = Wᵀ V for CSR V, in V's precision, shared among the threads by column ranges.
template <typename Scalar>
void product_w_transposed_times(const CsrOf<Scalar>& V, const RowsOf<Scalar>& W,
                                ColumnsOf<Scalar>& out, const std::vector<Index>& ranges) {
  out.setZero(W.cols(), V.cols());
  const CsrArrays<Scalar> arrays = arrays_of(V);
  const auto parts = static_cast<int>(ranges.size()) - 1;
#pragma omp parallel for schedule(static, 1)
  for (int part = 0; part < parts; ++part) {
    add_w_transposed_times_columns_cloned(arrays, V.rows(), W.data(), W.cols(),
                                          ranges[static_cast<std::size_t>(part)],
                                          ranges[static_cast<std::size_t>(part) + 1], out.data());
  }
}

/// Runs `part(range)` on each of the rank's threads for its share of [0, extent), BLAS on one
/// thread meanwhile, as ranks would split the work; returns false, running nothing, where BLAS
/// has one thread or `extent` is too short to split.
template <typename Part>
bool split_among_threads(Index extent, Part part) {
  const int parts = blas_threads();
  if (parts < 2 || extent < parts) {
    return false;
  }
  const OwnLoopsHaveTheCores own_loops;
#pragma omp parallel for schedule(static, 1) num_threads(parts)
  for (int index = 0; index < parts; ++index) {
    part(even_block(extent, parts, index));
  }
  return true;
}

/// The same for dense V, by BLAS. With several threads, V is split among them as ranks would
/// split it, each part a one-thread BLAS call: measured faster than one BLAS call on all the
/// threads, whose own split suits these long, thin products less (scripts/bench/run, 1 × 2
/// against 2 × 1). V Hᵀ splits by rows, Wᵀ V by V's columns: each part a whole block of the
/// result.
template <typename Scalar>
void product_times_h_transposed(const RowsOf<Scalar>& V, const ColumnsOf<Scalar>& H,
                                RowsOf<Scalar>& out, const std::vector<Index>& /*split*/) {
  out.resize(V.rows(), H.rows());
  if (!split_among_threads(V.rows(), [&](IndexRange rows) {
        out.middleRows(rows.begin, rows.size()).noalias() =
            V.middleRows(rows.begin, rows.size()) * H.transpose();
      })) {
    out.noalias() = V * H.transpose();
  }
}

template <typename Scalar>
void product_w_transposed_times(const RowsOf<Scalar>& V, const RowsOf<Scalar>& W,
                                ColumnsOf<Scalar>& out, const std::vector<Index>& /*split*/) {
  out.resize(W.cols(), V.cols());
  if (!split_among_threads(V.cols(), [&](IndexRange columns) {
        out.middleCols(columns.begin, columns.size()).noalias() =
            W.transpose() * V.middleCols(columns.begin, columns.size());
      })) {
    out.noalias() = W.transpose() * V;
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
  if constexpr (std::is_same_v<typename LocalRows::Scalar, double>) {
    product_times_h_transposed(V_, H, out, column_split_);
  } else {
    narrow_.H = H.cast<float>();
    product_times_h_transposed(V_, narrow_.H, narrow_.VHt, column_split_);
    out = narrow_.VHt.template cast<double>();
  }
}

template <typename LocalRows>
void LocalProducts<LocalRows>::w_transposed_times(const RowMatrix& W, Matrix& out) {
  if constexpr (std::is_same_v<typename LocalRows::Scalar, double>) {
    product_w_transposed_times(V_, W, out, column_split_);
  } else {
    narrow_.W = W.cast<float>();
    product_w_transposed_times(V_, narrow_.W, narrow_.WtV, column_split_);
    out = narrow_.WtV.template cast<double>();
  }
}

#define MPINMF_INSTANTIATE_LOCAL_PRODUCTS(LocalRows) template class LocalProducts<LocalRows>;
MPINMF_FOR_EACH_LOCAL_ROWS(MPINMF_INSTANTIATE_LOCAL_PRODUCTS)
#undef MPINMF_INSTANTIATE_LOCAL_PRODUCTS

}  // namespace mpinmf
