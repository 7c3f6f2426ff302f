#include <algorithm>
#include <numeric>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/resources.hpp"
#include "engine/factorization.hpp"
#include "engine/projection.hpp"
#include "io/factor_file.hpp"
#include "io/input.hpp"
#include "io/memory_rows.hpp"
#include "io/validate.hpp"
#include "mpinmf/mpinmf.hpp"
#include "parallel/comm.hpp"

namespace mpinmf {

struct DistributedMatrix::State {
  Communicator comm;
  LoadedMatrix V;
};

DistributedMatrix::DistributedMatrix(MPI_Comm comm, const MatrixSource& source) {
  // The caller's communicator keeps the caller's error handler: a library does not change how
  // its caller's MPI fails. Under MPI_ERRORS_ARE_FATAL (MPI's default) a failed call aborts;
  // under MPI_ERRORS_RETURN it throws MpiError, after which the caller must not enter another
  // collective (the other ranks may be inside the failed call) and should call MPI_Abort.
  Communicator wrapped(comm);
  const io::InputPlan plan = io::inspect_input(
      wrapped, {source.path, source.dataset, source.format, source.transpose, source.precision});
  LoadedMatrix loaded = load_matrix(wrapped, plan);
  state_ = std::make_unique<State>(State{std::move(wrapped), std::move(loaded)});
}

DistributedMatrix::DistributedMatrix(MPI_Comm comm, const DenseRows& rows, Precision precision) {
  Communicator wrapped(comm);
  io::MemoryInput input = io::copy_dense_rows(wrapped, rows, precision);
  LoadedMatrix loaded = checked_matrix(wrapped, input.plan, std::move(input.local));
  state_ = std::make_unique<State>(State{std::move(wrapped), std::move(loaded)});
}

DistributedMatrix::DistributedMatrix(MPI_Comm comm, const CsrRows& rows, Precision precision) {
  Communicator wrapped(comm);
  io::MemoryInput input = io::copy_csr_rows(wrapped, rows, precision);
  LoadedMatrix loaded = checked_matrix(wrapped, input.plan, std::move(input.local));
  state_ = std::make_unique<State>(State{std::move(wrapped), std::move(loaded)});
}

DistributedMatrix::~DistributedMatrix() = default;
DistributedMatrix::DistributedMatrix(DistributedMatrix&&) noexcept = default;
DistributedMatrix& DistributedMatrix::operator=(DistributedMatrix&&) noexcept = default;

Index DistributedMatrix::rows() const { return state_->V.plan.rows; }
Index DistributedMatrix::columns() const { return state_->V.plan.columns; }
Index DistributedMatrix::first_row() const { return state_->V.local.rows.begin; }
Index DistributedMatrix::local_rows() const { return state_->V.local.rows.size(); }
bool DistributedMatrix::sparse() const { return state_->V.plan.sparse(); }
double DistributedMatrix::squared_norm() const { return state_->V.squared_norm; }
Names DistributedMatrix::names() const { return io::read_labels(state_->comm, state_->V.plan); }

namespace {

/// The communicator is the matrix's; its counters and timers are the only state it changes,
/// so a const matrix may lend it.
Communicator& lent(const DistributedMatrix& V) { return const_cast<Communicator&>(V.state().comm); }

/// Checks what every start shares: the rule, the threads of this rank.
void prepare(const DistributedMatrix& V, const FactorizeSettings& settings) {
  lent(V).run_agreed([&] { validate(settings.rule); });
  use_threads(threads_for_rank(settings.threads, lent(V).ranks_on_node()),
              V.sparse() ? ThreadUse::sparse_products : ThreadUse::dense_products);
}

Factorization run(const DistributedMatrix& V, const FactorizeSettings& settings, Factors start) {
  LoopHooks hooks;
  hooks.on_iteration = settings.on_iteration;
  hooks.stop_requested = settings.stop_requested;
  Factorization result;
  result.factors = std::move(start);
  result.result = factorize_matrix(lent(V), V.state().V, settings.rule, settings.stopping,
                                   result.factors, hooks);
  return result;
}

}  // namespace

Factorization factorize(const DistributedMatrix& V, const FactorizeSettings& settings) {
  Communicator& comm = lent(V);
  comm.run_agreed([&] {
    if (settings.rank < 1 || settings.rank > std::min(V.rows(), V.columns())) {
      throw Error("rank " + std::to_string(settings.rank) +
                  " must be between 1 and min(rows, columns) = " +
                  std::to_string(std::min(V.rows(), V.columns())));
    }
    if (settings.init != "random" && settings.init != "nndsvd" && settings.init != "nndsvda" &&
        settings.init != "nndsvdar") {
      throw Error("init: unknown start '" + settings.init +
                  "' (expected random, nndsvd, nndsvda or nndsvdar)");
    }
  });
  prepare(V, settings);
  return run(V, settings,
             starting_factors(comm, V.state().V, settings.rank, settings.init, settings.seed));
}

Factorization factorize(const DistributedMatrix& V, const FactorizeSettings& settings,
                        Factors start) {
  const Communicator& comm = V.state().comm;
  comm.run_agreed([&] {
    const Index k = start.W.cols();
    if (k < 1 || start.W.rows() != V.local_rows() || start.H.rows() != k ||
        start.H.cols() != V.columns()) {
      throw Error("the start's W is " + std::to_string(start.W.rows()) + " × " + std::to_string(k) +
                  " and its H " + std::to_string(start.H.rows()) + " × " +
                  std::to_string(start.H.cols()) + "; this rank's rows need W " +
                  std::to_string(V.local_rows()) + " × k and H k × " + std::to_string(V.columns()) +
                  " with k >= 1");
    }
  });
  io::require_nonnegative_finite(comm, start.W, V.first_row(), "init:/W");
  io::require_nonnegative_finite(comm, RowMatrix(start.H), 0, "init:/H");
  prepare(V, settings);
  return run(V, settings, std::move(start));
}

void write_result(MPI_Comm comm, const Factorization& result, const ResultFile& file) {
  Communicator wrapped(comm);
  const std::vector<std::int64_t> rows = wrapped.allgather(result.factors.W.rows());
  const auto own = static_cast<std::ptrdiff_t>(wrapped.rank());
  const Index first = std::accumulate(rows.begin(), rows.begin() + own, std::int64_t{0});
  const Index total = std::accumulate(rows.begin(), rows.end(), std::int64_t{0});
  io::check_output_path(wrapped, file.path, file.overwrite,
                        "output exists; pass overwrite=True to replace it");
  std::vector<io::Attribute> attributes = {
      {"ranks", static_cast<std::int64_t>(wrapped.size())},
      {"version", std::string(MPINMF_VERSION)},
      {"layout", std::string(io::kFactorLayout)},
  };
  if (!result.result.history.empty()) {
    const std::vector<io::Attribute> progress =
        io::progress_attributes(result.result.history, result.result.final_relative_error,
                                describe(result.result.stop_reason));
    attributes.insert(attributes.end(), progress.begin(), progress.end());
  }
  for (const auto& [name, value] : file.attributes) {
    attributes.push_back({name, value});
  }
  io::write_factor_file(wrapped, file.path, result.factors,
                        {first, first + result.factors.W.rows()}, total, result.result.history,
                        attributes, {.labels = file.names});
}

RowMatrix project_rows(const DistributedMatrix& V, const Matrix& H, const RuleSettings& rule) {
  lent(V).run_agreed([&] {
    validate(rule);
    if (H.cols() != V.columns() || H.rows() < 1) {
      throw Error("H is " + std::to_string(H.rows()) + " × " + std::to_string(H.cols()) +
                  " but V has " + std::to_string(V.columns()) + " columns");
    }
  });
  const Penalties penalties = make_penalties(rule, V.rows(), V.columns());
  return std::visit(
      [&](const auto& local) {
        if constexpr (std::is_same_v<typename std::decay_t<decltype(local)>::Scalar, double>) {
          return project_rows(local, H, penalties.W);
        } else {
          return project_rows(local.template cast<double>().eval(), H, penalties.W);
        }
      },
      V.state().V.local.V);
}

}  // namespace mpinmf
