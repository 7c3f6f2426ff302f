"""NMF of an AnnData object, with its results stored in it as scanpy stores its own."""

import numpy as np

from ._estimator import NMF

_HISTORY = ("iteration", "seconds", "relative_error", "objective", "projected_gradient")


def nmf(adata, n_components, layer=None, *, key_added="nmf", **params):
    """Factorize ``adata.X`` (or a layer) ≈ usages × programs and store both in ``adata``.

    Cells (obs) are the rows and genes (var) the columns, as AnnData holds them; nothing is
    re-ordered, so row i of the usages is ``adata.obs_names[i]`` and row j of the programs
    is ``adata.var_names[j]``.

    Parameters
    ----------
    adata : anndata.AnnData
    n_components : int
        k, the number of programs.
    layer : str, default=None
        Factorize ``adata.layers[layer]`` instead of ``adata.X``.
    key_added : str, default='nmf'
        Where the results go: ``obsm['X_' + key_added]``, ``varm[key_added]`` and
        ``uns[key_added]``.
    **params
        Parameters of :class:`mpinmf.NMF` (solver, init, max_iter, tol, random_state,
        beta_loss, alpha_W, alpha_H, l1_ratio, precision, threads).

    Returns
    -------
    mpinmf.NMF
        The fitted estimator. ``adata`` gains ``obsm['X_nmf']`` (n_obs × k, the usages W),
        ``varm['nmf']`` (n_vars × k, the programs Hᵀ) and ``uns['nmf']`` (the settings,
        the history per iteration, n_iter, reconstruction_err and stop_reason).
    """
    if layer is not None and layer not in adata.layers:
        raise ValueError(f"layer {layer!r} is not in adata.layers ({', '.join(adata.layers)})")
    if "comm" in params:
        raise ValueError("comm: an AnnData object holds all of its rows; use mpinmf.NMF with "
                         "each rank's rows for a distributed fit")
    X = adata.X if layer is None else adata.layers[layer]
    if X is None:
        raise ValueError("adata.X is empty; pass layer=")
    model = NMF(n_components, **params)
    usages = model.fit_transform(X)
    adata.obsm[f"X_{key_added}"] = usages
    adata.varm[key_added] = np.ascontiguousarray(model.components_.T)
    settings = {name: value for name, value in model.get_params().items()
                if name != "comm" and value is not None}
    settings["layer"] = "X" if layer is None else layer
    adata.uns[key_added] = {
        "params": {name: (value if isinstance(value, (int, float, str)) else repr(value))
                   for name, value in settings.items()},
        "history": {name: np.asarray(model.history_[name]) for name in _HISTORY},
        "n_iter": model.n_iter_,
        "reconstruction_err": model.reconstruction_err_,
        "stop_reason": model.stop_reason_,
    }
    return model
