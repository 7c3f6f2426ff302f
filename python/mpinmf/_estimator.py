"""scikit-learn's NMF interface over the mpinmf engine."""

import logging
import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from . import _comm, _mpinmf

logger = logging.getLogger("mpinmf")

_SOLVERS = ("mu", "hals", "anls-bpp", "pgd", "kl", "cd")
_INITS = (None, "random", "nndsvd", "nndsvda", "nndsvdar", "custom")
_FROBENIUS = ("frobenius", 2, 2.0)
_KULLBACK_LEIBLER = ("kullback-leibler", 1, 1.0)


class NMF(TransformerMixin, BaseEstimator):
    """Non-negative matrix factorization X ≈ W H by the mpinmf engine.

    A drop-in for :class:`sklearn.decomposition.NMF`: the same parameters where they
    exist, the same fitted attributes. In one process it needs no MPI launcher; under
    ``mpirun`` pass ``comm=MPI.COMM_WORLD`` and each rank's own block of rows: W's rows
    stay on their rank, H (``components_``) is known to all.

    Parameters
    ----------
    n_components : int or None, default=None
        k, the number of components; None: the number of features. mpinmf needs
        1 <= k <= min(n_samples, n_features).
    init : {None, 'random', 'nndsvd', 'nndsvda', 'nndsvdar', 'custom'}, default=None
        The start. None: 'nndsvda' (scikit-learn's default for k <= min(n_samples,
        n_features)). 'custom': the ``W`` and ``H`` passed to :meth:`fit_transform`.
    solver : {'hals', 'mu', 'anls-bpp', 'pgd', 'kl', 'cd'}, default='hals'
        The update rule. 'cd' (scikit-learn's coordinate descent) means 'hals', the same
        updates; 'mu' with ``beta_loss='kullback-leibler'`` means 'kl'.
    beta_loss : {'frobenius', 'kullback-leibler'} or {2, 1}, default='frobenius'
        The loss; 'kullback-leibler' needs solver 'mu' or 'kl'.
    tol : float, default=1e-4
        Stop when the objective's relative decrease in one iteration falls below ``tol``
        (scikit-learn tests the decrease over 10 iterations against the start's error).
    max_iter : int, default=200
        The most iterations.
    random_state : int, RandomState instance or None, default=None
        Seeds the random starts ('random', 'nndsvdar'). None: seed 1, the command line's
        default, so that every rank of a distributed fit draws the same start.
    alpha_W, alpha_H, l1_ratio : float, default=0.0, 'same', 0.0
        Elastic-net penalties on W and H, named and scaled as scikit-learn does.
    verbose : int, default=0
        Progress through the logger ``mpinmf`` (rank 0 only): every 10th iteration for 1,
        every iteration for 2 or more. A stderr handler is added when logging is not set up.
    precision : {None, 'double', 'single'}, default=None
        How the engine holds X: None follows X's dtype (float32: single).
    threads : int, default=0
        Threads per process; 0: the cores available to it.
    comm : mpi4py.MPI.Comm or None, default=None
        The ranks sharing the fit, each passing its own rows; None: this process alone.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        H.
    n_components_ : int
    n_iter_ : int
    reconstruction_err_ : float
        ‖X − WH‖_F for the Frobenius loss; sqrt(2·D(X ‖ WH)) for Kullback–Leibler.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Present when X was a DataFrame with string column names.
    history_ : dict of ndarray
        The engine's record per iteration: iteration, seconds, relative_error, objective,
        projected_gradient.
    """

    def __init__(
        self,
        n_components=None,
        *,
        init=None,
        solver="hals",
        beta_loss="frobenius",
        tol=1e-4,
        max_iter=200,
        random_state=None,
        alpha_W=0.0,
        alpha_H="same",
        l1_ratio=0.0,
        verbose=0,
        precision=None,
        threads=0,
        comm=None,
    ):
        self.n_components = n_components
        self.init = init
        self.solver = solver
        self.beta_loss = beta_loss
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state
        self.alpha_W = alpha_W
        self.alpha_H = alpha_H
        self.l1_ratio = l1_ratio
        self.verbose = verbose
        self.precision = precision
        self.threads = threads
        self.comm = comm

    def _more_tags(self):
        return {"requires_positive_X": True, "preserves_dtype": [np.float64, np.float32]}

    # -- parameters -----------------------------------------------------------------------

    def _engine_solver(self):
        if not isinstance(self.solver, str) or self.solver not in _SOLVERS:
            raise ValueError(
                f"solver must be one of {', '.join(map(repr, _SOLVERS))}, got {self.solver!r}"
            )
        kl = _is_choice(self.beta_loss, _KULLBACK_LEIBLER)
        if not kl and not _is_choice(self.beta_loss, _FROBENIUS):
            raise ValueError(
                "beta_loss must be 'frobenius' (2) or 'kullback-leibler' (1), "
                f"got {self.beta_loss!r}"
            )
        if kl and self.solver not in ("mu", "kl"):
            raise ValueError(
                f"beta_loss='kullback-leibler' needs solver 'mu' or 'kl', got {self.solver!r}"
            )
        if kl or self.solver == "kl":
            return "kl"
        return "hals" if self.solver == "cd" else self.solver

    def _options(self, X_shape_columns):
        _check_number("tol", self.tol, minimum=0.0)
        _check_integer("max_iter", self.max_iter, minimum=0)
        _check_number("alpha_W", self.alpha_W, minimum=0.0)
        if not (isinstance(self.alpha_H, str) and self.alpha_H == "same"):
            _check_number("alpha_H", self.alpha_H, minimum=0.0)
        _check_number("l1_ratio", self.l1_ratio, minimum=0.0, maximum=1.0)
        _check_integer("verbose", self.verbose, minimum=0)
        _check_integer("threads", self.threads, minimum=0)
        if self.n_components is not None:
            _check_integer("n_components", self.n_components, minimum=1)
        if self.init not in _INITS:
            raise ValueError(
                f"init must be one of {', '.join(map(repr, _INITS))}, got {self.init!r}"
            )
        if self.precision not in (None, "double", "single"):
            raise ValueError(f"precision must be None, 'double' or 'single', got {self.precision!r}")
        solver = self._engine_solver()
        _comm.handle(self.comm)  # a TypeError now rather than inside the fit
        return {
            "n_components": X_shape_columns if self.n_components is None else self.n_components,
            "solver": solver,
            "alpha_W": float(self.alpha_W),
            "alpha_H": None if isinstance(self.alpha_H, str) else float(self.alpha_H),
            "l1_ratio": float(self.l1_ratio),
            "max_iter": int(self.max_iter),
            "tol": float(self.tol),
            "seed": _seed(self.random_state),
            "init": "nndsvda" if self.init in (None, "custom") else self.init,
            "threads": int(self.threads),
        }

    # -- data -----------------------------------------------------------------------------

    def _validate_X(self, X, reset):
        X = self._validate_data(
            X,
            accept_sparse=("csr", "csc"),
            dtype=[np.float64, np.float32],
            force_all_finite=False,  # the engine names the first bad entry's row and column
            reset=reset,
        )
        return X

    def _matrix(self, X, name="X"):
        """X (this rank's rows) as the engine's distributed matrix."""
        precision = self.precision or ("single" if X.dtype == np.float32 else "double")
        comm = _comm.handle(self.comm)
        if sp.issparse(X):
            X = X.tocsr()  # CSC → CSR: the same nonzeros, never dense
            return _mpinmf.csr_matrix(
                comm, X.data, X.indices, X.indptr, X.shape[0], X.shape[1], precision, name
            )
        if not (X.flags.c_contiguous or X.flags.f_contiguous):
            X = np.ascontiguousarray(X)  # a strided view: the engine reads whole rows
        return _mpinmf.dense_matrix(comm, X, precision, name)

    # -- fitting --------------------------------------------------------------------------

    def fit_transform(self, X, y=None, W=None, H=None):
        """Learn the factorization of X and return W.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            This rank's rows of the data, non-negative: numpy float32 or float64 (C or
            Fortran order; other dtypes are converted), or scipy.sparse CSR/CSC.
        y : Ignored
        W : array-like of shape (n_samples, n_components), default=None
            The start's W (this rank's rows) when ``init='custom'``.
        H : array-like of shape (n_components, n_features), default=None
            The start's H when ``init='custom'``.

        Returns
        -------
        W : ndarray of shape (n_samples, n_components)
        """
        X = self._validate_X(X, reset=True)
        options = self._options(X.shape[1])
        if self.comm is None and options["n_components"] > min(X.shape):
            raise ValueError(
                f"n_components={options['n_components']} must be <= min(n_samples, n_features)"
                f" = {min(X.shape)}"
            )
        start = self._custom_start(X, W, H, options["n_components"])
        V = self._matrix(X)
        result = _mpinmf.factorize(
            V, options, start[0], start[1], self._progress() if self.verbose else None
        )
        self._store(result, V, options, X.dtype)
        return result["W"].astype(X.dtype, copy=False)

    def fit(self, X, y=None, **params):
        """Learn the factorization of X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            As for :meth:`fit_transform`.
        y : Ignored
        **params : the ``W`` and ``H`` of :meth:`fit_transform`

        Returns
        -------
        self : NMF
        """
        self.fit_transform(X, **params)
        return self

    def transform(self, X):
        """W for new rows with H fixed: each row's non-negative least squares, solved exactly.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        W : ndarray of shape (n_samples, n_components)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        options = self._options(X.shape[1])
        options["solver"] = "anls-bpp"  # the penalties apply; the solver is exact NNLS
        W = _mpinmf.project_rows(self._matrix(X), options, np.asfortranarray(self.components_,
                                                                             dtype=np.float64))
        return W.astype(X.dtype, copy=False)

    def inverse_transform(self, W):
        """X ≈ W H for W (as :meth:`transform` returns it).

        Parameters
        ----------
        W : ndarray of shape (n_samples, n_components)

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        return np.asarray(W) @ self.components_

    def save(self, path, W, *, row_names=None, overwrite=False):
        """Write the fit as the program writes its result, for :func:`mpinmf.read` and the
        program's readers (``--init-file``, ``mpinmf project``, scripts/plot).

        Parameters
        ----------
        path : str
            The HDF5 file to write: /W, /H, /history and attributes.
        W : ndarray of shape (n_samples, n_components)
            This rank's rows of W, as :meth:`fit_transform` returned them.
        row_names : sequence of str, default=None
            Names of X's rows (rank 0's are written); the columns' are
            ``feature_names_in_`` where X had them.
        overwrite : bool, default=False
            Replace an existing file; otherwise that is an error.
        """
        check_is_fitted(self)
        W = np.ascontiguousarray(W, dtype=np.float64)
        if W.ndim != 2 or W.shape[1] != self.n_components_:
            raise ValueError(f"W must have {self.n_components_} columns, got shape {W.shape}")
        columns = list(getattr(self, "feature_names_in_", []))
        names = _mpinmf.Names([str(name) for name in row_names or []], columns)
        parameters = {name: repr(value) for name, value in self.get_params().items()
                      if name != "comm"}
        _mpinmf.write_result(
            _comm.handle(self.comm), str(path), bool(overwrite), W,
            np.asfortranarray(self.components_, dtype=np.float64), self.history_,
            self.stop_reason_, self._relative_error, sorted(parameters.items()),
            names,
        )

    # -- helpers --------------------------------------------------------------------------

    def _custom_start(self, X, W, H, k):
        if self.init != "custom":
            return None, None
        if W is None or H is None:
            raise ValueError("init='custom' needs both W and H passed to fit_transform")
        W = np.ascontiguousarray(W, dtype=np.float64)
        H = np.asfortranarray(H, dtype=np.float64)
        if W.shape != (X.shape[0], k):
            raise ValueError(f"W must have shape {(X.shape[0], k)} (this rank's rows × "
                             f"n_components), got {W.shape}")
        if H.shape != (k, X.shape[1]):
            raise ValueError(f"H must have shape {(k, X.shape[1])}, got {H.shape}")
        return W, H

    def _progress(self):
        if _comm.rank(self.comm) != 0:
            return None
        if not logger.hasHandlers():
            logger.addHandler(logging.StreamHandler())
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)
        every = 1 if self.verbose >= 2 else 10

        def report(iteration, seconds, relative_error, objective):
            if iteration % every == 0:
                logger.info(
                    "iteration %d  %.3f s  relative error %.6g  objective %.6g",
                    iteration, seconds, relative_error, objective,
                )

        return report

    def _store(self, result, V, options, dtype):
        self.components_ = result["H"].astype(dtype, copy=False)
        self.n_components_ = self.components_.shape[0]
        self.n_iter_ = int(result["iterations"])
        self.history_ = result["history"]
        self.stop_reason_ = result["stop_reason"]
        self._norm = float(np.sqrt(V.squared_norm))
        self._relative_error = float(result["relative_error"])  # ‖X − WH‖ / ‖X‖, exact
        if options["solver"] == "kl":
            self.reconstruction_err_ = float(np.sqrt(2.0 * self.history_["objective"][-1]))
        else:
            self.reconstruction_err_ = float(result["relative_error"] * self._norm)


def _is_choice(value, choices):
    """Whether ``value`` is one of ``choices``: a name, or a number (never a bool)."""
    if isinstance(value, str):
        return value in [choice for choice in choices if isinstance(choice, str)]
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return value in [choice for choice in choices if not isinstance(choice, str)]
    return False


def _check_number(name, value, minimum=None, maximum=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value!r}")


def _check_integer(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")


def _seed(random_state):
    """The engine's seed: an int as given, one drawn from a RandomState, 1 for None."""
    if random_state is None:
        return 1
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be >= 0, got {random_state!r}")
        return int(random_state)
    try:
        return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    except ValueError as error:
        raise ValueError(f"random_state: {error}") from error
