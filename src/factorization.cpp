#include "mpinmf/factorization.hpp"

#include <variant>

#include "mpinmf/engine_kl.hpp"
#include "mpinmf/error.hpp"
#include "mpinmf/io/validate.hpp"
#include "mpinmf/rules/penalty.hpp"
#include "mpinmf/rules/update_rule.hpp"

namespace mpinmf {

double LoadedMatrix::mean() const {
  return sum / (static_cast<double>(plan.rows) * static_cast<double>(plan.columns));
}

LoadedMatrix load_matrix(Communicator& comm, const io::InputPlan& plan) {
  LoadedMatrix loaded{plan, io::read_input(comm, plan)};
  // Sparse rows are validated as they are read; dense ones here.
  if (const auto* dense = std::get_if<RowMatrix>(&loaded.local.V)) {
    io::require_nonnegative_finite(comm, *dense, loaded.local.rows.begin, plan.source);
  }
  std::array<double, 2> totals = std::visit(
      [](const auto& V) {
        return std::array<double, 2>{V.sum(), V.squaredNorm()};
      },
      loaded.local.V);
  comm.sum(totals.data(), 2);
  loaded.sum = totals[0];
  loaded.squared_norm = totals[1];
  comm.run_agreed([&] {
    if (loaded.squared_norm == 0.0) {
      throw Error(plan.source + ": every entry is zero; there is nothing to factorize");
    }
  });
  return loaded;
}

EngineResult factorize_matrix(Communicator& comm, const LoadedMatrix& V, const RuleSettings& rule,
                              const StoppingCriteria& stopping, Factors& factors,
                              const LoopHooks& hooks, const LoopStart& start) {
  const Index rows = V.plan.rows;
  const Index columns = V.plan.columns;
  return std::visit(
      [&](const auto& local) {
        if (rule.algorithm == Algorithm::kullback_leibler) {
          return factorize_kl(comm, local, V.squared_norm, factors, rule.delta, stopping, hooks,
                              start);
        }
        const auto update_rule =
            make_update_rule(rule, rows, columns, factors.H.rows(), V.plan.stored_entries);
        return factorize(comm, local, V.squared_norm, factors, *update_rule,
                         make_penalties(rule, rows, columns), stopping, hooks, start);
      },
      V.local.V);
}

}  // namespace mpinmf
