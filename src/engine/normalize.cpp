#include "engine/normalize.hpp"

#include "mpinmf/error.hpp"

namespace mpinmf {

Normalization parse_normalization(const std::string& name) {
  if (name == "none") {
    return Normalization::none;
  }
  if (name == "l1") {
    return Normalization::l1;
  }
  if (name == "l2") {
    return Normalization::l2;
  }
  throw Error("--normalize: unknown scaling '" + name + "' (choose none, l1 or l2)");
}

std::string normalization_name(Normalization normalization) {
  switch (normalization) {
    case Normalization::none:
      return "none";
    case Normalization::l1:
      return "l1";
    case Normalization::l2:
      return "l2";
  }
  return "unknown";
}

void normalize_factors(Communicator& comm, Factors& factors, Normalization normalization) {
  if (normalization == Normalization::none) {
    return;
  }
  Eigen::VectorXd norms = normalization == Normalization::l1
                              ? Eigen::VectorXd(factors.W.colwise().sum().transpose())
                              : Eigen::VectorXd(factors.W.colwise().squaredNorm().transpose());
  comm.sum(norms.data(), norms.size());
  if (normalization == Normalization::l2) {
    norms = norms.cwiseSqrt();
  }
  const Eigen::VectorXd scale = (norms.array() > 0.0).select(norms, 1.0);
  factors.W = factors.W * scale.cwiseInverse().asDiagonal();
  factors.H = scale.asDiagonal() * factors.H;
}

}  // namespace mpinmf
