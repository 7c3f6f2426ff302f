"""Communicators as the compiled module takes them: mpi4py's handles."""

from . import _mpinmf


def handle(comm):
    """The MPI handle of an mpi4py communicator, or 0 (MPI_COMM_SELF) for None.

    Parameters
    ----------
    comm : mpi4py.MPI.Comm or None
        The ranks that share the work; None: this process alone.

    Returns
    -------
    int
    """
    if comm is None:
        return 0
    try:
        from mpi4py import MPI
    except ImportError as error:  # pragma: no cover - comm given without mpi4py
        raise TypeError("comm must be an mpi4py communicator or None") from error
    if not isinstance(comm, MPI.Comm):
        raise TypeError(f"comm must be an mpi4py communicator or None, got {type(comm).__name__}")
    return MPI._handleof(comm)


def rank(comm):
    """This process's rank in ``comm`` (0 for None)."""
    return _mpinmf.comm_rank(handle(comm))
