#include "mpinmf/rules/nnls_bpp.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

namespace mpinmf {
namespace {

// A solved x_i or a gradient y_i is taken as negative only below this fraction of the
// terms that produced it. Below that it is rounding, and chasing its sign makes degenerate
// columns (y_i = 0 at the optimum, as when Y = A X exactly) pivot back and forth.
constexpr double kRoundingTolerance = 1e-12;

// A Cholesky pivot below this fraction of its diagonal entry (or, after Jacobi scaling,
// an eigenvalue below this fraction of the largest) is a direction G_FF does not see to
// working precision: duplicated components make G singular.
constexpr double kRankTolerance = 1e-12;

// Full exchanges allowed without reducing a column's infeasible count before the
// single-variable backup rule takes over; Kim & Park's choice, which keeps the fast
// full exchanges in the common case and guarantees termination.
constexpr int kFullExchangeChances = 3;

// At most this many columns are solved at once, which bounds the workspace for large c.
constexpr Index kColumnsPerSolve = 512;

using IndexSpan = std::span<const Index>;
// One byte per variable, so that passive sets compare with memcmp when columns are grouped.
using PassiveSets = Eigen::Array<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic>;

/// G_FF⁺ with G_FF scaled to a unit diagonal first, so that which directions count as
/// null does not depend on the components' units. Solving through it gives the
/// subproblem's minimiser whenever b_F lies in the range of G_FF, as it does for
/// B = AᵀY, and never a huge x_F from dividing by a rounding-sized pivot.
Matrix scaled_pseudo_inverse(const Matrix& gram_ff) {
  const Eigen::VectorXd scale = gram_ff.diagonal().cwiseSqrt().cwiseInverse();
  const Eigen::SelfAdjointEigenSolver<Matrix> eigen(scale.asDiagonal() * gram_ff *
                                                    scale.asDiagonal());
  const Eigen::ArrayXd values = eigen.eigenvalues().array();
  const double cutoff = kRankTolerance * values.maxCoeff();
  const Eigen::VectorXd inverse_values = (values > cutoff).select(values.inverse(), 0.0);
  return scale.asDiagonal() * eigen.eigenvectors() * inverse_values.asDiagonal() *
         eigen.eigenvectors().transpose() * scale.asDiagonal();
}

/// The exchange rule's memory for one column.
struct ColumnState {
  Index fewest_infeasible;
  int full_exchanges_left = kFullExchangeChances;
};

class BlockPrincipalPivoting {
 public:
  BlockPrincipalPivoting(const Matrix& gram, const Eigen::Ref<const Matrix>& product,
                         const Eigen::Ref<const Matrix>* warm_start);

  Matrix solve(NnlsBppReport* report);

 private:
  void solve_group(IndexSpan columns, std::vector<Index>& still_infeasible);
  void split_variables(Index column);
  bool factor_passive_block(Eigen::Map<Matrix>& gram_ff);
  void collect_infeasible(const Eigen::Ref<const Eigen::VectorXd>& solution,
                          const Eigen::Ref<const Eigen::VectorXd>& gradient, Index column);
  void exchange(Index column);
  void keep_if_better_than_zero(Index column);
  [[nodiscard]] bool same_passive_set(Index a, Index b) const;
  [[nodiscard]] bool passive_set_before(Index a, Index b) const;

  const Matrix& gram_;
  const Eigen::Ref<const Matrix>& product_;
  Index k_;
  // G_ii = 0 makes the column of A zero: the component changes nothing and stays at zero.
  Eigen::Array<bool, Eigen::Dynamic, 1> usable_;
  // The sizes against which rounding is judged, per column so that no column's decisions
  // depend on the other columns of the call: ‖b‖∞, and ‖G‖∞ for the G x term.
  Eigen::RowVectorXd product_size_;
  double gram_norm_;

  PassiveSets passive_sets_;
  std::vector<ColumnState> states_;
  Matrix result_;

  // Workspaces reused by every group, so that the pivoting loop does not allocate.
  std::vector<Index> passive_variables_, candidate_variables_, infeasible_;
  std::vector<double> gram_ff_buffer_, gram_cf_buffer_, solution_buffer_, gradient_buffer_;
};

BlockPrincipalPivoting::BlockPrincipalPivoting(const Matrix& gram,
                                               const Eigen::Ref<const Matrix>& product,
                                               const Eigen::Ref<const Matrix>* warm_start)
    : gram_(gram),
      product_(product),
      k_(gram.rows()),
      usable_(gram.diagonal().array() > 0.0),
      product_size_(product.colwise().lpNorm<Eigen::Infinity>()),
      gram_norm_(gram.rowwise().lpNorm<1>().lpNorm<Eigen::Infinity>()),
      passive_sets_(PassiveSets::Zero(k_, product.cols())),
      states_(product.cols(), ColumnState{k_ + 1}),
      result_(Matrix::Zero(k_, product.cols())),
      gram_ff_buffer_(k_ * k_),
      gram_cf_buffer_(k_ * k_),
      solution_buffer_(k_ * std::min(kColumnsPerSolve, product.cols())),
      gradient_buffer_(solution_buffer_.size()) {
  passive_variables_.reserve(k_);
  candidate_variables_.reserve(k_);
  infeasible_.reserve(k_);
  if (warm_start != nullptr) {
    passive_sets_ = (warm_start->array() > 0.0).cast<std::uint8_t>();
    for (Index i = 0; i < k_; ++i) {
      if (!usable_(i)) {
        passive_sets_.row(i).setZero();
      }
    }
  }
}

Matrix BlockPrincipalPivoting::solve(NnlsBppReport* report) {
  // With no components every column is already solved (and has no passive set to compare).
  std::vector<Index> pending(k_ > 0 ? product_.cols() : 0);
  std::iota(pending.begin(), pending.end(), Index{0});
  std::vector<Index> still_infeasible;
  still_infeasible.reserve(pending.size());

  // The single-variable rule can need many rounds on numerically singular input; past
  // this bound a column keeps its last iterate, made feasible.
  const Index max_rounds = 10 * k_ + 100;
  Index round = 0;
  for (; round < max_rounds && !pending.empty(); ++round) {
    // Columns that share a passive set share one factorisation of G_FF.
    std::sort(pending.begin(), pending.end(),
              [this](Index a, Index b) { return passive_set_before(a, b); });
    still_infeasible.clear();
    for (auto first = pending.begin(); first != pending.end();) {
      const auto last =
          std::find_if(first, pending.end(), [&](Index j) { return !same_passive_set(*first, j); });
      solve_group(IndexSpan(first, last), still_infeasible);
      first = last;
    }
    pending.swap(still_infeasible);
  }
  if (report != nullptr) {
    *report = {.rounds = round, .unconverged_columns = static_cast<Index>(pending.size())};
  }
  // Entries within rounding of zero count as feasible; the result is exactly non-negative.
  result_ = result_.cwiseMax(0.0);
  for (const Index j : pending) {
    keep_if_better_than_zero(j);
  }
  return std::move(result_);
}

void BlockPrincipalPivoting::keep_if_better_than_zero(Index column) {
  // An iterate stopped by the round limit, clipped, can be far from optimal on a
  // numerically singular G; x = 0 is always feasible, so never return worse than that.
  const auto x = result_.col(column);
  const double objective = 0.5 * x.dot(gram_ * x) - product_.col(column).dot(x);
  if (!(objective <= 0.0)) {
    result_.col(column).setZero();
  }
}

bool BlockPrincipalPivoting::same_passive_set(Index a, Index b) const {
  return std::memcmp(passive_sets_.col(a).data(), passive_sets_.col(b).data(), k_) == 0;
}

bool BlockPrincipalPivoting::passive_set_before(Index a, Index b) const {
  const int order = std::memcmp(passive_sets_.col(a).data(), passive_sets_.col(b).data(), k_);
  return order != 0 ? order < 0 : a < b;
}

void BlockPrincipalPivoting::split_variables(Index column) {
  passive_variables_.clear();
  candidate_variables_.clear();
  for (Index i = 0; i < k_; ++i) {
    if (passive_sets_(i, column) != 0) {
      passive_variables_.push_back(i);
    } else if (usable_(i)) {
      candidate_variables_.push_back(i);
    }
  }
}

bool BlockPrincipalPivoting::factor_passive_block(Eigen::Map<Matrix>& gram_ff) {
  const IndexSpan passive(passive_variables_);
  gram_ff = gram_(passive, passive);
  const Eigen::LLT<Eigen::Ref<Matrix>> cholesky(gram_ff);
  return cholesky.info() == Eigen::Success && (cholesky.matrixLLT().diagonal().array().square() >=
                                               kRankTolerance * gram_.diagonal()(passive).array())
                                                  .all();
}

void BlockPrincipalPivoting::solve_group(IndexSpan columns, std::vector<Index>& still_infeasible) {
  split_variables(columns.front());
  const IndexSpan passive(passive_variables_);
  const IndexSpan candidates(candidate_variables_);
  const auto passive_count = static_cast<Index>(passive.size());
  const auto candidate_count = static_cast<Index>(candidates.size());

  Eigen::Map<Matrix> gram_ff(gram_ff_buffer_.data(), passive_count, passive_count);
  Eigen::Map<Matrix> gram_cf(gram_cf_buffer_.data(), candidate_count, passive_count);
  bool definite = true;
  Matrix pseudo_inverse;
  if (passive_count > 0) {
    definite = factor_passive_block(gram_ff);
    if (!definite) {
      pseudo_inverse = scaled_pseudo_inverse(gram_(passive, passive));
    }
    gram_cf = gram_(candidates, passive);
  }

  for (std::size_t offset = 0; offset < columns.size(); offset += kColumnsPerSolve) {
    const IndexSpan chunk =
        columns.subspan(offset, std::min<std::size_t>(kColumnsPerSolve, columns.size() - offset));
    const auto chunk_size = static_cast<Index>(chunk.size());
    Eigen::Map<Matrix> solution(solution_buffer_.data(), passive_count, chunk_size);
    Eigen::Map<Matrix> gradient(gradient_buffer_.data(), candidate_count, chunk_size);

    // x_F = G_FF⁻¹ b_F and, off F, y = G_{·F} x_F − b; x is zero off F and y zero on F.
    solution = product_(passive, chunk);
    gradient = -product_(candidates, chunk);
    if (passive_count > 0) {
      if (definite) {
        gram_ff.triangularView<Eigen::Lower>().solveInPlace(solution);
        gram_ff.triangularView<Eigen::Lower>().transpose().solveInPlace(solution);
      } else {
        solution = pseudo_inverse * solution;
      }
      gradient.noalias() += gram_cf * solution;
    }
    result_(Eigen::all, chunk).setZero();
    result_(passive, chunk) = solution;

    for (Index t = 0; t < chunk_size; ++t) {
      collect_infeasible(solution.col(t), gradient.col(t), chunk[t]);
      if (!infeasible_.empty()) {
        exchange(chunk[t]);
        still_infeasible.push_back(chunk[t]);
      }
    }
  }
}

void BlockPrincipalPivoting::collect_infeasible(const Eigen::Ref<const Eigen::VectorXd>& solution,
                                                const Eigen::Ref<const Eigen::VectorXd>& gradient,
                                                Index column) {
  const double solution_size = solution.lpNorm<Eigen::Infinity>();
  const double solution_floor = -kRoundingTolerance * solution_size;
  const double gradient_floor =
      -kRoundingTolerance * (product_size_(column) + gram_norm_ * solution_size);
  infeasible_.clear();
  for (Index p = 0; p < solution.size(); ++p) {
    if (solution(p) < solution_floor) {
      infeasible_.push_back(passive_variables_[p]);
    }
  }
  for (Index q = 0; q < gradient.size(); ++q) {
    if (gradient(q) < gradient_floor) {
      infeasible_.push_back(candidate_variables_[q]);
    }
  }
}

void BlockPrincipalPivoting::exchange(Index column) {
  ColumnState& state = states_[column];
  const auto infeasible_count = static_cast<Index>(infeasible_.size());
  if (infeasible_count < state.fewest_infeasible) {
    state.fewest_infeasible = infeasible_count;
    state.full_exchanges_left = kFullExchangeChances;
  } else if (state.full_exchanges_left > 0) {
    --state.full_exchanges_left;
  } else {
    // The backup rule: move only the largest-index infeasible variable, which cannot cycle.
    infeasible_ = {*std::max_element(infeasible_.begin(), infeasible_.end())};
  }
  for (const Index i : infeasible_) {
    passive_sets_(i, column) ^= 1;
  }
}

void check_shapes(const Matrix& gram, const Eigen::Ref<const Matrix>& product) {
  if (gram.rows() != gram.cols() || product.rows() != gram.rows()) {
    throw std::invalid_argument(
        "nnls_block_principal_pivoting: G must be k×k and B must have k rows");
  }
}

}  // namespace

std::int64_t nnls_bpp_allocated_bytes(Index k, Index columns) {
  const auto doubles = [](Index count) {
    return static_cast<std::int64_t>(sizeof(double)) * count;
  };
  // X (k × c), a byte per passive-set entry, per column its state, size, and place in the
  // pending and still-infeasible lists, and the solution and gradient buffers of one chunk.
  return doubles(k * columns) + k * columns +
         columns *
             static_cast<std::int64_t>(sizeof(ColumnState) + sizeof(double) + 2 * sizeof(Index)) +
         doubles(2 * k * std::min(kColumnsPerSolve, columns));
}

Matrix nnls_block_principal_pivoting(const Matrix& gram, const Eigen::Ref<const Matrix>& product,
                                     NnlsBppReport* report) {
  check_shapes(gram, product);
  return BlockPrincipalPivoting(gram, product, nullptr).solve(report);
}

Matrix nnls_block_principal_pivoting(const Matrix& gram, const Eigen::Ref<const Matrix>& product,
                                     const Eigen::Ref<const Matrix>& warm_start,
                                     NnlsBppReport* report) {
  check_shapes(gram, product);
  if (warm_start.rows() != product.rows() || warm_start.cols() != product.cols()) {
    throw std::invalid_argument("nnls_block_principal_pivoting: the warm start must be k×c");
  }
  return BlockPrincipalPivoting(gram, product, &warm_start).solve(report);
}

}  // namespace mpinmf
