"""mpinmf.anndata.nmf: results stored in the AnnData, names and order kept, h5ad round trip."""
import numpy as np
import pytest
import scipy.sparse as sp
from conftest import low_rank

import mpinmf
import mpinmf.anndata

anndata = pytest.importorskip("anndata")
pandas = pytest.importorskip("pandas")


def cells_by_genes(sparse):
    X = low_rank(40, 25, 3)
    X[X < np.quantile(X, 0.3)] = 0.0
    # Names out of any sorted order, so that a re-ordering would show.
    obs = pandas.DataFrame(index=[f"cell{(7 * i) % 40:02d}" for i in range(40)])
    var = pandas.DataFrame(index=[f"gene{(11 * j) % 25:02d}" for j in range(25)])
    data = sp.csr_matrix(X) if sparse else X
    return anndata.AnnData(data, obs=obs, var=var, dtype=X.dtype), X


@pytest.mark.parametrize("sparse", [False, True])
def test_nmf_fills_obsm_varm_uns_and_round_trips(tmp_path, sparse):
    adata, X = cells_by_genes(sparse)
    obs_names, var_names = list(adata.obs_names), list(adata.var_names)
    mpinmf.anndata.nmf(adata, 3, solver="hals", random_state=4, max_iter=60)
    reference = mpinmf.NMF(3, solver="hals", random_state=4, max_iter=60)
    W = reference.fit_transform(sp.csr_matrix(X) if sparse else X)
    assert list(adata.obs_names) == obs_names and list(adata.var_names) == var_names
    np.testing.assert_array_equal(adata.obsm["X_nmf"], W)
    np.testing.assert_array_equal(adata.varm["nmf"], reference.components_.T)
    uns = adata.uns["nmf"]
    assert uns["n_iter"] == reference.n_iter_
    assert uns["params"]["solver"] == "hals" and uns["params"]["layer"] == "X"
    assert len(uns["history"]["objective"]) == reference.n_iter_ + 1
    path = tmp_path / "cells.h5ad"
    adata.write_h5ad(path)
    back = anndata.read_h5ad(path)
    assert list(back.obs_names) == obs_names and list(back.var_names) == var_names
    np.testing.assert_array_equal(back.obsm["X_nmf"], W)
    np.testing.assert_array_equal(back.varm["nmf"], reference.components_.T)
    np.testing.assert_array_equal(back.uns["nmf"]["history"]["objective"],
                                  uns["history"]["objective"])
    # The program's reader of .h5ad files gives the same fit, with the names.
    fitted = mpinmf.fit_file(path, 3, solver="hals", init="nndsvda", random_state=4,
                             max_iter=60, tol=1e-4)
    assert fitted.row_names == obs_names and fitted.column_names == var_names
    np.testing.assert_allclose(fitted.W, W, rtol=0, atol=1e-12)


def test_layer_is_used_and_a_missing_one_is_named():
    adata, X = cells_by_genes(False)
    adata.layers["counts"] = np.round(X * 10)  # float64, as given
    mpinmf.anndata.nmf(adata, 2, layer="counts", solver="kl", key_added="kl", max_iter=20)
    reference = mpinmf.NMF(2, solver="kl", max_iter=20).fit(np.round(X * 10))
    np.testing.assert_array_equal(adata.varm["kl"], reference.components_.T)
    assert adata.uns["kl"]["params"]["layer"] == "counts"
    with pytest.raises(ValueError, match="spliced"):
        mpinmf.anndata.nmf(adata, 2, layer="spliced")
