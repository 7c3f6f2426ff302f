"""Run under mpirun by test_mpi.py: each rank fits its own block of rows with
comm=MPI.COMM_WORLD, and rank 0 compares the gathered W and the common H with a one-process
fit of the whole matrix. Prints one line per layout and exits non-zero on a mismatch."""
import sys

import numpy as np
import scipy.sparse as sp
from mpi4py import MPI

import mpinmf

TOLERANCE = 1e-10


def main():
    comm = MPI.COMM_WORLD
    rng = np.random.default_rng(5)
    X = rng.random((37, 23)) @ rng.random((23, 23))
    X[rng.random(X.shape) < 0.4] = 0.0
    # Uneven blocks, as array_split makes them: rank 0 gets the extra rows.
    mine = np.array_split(np.arange(X.shape[0]), comm.size)[comm.rank]
    failed = False
    for layout in ("dense", "csr"):
        for solver in ("hals", "mu", "kl"):
            def convert(rows):
                return sp.csr_matrix(rows) if layout == "csr" else rows

            options = dict(n_components=4, solver=solver, init="random", random_state=7,
                           max_iter=40, tol=0)
            distributed = mpinmf.NMF(comm=comm, **options)
            W_rows = distributed.fit_transform(convert(X[mine]))
            W = np.vstack(comm.allgather(W_rows))
            alone = mpinmf.NMF(**options)
            W_alone = alone.fit_transform(convert(X))
            difference = max(np.abs(W - W_alone).max(),
                             np.abs(distributed.components_ - alone.components_).max())
            if comm.rank == 0:
                print(f"{layout} {solver} ranks={comm.size} max difference {difference:.3g}")
            failed = failed or not difference <= TOLERANCE
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
