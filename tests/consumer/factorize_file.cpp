// Factorizes a file through mpinmf's public API and prints, on rank 0, the final relative
// error and H, so that the test can compare them with the program's own result.
//   mpirun -np 2 factorize_file V.h5 K SEED ITERATIONS
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mpinmf/mpinmf.hpp>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int status = 0;
  try {
    if (argc != 5) {
      throw mpinmf::Error("usage: factorize_file V.h5 K SEED ITERATIONS");
    }
    const mpinmf::DistributedMatrix V(MPI_COMM_WORLD, {.path = argv[1]});
    mpinmf::FactorizeSettings settings;
    settings.rank = std::atoi(argv[2]);
    settings.seed = std::strtoull(argv[3], nullptr, 10);
    settings.stopping.max_iterations = std::atoi(argv[4]);
    settings.stopping.tolerance = 0.0;
    settings.rule.algorithm = mpinmf::Algorithm::hals;
    const mpinmf::Factorization result = mpinmf::factorize(V, settings);
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0) {
      std::printf("iterations %d\nrelative_error %.17g\n", result.result.iterations,
                  result.result.final_relative_error);
      const mpinmf::Matrix& H = result.factors.H;
      for (mpinmf::Index i = 0; i < H.rows(); ++i) {
        for (mpinmf::Index j = 0; j < H.cols(); ++j) {
          std::printf("%.17g%c", H(i, j), j + 1 < H.cols() ? ' ' : '\n');
        }
      }
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "factorize_file: %s\n", error.what());
    status = 1;
  }
  MPI_Finalize();
  return status;
}
