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
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

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

/// The element type of an array the caller holds.
enum class ElementType { float32, float64 };

/// This rank's block of V's rows in the caller's memory (a NumPy array, say), dense, in C
/// (row-major) or Fortran (column-major) order. Every rank passes the same number of columns;
/// the ranks' blocks, in rank order, are V's rows. Read once, while the matrix is made.
struct DenseRows {
  const void* data = nullptr;
  ElementType type = ElementType::float64;
  Index rows = 0;  // this rank's
  Index columns = 0;
  bool column_major = false;
  std::string name = "X";  // how messages name the matrix
};

/// This rank's block of V's rows as CSR arrays (SciPy's layout): `indptr` (rows + 1 entries,
/// from any offset), `indices` and `values` (indptr.back() − indptr.front() entries from
/// indptr.front()). Indices need not be sorted; repeated ones are summed, as SciPy does.
struct CsrRows {
  const void* values = nullptr;
  ElementType value_type = ElementType::float64;
  const void* indices = nullptr;
  const void* indptr = nullptr;
  bool int64_indices = false;  // indices and indptr: int64, or else int32
  std::int64_t entries = 0;    // the length of `indices` and `values`
  Index rows = 0;              // this rank's
  Index columns = 0;
  std::string name = "X";
};

/// V split by rows over a communicator's ranks (dense or CSR, as stored), checked finite,
/// non-negative and not all zero.
class DistributedMatrix {
 public:
  /// Reads `source`: every rank of `comm` calls it and reads only its own rows.
  DistributedMatrix(MPI_Comm comm, const MatrixSource& source);
  /// Copies this rank's rows from memory, in `precision`, with the same checks as a file's
  /// (finite, non-negative, not all zero; an AgreedError names the first bad row and
  /// column, 0-based and global). The ranks agree on the row count and their offsets.
  DistributedMatrix(MPI_Comm comm, const DenseRows& rows,
                    Precision precision = Precision::double_precision);
  DistributedMatrix(MPI_Comm comm, const CsrRows& rows,
                    Precision precision = Precision::double_precision);
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
  /// ‖V‖²_F, summed over the ranks.
  [[nodiscard]] double squared_norm() const;
  /// The names of V's rows and columns where its file holds them (AnnData, 10x), on rank 0
  /// (other ranks get empty lists); none for rows from memory. Collective.
  [[nodiscard]] Names names() const;

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
  /// Called on every rank after each iteration, with its agreed record.
  std::function<void(const HistoryEntry&)> on_iteration;
  /// Asked on every rank once an iteration; where any rank answers true, every rank stops
  /// after that iteration with StopReason::interrupted (a caller's Ctrl-C, say).
  std::function<bool()> stop_requested;
};

/// This rank's rows of W (from V's first_row()), all of H, and the run's record.
struct Factorization {
  Factors factors;
  EngineResult result;
};

/// Factorizes V ≈ W H. The same seed gives the same factors for any number of ranks, up to
/// the order of floating-point sums.
Factorization factorize(const DistributedMatrix& V, const FactorizeSettings& settings);

/// The same from a given start instead of `settings.init`: this rank's rows of W (local_rows
/// × k) and all of H (k × columns), checked non-negative and finite (k is W's columns;
/// `settings.rank` is ignored).
Factorization factorize(const DistributedMatrix& V, const FactorizeSettings& settings,
                        Factors start);

/// Where and how write_result writes.
struct ResultFile {
  std::string path;
  bool overwrite = false;  // else an existing file is an error
  /// Added to the file's own attributes (iterations, relative_error, objective, stop_reason,
  /// ranks, version, layout).
  std::vector<std::pair<std::string, std::string>> attributes;
  Names names;  // rank 0's are written as /row_names and /col_names
};

/// Writes `result` as the program writes its output (/W, each rank its rows in rank order,
/// /H, /history and the attributes), under a temporary name renamed once complete, so that
/// the file appears whole or not at all. Collective over `comm`; errors are agreed.
void write_result(MPI_Comm comm, const Factorization& result, const ResultFile& file);

/// W for this rank's rows of V with H fixed: each row's non-negative least squares,
/// ½‖V_i − W_i H‖² + `rule`'s penalties on W, solved exactly (block principal pivoting, as
/// `mpinmf project --axis rows`). Needs no communication; H must be k × columns.
RowMatrix project_rows(const DistributedMatrix& V, const Matrix& H, const RuleSettings& rule);

}  // namespace mpinmf
