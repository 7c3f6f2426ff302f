#!/usr/bin/python3
"""scripts/plot/ end to end: real mpinmf outputs (small runs under mpirun) drawn by each plot
script; every picture is read back and must be non-trivial (its size above that of empty axes,
its pixels not all one colour). Bad inputs give a non-zero exit, one line naming the file and
dataset, and no picture. The ordering and banding of factors.py are checked directly."""
import os
import shutil
import subprocess
import sys
import tempfile

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.image  # noqa: E402  (after choosing the backend)

import support  # noqa: E402
from support import TIMEOUT_SECONDS, low_rank, write_matrix  # noqa: E402

PLOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                     "scripts", "plot"))
sys.path.insert(0, PLOT)
import consensus as consensus_plot  # noqa: E402  (scripts/plot/consensus.py)
import factors  # noqa: E402  (scripts/plot/factors.py, for its pure functions)

# Empty axes of the size these scripts draw take about 16 kB as PNG; a picture with curves or
# heatmaps takes well over that.
MIN_PICTURE_BYTES = 20_000
ROWS, COLUMNS, K = 60, 40, 4


class PlotTest(support.MpinmfTestCase):
    @classmethod
    def setUpClass(cls):
        """The runs every test draws from, made once: three rules on a named 60 × 40 matrix
        and a 700 × 500 one (more rows and columns than factors.py draws one by one)."""
        cls.runs = tempfile.mkdtemp(prefix="mpinmf-plot-")
        rng = np.random.default_rng(5)
        with h5py.File(os.path.join(cls.runs, "named.h5"), "w") as out:
            out["V"] = low_rank(ROWS, COLUMNS, K, zero_fraction=0.6) + 0.01 * rng.random(
                (ROWS, COLUMNS))
            out["row_names"] = [f"cell{i}" for i in range(ROWS)]
            out["col_names"] = [f"gene{i}" for i in range(COLUMNS)]
        write_matrix(os.path.join(cls.runs, "large.h5"), low_rank(700, 500, 5) + 0.01)
        for name, ranks, arguments in [
                ("mu.h5", 2, ["-i", "named.h5", "-a", "mu", "--max-iter", 200]),
                ("hals.h5", 1, ["-i", "named.h5", "-a", "hals", "--max-iter", 100]),
                ("kl.h5", 2, ["-i", "named.h5", "-a", "kl", "--max-iter", 50]),
                ("large-mu.h5", 2, ["-i", "large.h5", "-k", 5, "--max-iter", 30])]:
            if "-k" not in arguments:
                arguments += ["-k", K]
            run = support.Run(ranks, arguments + ["-o", name, "--print-every", 0], cls.runs)
            if run.returncode != 0:
                raise AssertionError(f"mpinmf run for {name} failed\n{run}")
        # A rank survey of planted clusters, for survey.py and consensus.py.
        for arguments in [["generate", "--rows", 200, "--columns", 90, "--rank", 3, "--noise",
                           0.2, "-o", "planted.h5"],
                          ["survey", "-i", "planted.h5", "--ranks", "2:5", "--restarts", 6,
                           "-o", "survey.h5"]]:
            run = support.Run(2, arguments, cls.runs)
            if run.rank_status != {0: 0, 1: 0}:
                raise AssertionError(f"mpinmf {arguments[0]} failed\n{run}")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.runs, ignore_errors=True)

    def run_file(self, name):
        return os.path.join(self.runs, name)

    def plot(self, script, arguments, status=0):
        """Runs scripts/plot/SCRIPT in the test's folder; checks its exit status."""
        command = ["/usr/bin/python3", os.path.join(PLOT, script)] + [str(a) for a in arguments]
        completed = subprocess.run(command, cwd=self.folder, capture_output=True, text=True,
                                   timeout=TIMEOUT_SECONDS)
        self.assertEqual(completed.returncode, status,
                         f"{' '.join(command)}\nstdout:\n{completed.stdout}\n"
                         f"stderr:\n{completed.stderr}")
        return completed

    def assert_picture(self, name):
        path = self.path(name)
        self.assertTrue(os.path.exists(path), f"{name} was not written")
        size = os.path.getsize(path)
        self.assertGreater(size, MIN_PICTURE_BYTES, f"{name}: only {size} bytes")
        pixels = matplotlib.image.imread(path)
        self.assertEqual(pixels.ndim, 3)
        self.assertGreater(min(pixels.shape[:2]), 200, f"{name}: {pixels.shape}")
        variance = float(np.var(pixels[..., :3]))
        self.assertGreater(variance, 0.0, f"{name}: every pixel has the same colour")
        print(f"\n  {name}: {size} bytes, {pixels.shape[1]} × {pixels.shape[0]} pixels, "
              f"variance {variance:.4f}", file=sys.stderr)

    def assert_no_pictures(self):
        self.assertEqual(os.listdir(self.folder), [], "no picture may be left by a failure")

    def test_the_runs_hold_what_the_scripts_read(self):
        with h5py.File(self.run_file("mu.h5"), "r") as result:
            self.assertEqual(result["history"].shape, (201, 5))
            self.assertEqual(list(result["row_names"].asstr()[:2]), ["cell0", "cell1"])
            self.assertEqual(list(result["col_names"].asstr()[:2]), ["gene0", "gene1"])
        with h5py.File(self.run_file("kl.h5"), "r") as result:
            self.assertTrue(np.all(np.isnan(result["history"][:, 4])))

    # convergence.py

    def test_convergence_of_one_run_with_the_default_picture_name(self):
        done = self.plot("convergence.py", [self.run_file("mu.h5")])
        self.assertIn("wrote mu-convergence.png", done.stdout)
        self.assert_picture("mu-convergence.png")

    def test_convergence_of_several_runs_overlaid(self):
        done = self.plot("convergence.py", [self.run_file("mu.h5"), self.run_file("hals.h5"),
                                            self.run_file("kl.h5"), "--labels", "MU", "HALS",
                                            "KL", "--gradient", "-o", "rules.png"])
        self.assert_picture("rules.png")
        self.assertIn("KL has no projected gradient", done.stderr)
        self.plot("convergence.py", [self.run_file("mu.h5"), self.run_file("hals.h5"),
                                     "-o", "two.png", "--x", "iteration"])
        self.assert_picture("two.png")
        self.plot("convergence.py", [self.run_file("kl.h5"), "--x", "seconds",
                                     "--title", "kl alone", "-o", "kl.png"])
        self.assert_picture("kl.png")

    def test_convergence_in_other_formats_by_extension(self):
        self.plot("convergence.py", [self.run_file("hals.h5"), "-o", "hals.pdf"])
        with open(self.path("hals.pdf"), "rb") as picture:
            self.assertEqual(picture.read(5), b"%PDF-")
        self.plot("convergence.py", [self.run_file("hals.h5"), "-o", "hals.svg"])
        with open(self.path("hals.svg"), encoding="utf-8") as picture:
            self.assertIn("<svg", picture.read())

    # factors.py

    def test_factors_labelled_by_the_names_in_the_file(self):
        done = self.plot("factors.py", [self.run_file("hals.h5")])
        self.assertIn(f"W: rows of V ({ROWS}), by dominant component\n", done.stdout)
        self.assert_picture("hals-factors.png")
        # SVG keeps each text as a comment: the names are there, as many as there are rows.
        self.plot("factors.py", [self.run_file("hals.h5"), "-o", "named.svg"])
        with open(self.path("named.svg"), encoding="utf-8") as picture:
            svg = picture.read()
        self.assertTrue(all(f"<!-- cell{i} -->" in svg for i in range(ROWS)))
        self.assertTrue(all(f"<!-- gene{i} -->" in svg for i in range(COLUMNS)))
        self.plot("factors.py", [self.run_file("hals.h5"), "--max-labels", 10, "-o", "few.svg"])
        with open(self.path("few.svg"), encoding="utf-8") as picture:
            self.assertNotIn("<!-- cell0 -->", picture.read())

    def test_factors_of_a_large_run_are_drawn_in_bands(self):
        done = self.plot("factors.py", [self.run_file("large-mu.h5"), "-o", "large.png"])
        self.assertIn("W: rows of V (700), by dominant component; 300 bands of 2–3, mean",
                      done.stdout)
        self.assertIn("H: columns of V (500), by dominant component; 300 bands of 1–2, mean",
                      done.stdout)
        self.assert_picture("large.png")
        done = self.plot("factors.py", [self.run_file("large-mu.h5"), "--max-rows", 70,
                                        "--max-columns", 50, "-o", "coarse.png"])
        self.assertIn("700), by dominant component; 70 bands of 10, mean", done.stdout)
        self.assertIn("500), by dominant component; 50 bands of 10, mean", done.stdout)
        self.assert_picture("coarse.png")

    def test_factors_options(self):
        for extra, name in [(["--which", "W"], "w.png"), (["--which", "H"], "h.png"),
                            (["--order", "file", "--scale", "none"], "raw.png"),
                            (["--title", "a title", "--dpi", 80], "small.png")]:
            done = self.plot("factors.py", [self.run_file("mu.h5"), "-o", name] + extra)
            self.assert_picture(name)
            if "--which" in extra:
                self.assertEqual(done.stdout.count(": rows of V") + done.stdout.count(
                    ": columns of V"), 1, done.stdout)

    def test_dominant_order_groups_rows_by_their_largest_contribution(self):
        contribution = np.array([[0.1, 0.9], [0.8, 0.1], [0.2, 0.7], [0.9, 0.0], [0.0, 0.0]])
        order, dominant = factors.dominant_order(contribution)
        # Component 0: row 3 (all of it), row 1 (8/9), then the all-zero row 4; component 1:
        # row 0 (0.9) before row 2 (0.78).
        self.assertEqual(list(order), [3, 1, 4, 0, 2])
        self.assertEqual(list(dominant), [0, 0, 0, 1, 1])

    def test_bands_are_means_of_consecutive_items(self):
        matrix = np.arange(20.0).reshape(10, 2)
        banded, starts = factors.aggregate(matrix, 4, axis=0)
        self.assertEqual(list(starts), [0, 3, 6, 8])
        # Column 0 is 0, 2, ..., 18: bands (0+2+4)/3, (6+8+10)/3, (12+14)/2, (16+18)/2.
        np.testing.assert_array_equal(banded[:, 0], [2.0, 8.0, 13.0, 17.0])
        same, starts = factors.aggregate(matrix, 10, axis=0)
        self.assertIsNone(starts)
        self.assertIs(same, matrix)
        banded, _ = factors.aggregate(matrix.T, 5, axis=1)
        np.testing.assert_array_equal(banded[1], [2.0, 6.0, 10.0, 14.0, 18.0])
        self.assertAlmostEqual(factors.shown_position(3, np.array([0, 3, 6, 8]), 10), 0.5)
        self.assertAlmostEqual(factors.shown_position(7, np.array([0, 3, 6, 8]), 10), 2.0)

    # survey.py and consensus.py

    def test_survey_curves_with_the_default_picture_name(self):
        done = self.plot("survey.py", [self.run_file("survey.h5")])
        self.assertIn("wrote survey-survey.png", done.stdout)
        self.assert_picture("survey-survey.png")

    def test_consensus_of_the_suggested_k_and_of_several(self):
        self.plot("consensus.py", [self.run_file("survey.h5"), "-o", "suggested.png"])
        self.assert_picture("suggested.png")
        self.plot("consensus.py", [self.run_file("survey.h5"), "--k", 2, 3, 4, 5, "-o", "all.png"])
        self.assert_picture("all.png")
        with h5py.File(self.run_file("survey.h5"), "r") as f:
            consensus, clusters = f["k3/consensus"][()], f["k3/consensus_cluster"][()]
        order = consensus_plot.cluster_order(clusters, consensus)
        self.assertEqual(sorted(order), list(range(len(clusters))))
        self.assertTrue(np.all(np.diff(clusters[order]) >= 0), "grouped by cluster")

    def test_survey_plots_name_what_is_missing(self):
        result = self.run_file("mu.h5")  # a factorization, not a survey
        self.assert_fails("survey.py", [result], f"{result}:/survey/k: no such dataset")
        self.assert_fails("consensus.py", [result], f"{result}: has no suggested_k attribute")
        survey = self.run_file("survey.h5")
        self.assert_fails("consensus.py", [survey, "--k", 9], f"{survey}:/k9/consensus: no such")

    # Bad input: one line naming the file (and dataset), non-zero exit, no picture.

    def assert_fails(self, script, arguments, expected, status=1):
        done = self.plot(script, arguments, status=status)
        self.assertIn(expected, done.stderr)
        if status == 1:
            self.assertEqual(len(done.stderr.strip().splitlines()), 1, done.stderr)
            self.assertTrue(done.stderr.startswith(f"{script}: error: "), done.stderr)
        self.assert_no_pictures()

    def test_a_missing_file_is_named(self):
        absent = self.path("absent.h5")
        self.assert_fails("convergence.py", [absent], f"{absent}: no such file")
        self.assert_fails("factors.py", [absent], f"{absent}: no such file")
        self.assert_fails("convergence.py", [self.run_file("mu.h5"), "elsewhere/run.h5"],
                          "elsewhere/run.h5: no such file")

    def test_a_missing_dataset_is_named(self):
        source = self.run_file("named.h5")  # mpinmf's input: /V but no /history, /W or /H
        self.assert_fails("convergence.py", [source],
                          f"{source}:/history: no such dataset in the file")
        self.assert_fails("factors.py", [source], f"{source}:/W: no such dataset in the file")
        with h5py.File(self.run_file("mu.h5"), "r") as result, \
                h5py.File(self.run_file("no-h.h5"), "w") as out:
            out["W"] = result["W"][()]
        self.assert_fails("factors.py", [self.run_file("no-h.h5")], "no-h.h5:/H: no such dataset")

    def test_a_file_that_is_not_hdf5_is_named(self):
        not_hdf5 = self.run_file("notes.txt")
        with open(not_hdf5, "w") as text:
            text.write("not a result\n")
        self.assert_fails("factors.py", [not_hdf5], f"{not_hdf5}: not an HDF5 file")
        self.assert_fails("convergence.py", [self.runs], f"{self.runs}: is a folder")

    def test_a_bad_picture_name_is_refused(self):
        self.assert_fails("factors.py", [self.run_file("mu.h5"), "-o", "w.xyz"],
                          "w.xyz: unknown picture format '.xyz'")
        self.assert_fails("convergence.py", [self.run_file("mu.h5"), "-o", "no/such/folder.png"],
                          "no/such/folder.png: cannot write")

    def test_usage_errors(self):
        self.assert_fails("convergence.py", [self.run_file("mu.h5"), "--labels", "a", "b"],
                          "--labels gives 2 label(s) for 1 file(s)", status=2)
        self.assert_fails("factors.py", [self.run_file("mu.h5"), "--max-rows", 0],
                          "--max-rows must be at least 1", status=2)
        self.assert_fails("factors.py", [], "the following arguments are required", status=2)

    def test_help(self):
        for script in ["convergence.py", "factors.py", "survey.py", "consensus.py"]:
            done = self.plot(script, ["--help"])
            for text in ["usage:", "--output", "PNG", "Examples:"]:
                self.assertIn(text, done.stdout, script)
            self.assert_no_pictures()


if __name__ == "__main__":
    support.main()
