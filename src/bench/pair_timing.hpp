#pragma once
// What the benchmark tools share: starting MPI with their arguments checked, every rank timing
// a step at once, a repeat lasting as long as its slowest rank, and the median repeat.

#include <mpi.h>

#include <algorithm>
#include <iostream>
#include <optional>
#include <vector>

namespace mpinmf::bench {

struct World {
  int rank = 0;
  int size = 1;
};

/// MPI_Init and this rank's place in the world; with fewer than `needed` arguments (the
/// program's name counted), `usage` on rank 0's stderr, MPI_Finalize and nothing: the tool
/// then exits with status 2.
inline std::optional<World> start(int& argc, char**& argv, int needed, const char* usage) {
  MPI_Init(&argc, &argv);
  World world;
  MPI_Comm_rank(MPI_COMM_WORLD, &world.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &world.size);
  if (argc < needed) {
    if (world.rank == 0) {
      std::cerr << usage << "\n";
    }
    MPI_Finalize();
    return std::nullopt;
  }
  return world;
}

/// The largest of the ranks' `seconds`, on every rank.
inline double slowest(double seconds) {
  MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return seconds;
}

inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

/// The median over `repeats` of the slowest rank's seconds for `step`, all ranks starting
/// together, after one warm-up.
template <typename Step>
double median_of_slowest(int repeats, Step step) {
  std::vector<double> seconds;
  for (int repeat = 0; repeat <= repeats; ++repeat) {
    MPI_Barrier(MPI_COMM_WORLD);
    const double begin = MPI_Wtime();
    step();
    const double elapsed = slowest(MPI_Wtime() - begin);
    if (repeat > 0) {
      seconds.push_back(elapsed);
    }
  }
  return median(seconds);
}

}  // namespace mpinmf::bench
