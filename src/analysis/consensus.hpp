#pragma once
// Consensus clustering over restarts, as R's NMF package measures a rank (Brunet et al.,
// 2004; Kim & Park, 2007): each restart assigns every column (sample) to the component
// that dominates it; the consensus matrix holds, for each pair of columns, the share of
// restarts that put them together. A rank whose restarts agree gives a consensus of 0s
// and 1s: a cophenetic correlation and a dispersion near 1. Pure: no MPI, no I/O.

#include <cstdint>
#include <vector>

#include "mpinmf/types.hpp"

namespace mpinmf {

/// The component that dominates each column of H (its argmax; the first on ties).
std::vector<std::int64_t> dominant_components(const Matrix& H);

/// C(i, j) = share of `assignments` (one label per column each) with i and j together.
Matrix consensus_matrix(const std::vector<std::vector<std::int64_t>>& assignments);

/// A dendrogram: merge s joins clusters `left[s]` and `right[s]` at `height[s]`, in
/// increasing height. Leaves are 0 … n − 1; the cluster merge s creates is n + s.
struct Dendrogram {
  std::vector<Index> left;
  std::vector<Index> right;
  std::vector<double> height;
};

/// Average-linkage hierarchical clustering of the distances `distance` (n × n, symmetric),
/// by the nearest-neighbour chain: O(n²) time and one n × n working copy.
Dendrogram average_linkage(const Matrix& distance);

/// Pearson correlation between the distances and the dendrogram's cophenetic distances
/// (the height at which each pair first joins), over the pairs i < j; NaN when either is
/// constant (such as a consensus of all ones).
double cophenetic_correlation(const Matrix& distance, const Dendrogram& tree);

/// The dendrogram cut into `clusters` groups, numbered 0, 1, … in order of each group's
/// first column.
std::vector<std::int64_t> cut_tree(const Dendrogram& tree, Index columns, Index clusters);

/// Kim & Park's dispersion: Σ 4 (C_ij − ½)² / n², 1 for a consensus of 0s and 1s.
double dispersion(const Matrix& consensus);

/// Mean silhouette width of `labels` under `distance` (0 for a column alone in its group).
double mean_silhouette(const Matrix& distance, const std::vector<std::int64_t>& labels);

/// What a survey reports for one rank, from its restarts' column assignments.
struct ConsensusSummary {
  Matrix consensus;
  std::vector<std::int64_t> clusters;  // the consensus clustering, cut at k
  double cophenetic = 0.0;
  double dispersion = 0.0;
  double silhouette = 0.0;
};
ConsensusSummary summarize_consensus(const std::vector<std::vector<std::int64_t>>& assignments,
                                     Index k);

}  // namespace mpinmf
