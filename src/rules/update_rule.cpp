#include "mpinmf/rules/update_rule.hpp"

#include <algorithm>
#include <numeric>
#include <vector>

#include "mpinmf/error.hpp"
#include "mpinmf/resources.hpp"
#include "mpinmf/rules/anls_bpp.hpp"
#include "mpinmf/rules/column_blocks.hpp"
#include "mpinmf/rules/hals.hpp"
#include "mpinmf/rules/multiplicative.hpp"
#include "mpinmf/rules/projected_gradient.hpp"

namespace mpinmf {

// An Eigen::Ref is a view: passing it on by value copies a pointer, not the matrix.
// NOLINTNEXTLINE(performance-unnecessary-value-param)
double UpdateRule::update_and_gradient_norm(Eigen::Ref<Matrix> factor, const Matrix& gram,
                                            const Eigen::Ref<const Matrix>& product,
                                            const Penalty& penalty) const {
  update(factor, gram, product, penalty);
  return projected_gradient_squared_norm(factor, gram, product, penalty);
}

double UpdateRule::update_and_gradient_norm_by_blocks(Eigen::Ref<Matrix> factor, const Matrix& gram,
                                                      const Eigen::Ref<const Matrix>& product,
                                                      const Penalty& penalty) const {
  // Blocks are independent: the rank's threads share them. Each block's norm has its own slot
  // and the slots are summed in order, so the result does not depend on the number of threads.
  const Index width = cache_block_columns(factor.rows());
  const Index blocks = (factor.cols() + width - 1) / width;
  std::vector<double> squared_norms(static_cast<std::size_t>(blocks), 0.0);
  const OwnLoopsHaveTheCores cores;
#pragma omp parallel for schedule(dynamic)
  for (Index b = 0; b < blocks; ++b) {
    const Index first = b * width;
    const Index count = std::min(width, factor.cols() - first);
    auto block = factor.middleCols(first, count);
    const auto block_product = product.middleCols(first, count);
    update(block, gram, block_product, penalty);
    squared_norms[static_cast<std::size_t>(b)] =
        projected_gradient_squared_norm(block, gram, block_product, penalty);
  }
  return std::accumulate(squared_norms.begin(), squared_norms.end(), 0.0);
}

std::unique_ptr<UpdateRule> make_update_rule(const RuleSettings& settings, Index rows,
                                             Index columns, Index rank, std::int64_t nonzeros) {
  switch (settings.algorithm) {
    case Algorithm::multiplicative:
      return std::make_unique<MultiplicativeRule>(settings.delta);
    case Algorithm::projected_gradient:
      return std::make_unique<ProjectedGradientRule>(settings.learning_rate);
    case Algorithm::hals: {
      const int sweeps =
          settings.inner_sweeps > 0
              ? settings.inner_sweeps
              : automatic_hals_sweeps(rows, columns, rank,
                                      nonzeros > 0 ? nonzeros : std::int64_t{rows} * columns);
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
