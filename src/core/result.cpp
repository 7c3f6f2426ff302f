#include "mpinmf/result.hpp"

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
    case StopReason::interrupted:
      return "interrupted by a signal";
  }
  return "unknown";
}

}  // namespace mpinmf
