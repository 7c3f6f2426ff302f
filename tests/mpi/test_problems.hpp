#pragma once
// Test matrices every rank can build its own rows of, identically for any rank count.

#include <string>

#include "engine/frobenius_loop.hpp"
#include "engine/kl_loop.hpp"
#include "parallel/comm.hpp"
#include "starts/random_start.hpp"

namespace mpinmf::testing {

/// Rows `rows` of W₀H₀ + noise·U, where W₀ (m × r) and H₀ (r × n) are uniform on [0, 1)
/// with a `zero_fraction` of their entries zeroed (sparse factors make NMF unique).
RowMatrix low_rank_rows(std::uint64_t seed, IndexRange rows, Index columns, Index true_rank,
                        double noise, double zero_fraction = 0.0);

/// Rows of the reference write-up's 5 × 6 matrix (R's rmatrix(5, 6)).
RowMatrix writeup_rows(IndexRange rows);

struct Outcome {
  Factors factors;
  EngineResult result;
  IndexRange rows;
};

/// Factorizes the matrix whose rows `make_rows` builds, split over `comm`, from the random
/// start of `seed`.
/// This rank's rows of the test matrix, ‖V‖², and the random start of `seed`.
struct Start {
  IndexRange rows;
  RowMatrix V;
  double squared_norm = 0.0;
  Factors factors;
};

template <typename MakeRows>
Start make_start(Communicator& comm, Index total_rows, Index columns, Index k, MakeRows&& make_rows,
                 std::uint64_t seed) {
  Start start;
  start.rows = even_block(total_rows, comm.size(), comm.rank());
  start.V = make_rows(start.rows);
  const double total = comm.sum(start.V.sum());
  start.squared_norm = comm.sum(start.V.squaredNorm());
  start.factors = random_factors(seed, start.rows, columns, k,
                                 total / static_cast<double>(total_rows * columns));
  return start;
}

template <typename MakeRows>
Outcome factorize_rows(Communicator& comm, Index total_rows, Index columns, Index k,
                       const UpdateRule& rule, const Penalties& penalties,
                       const StoppingCriteria& stopping, MakeRows&& make_rows,
                       std::uint64_t seed = 7) {
  Start start = make_start(comm, total_rows, columns, k, make_rows, seed);
  Outcome outcome{std::move(start.factors), {}, start.rows};
  outcome.result =
      factorize(comm, start.V, start.squared_norm, outcome.factors, rule, penalties, stopping);
  return outcome;
}

/// Every rule with its default settings.
std::vector<RuleSettings> every_algorithm();

/// Exactly `iterations` iterations: no tolerance stops them early.
StoppingCriteria fixed_iterations(int iterations);

/// Runs the loop `settings` name (the kl loop or the Frobenius loop with its rule) on this
/// rank's rows `V` (dense or sparse) from `factors`.
template <typename LocalRows>
EngineResult run_rule(Communicator& comm, const LocalRows& V, double squared_norm, Index total_rows,
                      Factors& factors, const RuleSettings& settings,
                      const StoppingCriteria& stopping, const LoopHooks& hooks = {},
                      const LoopStart& from = {}) {
  if (settings.algorithm == Algorithm::kullback_leibler) {
    return factorize_kl(comm, V, squared_norm, factors, settings.delta, stopping, hooks, from);
  }
  const Index columns = factors.H.cols();
  const auto rule = make_update_rule(settings, total_rows, columns, factors.H.rows());
  return factorize(comm, V, squared_norm, factors, *rule,
                   make_penalties(settings, total_rows, columns), stopping, hooks, from);
}

/// The same with the rule and penalties that `settings` describe.
template <typename MakeRows>
Outcome factorize_rows(Communicator& comm, Index total_rows, Index columns, Index k,
                       const RuleSettings& settings, const StoppingCriteria& stopping,
                       MakeRows&& make_rows, std::uint64_t seed = 7) {
  Start start = make_start(comm, total_rows, columns, k, make_rows, seed);
  Outcome outcome{std::move(start.factors), {}, start.rows};
  outcome.result =
      run_rule(comm, start.V, start.squared_norm, total_rows, outcome.factors, settings, stopping);
  return outcome;
}

/// ‖A − B‖_F / ‖B‖_F over all ranks' blocks.
double relative_difference(Communicator& comm, const Eigen::Ref<const Matrix>& a,
                           const Eigen::Ref<const Matrix>& b, bool distributed);

/// A folder all ranks share, removed by rank 0 at exit of the process.
std::string shared_temporary_folder(Communicator& comm);

}  // namespace mpinmf::testing
