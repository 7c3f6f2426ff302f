#include "engine/factorization.hpp"

#include <sstream>
#include <utility>
#include <variant>

#include "engine/kl_loop.hpp"
#include "io/validate.hpp"
#include "mpinmf/error.hpp"
#include "rules/penalty.hpp"
#include "rules/update_rule.hpp"
#include "starts/nndsvd.hpp"
#include "starts/random_start.hpp"

namespace mpinmf {

namespace {

/// The entries V stores (for sparse V, its nonzeros), as one array of doubles.
template <typename LocalRows>
auto stored_values(const LocalRows& V) {
  if constexpr (is_sparse_v<LocalRows>) {
    return V.coeffs().template cast<double>();
  } else {
    return V.array().template cast<double>();
  }
}

}  // namespace

std::optional<std::string> magnitude_refusal(double largest) {
  if (largest == 0.0 || (largest >= kSmallestLargestEntry && largest <= kLargestLargestEntry)) {
    return std::nullopt;
  }
  std::ostringstream text;
  text << "its largest entry is " << largest << ", outside " << kSmallestLargestEntry << " to "
       << kLargestLargestEntry
       << ", where the sums of squares that measure the fit neither overflow nor underflow; "
          "scale V by a power of ten into that range (W·H scales with it)";
  return text.str();
}

double LoadedMatrix::mean() const {
  return sum / (static_cast<double>(plan.rows) * static_cast<double>(plan.columns));
}

LoadedMatrix load_matrix(Communicator& comm, const io::InputPlan& plan) {
  return checked_matrix(comm, plan, io::read_input(comm, plan));
}

LoadedMatrix checked_matrix(Communicator& comm, const io::InputPlan& plan, io::LocalInput local) {
  LoadedMatrix loaded{plan, std::move(local)};
  double largest = 0.0;
  std::array<double, 2> totals = std::visit(
      [&](const auto& V) {
        // Sparse rows are validated as they are assembled; dense ones here.
        if constexpr (!is_sparse_v<std::decay_t<decltype(V)>>) {
          io::require_nonnegative_finite(comm, V, loaded.local.rows.begin, plan.source);
        }
        // Summed in double whatever V's precision: ‖V‖² sets every relative error.
        const auto values = stored_values(V);
        largest = values.size() == 0 ? 0.0 : values.maxCoeff();
        return std::array<double, 2>{values.sum(), values.square().sum()};
      },
      loaded.local.V);
  comm.sum(totals.data(), 2);
  loaded.sum = totals[0];
  loaded.squared_norm = totals[1];
  largest = comm.max(largest);
  comm.run_agreed([&] {
    // The largest entry, not ‖V‖², which underflows to 0 for entries below 1e-162.
    if (largest == 0.0) {
      throw Error(plan.source + ": every entry is zero; there is nothing to factorize");
    }
    if (const auto refusal = magnitude_refusal(largest)) {
      throw Error(plan.source + ": " + *refusal);
    }
  });
  return loaded;
}

Factors starting_factors(Communicator& comm, const LoadedMatrix& V, Index rank,
                         const std::string& init, std::uint64_t seed) {
  const IndexRange rows = V.local.rows;
  if (init == "random") {
    return random_factors(seed, rows, V.plan.columns, rank, V.mean());
  }
  const NndsvdVariant variant = init == "nndsvd"    ? NndsvdVariant::plain
                                : init == "nndsvda" ? NndsvdVariant::fill_mean
                                                    : NndsvdVariant::fill_random;
  return std::visit(
      [&](const auto& local) {
        return nndsvd_factors(comm, local, rows, rank, variant, seed, V.mean());
      },
      V.local.V);
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
