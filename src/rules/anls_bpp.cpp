#include "rules/anls_bpp.hpp"

#include "core/resources.hpp"
#include "core/scratch.hpp"
#include "rules/nnls_bpp.hpp"

namespace mpinmf {

// An Eigen::Ref is a view: passing it on by value copies a pointer, not the matrix.
// NOLINTNEXTLINE(performance-unnecessary-value-param)
void anls_bpp_update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                     const Eigen::Ref<const Matrix>& product, const Penalty& penalty) {
  const OwnLoopsHaveTheCores cores;  // the solver shares its columns among the threads
  if (!penalty.any()) {
    nnls_block_principal_pivoting_in_place(gram, product, factor);
    return;
  }
  // The penalized problem's G and B, in memory kept from call to call (core/scratch.hpp).
  thread_local Matrix penalized_gram;
  penalized_gram = gram;
  penalized_gram.diagonal().array() += penalty.l2;
  auto shifted_product =
      scratch_matrix<Matrix, struct ShiftedProduct>(product.rows(), product.cols());
  shifted_product.array() = product.array() - penalty.l1;
  nnls_block_principal_pivoting_in_place(penalized_gram, shifted_product, factor);
}

}  // namespace mpinmf
