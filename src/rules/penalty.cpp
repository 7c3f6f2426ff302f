#include "rules/penalty.hpp"

namespace mpinmf {

Penalties make_penalties(const RuleSettings& settings, Index rows, Index columns) {
  const double alpha_W = settings.alpha_W;
  const double alpha_H = settings.alpha_H.value_or(alpha_W);
  const double ratio = settings.l1_ratio;
  const auto m = static_cast<double>(rows);
  const auto n = static_cast<double>(columns);
  Penalties penalties;
  penalties.W = {alpha_W * ratio * n, alpha_W * (1.0 - ratio) * n};
  penalties.H = {alpha_H * ratio * m, alpha_H * (1.0 - ratio) * m};
  if (settings.algorithm == Algorithm::projected_gradient) {
    penalties.W.l2 += settings.lambda;
    penalties.H.l2 += settings.lambda;
  }
  return penalties;
}

}  // namespace mpinmf
