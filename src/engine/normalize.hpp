#pragma once
// Rescaling the result so it is unique up to the order of components: W's columns get
// unit norm and H's rows absorb the scale, leaving WH unchanged.

#include <string>

#include "parallel/comm.hpp"
#include "starts/random_start.hpp"

namespace mpinmf {

enum class Normalization { none, l1, l2 };

/// "none", "l1" or "l2"; throws Error otherwise.
Normalization parse_normalization(const std::string& name);
std::string normalization_name(Normalization normalization);

/// Scales W's columns to unit L1 norm (each sums to 1, as topic models read them) or unit
/// L2 norm, and H's rows by the inverse, over the row-partitioned W. All-zero columns stay.
void normalize_factors(Communicator& comm, Factors& factors, Normalization normalization);

}  // namespace mpinmf
