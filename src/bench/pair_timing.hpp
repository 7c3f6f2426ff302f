#pragma once
// What the product-pair benchmarks share: every rank runs its products at once, a repeat
// lasts as long as its slowest rank, and the figure is the median repeat.

#include <mpi.h>

#include <algorithm>
#include <vector>

namespace mpinmf::bench {

/// The largest of the ranks' `seconds`, on every rank.
inline double slowest(double seconds) {
  MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return seconds;
}

inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace mpinmf::bench
