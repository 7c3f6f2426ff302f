#pragma once
// The matrix to factor, from whichever file format holds it: a dense HDF5 dataset, a
// CSR/CSC group (SciPy's layout), AnnData .h5ad, 10x Genomics .h5 or Matrix Market .mtx
// (plain or gzip). `inspect_input` learns the format, shape and size without reading the
// matrix; `read_input` gives every rank its own rows, dense or sparse as stored.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/partition.hpp"
#include "io/output_file.hpp"
#include "io/sparse_reader.hpp"
#include "mpinmf/options.hpp"
#include "mpinmf/types.hpp"
#include "parallel/comm.hpp"

namespace mpinmf::io {

struct InputRequest {
  std::string path;
  std::string dataset = "/V";  // the dataset or group; ignored where the format fixes it
  InputFormat format = InputFormat::automatic;
  bool transpose = false;                             // factor Vᵀ
  Precision precision = Precision::double_precision;  // how the rows are held once read
};

/// What inspection found: enough to plan memory and partition before reading.
struct InputPlan {
  InputRequest request;
  InputFormat format = InputFormat::dense;  // resolved: never automatic
  std::string source;                       // "file:dataset" as messages name it
  std::string description;                  // e.g. "AnnData X, CSR"
  Index rows = 0;                           // of the matrix to factor (after --transpose)
  Index columns = 0;
  std::int64_t stored_entries = 0;  // nonzeros as stored (rows × columns when dense)
  CompressedSource compressed;      // for sparse formats
  std::string row_names;            // datasets holding names, when the format has them
  std::string column_names;
  bool names_if_counts_match = false;  // names found by convention are dropped if they don't fit
  [[nodiscard]] bool sparse() const { return format != InputFormat::dense; }
};

/// Learns the format (from the file when `automatic`), the shape and the size. Errors are
/// agreed and name the file and dataset.
InputPlan inspect_input(const Communicator& comm, const InputRequest& request);

/// This rank's rows of the matrix to factor, dense or sparse as stored, in the precision
/// requested.
using LocalRowsVariant = std::variant<RowMatrix, SparseRowMatrix, RowMatrixF, SparseRowMatrixF>;
struct LocalInput {
  IndexRange rows;
  LocalRowsVariant V;
};
LocalInput read_input(Communicator& comm, const InputPlan& plan);

/// The entries of this rank's rows that are not zero (stored zeros of a sparse block
/// excluded).
std::int64_t nonzero_entries(const LocalInput& local);

/// Names of the rows and columns of the factored matrix, where the input has them (rank 0
/// reads them; other ranks get empty lists). Errors are agreed.
Labels read_labels(const Communicator& comm, const InputPlan& plan);

}  // namespace mpinmf::io
