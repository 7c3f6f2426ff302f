#include "rules/hals.hpp"

#include <algorithm>
#include <array>

#include "core/scratch.hpp"
#include "core/vector_clones.hpp"
#include "rules/column_blocks.hpp"

namespace mpinmf {

namespace {

/// Columns whose steps one chunk of a sweep keeps in registers while it runs through the
/// other components: a chunk's sums then cost a load per multiply-add, where sums kept in
/// memory cost a load and a store, about twice as slow even on a block that fits L1
/// (column_blocks.hpp). The narrowest chunk is one 64-byte vector of columns (8 doubles or 16
/// floats); wider ones (SweepShape) go first.
template <typename Scalar>
constexpr Index kSweepChunk = kVectorEntries<Scalar>;

/// How a sweep keeps its sums in registers: Group components' steps are summed together,
/// ChunkVectors · kSweepChunk columns at a time. Each row x_l of the block, loaded once, then
/// serves Group multiply-adds, where one component at a time spends a load on every
/// multiply-add and the loads, not the multiply-adds, set the pace; and one broadcast of G's
/// entry serves the chunk's vectors. The Group × chunk sums should fill about half the vector
/// registers, the rest holding the rows and G's entries: 16 of AVX-512's 32 registers, 8 of
/// AVX2's 16. What is left of k after the groups goes in twos, then alone.
template <Index Group, Index ChunkVectors>
struct SweepShape {
  static constexpr Index group = Group;
  template <typename Scalar>
  static constexpr Index wide_chunk = (ChunkVectors * kSweepChunk<Scalar>);
};
/// AVX-512: fours of 32 columns measured fastest of the shapes tried (ones, twos, fours and
/// eights of 16 and 32 columns); eights spill the sums.
using ShapeFor32Registers = SweepShape<4, 4>;
/// AVX2: twos of 16 columns measured fastest there, fours of 32 spilling the sums.
using ShapeFor16Registers = SweepShape<2, 2>;

/// Columns [first, first + Count) of the block (Count fixed when compiled; 0 for the last,
/// fewer columns): the steps of components j … j + Group − 1, applied in order, exactly as
/// one component at a time would apply them, x_j ← max(x_j + step / curvature, floor). Each
/// step is summed over the rows as they stand before the group; component m's step then
/// takes in the changes of the group's earlier components j, G(m, j) Δx_j, before it is
/// applied. The division is a multiplication by 1 / curvature, worked out once per component
/// and sweep (a vector division takes about 16 cycles, on the path from one step to the
/// next). A component whose curvature is not positive (the other factor's component is
/// zero: nothing to fit) is left as it is; a NaN curvature is not skipped, so that a run gone
/// wrong shows NaN where the loop checks for it.
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
template <Index Group, Index Wide, typename Scalar>
[[gnu::always_inline]] inline void update_group(Scalar* X, const Scalar* B, Index k, Index count,
                                                const ColumnsOf<Scalar>& gram, Scalar l1, Scalar l2,
                                                Index j) {
  std::array<Scalar, Group> inverse_curvature;
  for (Index g = 0; g < Group; ++g) {
    const Scalar curvature = gram(j + g, j + g) + l2;
    inverse_curvature[g] = curvature <= Scalar{0} ? Scalar{0} : Scalar{1} / curvature;
  }
  Index first = 0;
  constexpr Index narrow = kSweepChunk<Scalar>;
  for (; first + Wide <= count; first += Wide) {
    update_components<Group, Wide>(X, B, k, count, gram, l1, l2, j, first, Wide, inverse_curvature);
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
template <typename Shape, typename Scalar>
[[gnu::always_inline]] inline void sweep_block_of(Scalar* X, const Scalar* B, Index k, Index count,
                                                  const ColumnsOf<Scalar>& gram,
                                                  const Penalty& penalty, int sweeps) {
  const auto l1 = static_cast<Scalar>(penalty.l1);
  const auto l2 = static_cast<Scalar>(penalty.l2);
  constexpr Index group = Shape::group;
  constexpr Index wide = Shape::template wide_chunk<Scalar>;
  for (int sweep = 0; sweep < sweeps; ++sweep) {
    Index j = 0;
    for (; j + group <= k; j += group) {
      update_group<group, wide>(X, B, k, count, gram, l1, l2, j);
    }
    if constexpr (group > 2) {
      for (; j + 2 <= k; j += 2) {
        update_group<2, wide>(X, B, k, count, gram, l1, l2, j);
      }
    }
    for (; j < k; ++j) {
      update_group<1, wide>(X, B, k, count, gram, l1, l2, j);
    }
  }
}

/// sweep_block_of in the shape for `vector_registers` (32 or 16).
template <typename Scalar>
[[gnu::always_inline]] inline void sweep_block_in_registers(Scalar* X, const Scalar* B, Index k,
                                                            Index count,
                                                            const ColumnsOf<Scalar>& gram,
                                                            const Penalty& penalty, int sweeps,
                                                            int vector_registers) {
  if (vector_registers >= 32) {
    sweep_block_of<ShapeFor32Registers>(X, B, k, count, gram, penalty, sweeps);
  } else {
    sweep_block_of<ShapeFor16Registers>(X, B, k, count, gram, penalty, sweeps);
  }
}

// The sweeps compiled for each vector width (vector_clones.hpp), once per precision.
MPINMF_VECTOR_CLONES void sweep_block(double* X, const double* B, Index k, Index count,
                                      const Matrix& gram, const Penalty& penalty, int sweeps,
                                      int vector_registers) {
  sweep_block_in_registers(X, B, k, count, gram, penalty, sweeps, vector_registers);
}
MPINMF_VECTOR_CLONES void sweep_block(float* X, const float* B, Index k, Index count,
                                      const MatrixF& gram, const Penalty& penalty, int sweeps,
                                      int vector_registers) {
  sweep_block_in_registers(X, B, k, count, gram, penalty, sweeps, vector_registers);
}

/// `to` = `from`, a block of columns copied row-major, read column after column as it lies
/// in memory. Eigen would read it in `to`'s order, across the columns, one entry from each:
/// a block just out of main memory then waits on a cache miss per entry, where reading it in
/// order lets the hardware prefetch it (the block written fits L1 either way).
template <typename Scalar>
void copy_row_major(const Eigen::Ref<const ColumnsOf<Scalar>>& from,
                    Eigen::Map<RowsOf<Scalar>>& to) {
  for (Index c = 0; c < from.cols(); ++c) {
    for (Index l = 0; l < from.rows(); ++l) {
      to(l, c) = from(l, c);
    }
  }
}

template <typename Scalar>
void hals_update_of(Eigen::Ref<ColumnsOf<Scalar>> factor, const ColumnsOf<Scalar>& gram,
                    const Eigen::Ref<const ColumnsOf<Scalar>>& product, const Penalty& penalty,
                    int sweeps, int vector_registers) {
  const Index k = factor.rows();
  for_each_column_block(k, factor.cols(), [&](Index first, Index count) {
    const Index capacity = k * cache_block_columns(k);
    auto X = scratch_matrix<RowsOf<Scalar>, struct HalsFactorBlock>(k, count, capacity);
    auto B = scratch_matrix<RowsOf<Scalar>, struct HalsProductBlock>(k, count, capacity);
    copy_row_major<Scalar>(factor.middleCols(first, count), X);
    copy_row_major<Scalar>(product.middleCols(first, count), B);
    sweep_block(X.data(), B.data(), k, count, gram, penalty, sweeps, vector_registers);
    factor.middleCols(first, count) = X;
  });
}

}  // namespace

// An Eigen::Ref is a view: passing it on by value copies a pointer, not the matrix.
// NOLINTBEGIN(performance-unnecessary-value-param)
void hals_update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                 const Eigen::Ref<const Matrix>& product, const Penalty& penalty, int sweeps) {
  hals_update_of<double>(factor, gram, product, penalty, sweeps, this_cpus_vector_registers());
}

void hals_update(Eigen::Ref<MatrixF> factor, const MatrixF& gram,
                 const Eigen::Ref<const MatrixF>& product, const Penalty& penalty, int sweeps) {
  hals_update_of<float>(factor, gram, product, penalty, sweeps, this_cpus_vector_registers());
}

void hals_update_for_registers(Eigen::Ref<Matrix> factor, const Matrix& gram,
                               const Eigen::Ref<const Matrix>& product, const Penalty& penalty,
                               int sweeps, int vector_registers) {
  hals_update_of<double>(factor, gram, product, penalty, sweeps, vector_registers);
}
// NOLINTEND(performance-unnecessary-value-param)

int automatic_hals_sweeps(Index rows, Index columns, Index rank, std::int64_t nonzeros) {
  const double per_line = static_cast<double>(nonzeros) /
                          static_cast<double>(std::max(std::max(rows, columns), Index{1}));
  const double rho = 1.0 + per_line / static_cast<double>(rank + 1);
  return static_cast<int>(std::clamp(1.0 + 0.5 * rho, 1.0, 5.0));
}

}  // namespace mpinmf
