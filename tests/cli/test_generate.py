#!/usr/bin/python3
"""`mpinmf generate`: the same seed writes the same file on 1 to 4 ranks, dense or CSR; the
truth it stores is the truth (V is W H plus the stated noise, the clusters are the
components that dominate H's columns) and a factorization finds it again; bad settings
are refused with a message naming the option and leave no file."""
import os

import h5py
import numpy as np

import support
from test_convert import read_csr

SIZE = ["--rows", "120", "--columns", "90", "--rank", "4"]


class GenerateTest(support.MpinmfTestCase):
    def generate(self, arguments, ranks, output):
        run = self.run_mpinmf(["generate"] + SIZE + list(arguments) + ["-o", output], ranks)
        self.assertEqual(run.rank_status, {rank: 0 for rank in range(ranks)}, run)
        self.assertEqual(run.stdout.count("mpinmf generate: wrote"), 1, run)
        return output

    def contents(self, name):
        with h5py.File(self.path(name), "r") as f:
            truth = {key: f["truth"][key][()] for key in ["W", "H", "column_cluster"]}
            attributes = dict(f.attrs)
            dense = f["V"][()] if isinstance(f["V"], h5py.Dataset) else None
        V = dense if dense is not None else read_csr(self.path(name))[0]
        return V, truth, attributes

    def test_the_same_seed_gives_the_same_file_on_any_number_of_ranks(self):
        for kind, layout in [("dense", []), ("csr", ["--density", "0.2"])]:
            reference = None
            for ranks in [1, 2, 3, 4]:
                name = f"{kind}{ranks}.h5"
                self.generate(layout + ["--seed", "7"], ranks, name)
                V, truth, _ = self.contents(name)
                if reference is None:
                    reference = (V, truth)
                    continue
                self.assertTrue(np.array_equal(V, reference[0]), f"{layout} on {ranks} ranks")
                for key in truth:
                    self.assertTrue(np.array_equal(truth[key], reference[1][key]), key)
            self.generate(layout + ["--seed", "8", "--overwrite"], 2, f"{kind}1.h5")
            self.assertFalse(np.array_equal(self.contents(f"{kind}1.h5")[0], reference[0]))

    def test_the_truth_it_stores_is_the_matrix_it_wrote(self):
        self.generate(["--noise", "0"], 3, "clean.h5")
        V, truth, attributes = self.contents("clean.h5")
        self.assertEqual(V.shape, (120, 90))
        np.testing.assert_allclose(V, truth["W"] @ truth["H"], rtol=1e-12)
        self.assertEqual(np.linalg.matrix_rank(V, tol=1e-9 * np.linalg.norm(V, 2)), 4)
        self.assertTrue(np.array_equal(truth["H"].argmax(axis=0), truth["column_cluster"] % 4))
        self.assertEqual((attributes["k"], attributes["clusters"], attributes["noise"]), (4, 4, 0.0))

        self.generate(["--noise", "0.2"], 2, "noisy.h5")
        noisy, _, _ = self.contents("noisy.h5")
        spread = np.sqrt(np.mean((noisy - V) ** 2))
        expected = 0.2 * (truth["W"] @ truth["H"]).mean()
        self.assertLess(abs(spread - expected), 0.25 * expected)
        self.assertGreaterEqual(noisy.min(), 0.0)

        self.generate(["--density", "0.1", "--noise", "0"], 4, "sparse.h5")
        sparse, _, _ = self.contents("sparse.h5")
        kept = sparse != 0
        self.assertTrue(0.05 < kept.mean() < 0.15, kept.mean())
        self.assertTrue(np.array_equal(sparse[kept], V[kept]))

    def test_a_factorization_finds_the_planted_clusters(self):
        self.generate(["--noise", "0.05", "--clusters", "4"], 2, "planted.h5")
        run = self.run_mpinmf(["-i", "planted.h5", "-k", "4", "--algorithm", "hals", "-o",
                               "factors.h5", "--max-iter", "300", "--seed", "3"], 3)
        self.assertEqual(run.rank_status, {0: 0, 1: 0, 2: 0}, run)
        with h5py.File(self.path("factors.h5"), "r") as f:
            found = f["H"][()].argmax(axis=0)
        planted = self.contents("planted.h5")[1]["column_cluster"]
        # The same partition of the columns, whatever the components' order: each planted
        # cluster maps to one component and no two clusters to the same one.
        mapping = {c: set(found[planted == c]) for c in set(planted)}
        self.assertTrue(all(len(components) == 1 for components in mapping.values()), mapping)
        self.assertEqual(len(set.union(*mapping.values())), len(mapping), mapping)

    def test_bad_settings_are_refused_naming_the_option(self):
        for arguments, message in [
            (["--density", "0"], "--density must be in (0, 1]"),
            (["--noise", "-1"], "--noise must be"),
            (["--clusters", "1000"], "--clusters must be between"),
            (["--output-dataset", "/truth/V"], "--output-dataset must be"),
        ]:
            run = self.run_mpinmf(["generate"] + SIZE + arguments + ["-o", "out.h5"], 2)
            self.assertEqual(run.rank_status, {0: 2, 1: 2}, run)
            self.assertIn(message, run.stderr, run)
        run = self.run_mpinmf(["generate", "--rows", "10", "--columns", "5", "--rank", "6",
                               "-o", "out.h5"], 2)
        self.assertIn("--rank must be between 1 and min(rows, columns) = 5", run.stderr, run)
        self.assertFalse(any(name.startswith("out") for name in os.listdir(self.folder)))
        self.generate([], 2, "kept.h5")
        before = os.path.getmtime(self.path("kept.h5"))
        run = self.run_mpinmf(["generate"] + SIZE + ["--seed", "2", "-o", "kept.h5"], 2)
        self.assertEqual(run.rank_status, {0: 1, 1: 1}, run)
        self.assertIn("kept.h5", run.stderr, run)
        self.assertIn("pass --overwrite", run.stderr, run)
        self.assertEqual(os.path.getmtime(self.path("kept.h5")), before)


if __name__ == "__main__":
    support.main()
