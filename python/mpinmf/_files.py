"""mpinmf's files from Python: fitting one the program reads, and reading a result back."""

from dataclasses import dataclass, field

import numpy as np

from . import _comm, _mpinmf

_HISTORY_COLUMNS = ("iteration", "seconds", "relative_error", "objective",
                    "projected_gradient")


@dataclass
class Result:
    """A factorization: W (this rank's rows), H, the history and what the file says of it.

    Attributes
    ----------
    W : ndarray of shape (n_rows, n_components)
        This rank's rows of W (all of them in one process, or from :func:`read`).
    H : ndarray of shape (n_components, n_columns)
    history : pandas.DataFrame
        One row per iteration: iteration, seconds, relative_error, objective,
        projected_gradient.
    attributes : dict
        The file's attributes (seed, stop_reason, version, ...); for :func:`fit_file`, the
        run's: iterations, stop_reason, relative_error.
    row_names, column_names : list of str or None
        Names of V's rows (W's rows) and columns (H's columns), where the input has them;
        for :func:`fit_file`, on rank 0 only.
    """

    W: np.ndarray
    H: np.ndarray
    history: object
    attributes: dict = field(default_factory=dict)
    row_names: list = None
    column_names: list = None

    @property
    def W_frame(self):
        """W as a pandas DataFrame indexed by the row names (where known)."""
        import pandas

        return pandas.DataFrame(self.W, index=self.row_names)

    @property
    def H_frame(self):
        """H as a pandas DataFrame whose columns are the column names (where known)."""
        import pandas

        return pandas.DataFrame(self.H, columns=self.column_names)


def _history_frame(columns):
    import pandas

    frame = pandas.DataFrame({name: np.asarray(columns[name]) for name in _HISTORY_COLUMNS})
    frame["iteration"] = frame["iteration"].astype(np.int64)
    return frame


def fit_file(path, n_components, *, dataset="/V", format="auto", transpose=False,
             solver="hals", init="random", max_iter=500, tol=1e-6, random_state=1,
             alpha_W=0.0, alpha_H="same", l1_ratio=0.0, precision="double", threads=0,
             comm=None):
    """Factorize a matrix file as the program does, each rank reading only its rows.

    Parameters
    ----------
    path : str
        Any file the program reads: HDF5 dense or CSR/CSC, AnnData .h5ad, 10x .h5,
        Matrix Market .mtx (plain or gzip).
    n_components : int
        k.
    dataset, format, transpose : str, str, bool
        As the program's --dataset, --format and --transpose.
    solver, init, max_iter, tol, random_state, alpha_W, alpha_H, l1_ratio, precision, threads
        As the program's --algorithm, --init, --max-iter, --tol, --seed, --alpha-W,
        --alpha-H, --l1-ratio, --precision and --threads (the program's defaults).
    comm : mpi4py.MPI.Comm or None
        The ranks sharing the work; None: this process alone.

    Returns
    -------
    Result
        This rank's rows of W, all of H, the history and the names.
    """
    from ._estimator import NMF

    options = NMF(n_components, solver=solver, init=init, max_iter=max_iter, tol=tol,
                  random_state=random_state, alpha_W=alpha_W, alpha_H=alpha_H,
                  l1_ratio=l1_ratio, threads=threads, comm=comm)._options(n_components)
    if init == "custom":
        raise ValueError("init='custom' is for NMF.fit_transform; fit_file starts from 'random', "
                         "'nndsvd', 'nndsvda' or 'nndsvdar'")
    V = _mpinmf.file_matrix(_comm.handle(comm), str(path), dataset, format, bool(transpose),
                            precision)
    fitted = _mpinmf.factorize(V, options, None, None, None)
    rows, columns = _mpinmf.matrix_names(V)
    attributes = {"iterations": fitted["iterations"], "stop_reason": fitted["stop_reason"],
                  "relative_error": fitted["relative_error"], "first_row": V.first_row}
    return Result(fitted["W"], fitted["H"], _history_frame(fitted["history"]), attributes,
                  rows or None, columns or None)


def read(path):
    """Read any file mpinmf writes: a result, a checkpoint, a projection.

    Parameters
    ----------
    path : str

    Returns
    -------
    Result
        W and H (an empty array where the file has none), the history as a DataFrame, the
        root's attributes, and the row and column names where the file holds them.
    """
    import h5py

    def text(values):
        return [v.decode() if isinstance(v, bytes) else str(v) for v in values]

    with h5py.File(path, "r") as file:
        W = file["W"][...] if "W" in file else np.empty((0, 0))
        H = file["H"][...] if "H" in file else np.empty((0, 0))
        if "history" in file:
            table = file["history"][...]
            history = _history_frame({name: table[:, i]
                                      for i, name in enumerate(_HISTORY_COLUMNS)})
        else:
            history = _history_frame({name: [] for name in _HISTORY_COLUMNS})
        attributes = {name: (value.decode() if isinstance(value, bytes) else value)
                      for name, value in file.attrs.items()}
        rows = text(file["row_names"][...]) if "row_names" in file else None
        columns = text(file["col_names"][...]) if "col_names" in file else None
    return Result(W, H, history, attributes, rows, columns)
