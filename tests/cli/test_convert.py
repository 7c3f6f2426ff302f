#!/usr/bin/python3
"""`mpinmf convert`: one matrix in every format rewritten as a CSR group (or a dense dataset)
on 1 to 4 ranks reads back, with numpy, as exactly the matrix it was; the converted file
factorizes to the same W and H as the original; names survive; existing outputs are kept
unless --overwrite; bad input, a failed write or a dense copy far larger than the nonzeros
leave no output. The input files come from test_formats.py's writers."""
import gzip

import h5py
import numpy as np

import support
from support import write_matrix
from test_formats import K, names, sparse_matrix, write_10x, write_group, write_h5ad, write_mtx

ROWS, COLUMNS = 47, 31


def read_csr(path, group="V"):
    """The dense matrix a CSR group holds, rebuilt from data, indices and indptr alone."""
    with h5py.File(path, "r") as f:
        g = f[group]
        data, indices, indptr = g["data"][()], g["indices"][()], g["indptr"][()]
        shape = tuple(g.attrs["shape"])
        attributes = {name: g.attrs[name] for name in ["encoding-type", "encoding-version"]}
        dtypes = (g["data"].dtype, g["indices"].dtype, g["indptr"].dtype, g.attrs["shape"].dtype)
    matrix = np.zeros(shape)
    assert len(indptr) == shape[0] + 1 and indptr[0] == 0 and indptr[-1] == len(data)
    assert np.all(np.diff(indptr) >= 0)
    for row in range(shape[0]):
        entries = slice(indptr[row], indptr[row + 1])
        assert len(set(indices[entries])) == len(indices[entries]), "duplicate column"
        matrix[row, indices[entries]] = data[entries]
    return matrix, attributes, dtypes


class ConvertTest(support.MpinmfTestCase):
    def setUp(self):
        super().setUp()
        self.V = sparse_matrix(ROWS, COLUMNS, 0.3, seed=4)

    def write_sources(self):
        """The same matrix in each format, and the arguments that read it as ROWS × COLUMNS."""
        write_matrix(self.path("dense.h5"), self.V)
        write_h5ad(self.path("csc.h5ad"), self.V, "csc")
        write_10x(self.path("tenx.h5"), self.V)
        write_mtx(self.path("v.mtx"), self.V)
        write_mtx(self.path("v.mtx.gz"), self.V, gzip.open)
        with h5py.File(self.path("csc.h5"), "w") as out:
            write_group(out.create_group("counts"), self.V, "csc")
        return {
            "dense": ["dense.h5"], "h5ad csc": ["csc.h5ad"], "10x": ["tenx.h5", "--transpose"],
            "mtx": ["v.mtx"], "mtx.gz": ["v.mtx.gz"],
            "csc group": ["csc.h5", "--dataset", "/counts", "--format", "csc"],
        }

    def convert(self, arguments, ranks, output="converted.h5"):
        run = self.run_mpinmf(["convert", "-i"] + list(arguments) + ["-o", output, "--overwrite"],
                              ranks)
        self.assertEqual(run.returncode, 0, run)
        self.assertEqual(run.stdout.count("mpinmf convert: wrote"), 1, run)
        return run

    def factorize(self, source, ranks, output, extra=()):
        run = self.run_mpinmf(["-i", source, "-k", K, "-o", output, "--max-iter", 30, "--tol", 0,
                               "--seed", 3, "--overwrite", "--print-every", 0] + list(extra), ranks)
        self.assertEqual(run.returncode, 0, run)
        with h5py.File(self.path(output), "r") as result:
            return result["W"][()], result["H"][()]

    def test_every_format_converts_to_the_same_csr_on_1_to_4_ranks(self):
        sources = self.write_sources()
        nonzeros = int(np.count_nonzero(self.V))
        for ranks in [1, 2, 3, 4]:
            for name, arguments in sources.items():
                context = f"{name} on {ranks} rank(s)"
                run = self.convert(arguments + ["--layout", "csr"], ranks)
                self.assertIn(f"(CSR), {ROWS} × {COLUMNS}, {nonzeros} nonzeros", run.stdout,
                              context)
                matrix, attributes, dtypes = read_csr(self.path("converted.h5"))
                self.assertTrue(np.array_equal(matrix, self.V), context)
                self.assertEqual(attributes, {"encoding-type": "csr_matrix",
                                              "encoding-version": "0.1.0"}, context)
                self.assertEqual([str(t) for t in dtypes], ["float64", "int64", "int64", "int64"])
        with h5py.File(self.path("converted.h5"), "r") as converted:
            self.assertEqual(converted.attrs["input"], "csc.h5:/counts")

    def test_more_ranks_than_rows(self):
        small = self.V[:3]
        write_matrix(self.path("small.h5"), small)
        self.convert(["small.h5", "--layout", "csr"], 4)
        self.assertTrue(np.array_equal(read_csr(self.path("converted.h5"))[0], small))

    def test_the_converted_file_factorizes_like_the_original(self):
        self.write_sources()
        W0, H0 = self.factorize("dense.h5", 1, "reference.h5")
        for source, ranks in [(["csc.h5ad"], 3), (["tenx.h5", "--transpose"], 2),
                              (["v.mtx"], 4)]:
            self.convert(source, ranks)
            for factor_ranks in [1, 3]:
                W, H = self.factorize("converted.h5", factor_ranks, "result.h5")
                context = f"{source[0]} converted on {ranks}, factorized on {factor_ranks}"
                self.assertLess(np.linalg.norm(W - W0) / np.linalg.norm(W0), 1e-10, context)
                self.assertLess(np.linalg.norm(H - H0) / np.linalg.norm(H0), 1e-10, context)

    def test_names_survive_conversion_and_factorization(self):
        self.write_sources()
        cells, genes = names("cell", ROWS), names("gene", COLUMNS)
        for source in [["csc.h5ad"], ["tenx.h5", "--transpose"]]:
            self.convert(source, 3)
            with h5py.File(self.path("converted.h5"), "r") as converted:
                self.assertEqual(list(converted["row_names"].asstr()[()]), cells, source)
                self.assertEqual(list(converted["col_names"].asstr()[()]), genes, source)
            self.factorize("converted.h5", 2, "result.h5")
            with h5py.File(self.path("result.h5"), "r") as result:
                self.assertEqual(list(result["row_names"].asstr()[()]), cells, source)
                self.assertEqual(list(result["col_names"].asstr()[()]), genes, source)
        # Transposing the converted file swaps its names, as for any other input.
        self.convert(["converted.h5", "--transpose"], 2, output="genes.h5")
        with h5py.File(self.path("genes.h5"), "r") as converted:
            self.assertEqual(list(converted["row_names"].asstr()[()]), genes)
        self.assertTrue(np.array_equal(read_csr(self.path("genes.h5"))[0], self.V.T))

    def test_dense_layout_round_trip(self):
        self.write_sources()
        run = self.convert(["dense.h5"], 3, output="dense_copy.h5")  # dense stays dense
        self.assertIn("(dense float64)", run.stdout)
        with h5py.File(self.path("dense_copy.h5"), "r") as copy:
            self.assertEqual(copy["V"].dtype, np.float64)
            self.assertTrue(np.array_equal(copy["V"][()], self.V))
        for ranks in [1, 2, 4]:
            self.convert(["v.mtx", "--layout", "dense", "--output-dataset", "/data/X"], ranks)
            with h5py.File(self.path("converted.h5"), "r") as converted:
                self.assertTrue(np.array_equal(converted["data/X"][()], self.V), ranks)
        self.convert(["dense.h5", "--layout", "csr"], 2, output="csr.h5")
        self.convert(["csr.h5", "--layout", "dense"], 3, output="back.h5")
        with h5py.File(self.path("back.h5"), "r") as back:
            self.assertTrue(np.array_equal(back["V"][()], self.V))

    def test_a_dense_copy_far_larger_than_the_nonzeros_is_refused(self):
        rows, columns = 20000, 10000  # 1.5 GiB dense, three nonzeros
        with h5py.File(self.path("huge.h5"), "w") as out:
            group = out.create_group("V")
            group["data"] = np.array([1.0, 2.0, 3.0])
            group["indices"] = np.array([0, 5, 9999])
            indptr = np.zeros(rows + 1, dtype=np.int64)
            indptr[1:] = 1
            indptr[101:] = 2
            indptr[rows:] = 3
            group["indptr"] = indptr
            group.attrs["shape"] = np.array([rows, columns])
        self.assert_fails_everywhere(["convert", "-i", "huge.h5", "-o", "out.h5", "--layout",
                                      "dense"], "would take 1.5 GiB for 3 stored entries")
        run = self.run_mpinmf(["convert", "-i", "huge.h5", "-o", "out.h5"], 2)
        self.assertEqual(run.returncode, 0, run)
        self.assertIn("(CSR), 20000 × 10000, 3 nonzeros", run.stdout)

    def test_an_existing_output_is_kept_unless_overwrite(self):
        write_matrix(self.path("dense.h5"), self.V)
        with open(self.path("result.h5"), "w") as existing:
            existing.write("precious")
        run = self.run_mpinmf(["convert", "-i", "dense.h5", "-o", "result.h5"])
        self.assertEqual(set(run.rank_status.values()), {1}, run)
        self.assertIn("result.h5: output exists; pass --overwrite", run.stderr)
        with open(self.path("result.h5")) as existing:
            self.assertEqual(existing.read(), "precious")
        self.convert(["dense.h5"], 3, output="result.h5")
        with h5py.File(self.path("result.h5"), "r") as result:
            self.assertTrue(np.array_equal(result["V"][()], self.V))

    def test_bad_input_leaves_no_output(self):
        negative = self.V.copy()
        negative[6, 2] = -0.5
        write_matrix(self.path("negative.h5"), negative)
        self.assert_fails_everywhere(["convert", "-i", "negative.h5", "-o", "out.h5"],
                                     "negative.h5:/V: entry at row 6, column 2 (0-based) is -0.5")
        with h5py.File(self.path("nan.h5"), "w") as out:
            write_group(out.create_group("V"), self.V, "csr")
            data = out["V/data"][()]
            data[11] = np.nan
            del out["V/data"]
            out["V/data"] = data
        self.assert_fails_everywhere(["convert", "-i", "nan.h5", "-o", "out.h5", "--layout",
                                      "dense"], "nan")
        with open(self.path("bad.mtx"), "w") as out:
            out.write("%%MatrixMarket matrix coordinate real general\n3 3 2\n1 1 1.0\n4 2 1.0\n")
        self.assert_fails_everywhere(["convert", "-i", "bad.mtx", "-o", "out.h5"],
                                     "bad.mtx: line 4", ranks=4)
        self.assert_fails_everywhere(["convert", "-i", "missing.h5", "-o", "out.h5"],
                                     "missing.h5: no such file")

    def test_a_failed_write_on_one_rank_leaves_no_output(self):
        write_h5ad(self.path("cells.h5ad"), self.V, "csr")
        for layout in ["csr", "dense"]:
            self.assert_fails_everywhere(
                ["convert", "-i", "cells.h5ad", "-o", "out.h5", "--layout", layout],
                "out.h5: cannot write dataset /V", environment={"MPINMF_FAULT": "write@1"})

    def test_usage(self):
        run = self.run_mpinmf(["convert", "--help"], 2)
        self.assertEqual(run.rank_status, {0: 0, 1: 0}, run)
        self.assertEqual(run.stdout.count("Usage:"), 1, run)
        for text in ["--layout", "--output-dataset", "--transpose", "csr_matrix", "/row_names"]:
            self.assertIn(text, run.stdout)
        self.assertIn("mpinmf convert --help", self.run_mpinmf(["--help"], 1).stdout)
        self.assert_fails_everywhere(["convert", "-i", "v.h5"], "--output is required", status=2)
        self.assert_fails_everywhere(["convert", "-i", "v.h5", "-o", "out.h5", "--layout", "csc"],
                                     "--layout: unknown layout 'csc'", status=2)


if __name__ == "__main__":
    support.main()
