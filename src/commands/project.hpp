#pragma once
// `mpinmf project`: expressing new data in a learned basis (engine/projection.hpp solves it).
// V' is read as the main command reads V: any format, dense or sparse.

#include <iosfwd>

#include "mpinmf/options.hpp"
#include "parallel/comm.hpp"

namespace mpinmf {

/// Reads the model and the new data, projects, writes /H (axis columns) or /W (axis rows)
/// to the output. Every rank calls it; failures surface as AgreedError on all ranks.
void run_projection(Communicator& comm, const ProjectOptions& options, std::ostream& out);

}  // namespace mpinmf
