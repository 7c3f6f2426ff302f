"""The estimator gives the command line's W and H for the same seed and options."""
import os
import subprocess

import h5py
import numpy as np
import pytest
import scipy.sparse as sp
from conftest import low_rank

import mpinmf

TOLERANCE = 1e-12


def run_program(program, X, folder, solver, extra=()):
    source = os.path.join(folder, "X.h5")
    with h5py.File(source, "w") as out:
        if sp.issparse(X):  # SciPy's CSR layout, as the program reads it
            group = out.create_group("V")
            group["data"], group["indices"], group["indptr"] = X.data, X.indices, X.indptr
            group.attrs["shape"] = np.array(X.shape, dtype=np.int64)
        else:
            out["V"] = X
    result = os.path.join(folder, "result.h5")
    subprocess.run([program, "--input", source, "--rank", "4", "--algorithm", solver,
                    "--seed", "11", "--max-iter", "30", "--tol", "0", "--output", result,
                    "--threads", "1", *extra],
                   check=True, capture_output=True, text=True, timeout=120)
    with h5py.File(result, "r") as factors:
        return factors["W"][...], factors["H"][...]


@pytest.mark.parametrize("solver", ["mu", "hals", "anls-bpp", "pgd", "kl"])
def test_estimator_gives_the_programs_factors(program, tmp_path, solver):
    X = low_rank(30, 20, 4)
    W_cli, H_cli = run_program(program, X, tmp_path, solver)
    model = mpinmf.NMF(4, solver=solver, init="random", random_state=11, max_iter=30, tol=0,
                       threads=1)
    W = model.fit_transform(X)
    np.testing.assert_allclose(W, W_cli, rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(model.components_, H_cli, rtol=0, atol=TOLERANCE)


def test_sparse_rows_give_the_programs_factors(program, tmp_path):
    X = low_rank(30, 20, 4)
    X[X < np.quantile(X, 0.5)] = 0.0
    X = sp.csr_matrix(X)
    W_cli, H_cli = run_program(program, X, tmp_path, "hals")
    model = mpinmf.NMF(4, init="random", random_state=11, max_iter=30, tol=0, threads=1)
    W = model.fit_transform(X)
    np.testing.assert_allclose(W, W_cli, rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(model.components_, H_cli, rtol=0, atol=TOLERANCE)
