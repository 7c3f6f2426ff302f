// The bound one NMF iteration is measured against: the two products that read V,
// V_p Hᵀ (m_p × k) and W_pᵀ V_p (k × n), timed on every rank at once with the same
// storage orders and code (LocalProducts) as the engine, V in double or single precision.
//
// With `kl`, the Kullback–Leibler rule's bound instead: its four products of V's shape, W H
// twice (BLAS, each thread its share of the rows, as the rule forms it), Wᵀ X and X Hᵀ (the
// pair above, on an m_p × n X in double), and one element-wise pass over V (X = V ⊘ (WH + δ)),
// each product formed whole in memory.
//
// Usage: mpirun -np P mpinmf_gemm_pair ROWS COLUMNS K [REPEATS] [THREADS] [double|single]
//        [pair|kl]
// Prints the median over repeats of the slowest rank's seconds for the pair (or KL's bound).

#include <mpi.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "core/partition.hpp"
#include "core/resources.hpp"
#include "core/thread_shares.hpp"
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

/// KL's bound on `V` (see above): its factors and products are double whatever V's precision,
/// as in the rule.
template <typename Scalar>
double time_kl_bound(const mpinmf::RowsOf<Scalar>& V, mpinmf::Index k, int repeats) {
  using mpinmf::IndexRange;
  const mpinmf::RowMatrix W = mpinmf::RowMatrix::Random(V.rows(), k).cwiseAbs();
  const mpinmf::Matrix H = mpinmf::Matrix::Random(k, V.cols()).cwiseAbs();
  mpinmf::RowMatrix X(V.rows(), V.cols());  // W H, then V ⊘ (W H + δ)
  mpinmf::RowMatrix XHt(V.rows(), k);
  mpinmf::Matrix WtX(k, V.cols());
  mpinmf::LocalProducts<mpinmf::RowMatrix> products(X);
  const mpinmf::OwnLoopsHaveTheCores own_loops;  // as the engine's loop holds them
  const auto form_wh = [&] {
    mpinmf::for_each_thread_share(V.rows(), [&](int /*share*/, IndexRange rows) {
      X.middleRows(rows.begin, rows.size()).noalias() = W.middleRows(rows.begin, rows.size()) * H;
    });
  };
  const double seconds = mpinmf::bench::median_of_slowest(repeats, [&] {
    form_wh();
    mpinmf::for_each_thread_share(V.rows(), [&](int /*share*/, IndexRange rows) {
      auto block = X.middleRows(rows.begin, rows.size()).array();
      block =
          V.middleRows(rows.begin, rows.size()).template cast<double>().array() / (block + 1e-16);
    });
    products.w_transposed_times(W, WtX);
    form_wh();
    products.times_h_transposed(H, XHt);
  });
  if (!(WtX.sum() + XHt.sum() > 0)) {
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
      argc, argv, 4,
      "usage: mpinmf_gemm_pair ROWS COLUMNS K [REPEATS] [THREADS] [double|single] [pair|kl]");
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
  const bool kl = argc > 7 && std::string(argv[7]) == "kl";

  const int threads = mpinmf::threads_for_rank(
      requested_threads, mpinmf::Communicator(MPI_COMM_WORLD).ranks_on_node());
  mpinmf::use_threads(threads);

  const mpinmf::IndexRange rows = mpinmf::even_block(m, size, rank);
  double seconds = 0.0;
  if (kl) {
    seconds = single ? time_kl_bound(random_block<float>(rows.size(), n), k, repeats)
                     : time_kl_bound(random_block<double>(rows.size(), n), k, repeats);
  } else {
    seconds = single ? time_pair(random_block<float>(rows.size(), n), k, repeats)
                     : time_pair(random_block<double>(rows.size(), n), k, repeats);
  }
  if (rank == 0) {
    std::cout << (kl ? "kl_bound_seconds " : "gemm_pair_seconds ") << seconds << " threads "
              << threads << " precision " << (single ? "single" : "double") << "\n";
  }
  MPI_Finalize();
  return 0;
}
