#include "analysis/consensus.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace mpinmf {
namespace {

/// Average linkage the slow, obvious way: merge the closest pair, recompute the mean
/// distance between every two clusters from the leaves. Returns the heights in order and
/// the cophenetic distance matrix.
std::pair<std::vector<double>, Matrix> naive_average_linkage(const Matrix& distance) {
  const Index n = distance.rows();
  std::vector<std::vector<Index>> clusters;
  for (Index i = 0; i < n; ++i) {
    clusters.push_back({i});
  }
  std::vector<double> heights;
  Matrix cophenetic = Matrix::Zero(n, n);
  while (clusters.size() > 1) {
    double best = std::numeric_limits<double>::infinity();
    std::size_t best_a = 0;
    std::size_t best_b = 0;
    for (std::size_t a = 0; a < clusters.size(); ++a) {
      for (std::size_t b = a + 1; b < clusters.size(); ++b) {
        double total = 0.0;
        for (const Index x : clusters[a]) {
          for (const Index y : clusters[b]) {
            total += distance(x, y);
          }
        }
        const double mean = total / static_cast<double>(clusters[a].size() * clusters[b].size());
        if (mean < best) {
          best = mean;
          best_a = a;
          best_b = b;
        }
      }
    }
    for (const Index x : clusters[best_a]) {
      for (const Index y : clusters[best_b]) {
        cophenetic(x, y) = cophenetic(y, x) = best;
      }
    }
    heights.push_back(best);
    clusters[best_a].insert(clusters[best_a].end(), clusters[best_b].begin(),
                            clusters[best_b].end());
    clusters.erase(clusters.begin() + static_cast<std::ptrdiff_t>(best_b));
  }
  return {heights, cophenetic};
}

Matrix random_distances(Index n, unsigned seed) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  Matrix points(n, 3);
  for (Index i = 0; i < points.size(); ++i) {
    points.data()[i] = uniform(generator);
  }
  Matrix distance(n, n);
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < n; ++j) {
      distance(i, j) = (points.row(i) - points.row(j)).norm();
    }
  }
  return distance;
}

TEST(AverageLinkage, MergesAtTheHeightsOfTheObviousAlgorithm) {
  for (const unsigned seed : {1U, 2U, 3U}) {
    const Matrix distance = random_distances(40, seed);
    const Dendrogram tree = average_linkage(distance);
    const auto [heights, cophenetic] = naive_average_linkage(distance);
    ASSERT_EQ(tree.height.size(), heights.size());
    for (std::size_t s = 0; s < heights.size(); ++s) {
      EXPECT_NEAR(tree.height[s], heights[s], 1e-12) << "merge " << s;
    }
    // Pearson correlation of the pairs i < j, computed directly.
    std::vector<double> x;
    std::vector<double> y;
    for (Index i = 0; i < distance.rows(); ++i) {
      for (Index j = i + 1; j < distance.rows(); ++j) {
        x.push_back(distance(i, j));
        y.push_back(cophenetic(i, j));
      }
    }
    const Eigen::Map<Eigen::ArrayXd> a(x.data(), static_cast<Index>(x.size()));
    const Eigen::Map<Eigen::ArrayXd> b(y.data(), static_cast<Index>(y.size()));
    const double correlation =
        ((a - a.mean()) * (b - b.mean())).sum() /
        std::sqrt((a - a.mean()).square().sum() * (b - b.mean()).square().sum());
    EXPECT_NEAR(cophenetic_correlation(distance, tree), correlation, 1e-12);
  }
}

TEST(Consensus, RestartsThatAgreeGiveAPerfectScoreAndTheirClusters) {
  const std::vector<std::int64_t> planted{2, 2, 0, 1, 0, 2, 1, 1, 0};
  std::vector<std::vector<std::int64_t>> restarts;
  for (std::int64_t shift = 0; shift < 4; ++shift) {  // the same partition, relabelled
    std::vector<std::int64_t> labels = planted;
    for (auto& label : labels) {
      label = (label + shift) % 3;
    }
    restarts.push_back(labels);
  }
  const ConsensusSummary summary = summarize_consensus(restarts, 3);
  EXPECT_TRUE((summary.consensus.array() == 0.0 || summary.consensus.array() == 1.0).all());
  EXPECT_DOUBLE_EQ(summary.dispersion, 1.0);
  EXPECT_NEAR(summary.cophenetic, 1.0, 1e-12);
  EXPECT_NEAR(summary.silhouette, 1.0, 1e-12);
  // The same partition, numbered by first column.
  EXPECT_EQ(summary.clusters, (std::vector<std::int64_t>{0, 0, 1, 2, 1, 0, 2, 2, 1}));
}

TEST(Consensus, RestartsThatDisagreeScoreLower) {
  std::mt19937 generator(5);
  std::uniform_int_distribution<std::int64_t> label(0, 2);
  std::vector<std::vector<std::int64_t>> restarts(10, std::vector<std::int64_t>(30));
  for (auto& labels : restarts) {
    std::generate(labels.begin(), labels.end(), [&] { return label(generator); });
  }
  const ConsensusSummary summary = summarize_consensus(restarts, 3);
  EXPECT_LT(summary.dispersion, 0.5);
  EXPECT_LT(summary.cophenetic, 0.95);
  EXPECT_LT(summary.silhouette, 0.5);
  EXPECT_NEAR(summary.consensus.diagonal().minCoeff(), 1.0, 0.0);
  EXPECT_TRUE(summary.consensus.isApprox(summary.consensus.transpose()));
}

TEST(Consensus, DominantComponentIsTheArgmaxOfEachColumn) {
  Matrix H(3, 4);
  H << 1, 0, 5, 2,  //
      3, 0, 1, 2,   //
      2, 1, 0, 1;
  EXPECT_EQ(dominant_components(H), (std::vector<std::int64_t>{1, 2, 0, 0}));
}

/// Each merge joins two clusters that exist by then (leaves, or clusters earlier merges made),
/// each cluster is joined once, and the heights never decrease.
void expect_valid(const Dendrogram& tree, Index n) {
  std::vector<bool> used(static_cast<std::size_t>(2 * n), false);
  for (std::size_t s = 0; s < tree.left.size(); ++s) {
    for (const Index child : {tree.left[s], tree.right[s]}) {
      EXPECT_GE(child, 0);
      EXPECT_LT(child, n + static_cast<Index>(s)) << "merge " << s;
      EXPECT_FALSE(used[static_cast<std::size_t>(child)]) << "cluster " << child << " twice";
      used[static_cast<std::size_t>(child)] = true;
    }
    if (s > 0) {
      EXPECT_GE(tree.height[s], tree.height[s - 1]);
    }
  }
}

TEST(AverageLinkage, TiedDistancesStillGiveAValidTree) {
  // Every pair together in one restart of three: all distances 2/3, which the average of
  // merged distances can round a hair below; the tree must still be well formed.
  const std::vector<std::vector<std::int64_t>> restarts{{0, 0, 1, 1}, {0, 1, 0, 1}, {0, 1, 1, 0}};
  const Matrix distance = Matrix::Ones(4, 4) - consensus_matrix(restarts);
  const Dendrogram tree = average_linkage(distance);
  ASSERT_EQ(tree.left.size(), 3U);
  expect_valid(tree, 4);
  for (const Index k : {1, 2, 3, 4}) {
    const auto labels = cut_tree(tree, 4, k);
    EXPECT_EQ(*std::max_element(labels.begin(), labels.end()) + 1, k);
  }
  // Many ties at random: noisy labels over few restarts.
  std::mt19937 generator(7);
  std::uniform_int_distribution<std::int64_t> label(0, 5);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<std::vector<std::int64_t>> noisy(20, std::vector<std::int64_t>(120));
    for (auto& labels : noisy) {
      std::generate(labels.begin(), labels.end(), [&] { return label(generator); });
    }
    const ConsensusSummary summary = summarize_consensus(noisy, 6);
    expect_valid(average_linkage(Matrix::Ones(120, 120) - summary.consensus), 120);
    EXPECT_EQ(*std::max_element(summary.clusters.begin(), summary.clusters.end()), 5);
  }
}

TEST(Consensus, AConsensusOfAllOnesHasNoCopheneticCorrelation) {
  const ConsensusSummary summary = summarize_consensus({{0, 0, 0}, {2, 2, 2}}, 2);
  EXPECT_TRUE(std::isnan(summary.cophenetic));
  EXPECT_DOUBLE_EQ(summary.dispersion, 1.0);
}

TEST(CutTree, GivesTheRequestedNumberOfGroups) {
  const Matrix distance = random_distances(25, 9);
  const Dendrogram tree = average_linkage(distance);
  expect_valid(tree, 25);
  for (const Index k : {1, 2, 5, 25}) {
    const auto labels = cut_tree(tree, 25, k);
    EXPECT_EQ(*std::max_element(labels.begin(), labels.end()) + 1, k);
    EXPECT_EQ(labels.front(), 0);
  }
}

}  // namespace
}  // namespace mpinmf
