#include "kernels/local_products.hpp"

#include <omp.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/partition.hpp"
#include "core/thread_shares.hpp"
#include "core/vector_clones.hpp"
#include "kernels/dense_products.hpp"

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

/// The nonzeros of a thread's share of Wᵀ V on CSR V: row i's at positions [starts[i],
/// stops[i]), a run of its columns (a split by columns) or the whole row (a block of rows).
struct ColumnRange {
  const std::int64_t* starts;
  const std::int64_t* stops;
};

// Each nonzero reads (V Hᵀ) or updates (Wᵀ V) one k-long column of a factor-sized array at
// a random place: an L1 miss whose address is known from the column index long before it is
// needed. Fetching the column of the nonzero this many places ahead hides that latency
// (measured faster on both products; any distance from 4 to 16 does about as well).
constexpr std::int64_t kPrefetchDistance = 8;
constexpr std::ptrdiff_t kCacheLine = 64;

// The kernels are compiled for each k up to kWidestCompiled: the row's sums (V Hᵀ) or W's
// row (Wᵀ V) then stay in vector registers across the row's nonzeros, where a k known only
// at run time makes the compiler load and store them for every nonzero (measured slower on
// V Hᵀ at small k). From k = 32 on the two measured the same; wider k takes the run-time
// kernel (Width 0). docs/performance.md, "Sparse V".
constexpr int kWidestCompiled = 32;

/// Calls `kernel(std::integral_constant<int, Width>{})` with the Width of `widths` that
/// equals k, if one does; returns whether one did. (Width 0 is the run-time kernel, which
/// serves k = 0 as well as any other k.)
template <typename Kernel, int... Widths>
[[gnu::always_inline]] inline bool with_compiled_width(
    Index k, Kernel& kernel, std::integer_sequence<int, Widths...> /*widths*/) {
  return ((k == Widths ? (kernel(std::integral_constant<int, Widths>{}), true) : false) || ...);
}

/// Calls `kernel(std::integral_constant<int, Width>{})` with Width = k where k is at most
/// kWidestCompiled, and with Width = 0 (k known at run time) where it is wider.
template <typename Kernel>
[[gnu::always_inline]] inline void with_width(Index k, Kernel&& kernel) {
  if (!with_compiled_width(k, kernel, std::make_integer_sequence<int, kWidestCompiled + 1>{})) {
    kernel(std::integral_constant<int, 0>{});
  }
}

/// Prefetches the cache lines of `column`'s `width` entries (`Width` when compiled, else
/// `width`); a fixed count of prefetches when compiled, which the compiler unrolls (a loop
/// whose count depends on the address measured much slower).
template <int ForWrite, int Width, typename Scalar>
[[gnu::always_inline]] inline void prefetch_column(const Scalar* column, Index width) {
  const auto* bytes = reinterpret_cast<const char*>(column);
  const auto size = static_cast<std::ptrdiff_t>((Width > 0 ? Width : width) * sizeof(Scalar));
  for (std::ptrdiff_t offset = 0; offset < size; offset += kCacheLine) {
    __builtin_prefetch(bytes + offset, ForWrite);
  }
  __builtin_prefetch(bytes + size - 1, ForWrite);  // the last line, where the column straddles
}

/// Rows [first, last) of V Hᵀ into row-major `out`; V, H and `out` all of one precision.
template <int Width, typename Scalar>
[[gnu::always_inline]] inline void rows_times_h_transposed(const CsrArrays<Scalar>& V, Index first,
                                                           Index last, const Scalar* H, Index k,
                                                           Scalar* out) {
  const std::int64_t prefetch_end = V.row_pointer[last];
  std::array<Scalar, std::max(Width, 1)> register_sums;
  for (Index i = first; i < last; ++i) {
    Scalar* sums = Width > 0 ? register_sums.data() : out + i * k;
    std::fill_n(sums, Width > 0 ? Width : k, Scalar{0});
    for (std::int64_t p = V.row_pointer[i]; p < V.row_pointer[i + 1]; ++p) {
      if (p + kPrefetchDistance < prefetch_end) {
        prefetch_column<0, Width>(H + V.columns[p + kPrefetchDistance] * k, k);
      }
      const Scalar value = V.values[p];
      const Scalar* h_column = H + V.columns[p] * k;
#pragma omp simd
      for (Index c = 0; c < (Width > 0 ? Width : k); ++c) {
        sums[c] += value * h_column[c];
      }
    }
    if constexpr (Width > 0) {
      std::copy_n(register_sums.begin(), Width, out + i * k);
    }
  }
}

/// One thread's share of Wᵀ V (`rows` rows from W's and the row pointers' first, their
/// nonzeros in `range`), added into column-major `out`; one precision throughout.
template <int Width, typename Scalar>
[[gnu::always_inline]] inline void add_w_transposed_times_columns(const CsrArrays<Scalar>& V,
                                                                  Index rows, const Scalar* W,
                                                                  Index k, const ColumnRange& range,
                                                                  Scalar* out) {
  std::array<Scalar, std::max(Width, 1)> register_row;
  for (Index i = 0; i < rows; ++i) {
    const Scalar* w_row = W + i * k;
    if constexpr (Width > 0) {
      std::copy_n(w_row, Width, register_row.begin());
      w_row = register_row.data();
    }
    const std::int64_t stop = range.stops[i];
    // The nonzero to prefetch for lies in this row's run or in the next row's, never in
    // another thread's range: prefetching its columns for writing would steal its cache lines.
    const bool last_row = i + 1 == rows;
    const std::int64_t next_start = last_row ? 0 : range.starts[i + 1];
    const std::int64_t next_stop = last_row ? 0 : range.stops[i + 1];
    for (std::int64_t p = range.starts[i]; p < stop; ++p) {
      const std::int64_t ahead = p + kPrefetchDistance;
      const std::int64_t ahead_in_range = ahead < stop ? ahead : next_start + (ahead - stop);
      if (ahead_in_range < (ahead < stop ? stop : next_stop)) {
        prefetch_column<1, Width>(out + V.columns[ahead_in_range] * k, k);
      }
      const Scalar value = V.values[p];
      Scalar* out_column = out + V.columns[p] * k;
#pragma omp simd
      for (Index c = 0; c < (Width > 0 ? Width : k); ++c) {
        out_column[c] += value * w_row[c];
      }
    }
  }
}

// The kernels compiled for each vector width (vector_clones.hpp), once per precision.
MPINMF_VECTOR_CLONES void rows_times_h_transposed_cloned(const CsrArrays<double>& V, Index first,
                                                         Index last, const double* H, Index k,
                                                         double* out) {
  with_width(
      k, [&](auto width) __attribute__((always_inline)) {
        rows_times_h_transposed<width()>(V, first, last, H, k, out);
      });
}
MPINMF_VECTOR_CLONES void rows_times_h_transposed_cloned(const CsrArrays<float>& V, Index first,
                                                         Index last, const float* H, Index k,
                                                         float* out) {
  with_width(
      k, [&](auto width) __attribute__((always_inline)) {
        rows_times_h_transposed<width()>(V, first, last, H, k, out);
      });
}
MPINMF_VECTOR_CLONES void add_w_transposed_times_columns_cloned(const CsrArrays<double>& V,
                                                                Index rows, const double* W,
                                                                Index k, const ColumnRange& range,
                                                                double* out) {
  with_width(
      k, [&](auto width) __attribute__((always_inline)) {
        add_w_transposed_times_columns<width()>(V, rows, W, k, range, out);
      });
}
MPINMF_VECTOR_CLONES void add_w_transposed_times_columns_cloned(const CsrArrays<float>& V,
                                                                Index rows, const float* W, Index k,
                                                                const ColumnRange& range,
                                                                float* out) {
  with_width(
      k, [&](auto width) __attribute__((always_inline)) {
        add_w_transposed_times_columns<width()>(V, rows, W, k, range, out);
      });
}

template <typename Scalar>
using CsrOf = Eigen::SparseMatrix<Scalar, Eigen::RowMajor, std::int64_t>;

/// `out` = V Hᵀ for CSR V, in V's precision, its rows shared among the threads.
template <typename Scalar>
void product_times_h_transposed(const CsrOf<Scalar>& V, const ColumnsOf<Scalar>& H,
                                RowsOf<Scalar>& out) {
  out.resize(V.rows(), H.rows());
  const CsrArrays<Scalar> arrays = arrays_of(V);
  // Chunks of rows handed out as threads come free: row lengths vary, rows per thread not.
  constexpr Index kRowsPerChunk = 1024;
  const Index chunks = (V.rows() + kRowsPerChunk - 1) / kRowsPerChunk;
  parallel_for_each_index(chunks, 1, [&](Index chunk) {
    const Index first = chunk * kRowsPerChunk;
    const Index last = std::min(V.rows(), first + kRowsPerChunk);
    rows_times_h_transposed_cloned(arrays, first, last, H.data(), H.rows(), out.data());
  });
}

/// `out` = Wᵀ V for CSR V, in V's precision, each thread's block of rows into a partial of
/// its own (the first thread's is `out`), the partials then added.
template <typename Scalar>
void product_w_transposed_times_by_rows(const CsrOf<Scalar>& V, const RowsOf<Scalar>& W,
                                        ColumnsOf<Scalar>& out, const SparseThreadSplit& split,
                                        std::vector<ColumnsOf<Scalar>>& partials) {
  const Index k = W.cols();
  const auto parts = static_cast<int>(split.boundaries.size()) - 1;
  partials.resize(static_cast<std::size_t>(parts - 1));
  const CsrArrays<Scalar> arrays = arrays_of(V);
  parallel_for_each_index(parts, 1, [&](Index part) {
    ColumnsOf<Scalar>& target = part == 0 ? out : partials[static_cast<std::size_t>(part - 1)];
    target.setZero(k, V.cols());
    const Index first = split.boundaries[static_cast<std::size_t>(part)];
    const Index last = split.boundaries[static_cast<std::size_t>(part) + 1];
    const ColumnRange whole_rows{arrays.row_pointer + first, arrays.row_pointer + first + 1};
    add_w_transposed_times_columns_cloned(arrays, last - first, W.data() + first * k, k, whole_rows,
                                          target.data());
  });
  add_thread_partials(out, partials, out);
}

/// `out` = Wᵀ V for CSR V, in V's precision, shared among the threads as `split` says.
template <typename Scalar>
void product_w_transposed_times(const CsrOf<Scalar>& V, const RowsOf<Scalar>& W,
                                ColumnsOf<Scalar>& out, const SparseThreadSplit& split,
                                std::vector<ColumnsOf<Scalar>>& partials) {
  if (split.by_rows) {
    product_w_transposed_times_by_rows(V, W, out, split, partials);
    return;
  }
  out.setZero(W.cols(), V.cols());
  const CsrArrays<Scalar> arrays = arrays_of(V);
  const auto parts = static_cast<int>(split.boundaries.size()) - 1;
  const Index rows = V.rows();
  parallel_for_each_index(parts, 1, [&](Index part) {
    const ColumnRange range{
        part == 0 ? arrays.row_pointer : split.row_cuts.data() + (part - 1) * rows,
        part == parts - 1 ? arrays.row_pointer + 1 : split.row_cuts.data() + part * rows};
    add_w_transposed_times_columns_cloned(arrays, rows, W.data(), W.cols(), range, out.data());
  });
}

/// Dense V, V split among the threads (thread_shares.hpp): V Hᵀ by rows, Wᵀ V by V's
/// columns (or, by the project's kernel, by rows: below), each part a whole block of the
/// result (measured faster than one BLAS call on all the threads: scripts/bench/run, 1 × 2
/// against 2 × 1). Each product goes to the project's kernels (dense_products.hpp) where
/// they measured faster than BLAS, on a CPU they suit: float V Hᵀ and Wᵀ V in both
/// precisions; double V Hᵀ measured faster with BLAS, so it stays there. The kernels keep
/// each row's k sums in registers (V Hᵀ) or reread a chunk of V from L1 for every 6
/// components (Wᵀ V), which pays while k is small: their lead over BLAS shrinks as k grows,
/// to none by k = 64 in double and about k = 100 in float, hence this bound. The figures:
/// docs/performance.md, "Kernels that read V in place".
constexpr Index kOwnKernelsUpToK = 64;

/// mpinmf_gemm_pair_eigen builds this file to time Eigen's own GEMM, so it keeps these kernels
/// out.
#ifdef MPINMF_DENSE_PRODUCTS_BY_GEMM_ONLY
constexpr bool kOwnDenseKernelsBuilt = false;
#else
constexpr bool kOwnDenseKernelsBuilt = true;
#endif

template <typename Scalar>
bool own_kernel_times_h_transposed(Index k) {
  return kOwnDenseKernelsBuilt && std::is_same_v<Scalar, float> && k <= kOwnKernelsUpToK &&
         dense_kernels_fit_this_cpu();
}
template <typename Scalar>
bool own_kernel_w_transposed_times(Index k) {
  return kOwnDenseKernelsBuilt && k <= kOwnKernelsUpToK && dense_kernels_fit_this_cpu();
}

/// BLAS forms each part in the layout where V is the operand it packs in cache-sized panels
/// and reuses across the k-wide side (V Hᵀ column-major, Wᵀ V row-major), into scratch:
/// OpenBLAS measured much faster that way than writing the other layout (docs/performance.md,
/// "Dense V"). The part is then copied into `out`; the own Wᵀ V kernel writes the same
/// row-major scratch.
template <typename Scalar>
void product_times_h_transposed(const RowsOf<Scalar>& V, const ColumnsOf<Scalar>& H,
                                DenseScratch<Scalar>& scratch, RowsOf<Scalar>& out) {
  out.resize(V.rows(), H.rows());
  if (own_kernel_times_h_transposed<Scalar>(H.rows())) {
    pack_h_transposed(H, scratch.packed_h);
    for_each_thread_share(V.rows(), [&](int /*share*/, IndexRange rows) {
      times_h_transposed_in_place(V, rows, scratch.packed_h, H.rows(), out);
    });
    return;
  }
  scratch.VHt.resize(V.rows(), H.rows());
  for_each_thread_share(V.rows(), [&](int /*share*/, IndexRange rows) {
    auto part = scratch.VHt.middleRows(rows.begin, rows.size());
    part.noalias() = V.middleRows(rows.begin, rows.size()) * H.transpose();
    out.middleRows(rows.begin, rows.size()) = part;
  });
}

/// Wᵀ V by the project's kernel, each thread's block of rows into a partial of its own (the
/// first thread's is the scratch), the partials then added in thread order. Column ranges
/// gave the project's kernel little over BLAS on 1 × 2, each thread reading half of every
/// row; rows measured faster, nearer to 2 × 1 (docs/performance.md, "Kernels that read V in
/// place").
template <typename Scalar>
void own_w_transposed_times_by_rows(const RowsOf<Scalar>& V, const RowsOf<Scalar>& W,
                                    DenseScratch<Scalar>& scratch, ColumnsOf<Scalar>& out) {
  const IndexRange all_columns{0, V.cols()};
  const auto shares = static_cast<std::size_t>(thread_shares(V.rows()));
  scratch.partials.resize(shares - 1);
  for_each_thread_share(V.rows(), [&](int share, IndexRange rows) {
    RowsOf<Scalar>& target =
        share == 0 ? scratch.WtV : scratch.partials[static_cast<std::size_t>(share) - 1];
    target.resize(W.cols(), V.cols());
    w_transposed_times_in_place(V, W, rows, all_columns, target);
  });
  add_thread_partials(scratch.WtV, scratch.partials, out);
}

template <typename Scalar>
void product_w_transposed_times(const RowsOf<Scalar>& V, const RowsOf<Scalar>& W,
                                DenseScratch<Scalar>& scratch, ColumnsOf<Scalar>& out) {
  scratch.WtV.resize(W.cols(), V.cols());
  out.resize(W.cols(), V.cols());
  const bool own_kernel = own_kernel_w_transposed_times<Scalar>(W.cols());
  if (own_kernel && w_transposed_times_by_rows(V.rows(), V.cols(), omp_get_max_threads())) {
    own_w_transposed_times_by_rows(V, W, scratch, out);
    return;
  }
  const IndexRange all_rows{0, V.rows()};
  for_each_thread_share(V.cols(), [&](int /*share*/, IndexRange columns) {
    auto part = scratch.WtV.middleCols(columns.begin, columns.size());
    if (own_kernel) {
      w_transposed_times_in_place(V, W, all_rows, columns, scratch.WtV);
    } else {
      part.noalias() = W.transpose() * V.middleCols(columns.begin, columns.size());
    }
    out.middleCols(columns.begin, columns.size()) = part;
  });
}

/// How the rank's threads share Wᵀ V on a CSR block: row blocks or column ranges, one per
/// thread, holding nearly equal nonzeros, and for column ranges where each falls in each row.
template <typename Scalar>
SparseThreadSplit nonzero_balanced_split(const CsrOf<Scalar>& V) {
  const int threads = omp_get_max_threads();
  if (threads < 2) {
    return {false, {0, V.cols()}, {}};
  }
  if (w_transposed_times_by_rows(V.rows(), V.cols(), threads)) {
    const std::span<const std::int64_t> row_pointer(V.outerIndexPtr(),
                                                    static_cast<std::size_t>(V.rows()) + 1);
    return {true, nnz_balanced_boundaries(row_pointer, threads), {}};
  }
  const std::span<const std::int64_t> columns(V.innerIndexPtr(),
                                              static_cast<std::size_t>(V.nonZeros()));
  std::vector<std::int64_t> column_pointer(static_cast<std::size_t>(V.cols()) + 1, 0);
  for (const std::int64_t column : columns) {
    ++column_pointer[static_cast<std::size_t>(column) + 1];
  }
  std::partial_sum(column_pointer.begin(), column_pointer.end(), column_pointer.begin());
  SparseThreadSplit split{false, nnz_balanced_boundaries(column_pointer, threads), {}};
  const Index rows = V.rows();
  const std::size_t interior = split.boundaries.size() - 2;
  split.row_cuts.resize(interior * static_cast<std::size_t>(rows));
#pragma omp parallel for schedule(static)
  for (Index i = 0; i < rows; ++i) {
    const auto row =
        columns.subspan(static_cast<std::size_t>(V.outerIndexPtr()[i]),
                        static_cast<std::size_t>(V.outerIndexPtr()[i + 1] - V.outerIndexPtr()[i]));
    for (std::size_t b = 0; b < interior; ++b) {
      split.row_cuts[b * static_cast<std::size_t>(rows) + static_cast<std::size_t>(i)] =
          V.outerIndexPtr()[i] +
          (std::lower_bound(row.begin(), row.end(), split.boundaries[b + 1]) - row.begin());
    }
  }
  return split;
}

}  // namespace

bool w_transposed_times_by_rows(Index rows, Index columns, int threads) {
  return threads > 1 && static_cast<Index>(threads - 1) * columns <= rows;
}

template <typename LocalRows>
LocalProducts<LocalRows>::LocalProducts(const LocalRows& V) : V_(V) {
  if constexpr (is_sparse_v<LocalRows>) {
    thread_split_ = nonzero_balanced_split(V);
  }
}

template <typename LocalRows>
void LocalProducts<LocalRows>::times_h_transposed(const ColumnsOf<Scalar>& H, RowsOf<Scalar>& out) {
  if constexpr (is_sparse_v<LocalRows>) {
    product_times_h_transposed(V_, H, out);
  } else {
    product_times_h_transposed(V_, H, dense_scratch_, out);
  }
}

template <typename LocalRows>
void LocalProducts<LocalRows>::w_transposed_times(const RowsOf<Scalar>& W, ColumnsOf<Scalar>& out) {
  if constexpr (is_sparse_v<LocalRows>) {
    product_w_transposed_times(V_, W, out, thread_split_, partials_);
  } else {
    product_w_transposed_times(V_, W, dense_scratch_, out);
  }
}

#define MPINMF_INSTANTIATE_LOCAL_PRODUCTS(LocalRows) template class LocalProducts<LocalRows>;
MPINMF_FOR_EACH_LOCAL_ROWS(MPINMF_INSTANTIATE_LOCAL_PRODUCTS)
#undef MPINMF_INSTANTIATE_LOCAL_PRODUCTS

}  // namespace mpinmf
