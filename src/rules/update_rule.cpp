#include "mpinmf/rules/update_rule.hpp"

#include "mpinmf/rules/multiplicative.hpp"
#include "mpinmf/rules/projected_gradient.hpp"

namespace mpinmf {

std::unique_ptr<UpdateRule> make_update_rule(const RuleSettings& settings) {
  switch (settings.algorithm) {
    case Algorithm::multiplicative:
      return std::make_unique<MultiplicativeRule>(settings.delta);
    case Algorithm::projected_gradient:
      return std::make_unique<ProjectedGradientRule>(settings.lambda, settings.learning_rate);
  }
  return nullptr;
}

}  // namespace mpinmf
