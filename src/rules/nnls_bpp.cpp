#include "rules/nnls_bpp.hpp"

#include <omp.h>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/thread_shares.hpp"
#include "core/vector_clones.hpp"

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

// Columns of one group solved together, vectorised across them.
constexpr Index kColumnsPerChunk = 32;

// Rounds of block pivoting before the columns still infeasible go to the active-set method:
// a round refactors G_FF (p³/3) where an active-set step updates it (p²), and the larger k,
// the more rounds the pivoting needs. Measured on the speed suite's dense problem from a
// random start: one round is faster at k = 50, two at k = 20 (three no better than two).
Index pivoting_rounds(Index k) { return k >= 32 ? 1 : 2; }

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

// The kernels below are plain loops on small contiguous buffers (p, q ≤ k): at these sizes a
// BLAS or LAPACK call costs more than its arithmetic. Each column is solved by the same
// operations in the same order whichever columns share its passive set, so a column's answer
// is the same bit for bit however the columns are split among calls.

/// L Lᵀ = A in place (A p×p column-major with leading dimension ld, its lower triangle read
/// and overwritten by L). False if a pivot falls below kRankTolerance of its diagonal entry
/// in `diagonal`.
MPINMF_VECTOR_CLONES bool cholesky_in_place_strided(double* a, Index p, Index ld,
                                                    const double* diagonal) {
  for (Index j = 0; j < p; ++j) {
    double* column = a + j * ld;
    const double pivot = column[j];
    if (!(pivot >= kRankTolerance * diagonal[j])) {
      return false;  // also a NaN pivot
    }
    const double root = std::sqrt(pivot);
    column[j] = root;
    const double inverse = 1.0 / root;
    for (Index i = j + 1; i < p; ++i) {
      column[i] *= inverse;
    }
    for (Index c = j + 1; c < p; ++c) {
      const double factor = column[c];
      double* target = a + c * ld;
#pragma omp simd
      for (Index i = c; i < p; ++i) {
        target[i] -= column[i] * factor;
      }
    }
  }
  return true;
}

bool cholesky_in_place(double* a, Index p, const double* diagonal) {
  return cholesky_in_place_strided(a, p, p, diagonal);
}

/// x ← L⁻¹ x for L p×p lower triangular, column-major with leading dimension `ld`.
MPINMF_VECTOR_CLONES void forward_substitute(const double* l, Index p, Index ld, double* x) {
  for (Index j = 0; j < p; ++j) {
    const double* column = l + j * ld;
    const double value = x[j] / column[j];
    x[j] = value;
#pragma omp simd
    for (Index i = j + 1; i < p; ++i) {
      x[i] -= column[i] * value;
    }
  }
}

/// x ← (L Lᵀ)⁻¹ x, for the factor L as forward_substitute takes it. The back substitution
/// subtracts each solved x_j from the entries above it as soon as it is known (L's row j,
/// read across), rather than summing row by row: those are independent subtractions where
/// the sums are one chain of dependent adds, several times slower at the sizes the solver
/// meets.
MPINMF_VECTOR_CLONES void cholesky_solve(const double* l, Index p, Index ld, double* x) {
  forward_substitute(l, p, ld, x);
  for (Index j = p - 1; j >= 0; --j) {
    const double value = x[j] / l[j + j * ld];
    x[j] = value;
    for (Index i = 0; i < j; ++i) {
      x[i] -= l[j + i * ld] * value;
    }
  }
}

/// cholesky_solve for the c columns of x, stored row by row (p × c, row-major): each column
/// goes through the same operations in the same order as in cholesky_solve, vectorised
/// across the columns.
MPINMF_VECTOR_CLONES void cholesky_solve_columns(const double* l, Index p, Index ld, double* x,
                                                 Index c) {
  for (Index j = 0; j < p; ++j) {
    const double* column = l + j * ld;
    double* row_j = x + j * c;
#pragma omp simd
    for (Index t = 0; t < c; ++t) {
      row_j[t] /= column[j];
    }
    for (Index i = j + 1; i < p; ++i) {
      const double factor = column[i];
      double* row_i = x + i * c;
#pragma omp simd
      for (Index t = 0; t < c; ++t) {
        row_i[t] -= factor * row_j[t];
      }
    }
  }
  for (Index j = p - 1; j >= 0; --j) {
    const double pivot = l[j + j * ld];
    double* row_j = x + j * c;
#pragma omp simd
    for (Index t = 0; t < c; ++t) {
      row_j[t] /= pivot;
    }
    for (Index i = 0; i < j; ++i) {
      const double factor = l[j + i * ld];
      double* row_i = x + i * c;
#pragma omp simd
      for (Index t = 0; t < c; ++t) {
        row_i[t] -= factor * row_j[t];
      }
    }
  }
}

/// add_product for the c columns of x (p × c) and y (q × c), both row-major, each column in
/// the same order of operations as add_product.
MPINMF_VECTOR_CLONES void add_product_columns(const double* a, Index q, Index p, const double* x,
                                              double* y, Index c) {
  for (Index f = 0; f < p; ++f) {
    const double* column = a + f * q;
    const double* row_f = x + f * c;
    for (Index r = 0; r < q; ++r) {
      const double factor = column[r];
      double* row_r = y + r * c;
#pragma omp simd
      for (Index t = 0; t < c; ++t) {
        row_r[t] += factor * row_f[t];
      }
    }
  }
}

/// L' L'ᵀ = L Lᵀ with row and column r removed (L p×p, leading dimension ld): the rows
/// below r take a rank-one update by L's column r (Givens rotations), then move up by one.
void cholesky_remove(double* l, Index p, Index ld, Index r, double* scratch) {
  for (Index i = r + 1; i < p; ++i) {
    scratch[i] = l[i + r * ld];
  }
  for (Index j = r + 1; j < p; ++j) {
    double* column = l + j * ld;
    const double diagonal = std::hypot(column[j], scratch[j]);
    const double cosine = diagonal / column[j];
    const double sine = scratch[j] / column[j];
    column[j] = diagonal;
    for (Index i = j + 1; i < p; ++i) {
      column[i] = (column[i] + sine * scratch[i]) / cosine;
      scratch[i] = cosine * scratch[i] - sine * column[i];
    }
  }
  // Close the gap: column j moves to j − 1 and, below row r, row i to i − 1.
  for (Index j = 0; j < p - 1; ++j) {
    double* target = l + j * ld;
    const double* source = l + (j < r ? j : j + 1) * ld;
    for (Index i = std::max(j, r); i < p - 1; ++i) {
      target[i] = source[i + 1];
    }
  }
}

/// y ← y + A x for A q×p column-major.
MPINMF_VECTOR_CLONES void add_product(const double* a, Index q, Index p, const double* x,
                                      double* y) {
  for (Index f = 0; f < p; ++f) {
    const double value = x[f];
    const double* column = a + f * q;
#pragma omp simd
    for (Index c = 0; c < q; ++c) {
      y[c] += column[c] * value;
    }
  }
}

/// y = G x − b over all k variables for x zero off `passive`: G's columns for the passive
/// variables (G symmetric, so column e holds row e), added whole, k at a time.
MPINMF_VECTOR_CLONES void gradient_at(const double* gram, Index k, const double* b,
                                      std::span<const Index> passive, const double* x, double* y) {
#pragma omp simd
  for (Index i = 0; i < k; ++i) {
    y[i] = -b[i];
  }
  for (const Index e : passive) {
    const double* column = gram + e * k;
    const double value = x[e];
#pragma omp simd
    for (Index i = 0; i < k; ++i) {
      y[i] += column[i] * value;
    }
  }
}

/// A well-mixed 64-bit key per variable: a passive set's hash is the XOR of its variables'
/// keys, kept up to date by each exchange (Zobrist hashing), so that grouping columns by
/// passive set sorts integers and compares sets only where the hashes agree.
std::uint64_t variable_key(Index variable) {
  std::uint64_t z =
      static_cast<std::uint64_t>(variable) * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL;
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31U);
}

/// The exchange rule's memory for one column.
struct ColumnState {
  Index fewest_infeasible;
  int full_exchanges_left = kFullExchangeChances;
};

/// What one thread needs to solve a group: sized for k once, so that pivoting never
/// allocates (except for the rare pseudo-inverse).
struct Workspace {
  explicit Workspace(Index k)
      : gram_ff(static_cast<std::size_t>(k * k)),
        gram_cf(static_cast<std::size_t>(k * k)),
        diagonal(static_cast<std::size_t>(k)),
        solution(static_cast<std::size_t>(k)),
        gradient(static_cast<std::size_t>(k)),
        factor(static_cast<std::size_t>(k * k)),
        point(static_cast<std::size_t>(k)),
        scratch(static_cast<std::size_t>(k)),
        solution_block(static_cast<std::size_t>(k * kColumnsPerChunk)),
        gradient_block(static_cast<std::size_t>(k * kColumnsPerChunk)) {
    passive.reserve(k);
    candidates.reserve(k);
    infeasible.reserve(k);
  }
  std::vector<Index> passive, candidates, infeasible, still_infeasible;
  std::vector<double> gram_ff, gram_cf, diagonal, solution, gradient;
  // The active-set method's: the factor of G_FF (leading dimension k) for F in the order of
  // `passive`, and the current point x over all k variables.
  std::vector<double> factor, point, scratch;
  // A chunk of a group's columns, one row per variable.
  std::vector<double> solution_block, gradient_block;
};

/// Everything a call holds besides its result, kept from call to call on the calling thread
/// (solver_memory()): vectors keep their capacity when refilled, so that the calls ANLS makes
/// every iteration, on the same sizes, allocate nothing after the first.
struct SolverMemory {
  Eigen::Array<bool, Eigen::Dynamic, 1> usable;
  std::vector<double> product_size;
  std::vector<std::uint8_t> passive_sets;  // k × c, column-major
  std::vector<std::uint64_t> keys, hashes;
  std::vector<ColumnState> states;
  std::vector<Workspace> workspaces;  // one per thread
  std::vector<Index> pending, from_face, inside;
  std::vector<std::pair<Index, Index>> groups;  // [first, last) in pending
};

SolverMemory& solver_memory() {
  thread_local SolverMemory memory;
  return memory;
}

class BlockPrincipalPivoting {
 public:
  /// Solves into `result`, which holds the warm start on entry where `warm` says so.
  BlockPrincipalPivoting(const Matrix& gram, const Eigen::Ref<const Matrix>& product,
                         Eigen::Ref<Matrix> result, bool warm, SolverMemory& memory);

  void solve(NnlsBppReport* report);

 private:
  void solve_round(std::vector<Index>& pending, std::vector<std::pair<Index, Index>>& groups);
  [[nodiscard]] bool starts_on_face(Index column) const;
  void finish_by_active_set(const std::vector<Index>& columns);
  void take_still_infeasible(std::vector<Index>& pending);
  void solve_group(IndexSpan columns, Workspace& work);
  /// The calling thread's workspace: its number in the team parallel_for_each_index started,
  /// or the first where that ran the columns on the calling thread alone (which may be a
  /// thread of an outer team, one whose number is not 0).
  Workspace& this_threads_workspace() {
    return workspaces_[workspaces_.size() == 1 ? 0
                                               : static_cast<std::size_t>(omp_get_thread_num())];
  }
  bool active_set(Index column, Workspace& work);
  bool start_active_set(Index column, Workspace& work) const;
  void move_to_passive_minimiser(const double* b, Workspace& work) const;
  void split_variables(Index column, Workspace& work) const;
  void collect_infeasible(Index column, Workspace& work) const;
  void exchange(Index column, std::vector<Index>& infeasible);
  void keep_if_better_than_zero(Index column);
  [[nodiscard]] bool same_passive_set(Index a, Index b) const;
  [[nodiscard]] bool passive_set_before(Index a, Index b) const;

  const Matrix& gram_;
  const Eigen::Ref<const Matrix>& product_;
  Index k_;
  SolverMemory& memory_;
  // G_ii = 0 makes the column of A zero: the component changes nothing and stays at zero.
  Eigen::Array<bool, Eigen::Dynamic, 1>& usable_;
  // The sizes against which rounding is judged, per column so that no column's decisions
  // depend on the other columns of the call: ‖b‖∞, and ‖G‖∞ for the G x term.
  std::vector<double>& product_size_;
  double gram_norm_;

  Eigen::Map<PassiveSets> passive_sets_;
  std::vector<std::uint64_t>& keys_;
  std::vector<std::uint64_t>& hashes_;
  std::vector<ColumnState>& states_;
  bool warm_;
  Eigen::Ref<Matrix> result_;
  std::vector<Workspace>& workspaces_;
};

/// `memory`'s passive sets sized k × c, their old contents kept where they fit.
Eigen::Map<PassiveSets> passive_sets_of(SolverMemory& memory, Index k, Index columns) {
  memory.passive_sets.resize(static_cast<std::size_t>(k * columns));
  return {memory.passive_sets.data(), k, columns};
}

// An Eigen::Ref is a view: passing it on by value copies a pointer, not the matrix.
BlockPrincipalPivoting::BlockPrincipalPivoting(
    const Matrix& gram, const Eigen::Ref<const Matrix>& product,
    // NOLINTNEXTLINE(performance-unnecessary-value-param)
    Eigen::Ref<Matrix> result, bool warm, SolverMemory& memory)
    : gram_(gram),
      product_(product),
      k_(gram.rows()),
      memory_(memory),
      usable_(memory.usable),
      product_size_(memory.product_size),
      gram_norm_(gram.rowwise().lpNorm<1>().lpNorm<Eigen::Infinity>()),
      passive_sets_(passive_sets_of(memory, gram.rows(), product.cols())),
      keys_(memory.keys),
      hashes_(memory.hashes),
      states_(memory.states),
      warm_(warm),
      result_(result),
      workspaces_(memory.workspaces) {
  usable_ = gram.diagonal().array() > 0.0;
  product_size_.resize(static_cast<std::size_t>(product.cols()));
  for (Index j = 0; j < product.cols(); ++j) {
    product_size_[static_cast<std::size_t>(j)] = product.col(j).lpNorm<Eigen::Infinity>();
  }
  passive_sets_.setZero();
  keys_.resize(static_cast<std::size_t>(k_));
  hashes_.assign(static_cast<std::size_t>(product.cols()), 0);
  states_.assign(static_cast<std::size_t>(product.cols()), ColumnState{k_ + 1});
  const auto threads = static_cast<std::size_t>(omp_get_max_threads());
  if (workspaces_.size() != threads ||
      workspaces_.front().diagonal.size() != static_cast<std::size_t>(k_)) {
    workspaces_.assign(threads, Workspace(k_));
  }
  // The lists of columns hold at most all of them: room for that now, so that no call on the
  // sizes of an earlier one grows them.
  const auto columns = static_cast<std::size_t>(product.cols());
  for (Workspace& work : workspaces_) {
    work.still_infeasible.reserve(columns);
  }
  for (std::vector<Index>* list : {&memory.pending, &memory.from_face, &memory.inside}) {
    list->reserve(columns);
  }
  memory.groups.reserve(columns);
  for (Index i = 0; i < k_; ++i) {
    keys_[static_cast<std::size_t>(i)] = variable_key(i);
  }
  if (!warm) {
    result_.setZero();
    return;
  }
  // The warm start is where the active set starts, for columns on a face (solve()).
  passive_sets_ = (result_.array() > 0.0).cast<std::uint8_t>();
  for (Index i = 0; i < k_; ++i) {
    if (!usable_(i)) {
      passive_sets_.row(i).setZero();
    }
  }
  for (Index j = 0; j < product.cols(); ++j) {
    for (Index i = 0; i < k_; ++i) {
      if (passive_sets_(i, j) != 0) {
        hashes_[static_cast<std::size_t>(j)] ^= keys_[static_cast<std::size_t>(i)];
      }
    }
  }
}

void BlockPrincipalPivoting::solve(NnlsBppReport* report) {
  // With no components every column is already solved (and has no passive set to compare).
  std::vector<Index>& pending = memory_.pending;
  pending.resize(static_cast<std::size_t>(k_ > 0 ? product_.cols() : 0));
  std::iota(pending.begin(), pending.end(), Index{0});
  std::vector<std::pair<Index, Index>>& groups = memory_.groups;

  if (warm_) {
    // A warm start on a face of x ≥ 0 is the last solution of a nearby problem: its support
    // is nearly right, and the active set, adding or dropping a variable at a time from it,
    // finishes the column for less than a pivoting round's fresh factorisation followed by
    // the active set from the round's iterate (measured so on ANLS's W update). A start
    // inside the orthant (an initial
    // guess) says nothing of the support; block pivoting takes those columns, and those the
    // active set gives back.
    std::vector<Index>& from_face = memory_.from_face;
    std::vector<Index>& inside = memory_.inside;
    from_face.clear();
    inside.clear();
    for (const Index j : pending) {
      (starts_on_face(j) ? from_face : inside).push_back(j);
    }
    pending.assign(inside.begin(), inside.end());
    finish_by_active_set(from_face);
    take_still_infeasible(pending);
  }

  // The single-variable rule can need many rounds on numerically singular input; past
  // this bound a column keeps its last iterate, made feasible.
  const Index max_rounds = 10 * k_ + 100;
  Index round = 0;
  for (; round < max_rounds && !pending.empty(); ++round) {
    if (round == pivoting_rounds(k_)) {
      // The columns still infeasible are the ones on which full exchanges keep failing.
      finish_by_active_set(pending);
    } else {
      solve_round(pending, groups);
    }
    pending.clear();
    take_still_infeasible(pending);
  }
  // A call whose columns all started on a face and finished there took one round.
  round = std::max(round, Index{warm_ && k_ > 0 && product_.cols() > 0 ? 1 : 0});
  if (report != nullptr) {
    *report = {.rounds = round, .unconverged_columns = static_cast<Index>(pending.size())};
  }
  // Entries within rounding of zero count as feasible; the result is exactly non-negative.
  result_ = result_.cwiseMax(0.0);
  for (const Index j : pending) {
    keep_if_better_than_zero(j);
  }
}

bool BlockPrincipalPivoting::starts_on_face(Index column) const {
  bool zero = false;
  bool positive = false;
  for (Index i = 0; i < k_; ++i) {
    if (usable_(i)) {
      (passive_sets_(i, column) != 0 ? positive : zero) = true;
    }
  }
  return zero && positive;
}

void BlockPrincipalPivoting::finish_by_active_set(const std::vector<Index>& columns) {
  parallel_for_each_index(static_cast<Index>(columns.size()), 4, [&](Index c) {
    const Index j = columns[static_cast<std::size_t>(c)];
    Workspace& work = this_threads_workspace();
    if (!active_set(j, work)) {
      work.still_infeasible.push_back(j);
    }
  });
}

void BlockPrincipalPivoting::take_still_infeasible(std::vector<Index>& pending) {
  for (Workspace& work : workspaces_) {
    pending.insert(pending.end(), work.still_infeasible.begin(), work.still_infeasible.end());
    work.still_infeasible.clear();
  }
}

void BlockPrincipalPivoting::keep_if_better_than_zero(Index column) {
  // An iterate stopped by the round limit, clipped, can be far from optimal on a
  // numerically singular G; x = 0 is always feasible, so never return worse than that.
  const auto x = result_.col(column);
  double quadratic = 0.0;  // xᵀ G x, summed here: a product expression would allocate
  for (Index j = 0; j < k_; ++j) {
    quadratic += x(j) * gram_.col(j).dot(x);
  }
  const double objective = 0.5 * quadratic - product_.col(column).dot(x);
  if (!(objective <= 0.0)) {
    result_.col(column).setZero();
  }
}

void BlockPrincipalPivoting::solve_round(std::vector<Index>& pending,
                                         std::vector<std::pair<Index, Index>>& groups) {
  // Columns that share a passive set share one factorisation of G_FF.
  std::sort(pending.begin(), pending.end(),
            [this](Index a, Index b) { return passive_set_before(a, b); });
  groups.clear();
  for (Index first = 0; first < static_cast<Index>(pending.size());) {
    Index last = first + 1;
    while (last < static_cast<Index>(pending.size()) &&
           same_passive_set(pending[static_cast<std::size_t>(first)],
                            pending[static_cast<std::size_t>(last)])) {
      ++last;
    }
    groups.emplace_back(first, last);
    first = last;
  }
  // Columns are independent: the rank's threads share the groups.
  const auto group_count = static_cast<Index>(groups.size());
  parallel_for_each_index(group_count, 8, [&](Index g) {
    const auto [first, last] = groups[static_cast<std::size_t>(g)];
    solve_group(IndexSpan(pending).subspan(static_cast<std::size_t>(first),
                                           static_cast<std::size_t>(last - first)),
                this_threads_workspace());
  });
}

/// The active set's start: x = max(x, 0) of the warm start, F its positive entries, and G_FF's
/// Cholesky factor; false where G_FF is not safely positive definite.
bool BlockPrincipalPivoting::start_active_set(Index column, Workspace& work) const {
  double* const l = work.factor.data();
  double* const x = work.point.data();
  std::vector<Index>& passive = work.passive;
  passive.clear();
  for (Index i = 0; i < k_; ++i) {
    const double start = result_(i, column);
    x[i] = usable_(i) && start > 0.0 ? start : 0.0;  // a NaN start counts as zero
    if (x[i] > 0.0) {
      passive.push_back(i);
    }
  }
  const auto p0 = static_cast<Index>(passive.size());
  for (Index f = 0; f < p0; ++f) {
    for (Index e = f; e < p0; ++e) {
      l[e + f * k_] =
          gram_(passive[static_cast<std::size_t>(e)], passive[static_cast<std::size_t>(f)]);
    }
    work.diagonal[static_cast<std::size_t>(f)] =
        gram_(passive[static_cast<std::size_t>(f)], passive[static_cast<std::size_t>(f)]);
  }
  return cholesky_in_place_strided(l, p0, k_, work.diagonal.data());
}

/// Lawson & Hanson's inner loop: x moves towards the passive set's minimiser z as far as it
/// stays non-negative, dropping from F (and from the factor) what reaches zero, until z itself
/// is non-negative and x = z.
void BlockPrincipalPivoting::move_to_passive_minimiser(const double* b, Workspace& work) const {
  double* const l = work.factor.data();
  double* const x = work.point.data();
  double* const z = work.solution.data();
  std::vector<Index>& passive = work.passive;
  for (;;) {
    const auto p = static_cast<Index>(passive.size());
    for (Index f = 0; f < p; ++f) {
      z[f] = b[passive[static_cast<std::size_t>(f)]];
    }
    cholesky_solve(l, p, k_, z);
    double alpha = 1.0;
    Index blocking = -1;
    for (Index f = 0; f < p; ++f) {
      if (z[f] <= 0.0) {
        const double xf = x[passive[static_cast<std::size_t>(f)]];
        const double ratio = xf / (xf - z[f]);
        if (ratio < alpha || blocking < 0) {
          alpha = std::min(alpha, ratio);
          blocking = f;
        }
      }
    }
    if (blocking < 0) {
      for (Index f = 0; f < p; ++f) {
        x[passive[static_cast<std::size_t>(f)]] = z[f];
      }
      return;
    }
    for (Index f = 0; f < p; ++f) {
      double& xf = x[passive[static_cast<std::size_t>(f)]];
      xf += alpha * (z[f] - xf);
    }
    x[passive[static_cast<std::size_t>(blocking)]] = 0.0;
    for (Index f = p - 1; f >= 0; --f) {
      if (x[passive[static_cast<std::size_t>(f)]] <= 0.0) {
        x[passive[static_cast<std::size_t>(f)]] = 0.0;
        cholesky_remove(l, static_cast<Index>(passive.size()), k_, f, work.scratch.data());
        passive.erase(passive.begin() + f);
      }
    }
  }
}

bool BlockPrincipalPivoting::active_set(Index column, Workspace& work) {
  // Lawson & Hanson from the feasible point max(x, 0) of the warm start or of the last
  // pivoting round: each outer step adds the candidate of most negative gradient, after the
  // inner steps (move_to_passive_minimiser) have made x the passive set's minimiser.
  // G_FF's Cholesky factor follows F by one-variable updates, O(k²) a step instead of the
  // O(k³) of a fresh factor. Returns false (the column goes back to the pivoting) where a
  // pivot is too small for that to be trusted.
  if (!start_active_set(column, work)) {
    return false;
  }
  const double* b = product_.col(column).data();
  double* const l = work.factor.data();
  double* const x = work.point.data();
  std::vector<Index>& passive = work.passive;
  const Index max_steps = 3 * k_ + 10;
  for (Index step = 0; step < max_steps; ++step) {
    move_to_passive_minimiser(b, work);
    // Outer step: the candidate with the most negative gradient y = G x − b, if below rounding.
    const auto p = static_cast<Index>(passive.size());
    double x_size = 0.0;
    for (Index f = 0; f < p; ++f) {
      x_size = std::max(x_size, x[passive[static_cast<std::size_t>(f)]]);
    }
    const double floor = -kRoundingTolerance *
                         (product_size_[static_cast<std::size_t>(column)] + gram_norm_ * x_size);
    double* const gradient = work.gradient.data();
    gradient_at(gram_.data(), k_, b, passive, x, gradient);
    Index entering = -1;
    double most_negative = floor;
    for (Index i = 0; i < k_; ++i) {
      if (usable_(i) && x[i] <= 0.0 && gradient[i] < most_negative) {
        most_negative = gradient[i];
        entering = i;
      }
    }
    if (entering < 0) {
      auto result = result_.col(column);
      for (Index i = 0; i < k_; ++i) {
        result(i) = x[i];
      }
      return true;
    }
    // Append the entering variable to the factor: l = L⁻¹ G_F,t and pivot G_tt − lᵀl.
    double* const row = work.scratch.data();
    for (Index f = 0; f < p; ++f) {
      row[f] = gram_(passive[static_cast<std::size_t>(f)], entering);
    }
    forward_substitute(l, p, k_, row);
    double pivot = gram_(entering, entering);
    for (Index f = 0; f < p; ++f) {
      pivot -= row[f] * row[f];
      l[p + f * k_] = row[f];
    }
    if (!(pivot >= kRankTolerance * gram_(entering, entering))) {
      return false;
    }
    l[p + p * k_] = std::sqrt(pivot);
    passive.push_back(entering);
  }
  return false;
}

bool BlockPrincipalPivoting::same_passive_set(Index a, Index b) const {
  return hashes_[static_cast<std::size_t>(a)] == hashes_[static_cast<std::size_t>(b)] &&
         std::memcmp(passive_sets_.col(a).data(), passive_sets_.col(b).data(), k_) == 0;
}

bool BlockPrincipalPivoting::passive_set_before(Index a, Index b) const {
  const std::uint64_t hash_a = hashes_[static_cast<std::size_t>(a)];
  const std::uint64_t hash_b = hashes_[static_cast<std::size_t>(b)];
  if (hash_a != hash_b) {
    return hash_a < hash_b;
  }
  const int order = std::memcmp(passive_sets_.col(a).data(), passive_sets_.col(b).data(), k_);
  return order != 0 ? order < 0 : a < b;
}

void BlockPrincipalPivoting::split_variables(Index column, Workspace& work) const {
  work.passive.clear();
  work.candidates.clear();
  for (Index i = 0; i < k_; ++i) {
    if (passive_sets_(i, column) != 0) {
      work.passive.push_back(i);
    } else if (usable_(i)) {
      work.candidates.push_back(i);
    }
  }
}

void BlockPrincipalPivoting::solve_group(IndexSpan columns, Workspace& work) {
  split_variables(columns.front(), work);
  const IndexSpan passive(work.passive);
  const IndexSpan candidates(work.candidates);
  const auto p = static_cast<Index>(passive.size());
  const auto q = static_cast<Index>(candidates.size());

  // G_FF, factored in place, and G_CF, both copied into contiguous column-major buffers.
  double* const gram_ff = work.gram_ff.data();
  double* const gram_cf = work.gram_cf.data();
  for (Index f = 0; f < p; ++f) {
    const double* gram_column = gram_.col(passive[f]).data();
    for (Index e = 0; e < p; ++e) {
      gram_ff[e + f * p] = gram_column[passive[e]];
    }
    for (Index c = 0; c < q; ++c) {
      gram_cf[c + f * q] = gram_column[candidates[c]];
    }
    work.diagonal[static_cast<std::size_t>(f)] = gram_column[passive[f]];
  }
  const bool definite = cholesky_in_place(gram_ff, p, work.diagonal.data());
  Matrix pseudo_inverse;
  if (!definite) {
    pseudo_inverse = scaled_pseudo_inverse(gram_(passive, passive));
  }

  double* const x = work.solution.data();
  double* const y = work.gradient.data();
  double* const x_block = work.solution_block.data();
  double* const y_block = work.gradient_block.data();
  for (std::size_t offset = 0; offset < columns.size(); offset += kColumnsPerChunk) {
    const IndexSpan chunk =
        columns.subspan(offset, std::min<std::size_t>(kColumnsPerChunk, columns.size() - offset));
    const auto c = static_cast<Index>(chunk.size());
    // x_F = G_FF⁻¹ b_F and, off F, y = G_{·F} x_F − b; x is zero off F and y zero on F.
    // A lone column is solved in place; several, as the rows of a block (one row per
    // variable), by the same operations per column.
    double* const xs = c == 1 ? x : x_block;
    double* const ys = c == 1 ? y : y_block;
    for (Index t = 0; t < c; ++t) {
      const double* b = product_.col(chunk[t]).data();
      for (Index f = 0; f < p; ++f) {
        xs[f * c + t] = b[passive[f]];
      }
      for (Index r = 0; r < q; ++r) {
        ys[r * c + t] = -b[candidates[r]];
      }
    }
    if (!definite) {
      for (Index t = 0; t < c; ++t) {
        Eigen::Map<Eigen::VectorXd, 0, Eigen::InnerStride<>> solution(xs + t, p,
                                                                      Eigen::InnerStride<>(c));
        solution = pseudo_inverse * solution.eval();
      }
    } else if (c == 1) {
      cholesky_solve(gram_ff, p, p, xs);
    } else {
      cholesky_solve_columns(gram_ff, p, p, xs, c);
    }
    if (c == 1) {
      add_product(gram_cf, q, p, xs, ys);
    } else {
      add_product_columns(gram_cf, q, p, xs, ys, c);
    }

    for (Index t = 0; t < c; ++t) {
      const Index j = chunk[t];
      for (Index f = 0; f < p; ++f) {
        x[f] = xs[f * c + t];
      }
      for (Index r = 0; r < q; ++r) {
        y[r] = ys[r * c + t];
      }
      auto result = result_.col(j);
      result.setZero();
      for (Index f = 0; f < p; ++f) {
        result(passive[f]) = x[f];
      }
      collect_infeasible(j, work);
      if (!work.infeasible.empty()) {
        exchange(j, work.infeasible);
        work.still_infeasible.push_back(j);
      }
    }
  }
}

void BlockPrincipalPivoting::collect_infeasible(Index column, Workspace& work) const {
  const auto p = static_cast<Index>(work.passive.size());
  const auto q = static_cast<Index>(work.candidates.size());
  const Eigen::Map<const Eigen::VectorXd> solution(work.solution.data(), p);
  const Eigen::Map<const Eigen::VectorXd> gradient(work.gradient.data(), q);
  const double solution_size = p > 0 ? solution.lpNorm<Eigen::Infinity>() : 0.0;
  const double solution_floor = -kRoundingTolerance * solution_size;
  const double gradient_floor =
      -kRoundingTolerance *
      (product_size_[static_cast<std::size_t>(column)] + gram_norm_ * solution_size);
  work.infeasible.clear();
  for (Index f = 0; f < p; ++f) {
    if (solution(f) < solution_floor) {
      work.infeasible.push_back(work.passive[static_cast<std::size_t>(f)]);
    }
  }
  for (Index c = 0; c < q; ++c) {
    if (gradient(c) < gradient_floor) {
      work.infeasible.push_back(work.candidates[static_cast<std::size_t>(c)]);
    }
  }
}

void BlockPrincipalPivoting::exchange(Index column, std::vector<Index>& infeasible) {
  ColumnState& state = states_[static_cast<std::size_t>(column)];
  const auto infeasible_count = static_cast<Index>(infeasible.size());
  if (infeasible_count < state.fewest_infeasible) {
    state.fewest_infeasible = infeasible_count;
    state.full_exchanges_left = kFullExchangeChances;
  } else if (state.full_exchanges_left > 0) {
    --state.full_exchanges_left;
  } else {
    // The backup rule: move only the largest-index infeasible variable, which cannot cycle.
    const Index largest = *std::max_element(infeasible.begin(), infeasible.end());
    infeasible.assign(1, largest);
  }
  for (const Index i : infeasible) {
    passive_sets_(i, column) ^= 1;
    hashes_[static_cast<std::size_t>(column)] ^= keys_[static_cast<std::size_t>(i)];
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
  // X (k × c), a byte per passive-set entry, per column its state, hash, size, and place in
  // the pending list and in a thread's still-infeasible list and in a group, and per thread
  // a workspace of three k × k blocks, two k × kColumnsPerChunk blocks and a few k-vectors.
  const auto per_column =
      static_cast<std::int64_t>(sizeof(ColumnState) + sizeof(std::uint64_t) + sizeof(double) +
                                2 * sizeof(Index) + sizeof(std::pair<Index, Index>));
  const std::int64_t per_thread = doubles(3 * k * k + 5 * k + 2 * k * kColumnsPerChunk) +
                                  static_cast<std::int64_t>(3 * sizeof(Index)) * k;
  return doubles(k * columns) + k * columns + columns * per_column +
         per_thread * omp_get_max_threads() + doubles(k);
}

Matrix nnls_block_principal_pivoting(const Matrix& gram, const Eigen::Ref<const Matrix>& product,
                                     NnlsBppReport* report) {
  check_shapes(gram, product);
  Matrix x(gram.rows(), product.cols());
  BlockPrincipalPivoting(gram, product, x, false, solver_memory()).solve(report);
  return x;
}

Matrix nnls_block_principal_pivoting(const Matrix& gram, const Eigen::Ref<const Matrix>& product,
                                     const Eigen::Ref<const Matrix>& warm_start,
                                     NnlsBppReport* report) {
  Matrix x = warm_start;
  nnls_block_principal_pivoting_in_place(gram, product, x, report);
  return x;
}

// An Eigen::Ref is a view: passing it on by value copies a pointer, not the matrix.
// NOLINTBEGIN(performance-unnecessary-value-param)
void nnls_block_principal_pivoting_in_place(const Matrix& gram,
                                            const Eigen::Ref<const Matrix>& product,
                                            Eigen::Ref<Matrix> x, NnlsBppReport* report) {
  check_shapes(gram, product);
  if (x.rows() != product.rows() || x.cols() != product.cols()) {
    throw std::invalid_argument("nnls_block_principal_pivoting: the warm start must be k×c");
  }
  BlockPrincipalPivoting(gram, product, x, true, solver_memory()).solve(report);
}
// NOLINTEND(performance-unnecessary-value-param)

}  // namespace mpinmf
