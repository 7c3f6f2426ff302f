#include "mpinmf/rules/update_rule.hpp"

#include "mpinmf/error.hpp"
#include "mpinmf/rules/anls_bpp.hpp"
#include "mpinmf/rules/hals.hpp"
#include "mpinmf/rules/multiplicative.hpp"
#include "mpinmf/rules/projected_gradient.hpp"

namespace mpinmf {

std::unique_ptr<UpdateRule> make_update_rule(const RuleSettings& settings, Index rows,
                                             Index columns, Index rank) {
  switch (settings.algorithm) {
    case Algorithm::multiplicative:
      return std::make_unique<MultiplicativeRule>(settings.delta);
    case Algorithm::projected_gradient:
      return std::make_unique<ProjectedGradientRule>(settings.learning_rate);
    case Algorithm::hals: {
      const int sweeps = settings.inner_sweeps > 0 ? settings.inner_sweeps
                                                   : automatic_hals_sweeps(rows, columns, rank);
      return std::make_unique<HalsRule>(sweeps);
    }
    case Algorithm::anls_bpp:
      return std::make_unique<AnlsBppRule>();
    case Algorithm::kullback_leibler:
      break;  // not a Frobenius rule: it has a loop of its own (engine_kl)
  }
  throw Error("make_update_rule: " + algorithm_name(settings.algorithm) +
              " is not a rule of the Frobenius loop");
}

}  // namespace mpinmf
