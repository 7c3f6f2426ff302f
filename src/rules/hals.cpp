#include "mpinmf/rules/hals.hpp"

#include <algorithm>
#include <array>

#include "mpinmf/rules/column_blocks.hpp"
#include "mpinmf/vector_clones.hpp"

namespace mpinmf {

namespace {

/// Columns whose steps one chunk of a sweep keeps in registers while it runs through the
/// other components: a chunk's sums then cost a load per multiply-add, where sums kept in
/// memory cost a load and a store (measured on a block that fits L1, column_blocks.hpp: 1.9×
/// at k = 20 and 2.1× at k = 50 on the sweeps). Chunks of kWideChunk columns go first: one
/// broadcast of G's entry then serves four vectors (1.15× at k = 50); the block's last
/// columns go by kSweepChunk. Both in entries of one 64-byte vector: 8 doubles or 16 floats.
template <typename Scalar>
constexpr Index kSweepChunk = 64 / sizeof(Scalar);
template <typename Scalar>
constexpr Index kWideChunk = 4 * kSweepChunk<Scalar>;

/// Components whose steps are summed together, kComponentGroup at a time: each row x_l of
/// the block, loaded once, then serves that many multiply-adds, where one component at a
/// time spends a load on every multiply-add and the loads, not the multiply-adds, set the
/// pace. The sums of a group are independent chains, enough of them to hide the
/// multiply-adds' latency. 5 sweeps at k = 50 on 10000 columns, one thread: 0.0052 s one
/// component at a time, 0.0047 in twos, 0.0040 in fours and sixes, 0.0049 in eights (whose
/// sums no longer fit the registers); at k = 20, 0.0012 against 0.00105 in fours. What is
/// left of k after the fours goes in twos, then alone.
constexpr Index kComponentGroup = 4;

/// Columns [first, first + Count) of the block (Count fixed when compiled; 0 for the last,
/// fewer columns): the steps of components j … j + Group − 1, applied in order, exactly as
/// one component at a time would apply them, x_j ← max(x_j + step / curvature, floor). Each
/// step is summed over the rows as they stand before the group; a component's step then
/// takes in the changes of the group's earlier components, G(j', j) Δx_j, before it is
/// applied. The division is a multiplication by 1 / curvature, worked out once per component
/// and sweep (a vector division takes about 16 cycles, on the path from one step to the
/// next). A component whose curvature is not positive (the other factor's component is
/// zero: nothing to fit) is left as it is.
template <Index Group, Index Count, typename Scalar>
[[gnu::always_inline]] inline void update_components(
    Scalar* X, const Scalar* B, Index k, Index count, const ColumnsOf<Scalar>& gram, Scalar l1,
    Scalar l2, Index j, Index first, Index columns,
    const std::array<Scalar, Group>& inverse_curvature) {
  const Index width = Count > 0 ? Count : columns;
  constexpr Index kStored = Count > 0 ? Count : kSweepChunk<Scalar>;
  std::array<std::array<Scalar, kStored>, Group> step;
  for (Index g = 0; g < Group; ++g) {
    const Scalar* x_g = X + (j + g) * count + first;
    const Scalar* b_g = B + (j + g) * count + first;
#pragma omp simd
    for (Index c = 0; c < width; ++c) {
      step[g][c] = b_g[c] - l1 - l2 * x_g[c];
    }
  }
  for (Index l = 0; l < k; ++l) {
    const Scalar* x_l = X + l * count + first;
    const Scalar* g_l = gram.data() + l * k + j;  // G(j … j + Group − 1, l)
    for (Index g = 0; g < Group; ++g) {
      const Scalar g_gl = g_l[g];
#pragma omp simd
      for (Index c = 0; c < width; ++c) {
        step[g][c] -= g_gl * x_l[c];
      }
    }
  }
  const auto floor = hals_floor<Scalar>();
  for (Index g = 0; g < Group; ++g) {
    if (inverse_curvature[g] == Scalar{0}) {
      continue;
    }
    Scalar* x_g = X + (j + g) * count + first;
    std::array<Scalar, kStored> change;
#pragma omp simd
    for (Index c = 0; c < width; ++c) {
      const Scalar updated = std::max(x_g[c] + step[g][c] * inverse_curvature[g], floor);
      change[c] = updated - x_g[c];
      x_g[c] = updated;
    }
    for (Index later = g + 1; later < Group; ++later) {
      const Scalar g_later = gram(j + later, j + g);
#pragma omp simd
      for (Index c = 0; c < width; ++c) {
        step[later][c] -= g_later * change[c];
      }
    }
  }
}

/// One sweep's steps of components j … j + Group − 1 over the whole block, chunk by chunk.
template <Index Group, typename Scalar>
[[gnu::always_inline]] inline void update_group(Scalar* X, const Scalar* B, Index k, Index count,
                                                const ColumnsOf<Scalar>& gram, Scalar l1, Scalar l2,
                                                Index j) {
  std::array<Scalar, Group> inverse_curvature;
  for (Index g = 0; g < Group; ++g) {
    const Scalar curvature = gram(j + g, j + g) + l2;
    inverse_curvature[g] = curvature > Scalar{0} ? Scalar{1} / curvature : Scalar{0};
  }
  Index first = 0;
  constexpr Index wide = kWideChunk<Scalar>;
  constexpr Index narrow = kSweepChunk<Scalar>;
  for (; first + wide <= count; first += wide) {
    update_components<Group, wide>(X, B, k, count, gram, l1, l2, j, first, wide, inverse_curvature);
  }
  for (; first + narrow <= count; first += narrow) {
    update_components<Group, narrow>(X, B, k, count, gram, l1, l2, j, first, narrow,
                                     inverse_curvature);
  }
  if (first < count) {
    update_components<Group, 0>(X, B, k, count, gram, l1, l2, j, first, count - first,
                                inverse_curvature);
  }
}

/// The sweeps on one block, copied row-major (k × count): component j's step is then k
/// contiguous multiply-adds per column, where X's column-major storage would stride them.
template <typename Scalar>
[[gnu::always_inline]] inline void sweep_block_of(Scalar* X, const Scalar* B, Index k, Index count,
                                                  const ColumnsOf<Scalar>& gram,
                                                  const Penalty& penalty, int sweeps) {
  const auto l1 = static_cast<Scalar>(penalty.l1);
  const auto l2 = static_cast<Scalar>(penalty.l2);
  for (int sweep = 0; sweep < sweeps; ++sweep) {
    Index j = 0;
    for (; j + kComponentGroup <= k; j += kComponentGroup) {
      update_group<kComponentGroup>(X, B, k, count, gram, l1, l2, j);
    }
    for (; j + 2 <= k; j += 2) {
      update_group<2>(X, B, k, count, gram, l1, l2, j);
    }
    if (j < k) {
      update_group<1>(X, B, k, count, gram, l1, l2, j);
    }
  }
}

// The sweeps compiled for each vector width (vector_clones.hpp), once per precision.
MPINMF_VECTOR_CLONES void sweep_block(double* X, const double* B, Index k, Index count,
                                      const Matrix& gram, const Penalty& penalty, int sweeps) {
  sweep_block_of(X, B, k, count, gram, penalty, sweeps);
}
MPINMF_VECTOR_CLONES void sweep_block(float* X, const float* B, Index k, Index count,
                                      const MatrixF& gram, const Penalty& penalty, int sweeps) {
  sweep_block_of(X, B, k, count, gram, penalty, sweeps);
}

/// `to` = `from`, a block of columns copied row-major, read column after column as it lies
/// in memory. Eigen would read it in `to`'s order, across the columns, one entry from each:
/// a block just out of main memory then waits on a cache miss per entry, where reading it in
/// order lets the hardware prefetch it (HALS's block copies, 2 × 1.86% of the dense k = 50
/// iteration's samples; the block written fits L1 either way).
template <typename Scalar>
void copy_row_major(const Eigen::Ref<const ColumnsOf<Scalar>>& from, RowsOf<Scalar>& to) {
  to.resize(from.rows(), from.cols());
  for (Index c = 0; c < from.cols(); ++c) {
    for (Index l = 0; l < from.rows(); ++l) {
      to(l, c) = from(l, c);
    }
  }
}

template <typename Scalar>
void hals_update_of(Eigen::Ref<ColumnsOf<Scalar>> factor, const ColumnsOf<Scalar>& gram,
                    const Eigen::Ref<const ColumnsOf<Scalar>>& product, const Penalty& penalty,
                    int sweeps) {
  const Index k = factor.rows();
  RowsOf<Scalar> X;
  RowsOf<Scalar> B;
  for_each_column_block(k, factor.cols(), [&](Index first, Index count) {
    copy_row_major<Scalar>(factor.middleCols(first, count), X);
    copy_row_major<Scalar>(product.middleCols(first, count), B);
    sweep_block(X.data(), B.data(), k, count, gram, penalty, sweeps);
    factor.middleCols(first, count) = X;
  });
}

}  // namespace

// An Eigen::Ref is a view: passing it on by value copies a pointer, not the matrix.
// NOLINTBEGIN(performance-unnecessary-value-param)
void hals_update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                 const Eigen::Ref<const Matrix>& product, const Penalty& penalty, int sweeps) {
  hals_update_of<double>(factor, gram, product, penalty, sweeps);
}

void hals_update(Eigen::Ref<MatrixF> factor, const MatrixF& gram,
                 const Eigen::Ref<const MatrixF>& product, const Penalty& penalty, int sweeps) {
  hals_update_of<float>(factor, gram, product, penalty, sweeps);
}
// NOLINTEND(performance-unnecessary-value-param)

int automatic_hals_sweeps(Index rows, Index columns, Index rank, std::int64_t nonzeros) {
  const double per_line = static_cast<double>(nonzeros) /
                          static_cast<double>(std::max(std::max(rows, columns), Index{1}));
  const double rho = 1.0 + per_line / static_cast<double>(rank + 1);
  return static_cast<int>(std::clamp(1.0 + 0.5 * rho, 1.0, 5.0));
}

}  // namespace mpinmf
