#!/usr/bin/python3
"""One matrix, every format mpinmf reads: dense HDF5, a CSR and a CSC group, AnnData .h5ad
(CSR, CSC and dense X), 10x Genomics .h5 (genes × cells, CSC, transposed on reading) and
Matrix Market (plain and gzip). Each gives the same factors from the same seed on 1 to 4
ranks; names are carried to the output; malformed sparse files are refused with a message
naming the position; rows are split by nonzeros. The files are written here, with numpy."""
import gzip
import json
import os

import h5py
import numpy as np

import support
from support import low_rank, write_matrix

ROWS, COLUMNS, K = 47, 31, 3


def sparse_matrix(rows, columns, density, seed):
    """A non-negative matrix with about `density` of its entries nonzero."""
    rng = np.random.default_rng(seed)
    V = low_rank(rows, columns, K, seed=seed) + 0.01
    V[rng.random((rows, columns)) >= density] = 0.0
    return V


def compressed(V, compression):
    """(data, indices, indptr) of V as CSR, or as CSC (CSR of Vᵀ)."""
    M = V if compression == "csr" else V.T
    indptr = np.concatenate([[0], np.cumsum((M != 0).sum(axis=1))]).astype(np.int64)
    rows, columns = np.nonzero(M)
    return M[rows, columns], columns.astype(np.int32), indptr


def write_group(group, V, compression, shape_as="attribute"):
    data, indices, indptr = compressed(V, compression)
    group["data"], group["indices"], group["indptr"] = data, indices, indptr
    if shape_as == "attribute":
        group.attrs["shape"] = np.array(V.shape, dtype=np.int64)
    else:
        group["shape"] = np.array(V.shape, dtype=np.int32)


def names(prefix, count):
    return [f"{prefix}{i}" for i in range(count)]


def write_h5ad(path, V, x_layout):
    with h5py.File(path, "w") as out:
        out.attrs["encoding-type"] = "anndata"
        out.attrs["encoding-version"] = "0.1.0"
        if x_layout == "dense":
            out["X"] = V
        else:
            X = out.create_group("X")
            X.attrs["encoding-type"] = f"{x_layout}_matrix"
            X.attrs["encoding-version"] = "0.1.0"
            write_group(X, V, x_layout)
        for frame, labels in [("obs", names("cell", V.shape[0])),
                              ("var", names("gene", V.shape[1]))]:
            group = out.create_group(frame)
            group.attrs["_index"] = "_index"
            group.attrs["encoding-type"] = "dataframe"
            group.create_dataset("_index", data=labels, dtype=h5py.string_dtype())


def write_10x(path, V):
    """CellRanger v3 layout: /matrix holds genes × cells in CSC (one column per cell)."""
    genes_by_cells = V.T
    with h5py.File(path, "w") as out:
        matrix = out.create_group("matrix")
        write_group(matrix, genes_by_cells, "csc", shape_as="dataset")
        matrix["barcodes"] = np.array(names("cell", V.shape[0]), dtype="S")
        features = matrix.create_group("features")
        features["name"] = np.array(names("gene", V.shape[1]), dtype="S")
        features["id"] = np.array(names("ENSG", V.shape[1]), dtype="S")


def write_mtx(path, V, opener=open):
    rows, columns = np.nonzero(V)
    with opener(path, "wt") as out:
        out.write("%%MatrixMarket matrix coordinate real general\n% written by the test\n")
        out.write(f"{V.shape[0]} {V.shape[1]} {len(rows)}\n")
        for i, j in zip(rows, columns):
            out.write(f"{i + 1} {j + 1} {V[i, j]!r}\n")


class FormatTest(support.MpinmfTestCase):
    def setUp(self):
        super().setUp()
        self.V = sparse_matrix(ROWS, COLUMNS, 0.3, seed=4)

    def factorize(self, source, ranks, extra=(), output="out.h5"):
        run = self.run_mpinmf(["-i", source, "-k", K, "-o", output, "--max-iter", 30, "--tol", 0,
                               "--seed", 3, "--overwrite", "--print-every", 0] + list(extra), ranks)
        self.assertEqual(run.returncode, 0, run)
        with h5py.File(self.path(output), "r") as result:
            return result["W"][()], result["H"][()], run

    def test_every_format_gives_the_same_factors_on_1_to_4_ranks(self):
        write_matrix(self.path("dense.h5"), self.V)
        with h5py.File(self.path("csr.h5"), "w") as out:
            write_group(out.create_group("V"), self.V, "csr")
        with h5py.File(self.path("csc.h5"), "w") as out:
            write_group(out.create_group("counts"), self.V, "csc")
        write_h5ad(self.path("csr.h5ad"), self.V, "csr")
        write_h5ad(self.path("csc.h5ad"), self.V, "csc")
        write_h5ad(self.path("dense.h5ad"), self.V, "dense")
        write_10x(self.path("tenx.h5"), self.V)
        write_mtx(self.path("v.mtx"), self.V)
        write_mtx(self.path("v.mtx.gz"), self.V, gzip.open)
        sources = {
            "dense": ["dense.h5"], "csr group": ["csr.h5"],
            "csc group": ["csc.h5", "--dataset", "/counts", "--format", "csc"],
            "h5ad csr": ["csr.h5ad"], "h5ad csc": ["csc.h5ad"], "h5ad dense": ["dense.h5ad"],
            "10x": ["tenx.h5", "--transpose"], "mtx": ["v.mtx"], "mtx.gz": ["v.mtx.gz"],
        }
        W0, H0, _ = self.factorize("dense.h5", 1)
        for ranks in [1, 2, 3, 4]:
            for name, arguments in sources.items():
                W, H, run = self.factorize(arguments[0], ranks, arguments[1:])
                context = f"{name} on {ranks} rank(s)"
                self.assertLess(np.linalg.norm(W - W0) / np.linalg.norm(W0), 1e-10, context)
                self.assertLess(np.linalg.norm(H - H0) / np.linalg.norm(H0), 1e-10, context)

    def test_project_reads_every_format_as_the_main_command_does(self):
        # The model is factorized from the dense file; projecting the same data back from each
        # format must give the same H' (axis columns) and W'' (axis rows) as from the dense one.
        write_matrix(self.path("dense.h5"), self.V)
        with h5py.File(self.path("csr.h5"), "w") as out:
            write_group(out.create_group("V"), self.V, "csr")
        write_h5ad(self.path("csr.h5ad"), self.V, "csr")
        write_10x(self.path("tenx.h5"), self.V)
        write_mtx(self.path("v.mtx"), self.V)
        self.factorize("dense.h5", 2, ["-a", "anls-bpp"], output="model.h5")
        sources = {"dense": ["dense.h5"], "csr group": ["csr.h5"], "h5ad csr": ["csr.h5ad"],
                   "10x": ["tenx.h5", "--transpose"], "mtx": ["v.mtx"]}
        for axis, factor in [("columns", "H"), ("rows", "W")]:
            projected = {}
            for name, arguments in sources.items():
                for ranks in [1, 3]:
                    output = f"{axis}-{name.replace(' ', '-')}-{ranks}.h5"
                    run = self.run_mpinmf(["project", "--model", "model.h5", "--axis", axis,
                                           "-i", arguments[0], "-o", output] + arguments[1:],
                                          ranks)
                    self.assertEqual(run.rank_status, {r: 0 for r in range(ranks)}, run)
                    with h5py.File(self.path(output), "r") as result:
                        projected[name, ranks] = result[factor][()]
            reference = projected["dense", 1]
            self.assertGreater(np.linalg.norm(reference), 0.0)
            for (name, ranks), found in projected.items():
                self.assertLess(np.linalg.norm(found - reference) / np.linalg.norm(reference),
                                1e-10, f"{factor} from {name} on {ranks} rank(s)")

    def test_names_reach_the_output(self):
        write_h5ad(self.path("cells.h5ad"), self.V, "csr")
        for extra in [[], ["--dataset", "/X"]]:
            self.factorize("cells.h5ad", 2, extra)
            with h5py.File(self.path("out.h5"), "r") as result:
                self.assertEqual(list(result["row_names"].asstr()[()]), names("cell", ROWS))
                self.assertEqual(list(result["col_names"].asstr()[()]), names("gene", COLUMNS))
        write_10x(self.path("tenx.h5"), self.V)
        self.factorize("tenx.h5", 3, output="genes.h5")  # as stored: genes × cells
        with h5py.File(self.path("genes.h5"), "r") as result:
            self.assertEqual(result["W"].shape, (COLUMNS, K))
            self.assertEqual(list(result["row_names"].asstr()[()]), names("gene", COLUMNS))
            self.assertEqual(list(result["col_names"].asstr()[()]), names("cell", ROWS))

    def test_unsorted_indices_and_duplicates_are_summed(self):
        data, indices, indptr = compressed(self.V, "csr")
        # Each row's entries reversed, and every first entry split in two halves.
        new_data, new_indices, new_indptr = [], [], [0]
        for row in range(ROWS):
            entries = list(zip(indices[indptr[row]:indptr[row + 1]],
                               data[indptr[row]:indptr[row + 1]]))[::-1]
            if entries:
                column, value = entries[0]
                entries = [(column, value / 2), (column, value / 2)] + entries[1:]
            new_indices += [column for column, _ in entries]
            new_data += [value for _, value in entries]
            new_indptr.append(len(new_data))
        with h5py.File(self.path("messy.h5"), "w") as out:
            group = out.create_group("V")
            group["data"], group["indices"] = np.array(new_data), np.array(new_indices)
            group["indptr"] = np.array(new_indptr)
            group.attrs["shape"] = np.array(self.V.shape)
        write_matrix(self.path("dense.h5"), self.V)
        W0, H0, _ = self.factorize("dense.h5", 2, output="reference.h5")
        W, H, _ = self.factorize("messy.h5", 3)
        self.assertLess(np.linalg.norm(W - W0) / np.linalg.norm(W0), 1e-10)

    def test_rows_are_split_by_nonzeros(self):
        # Row lengths that follow a power law: an even split by rows would be far off.
        rng = np.random.default_rng(8)
        rows, columns = 2000, 400
        lengths = np.minimum(columns, (5 * (1 + np.arange(rows)) ** -0.9 * columns).astype(int) + 1)
        rng.shuffle(lengths)
        V = np.zeros((rows, columns))
        for row, length in enumerate(lengths):
            V[row, rng.choice(columns, size=length, replace=False)] = rng.random(length) + 0.1
        with h5py.File(self.path("skewed.h5"), "w") as out:
            write_group(out.create_group("V"), V, "csr")
        run = self.run_mpinmf(["-i", "skewed.h5", "-k", 4, "-o", "out.h5", "--max-iter", 2,
                               "--summary-json", "summary.json"], ranks=4)
        self.assertEqual(run.returncode, 0, run)
        with open(self.path("summary.json")) as summary:
            balance = json.load(summary)["nonzero_imbalance"]
        self.assertLessEqual(balance, 1.05, run.stdout)
        self.assertIn("max/mean per rank", run.stdout)

    def test_single_precision_gives_the_double_factors_to_single_precision(self):
        # Values that float holds exactly: double and single then factor the same matrix.
        V = self.V.astype(np.float32).astype(np.float64)
        write_matrix(self.path("dense.h5"), V)
        with h5py.File(self.path("csr.h5"), "w") as out:
            write_group(out.create_group("V"), V, "csr")
        write_10x(self.path("tenx.h5"), V)
        write_mtx(self.path("v.mtx"), V)
        W0, H0, run = self.factorize("dense.h5", 1, output="reference.h5")
        error0 = float(run.stdout.split("relative error")[1].split()[0])
        for ranks in [1, 3]:
            for source, extra in [("dense.h5", []), ("csr.h5", []), ("tenx.h5", ["--transpose"]),
                                  ("v.mtx", [])]:
                W, H, run = self.factorize(source, ranks, extra + [
                    "--precision", "single", "--summary-json", "summary.json"])
                context = f"{source} on {ranks} rank(s)"
                self.assertLess(np.linalg.norm(W - W0) / np.linalg.norm(W0), 1e-4, context)
                self.assertLess(np.linalg.norm(H - H0) / np.linalg.norm(H0), 1e-4, context)
                with open(self.path("summary.json")) as summary:
                    reported = json.load(summary)
                self.assertEqual(reported["precision"], "single", context)
                self.assertAlmostEqual(reported["relative_error"], error0, delta=1e-5, msg=context)
                with h5py.File(self.path("out.h5"), "r") as result:
                    self.assertEqual(result.attrs["precision"], "single", context)
        os.remove(self.path("out.h5"))
        self.assert_fails_everywhere(["-i", "dense.h5", "-k", 2, "-o", "x.h5", "--precision",
                                      "half"], "--precision: unknown precision 'half'", status=2)

    def test_values_beyond_single_precision_are_refused_with_the_position(self):
        V = self.V.copy()
        V[20, 5] = 1e39
        write_matrix(self.path("dense.h5"), V)
        with h5py.File(self.path("csr.h5"), "w") as out:
            write_group(out.create_group("V"), V, "csr")
        for source in ["dense.h5", "csr.h5"]:
            run = self.assert_fails_everywhere(
                ["-i", source, "-k", 2, "-o", "out.h5", "--precision", "single"],
                f"{source}:/V: entry at row 20, column 5 (0-based) is ")
            self.assertIn("run with --precision double", run.stderr)

    def assert_refused(self, writer, expected, extra=()):
        with h5py.File(self.path("bad.h5"), "w") as out:
            group = out.create_group("V")
            write_group(group, self.V, "csr")
            writer(group)
        self.assert_fails_everywhere(["-i", "bad.h5", "-k", 2, "-o", "out.h5"] + list(extra),
                                     expected)

    def replace(self, group, name, change):
        values = group[name][()]
        change(values)
        del group[name]
        group[name] = values

    def test_malformed_sparse_files_are_refused_with_the_position(self):
        def decreasing(indptr):
            indptr[5] = indptr[6] + 1

        def out_of_range(indices):
            indices[3] = COLUMNS + 7

        def negative(data):
            data[10] = -2.0

        def not_a_number(data):
            data[11] = np.nan

        def wrong_end(indptr):
            indptr[-1] -= 1

        cases = [
            (lambda g: self.replace(g, "indptr", decreasing), "indptr"),
            (lambda g: self.replace(g, "indices", out_of_range), f"{COLUMNS + 7}"),
            (lambda g: self.replace(g, "data", negative), "is -2"),
            (lambda g: self.replace(g, "data", not_a_number), "nan"),
            (lambda g: self.replace(g, "indptr", wrong_end), "indptr"),
        ]
        for writer, expected in cases:
            self.assert_refused(writer, expected)
        os.remove(self.path("bad.h5"))
        with open(self.path("bad.mtx"), "w") as out:
            out.write("%%MatrixMarket matrix coordinate real general\n3 3 2\n1 1 1.0\n4 2 1.0\n")
        self.assert_fails_everywhere(["-i", "bad.mtx", "-k", 2, "-o", "out.h5"],
                                     "bad.mtx: line 4")


if __name__ == "__main__":
    support.main()
