// The bound one NMF iteration is measured against: the two products that read V,
// V_p Hᵀ (m_p × k) and W_pᵀ V_p (k × n), timed on every rank at once with the same
// storage orders and code (LocalProducts) as the engine, V in double or single precision.
//
// Usage: mpirun -np P mpinmf_gemm_pair ROWS COLUMNS K [REPEATS] [THREADS] [double|single]
// Prints the median over repeats of the slowest rank's seconds for the pair.

#include <mpi.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "core/partition.hpp"
#include "core/resources.hpp"
#include "kernels/local_products.hpp"
#include "mpinmf/types.hpp"
#include "pair_timing.hpp"
#include "parallel/comm.hpp"

namespace {

/// The median over `repeats` of the slowest rank's seconds for the pair on `V`.
template <typename LocalRows>
double time_pair(const LocalRows& V, mpinmf::Index k, int repeats) {
  using Scalar = typename LocalRows::Scalar;  // the factors' and products' too, as in the loop
  const mpinmf::RowsOf<Scalar> W = mpinmf::RowsOf<Scalar>::Random(V.rows(), k).cwiseAbs();
  const mpinmf::ColumnsOf<Scalar> H = mpinmf::ColumnsOf<Scalar>::Random(k, V.cols()).cwiseAbs();
  mpinmf::RowsOf<Scalar> VHt(V.rows(), k);
  mpinmf::ColumnsOf<Scalar> WtV(k, V.cols());
  mpinmf::LocalProducts<LocalRows> products(V);
  const mpinmf::OwnLoopsHaveTheCores own_loops;  // as the engine's loop holds them
  const double seconds = mpinmf::bench::median_of_slowest(repeats, [&] {
    products.w_transposed_times(W, WtV);
    products.times_h_transposed(H, VHt);
  });
  if (!(WtV.sum() + VHt.sum() > 0)) {
    std::cerr << "mpinmf_gemm_pair: the products came out zero\n";
  }
  return seconds;
}

/// A random non-negative block of V, in memory advised as the reader advises V's
/// (advise_large_pages), so that the bound and the loop read V the same way.
template <typename Scalar>
mpinmf::RowsOf<Scalar> random_block(mpinmf::Index rows, mpinmf::Index columns) {
  mpinmf::RowsOf<Scalar> V(rows, columns);
  mpinmf::advise_large_pages(V.data(), static_cast<std::size_t>(V.size()) * sizeof(Scalar));
  V = mpinmf::RowMatrix::Random(rows, columns).cwiseAbs().cast<Scalar>();
  return V;
}

}  // namespace

int main(int argc, char** argv) {
  const auto world = mpinmf::bench::start(
      argc, argv, 4, "usage: mpinmf_gemm_pair ROWS COLUMNS K [REPEATS] [THREADS] [double|single]");
  if (!world) {
    return 2;
  }
  const int rank = world->rank;
  const int size = world->size;
  using mpinmf::Index;
  const Index m = std::atol(argv[1]);
  const Index n = std::atol(argv[2]);
  const Index k = std::atol(argv[3]);
  const int repeats = argc > 4 ? std::atoi(argv[4]) : 5;
  const int requested_threads = argc > 5 ? std::atoi(argv[5]) : 0;
  const bool single = argc > 6 && std::string(argv[6]) == "single";

  const int threads = mpinmf::threads_for_rank(
      requested_threads, mpinmf::Communicator(MPI_COMM_WORLD).ranks_on_node());
  mpinmf::use_threads(threads);

  const mpinmf::IndexRange rows = mpinmf::even_block(m, size, rank);
  const double seconds = single ? time_pair(random_block<float>(rows.size(), n), k, repeats)
                                : time_pair(random_block<double>(rows.size(), n), k, repeats);
  if (rank == 0) {
    std::cout << "gemm_pair_seconds " << seconds << " threads " << threads << " precision "
              << (single ? "single" : "double") << "\n";
  }
  MPI_Finalize();
  return 0;
}
