#include "engine/loop_control.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "mpinmf/error.hpp"

namespace mpinmf {

std::vector<IndexRange> column_blocks(Index columns, int parts) {
  std::vector<IndexRange> blocks;
  blocks.reserve(static_cast<std::size_t>(parts));
  for (int part = 0; part < parts; ++part) {
    blocks.push_back(even_block(columns, parts, part));
  }
  return blocks;
}

void require_no_increase(double start_objective, double previous_objective,
                         const HistoryEntry& now) {
  // Every rule's update (and pgd's automatic step) never raises its objective; the sums
  // behind it round at the scale of the largest objective seen, which is the start's.
  const double allowance = kRoundingAllowance * std::max(start_objective, previous_objective);
  if (now.objective - previous_objective <= allowance) {
    return;
  }
  std::ostringstream message;
  message.precision(6);
  message << "the objective rose from " << previous_objective << " to " << now.objective
          << " in iteration " << now.iteration
          << ": the updates diverge (with pgd, a --learning-rate too large; leave it out for "
             "the safe automatic step)";
  throw AgreedError(message.str(), 0);
}

std::optional<StopReason> stop_reason(const StoppingCriteria& stopping, double previous_objective,
                                      const HistoryEntry& now) {
  // A rise within rounding (require_no_increase let it pass) counts as no decrease.
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

bool CheckpointClock::due(int iteration, double seconds_now) {
  const bool by_count =
      schedule_.every_iterations > 0 && iteration % schedule_.every_iterations == 0;
  const bool by_time =
      schedule_.interval_seconds > 0.0 && seconds_now - last_seconds_ >= schedule_.interval_seconds;
  if (by_count || by_time) {
    last_seconds_ = seconds_now;
    return true;
  }
  return false;
}

namespace {

/// Where `factor` first holds NaN or Inf, as "<name> holds NaN at <rows> r, <columns> c".
std::optional<LocalFailure> first_non_finite(const Eigen::Ref<const Matrix>& factor,
                                             const std::string& name, const std::string& rows,
                                             const std::string& columns, std::int64_t order) {
  for (Index column = 0; column < factor.cols(); ++column) {
    for (Index row = 0; row < factor.rows(); ++row) {
      const double value = factor(row, column);
      if (!std::isfinite(value)) {
        std::ostringstream message;
        message << name << " holds " << (std::isnan(value) ? "NaN" : "Inf") << " at " << rows << " "
                << row << ", " << columns << " " << column;
        return LocalFailure{message.str(), order};
      }
    }
  }
  return std::nullopt;
}

}  // namespace

void require_finite(const Communicator& comm, double agreed_value, const RowMatrix& W,
                    const Eigen::Ref<const Matrix>& own_H, int iteration, std::string_view hint) {
  if (std::isfinite(agreed_value)) {
    return;
  }
  // The value is the same on every rank, so every rank comes here together. H's columns
  // reach every rank's W within the iteration, so a non-finite H names its origin first.
  const std::string when =
      " after iteration " + std::to_string(iteration) + "; " + std::string(hint);
  std::optional<LocalFailure> local =
      first_non_finite(own_H, "H", "component", "column of this rank's block", 0);
  if (!local) {
    local = first_non_finite(W, "W", "this rank's row", "column", 1);
  }
  if (local) {
    local->message += when;
  }
  comm.agree(local);
  throw AgreedError("non-finite values (NaN or Inf) appeared in the objective" + when, 0);
}

void require_finite(const Communicator& comm, double agreed_value, const RowMatrixF& W,
                    const Eigen::Ref<const MatrixF>& own_H, int iteration, std::string_view hint) {
  if (std::isfinite(agreed_value)) {
    return;
  }
  require_finite(comm, agreed_value, RowMatrix(W.cast<double>()), Matrix(own_H.cast<double>()),
                 iteration, hint);
}

}  // namespace mpinmf
