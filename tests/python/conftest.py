"""What the Python module's tests share: the program and mpirun CTest passes in, and data."""
import os

import numpy as np
import pytest


def pytest_addoption(parser):
    parser.addoption("--mpinmf", default=os.environ.get("MPINMF_CLI", "mpinmf"),
                     help="the mpinmf program, for the comparisons with the command line")
    parser.addoption("--mpirun", default=os.environ.get("MPINMF_MPIRUN", "mpirun"))


@pytest.fixture
def program(request):
    return request.config.getoption("--mpinmf")


@pytest.fixture
def mpirun(request):
    return request.config.getoption("--mpirun")


def low_rank(m, n, k, seed=0, noise=0.05):
    """A non-negative m × n matrix near rank k, with noise so that no fit is exact."""
    rng = np.random.default_rng(seed)
    return rng.random((m, k)) @ rng.random((k, n)) + noise * rng.random((m, n))
