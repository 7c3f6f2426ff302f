#pragma once
// Alternating non-negative least squares: each half solved exactly, by Kim & Park's block
// principal pivoting, warm-started from the current factor's passive set.

#include "rules/update_rule.hpp"

namespace mpinmf {

/// X ← argmin over X ≥ 0 of ½‖Y − A X‖² + l1·ΣX + ½·l2·‖X‖², which is the plain problem
/// with Gram G + l2·I and product B − l1.
void anls_bpp_update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                     const Eigen::Ref<const Matrix>& product, const Penalty& penalty);

class AnlsBppRule final : public UpdateRule {
 public:
  using UpdateRule::update;  // in float, through double copies: the solver works in double
  void update(Eigen::Ref<Matrix> factor, const Matrix& gram,
              const Eigen::Ref<const Matrix>& product, const Penalty& penalty) const override {
    anls_bpp_update(factor, gram, product, penalty);
  }
};

}  // namespace mpinmf
