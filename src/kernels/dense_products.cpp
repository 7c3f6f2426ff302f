#include "kernels/dense_products.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

#include "core/thread_shares.hpp"
#include "core/vector_clones.hpp"

namespace mpinmf {

namespace {

/// The widest panel of Hᵀ (V Hᵀ) and the widest chunk of V's columns (Wᵀ V): 4 vectors.
constexpr Index kPanelVectors = 4;
template <typename Scalar>
constexpr Index kPanel = kPanelVectors* kVectorEntries<Scalar>;

/// Bytes of the other factor's block that a kernel keeps in L2 while V streams past: half of
/// the 2 MiB per core of the CPU it was measured on, the rest for V's rows and the output.
constexpr Index kCacheBudget = Index{1} << 20;

/// V Hᵀ: a strip of this many rows of V against one panel of `Vectors` vectors of Hᵀ keeps
/// Rows · Vectors sums in registers, 24 for the wide panel (of 32 registers, the rest for the
/// panel's row and V's broadcast entries); narrower panels take more rows, up to 12, so that
/// there are enough independent sums to keep both multiply-add units busy without more
/// streams through V than the prefetcher follows.
template <Index Vectors>
constexpr Index kStripRows = Vectors == 4   ? 6
                             : Vectors == 3 ? 8
                                            : 12;

/// Panels across k: whole kPanel-wide panels, then one of fewer vectors for the rest.
template <typename Scalar>
Index panel_count(Index k) {
  constexpr Index kWidest = kPanel<Scalar>;
  return (k + kWidest - 1) / kWidest;
}

/// Vectors in panel `p`: kPanelVectors but for the last, which takes what is left of k.
template <typename Scalar>
Index panel_vectors(Index k, Index p) {
  constexpr Index kLanes = kVectorEntries<Scalar>;
  const Index left = k - p * kPanel<Scalar>;
  return std::min(kPanelVectors, (left + kLanes - 1) / kLanes);
}

/// Both products are sums of outer products, Σ_t a_t b_tᵀ, a_t a few entries (rows of V, or
/// components of W) and b_t a few vectors (a row of the packed Hᵀ, or of V). Where the steps
/// t read them: a(t, o) = a[t · a_step + o · a_stride], b(t, c) = b[t · b_step + c]; the
/// sums go to out(o, c) = out[o · out_stride + c].
template <typename Scalar>
struct OuterProducts {
  const Scalar* a;
  Index a_step;
  Index a_stride;
  const Scalar* b;
  Index b_step;
  Scalar* out;
  Index out_stride;
};

/// out(o, c) = out(o, c) (unless `first`) + Σ_{t ∈ steps} a(t, o) b(t, c) for o < Outer and
/// c < Width (compiled; 0: `width` at run time, at most one vector), the Outer × Width sums
/// held in registers across the steps; only the first `kept` columns of each are stored.
/// `prefetch_ahead`: also fetch b two widths further on at each step.
template <Index Outer, Index Width, typename Scalar>
[[gnu::always_inline]] inline void add_outer_products(const OuterProducts<Scalar>& x,
                                                      IndexRange steps, Index width, Index kept,
                                                      bool first, bool prefetch_ahead) {
  constexpr Index kStored = Width > 0 ? Width : kVectorEntries<Scalar>;
  const Index summed = Width > 0 ? Width : width;
  std::array<std::array<Scalar, kStored>, Outer> sums{};
  if (!first) {
    for (Index o = 0; o < Outer; ++o) {
      std::copy_n(x.out + o * x.out_stride, kept, sums[o].begin());
    }
  }
  for (Index t = steps.begin; t < steps.end; ++t) {
    const Scalar* b = x.b + t * x.b_step;
    if (prefetch_ahead) {
      const auto* ahead = reinterpret_cast<const char*>(b + 2 * summed);
      for (std::size_t offset = 0; offset < kStored * sizeof(Scalar); offset += 64) {
        __builtin_prefetch(ahead + offset);
      }
    }
    for (Index o = 0; o < Outer; ++o) {
      const Scalar a = x.a[t * x.a_step + o * x.a_stride];
#pragma omp simd
      for (Index c = 0; c < summed; ++c) {
        sums[o][c] += a * b[c];
      }
    }
  }
  for (Index o = 0; o < Outer; ++o) {
    std::copy_n(sums[o].begin(), kept, x.out + o * x.out_stride);
  }
}

/// Rows `rows` of V against the panel of Hᵀ of `Vectors` vectors that starts at column
/// `first_column` of V Hᵀ (its row j at `panel` + j · Vectors · kVectorEntries; zero past k) over
/// V's columns `columns`, the sums added to `out` (stride k) unless `columns` start at 0: strips of
/// kStripRows, then one row at a time.
template <Index Vectors, typename Scalar>
[[gnu::always_inline]] inline void rows_times_panel(const Scalar* V, Index n, IndexRange rows,
                                                    IndexRange columns, const Scalar* panel,
                                                    Index first_column, Index k, Scalar* out) {
  constexpr Index kRows = kStripRows<Vectors>;
  constexpr Index kWidth = Vectors * kVectorEntries<Scalar>;
  const Index kept = std::min(kWidth, k - first_column);
  const bool first = columns.begin == 0;
  Index i = rows.begin;
  // A strip of rows: a(j, r) = V(i + r, j), b(j, :) = the panel's row j.
  const auto strip = [&](Index row) {
    return OuterProducts<Scalar>{V + row * n, 1, n, panel, kWidth, out + row * k + first_column, k};
  };
  for (; i + kRows <= rows.end; i += kRows) {
    add_outer_products<kRows, kWidth>(strip(i), columns, kWidth, kept, first, false);
  }
  for (; i < rows.end; ++i) {
    add_outer_products<1, kWidth>(strip(i), columns, kWidth, kept, first, false);
  }
}

/// V Hᵀ on `rows`, V's columns in blocks whose packed Hᵀ fits kCacheBudget (it is then read
/// from L2 for every strip), each block's sums added to the last's in `out`.
template <typename Scalar>
[[gnu::always_inline]] inline void rows_times_packed(const Scalar* V, Index n, IndexRange rows,
                                                     const Scalar* packed, Index k, Scalar* out) {
  if (k == 0) {
    return;
  }
  if (n == 0) {  // V Hᵀ of no columns: zero
    std::fill(out + rows.begin * k, out + rows.end * k, Scalar{0});
    return;
  }
  const Index panels = panel_count<Scalar>(k);
  const Index padded = panels * kPanel<Scalar>;
  const Index block = std::max<Index>(kVectorEntries<Scalar>,
                                      kCacheBudget / (padded * static_cast<Index>(sizeof(Scalar))));
  for (Index begin = 0; begin < n; begin += block) {
    const IndexRange columns{begin, std::min(n, begin + block)};
    const Scalar* panel = packed;
    for (Index p = 0; p < panels; ++p) {
      const Index first_column = p * kPanel<Scalar>;
      switch (panel_vectors<Scalar>(k, p)) {
        case 4:
          rows_times_panel<4>(V, n, rows, columns, panel, first_column, k, out);
          break;
        case 3:
          rows_times_panel<3>(V, n, rows, columns, panel, first_column, k, out);
          break;
        case 2:
          rows_times_panel<2>(V, n, rows, columns, panel, first_column, k, out);
          break;
        default:
          rows_times_panel<1>(V, n, rows, columns, panel, first_column, k, out);
          break;
      }
      panel += n * panel_vectors<Scalar>(k, p) * kVectorEntries<Scalar>;
    }
  }
}

/// Wᵀ V: rows of V taken this many at a time for each chunk of columns, so that the chunk's
/// rows (8 KiB) stay in L1 while each group of components passes over them.
constexpr Index kRowBlock = 32;
/// Components whose sums one pass over a chunk's rows forms: Group × 4 vectors = 24 sums.
constexpr Index kComponentGroup = 6;

/// All k components of Wᵀ V on one chunk of V's columns (Count when compiled, else `count`)
/// over rows `rows`, `V` and `out` (stride n) at the chunk's first column; the sums start from
/// `out` unless `rows` start at 0. In groups of kComponentGroup, then twos, then one.
/// `prefetch_ahead`: the first group fetches each row's part two chunks on, which the hardware
/// prefetcher, seeing 32 rows n apart, does not foresee.
template <Index Count, typename Scalar>
[[gnu::always_inline]] inline void components_times_chunk(const Scalar* V, Index n, const Scalar* W,
                                                          Index k, IndexRange rows, Index count,
                                                          bool prefetch_ahead, Scalar* out) {
  const bool first = rows.begin == 0;
  const Index width = Count > 0 ? Count : count;
  // Components g, g + 1, …: a(i, o) = W(i, g + o), b(i, :) = V(i, chunk).
  const auto group = [&](Index g) {
    return OuterProducts<Scalar>{W + g, k, 1, V, n, out + g * n, n};
  };
  Index g = 0;
  for (; g + kComponentGroup <= k; g += kComponentGroup) {
    add_outer_products<kComponentGroup, Count>(group(g), rows, width, width, first,
                                               prefetch_ahead && g == 0);
  }
  for (; g + 2 <= k; g += 2) {
    add_outer_products<2, Count>(group(g), rows, width, width, first, false);
  }
  for (; g < k; ++g) {
    add_outer_products<1, Count>(group(g), rows, width, width, first, false);
  }
}

/// Wᵀ V on `columns`, in column blocks whose k-row output fits kCacheBudget (it is read and
/// written once per kRowBlock rows), each block down all of V's m rows.
template <typename Scalar>
[[gnu::always_inline]] inline void columns_w_transposed_times(const Scalar* V, Index m, Index n,
                                                              const Scalar* W, Index k,
                                                              IndexRange columns, Scalar* out) {
  constexpr Index kWide = kPanel<Scalar>;
  constexpr Index kNarrow = kVectorEntries<Scalar>;
  if (m == 0) {
    for (Index g = 0; g < k; ++g) {
      std::fill(out + g * n + columns.begin, out + g * n + columns.end, Scalar{0});
    }
    return;
  }
  const Index block = std::max<Index>(
      kWide,
      kCacheBudget / (std::max<Index>(k, 1) * static_cast<Index>(sizeof(Scalar))) / kWide * kWide);
  for (Index begin = columns.begin; begin < columns.end; begin += block) {
    const Index end = std::min(columns.end, begin + block);
    for (Index i = 0; i < m; i += kRowBlock) {
      const IndexRange rows{i, std::min(m, i + kRowBlock)};
      Index c = begin;
      for (; c + kWide <= end; c += kWide) {
        components_times_chunk<kWide>(V + c, n, W, k, rows, kWide, c + 3 * kWide <= end, out + c);
      }
      for (; c + kNarrow <= end; c += kNarrow) {
        components_times_chunk<kNarrow>(V + c, n, W, k, rows, kNarrow, false, out + c);
      }
      if (c < end) {
        components_times_chunk<0>(V + c, n, W, k, rows, end - c, false, out + c);
      }
    }
  }
}

// The kernels compiled for each vector width (vector_clones.hpp), once per precision; only
// the AVX-512 clone is called (dense_kernels_fit_this_cpu).
MPINMF_VECTOR_CLONES void rows_times_packed_cloned(const float* V, Index n, IndexRange rows,
                                                   const float* packed, Index k, float* out) {
  rows_times_packed(V, n, rows, packed, k, out);
}
MPINMF_VECTOR_CLONES void rows_times_packed_cloned(const double* V, Index n, IndexRange rows,
                                                   const double* packed, Index k, double* out) {
  rows_times_packed(V, n, rows, packed, k, out);
}
MPINMF_VECTOR_CLONES void columns_w_transposed_times_cloned(const float* V, Index m, Index n,
                                                            const float* W, Index k,
                                                            IndexRange columns, float* out) {
  columns_w_transposed_times(V, m, n, W, k, columns, out);
}
MPINMF_VECTOR_CLONES void columns_w_transposed_times_cloned(const double* V, Index m, Index n,
                                                            const double* W, Index k,
                                                            IndexRange columns, double* out) {
  columns_w_transposed_times(V, m, n, W, k, columns, out);
}

}  // namespace

bool dense_kernels_fit_this_cpu() { return this_cpu_runs_the_avx512_clone(); }

template <typename Scalar>
void pack_h_transposed(const ColumnsOf<Scalar>& H, std::vector<Scalar>& packed) {
  const Index k = H.rows();
  const Index n = H.cols();
  const Index panels = panel_count<Scalar>(k);
  Index size = 0;
  for (Index p = 0; p < panels; ++p) {
    size += n * panel_vectors<Scalar>(k, p) * kVectorEntries<Scalar>;
  }
  packed.resize(static_cast<std::size_t>(size));
  // O(n · k) before every V Hᵀ: on a wide block (n large beside m_p) a serial pass here
  // would hold the other threads back, so H's columns are shared among them.
  for_each_thread_share(n, [&](int /*share*/, IndexRange columns) {
    for (Index p = 0; p < panels; ++p) {
      Scalar* panel = packed.data() + n * p * kPanel<Scalar>;  // the panels before are full
      const Index stride = panel_vectors<Scalar>(k, p) * kVectorEntries<Scalar>;
      const Index first = p * kPanel<Scalar>;
      const Index width = std::min(stride, k - first);
      for (Index j = columns.begin; j < columns.end; ++j) {
        Scalar* row = panel + j * stride;
        std::copy_n(H.data() + j * k + first, width, row);
        std::fill(row + width, row + stride, Scalar{0});
      }
    }
  });
}

template <typename Scalar>
void times_h_transposed_in_place(const RowsOf<Scalar>& V, IndexRange rows,
                                 const std::vector<Scalar>& packed_h, Index k,
                                 RowsOf<Scalar>& out) {
  rows_times_packed_cloned(V.data(), V.cols(), rows, packed_h.data(), k, out.data());
}

template <typename Scalar>
void w_transposed_times_in_place(const RowsOf<Scalar>& V, const RowsOf<Scalar>& W, IndexRange rows,
                                 IndexRange columns, RowsOf<Scalar>& out) {
  columns_w_transposed_times_cloned(V.data() + rows.begin * V.cols(), rows.size(), V.cols(),
                                    W.data() + rows.begin * W.cols(), W.cols(), columns,
                                    out.data());
}

#define MPINMF_INSTANTIATE_DENSE_PRODUCTS(Scalar)                                                \
  template void pack_h_transposed(const ColumnsOf<Scalar>&, std::vector<Scalar>&);               \
  template void times_h_transposed_in_place(const RowsOf<Scalar>&, IndexRange,                   \
                                            const std::vector<Scalar>&, Index, RowsOf<Scalar>&); \
  template void w_transposed_times_in_place(const RowsOf<Scalar>&, const RowsOf<Scalar>&,        \
                                            IndexRange, IndexRange, RowsOf<Scalar>&);
MPINMF_INSTANTIATE_DENSE_PRODUCTS(float)
MPINMF_INSTANTIATE_DENSE_PRODUCTS(double)
#undef MPINMF_INSTANTIATE_DENSE_PRODUCTS

}  // namespace mpinmf
