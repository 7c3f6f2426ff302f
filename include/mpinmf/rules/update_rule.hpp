#pragma once
// An update rule improves one factor with the other held fixed. Both halves of NMF are
// the same problem, min over X ≥ 0 of ½‖Y − A X‖² (+ penalty), and a rule sees it only
// through the k×k Gram G = AᵀA and the k×c product B = AᵀY:
//   H half: X = H's columns,  G = WᵀW, B = WᵀV's columns
//   W half: X = Wᵀ,           G = HHᵀ, B = (VHᵀ)ᵀ
// Rules are pure local functions: no MPI, no I/O, no state between calls.

#include <memory>
#include <string>

#include "mpinmf/options.hpp"
#include "mpinmf/types.hpp"

namespace mpinmf {

class UpdateRule {
 public:
  virtual ~UpdateRule() = default;

  /// Updates `factor` (k×c) in place from `gram` (k×k) and `product` (k×c).
  virtual void update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                      const Eigen::Ref<const Matrix>& product) const = 0;

  /// The penalty the rule adds to ½‖V − WH‖², from ‖W‖²_F and ‖H‖²_F.
  [[nodiscard]] virtual double penalty(double w_squared_norm, double h_squared_norm) const {
    (void)w_squared_norm;
    (void)h_squared_norm;
    return 0.0;
  }
};

std::unique_ptr<UpdateRule> make_update_rule(const RuleSettings& settings);

}  // namespace mpinmf
