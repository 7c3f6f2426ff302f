#pragma once
// The rule registry: what the engine and the memory pre-check need of each rule, one row a
// rule (registry.cpp). The names and help users see are in options.hpp's `kAlgorithms`.

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "mpinmf/options.hpp"
#include "rules/update_rule.hpp"

namespace mpinmf {

/// The sizes a rule may tune itself by: V's (`nonzeros` 0 when dense) and k.
struct RuleSizes {
  Index rows = 1;
  Index columns = 1;
  Index rank = 1;
  std::int64_t nonzeros = 0;
};

struct RuleEntry {
  Algorithm algorithm;
  /// The rule for `settings`; null for a rule with a loop of its own (kl, engine/kl_loop).
  std::unique_ptr<UpdateRule> (*make)(const RuleSettings& settings, const RuleSizes& sizes);
  /// Bytes the rule allocates to update a factor of `columns` columns (k × columns, the
  /// factor transposed for the W half), beyond the factor and its inputs.
  std::int64_t (*scratch_bytes)(Index k, Index columns);
  /// Whether the rule works in float when the loop does (V held in single precision);
  /// otherwise UpdateRule's float overload goes through double copies of the factor and
  /// product, which the pre-check counts.
  bool works_in_float;
};

/// Every rule, in the order of `kAlgorithms`.
std::span<const RuleEntry> rule_entries();

/// The rules of the Frobenius loop (those with `make`), in the order of `kAlgorithms`.
std::vector<Algorithm> frobenius_algorithms();

/// The row of `algorithm`.
const RuleEntry& rule_entry(Algorithm algorithm);

}  // namespace mpinmf
