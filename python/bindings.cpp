// The compiled half of the Python module mpinmf: the library's API (include/mpinmf/mpinmf.hpp)
// over NumPy arrays, with no policy of its own. The pure-Python package (python/mpinmf/) checks
// parameters, chooses layouts and speaks scikit-learn's conventions; this file only moves
// arrays in and out, releases the GIL while the engine runs and turns a pending Python signal
// (Ctrl-C) into the engine's stop request between iterations.

#include <mpi.h>
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mpinmf/mpinmf.hpp"

namespace py = pybind11;

namespace {

/// An mpi4py handle (MPI._handleof(comm)), or MPI_COMM_SELF for 0: without a communicator
/// each process fits its own data, as scikit-learn would.
MPI_Comm communicator(std::uintptr_t handle) {
  if (handle == 0) {
    return MPI_COMM_SELF;
  }
  static_assert(sizeof(MPI_Comm) <= sizeof(std::uintptr_t));
  MPI_Comm comm{};
  std::memcpy(&comm, &handle, sizeof(MPI_Comm));
  return comm;
}

/// Initialises MPI where nobody has (no mpi4py): a single process needs no launcher.
/// Returns whether this call initialised it, so that the package finalises it at exit.
bool ensure_mpi() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized != 0) {
    return false;
  }
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  return true;
}

void finalize_mpi() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized == 0) {
    MPI_Finalize();
  }
}

mpinmf::Precision precision_of(const std::string& name) { return mpinmf::parse_precision(name); }

mpinmf::ElementType element_type(const py::array& array, const char* what) {
  if (array.dtype().is(py::dtype::of<double>())) {
    return mpinmf::ElementType::float64;
  }
  if (array.dtype().is(py::dtype::of<float>())) {
    return mpinmf::ElementType::float32;
  }
  throw py::type_error(std::string(what) + " must hold float32 or float64");
}

std::unique_ptr<mpinmf::DistributedMatrix> dense_matrix(std::uintptr_t comm, const py::array& X,
                                                        const std::string& precision,
                                                        const std::string& name) {
  if (X.ndim() != 2) {
    throw py::value_error(name + " must be 2-D");
  }
  const bool c_order = (X.flags() & py::array::c_style) != 0;
  const bool f_order = (X.flags() & py::array::f_style) != 0;
  if (!c_order && !f_order) {
    throw py::value_error(name + " must be C- or Fortran-contiguous");
  }
  mpinmf::DenseRows rows;
  rows.data = X.data();
  rows.type = element_type(X, name.c_str());
  rows.rows = X.shape(0);
  rows.columns = X.shape(1);
  rows.column_major = !c_order;
  rows.name = name;
  const mpinmf::Precision held = precision_of(precision);
  py::gil_scoped_release released;
  return std::make_unique<mpinmf::DistributedMatrix>(communicator(comm), rows, held);
}

std::unique_ptr<mpinmf::DistributedMatrix> csr_matrix(std::uintptr_t comm, const py::array& data,
                                                      const py::array& indices,
                                                      const py::array& indptr, mpinmf::Index rows,
                                                      mpinmf::Index columns,
                                                      const std::string& precision,
                                                      const std::string& name) {
  const bool int64 = indices.dtype().is(py::dtype::of<std::int64_t>());
  const auto index_type = int64 ? py::dtype::of<std::int64_t>() : py::dtype::of<std::int32_t>();
  if (!indices.dtype().is(index_type) || !indptr.dtype().is(index_type)) {
    throw py::type_error(name + ": indices and indptr must both be int32 or both int64");
  }
  for (const py::array* array : {&data, &indices, &indptr}) {
    if (array->ndim() != 1 || (array->flags() & py::array::c_style) == 0) {
      throw py::value_error(name + ": data, indices and indptr must be contiguous 1-D arrays");
    }
  }
  if (indptr.shape(0) != rows + 1 || indices.shape(0) != data.shape(0)) {
    throw py::value_error(name + ": indptr needs rows + 1 entries and indices as many as data");
  }
  mpinmf::CsrRows csr;
  csr.values = data.data();
  csr.value_type = element_type(data, name.c_str());
  csr.indices = indices.data();
  csr.indptr = indptr.data();
  csr.int64_indices = int64;
  csr.entries = data.shape(0);
  csr.rows = rows;
  csr.columns = columns;
  csr.name = name;
  const mpinmf::Precision held = precision_of(precision);
  py::gil_scoped_release released;
  return std::make_unique<mpinmf::DistributedMatrix>(communicator(comm), csr, held);
}

std::unique_ptr<mpinmf::DistributedMatrix> file_matrix(std::uintptr_t comm, const std::string& path,
                                                       const std::string& dataset,
                                                       const std::string& format, bool transpose,
                                                       const std::string& precision) {
  mpinmf::MatrixSource source;
  source.path = path;
  source.dataset = dataset;
  source.format = mpinmf::parse_input_format(format);
  source.transpose = transpose;
  source.precision = precision_of(precision);
  py::gil_scoped_release released;
  return std::make_unique<mpinmf::DistributedMatrix>(communicator(comm), source);
}

py::tuple matrix_names(const mpinmf::DistributedMatrix& V) {
  mpinmf::Names names;
  {
    py::gil_scoped_release released;
    names = V.names();
  }
  return py::make_tuple(names.rows, names.columns);
}

mpinmf::RuleSettings rule_settings(const py::dict& options) {
  mpinmf::RuleSettings rule;
  rule.algorithm = mpinmf::parse_algorithm(options["solver"].cast<std::string>());
  rule.alpha_W = options["alpha_W"].cast<double>();
  if (!options["alpha_H"].is_none()) {
    rule.alpha_H = options["alpha_H"].cast<double>();
  }
  rule.l1_ratio = options["l1_ratio"].cast<double>();
  if (options.contains("delta")) {
    rule.delta = options["delta"].cast<double>();
  }
  if (options.contains("inner_sweeps")) {
    rule.inner_sweeps = options["inner_sweeps"].cast<int>();
  }
  return rule;
}

py::array_t<double> as_numpy(const mpinmf::RowMatrix& matrix) {
  py::array_t<double> array({matrix.rows(), matrix.cols()});
  std::copy(matrix.data(), matrix.data() + matrix.size(), array.mutable_data());
  return array;
}

py::array_t<double> as_numpy(const mpinmf::Matrix& matrix) {
  return as_numpy(mpinmf::RowMatrix(matrix));
}

py::dict history_of(const std::vector<mpinmf::HistoryEntry>& history) {
  const auto count = static_cast<py::ssize_t>(history.size());
  py::array_t<std::int64_t> iteration(count);
  py::array_t<double> seconds(count);
  py::array_t<double> relative_error(count);
  py::array_t<double> objective(count);
  py::array_t<double> gradient(count);
  for (py::ssize_t i = 0; i < count; ++i) {
    const mpinmf::HistoryEntry& entry = history[static_cast<std::size_t>(i)];
    iteration.mutable_at(i) = entry.iteration;
    seconds.mutable_at(i) = entry.seconds;
    relative_error.mutable_at(i) = entry.relative_error;
    objective.mutable_at(i) = entry.objective;
    gradient.mutable_at(i) = entry.projected_gradient;
  }
  py::dict columns;
  columns["iteration"] = iteration;
  columns["seconds"] = seconds;
  columns["relative_error"] = relative_error;
  columns["objective"] = objective;
  columns["projected_gradient"] = gradient;
  return columns;
}

/// A Python error raised in a callback or by a signal handler while the engine ran, kept
/// until the engine has stopped and the GIL is held again.
struct PendingError {
  std::optional<py::error_already_set> error;
  [[nodiscard]] bool pending() const { return error.has_value(); }
};

/// Hooks that re-acquire the GIL: progress to `on_iteration` (Python's logging, for
/// `verbose`), and a stop request when Python has a pending signal (Ctrl-C raises
/// KeyboardInterrupt from PyErr_CheckSignals) or a callback raised.
void attach_hooks(mpinmf::FactorizeSettings& settings, const py::object& on_iteration,
                  PendingError& pending) {
  if (!on_iteration.is_none()) {
    // By reference: the callable outlives the run, and copying a Python object's handle
    // without the GIL (the engine copies its hooks) would race on its reference count.
    settings.on_iteration = [&pending, &on_iteration](const mpinmf::HistoryEntry& entry) {
      py::gil_scoped_acquire held;
      if (pending.pending()) {
        return;
      }
      try {
        on_iteration(entry.iteration, entry.seconds, entry.relative_error, entry.objective);
      } catch (py::error_already_set& error) {
        pending.error.emplace(std::move(error));
      }
    };
  }
  settings.stop_requested = [&pending] {
    py::gil_scoped_acquire held;
    if (!pending.pending() && PyErr_CheckSignals() != 0) {
      pending.error.emplace();
    }
    return pending.pending();
  };
}

py::dict factorization_dict(const mpinmf::Factorization& result) {
  py::dict out;
  out["W"] = as_numpy(result.factors.W);
  out["H"] = as_numpy(result.factors.H);
  out["history"] = history_of(result.result.history);
  out["iterations"] = result.result.iterations;
  out["stop_reason"] = mpinmf::describe(result.result.stop_reason);
  out["relative_error"] = result.result.final_relative_error;
  return out;
}

/// Runs the engine on `V` from `options` (the package's validated parameters), from the
/// given W and H when both are there, else from `init`.
py::dict factorize(const mpinmf::DistributedMatrix& V, const py::dict& options,
                   const std::optional<py::array_t<double, py::array::c_style>>& W,
                   const std::optional<py::array_t<double, py::array::f_style>>& H,
                   const py::object& on_iteration) {
  mpinmf::FactorizeSettings settings;
  settings.rank = options["n_components"].cast<mpinmf::Index>();
  settings.rule = rule_settings(options);
  settings.stopping.max_iterations = options["max_iter"].cast<int>();
  settings.stopping.tolerance = options["tol"].cast<double>();
  settings.seed = options["seed"].cast<std::uint64_t>();
  settings.init = options["init"].cast<std::string>();
  settings.threads = options["threads"].cast<int>();
  PendingError pending;
  attach_hooks(settings, on_iteration, pending);
  std::optional<mpinmf::Factors> start;
  if (W && H) {
    start.emplace();
    start->W = Eigen::Map<const mpinmf::RowMatrix>(W->data(), W->shape(0), W->shape(1));
    start->H = Eigen::Map<const mpinmf::Matrix>(H->data(), H->shape(0), H->shape(1));
  }
  std::optional<mpinmf::Factorization> result;
  {
    py::gil_scoped_release released;
    result =
        start ? mpinmf::factorize(V, settings, std::move(*start)) : mpinmf::factorize(V, settings);
  }
  if (pending.pending()) {
    py::error_already_set error = std::move(*pending.error);
    pending.error.reset();
    throw error;
  }
  return factorization_dict(*result);
}

py::array_t<double> project_rows(const mpinmf::DistributedMatrix& V, const py::dict& options,
                                 const py::array_t<double, py::array::f_style>& H) {
  const mpinmf::RuleSettings rule = rule_settings(options);
  const mpinmf::Matrix fixed = Eigen::Map<const mpinmf::Matrix>(H.data(), H.shape(0), H.shape(1));
  mpinmf::RowMatrix W;
  {
    py::gil_scoped_release released;
    W = mpinmf::project_rows(V, fixed, rule);
  }
  return as_numpy(W);
}

/// The stop reason whose description (mpinmf::describe) is `text`.
mpinmf::StopReason stop_reason(const std::string& text) {
  for (const auto reason : {mpinmf::StopReason::max_iterations, mpinmf::StopReason::converged,
                            mpinmf::StopReason::time_limit, mpinmf::StopReason::projected_gradient,
                            mpinmf::StopReason::interrupted}) {
    if (mpinmf::describe(reason) == text) {
      return reason;
    }
  }
  throw py::value_error("unknown stop reason '" + text + "'");
}

/// Writes a fit (this rank's W, H, the history's columns) as the program writes its result.
void write_result(std::uintptr_t comm, const std::string& path, bool overwrite,
                  const py::array_t<double, py::array::c_style>& W,
                  const py::array_t<double, py::array::f_style>& H, const py::dict& history,
                  const std::string& reason, double relative_error,
                  const std::vector<std::pair<std::string, std::string>>& attributes,
                  const mpinmf::Names& names) {
  mpinmf::Factorization result;
  result.factors.W = Eigen::Map<const mpinmf::RowMatrix>(W.data(), W.shape(0), W.shape(1));
  result.factors.H = Eigen::Map<const mpinmf::Matrix>(H.data(), H.shape(0), H.shape(1));
  const auto column = [&](const char* name) {
    return history[name].cast<py::array_t<double, py::array::forcecast>>();
  };
  const auto iteration = column("iteration");
  const auto seconds = column("seconds");
  const auto error = column("relative_error");
  const auto objective = column("objective");
  const auto gradient = column("projected_gradient");
  for (py::ssize_t i = 0; i < iteration.size(); ++i) {
    result.result.history.push_back({static_cast<int>(iteration.at(i)), seconds.at(i), error.at(i),
                                     objective.at(i), gradient.at(i)});
  }
  result.result.stop_reason = stop_reason(reason);
  result.result.final_relative_error = relative_error;
  const mpinmf::ResultFile file{path, overwrite, attributes, names};
  py::gil_scoped_release released;
  mpinmf::write_result(communicator(comm), result, file);
}

}  // namespace

PYBIND11_MODULE(_mpinmf, module) {
  module.doc() = "The compiled half of mpinmf: the engine over NumPy arrays (see mpinmf).";
  module.attr("__version__") = MPINMF_VERSION;
  // Errors of the input or the settings, agreed by every rank: ValueError to Python.
  static py::exception<mpinmf::AgreedError> agreed(module, "AgreedError", PyExc_ValueError);
  py::register_exception<mpinmf::Error>(module, "Error", PyExc_ValueError);
  py::register_exception<mpinmf::MpiError>(module, "MpiError", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr raised) {
    try {
      if (raised) {
        std::rethrow_exception(raised);
      }
    } catch (const mpinmf::AgreedError& error) {
      agreed(error.what());
    }
  });

  module.def("ensure_mpi", &ensure_mpi);
  module.def("finalize_mpi", &finalize_mpi);
  module.def("comm_rank", [](std::uintptr_t comm) {
    int rank = 0;
    MPI_Comm_rank(communicator(comm), &rank);
    return rank;
  });
  module.def("comm_size", [](std::uintptr_t comm) {
    int size = 0;
    MPI_Comm_size(communicator(comm), &size);
    return size;
  });

  py::class_<mpinmf::DistributedMatrix>(module, "DistributedMatrix")
      .def_property_readonly("rows", &mpinmf::DistributedMatrix::rows)
      .def_property_readonly("columns", &mpinmf::DistributedMatrix::columns)
      .def_property_readonly("first_row", &mpinmf::DistributedMatrix::first_row)
      .def_property_readonly("local_rows", &mpinmf::DistributedMatrix::local_rows)
      .def_property_readonly("sparse", &mpinmf::DistributedMatrix::sparse)
      .def_property_readonly("squared_norm", &mpinmf::DistributedMatrix::squared_norm);
  module.def("dense_matrix", &dense_matrix, py::arg("comm"), py::arg("X"), py::arg("precision"),
             py::arg("name"));
  module.def("csr_matrix", &csr_matrix, py::arg("comm"), py::arg("data"), py::arg("indices"),
             py::arg("indptr"), py::arg("rows"), py::arg("columns"), py::arg("precision"),
             py::arg("name"));
  py::class_<mpinmf::Names>(module, "Names")
      .def(py::init<std::vector<std::string>, std::vector<std::string>>())
      .def_readonly("rows", &mpinmf::Names::rows)
      .def_readonly("columns", &mpinmf::Names::columns);
  module.def("file_matrix", &file_matrix, py::arg("comm"), py::arg("path"), py::arg("dataset"),
             py::arg("format"), py::arg("transpose"), py::arg("precision"));
  module.def("matrix_names", &matrix_names, py::arg("V"));
  module.def("write_result", &write_result, py::arg("comm"), py::arg("path"), py::arg("overwrite"),
             py::arg("W"), py::arg("H"), py::arg("history"), py::arg("stop_reason"),
             py::arg("relative_error"), py::arg("attributes"), py::arg("names"));
  module.def("factorize", &factorize, py::arg("V"), py::arg("options"), py::arg("W"), py::arg("H"),
             py::arg("on_iteration"));
  module.def("project_rows", &project_rows, py::arg("V"), py::arg("options"), py::arg("H"));
}
