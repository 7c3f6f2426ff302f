#pragma once
// NNDSVD starts (Boutsidis & Gallopoulos, 2008) from a randomized truncated SVD computed on
// the row-partitioned V: V itself is never gathered, and only l × l, l × n and n × l
// products (l = k + oversampling) travel between ranks.

#include <Eigen/Core>
#include <cstdint>

#include "core/partition.hpp"
#include "mpinmf/types.hpp"
#include "parallel/comm.hpp"
#include "starts/random_start.hpp"

namespace mpinmf {

/// What replaces the zeros NNDSVD leaves, which multiplicative updates could never move.
enum class NndsvdVariant {
  plain,        // nndsvd: the zeros stay (sparse starts, for rules that can leave zero)
  fill_mean,    // nndsvda: mean(V)
  fill_random,  // nndsvdar: uniform on (0, mean(V) / 100), counter-based on global indices
};

/// Extra sketch columns beyond k: the range finder works with l = k + this many.
inline constexpr int kSvdOversampling = 10;

/// V ≈ U diag(s) Rᵀ with U's rows split like V's.
struct TruncatedSvd {
  RowMatrix left_rows;              // this rank's rows of U, m_p × k
  Eigen::VectorXd singular_values;  // k, descending
  Matrix right;                     // R, n × k, the same on every rank
};

/// The leading k singular triplets of the m × n matrix whose rows `rows` this rank holds in
/// `local_rows` (ranks may hold none, but all must call). Halko, Martinsson & Tropp's
/// randomized range finder with `power_iterations` passes of V Vᵀ. Directions V does not
/// have (rank below k) come back with singular value 0 and zero vectors. Each pair's sign
/// makes the largest-magnitude entry of its right vector positive.
template <typename LocalRows>  // V's block in any storage of types.hpp
TruncatedSvd randomized_svd(Communicator& comm, const LocalRows& local_rows, IndexRange rows,
                            Index k, std::uint64_t seed, int oversampling = kSvdOversampling,
                            int power_iterations = 2);

/// scikit-learn's init='nndsvd' / 'nndsvda' / 'nndsvdar' for this rank's rows of W and all
/// of H. Entries below 1e-6·√mean(V) are set to zero before the variant's fill (scikit-learn's
/// absolute 1e-6, made to scale with V). The same for any number of ranks, up to rounding.
template <typename LocalRows>
Factors nndsvd_factors(Communicator& comm, const LocalRows& local_rows, IndexRange rows, Index k,
                       NndsvdVariant variant, std::uint64_t seed, double mean_of_v);

#define MPINMF_DECLARE_NNDSVD(LocalRows)                                                          \
  extern template TruncatedSvd randomized_svd(Communicator&, const LocalRows&, IndexRange, Index, \
                                              std::uint64_t, int, int);                           \
  extern template Factors nndsvd_factors(Communicator&, const LocalRows&, IndexRange, Index,      \
                                         NndsvdVariant, std::uint64_t, double);
MPINMF_FOR_EACH_LOCAL_ROWS(MPINMF_DECLARE_NNDSVD)
#undef MPINMF_DECLARE_NNDSVD

}  // namespace mpinmf
