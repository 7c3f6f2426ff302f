#include <algorithm>
#include <string>

#include "core/resources.hpp"
#include "engine/factorization.hpp"
#include "io/input.hpp"
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

DistributedMatrix::~DistributedMatrix() = default;
DistributedMatrix::DistributedMatrix(DistributedMatrix&&) noexcept = default;
DistributedMatrix& DistributedMatrix::operator=(DistributedMatrix&&) noexcept = default;

Index DistributedMatrix::rows() const { return state_->V.plan.rows; }
Index DistributedMatrix::columns() const { return state_->V.plan.columns; }
Index DistributedMatrix::first_row() const { return state_->V.local.rows.begin; }
Index DistributedMatrix::local_rows() const { return state_->V.local.rows.size(); }
bool DistributedMatrix::sparse() const { return state_->V.plan.sparse(); }

Factorization factorize(const DistributedMatrix& V, const FactorizeSettings& settings) {
  // The communicator is the matrix's; its counters and timers are the only state it
  // changes, so a const matrix may lend it.
  auto& comm = const_cast<Communicator&>(V.state().comm);
  const LoadedMatrix& loaded = V.state().V;
  comm.run_agreed([&] {
    validate(settings.rule);
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
  use_threads(threads_for_rank(settings.threads, comm.ranks_on_node()),
              V.sparse() ? ThreadUse::sparse_products : ThreadUse::dense_products);
  Factorization result;
  result.factors = starting_factors(comm, loaded, settings.rank, settings.init, settings.seed);
  result.result = factorize_matrix(comm, loaded, settings.rule, settings.stopping, result.factors);
  return result;
}

}  // namespace mpinmf
