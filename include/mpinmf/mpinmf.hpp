#pragma once
// The library's front (CMake: find_package(mpinmf), target mpinmf::mpinmf): read a matrix on
// every rank of a communicator, each rank its own block of rows, factorize it, and get this
// rank's rows of W, all of H and the history. Every call is collective over the
// communicator; a failure on any rank throws the same mpinmf::AgreedError on every rank.
// A failed MPI call is left to the communicator's error handler: MPI_ERRORS_ARE_FATAL aborts;
// under MPI_ERRORS_RETURN the rank throws mpinmf::MpiError, to be ended with MPI_Abort.
// docs/architecture.md describes what lies behind it; tests/consumer/ is a complete example.

#include <mpi.h>

#include <cstdint>
#include <memory>
#include <string>

#include "mpinmf/error.hpp"
#include "mpinmf/options.hpp"
#include "mpinmf/result.hpp"
#include "mpinmf/types.hpp"

namespace mpinmf {

/// Where V is: a file in any format the program reads, as its options --input, --dataset,
/// --format, --transpose and --precision name it.
struct MatrixSource {
  std::string path;
  std::string dataset = "/V";  // ignored where the format fixes it (.h5ad, 10x, .mtx)
  InputFormat format = InputFormat::automatic;
  bool transpose = false;  // factor Vᵀ
  Precision precision = Precision::double_precision;
};

/// V split by rows over a communicator's ranks (dense or CSR, as stored), checked finite,
/// non-negative and not all zero.
class DistributedMatrix {
 public:
  /// Reads `source`: every rank of `comm` calls it and reads only its own rows.
  DistributedMatrix(MPI_Comm comm, const MatrixSource& source);
  ~DistributedMatrix();
  DistributedMatrix(DistributedMatrix&& other) noexcept;
  DistributedMatrix& operator=(DistributedMatrix&& other) noexcept;
  DistributedMatrix(const DistributedMatrix&) = delete;
  DistributedMatrix& operator=(const DistributedMatrix&) = delete;

  [[nodiscard]] Index rows() const;
  [[nodiscard]] Index columns() const;
  /// This rank's rows are [first_row(), first_row() + local_rows()).
  [[nodiscard]] Index first_row() const;
  [[nodiscard]] Index local_rows() const;
  [[nodiscard]] bool sparse() const;

  struct State;  // the engine's view: communicator, input plan and this rank's block
  [[nodiscard]] const State& state() const { return *state_; }

 private:
  std::unique_ptr<State> state_;
};

/// How to factorize, as the main command's --rank, rule, stopping, --seed, --init and
/// --threads options say it.
struct FactorizeSettings {
  Index rank = 0;  // k, the number of components
  RuleSettings rule;
  StoppingCriteria stopping;
  std::uint64_t seed = 1;
  std::string init = "random";  // random, nndsvd, nndsvda or nndsvdar
  int threads = 0;              // per rank; 0: the cores available to this rank
};

/// This rank's rows of W (from V's first_row()), all of H, and the run's record.
struct Factorization {
  Factors factors;
  EngineResult result;
};

/// Factorizes V ≈ W H. The same seed gives the same factors for any number of ranks, up to
/// the order of floating-point sums.
Factorization factorize(const DistributedMatrix& V, const FactorizeSettings& settings);

}  // namespace mpinmf
