#include "rules/anls_bpp.hpp"

#include "core/resources.hpp"
#include "rules/nnls_bpp.hpp"

namespace mpinmf {

void anls_bpp_update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                     const Eigen::Ref<const Matrix>& product, const Penalty& penalty) {
  const OwnLoopsHaveTheCores cores;  // the solver shares its columns among the threads
  if (!penalty.any()) {
    factor = nnls_block_principal_pivoting(gram, product, factor);
    return;
  }
  Matrix penalized_gram = gram;
  penalized_gram.diagonal().array() += penalty.l2;
  const Matrix shifted_product = product.array() - penalty.l1;
  factor = nnls_block_principal_pivoting(penalized_gram, shifted_product, factor);
}

}  // namespace mpinmf
