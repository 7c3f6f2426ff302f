"""mpinmf.fit_file, mpinmf.read and NMF.save against the program and its files."""
import subprocess

import h5py
import numpy as np
import pytest
from conftest import low_rank

import mpinmf

TOLERANCE = 1e-12


@pytest.fixture
def matrix_file(tmp_path):
    X = low_rank(30, 20, 4)
    path = tmp_path / "X.h5"
    with h5py.File(path, "w") as out:
        out["V"] = X
    return X, path


def program_fit(program, source, output, solver="hals"):
    subprocess.run([program, "--input", str(source), "--rank", "4", "--algorithm", solver,
                    "--seed", "11", "--max-iter", "30", "--tol", "0", "--threads", "1",
                    "--output", str(output)], check=True, capture_output=True, timeout=120)


@pytest.mark.parametrize("solver", ["hals", "kl"])
def test_fit_file_gives_the_programs_factors(program, matrix_file, tmp_path, solver):
    X, source = matrix_file
    program_fit(program, source, tmp_path / "out.h5", solver)
    fitted = mpinmf.fit_file(source, 4, solver=solver, random_state=11, max_iter=30, tol=0,
                             threads=1)
    written = mpinmf.read(tmp_path / "out.h5")
    np.testing.assert_allclose(fitted.W, written.W, rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(fitted.H, written.H, rtol=0, atol=TOLERANCE)
    assert len(fitted.history) == len(written.history) == 31
    np.testing.assert_allclose(fitted.history["objective"], written.history["objective"],
                               rtol=1e-12)


def test_read_gives_what_the_file_holds(program, matrix_file, tmp_path):
    _, source = matrix_file
    program_fit(program, source, tmp_path / "out.h5")
    result = mpinmf.read(tmp_path / "out.h5")
    with h5py.File(tmp_path / "out.h5", "r") as file:
        np.testing.assert_array_equal(result.W, file["W"][...])
        np.testing.assert_array_equal(result.H, file["H"][...])
        assert result.attributes["seed"] == 11
        assert result.attributes["stop_reason"] == file.attrs["stop_reason"]
    assert list(result.history.columns) == ["iteration", "seconds", "relative_error",
                                            "objective", "projected_gradient"]
    assert list(result.history["iteration"]) == list(range(31))


def test_saved_fit_reads_back_and_serves_the_program(program, matrix_file, tmp_path):
    pandas = pytest.importorskip("pandas")
    X, _ = matrix_file
    frame = pandas.DataFrame(X, columns=[f"g{j}" for j in range(X.shape[1])])
    model = mpinmf.NMF(4, solver="anls-bpp", random_state=2, max_iter=40)
    W = model.fit_transform(frame)
    saved = tmp_path / "model.h5"
    model.save(saved, W, row_names=[f"c{i}" for i in range(X.shape[0])])
    result = mpinmf.read(saved)
    np.testing.assert_array_equal(result.W, W)
    np.testing.assert_array_equal(result.H, model.components_)
    assert result.column_names == list(frame.columns)
    assert result.row_names == [f"c{i}" for i in range(X.shape[0])]
    assert result.attributes["iterations"] == model.n_iter_
    assert result.attributes["solver"] == "'anls-bpp'"
    assert len(result.history) == model.n_iter_ + 1
    with pytest.raises(ValueError, match="exists"):
        model.save(saved, W)
    model.save(saved, W, overwrite=True)
    # The program takes the saved file as a model: new rows in the learned basis.
    with h5py.File(tmp_path / "rows.h5", "w") as out:
        out["V"] = X[:7]
    subprocess.run([program, "project", "--model", str(saved), "--axis", "rows", "--input",
                    str(tmp_path / "rows.h5"), "--output", str(tmp_path / "p.h5")],
                   check=True, capture_output=True, timeout=120)
    np.testing.assert_allclose(mpinmf.read(tmp_path / "p.h5").W, model.transform(frame[:7]),
                               rtol=0, atol=1e-10)


def test_fit_file_names_a_missing_file(tmp_path):
    with pytest.raises(ValueError, match="missing.h5"):
        mpinmf.fit_file(tmp_path / "missing.h5", 2)
