#!/usr/bin/python3
"""`mpinmf survey`: on data with 4 planted column clusters it picks k = 4 and its consensus
clustering finds the planted clusters; the same survey on 1, 2 or 4 ranks, in groups of 1 or
2, gives the same table; the best restart is repeated by the main command from the seed the
survey reports, with the rule's settings and an SVD-based start as well; bad settings fail on
every rank and leave no output."""
import os

import h5py
import numpy as np

import support

SURVEY = ["--ranks", "2:7", "--restarts", "8", "--seed", "5"]


def adjusted_rand_index(a, b):
    """Hubert & Arabie's adjusted Rand index of two labelings, from the contingency table."""
    _, a = np.unique(a, return_inverse=True)
    _, b = np.unique(b, return_inverse=True)
    table = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(table, (a, b), 1)
    pairs = lambda x: (x * (x - 1) / 2).sum()
    index, rows, columns = pairs(table), pairs(table.sum(1)), pairs(table.sum(0))
    expected = rows * columns / pairs(np.array([len(a)]))
    return (index - expected) / ((rows + columns) / 2 - expected)


class SurveyTest(support.MpinmfTestCase):
    def setUp(self):
        super().setUp()
        run = self.run_mpinmf(["generate", "--rows", "300", "--columns", "120", "--rank", "4",
                               "--noise", "0.2", "--seed", "3", "-o", "planted.h5"], 2)
        self.assertEqual(run.rank_status, {0: 0, 1: 0}, run)

    def survey(self, ranks, group_size, output, extra=()):
        run = self.run_mpinmf(["survey", "-i", "planted.h5", "--group-size", str(group_size),
                               "-o", output] + SURVEY + list(extra), ranks)
        self.assertEqual(run.rank_status, {rank: 0 for rank in range(ranks)}, run)
        return run

    def table(self, output):
        with h5py.File(self.path(output), "r") as f:
            return {name: f["survey"][name][()] for name in f["survey"]}, dict(f.attrs)

    def test_picks_the_planted_rank_and_finds_the_planted_clusters(self):
        run = self.survey(2, 1, "survey.h5")
        self.assertIn("suggested k = 4", run.stdout, run)
        table, attributes = self.table("survey.h5")
        self.assertEqual(attributes["suggested_k"], 4)
        self.assertEqual(list(table["k"]), [2, 3, 4, 5, 6, 7])
        at_4 = list(table["k"]).index(4)
        self.assertAlmostEqual(table["cophenetic"][at_4], table["cophenetic"].max(), places=12)
        self.assertAlmostEqual(table["dispersion"][at_4], 1.0, places=12)
        self.assertTrue(np.all((table["dispersion"] >= 0) & (table["dispersion"] <= 1)))
        self.assertTrue(np.all(table["best_objective"] <= table["mean_objective"] + 1e-9))
        self.assertTrue(np.all(np.diff(table["best_relative_error"]) < 0), "more k, better fit")
        with h5py.File(self.path("survey.h5"), "r") as f, h5py.File(self.path("planted.h5"), "r") as p:
            planted = p["truth/column_cluster"][()][f["k4/consensus_columns"][()]]
            found = f["k4/consensus_cluster"][()]
            consensus = f["k4/consensus"][()]
            self.assertEqual(f["k4/W"].shape, (300, 4))
            self.assertEqual(f["k4/H"].shape, (4, 120))
            self.assertEqual(len(f["k4/restart_objective"]), 8)
        self.assertGreaterEqual(adjusted_rand_index(planted, found), 0.9)
        np.testing.assert_allclose(consensus, consensus.T)
        np.testing.assert_allclose(np.diag(consensus), 1.0)
        # The tab-separated copy holds the same table.
        rows = np.genfromtxt(self.path("survey.tsv"), names=True, delimiter="\t")
        np.testing.assert_allclose(rows["cophenetic"], table["cophenetic"], rtol=1e-9)

    def test_the_same_survey_on_any_number_of_ranks_and_groups(self):
        self.survey(1, 1, "r1g1.h5")
        reference, _ = self.table("r1g1.h5")
        for ranks, group_size in [(2, 1), (2, 2), (4, 1), (4, 2)]:
            name = f"r{ranks}g{group_size}.h5"
            self.survey(ranks, group_size, name)
            table, attributes = self.table(name)
            self.assertEqual(attributes["suggested_k"], 4)
            for column in reference:
                np.testing.assert_allclose(table[column], reference[column], rtol=1e-8,
                                           err_msg=f"{column} on {ranks} ranks in groups of {group_size}")
            np.testing.assert_array_equal(table["best_seed"], reference["best_seed"])

    def test_single_precision_gives_the_same_survey(self):
        self.survey(2, 1, "double.h5")
        self.survey(2, 2, "single.h5", ["--precision", "single"])
        reference, _ = self.table("double.h5")
        table, attributes = self.table("single.h5")
        self.assertEqual(attributes["suggested_k"], 4)
        # Restarts stop on --tol, and at k beyond the planted 4 the objective is flat enough
        # that rounding moves the stop by a few iterations: close, not equal.
        np.testing.assert_allclose(table["best_relative_error"], reference["best_relative_error"],
                                   rtol=1e-3)
        # Up to the planted k the clusterings are stable, and so is their consensus.
        planted = list(table["k"]).index(4) + 1
        np.testing.assert_allclose(table["cophenetic"][:planted], reference["cophenetic"][:planted],
                                   atol=1e-3)

    def test_restarts_that_reach_the_same_minimum_tie_whatever_the_summation_order(self):
        # Run to full convergence, many restarts end at the same minimum, their errors equal
        # up to rounding that depends on the ranks: the best must still be the same restart.
        run = self.run_mpinmf(["generate", "--rows", "200", "--columns", "60", "--rank", "3",
                               "--noise", "0.1", "--seed", "2", "-o", "tied.h5"], 2)
        self.assertEqual(run.rank_status, {0: 0, 1: 0}, run)
        seeds = []
        for ranks, group_size in [(1, 1), (2, 2), (3, 3)]:
            name = f"tied{ranks}.h5"
            run = self.run_mpinmf(["survey", "-i", "tied.h5", "--ranks", "2:3", "--restarts", "10",
                                   "--tol", "0", "--max-iter", "400", "--group-size",
                                   str(group_size), "-o", name], ranks)
            self.assertEqual(run.rank_status, {rank: 0 for rank in range(ranks)}, run)
            seeds.append(list(self.table(name)[0]["best_seed"]))
        self.assertEqual(seeds[1], seeds[0])
        self.assertEqual(seeds[2], seeds[0])

    def test_the_best_restart_is_repeated_from_its_seed(self):
        self.survey(3, 1, "survey.h5")
        with h5py.File(self.path("survey.h5"), "r") as f:
            seed = int(f["k5"].attrs["best_seed"])
            W, H = f["k5/W"][()], f["k5/H"][()]
        run = self.run_mpinmf(["-i", "planted.h5", "-k", "5", "--algorithm", "hals", "--seed",
                               str(seed), "--tol", "1e-5", "--max-iter", "1000", "-o", "again.h5"], 2)
        self.assertEqual(run.rank_status, {0: 0, 1: 0}, run)
        with h5py.File(self.path("again.h5"), "r") as f:
            np.testing.assert_allclose(f["W"][()] @ f["H"][()], W @ H, rtol=1e-7, atol=1e-9)

    def test_svd_starts_and_rule_options_reach_each_restart(self):
        # Every rule option of the main command, and --init nndsvdar: the best restart is
        # repeated by the main command with the same settings and its seed.
        settings = ["--algorithm", "anls-bpp", "--alpha-W", "0.01", "--l1-ratio", "0.5",
                    "--init", "nndsvdar", "--tol", "0", "--max-iter", "40"]
        run = self.run_mpinmf(["survey", "-i", "planted.h5", "--ranks", "3:4", "--restarts", "4",
                               "--seed", "5", "-o", "svd.h5"] + settings, 2)
        self.assertEqual(run.rank_status, {0: 0, 1: 0}, run)
        with h5py.File(self.path("svd.h5"), "r") as f:
            seed = int(f["k4"].attrs["best_seed"])
            W, H = f["k4/W"][()], f["k4/H"][()]
            errors = f["k4/restart_relative_error"][()]
        self.assertGreater(len(set(errors.round(12))), 1, "nndsvdar restarts start apart")
        run = self.run_mpinmf(["-i", "planted.h5", "-k", "4", "--seed", str(seed), "-o",
                               "again.h5"] + settings, 2)
        self.assertEqual(run.rank_status, {0: 0, 1: 0}, run)
        with h5py.File(self.path("again.h5"), "r") as f:
            np.testing.assert_allclose(f["W"][()] @ f["H"][()], W @ H, rtol=1e-7, atol=1e-9)
        for init in ["nndsvd", "nndsvda"]:
            run = self.run_mpinmf(["survey", "-i", "planted.h5", "-o", "out.h5", "--init", init]
                                  + SURVEY, 2)
            self.assertEqual(run.rank_status, {0: 2, 1: 2}, run)
            self.assertIn(f"--init {init} gives every restart the same start", run.stderr, run)

    def test_bad_settings_fail_everywhere_and_leave_nothing(self):
        self.assert_fails_everywhere(["survey", "-i", "planted.h5", "--group-size", "2", "-o",
                                      "out.h5"] + SURVEY, "--group-size 2 must divide the number of ranks, 3")
        self.assert_fails_everywhere(["survey", "-i", "planted.h5", "--ranks", "2:500", "-o",
                                      "out.h5"], "--ranks: k = 500 is too large for")
        self.assert_fails_everywhere(["survey", "-i", "missing.h5", "-o", "out.h5"] + SURVEY,
                                     "missing.h5")
        # A restart that diverges stops its group; the other groups finish theirs, then all
        # agree (no rank left waiting in a collective).
        self.assert_fails_everywhere(["survey", "-i", "planted.h5", "-o", "out.h5"] + SURVEY,
                                     "W holds NaN", environment={"MPINMF_FAULT": "nan@0:3"})
        for arguments, message in [
            (["--ranks", "5:2"], "--ranks 5:2: expected FIRST:LAST"),
            (["--ranks", "1:4"], "k = 1 puts them all in one cluster; start at 2"),
            (["--ranks", "2:4", "--delta", "0"], "--delta must be a positive number"),
        ]:
            run = self.run_mpinmf(["survey", "-i", "planted.h5", "-o", "out.h5"] + arguments, 2)
            self.assertEqual(run.rank_status, {0: 2, 1: 2}, run)
            self.assertIn(message, run.stderr, run)
        run = self.run_mpinmf(["survey", "-i", "planted.h5", "-o", "out.tsv"] + SURVEY, 2)
        self.assertEqual(run.rank_status, {0: 2, 1: 2}, run)
        self.assertIn("the survey's table goes next to it", run.stderr, run)
        # A table that cannot be written leaves no HDF5 file either.
        os.mkdir(self.path("blocked.tsv.partial"))
        run = self.run_mpinmf(["survey", "-i", "planted.h5", "-o", "blocked.h5"] + SURVEY, 2)
        self.assertEqual(run.rank_status, {0: 1, 1: 1}, run)
        self.assertIn("blocked.tsv.partial: could not write the survey table", run.stderr, run)
        self.assertFalse(os.path.exists(self.path("blocked.h5")))
        os.rmdir(self.path("blocked.tsv.partial"))
        self.assertFalse([name for name in os.listdir(self.folder) if name.startswith("out")])


if __name__ == "__main__":
    support.main()
