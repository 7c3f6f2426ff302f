#include "core/fault_injection.hpp"

#include <csignal>
#include <cstdlib>
#include <utility>

#include "mpinmf/error.hpp"

namespace mpinmf {
namespace {

constexpr std::pair<std::string_view, FaultPoint> kPointNames[] = {
    {"read", FaultPoint::read},     {"alloc", FaultPoint::alloc},
    {"nan", FaultPoint::nan},       {"kill", FaultPoint::kill},
    {"write", FaultPoint::write},   {"checkpoint-crash", FaultPoint::checkpoint_crash},
    {"signal", FaultPoint::signal},
};

int parse_count(std::string_view text, std::string_view what, std::string_view whole) {
  int value = 0;
  if (text.empty()) {
    throw Error("MPINMF_FAULT=" + std::string(whole) + ": missing " + std::string(what));
  }
  for (const char c : text) {
    if (c < '0' || c > '9' || value > 100'000'000) {
      throw Error("MPINMF_FAULT=" + std::string(whole) + ": " + std::string(what) +
                  " must be a non-negative integer");
    }
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

PlannedFault parse_fault(std::string_view text) {
  const std::size_t at = text.find('@');
  if (at == std::string_view::npos) {
    throw Error("MPINMF_FAULT=" + std::string(text) + ": expected <point>@<rank>[:<iteration>]");
  }
  PlannedFault fault;
  const std::string_view name = text.substr(0, at);
  bool known = false;
  for (const auto& [point_name, point] : kPointNames) {
    if (name == point_name) {
      fault.point = point;
      known = true;
    }
  }
  if (!known) {
    throw Error("MPINMF_FAULT=" + std::string(text) + ": unknown fault point '" +
                std::string(name) + "'");
  }
  const std::string_view rest = text.substr(at + 1);
  const std::size_t colon = rest.find(':');
  fault.rank = parse_count(rest.substr(0, colon), "rank", text);
  if (colon != std::string_view::npos) {
    fault.iteration = parse_count(rest.substr(colon + 1), "iteration", text);
  }
  return fault;
}

const std::optional<PlannedFault>& planned_fault() {
  static const std::optional<PlannedFault> fault = []() -> std::optional<PlannedFault> {
    const char* text = std::getenv("MPINMF_FAULT");
    if (text == nullptr || *text == '\0') {
      return std::nullopt;
    }
    return parse_fault(text);
  }();
  return fault;
}

bool fault_planned(FaultPoint point, int rank, int iteration) {
  const std::optional<PlannedFault>& fault = planned_fault();
  return fault && fault->point == point && fault->rank == rank &&
         (!fault->iteration || *fault->iteration == iteration);
}

void signal_if_planned(FaultPoint point, int rank) {
  if (fault_planned(point, rank)) {
    std::raise(SIGUSR1);
  }
}

void kill_if_planned(FaultPoint point, int rank, int iteration) {
  if (fault_planned(point, rank, iteration)) {
    std::raise(SIGKILL);
  }
}

}  // namespace mpinmf
