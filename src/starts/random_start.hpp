#pragma once
// Starting factors. Random starts are drawn from a counter-based hash of (seed, matrix,
// global row, column), so every rank produces exactly its own part of the same W and H
// whatever the number of ranks.

#include <cstdint>

#include "core/partition.hpp"
#include "mpinmf/result.hpp"
#include "mpinmf/types.hpp"

namespace mpinmf {

/// A uniform number in (0, 1) from the counter (seed, stream, row, column).
double counter_uniform(std::uint64_t seed, std::uint64_t stream, std::uint64_t row,
                       std::uint64_t column);

/// scikit-learn's random start: |N(0, 1)| · √(mean(V) / k), for W's `rows` and all of H.
Factors random_factors(std::uint64_t seed, IndexRange rows, Index columns, Index rank,
                       double mean_of_v);

}  // namespace mpinmf
