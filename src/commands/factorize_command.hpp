#pragma once
// One factorization from options to output file: read, check, start, iterate, write,
// report. Every rank calls it; failures surface as AgreedError on all ranks.

#include <iosfwd>

#include "engine/report.hpp"
#include "mpinmf/options.hpp"
#include "parallel/comm.hpp"

namespace mpinmf {

/// Runs the factorization `options` describes; rank 0 prints progress and the summary to
/// `out`. Returns the summary (complete on rank 0).
RunSummary run_factorization(Communicator& comm, const RunOptions& options, std::ostream& out);

}  // namespace mpinmf
