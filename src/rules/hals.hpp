#pragma once
// Hierarchical alternating least squares (Cichocki & Phan): exact minimisation over one
// component (one row of X) at a time, in sweeps over the k components. Following Gillis &
// Glineur, several sweeps reuse the same Gram and product, since a sweep costs O(k²c)
// against the O(mnk) of forming them.

#include "rules/update_rule.hpp"

namespace mpinmf {

/// Entries never fall below this, so that a component cannot vanish for good: an exactly
/// zero row of X would zero a row of the next Gram and freeze that component.
inline constexpr double kHalsFloor = 1e-16;
/// The floor in the factor's precision, for both the update and the test of whether an entry
/// sits on it (float(1e-16) is not 1e-16).
template <typename Scalar>
constexpr Scalar hals_floor() {
  return static_cast<Scalar>(kHalsFloor);
}

/// `sweeps` HALS sweeps: for each component j,
///   x_j ← max(floor, x_j + (b_j − l1 − (G + l2) x_j-row-of-GX) / (G_jj + l2)).
void hals_update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                 const Eigen::Ref<const Matrix>& product, const Penalty& penalty, int sweeps);
void hals_update(Eigen::Ref<MatrixF> factor, const MatrixF& gram,
                 const Eigen::Ref<const MatrixF>& product, const Penalty& penalty, int sweeps);

/// hals_update with the sweeps' sums sized for `vector_registers` (32: AVX-512's; 16: the
/// others') whatever the CPU, which otherwise picks one (for the tests, which reach both).
void hals_update_for_registers(Eigen::Ref<Matrix> factor, const Matrix& gram,
                               const Eigen::Ref<const Matrix>& product, const Penalty& penalty,
                               int sweeps, int vector_registers);

/// Sweeps per half-iteration that pay for themselves (Gillis & Glineur, 2012): about half of
/// how many sweeps cost as much as forming the product that feeds them. A product costs
/// nonzeros·k and a sweep (rows or columns)·k², so that is ≈ min(nonzeros per row, nonzeros
/// per column) / (k + 1); capped at 5. For dense V, `nonzeros` is rows × columns.
int automatic_hals_sweeps(Index rows, Index columns, Index rank, std::int64_t nonzeros);

class HalsRule final : public UpdateRule {
 public:
  explicit HalsRule(int sweeps) : sweeps_(sweeps) {}
  void update(Eigen::Ref<Matrix> factor, const Matrix& gram,
              const Eigen::Ref<const Matrix>& product, const Penalty& penalty) const override {
    hals_update(factor, gram, product, penalty, sweeps_);
  }
  void update(Eigen::Ref<MatrixF> factor, const MatrixF& gram,
              const Eigen::Ref<const MatrixF>& product, const Penalty& penalty) const override {
    hals_update(factor, gram, product, penalty, sweeps_);
  }

 protected:
  [[nodiscard]] Parts parts() const override { return Parts::cache_blocks; }

 private:
  int sweeps_;
};

}  // namespace mpinmf
