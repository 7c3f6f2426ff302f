#pragma once
// The steps every command that factorizes shares (the main run and `mpinmf survey`): V read
// and checked on a communicator's ranks, and one factorization of it by the rule the
// settings name.

#include <optional>
#include <string>

#include "engine/frobenius_loop.hpp"
#include "engine/loop_control.hpp"
#include "io/input.hpp"
#include "mpinmf/options.hpp"
#include "parallel/comm.hpp"
#include "starts/random_start.hpp"

namespace mpinmf {

/// This rank's rows of V, checked (finite, ≥ 0, not all zero), with the sums the engine
/// and the starts need.
struct LoadedMatrix {
  io::InputPlan plan;
  io::LocalInput local;
  double sum = 0.0;           // Σ V
  double squared_norm = 0.0;  // ‖V‖²_F
  [[nodiscard]] double mean() const;
};

/// Reads and checks `plan`'s matrix on `comm`'s ranks. Collective; errors are agreed and
/// name the file.
LoadedMatrix load_matrix(Communicator& comm, const io::InputPlan& plan);

/// `local`, this rank's rows of `plan`'s matrix however they were obtained (a file, or the
/// caller's memory), checked and summed as `load_matrix` does: dense rows finite and
/// non-negative (sparse ones are checked as they are assembled), V not all zero. Collective.
LoadedMatrix checked_matrix(Communicator& comm, const io::InputPlan& plan, io::LocalInput local);

/// The start `init` names ("random", "nndsvd", "nndsvda" or "nndsvdar") for k = `rank`, drawn
/// from `seed`: the same factors whatever the number of ranks. Collective.
Factors starting_factors(Communicator& comm, const LoadedMatrix& V, Index rank,
                         const std::string& init, std::uint64_t seed);

/// The range V's largest entry must lie in: ‖V‖², the Grams and the objective square
/// entries and sum up to m·n of them, so beyond 1e±100 they would overflow, or lose every
/// digit to underflow, long before double's 1e±308.
inline constexpr double kSmallestLargestEntry = 1e-100;
inline constexpr double kLargestLargestEntry = 1e100;

/// Why a V whose largest entry is `largest` cannot be factorized as it is (outside the range
/// above, with what to do); nothing when it can (or when V is all zero: another message).
std::optional<std::string> magnitude_refusal(double largest);

/// Runs `rule`'s loop (the Frobenius engine, or the KL one) with k = `factors`' rank from
/// `factors`, updating them. Collective over the ranks that loaded `V`.
EngineResult factorize_matrix(Communicator& comm, const LoadedMatrix& V, const RuleSettings& rule,
                              const StoppingCriteria& stopping, Factors& factors,
                              const LoopHooks& hooks = {}, const LoopStart& start = {});

}  // namespace mpinmf
