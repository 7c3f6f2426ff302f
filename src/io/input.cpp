#include "io/input.hpp"

#include <array>
#include <optional>

#include "core/fault_injection.hpp"
#include "io/dense_reader.hpp"
#include "io/hdf5_handle.hpp"
#include "io/matrix_market.hpp"
#include "io/validate.hpp"
#include "mpinmf/error.hpp"

namespace mpinmf::io {
namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_matrix_market_name(const std::string& path) {
  return ends_with(path, ".mtx") || ends_with(path, ".mtx.gz");
}

bool is_group(hid_t file, const std::string& path) {
  if (!object_exists(file, path)) {
    return false;
  }
  H5O_info_t info{};
  return H5Oget_info_by_name2(file, path.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) >= 0 &&
         info.type == H5O_TYPE_GROUP;
}

bool is_compressed_group(hid_t file, const std::string& group) {
  return is_group(file, group) && object_exists(file, group + "/data") &&
         object_exists(file, group + "/indices") && object_exists(file, group + "/indptr");
}

/// A group's shape: its `shape` (AnnData) or `h5sparse_shape` (older AnnData) attribute,
/// or its `shape` dataset (10x).
std::array<std::int64_t, 2> compressed_shape(const Communicator& comm, hid_t file,
                                             const std::string& path, const std::string& group) {
  for (const char* attribute : {"shape", "h5sparse_shape"}) {
    const std::vector<std::int64_t> shape = read_integer_attribute(file, group, attribute);
    if (shape.size() == 2) {
      return {shape[0], shape[1]};
    }
  }
  if (object_exists(file, group + "/shape")) {
    const Handle dataset = open_dataset(file, path, group + "/shape");
    std::array<std::int64_t, 2> shape{};
    const Handle space(H5Dget_space(dataset.get()), H5Sclose);
    if (H5Sget_simple_extent_npoints(space.get()) == 2 &&
        H5Dread(dataset.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, shape.data()) >=
            0) {
      return shape;
    }
  }
  static_cast<void>(comm);
  throw Error(where(path, group) +
              ": a sparse matrix group needs its shape (a `shape` attribute or dataset)");
}

/// CSR or CSC, from AnnData's `encoding-type` (or older `h5sparse_format`) attribute;
/// SciPy-style groups without one are CSR unless the format was given.
Compression compression_of(hid_t file, const std::string& group, InputFormat asked) {
  if (asked == InputFormat::csc || asked == InputFormat::tenx) {
    return Compression::csc;
  }
  if (asked == InputFormat::csr) {
    return Compression::csr;
  }
  for (const char* attribute : {"encoding-type", "h5sparse_format"}) {
    const std::optional<std::string> value = read_string_attribute(file, group, attribute);
    if (value && (*value == "csc_matrix" || *value == "csc")) {
      return Compression::csc;
    }
  }
  return Compression::csr;
}

/// The dataset holding a dataframe's index in AnnData (`obs` or `var`), if any.
std::string anndata_index(hid_t file, const std::string& frame) {
  if (!is_group(file, frame)) {
    return {};
  }
  const std::string column = read_string_attribute(file, frame, "_index").value_or("_index");
  const std::string path = frame + "/" + column;
  return object_exists(file, path) ? path : std::string();
}

/// Decides the format and the dataset or group, from the request and what the file holds.
void resolve_hdf5_layout(const Communicator& comm, hid_t file, InputPlan& plan) {
  const InputRequest& request = plan.request;
  const std::string& path = request.path;
  std::string group = request.dataset;
  InputFormat format = request.format;
  const bool default_dataset = request.dataset == "/V";
  // AnnData keeps the matrix in /X and the row and column tables in /obs and /var.
  const bool anndata_x =
      default_dataset ? !object_exists(file, "/V") && object_exists(file, "/X") : group == "/X";
  if (format == InputFormat::h5ad ||
      (format == InputFormat::automatic && anndata_x && is_group(file, "/obs"))) {
    format = InputFormat::h5ad;
    group = default_dataset ? "/X" : group;
    plan.row_names = anndata_index(file, "/obs");
    plan.column_names = anndata_index(file, "/var");
  } else if (format == InputFormat::tenx ||
             (format == InputFormat::automatic && default_dataset && !object_exists(file, "/V") &&
              is_compressed_group(file, "/matrix"))) {
    format = InputFormat::tenx;
    group = default_dataset ? "/matrix" : group;
    for (const char* names : {"/features/name", "/features/id", "/genes"}) {
      if (plan.row_names.empty() && object_exists(file, group + names)) {
        plan.row_names = group + names;
      }
    }
    if (object_exists(file, group + "/barcodes")) {
      plan.column_names = group + "/barcodes";
    }
  } else {
    // Other files: the names mpinmf itself writes (result files, `mpinmf convert`).
    plan.names_if_counts_match = true;
    for (auto [names, dataset] :
         {std::pair{&plan.row_names, "/row_names"}, std::pair{&plan.column_names, "/col_names"}}) {
      if (object_exists(file, dataset)) {
        *names = dataset;
      }
    }
  }
  plan.request.dataset = group;
  plan.source = where(path, group);
  if (!object_exists(file, group)) {
    throw Error(plan.source + ": no such dataset in the file");
  }
  if (!is_group(file, group)) {
    if (format != InputFormat::automatic && format != InputFormat::dense &&
        format != InputFormat::h5ad) {
      throw Error(plan.source +
                  ": is a dataset, not a sparse matrix group (data, indices, indptr)");
    }
    plan.format = InputFormat::dense;
    plan.description = format == InputFormat::h5ad ? "AnnData X, dense" : "dense";
    return;
  }
  if (!is_compressed_group(file, group)) {
    throw Error(plan.source +
                ": is a group without data, indices and indptr (not a sparse matrix)");
  }
  plan.format = format == InputFormat::automatic ? InputFormat::csr : format;
  plan.compressed.path = path;
  plan.compressed.group = group;
  plan.compressed.compression = compression_of(file, group, plan.format);
  const std::array<std::int64_t, 2> shape = compressed_shape(comm, file, path, group);
  plan.compressed.rows = shape[0];
  plan.compressed.columns = shape[1];
  const char* compression = plan.compressed.compression == Compression::csr ? "CSR" : "CSC";
  plan.description = std::string(plan.format == InputFormat::h5ad   ? "AnnData X, "
                                 : plan.format == InputFormat::tenx ? "10x Genomics matrix, "
                                                                    : "sparse group, ") +
                     compression;
}

void check_shape(const InputPlan& plan) {
  if (plan.rows < 1 || plan.columns < 1) {
    throw Error(plan.source + ": is empty (" + std::to_string(plan.rows) + " × " +
                std::to_string(plan.columns) + ")");
  }
}

}  // namespace

InputPlan inspect_input(const Communicator& comm, const InputRequest& request) {
  silence_hdf5_errors();
  InputPlan plan;
  plan.request = request;
  plan.source = request.path;
  if (request.format == InputFormat::matrix_market ||
      (request.format == InputFormat::automatic && is_matrix_market_name(request.path))) {
    plan.format = InputFormat::matrix_market;
    comm.run_agreed([&] {
      MatrixMarketFile file(request.path);
      const MatrixMarketReader reader(file.stream(), request.path);
      const MatrixMarketHeader& header = reader.header();
      plan.description = "Matrix Market";
      plan.rows = request.transpose ? header.columns : header.rows;
      plan.columns = request.transpose ? header.rows : header.columns;
      plan.stored_entries = header.declared_entries;
      check_shape(plan);
    });
    return plan;
  }
  comm.run_agreed([&] { check_file_is_there(request.path); });
  comm.run_agreed([&] {
    const Handle file = open_for_reading(comm.handle(), request.path);
    resolve_hdf5_layout(comm, file.get(), plan);
  });
  if (plan.format == InputFormat::dense) {
    const DenseShape shape = inspect_dense(comm, request.path, plan.request.dataset);
    plan.rows = request.transpose ? shape.columns : shape.rows;
    plan.columns = request.transpose ? shape.rows : shape.columns;
    plan.stored_entries = shape.rows * shape.columns;
    return plan;
  }
  inspect_compressed(comm, plan.compressed);
  plan.rows = request.transpose ? plan.compressed.columns : plan.compressed.rows;
  plan.columns = request.transpose ? plan.compressed.rows : plan.compressed.columns;
  plan.stored_entries = plan.compressed.entries;
  comm.run_agreed([&] { check_shape(plan); });
  return plan;
}

namespace {

/// Rows of the stored dense dataset, or of its transpose, as `Scalar` (HDF5 converts).
template <typename Scalar>
LocalInput read_dense_input(Communicator& comm, const InputRequest& request, Index rows_total) {
  const IndexRange rows = even_block(rows_total, comm.size(), comm.rank());
  if (!request.transpose) {
    return {rows, read_dense_rows<Scalar>(comm, request.path, request.dataset, rows)};
  }
  // Rows of Vᵀ are columns of the stored V: each rank reads its block of columns.
  using Rows = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Rows columns = read_dense_columns<Scalar>(comm, request.path, request.dataset, rows);
  return {rows, Rows(columns.transpose())};
}

SparseRows read_sparse_input(Communicator& comm, const InputPlan& plan) {
  const InputRequest& request = plan.request;
  if (plan.format != InputFormat::matrix_market) {
    return read_compressed_rows(comm, plan.compressed, request.transpose);
  }
  // A text file cannot be split by rows without reading it: every rank parses the whole
  // file, keeps every P-th entry, and one exchange sends each entry to its row's owner.
  std::vector<Triplet> share;
  comm.run_agreed([&] {
    if (fault_planned(FaultPoint::read, comm.rank())) {
      throw Error(request.path + ": cannot read entries (injected fault)");
    }
    MatrixMarketFile file(request.path);
    MatrixMarketReader reader(file.stream(), request.path);
    std::int64_t seen = 0;
    reader.read_entries([&](const Triplet& entry) {
      if (seen++ % comm.size() == comm.rank()) {
        share.push_back(request.transpose ? Triplet{entry.column, entry.row, entry.value} : entry);
      }
    });
  });
  return rows_from_triplets(comm, share, plan.rows, plan.columns, request.path);
}

}  // namespace

LocalInput read_input(Communicator& comm, const InputPlan& plan) {
  const bool single = plan.request.precision == Precision::single_precision;
  if (plan.format == InputFormat::dense) {
    return single ? read_dense_input<float>(comm, plan.request, plan.rows)
                  : read_dense_input<double>(comm, plan.request, plan.rows);
  }
  SparseRows rows = read_sparse_input(comm, plan);
  if (!single) {
    return {rows.rows, as_eigen<double>(std::move(rows.local))};
  }
  comm.agree(first_entry_beyond_single(rows.local, rows.rows.begin, plan.source));
  return {rows.rows, as_eigen<float>(std::move(rows.local))};
}

Labels read_labels(const Communicator& comm, const InputPlan& plan) {
  Labels names;
  if (plan.row_names.empty() && plan.column_names.empty()) {
    return names;
  }
  comm.run_agreed([&] {
    if (!comm.is_root()) {
      return;
    }
    const Handle file(H5Fopen(plan.request.path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!file.valid()) {
      throw Error(plan.request.path + ": cannot open to read names");
    }
    const auto read = [&](const std::string& dataset) {
      if (dataset.empty()) {
        return std::vector<std::string>();
      }
      if (!plan.names_if_counts_match) {
        return read_strings(file.get(), plan.request.path, dataset);
      }
      try {
        return read_strings(file.get(), plan.request.path, dataset);
      } catch (const Error&) {
        return std::vector<std::string>();  // not names after all: the file's own data
      }
    };
    std::vector<std::string> stored_rows = read(plan.row_names);
    std::vector<std::string> stored_columns = read(plan.column_names);
    if (plan.request.transpose) {
      std::swap(stored_rows, stored_columns);
    }
    names.rows = std::move(stored_rows);
    names.columns = std::move(stored_columns);
    if (plan.names_if_counts_match) {
      if (static_cast<Index>(names.rows.size()) != plan.rows) {
        names.rows.clear();
      }
      if (static_cast<Index>(names.columns.size()) != plan.columns) {
        names.columns.clear();
      }
    }
    if (!names.rows.empty() && static_cast<Index>(names.rows.size()) != plan.rows) {
      throw Error(plan.request.path + ": " + std::to_string(names.rows.size()) + " row names for " +
                  std::to_string(plan.rows) + " rows");
    }
    if (!names.columns.empty() && static_cast<Index>(names.columns.size()) != plan.columns) {
      throw Error(plan.request.path + ": " + std::to_string(names.columns.size()) +
                  " column names for " + std::to_string(plan.columns) + " columns");
    }
  });
  return names;
}

std::int64_t nonzero_entries(const LocalInput& local) {
  return std::visit(
      [](const auto& V) -> std::int64_t {
        using Rows = std::decay_t<decltype(V)>;
        if constexpr (is_sparse_v<Rows>) {
          return (V.coeffs() != 0).count();
        } else {
          return (V.array() != 0).count();
        }
      },
      local.V);
}

}  // namespace mpinmf::io
