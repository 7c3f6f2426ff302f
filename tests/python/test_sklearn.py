"""mpinmf.NMF against scikit-learn: the same updates give the same factors, HALS ends no worse
than coordinate descent, and the estimator follows scikit-learn's conventions."""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import low_rank
from sklearn.base import clone
from sklearn.decomposition import NMF as SklearnNMF
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MaxAbsScaler

import mpinmf

K = 4


def inputs():
    dense = low_rank(50, 30, K)
    sparse = sp.random(50, 30, density=0.3, random_state=1, format="csr")
    sparse.data += 0.1
    return [("dense", dense), ("sparse", sparse)]


def start(m, n, seed=2):
    rng = np.random.default_rng(seed)
    return rng.random((m, K)), rng.random((K, n))


@pytest.mark.parametrize("name,X", inputs())
def test_mu_repeats_sklearn_mu(name, X):
    # scikit-learn's mu updates W, then H; mpinmf's loop updates H, then W. Fitting Xᵀ from
    # (H₀ᵀ, W₀ᵀ) makes mpinmf's first half scikit-learn's first half, transposed: the same
    # products (XHᵀ, WHHᵀ) in the same order. scikit-learn replaces a zero denominator by
    # machine epsilon, mpinmf adds epsilon to every denominator: equal to rounding here.
    W0, H0 = start(*X.shape)
    reference = SklearnNMF(K, solver="mu", init="custom", max_iter=200, tol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached
        W_ref = reference.fit_transform(X, W=W0.copy(), H=H0.copy())
    model = mpinmf.NMF(K, solver="mu", init="custom", max_iter=200, tol=0)
    Ht = model.fit_transform(X.T, W=H0.T, H=W0.T)
    assert model.n_iter_ == 200
    np.testing.assert_allclose(Ht.T, reference.components_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(model.components_.T, W_ref, rtol=0, atol=1e-10)


@pytest.mark.parametrize("name,X", inputs())
def test_hals_ends_no_worse_than_sklearn_cd(name, X):
    W0, H0 = start(*X.shape)
    reference = SklearnNMF(K, solver="cd", init="custom", max_iter=5000, tol=1e-10)
    reference.fit_transform(X, W=W0.copy(), H=H0.copy())
    model = mpinmf.NMF(K, solver="hals", init="custom", max_iter=5000, tol=1e-12)
    W = model.fit_transform(X, W=W0, H=H0)
    assert model.n_iter_ < 5000  # converged
    assert model.reconstruction_err_ <= reference.reconstruction_err_ * (1 + 1e-6)
    dense = X.toarray() if sp.issparse(X) else X
    assert model.reconstruction_err_ == pytest.approx(
        np.linalg.norm(dense - W @ model.components_), rel=1e-9)


def test_kl_repeats_sklearn_mu_for_kullback_leibler():
    # The same transposition as for mu above.
    X = low_rank(40, 30, K)
    W0, H0 = start(*X.shape)
    reference = SklearnNMF(K, solver="mu", beta_loss="kullback-leibler", init="custom",
                           max_iter=200, tol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        W_ref = reference.fit_transform(X, W=W0.copy(), H=H0.copy())
    model = mpinmf.NMF(K, solver="mu", beta_loss="kullback-leibler", init="custom",
                       max_iter=200, tol=0)
    Ht = model.fit_transform(X.T, W=H0.T, H=W0.T)
    np.testing.assert_allclose(Ht.T, reference.components_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(model.components_.T, W_ref, rtol=0, atol=1e-10)
    # reconstruction_err_ is scikit-learn's sqrt(2·D(X ‖ WH)).
    assert model.reconstruction_err_ == pytest.approx(reference.reconstruction_err_, rel=1e-9)


@pytest.mark.parametrize("layout", ["C", "F", "float32", "csr", "csc"])
def test_every_layout_gives_the_same_factors(layout):
    X = low_rank(40, 25, K)
    reference = mpinmf.NMF(K, init="random", random_state=3, max_iter=30, tol=0).fit(X)
    given = {"C": np.ascontiguousarray(X), "F": np.asfortranarray(X),
             "float32": X.astype(np.float32), "csr": sp.csr_matrix(X),
             "csc": sp.csc_matrix(X)}[layout]
    model = mpinmf.NMF(K, init="random", random_state=3, max_iter=30, tol=0).fit(given)
    tolerance = 1e-4 if layout == "float32" else 1e-10
    assert model.components_.dtype == (np.float32 if layout == "float32" else np.float64)
    np.testing.assert_allclose(model.components_, reference.components_, atol=tolerance, rtol=0)


def test_transform_solves_for_W_with_H_fixed():
    X = low_rank(40, 25, K)
    model = mpinmf.NMF(K, solver="anls-bpp", max_iter=500, tol=1e-12, random_state=0)
    W = model.fit_transform(X)
    # At a stationary point W is the exact NNLS solution for H fixed.
    np.testing.assert_allclose(model.transform(X), W, atol=1e-6)
    np.testing.assert_allclose(model.inverse_transform(W), W @ model.components_)
    assert model.transform(sp.csr_matrix(X[:5])).shape == (5, K)


def test_clone_pipeline_and_grid_search():
    X = low_rank(40, 25, K)
    model = mpinmf.NMF(K, solver="mu", alpha_W=0.01, random_state=1)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert copy.set_params(solver="cd").solver == "cd"
    pipeline = Pipeline([("scale", MaxAbsScaler()), ("nmf", mpinmf.NMF(K, max_iter=50))])
    assert pipeline.fit_transform(X).shape == (40, K)
    search = GridSearchCV(mpinmf.NMF(max_iter=50), {"n_components": [2, 4]}, cv=2,
                          scoring=lambda estimator, X_, y=None: -estimator.reconstruction_err_)
    search.fit(X)
    assert search.best_params_["n_components"] in (2, 4)


def test_feature_names_are_kept():
    pandas = pytest.importorskip("pandas")
    X = pandas.DataFrame(low_rank(20, 6, 2), columns=[f"gene{i}" for i in range(6)])
    model = mpinmf.NMF(2, max_iter=20).fit(X)
    assert list(model.feature_names_in_) == list(X.columns)
    assert model.n_features_in_ == 6


@pytest.mark.parametrize("parameter,value,error", [
    ("n_components", 0, ValueError), ("n_components", 2.5, TypeError),
    ("solver", "lbfgs", ValueError), ("beta_loss", "itakura-saito", ValueError),
    ("tol", -1.0, ValueError), ("tol", "small", TypeError), ("max_iter", -1, ValueError),
    ("alpha_W", -0.1, ValueError), ("alpha_H", -1.0, ValueError),
    ("l1_ratio", 1.5, ValueError), ("init", "svd", ValueError),
    ("precision", "half", ValueError), ("threads", -2, ValueError),
    ("random_state", -1, ValueError), ("comm", "world", TypeError),
])
def test_bad_parameters_name_themselves(parameter, value, error):
    with pytest.raises(error, match=parameter):
        mpinmf.NMF(**{"n_components": 2, parameter: value}).fit(low_rank(10, 8, 2))


def test_too_many_components_names_n_components():
    with pytest.raises(ValueError, match="n_components"):
        mpinmf.NMF(9).fit(low_rank(10, 8, 2))


def test_kl_needs_a_multiplicative_solver():
    with pytest.raises(ValueError, match="beta_loss"):
        mpinmf.NMF(2, solver="hals", beta_loss="kullback-leibler").fit(low_rank(10, 8, 2))


@pytest.mark.parametrize("value,kind", [(np.nan, "nan"), (-1.0, "-1"), (np.inf, "inf")])
@pytest.mark.parametrize("sparse", [False, True])
def test_bad_entries_name_their_position(value, kind, sparse):
    X = low_rank(10, 8, 2)
    X[6, 3] = value
    given = sp.csr_matrix(X) if sparse else X
    with pytest.raises(ValueError, match=r"row 6, column 3.*" + kind if not sparse else
                       r"row 6, column 3"):
        mpinmf.NMF(2).fit(given)


def test_all_zero_and_bad_custom_start_are_refused():
    with pytest.raises(ValueError, match="zero"):
        mpinmf.NMF(2).fit(np.zeros((5, 4)))
    X = low_rank(10, 8, 2)
    W0, H0 = np.ones((10, 2)), np.ones((2, 8))
    with pytest.raises(ValueError, match="W and H"):
        mpinmf.NMF(2, init="custom").fit(X, W=W0)
    with pytest.raises(ValueError, match=r"W must have shape"):
        mpinmf.NMF(2, init="custom").fit(X, W=W0[:5], H=H0)
    H0[1, 2] = -1
    with pytest.raises(ValueError, match=r"row 1, column 2"):
        mpinmf.NMF(2, init="custom").fit(X, W=W0, H=H0)
