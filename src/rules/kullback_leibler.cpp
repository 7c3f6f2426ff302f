#include "rules/kullback_leibler.hpp"

#ifdef MPINMF_HAVE_LIBMVEC
#include <immintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <span>

#include "core/partition.hpp"
#include "core/thread_shares.hpp"
#include "kernels/gram.hpp"

namespace mpinmf {

Index kl_block_rows(Index columns) {
  constexpr Index kBlockEntries = Index{1} << 16;
  return std::max<Index>(1, kBlockEntries / std::max<Index>(columns, 1));
}

namespace {

/// Entries the element-wise pass takes at a time: its V and WH stay in L1 across the
/// several vectorized sweeps (sums, logarithm, ratio) Eigen makes over them.
constexpr Index kElementChunk = 512;

/// What the element-wise pass adds up: nothing (the W half), the dense sums (over every
/// entry of the rows) or the sparse ones (over the nonzeros only; see KlSums).
enum class Sums { none, all_entries, nonzeros };

#ifdef MPINMF_HAVE_LIBMVEC
// glibc's logarithm on eight doubles (libmvec's AVX-512 variant, within 4 ulp).
extern "C" __m512d _ZGVeN8v_log(__m512d x);  // NOLINT(bugprone-reserved-identifier)

__attribute__((target("avx512f"))) void log_in_place_avx512(double* x, Index count) {
  Index i = 0;
  for (; i + 8 <= count; i += 8) {
    _mm512_storeu_pd(x + i, _ZGVeN8v_log(_mm512_loadu_pd(x + i)));
  }
  for (; i < count; ++i) {
    x[i] = std::log(x[i]);
  }
}
#endif

/// x ← log x, on whole vectors where the CPU and libmvec allow: the scalar logarithm was half
/// of the divergence's pass, and Eigen's log() is not vectorized for double here.
void log_in_place(double* x, Index count) {
#ifdef MPINMF_HAVE_LIBMVEC
  static const bool avx512 = __builtin_cpu_supports("avx512f") != 0;
  if (avx512) {
    log_in_place_avx512(x, count);
    return;
  }
#endif
  for (Index i = 0; i < count; ++i) {
    x[i] = std::log(x[i]);
  }
}

/// Turns `wh` (count entries of WH) into V ⊘ (WH + δ) in place, adding to `sums` what
/// `kind` asks. V log(V / WH) is 0 where V is 0 (V is kept above the smallest normal double
/// inside the logarithm, so that the term is 0 · finite); a vanishing WH under a positive V
/// would be infinite, so WH is kept above it too.
template <Sums kind, typename Value>
void ratio_in_place(const Value* v, double* wh, Index count, double delta, KlSums& sums) {
  std::array<double, kElementChunk> log_ratios;  // on the stack: 4 KB
  double* scratch = log_ratios.data();
  for (Index first = 0; first < count; first += kElementChunk) {
    const Index size = std::min(kElementChunk, count - first);
    const Eigen::Map<const Eigen::Array<Value, Eigen::Dynamic, 1>> V_chunk(v + first, size);
    Eigen::Map<Eigen::ArrayXd> WH(wh + first, size);
    const auto& V = V_chunk.template cast<double>();
    if constexpr (kind != Sums::none) {
      constexpr double kTiny = std::numeric_limits<double>::min();
      Eigen::Map<Eigen::ArrayXd> log_ratio(scratch, size);
      log_ratio = V.max(kTiny) / WH.max(kTiny);
      log_in_place(scratch, size);
      sums.divergence += (V * log_ratio).sum() - V.sum();
    }
    if constexpr (kind == Sums::all_entries) {
      sums.divergence += WH.sum();
      sums.residual_squared += (V - WH).square().sum();
    } else if constexpr (kind == Sums::nonzeros) {
      sums.residual_squared += (V * (V - 2.0 * WH)).sum();
    }
    WH = V / (WH + delta);
  }
}

KlSums sum_in_order(const std::vector<KlSums>& parts) {
  KlSums total;
  for (const KlSums& part : parts) {
    total.divergence += part.divergence;
    total.residual_squared += part.residual_squared;
  }
  return total;
}

/// Runs `pass(share, rows)` on each share of `work`, the shares among the rank's threads.
template <typename LocalRows, typename Pass>
void for_each_share(const KlWorkspace<LocalRows>& work, Pass pass) {
  const auto shares = static_cast<Index>(work.boundaries.size()) - 1;
  for_each_thread_share(shares, [&](int /*thread*/, IndexRange items) {
    for (Index share = items.begin; share < items.end; ++share) {
      const auto s = static_cast<std::size_t>(share);
      pass(static_cast<int>(share), IndexRange{work.boundaries[s], work.boundaries[s + 1]});
    }
  });
}

/// The dense passes: `finish(share, rows, ratio)` takes each block's V ⊘ (WH + δ).
template <Sums kind, typename DenseRows, typename Finish>
void dense_pass(const DenseRows& V, const RowMatrix& W, const Matrix& H, double delta,
                KlWorkspace<DenseRows>& work, Finish finish) {
  const Index block_rows = kl_block_rows(V.cols());
  for_each_share(work, [&](int share, IndexRange rows) {
    const auto s = static_cast<std::size_t>(share);
    KlSums& sums = work.share_sums[s];
    sums = {};
    for (Index begin = rows.begin; begin < rows.end; begin += block_rows) {
      const Index count = std::min(block_rows, rows.end - begin);
      auto WH = work.blocks[s].topRows(count);
      WH.noalias() = W.middleRows(begin, count) * H;
      ratio_in_place<kind>(V.middleRows(begin, count).data(), WH.data(), WH.size(), delta, sums);
      finish(share, IndexRange{begin, begin + count}, WH);
    }
  });
}

/// The sparse passes, a row at a time: `finish(share, row, nonzeros, ratios)` takes the row's
/// V ⊘ (WH + δ) at its nonzeros.
template <Sums kind, typename SparseRows, typename Finish>
void sparse_pass(const SparseRows& V, const RowMatrix& W, const Matrix& H, double delta,
                 KlWorkspace<SparseRows>& work, Finish finish) {
  const Index k = H.rows();
  const std::int64_t* row_pointer = V.outerIndexPtr();
  const std::int64_t* columns = V.innerIndexPtr();
  for_each_share(work, [&](int share, IndexRange rows) {
    const auto s = static_cast<std::size_t>(share);
    KlSums& sums = work.share_sums[s];
    sums = {};
    double* wh = work.blocks[s].data();
    for (Index i = rows.begin; i < rows.end; ++i) {
      const std::int64_t first = row_pointer[i];
      const auto nonzeros = static_cast<Index>(row_pointer[i + 1] - first);
      const double* w_row = W.data() + i * k;
      for (Index p = 0; p < nonzeros; ++p) {
        const double* h_column = H.data() + columns[first + p] * k;
        double dot = 0.0;
#pragma omp simd reduction(+ : dot)
        for (Index c = 0; c < k; ++c) {
          dot += w_row[c] * h_column[c];
        }
        wh[p] = dot;
      }
      ratio_in_place<kind>(V.valuePtr() + first, wh, nonzeros, delta, sums);
      finish(share, i, std::span<const std::int64_t>(columns + first, nonzeros),
             std::span<const double>(wh, nonzeros));
    }
  });
}

/// Where share `share` adds its part of Wᵀ(V ⊘ WH): the result itself for the first, a
/// partial of its own for the others.
template <typename LocalRows>
Matrix& share_target(KlWorkspace<LocalRows>& work, int share, Matrix& ratio_product) {
  return share == 0 ? ratio_product : work.partials[static_cast<std::size_t>(share) - 1];
}

}  // namespace

template <typename LocalRows>
KlWorkspace<LocalRows>::KlWorkspace(const LocalRows& V, Index k)
    : WtW(k, k), HHt(k, k), w_column_sums(k), h_row_sums(k) {
  const int shares = thread_shares(V.rows());
  if constexpr (is_sparse_v<LocalRows>) {
    const std::span<const std::int64_t> row_pointer(V.outerIndexPtr(),
                                                    static_cast<std::size_t>(V.rows()) + 1);
    boundaries = nnz_balanced_boundaries(row_pointer, shares);
  } else {
    boundaries.resize(static_cast<std::size_t>(shares) + 1);
    for (int s = 0; s < shares; ++s) {
      boundaries[static_cast<std::size_t>(s)] = even_block(V.rows(), shares, s).begin;
    }
    boundaries.back() = V.rows();
  }
  const auto share_count = boundaries.size() - 1;
  for (std::size_t s = 0; s < share_count; ++s) {
    Index entries = 0;
    if constexpr (is_sparse_v<LocalRows>) {
      for (Index i = boundaries[s]; i < boundaries[s + 1]; ++i) {
        entries = std::max<Index>(entries, V.outerIndexPtr()[i + 1] - V.outerIndexPtr()[i]);
      }
      blocks.emplace_back(1, std::max<Index>(entries, 1));
    } else {
      blocks.emplace_back(std::min(kl_block_rows(V.cols()), boundaries[s + 1] - boundaries[s]),
                          V.cols());
    }
  }
  partials.assign(share_count - 1, Matrix(k, V.cols()));
  share_sums.resize(share_count);
}

template <typename LocalRows>
KlSums kl_h_pass(const LocalRows& V, const RowMatrix& W, const Matrix& H, double delta,
                 KlWorkspace<LocalRows>& work, Matrix& ratio_product) {
  ratio_product.setZero();
  for (Matrix& partial : work.partials) {
    partial.setZero();
  }
  if constexpr (is_sparse_v<LocalRows>) {
    const Index k = H.rows();
    sparse_pass<Sums::nonzeros>(V, W, H, delta, work,
                                [&](int share, Index i, std::span<const std::int64_t> columns,
                                    std::span<const double> ratios) {
                                  Matrix& target = share_target(work, share, ratio_product);
                                  const double* w_row = W.data() + i * k;
                                  for (std::size_t p = 0; p < columns.size(); ++p) {
                                    double* out = target.data() + columns[p] * k;
                                    const double ratio = ratios[p];
#pragma omp simd
                                    for (Index c = 0; c < k; ++c) {
                                      out[c] += ratio * w_row[c];
                                    }
                                  }
                                });
  } else {
    dense_pass<Sums::all_entries>(V, W, H, delta, work,
                                  [&](int share, IndexRange rows, const auto& ratio) {
                                    share_target(work, share, ratio_product).noalias() +=
                                        W.middleRows(rows.begin, rows.size()).transpose() * ratio;
                                  });
  }
  add_thread_partials(ratio_product, work.partials, ratio_product);
  return sum_in_order(work.share_sums);
}

template <typename LocalRows>
void kl_w_numerator(const LocalRows& V, const RowMatrix& W, const Matrix& H, double delta,
                    KlWorkspace<LocalRows>& work, RowMatrix& numerator) {
  if constexpr (is_sparse_v<LocalRows>) {
    const Index k = H.rows();
    sparse_pass<Sums::none>(V, W, H, delta, work,
                            [&](int /*share*/, Index i, std::span<const std::int64_t> columns,
                                std::span<const double> ratios) {
                              double* out = numerator.data() + i * k;
                              std::fill_n(out, k, 0.0);
                              for (std::size_t p = 0; p < columns.size(); ++p) {
                                const double* h_column = H.data() + columns[p] * k;
                                const double ratio = ratios[p];
#pragma omp simd
                                for (Index c = 0; c < k; ++c) {
                                  out[c] += ratio * h_column[c];
                                }
                              }
                            });
  } else {
    dense_pass<Sums::none>(
        V, W, H, delta, work, [&](int /*share*/, IndexRange rows, const auto& ratio) {
          numerator.middleRows(rows.begin, rows.size()).noalias() = ratio * H.transpose();
        });
  }
}

template <typename LocalRows>
KlSums completed_sums(const KlSums& pass, const RowMatrix& W, const Matrix& H,
                      KlWorkspace<LocalRows>& work) {
  if constexpr (!is_sparse_v<LocalRows>) {
    return pass;
  } else {
    work.w_column_sums.noalias() = W.colwise().sum().transpose();
    work.h_row_sums.noalias() = H.rowwise().sum();
    form_gram(W.transpose(), work.WtW);
    form_gram(H, work.HHt);
    return {pass.divergence + work.w_column_sums.dot(work.h_row_sums),
            pass.residual_squared + work.WtW.cwiseProduct(work.HHt).sum()};
  }
}

template <typename LocalRows>
KlRowPass kl_h_pass(const LocalRows& V, const RowMatrix& W, const Matrix& H, double delta) {
  KlWorkspace<LocalRows> work(V, H.rows());
  KlRowPass pass;
  pass.ratio_product.resize(H.rows(), H.cols());
  const KlSums sums =
      completed_sums(kl_h_pass(V, W, H, delta, work, pass.ratio_product), W, H, work);
  pass.divergence = sums.divergence;
  // Rounding may dip below zero at an exact fit.
  pass.residual_squared = std::max(0.0, sums.residual_squared);
  return pass;
}

template <typename LocalRows>
RowMatrix kl_w_numerator(const LocalRows& V, const RowMatrix& W, const Matrix& H, double delta) {
  KlWorkspace<LocalRows> work(V, H.rows());
  RowMatrix numerator(V.rows(), H.rows());
  kl_w_numerator(V, W, H, delta, work, numerator);
  return numerator;
}

#define MPINMF_INSTANTIATE_KL_PASSES(LocalRows)                                            \
  template class KlWorkspace<LocalRows>;                                                   \
  template KlSums kl_h_pass(const LocalRows&, const RowMatrix&, const Matrix&, double,     \
                            KlWorkspace<LocalRows>&, Matrix&);                             \
  template void kl_w_numerator(const LocalRows&, const RowMatrix&, const Matrix&, double,  \
                               KlWorkspace<LocalRows>&, RowMatrix&);                       \
  template KlSums completed_sums(const KlSums&, const RowMatrix&, const Matrix&,           \
                                 KlWorkspace<LocalRows>&);                                 \
  template KlRowPass kl_h_pass(const LocalRows&, const RowMatrix&, const Matrix&, double); \
  template RowMatrix kl_w_numerator(const LocalRows&, const RowMatrix&, const Matrix&, double);
MPINMF_FOR_EACH_LOCAL_ROWS(MPINMF_INSTANTIATE_KL_PASSES)
#undef MPINMF_INSTANTIATE_KL_PASSES

void kl_multiplicative_update(Eigen::Ref<Matrix> factor, const Eigen::Ref<const Matrix>& numerator,
                              const Eigen::VectorXd& totals, double delta) {
  // Column by column: a colwise operation with an expression (totals + δ) would evaluate it
  // into a temporary on the heap.
  for (Index j = 0; j < factor.cols(); ++j) {
    factor.col(j).array() *= numerator.col(j).array() / (totals.array() + delta);
  }
}

}  // namespace mpinmf
