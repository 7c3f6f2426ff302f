#include "mpinmf/loop_control.hpp"

#include <cmath>

#include "mpinmf/error.hpp"

namespace mpinmf {

std::string describe(StopReason reason) {
  switch (reason) {
    case StopReason::max_iterations:
      return "reached --max-iter";
    case StopReason::converged:
      return "converged (relative decrease below --tol)";
    case StopReason::time_limit:
      return "reached --time-limit";
    case StopReason::projected_gradient:
      return "converged (projected gradient below --pg-tol of its start)";
  }
  return "unknown";
}

std::vector<IndexRange> column_blocks(Index columns, int parts) {
  std::vector<IndexRange> blocks;
  blocks.reserve(static_cast<std::size_t>(parts));
  for (int part = 0; part < parts; ++part) {
    blocks.push_back(even_block(columns, parts, part));
  }
  return blocks;
}

std::optional<StopReason> stop_reason(const StoppingCriteria& stopping, double previous_objective,
                                      const HistoryEntry& now) {
  if (stopping.tolerance > 0.0 && previous_objective > 0.0 &&
      (previous_objective - now.objective) / previous_objective < stopping.tolerance) {
    return StopReason::converged;
  }
  if (stopping.gradient_tolerance > 0.0 && now.projected_gradient < stopping.gradient_tolerance) {
    return StopReason::projected_gradient;
  }
  if (stopping.time_limit_seconds > 0.0 && now.seconds >= stopping.time_limit_seconds) {
    return StopReason::time_limit;
  }
  return std::nullopt;
}

std::vector<Index> vanished_components(const Eigen::VectorXd& W_column_norms,
                                       const Eigen::VectorXd& H_row_norms) {
  const Eigen::VectorXd weight = W_column_norms.cwiseProduct(H_row_norms);
  const double largest = weight.size() > 0 ? weight.maxCoeff() : 0.0;
  std::vector<Index> vanished;
  for (Index j = 0; j < weight.size(); ++j) {
    if (weight(j) <= 1e-12 * largest) {
      vanished.push_back(j);
    }
  }
  return vanished;
}

void require_finite(double agreed_value, int iteration, const std::string& hint) {
  if (!std::isfinite(agreed_value)) {
    // The value is the same on every rank, so every rank throws here together.
    throw AgreedError("non-finite values (NaN or Inf) appeared in W or H at iteration " +
                          std::to_string(iteration) + "; " + hint,
                      0);
  }
}

}  // namespace mpinmf
