#pragma once
// The two products that read dense V, V Hᵀ and Wᵀ V, by the project's own kernels, which read
// V where it lies. BLAS copies every panel of V into a packed buffer before it multiplies (a
// large part of OpenBLAS's time here: docs/performance.md, "Kernels that read V in place"); with k
// small beside V's sides a kernel can instead stream V's rows once, each entry broadcast against
// k-wide vectors of the other factor kept in cache, the sums in vector registers.
// local_products.cpp calls these where they measured faster than BLAS (see there) and the CPU
// has AVX-512's 32 vector registers, for which their register blocks are sized.

#include <vector>

#include "core/partition.hpp"
#include "mpinmf/types.hpp"

namespace mpinmf {

/// Whether the kernels below suit this CPU: AVX-512, whose 32 vector registers hold their
/// sums (on 16 they would spill to memory, and BLAS is kept).
bool dense_kernels_fit_this_cpu();

/// Hᵀ (n × k) as times_h_transposed_in_place reads it: in panels of up to four 64-byte
/// vectors across k, each panel n rows of the panel's columns, zero-padded past k, so that
/// each step of the kernel loads whole vectors of one row.
/// `packed` is resized to fit and reused across calls.
template <typename Scalar>
void pack_h_transposed(const ColumnsOf<Scalar>& H, std::vector<Scalar>& packed);

/// Rows `rows` of `out` (m × k, row-major, sized by the caller) = the same rows of V Hᵀ,
/// from H packed by pack_h_transposed. Built for double too (and tested), though the engine
/// keeps BLAS for double V Hᵀ, which measured faster.
template <typename Scalar>
void times_h_transposed_in_place(const RowsOf<Scalar>& V, IndexRange rows,
                                 const std::vector<Scalar>& packed_h, Index k, RowsOf<Scalar>& out);

/// Columns `columns` of `out` (k × n, row-major, sized by the caller) = the same columns of
/// W(rows, :)ᵀ V(rows, :): the whole of Wᵀ V where `rows` are all of V's, else a partial sum.
template <typename Scalar>
void w_transposed_times_in_place(const RowsOf<Scalar>& V, const RowsOf<Scalar>& W, IndexRange rows,
                                 IndexRange columns, RowsOf<Scalar>& out);

}  // namespace mpinmf
