#include "mpinmf/local_products.hpp"

#include <omp.h>

#include <algorithm>
#include <numeric>
#include <span>
#include <vector>

#include "mpinmf/partition.hpp"

namespace mpinmf {

void times_h_transposed(const RowMatrix& V, const Matrix& H, RowMatrix& out) {
  out.noalias() = V * H.transpose();
}

void times_h_transposed(const SparseRowMatrix& V, const Matrix& H, RowMatrix& out) {
  out.resize(V.rows(), H.rows());
#pragma omp parallel for schedule(static)
  for (Index i = 0; i < V.rows(); ++i) {
    auto row = out.row(i);
    row.setZero();
    for (SparseRowMatrix::InnerIterator entry(V, i); entry; ++entry) {
      row.noalias() += entry.value() * H.col(entry.col()).transpose();
    }
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
  const std::vector<Index>& ranges = split;
  const auto parts = static_cast<int>(ranges.size()) - 1;
#pragma omp parallel for schedule(static, 1)
  for (int part = 0; part < parts; ++part) {
    const Index first = ranges[static_cast<std::size_t>(part)];
    const Index last = ranges[static_cast<std::size_t>(part) + 1];
    for (Index i = 0; i < V.rows(); ++i) {
      // A canonical CSR row has sorted columns: this part's are one run of them.
      const std::int64_t* row_begin = V.innerIndexPtr() + V.outerIndexPtr()[i];
      const std::int64_t* row_end = V.innerIndexPtr() + V.outerIndexPtr()[i + 1];
      const std::int64_t* begin = std::lower_bound(row_begin, row_end, first);
      const std::int64_t* end = std::lower_bound(begin, row_end, last);
      const double* values = V.valuePtr() + (begin - V.innerIndexPtr());
      for (const std::int64_t* column = begin; column != end; ++column, ++values) {
        out.col(*column).noalias() += *values * W.row(i).transpose();
      }
    }
  }
}

}  // namespace mpinmf
