#!/usr/bin/python3
"""The mpinmf program end to end under mpirun: a good run, its output file, and every bad
input the core detects, each checked on every rank for exit status, one message and no hang.
"""
import os
import subprocess
import sys
import time

import h5py
import numpy as np

import support
from support import TIMEOUT_SECONDS, low_rank, write_matrix


class CommandLineTest(support.MpinmfTestCase):
    # A good run, and what it leaves behind.

    def test_writeup_example_runs_and_its_output_reads_back(self):
        source = os.path.join(support.ARGS.data, "writeup-5x6.h5")
        run = self.run_mpinmf(["--input", source, "--rank", 5, "--output", "out.h5",
                               "--max-iter", 5000, "--tol", 0, "--print-every", 1000])
        self.assertEqual(run.rank_status, {0: 0, 1: 0, 2: 0}, run)
        for text in ["iteration", "relative error", "mpinmf summary", "compute",
                     "communication", "I/O", "peak memory", "rank 2", "reached --max-iter"]:
            self.assertIn(text, run.stdout, run)
        self.assertEqual(run.stdout.count("mpinmf summary"), 1, "only rank 0 talks")
        self.assertEqual(run.stdout.count("     5000   "), 1, run)

        with h5py.File(self.path("out.h5"), "r") as result, h5py.File(source, "r") as data:
            W, H, V = result["W"][()], result["H"][()], data["V"][()]
            self.assertEqual(W.shape, (5, 5))
            self.assertEqual(H.shape, (5, 6))
            self.assertLess(np.abs(W @ H - V).max(), 0.002)
            self.assertEqual(result["history"].shape, (5001, 5))
            self.assertEqual(result["history"].attrs["columns"],
                             "iteration,seconds,relative_error,objective,projected_gradient")
            attributes = result.attrs
            self.assertEqual(attributes["algorithm"], "mu")
            self.assertEqual(attributes["k"], 5)
            self.assertEqual(attributes["iterations"], 5000)
            self.assertEqual(attributes["ranks"], 3)
            self.assertEqual(attributes["seed"], 1)
            self.assertIn("--rank 5", attributes["command_line"])
            self.assertAlmostEqual(attributes["relative_error"], result["history"][-1, 2])
        self.assertFalse(os.path.exists(self.path("out.h5.partial")))

        dump = subprocess.run(["h5dump", "-H", self.path("out.h5")], capture_output=True,
                              text=True, timeout=TIMEOUT_SECONDS)
        self.assertEqual(dump.returncode, 0, dump.stderr)
        self.assertIn('DATASET "W"', dump.stdout)

    def test_more_threads_than_the_binding_gives_is_told_how(self):
        if len(os.sched_getaffinity(0)) < 2:
            self.skipTest("needs two cores to bind one rank to fewer than it asks for")
        write_matrix(self.path("v.h5"), low_rank(30, 20, 3) + 0.1)

        def run(launcher, output):
            command = launcher + [support.ARGS.mpinmf, "--input", self.path("v.h5"), "--rank",
                                  "3", "--max-iter", "3", "--threads", "2", "--output",
                                  self.path(output)]
            return subprocess.run(command, capture_output=True, text=True,
                                  timeout=TIMEOUT_SECONDS)

        advice = "(mpirun binds a rank to a core): run mpirun with --bind-to none"
        mpirun = [support.ARGS.mpirun, "-np", "1"]
        for launcher, output in [(mpirun + ["--bind-to", "core"], "bound.h5"),
                                 (["taskset", "-c", "0"], "pinned.h5")]:
            done = run(launcher, output)
            self.assertEqual(done.returncode, 0, done.stderr)
            told = [line for line in done.stderr.splitlines() if advice in line]
            self.assertEqual(len(told), 1, done.stderr)
            self.assertIn("--threads 2 but this rank may run on 1 core", told[0])
        for launcher, output in [(mpirun + ["--bind-to", "none"], "unbound.h5"), ([], "alone.h5")]:
            done = run(launcher, output)
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertNotIn("--bind-to none", done.stderr)

    def test_results_do_not_depend_on_the_number_of_ranks(self):
        write_matrix(self.path("v.h5"), low_rank(40, 30, 4) + 0.01)
        results = {}
        for rule in ["mu", "pgd"]:
            for ranks in [1, 3]:
                name = f"out-{rule}-{ranks}.h5"
                run = self.run_mpinmf(["-i", "v.h5", "-k", 4, "-a", rule, "-o", name,
                                       "--max-iter", 50, "--tol", 0, "--seed", 5], ranks)
                self.assertEqual(run.returncode, 0, run)
                with h5py.File(self.path(name), "r") as result:
                    results[(rule, ranks)] = (result["W"][()], result["H"][()])
            for one, three in zip(results[(rule, 1)], results[(rule, 3)]):
                self.assertLess(np.linalg.norm(one - three) / np.linalg.norm(one), 1e-10, rule)

    def test_warm_start_from_an_earlier_result(self):
        write_matrix(self.path("v.h5"), low_rank(20, 15, 3) + 0.1)
        first = self.run_mpinmf(["-i", "v.h5", "-k", 3, "-o", "first.h5", "--max-iter", 30])
        self.assertEqual(first.returncode, 0, first)
        again = self.run_mpinmf(["-i", "v.h5", "-k", 3, "-o", "again.h5", "--max-iter", 0,
                                 "--init-file", "first.h5"], ranks=2)
        self.assertEqual(again.returncode, 0, again)
        with h5py.File(self.path("first.h5"), "r") as a, h5py.File(self.path("again.h5"), "r") as b:
            np.testing.assert_array_equal(a["W"][()], b["W"][()])
            np.testing.assert_array_equal(a["H"][()], b["H"][()])
        self.assert_fails_everywhere(["-i", "v.h5", "-k", 2, "-o", "out.h5",
                                      "--init-file", "first.h5"],
                                     "first.h5:/W is 20 × 3 but this run needs 20 × 2")

    def test_more_ranks_than_rows_still_works(self):
        write_matrix(self.path("v.h5"), low_rank(2, 6, 1) + 0.1)
        run = self.run_mpinmf(["-i", "v.h5", "-k", 1, "-o", "out.h5", "--max-iter", 20], ranks=3)
        self.assertEqual(run.rank_status, {0: 0, 1: 0, 2: 0}, run)
        with h5py.File(self.path("out.h5"), "r") as result:
            self.assertEqual(result["W"].shape, (2, 1))

    def test_integer_input(self):
        write_matrix(self.path("v.h5"), np.arange(24, dtype=np.int32).reshape(6, 4))
        run = self.run_mpinmf(["-i", "v.h5", "-k", 2, "-o", "out.h5", "--max-iter", 10])
        self.assertEqual(run.returncode, 0, run)

    def test_help_is_printed_once(self):
        run = self.run_mpinmf(["--help"])
        self.assertEqual(run.rank_status, {0: 0, 1: 0, 2: 0}, run)
        self.assertEqual(run.stdout.count("Usage:"), 1, run)
        for text in ["--input", "--rank", "--algorithm", "--max-iter", "--init-file"]:
            self.assertIn(text, run.stdout)

    def test_kl_and_mu_match_a_numpy_reference_of_the_same_formulas(self):
        rng = np.random.default_rng(7)
        V = low_rank(30, 20, 3) + 0.05 * rng.random((30, 20))
        V[3, 4] = 0.0
        W0, H0 = rng.random((30, 4)) + 0.1, rng.random((4, 20)) + 0.1
        write_matrix(self.path("v.h5"), V)
        with h5py.File(self.path("start.h5"), "w") as start:
            start["W"], start["H"] = W0, H0
        delta = np.finfo(float).eps  # mpinmf's default --delta

        def reference(rule, iterations=100):
            W, H = W0.copy(), H0.copy()
            for _ in range(iterations):
                if rule == "mu":
                    H = H * (W.T @ V) / (W.T @ W @ H + delta)
                    W = W * (V @ H.T) / (W @ (H @ H.T) + delta)
                else:
                    H = H * (W.T @ (V / (W @ H + delta))) / (W.sum(axis=0)[:, None] + delta)
                    W = W * ((V / (W @ H + delta)) @ H.T) / (H.sum(axis=1)[None, :] + delta)
            return W, H

        for rule in ["kl", "mu"]:
            name = f"out-{rule}.h5"
            run = self.run_mpinmf(["-i", "v.h5", "-k", 4, "-a", rule, "-o", name, "--max-iter", 100,
                                   "--tol", 0, "--init-file", "start.h5"])
            self.assertEqual(run.returncode, 0, run)
            with h5py.File(self.path(name), "r") as result:
                for ours, theirs in zip((result["W"][()], result["H"][()]), reference(rule)):
                    error = np.linalg.norm(ours - theirs) / np.linalg.norm(theirs)
                    self.assertLess(error, 1e-10, rule)
                if rule == "kl":
                    W, H = reference(rule)
                    WH = W @ H
                    positive = V > 0
                    divergence = (V[positive] * np.log(V[positive] / WH[positive])).sum() - V.sum() + WH.sum()
                    self.assertAlmostEqual(result.attrs["objective"] / divergence, 1.0, places=10)

    def test_l1_penalty_makes_w_sparser(self):
        rng = np.random.default_rng(3)
        write_matrix(self.path("v.h5"), low_rank(60, 40, 5) + 0.1 * rng.random((60, 40)))
        fractions = {}
        for label, penalty in [("none", []), ("alpha-W 0.5, l1-ratio 1", ["--alpha-W", 0.5, "--l1-ratio", 1])]:
            name = f"out-{len(fractions)}.h5"
            run = self.run_mpinmf(["-i", "v.h5", "-k", 5, "-a", "pgd", "--lambda", 0, "-o", name,
                                   "--max-iter", 300] + penalty)
            self.assertEqual(run.returncode, 0, run)
            with h5py.File(self.path(name), "r") as result:
                fractions[label] = float(np.mean(result["W"][()] == 0.0))
        print(f"\n  fraction of exact zeros in W (pgd): {fractions}", file=sys.stderr)
        self.assertGreater(fractions["alpha-W 0.5, l1-ratio 1"], fractions["none"])

    def test_project_new_columns_and_rows(self):
        V = low_rank(40, 30, 3, zero_fraction=0.5)  # sparse factors: a unique NMF
        write_matrix(self.path("v.h5"), V)
        run = self.run_mpinmf(["-i", "v.h5", "-k", 3, "-a", "anls-bpp", "-o", "model.h5",
                               "--max-iter", 300, "--tol", 0, "--init", "nndsvd"])
        self.assertEqual(run.returncode, 0, run)
        with h5py.File(self.path("model.h5"), "r") as model:
            W, H = model["W"][()], model["H"][()]
        run = self.run_mpinmf(["project", "--model", "model.h5", "--input", "v.h5", "--output", "proj-h.h5"])
        self.assertEqual(run.returncode, 0, run)
        with h5py.File(self.path("proj-h.h5"), "r") as projected:
            self.assertNotIn("W", projected)
            self.assertLess(np.linalg.norm(projected["H"][()] - H) / np.linalg.norm(H), 1e-8)
        write_matrix(self.path("rows.h5"), V[:7])
        run = self.run_mpinmf(["project", "--model", "model.h5", "--input", "rows.h5", "--axis", "rows",
                               "--output", "proj-w.h5"])
        self.assertEqual(run.returncode, 0, run)
        with h5py.File(self.path("proj-w.h5"), "r") as projected:
            self.assertLess(np.linalg.norm(projected["W"][()] - W[:7]) / np.linalg.norm(W[:7]), 1e-8)
        self.assert_fails_everywhere(["project", "--model", "model.h5", "--input", "rows.h5",
                                      "--output", "out-bad.h5"],
                                     "rows.h5:/V has 7 rows but the model's W has 40")

    # Bad input: one clear line, non-zero exit on every rank, no hang, no output.

    def test_negative_entry_is_named(self):
        matrix = low_rank(9, 7, 2)
        matrix[6, 2] = -0.5
        matrix[7, 0] = -1.0
        write_matrix(self.path("v.h5"), matrix)
        run = self.assert_fails_everywhere(["-i", "v.h5", "-k", 2, "-o", "out.h5"],
                                           "v.h5:/V: entry at row 6, column 2 (0-based) is -0.5")
        self.assertIn("rank 2", run.stderr)  # rows 6–8 belong to rank 2 of 3

    def test_nan_and_infinity_are_named(self):
        for value, shown in [(np.nan, "nan"), (np.inf, "inf")]:
            matrix = low_rank(9, 7, 2)
            matrix[1, 4] = value
            write_matrix(self.path("v.h5"), matrix)
            self.assert_fails_everywhere(["-i", "v.h5", "-k", 2, "-o", "out.h5"],
                                         f"entry at row 1, column 4 (0-based) is {shown}")

    def test_missing_file(self):
        self.assert_fails_everywhere(["-i", "absent.h5", "-k", 2, "-o", "out.h5"],
                                     "absent.h5: no such file")

    def test_missing_dataset(self):
        write_matrix(self.path("v.h5"), low_rank(9, 7, 2))
        self.assert_fails_everywhere(["-i", "v.h5", "-d", "/counts", "-k", 2, "-o", "out.h5"],
                                     "v.h5:/counts: no such dataset")

    def test_dataset_that_is_not_2d(self):
        write_matrix(self.path("v.h5"), np.ones(10))
        self.assert_fails_everywhere(["-i", "v.h5", "-k", 2, "-o", "out.h5"],
                                     "v.h5:/V: has 1 dimensions")

    def test_a_shape_too_large_to_address_is_refused(self):
        with h5py.File(self.path("huge.h5"), "w") as out:
            # Chunked and never written: the file stays tiny whatever its shape.
            out.create_dataset("V", shape=(2**32, 2**32), chunks=(64, 64), dtype="f8")
        self.assert_fails_everywhere(["-i", "huge.h5", "-k", 2, "-o", "out.h5"],
                                     "huge.h5:/V: 4294967296 × 4294967296 has more entries than "
                                     "mpinmf can address")

    def test_rank_too_large(self):
        write_matrix(self.path("v.h5"), low_rank(9, 4, 2))
        self.assert_fails_everywhere(["-i", "v.h5", "-k", 5, "-o", "out.h5"],
                                     "k must be at most min(rows, columns) = 4")

    def test_rank_below_one_is_a_usage_error(self):
        self.assert_fails_everywhere(["-i", "v.h5", "-k", 0, "-o", "out.h5"],
                                     "--rank must be at least 1", status=2)

    def test_unknown_option_is_a_usage_error(self):
        self.assert_fails_everywhere(["-i", "v.h5", "-k", 2, "-o", "out.h5", "--iterations", 5],
                                     "unrecognised option '--iterations'", status=2)

    def test_a_run_too_large_for_memory_is_refused_before_reading(self):
        # 16 TB by its shape, none of it written: the file stays tiny.
        with h5py.File(self.path("huge.h5"), "w") as out:
            out.create_dataset("V", shape=(2_000_000, 1_000_000), dtype="f8", chunks=(1000, 1000))
        self.assertLess(os.path.getsize(self.path("huge.h5")), 100_000)
        start = time.monotonic()
        run = self.assert_fails_everywhere(["-i", "huge.h5", "-k", 10, "-o", "out.h5"],
                                           "not enough memory: each rank needs about")
        self.assertLess(time.monotonic() - start, 30, "refused at once, without reading V")
        # Rank 0 holds 666 667 rows of 10⁶ doubles.
        self.assertIn("(V block 4.9 TiB, factors ", run.stderr, run)
        self.assertIn("would fit", run.stderr, run)

    def test_subcommands_refuse_a_matrix_too_large_for_memory_before_reading(self):
        # The same 16 TB matrix, never written; a model whose W has its rows (k = 10).
        with h5py.File(self.path("huge.h5"), "w") as out:
            out.create_dataset("V", shape=(2_000_000, 1_000_000), dtype="f8", chunks=(1000, 1000))
        with h5py.File(self.path("model.h5"), "w") as out:
            out.create_dataset("W", shape=(2_000_000, 10), dtype="f8", chunks=(1000, 10))
            out.create_dataset("H", shape=(10, 50), dtype="f8")
        self.assertLess(os.path.getsize(self.path("huge.h5")), 100_000)
        for arguments, advice in [
                (["survey", "-i", "huge.h5", "--ranks", "2:3", "--group-size", 3, "-o",
                  "out.h5"], "--group-size of"),
                (["project", "--model", "model.h5", "-i", "huge.h5", "-o", "out.h5"],
                 "ranks in all would fit"),
                (["convert", "-i", "huge.h5", "-o", "out.h5"], "ranks in all would fit")]:
            start = time.monotonic()
            run = self.assert_fails_everywhere(arguments, "not enough memory: each rank needs about")
            self.assertLess(time.monotonic() - start, 30, f"{arguments[0]}: refused at once")
            # Rank 0 holds 666 667 rows of 10⁶ doubles, whatever else the command holds.
            self.assertIn("(V block 4.9 TiB, factors ", run.stderr, run)
            self.assertIn(advice, run.stderr, run)
            self.assertIn("--skip-resource-check runs anyway", run.stderr, run)

    def test_existing_output_is_kept_unless_overwrite(self):
        write_matrix(self.path("v.h5"), low_rank(9, 7, 2))
        with open(self.path("result.h5"), "w") as existing:
            existing.write("precious")
        run = self.run_mpinmf(["-i", "v.h5", "-k", 2, "-o", "result.h5"])
        self.assertEqual(set(run.rank_status.values()), {1}, run)
        self.assertIn("result.h5: output exists; pass --overwrite", run.stderr)
        with open(self.path("result.h5")) as existing:
            self.assertEqual(existing.read(), "precious")
        run = self.run_mpinmf(["-i", "v.h5", "-k", 2, "-o", "result.h5", "--overwrite"])
        self.assertEqual(run.returncode, 0, run)
        with h5py.File(self.path("result.h5"), "r") as result:
            self.assertEqual(result["W"].shape, (9, 2))


if __name__ == "__main__":
    support.main()
