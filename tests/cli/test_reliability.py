#!/usr/bin/python3
"""Nothing lost, nothing hangs: checkpoints and resume after SIGKILL, stop signals, a crash
while a checkpoint is written, and failures injected on one rank (MPINMF_FAULT), each
checked on every rank through the real program under mpirun."""
import os
import signal
import subprocess
import time

import h5py
import numpy as np

import support
from support import TIMEOUT_SECONDS, low_rank, write_matrix

EXIT_INTERRUPTED = 75  # documented in docs/options.md and --help


class ReliabilityTest(support.MpinmfTestCase):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(3)
        write_matrix(self.path("v.h5"), low_rank(60, 40, 4, seed=2) + 0.01 * rng.random((60, 40)))

    def factorize(self, output, rule, extra=(), ranks=3, environment=None, iterations=40):
        # Plain mpirun, as users run it: when a rank is killed, mpirun ends the job.
        return self.run_mpinmf(["-i", "v.h5", "-k", 4, "-a", rule, "-o", output,
                                "--max-iter", iterations, "--tol", 0, "--seed", 9,
                                "--print-every", 0] + list(extra), ranks, environment,
                               as_users_run=True)

    def factors(self, name):
        with h5py.File(self.path(name), "r") as result:
            return result["W"][()], result["H"][()], result["history"][()]

    def checkpoint_iteration(self, name):
        with h5py.File(self.path(name), "r") as checkpoint:
            return int(checkpoint.attrs["checkpoint_iteration"])

    def assert_bit_identical(self, first, second, context):
        W1, H1, history1 = self.factors(first)
        W2, H2, history2 = self.factors(second)
        self.assertTrue(np.array_equal(W1, W2), f"{context}: W differs")
        self.assertTrue(np.array_equal(H1, H2), f"{context}: H differs")
        # Iteration, relative error, objective and projected gradient; not the clock.
        np.testing.assert_array_equal(history1[:, [0, 2, 3, 4]], history2[:, [0, 2, 3, 4]],
                                      err_msg=context)

    def test_a_run_killed_mid_iteration_resumes_bit_identically(self):
        for rule in ["mu", "hals", "kl"]:
            reference = self.factorize(f"reference-{rule}.h5", rule)
            self.assertEqual(reference.returncode, 0, reference)

            # Rank 1 dies between the H and the W update of iteration 23, as a node would.
            killed = self.factorize(f"out-{rule}.h5", rule, ["--checkpoint", f"ck-{rule}.h5",
                                                             "--checkpoint-every", 5],
                                    environment={"MPINMF_FAULT": "kill@1:23"})
            self.assertNotEqual(killed.returncode, 0, killed)
            self.assertFalse(os.path.exists(self.path(f"out-{rule}.h5")))
            self.assertEqual(self.checkpoint_iteration(f"ck-{rule}.h5"), 20)

            resumed = self.factorize(f"out-{rule}.h5", rule, ["--checkpoint", f"ck-{rule}.h5",
                                                              "--resume", f"ck-{rule}.h5"])
            self.assertEqual(resumed.returncode, 0, resumed)
            self.assertIn(f"resuming from ck-{rule}.h5 at iteration 20", resumed.stdout)
            self.assert_bit_identical(f"reference-{rule}.h5", f"out-{rule}.h5", rule)

            # Another rank count sums in another order: the same result to rounding.
            other = self.factorize(f"other-{rule}.h5", rule, ["--checkpoint", f"ck-{rule}.h5",
                                                              "--resume", f"ck-{rule}.h5"],
                                   ranks=2)
            self.assertEqual(other.returncode, 0, other)
            for mine, theirs in zip(self.factors(f"reference-{rule}.h5")[:2],
                                    self.factors(f"other-{rule}.h5")[:2]):
                self.assertLess(np.linalg.norm(mine - theirs) / np.linalg.norm(mine), 1e-10)

    def test_sigusr1_checkpoints_and_exits_75_and_the_job_resumes_to_the_same_result(self):
        # Plain mpirun, no per-rank wrapper: mpirun forwards SIGUSR1 to the ranks, and its
        # own exit status is the ranks' status.
        command = [support.ARGS.mpirun, "-np", "3", "--oversubscribe", support.ARGS.mpinmf,
                   "-i", "v.h5", "-k", 4, "-o", "out.h5", "--max-iter", 10_000_000, "--tol", 0,
                   "--seed", 9, "--print-every", 0, "--checkpoint-every", 500]
        job = subprocess.Popen([str(word) for word in command], cwd=self.folder,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while not os.path.exists(self.path("out.checkpoint.h5")) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertTrue(os.path.exists(self.path("out.checkpoint.h5")), "no periodic checkpoint")
        signalled = time.monotonic()
        job.send_signal(signal.SIGUSR1)
        stdout, stderr = job.communicate(timeout=TIMEOUT_SECONDS)
        stopped_after = time.monotonic() - signalled
        self.assertEqual(job.returncode, EXIT_INTERRUPTED, stdout + stderr)
        self.assertLess(stopped_after, 10.0)
        self.assertEqual(stderr.count("stopped by SIGUSR1"), 1, stderr)
        self.assertIn("--resume out.checkpoint.h5", stderr)
        self.assertFalse(os.path.exists(self.path("out.h5")))
        stopped_at = self.checkpoint_iteration("out.checkpoint.h5")
        self.assertNotEqual(stopped_at % 500, 0, "the stop wrote its own checkpoint")

        # Finish the job a few iterations on, and compare with a run never interrupted.
        finish = stopped_at + 25
        resumed = self.factorize("out.h5", "mu", ["--resume", "out.checkpoint.h5"],
                                 iterations=finish)
        self.assertEqual(resumed.returncode, 0, resumed)
        reference = self.factorize("reference.h5", "mu", iterations=finish)
        self.assertEqual(reference.returncode, 0, reference)
        self.assert_bit_identical("reference.h5", "out.h5", "after SIGUSR1")

    def test_a_crash_while_writing_a_checkpoint_leaves_the_previous_one_intact(self):
        crashed = self.factorize("out.h5", "pgd", ["--checkpoint-every", 5],
                                 environment={"MPINMF_FAULT": "checkpoint-crash@2:10"})
        self.assertNotEqual(crashed.returncode, 0, crashed)
        self.assertEqual(self.checkpoint_iteration("out.checkpoint.h5"), 5)
        resumed = self.factorize("out.h5", "pgd", ["--resume", "out.checkpoint.h5"])
        self.assertEqual(resumed.returncode, 0, resumed)
        reference = self.factorize("reference.h5", "pgd")
        self.assert_bit_identical("reference.h5", "out.h5", "after a crash mid-checkpoint")

    def test_a_failure_on_rank_2_of_4_stops_every_rank_with_one_message_naming_it(self):
        for fault, cause in [("read@2", "cannot read rows"),
                             ("alloc@2", "out of memory allocating rows"),
                             ("nan@2:7", "W holds NaN at this rank's row 0, column 0 after "
                                         "iteration 7"),
                             ("write@2", "out.h5: cannot write dataset /W")]:
            run = self.assert_fails_everywhere(
                ["-i", "v.h5", "-k", 4, "-o", "out.h5", "--max-iter", 30],
                cause, ranks=4, environment={"MPINMF_FAULT": fault})
            self.assertIn("(seen by rank 2)", run.stderr, f"{fault}\n{run}")
            self.assertLess(run.seconds, 10.0, fault)
            self.assertFalse(os.path.exists(self.path("out.h5.partial")), fault)

    def test_a_checkpoint_of_another_run_is_refused_with_what_differs(self):
        made = self.factorize("first.h5", "mu", ["--checkpoint-every", 10], iterations=10)
        self.assertEqual(made.returncode, 0, made)
        self.assert_fails_everywhere(
            ["-i", "v.h5", "-k", 3, "-o", "out.h5", "--resume", "first.checkpoint.h5"],
            "first.checkpoint.h5 is a checkpoint of a different run: its k is 4, this run's is 3")
        self.assert_fails_everywhere(
            ["-i", "v.h5", "-k", 4, "-a", "hals", "-o", "out.h5", "--resume",
             "first.checkpoint.h5"],
            "its algorithm is mu, this run's is hals")
        write_matrix(self.path("other.h5"), low_rank(60, 40, 4, seed=5))
        self.assert_fails_everywhere(
            ["-i", "other.h5", "-k", 4, "-o", "out.h5", "--resume", "first.checkpoint.h5"],
            "is a checkpoint of a different input matrix")

    def test_an_existing_checkpoint_is_not_overwritten_by_a_fresh_run(self):
        made = self.factorize("first.h5", "mu", ["--checkpoint", "keep.h5",
                                                 "--checkpoint-every", 10], iterations=10)
        self.assertEqual(made.returncode, 0, made)
        self.assert_fails_everywhere(
            ["-i", "v.h5", "-k", 4, "-o", "out.h5", "--checkpoint", "keep.h5"],
            "keep.h5: a checkpoint is there: pass --resume keep.h5 to continue from it")


if __name__ == "__main__":
    support.main()
