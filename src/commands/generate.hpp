#pragma once
// `mpinmf generate`: writes a test matrix with planted factors and column clusters
// (analysis/synthetic.hpp) to HDF5, every rank making and writing its own rows.

#include <iosfwd>

#include "mpinmf/options.hpp"
#include "parallel/comm.hpp"

namespace mpinmf {

/// Makes and writes the matrix and its truth, prints one line on rank 0. Every rank calls
/// it; failures surface as AgreedError on all ranks and leave no output.
void run_generation(Communicator& comm, const GenerateOptions& options, std::ostream& out);

}  // namespace mpinmf
