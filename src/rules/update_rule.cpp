#include "rules/update_rule.hpp"

#include <algorithm>
#include <numeric>
#include <span>
#include <vector>

#include "core/resources.hpp"
#include "core/scratch.hpp"
#include "core/thread_shares.hpp"
#include "rules/column_blocks.hpp"
#include "rules/projected_gradient.hpp"

namespace mpinmf {

// An Eigen::Ref is a view: passing it on by value copies a pointer, not the matrix.
// NOLINTBEGIN(performance-unnecessary-value-param)
void UpdateRule::update(Eigen::Ref<MatrixF> factor, const MatrixF& gram,
                        const Eigen::Ref<const MatrixF>& product, const Penalty& penalty) const {
  auto widened = scratch_matrix<Matrix, struct WidenedFactor>(factor.rows(), factor.cols());
  // A Gram as update() takes it: a Matrix, kept from call to call (k × k: same size, no
  // allocation).
  thread_local Matrix widened_gram;
  auto widened_product =
      scratch_matrix<Matrix, struct WidenedProduct>(product.rows(), product.cols());
  // cppcheck-suppress redundantInitialization
  widened = factor.cast<double>();
  widened_gram = gram.cast<double>();
  // cppcheck-suppress redundantInitialization
  widened_product = product.cast<double>();
  update(widened, widened_gram, widened_product, penalty);
  factor = widened.cast<float>();
}

double UpdateRule::update_and_gradient_norm(Eigen::Ref<Matrix> factor, const Matrix& gram,
                                            const Eigen::Ref<const Matrix>& product,
                                            const Penalty& penalty) const {
  return update_in_parts<double>(factor, gram, product, penalty, GradientAt::result);
}

double UpdateRule::update_and_gradient_norm(Eigen::Ref<MatrixF> factor, const MatrixF& gram,
                                            const Eigen::Ref<const MatrixF>& product,
                                            const Penalty& penalty) const {
  return update_in_parts<float>(factor, gram, product, penalty, GradientAt::result);
}

double UpdateRule::gradient_norm_and_update(Eigen::Ref<Matrix> factor, const Matrix& gram,
                                            const Eigen::Ref<const Matrix>& product,
                                            const Penalty& penalty) const {
  return update_in_parts<double>(factor, gram, product, penalty, GradientAt::start);
}

double UpdateRule::gradient_norm_and_update(Eigen::Ref<MatrixF> factor, const MatrixF& gram,
                                            const Eigen::Ref<const MatrixF>& product,
                                            const Penalty& penalty) const {
  return update_in_parts<float>(factor, gram, product, penalty, GradientAt::start);
}

template <typename Scalar>
double UpdateRule::update_in_parts(Eigen::Ref<ColumnsOf<Scalar>> factor,
                                   const ColumnsOf<Scalar>& gram,
                                   const Eigen::Ref<const ColumnsOf<Scalar>>& product,
                                   const Penalty& penalty, GradientAt at) const {
  // Columns are independent problems. Each part's norm has its own slot and the slots are
  // summed in order, so that the result does not depend on which thread took which part.
  auto part = [&](Index first, Index count) {
    auto block = factor.middleCols(first, count);
    const auto block_product = product.middleCols(first, count);
    if (at == GradientAt::start) {
      const double norm = projected_gradient_squared_norm(block, gram, block_product, penalty);
      update(block, gram, block_product, penalty);
      return norm;
    }
    update(block, gram, block_product, penalty);
    return projected_gradient_squared_norm(block, gram, block_product, penalty);
  };
  // Its parts' norms, in memory kept from call to call (core/scratch.hpp).
  std::span<double> squared_norms;
  if (parts() == Parts::thread_shares) {
    const Index shares = thread_shares(factor.cols());
    squared_norms = {scratch_entries<double, struct PartNorms>(shares),
                     static_cast<std::size_t>(shares)};
    for_each_thread_share(factor.cols(), [&](int share, IndexRange columns) {
      squared_norms[static_cast<std::size_t>(share)] = part(columns.begin, columns.size());
    });
  } else {
    const Index width = cache_block_columns(factor.rows());
    const Index blocks = (factor.cols() + width - 1) / width;
    squared_norms = {scratch_entries<double, struct PartNorms>(blocks),
                     static_cast<std::size_t>(blocks)};
    const OwnLoopsHaveTheCores cores;
    parallel_for_each_index(blocks, 1, [&](Index b) {
      const Index first = b * width;
      squared_norms[static_cast<std::size_t>(b)] =
          part(first, std::min(width, factor.cols() - first));
    });
  }
  return std::accumulate(squared_norms.begin(), squared_norms.end(), 0.0);
}
// NOLINTEND(performance-unnecessary-value-param)

}  // namespace mpinmf
