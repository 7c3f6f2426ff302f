#include "analysis/consensus.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace mpinmf {
namespace {

/// Disjoint sets of the leaves 0 … n − 1 (union–find with path halving).
class LeafSets {
 public:
  explicit LeafSets(Index n) : parent_(static_cast<std::size_t>(n)) {
    std::iota(parent_.begin(), parent_.end(), Index{0});
  }
  Index root(Index x) {
    while (parent_[static_cast<std::size_t>(x)] != x) {
      x = parent_[static_cast<std::size_t>(x)] =
          parent_[static_cast<std::size_t>(parent_[static_cast<std::size_t>(x)])];
    }
    return x;
  }
  /// Joins the set of `from` into that of `into` (both roots).
  void join(Index into, Index from) { parent_[static_cast<std::size_t>(from)] = into; }

 private:
  std::vector<Index> parent_;
};

}  // namespace

std::vector<std::int64_t> dominant_components(const Matrix& H) {
  std::vector<std::int64_t> labels(static_cast<std::size_t>(H.cols()));
  for (Index j = 0; j < H.cols(); ++j) {
    Index dominant = 0;
    H.col(j).maxCoeff(&dominant);
    labels[static_cast<std::size_t>(j)] = dominant;
  }
  return labels;
}

Matrix consensus_matrix(const std::vector<std::vector<std::int64_t>>& assignments) {
  const auto n = assignments.empty() ? Index{0} : static_cast<Index>(assignments.front().size());
  Matrix together = Matrix::Zero(n, n);
  for (const auto& labels : assignments) {
    for (Index j = 0; j < n; ++j) {
      const std::int64_t label = labels[static_cast<std::size_t>(j)];
      for (Index i = 0; i < n; ++i) {
        together(i, j) += labels[static_cast<std::size_t>(i)] == label ? 1.0 : 0.0;
      }
    }
  }
  return assignments.empty() ? together : together / static_cast<double>(assignments.size());
}

Dendrogram average_linkage(const Matrix& distance) {
  const Index n = distance.rows();
  Dendrogram tree;
  if (n < 2) {
    return tree;
  }
  // Slot i holds a live cluster that contains leaf i (at first, leaf i alone); a merge keeps
  // the lower of its two slots.
  Matrix d = distance;
  std::vector<Index> size(static_cast<std::size_t>(n), 1);
  std::vector<bool> alive(static_cast<std::size_t>(n), true);
  struct Merge {
    Index left_slot;
    Index right_slot;
    double height;
  };
  std::vector<Merge> merges;
  std::vector<Index> chain;
  Index remaining = n;
  while (remaining > 1) {
    if (chain.empty()) {
      chain.push_back(
          static_cast<Index>(std::find(alive.begin(), alive.end(), true) - alive.begin()));
    }
    const Index a = chain.back();
    const Index previous = chain.size() > 1 ? chain[chain.size() - 2] : -1;
    // The nearest live cluster; the chain's previous one wins ties, so the chain ends.
    Index nearest = previous;
    double best = previous >= 0 ? d(a, previous) : std::numeric_limits<double>::infinity();
    for (Index b = 0; b < n; ++b) {
      if (b != a && alive[static_cast<std::size_t>(b)] && d(a, b) < best) {
        best = d(a, b);
        nearest = b;
      }
    }
    if (nearest != previous) {
      chain.push_back(nearest);
      continue;
    }
    chain.pop_back();
    chain.pop_back();
    const Index keep = std::min(a, nearest);
    const Index gone = std::max(a, nearest);
    merges.push_back({keep, gone, best});
    // Lance–Williams for average linkage: the size-weighted mean of the two distances.
    const auto size_keep = static_cast<double>(size[static_cast<std::size_t>(keep)]);
    const auto size_gone = static_cast<double>(size[static_cast<std::size_t>(gone)]);
    for (Index c = 0; c < n; ++c) {
      if (alive[static_cast<std::size_t>(c)] && c != keep && c != gone) {
        d(keep, c) = d(c, keep) =
            (size_keep * d(keep, c) + size_gone * d(gone, c)) / (size_keep + size_gone);
      }
    }
    size[static_cast<std::size_t>(keep)] += size[static_cast<std::size_t>(gone)];
    alive[static_cast<std::size_t>(gone)] = false;
    --remaining;
  }
  // The chain finds merges out of height order. Sorted by height, the merges are numbered by
  // joining, in that order, the groups that hold each merge's two leaves (as SciPy does):
  // a merge whose height rounding put a hair below one it contains still joins two distinct
  // groups, since the merges' leaf pairs form a spanning tree of the leaves.
  std::stable_sort(merges.begin(), merges.end(),
                   [](const Merge& x, const Merge& y) { return x.height < y.height; });
  LeafSets sets(n);
  std::vector<Index> cluster_of_root(static_cast<std::size_t>(n));
  std::iota(cluster_of_root.begin(), cluster_of_root.end(), Index{0});
  for (std::size_t s = 0; s < merges.size(); ++s) {
    const Index left = sets.root(merges[s].left_slot);
    const Index right = sets.root(merges[s].right_slot);
    tree.left.push_back(cluster_of_root[static_cast<std::size_t>(left)]);
    tree.right.push_back(cluster_of_root[static_cast<std::size_t>(right)]);
    tree.height.push_back(merges[s].height);
    sets.join(left, right);
    cluster_of_root[static_cast<std::size_t>(left)] = n + static_cast<Index>(s);
  }
  return tree;
}

namespace {

/// The leaves under each cluster id, built merge by merge; `visit(left, right, height)`
/// sees each merge's two member lists before they join.
template <typename Visit>
void walk_merges(const Dendrogram& tree, Index columns, Visit&& visit) {
  std::vector<std::vector<Index>> members(static_cast<std::size_t>(columns) + tree.left.size());
  for (Index i = 0; i < columns; ++i) {
    members[static_cast<std::size_t>(i)] = {i};
  }
  for (std::size_t s = 0; s < tree.left.size(); ++s) {
    auto& left = members[static_cast<std::size_t>(tree.left[s])];
    auto& right = members[static_cast<std::size_t>(tree.right[s])];
    visit(left, right, tree.height[s]);
    auto& joined = members[static_cast<std::size_t>(columns) + s];
    joined = std::move(left);
    joined.insert(joined.end(), right.begin(), right.end());
    right.clear();
  }
}

}  // namespace

double cophenetic_correlation(const Matrix& distance, const Dendrogram& tree) {
  // Pearson over the pairs, accumulated merge by merge: each pair meets at one merge.
  double count = 0.0;
  double sum_x = 0.0;
  double sum_y = 0.0;
  double sum_xx = 0.0;
  double sum_yy = 0.0;
  double sum_xy = 0.0;
  walk_merges(tree, distance.rows(),
              [&](const std::vector<Index>& left, const std::vector<Index>& right, double height) {
                for (const Index a : left) {
                  for (const Index b : right) {
                    const double x = distance(a, b);
                    count += 1.0;
                    sum_x += x;
                    sum_y += height;
                    sum_xx += x * x;
                    sum_yy += height * height;
                    sum_xy += x * height;
                  }
                }
              });
  const double covariance = sum_xy - sum_x * sum_y / count;
  const double spread =
      std::sqrt((sum_xx - sum_x * sum_x / count) * (sum_yy - sum_y * sum_y / count));
  // Constant distances (every restart puts every column together) correlate with nothing:
  // NaN, as R's cor() gives NA, and a survey never suggests such a k.
  return spread > 0.0 ? covariance / spread : std::numeric_limits<double>::quiet_NaN();
}

std::vector<std::int64_t> cut_tree(const Dendrogram& tree, Index columns, Index clusters) {
  // Union the leaves joined by all but the last clusters − 1 merges.
  LeafSets sets(columns);
  const auto kept = static_cast<std::size_t>(std::max<Index>(columns - clusters, 0));
  std::size_t merged = 0;
  walk_merges(tree, columns,
              [&](const std::vector<Index>& left, const std::vector<Index>& right, double) {
                if (merged++ < kept) {
                  sets.join(sets.root(left.front()), sets.root(right.front()));
                }
              });
  std::vector<std::int64_t> labels(static_cast<std::size_t>(columns), -1);
  std::vector<std::int64_t> label_of_root(static_cast<std::size_t>(columns), -1);
  std::int64_t next = 0;
  for (Index i = 0; i < columns; ++i) {
    auto& label = label_of_root[static_cast<std::size_t>(sets.root(i))];
    if (label < 0) {
      label = next++;
    }
    labels[static_cast<std::size_t>(i)] = label;
  }
  return labels;
}

double dispersion(const Matrix& consensus) {
  if (consensus.size() == 0) {
    return 0.0;
  }
  return 4.0 * (consensus.array() - 0.5).square().sum() / static_cast<double>(consensus.size());
}

double mean_silhouette(const Matrix& distance, const std::vector<std::int64_t>& labels) {
  const Index n = distance.rows();
  if (n == 0) {
    return 0.0;
  }
  const std::int64_t groups = *std::max_element(labels.begin(), labels.end()) + 1;
  double total = 0.0;
  Eigen::VectorXd sums(groups);
  Eigen::VectorXd sizes(groups);
  for (Index i = 0; i < n; ++i) {
    sums.setZero();
    sizes.setZero();
    for (Index j = 0; j < n; ++j) {
      if (j != i) {
        sums(labels[static_cast<std::size_t>(j)]) += distance(i, j);
        sizes(labels[static_cast<std::size_t>(j)]) += 1.0;
      }
    }
    const std::int64_t own = labels[static_cast<std::size_t>(i)];
    if (sizes(own) == 0.0) {
      continue;  // alone in its group: silhouette 0
    }
    const double within = sums(own) / sizes(own);
    double between = std::numeric_limits<double>::infinity();
    for (std::int64_t g = 0; g < groups; ++g) {
      if (g != own && sizes(g) > 0.0) {
        between = std::min(between, sums(g) / sizes(g));
      }
    }
    if (std::isfinite(between) && std::max(within, between) > 0.0) {
      total += (between - within) / std::max(within, between);
    }
  }
  return total / static_cast<double>(n);
}

ConsensusSummary summarize_consensus(const std::vector<std::vector<std::int64_t>>& assignments,
                                     Index k) {
  ConsensusSummary summary;
  summary.consensus = consensus_matrix(assignments);
  const Matrix distance =
      Matrix::Ones(summary.consensus.rows(), summary.consensus.cols()) - summary.consensus;
  const Dendrogram tree = average_linkage(distance);
  const Index n = summary.consensus.rows();
  summary.clusters = cut_tree(tree, n, std::min(k, n));
  summary.cophenetic =
      n > 1 ? cophenetic_correlation(distance, tree) : std::numeric_limits<double>::quiet_NaN();
  summary.dispersion = dispersion(summary.consensus);
  summary.silhouette = mean_silhouette(distance, summary.clusters);
  return summary;
}

}  // namespace mpinmf
