#pragma once
// Test matrices with a known answer, for demos, benchmarks and tests at any size: V = W H
// plus noise, where W (m × k) is exponential and H (k × n) plants its columns in clusters
// (each column is its cluster's profile, jittered; a profile is one dominant component
// over a low background, so clusters ≤ k are told apart by which component dominates).
// Every number comes from a counter-based hash of (seed, what, row, column), so a block
// of rows is the same whichever rank makes it and however many ranks there are. Pure:
// no MPI, no I/O.

#include <cstdint>
#include <variant>
#include <vector>

#include "core/partition.hpp"
#include "mpinmf/types.hpp"

namespace mpinmf {

struct SyntheticSpec {
  Index rows = 0;
  Index columns = 0;
  Index rank = 0;        // k of the planted factors
  Index clusters = 0;    // planted column clusters
  double density = 1.0;  // share of entries kept; 1: dense
  double noise = 0.0;    // standard deviation, relative to the mean entry of W H
  std::uint64_t seed = 1;
};

/// The planted cluster (0 … clusters − 1) of every column.
std::vector<std::int64_t> planted_column_clusters(const SyntheticSpec& spec);

/// The planted H (k × n).
Matrix planted_H(const SyntheticSpec& spec);

/// The planted W's `rows` (m_p × k).
RowMatrix planted_W_rows(const SyntheticSpec& spec, IndexRange rows);

/// The expected entry of W H, which the noise is relative to: E[W] = 1, so Σ_l mean_j H_lj.
double mean_planted_entry(const Matrix& H);

/// V's `rows`: dense when spec.density is 1, otherwise CSR with each entry kept with
/// probability `density` (entries the noise takes to zero or below are dropped).
/// `W_rows` and `H` are the planted factors for those rows.
std::variant<RowMatrix, SparseRowMatrix> synthetic_rows(const SyntheticSpec& spec, IndexRange rows,
                                                        const RowMatrix& W_rows, const Matrix& H);

}  // namespace mpinmf
