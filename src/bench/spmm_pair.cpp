// The bound one NMF iteration on a sparse V is measured against: the two products that read
// V, V_p Hᵀ (m_p × k) and W_pᵀ V_p (k × n), timed on every rank at once with the engine's
// types (CSR V_p with 64-bit indices, row-major W, column-major H) and kernels
// (local_products), on the same threads.
// Each rank builds its block in memory: the rows of an even split, each with
// round(DENSITY × COLUMNS) distinct random columns and values in (0, 1], as
// scripts/make_sparse_matrix.py writes them.
//
// With `kl`, the Kullback–Leibler rule's bound instead: its four products at V's nonzeros,
// WH there twice (a k-term dot product per nonzero, the rows shared among the threads), Wᵀ X
// and X Hᵀ by the engine's kernels on X, a CSR matrix with V's nonzeros, and one element-wise
// pass over them (X = V ⊘ (WH + δ)).
//
// Usage: mpirun -np P mpinmf_spmm_pair ROWS COLUMNS DENSITY K [REPEATS] [THREADS] [pair|kl]
// Prints the median over repeats of the slowest rank's seconds for the pair, and for each
// product alone (or KL's bound).

#include <mpi.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
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

using mpinmf::Index;
using mpinmf::bench::median;
using mpinmf::bench::slowest;

mpinmf::SparseRowMatrix random_rows(Index rows, Index columns, Index per_row, std::uint64_t seed) {
  std::mt19937_64 generator(seed);
  std::uniform_int_distribution<std::int64_t> column(0, columns - 1);
  std::uniform_real_distribution<double> value(0.0, 1.0);
  std::vector<std::int64_t> pointers(static_cast<std::size_t>(rows) + 1);
  std::vector<std::int64_t> indices(static_cast<std::size_t>(rows * per_row));
  std::vector<double> values(indices.size());
  for (Index row = 0; row < rows; ++row) {
    const auto first = indices.begin() + row * per_row;
    const auto last = first + per_row;
    do {
      std::generate(first, last, [&] { return column(generator); });
      std::sort(first, last);
    } while (std::adjacent_find(first, last) != last);
    pointers[static_cast<std::size_t>(row) + 1] = (row + 1) * per_row;
  }
  std::generate(values.begin(), values.end(), [&] { return 1.0 - value(generator); });
  return Eigen::Map<const mpinmf::SparseRowMatrix>(rows, columns, rows * per_row, pointers.data(),
                                                   indices.data(), values.data());
}

/// X's values = (W H) at X's nonzeros, X's rows shared among the threads.
void wh_at_nonzeros(const mpinmf::RowMatrix& W, const mpinmf::Matrix& H,
                    mpinmf::SparseRowMatrix& X) {
  const Index k = H.rows();
  const std::int64_t* pointers = X.outerIndexPtr();
  const std::int64_t* columns = X.innerIndexPtr();
  double* values = X.valuePtr();
#pragma omp parallel for schedule(dynamic, 1024)
  for (Index i = 0; i < X.rows(); ++i) {
    const double* w_row = W.data() + i * k;
    for (std::int64_t p = pointers[i]; p < pointers[i + 1]; ++p) {
      const double* h_column = H.data() + columns[p] * k;
      double dot = 0.0;
#pragma omp simd reduction(+ : dot)
      for (Index c = 0; c < k; ++c) {
        dot += w_row[c] * h_column[c];
      }
      values[p] = dot;
    }
  }
}

/// KL's bound on `V` (see above): the median over `repeats` of the slowest rank's seconds.
double time_kl_bound(const mpinmf::SparseRowMatrix& V, const mpinmf::RowMatrix& W,
                     const mpinmf::Matrix& H, int repeats) {
  mpinmf::SparseRowMatrix X = V;
  mpinmf::RowMatrix XHt(V.rows(), H.rows());
  mpinmf::Matrix WtX(H.rows(), V.cols());
  mpinmf::LocalProducts<mpinmf::SparseRowMatrix> products(X);
  const Eigen::Map<const Eigen::ArrayXd> v(V.valuePtr(), V.nonZeros());
  Eigen::Map<Eigen::ArrayXd> x(X.valuePtr(), X.nonZeros());
  const double seconds = mpinmf::bench::median_of_slowest(repeats, [&] {
    wh_at_nonzeros(W, H, X);
#pragma omp parallel for schedule(static)
    for (Index first = 0; first < X.nonZeros(); first += 4096) {
      const Index count = std::min<Index>(4096, X.nonZeros() - first);
      x.segment(first, count) = v.segment(first, count) / (x.segment(first, count) + 1e-16);
    }
    products.w_transposed_times(W, WtX);
    wh_at_nonzeros(W, H, X);
    products.times_h_transposed(H, XHt);
  });
  if (!(WtX.sum() + XHt.sum() > 0)) {
    std::cerr << "mpinmf_spmm_pair: the products came out zero\n";
  }
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const auto world = mpinmf::bench::start(
      argc, argv, 5,
      "usage: mpinmf_spmm_pair ROWS COLUMNS DENSITY K [REPEATS] [THREADS] [pair|kl]");
  if (!world) {
    return 2;
  }
  const int rank = world->rank;
  const int size = world->size;
  const Index m = std::atol(argv[1]);
  const Index n = std::atol(argv[2]);
  const double density = std::atof(argv[3]);
  const Index k = std::atol(argv[4]);
  const int repeats = argc > 5 ? std::atoi(argv[5]) : 5;
  const int requested_threads = argc > 6 ? std::atoi(argv[6]) : 0;
  const bool kl = argc > 7 && std::string(argv[7]) == "kl";

  const int threads = mpinmf::threads_for_rank(
      requested_threads, mpinmf::Communicator(MPI_COMM_WORLD).ranks_on_node());
  mpinmf::use_threads(threads);

  const Index per_row = std::clamp<Index>(std::llround(density * static_cast<double>(n)), 1, n);
  const mpinmf::IndexRange rows = mpinmf::even_block(m, size, rank);
  const mpinmf::SparseRowMatrix V =
      random_rows(rows.size(), n, per_row, 0x5eed0000ULL + static_cast<std::uint64_t>(rank));
  const mpinmf::RowMatrix W = mpinmf::RowMatrix::Random(rows.size(), k).cwiseAbs();
  const mpinmf::Matrix H = mpinmf::Matrix::Random(k, n).cwiseAbs();
  if (kl) {
    const double seconds = time_kl_bound(V, W, H, repeats);
    if (rank == 0) {
      std::cout << "kl_bound_seconds " << seconds << " threads " << threads << "\n";
    }
    MPI_Finalize();
    return 0;
  }
  mpinmf::RowMatrix VHt(rows.size(), k);
  mpinmf::Matrix WtV(k, n);
  mpinmf::LocalProducts<mpinmf::SparseRowMatrix> products(V);

  std::vector<double> pair;
  std::vector<double> wtv;
  std::vector<double> vht;
  for (int repeat = 0; repeat <= repeats; ++repeat) {  // the first is a warm-up
    MPI_Barrier(MPI_COMM_WORLD);
    const double start = MPI_Wtime();
    products.w_transposed_times(W, WtV);
    const double middle = MPI_Wtime();
    products.times_h_transposed(H, VHt);
    const double end = MPI_Wtime();
    const double pair_seconds = slowest(end - start);
    const double wtv_seconds = slowest(middle - start);
    const double vht_seconds = slowest(end - middle);
    if (repeat > 0) {
      pair.push_back(pair_seconds);
      wtv.push_back(wtv_seconds);
      vht.push_back(vht_seconds);
    }
  }
  auto nonzeros = static_cast<long long>(V.nonZeros());
  MPI_Allreduce(MPI_IN_PLACE, &nonzeros, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0) {
    std::cout << "spmm_pair_seconds " << median(pair) << " wtv_seconds " << median(wtv)
              << " vht_seconds " << median(vht) << " threads " << threads << " nonzeros "
              << nonzeros << " checksum " << (WtV.sum() + VHt.sum() > 0 ? "ok" : "zero") << "\n";
  }
  MPI_Finalize();
  return 0;
}
