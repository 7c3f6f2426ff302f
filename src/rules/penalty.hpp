#pragma once
// The elastic-net penalties on W and H, named and scaled as scikit-learn's NMF does, so
// that settings carry across:
//   ½‖V − WH‖² + α_W·ρ·n·‖W‖₁ + ½·α_W·(1 − ρ)·n·‖W‖² + α_H·ρ·m·‖H‖₁ + ½·α_H·(1 − ρ)·m·‖H‖²
// with ρ the l1 ratio, V m × n. The projected-gradient rule's λ adds ½·λ·(‖W‖² + ‖H‖²).

#include "mpinmf/options.hpp"
#include "mpinmf/types.hpp"

namespace mpinmf {

/// l1·‖X‖₁ + ½·l2·‖X‖²_F on one factor (X ≥ 0, so ‖X‖₁ is the sum of its entries).
struct Penalty {
  double l1 = 0.0;
  double l2 = 0.0;

  [[nodiscard]] double value(double sum_of_entries, double squared_norm) const {
    return l1 * sum_of_entries + 0.5 * l2 * squared_norm;
  }
  [[nodiscard]] bool any() const { return l1 != 0.0 || l2 != 0.0; }
};

struct Penalties {
  Penalty W;
  Penalty H;
};

/// The penalties `settings` ask for on a V of `rows` × `columns`.
Penalties make_penalties(const RuleSettings& settings, Index rows, Index columns);

}  // namespace mpinmf
