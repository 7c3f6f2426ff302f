#include "rules/registry.hpp"

#include <algorithm>
#include <array>

#include "mpinmf/error.hpp"
#include "rules/anls_bpp.hpp"
#include "rules/hals.hpp"
#include "rules/multiplicative.hpp"
#include "rules/nnls_bpp.hpp"
#include "rules/projected_gradient.hpp"

namespace mpinmf {

namespace {

std::int64_t doubles(Index count) { return static_cast<std::int64_t>(sizeof(double)) * count; }

const std::array<RuleEntry, 5> kRules{{
    {Algorithm::multiplicative,
     [](const RuleSettings& settings, const RuleSizes& /*sizes*/) -> std::unique_ptr<UpdateRule> {
       return std::make_unique<MultiplicativeRule>(settings.delta);
     },
     // The denominator.
     [](Index k, Index columns) { return doubles(k * columns); }, true},
    {Algorithm::projected_gradient,
     [](const RuleSettings& settings, const RuleSizes& /*sizes*/) -> std::unique_ptr<UpdateRule> {
       return std::make_unique<ProjectedGradientRule>(settings.learning_rate);
     },
     // The gradient.
     [](Index k, Index columns) { return doubles(k * columns); }, true},
    {Algorithm::hals,
     [](const RuleSettings& settings, const RuleSizes& sizes) -> std::unique_ptr<UpdateRule> {
       const std::int64_t entries =
           sizes.nonzeros > 0 ? sizes.nonzeros : std::int64_t{sizes.rows} * sizes.columns;
       return std::make_unique<HalsRule>(
           settings.inner_sweeps > 0
               ? settings.inner_sweeps
               : automatic_hals_sweeps(sizes.rows, sizes.columns, sizes.rank, entries));
     },
     // One row of steps.
     [](Index /*k*/, Index columns) { return doubles(columns); }, true},
    {Algorithm::anls_bpp,
     [](const RuleSettings& /*settings*/, const RuleSizes& /*sizes*/)
         -> std::unique_ptr<UpdateRule> { return std::make_unique<AnlsBppRule>(); },
     // The solver's own, and the product shifted by the L1 penalty (counted whether or not
     // there is one: it is small beside V).
     [](Index k, Index columns) {
       return nnls_bpp_allocated_bytes(k, columns) + doubles(k * columns);
     },
     false},
    {Algorithm::kullback_leibler, nullptr,
     // Its loop's buffers are counted with the loop (engine/preflight).
     [](Index /*k*/, Index /*columns*/) { return std::int64_t{0}; }, false},
}};

}  // namespace

std::span<const RuleEntry> rule_entries() { return kRules; }

std::vector<Algorithm> frobenius_algorithms() {
  std::vector<Algorithm> rules;
  for (const RuleEntry& entry : kRules) {
    if (entry.make != nullptr) {
      rules.push_back(entry.algorithm);
    }
  }
  return rules;
}

const RuleEntry& rule_entry(Algorithm algorithm) {
  const auto* found = std::ranges::find_if(
      kRules, [&](const RuleEntry& entry) { return entry.algorithm == algorithm; });
  if (found == kRules.end()) {
    throw Error("no rule registered for " + algorithm_name(algorithm));
  }
  return *found;
}

std::unique_ptr<UpdateRule> make_update_rule(const RuleSettings& settings, Index rows,
                                             Index columns, Index rank, std::int64_t nonzeros) {
  const RuleEntry& entry = rule_entry(settings.algorithm);
  if (entry.make == nullptr) {
    throw Error("make_update_rule: " + algorithm_name(settings.algorithm) +
                " is not a rule of the Frobenius loop");
  }
  return entry.make(settings, {rows, columns, rank, nonzeros});
}

}  // namespace mpinmf
