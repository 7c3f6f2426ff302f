#!/usr/bin/python3
"""The slurm/ batch scripts run for real: a one-node Slurm on this machine
(scripts/slurm-local/start.sh, once for this file, stopped at the end even when a test fails),
jobs submitted with sbatch and followed with scontrol, their outputs checked. Slurm must come up:
when it does not, every test here fails with the daemons' logs; none is skipped."""
import hashlib
import os
import re
import subprocess
import time
import unittest

import h5py
import numpy as np

import support
from support import low_rank, write_matrix

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SLURM_LOCAL = os.path.join(ROOT, "scripts", "slurm-local")
FACTORIZE = os.path.join(ROOT, "slurm", "factorize.sbatch")
LONG_RUN = os.path.join(ROOT, "slurm", "long-run.sbatch")
SURVEY = os.path.join(ROOT, "slurm", "survey.sbatch")
JOB_SECONDS = 120
# The machines this runs on have 2 cores or fewer: 2 ranks, and --overcommit so that a job takes
# one CPU (two jobs run side by side) and 2 ranks fit on one core.
SMALL_JOB = ["--nodes=1", "--ntasks-per-node=2", "--overcommit", "--mem-per-cpu=500M",
             "--time=10"]
ENVIRONMENT = {}  # set by setUpModule: where the Slurm commands find this Slurm
DONE = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY",
        "BOOT_FAIL", "DEADLINE", "PREEMPTED"}


def slurm_local(script, environment):
    return subprocess.run(["bash", os.path.join(SLURM_LOCAL, script)], env=environment,
                          capture_output=True, text=True, timeout=90)


def setUpModule():
    # A state folder of its own per build, so a test run leaves the user's local Slurm alone, and
    # the next run stops whatever a killed one left behind.
    digest = hashlib.md5(os.path.abspath(support.ARGS.mpinmf).encode()).hexdigest()[:8]
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith("SLURM_")}
    environment["MPINMF_SLURM_DIR"] = f"/tmp/mpinmf-slurm-test-{digest}"
    unittest.addModuleCleanup(stop_slurm, environment)
    slurm_local("stop.sh", environment)
    started = slurm_local("start.sh", environment)
    found = re.search(r"^export SLURM_CONF=(\S+)$", started.stdout, re.MULTILINE)
    if started.returncode != 0 or not found:
        raise RuntimeError(f"the local Slurm did not start (exit {started.returncode}):\n"
                           f"{started.stdout}{started.stderr}")
    print(started.stderr.strip())
    ENVIRONMENT.update(environment, SLURM_CONF=found.group(1),
                       MPINMF=os.path.abspath(support.ARGS.mpinmf))


def stop_slurm(environment):
    stopped = slurm_local("stop.sh", environment)
    print(stopped.stderr.strip())
    if stopped.returncode != 0:
        raise RuntimeError(f"stop.sh failed (exit {stopped.returncode}):\n{stopped.stderr}")


class Job:
    """One sbatch submission, followed through `scontrol show job` (sbatch --wait polls slowly;
    there is no accounting, so no sacct)."""

    def __init__(self, script, arguments, folder, environment=None):
        self.log_path = os.path.join(folder, "job-%j.out")
        submitted = subprocess.run(
            ["sbatch", "--parsable", f"--chdir={folder}", f"--output={self.log_path}"]
            + SMALL_JOB + [script] + [str(a) for a in arguments],
            env={**ENVIRONMENT, **(environment or {})}, capture_output=True, text=True,
            timeout=30)
        if submitted.returncode != 0:
            raise AssertionError(f"sbatch failed: {submitted.stdout}{submitted.stderr}")
        self.id = submitted.stdout.strip().split(";")[0]
        self.log_path = self.log_path.replace("%j", self.id)

    def fields(self):
        shown = subprocess.run(["scontrol", "-o", "show", "job", self.id], env=ENVIRONMENT,
                               capture_output=True, text=True, timeout=30)
        return dict(re.findall(r"(\w+)=(\S*)", shown.stdout)) if shown.returncode == 0 else {}

    def wait(self, until=lambda fields: fields.get("JobState") in DONE):
        deadline = time.monotonic() + JOB_SECONDS
        while time.monotonic() < deadline:
            fields = self.fields()
            if until(fields):
                return fields
            time.sleep(0.2)
        raise AssertionError(f"job {self.id}: still {self.fields().get('JobState')} after "
                             f"{JOB_SECONDS} s\n{self.log()}")

    def log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as log:
                return log.read()
        except FileNotFoundError:
            return "(no job log)"

    def __str__(self):
        fields = self.fields()
        shown = " ".join(f"{name}={fields.get(name)}" for name in
                         ["JobState", "Reason", "ExitCode", "Restarts", "RunTime", "NodeList"])
        return f"job {self.id}: {shown}\nits log:\n{self.log()}"


class SlurmTest(support.MpinmfTestCase):
    def setUp(self):
        super().setUp()
        os.chmod(self.folder, 0o755)  # the jobs run as the submitting user, maybe not its owner

    def assert_completed(self, job):
        fields = job.wait()
        self.assertEqual((fields.get("JobState"), fields.get("ExitCode")), ("COMPLETED", "0:0"),
                         job)
        return fields

    def factors(self, name):
        with h5py.File(self.path(name), "r") as result:
            return (result["W"][()], result["H"][()], result["history"][()],
                    dict(result.attrs))

    def test_starting_again_or_stopping_what_is_not_running_succeeds(self):
        again = slurm_local("start.sh", ENVIRONMENT)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("already running", again.stderr)
        self.assertIn(f"export SLURM_CONF={ENVIRONMENT['SLURM_CONF']}", again.stdout)
        nothing = slurm_local("stop.sh", {**ENVIRONMENT, "MPINMF_SLURM_DIR": self.path("none")})
        self.assertEqual(nothing.returncode, 0, nothing.stderr)
        self.assertIn("not running", nothing.stderr)

    def test_factorize_with_srun_and_with_mpirun(self):
        write_matrix(self.path("v.h5"), low_rank(300, 80, 5, seed=4) + 0.01)
        # The script's own options (mu, at most 1000 iterations) under srun --mpi=pmix; options
        # of the submitter's under mpirun. Both jobs run side by side.
        srun = Job(FACTORIZE, ["v.h5", 5, "srun.h5"], self.folder)
        mpirun = Job(FACTORIZE, ["v.h5", 5, "mpirun.h5", "-a", "hals", "--max-iter", 150,
                                 "--tol", 0], self.folder, {"MPINMF_LAUNCHER": "mpirun"})
        for job, name, algorithm in [(srun, "srun.h5", "mu"), (mpirun, "mpirun.h5", "hals")]:
            self.assert_completed(job)
            self.assertEqual(job.log().count("mpinmf summary"), 1, job)
            W, H, _, attributes = self.factors(name)
            self.assertEqual((W.shape, H.shape), ((300, 5), (5, 80)), name)
            self.assertEqual(attributes["ranks"], 2, f"{name}: one MPI world, not two\n{job}")
            self.assertEqual(attributes["algorithm"], algorithm)
            self.assertLess(attributes["relative_error"], 0.02, name)
        self.assertEqual(self.factors("mpirun.h5")[3]["iterations"], 150)

        wrong = Job(FACTORIZE, ["v.h5", 5, "wrong.h5"], self.folder,
                    {"MPINMF_LAUNCHER": "ssh"})
        self.assertEqual(wrong.wait().get("JobState"), "FAILED", wrong)
        self.assertIn("MPINMF_LAUNCHER must be srun or mpirun, not 'ssh'", wrong.log())

    def test_survey_in_groups_gives_the_table_of_a_survey_run_directly(self):
        run = support.Run(2, ["generate", "--rows", 200, "--columns", 90, "--rank", 3,
                              "--noise", 0.2, "-o", "planted.h5"], self.folder)
        self.assertEqual(run.rank_status, {0: 0, 1: 0}, run)
        options = ["--restarts", 6, "--group-size", 1, "--seed", 4]
        job = Job(SURVEY, ["planted.h5", "2:5", "survey.h5"] + options, self.folder)
        direct = support.Run(1, ["survey", "-i", "planted.h5", "--ranks", "2:5", "-o",
                                 "direct.h5"] + options, self.folder)
        self.assertEqual(direct.rank_status, {0: 0}, direct)
        self.assert_completed(job)
        self.assertIn("suggested k = 3", job.log(), job)
        with h5py.File(self.path("survey.h5"), "r") as batch, \
                h5py.File(self.path("direct.h5"), "r") as alone:
            self.assertEqual((batch.attrs["ranks"], batch.attrs["group_size"]), (2, 1))
            self.assertEqual(batch.attrs["suggested_k"], 3)
            for column in ["k", "best_objective", "cophenetic", "dispersion", "silhouette"]:
                np.testing.assert_allclose(batch["survey"][column][()], alone["survey"][column][()],
                                           rtol=1e-8, err_msg=column)
        self.assertTrue(os.path.exists(self.path("survey.tsv")))

    def test_long_run_stopped_by_its_signal_requeues_and_ends_as_a_run_never_stopped(self):
        rng = np.random.default_rng(7)
        write_matrix(self.path("v.h5"), low_rank(2000, 300, 8, seed=6)
                     + 0.01 * rng.random((2000, 300)))
        iterations = 1000
        run = ["v.h5", 8, "out.h5", "--max-iter", iterations, "--tol", 0, "--seed", 9,
               "--print-every", 0]
        every = {"CHECKPOINT_EVERY": "50"}
        stopped = Job(LONG_RUN, run, self.folder, every)

        # What the script's `#SBATCH --signal=[B:]SIG@SECONDS` makes Slurm do before the time
        # limit, done now (waiting for the limit would take minutes): SIG to the job's tasks,
        # or with B: to the batch shell only; once the first periodic checkpoint shows that
        # the run is under way.
        with open(LONG_RUN, encoding="utf-8") as script:
            directive = re.search(r"^#SBATCH --signal=(B:)?(\w+)@\d+", script.read(), re.MULTILINE)
        self.assertIsNotNone(directive, "long-run.sbatch asks for no signal before its limit")
        batch_only = ["--batch"] if directive.group(1) else []
        deadline = time.monotonic() + JOB_SECONDS
        while not os.path.exists(self.path("out.checkpoint.h5")):
            self.assertNotIn(stopped.fields().get("JobState"), DONE,
                             f"the job ended before its first checkpoint\n{stopped}")
            self.assertLess(time.monotonic(), deadline, stopped)
            time.sleep(0.05)
        signalled = subprocess.run(["scancel", f"--signal={directive.group(2)}"] + batch_only
                                   + [stopped.id], env=ENVIRONMENT, capture_output=True,
                                   text=True, timeout=30)
        self.assertEqual(signalled.returncode, 0, signalled.stderr)

        # The uninterrupted run, while the requeued job waits to start again.
        stopped.wait(lambda fields: fields.get("Restarts", "0") != "0"
                     or fields.get("JobState") in DONE)
        reference = Job(LONG_RUN, ["v.h5", 8, "reference.h5"] + run[3:], self.folder, every)

        fields = self.assert_completed(stopped)
        self.assertEqual(fields.get("Restarts"), "1", stopped)
        log = stopped.log()
        for text in ["mpinmf: stopped by SIGUSR1 after iteration",
                     f"stopped with a checkpoint; requeueing job {stopped.id}",
                     "restart 1: resuming from out.checkpoint.h5"]:
            self.assertEqual(log.count(text), 1, f"{text!r} once\n{stopped}")
        resumed_at = int(re.search(r"resuming from out.checkpoint.h5 at iteration (\d+)",
                                   log).group(1))
        self.assertTrue(0 < resumed_at < iterations, stopped)

        fields = self.assert_completed(reference)
        self.assertEqual(fields.get("Restarts"), "0", reference)
        self.assertNotIn("stopped", reference.log(), reference)

        W1, H1, history1, attributes = self.factors("out.h5")
        W2, H2, history2, _ = self.factors("reference.h5")
        self.assertEqual((W1.shape, H1.shape, attributes["ranks"]), ((2000, 8), (8, 300), 2))
        self.assertEqual(attributes["iterations"], iterations)
        self.assertTrue(np.array_equal(W1, W2), "W differs from the run never stopped")
        self.assertTrue(np.array_equal(H1, H2), "H differs from the run never stopped")
        # Iteration, relative error, objective and projected gradient; not the clock.
        np.testing.assert_array_equal(history1[:, [0, 2, 3, 4]], history2[:, [0, 2, 3, 4]])


if __name__ == "__main__":
    support.main()
