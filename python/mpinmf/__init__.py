"""mpinmf: distributed non-negative matrix factorization, from Python.

``mpinmf.NMF`` follows scikit-learn's ``sklearn.decomposition.NMF`` (the same parameters
where they exist) and runs the mpinmf engine: in one process without an MPI launcher, or
under ``mpirun`` with ``comm=MPI.COMM_WORLD``, each rank passing its own block of rows.
See docs/python.md.
"""

import atexit

try:  # importing mpi4py.MPI initialises MPI (and finalises it at exit)
    from mpi4py import MPI as _MPI
except ImportError:  # a single process needs neither mpi4py nor a launcher
    _MPI = None

from . import _mpinmf

if _mpinmf.ensure_mpi():
    atexit.register(_mpinmf.finalize_mpi)

__version__ = _mpinmf.__version__

from ._estimator import NMF  # noqa: E402
from ._files import Result, fit_file, read  # noqa: E402

__all__ = ["NMF", "Result", "fit_file", "read", "__version__"]
