#pragma once
// `mpinmf convert`: any matrix mpinmf reads (dense HDF5, CSR/CSC groups, AnnData .h5ad,
// 10x Genomics .h5, Matrix Market) rewritten as the HDF5 layout it reads fastest: a CSR
// group (sparse inputs) or a 2-D float64 dataset (dense inputs), names kept. Every rank
// reads its own rows, as the factorization does, and writes them back collectively.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "mpinmf/options.hpp"
#include "parallel/comm.hpp"

namespace mpinmf {

/// Why a dense copy of a sparse rows × columns matrix with `nonzeros` entries is refused
/// (nothing when it is not): it would take more than 1 GiB and more than 4 times the
/// nonzeros' data and indices in CSR (16 bytes each), that is, fewer than one entry in 8
/// is nonzero. CSR is then the smaller file and mpinmf reads it as fast.
std::optional<std::string> dense_copy_refusal(Index rows, Index columns, std::int64_t nonzeros);

/// Reads the input, writes the output, prints one line on rank 0. Every rank calls it;
/// failures surface as AgreedError on all ranks and leave no output.
void run_conversion(Communicator& comm, const ConvertOptions& options, std::ostream& out);

}  // namespace mpinmf
