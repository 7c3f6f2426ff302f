#include "test_problems.hpp"

#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>

namespace mpinmf::testing {

RowMatrix low_rank_rows(std::uint64_t seed, IndexRange rows, Index columns, Index true_rank,
                        double noise, double zero_fraction) {
  auto entry = [&](std::uint64_t stream, Index i, Index j) {
    const auto row = static_cast<std::uint64_t>(i);
    const auto column = static_cast<std::uint64_t>(j);
    const bool zero = counter_uniform(seed, stream + 10, row, column) < zero_fraction;
    return zero ? 0.0 : counter_uniform(seed, stream, row, column);
  };
  RowMatrix W0(rows.size(), true_rank);
  for (Index i = 0; i < rows.size(); ++i) {
    for (Index j = 0; j < true_rank; ++j) {
      W0(i, j) = entry(100, rows.begin + i, j);
    }
  }
  Matrix H0(true_rank, columns);
  for (Index i = 0; i < true_rank; ++i) {
    for (Index j = 0; j < columns; ++j) {
      H0(i, j) = entry(101, i, j);
    }
  }
  RowMatrix V = W0 * H0;
  for (Index i = 0; i < V.rows(); ++i) {
    for (Index j = 0; j < columns; ++j) {
      V(i, j) += noise * counter_uniform(seed, 102, static_cast<std::uint64_t>(rows.begin + i),
                                         static_cast<std::uint64_t>(j));
    }
  }
  return V;
}

RowMatrix writeup_rows(IndexRange rows) {
  RowMatrix all(5, 6);
  all << 0.2572934, 0.7850774, 0.1964726, 0.89460898, 0.5124385, 0.6538741,  //
      0.4548971, 0.7619701, 0.4504754, 0.04016496, 0.1973834, 0.9347442,     //
      0.8251736, 0.3744436, 0.5294228, 0.79247087, 0.5080712, 0.3198328,     //
      0.9600582, 0.5075759, 0.1684872, 0.95316732, 0.4352644, 0.5006196,     //
      0.3160396, 0.5518905, 0.2720268, 0.01742472, 0.1015410, 0.3987225;
  return all.middleRows(rows.begin, rows.size());
}

double relative_difference(Communicator& comm, const Eigen::Ref<const Matrix>& a,
                           const Eigen::Ref<const Matrix>& b, bool distributed) {
  std::array<double, 2> sums{(a - b).squaredNorm(), b.squaredNorm()};
  if (distributed) {
    comm.sum(sums.data(), 2);
  }
  return std::sqrt(sums[0] / sums[1]);
}

std::string shared_temporary_folder(Communicator& comm) {
  std::string folder;
  if (comm.is_root()) {
    std::array<char, 64> pattern{};
    const std::string base = "/tmp/mpinmf-test-XXXXXX";
    std::copy(base.begin(), base.end(), pattern.begin());
    folder = mkdtemp(pattern.data());
  }
  return comm.broadcast(folder);
}

std::vector<RuleSettings> every_algorithm() {
  std::vector<RuleSettings> all;
  for (const AlgorithmInfo& info : kAlgorithms) {
    RuleSettings settings;
    settings.algorithm = info.algorithm;
    all.push_back(settings);
  }
  return all;
}

StoppingCriteria fixed_iterations(int iterations) {
  StoppingCriteria stopping;
  stopping.max_iterations = iterations;
  stopping.tolerance = 0.0;
  return stopping;
}

}  // namespace mpinmf::testing
