// What the scaling model (scripts/bench/model) needs to know of this machine's MPI: the
// one-way time of a message between two ranks at sizes from 8 bytes to 8 MB, to fit a
// latency α and a cost per byte β, and the times of the engine's three collectives at the
// sizes one iteration uses (reduce-scatter and allgather of the k × n WᵀV and H, the sum of
// the k × k + 5 monitor doubles), through the engine's own Communicator, to check the
// collective formulas the model builds from α and β. Beside them, "sum_products": all of the
// k × n WᵀV summed on every rank (an allreduce), the simple form of the H half's exchange,
// to compare with the reduce-scatter at a problem's sizes.
//
// Usage: mpirun -np P mpinmf_comm_probe K COLUMNS [REPEATS]
// Prints "pingpong BYTES SECONDS" lines (ranks 0 and P − 1; P ≥ 2) and one line per
// collective: "NAME BYTES SECONDS", the median over repeats of the slowest rank.

#include <mpi.h>

#include <cstdlib>
#include <iostream>
#include <vector>

#include "engine/loop_control.hpp"
#include "mpinmf/types.hpp"
#include "pair_timing.hpp"
#include "parallel/comm.hpp"

namespace {

using mpinmf::Index;
using mpinmf::bench::median_of_slowest;

constexpr std::size_t kSmallestMessage = 8;
constexpr std::size_t kLargestMessage = std::size_t{8} << 20;

/// Half the round trip of `bytes` between rank 0 and the last rank (the farthest pair, which
/// on a cluster would sit on different nodes).
double one_way_seconds(std::size_t bytes, int repeats, const mpinmf::bench::World& world) {
  std::vector<char> buffer(bytes);
  const int last = world.size - 1;
  const int count = static_cast<int>(bytes);
  return median_of_slowest(repeats,
                           [&] {
                             if (world.rank == 0) {
                               MPI_Send(buffer.data(), count, MPI_CHAR, last, 0, MPI_COMM_WORLD);
                               MPI_Recv(buffer.data(), count, MPI_CHAR, last, 0, MPI_COMM_WORLD,
                                        MPI_STATUS_IGNORE);
                             } else if (world.rank == last) {
                               MPI_Recv(buffer.data(), count, MPI_CHAR, 0, 0, MPI_COMM_WORLD,
                                        MPI_STATUS_IGNORE);
                               MPI_Send(buffer.data(), count, MPI_CHAR, 0, 0, MPI_COMM_WORLD);
                             }
                           }) /
         2.0;
}

void probe(Index k, Index n, int repeats, const mpinmf::bench::World& world) {
  if (world.size >= 2) {
    for (std::size_t bytes = kSmallestMessage; bytes <= kLargestMessage; bytes *= 4) {
      const double seconds = one_way_seconds(bytes, repeats, world);
      if (world.rank == 0) {
        std::cout << "pingpong " << bytes << " " << seconds << "\n";
      }
    }
  }
  mpinmf::Communicator comm(MPI_COMM_WORLD);
  const std::vector<mpinmf::IndexRange> blocks = mpinmf::column_blocks(n, world.size);
  mpinmf::Matrix local = mpinmf::Matrix::Ones(k, n);
  mpinmf::Matrix own;
  std::vector<double> monitor(static_cast<std::size_t>(k * k + 5), 1.0);
  const double factor_bytes = static_cast<double>(k * n) * sizeof(double);
  const double scattered =
      median_of_slowest(repeats, [&] { comm.reduce_scatter_columns(local, blocks, own); });
  const double gathered =
      median_of_slowest(repeats, [&] { comm.allgather_columns(local, blocks); });
  const double summed = median_of_slowest(
      repeats, [&] { comm.sum(monitor.data(), static_cast<Index>(monitor.size())); });
  // The simple form of the H half's exchange: all of WᵀV summed on every rank.
  const double all_summed = median_of_slowest(repeats, [&] { comm.sum(local); });
  if (world.rank == 0) {
    std::cout << "reduce_scatter_columns " << factor_bytes << " " << scattered << "\n"
              << "allgather_columns " << factor_bytes << " " << gathered << "\n"
              << "sum " << static_cast<double>(monitor.size() * sizeof(double)) << " " << summed
              << "\n"
              << "sum_products " << factor_bytes << " " << all_summed << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  const auto world =
      mpinmf::bench::start(argc, argv, 3, "usage: mpinmf_comm_probe K COLUMNS [REPEATS]");
  if (!world) {
    return 2;
  }
  const Index k = std::atol(argv[1]);
  const Index n = std::atol(argv[2]);
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 20;
  probe(k, n, repeats, *world);
  MPI_Finalize();
  return 0;
}
