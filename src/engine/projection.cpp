#include "engine/projection.hpp"

#include <memory>
#include <vector>

#include "engine/loop_control.hpp"
#include "rules/update_rule.hpp"

namespace mpinmf {
namespace {

/// The solver of either half: the anls-bpp rule's update, as the engine's loop makes it.
std::unique_ptr<UpdateRule> exact_rule() {
  RuleSettings settings;
  settings.algorithm = Algorithm::anls_bpp;
  return make_update_rule(settings);
}

}  // namespace

template <typename LocalRows>
Matrix project_columns(Communicator& comm, const LocalRows& local_rows, const RowMatrix& W,
                       const Penalty& penalty) {
  const Index k = W.cols();
  Matrix WtW = W.transpose() * W;
  comm.sum(WtW);
  const Matrix WtV = W.transpose() * local_rows;
  const std::vector<IndexRange> blocks = column_blocks(local_rows.cols(), comm.size());
  const IndexRange own = blocks[static_cast<std::size_t>(comm.rank())];
  Matrix WtV_own;
  comm.reduce_scatter_columns(WtV, blocks, WtV_own);
  Matrix H = Matrix::Zero(k, local_rows.cols());
  exact_rule()->update(H.middleCols(own.begin, own.size()), WtW, WtV_own, penalty);
  comm.allgather_columns(H, blocks);
  return H;
}

template <typename LocalRows>
RowMatrix project_rows(const LocalRows& local_rows, const Matrix& H, const Penalty& penalty) {
  const Matrix HHt = H * H.transpose();
  const RowMatrix VHt = local_rows * H.transpose();
  RowMatrix W = RowMatrix::Zero(local_rows.rows(), H.rows());
  exact_rule()->update(W.transpose(), HHt, VHt.transpose(), penalty);
  return W;
}

template Matrix project_columns(Communicator&, const RowMatrix&, const RowMatrix&, const Penalty&);
template Matrix project_columns(Communicator&, const SparseRowMatrix&, const RowMatrix&,
                                const Penalty&);
template RowMatrix project_rows(const RowMatrix&, const Matrix&, const Penalty&);
template RowMatrix project_rows(const SparseRowMatrix&, const Matrix&, const Penalty&);

}  // namespace mpinmf
