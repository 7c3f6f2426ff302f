"""What the command-line tests share: running mpinmf under mpirun with every rank's exit
status reported, test matrices, and a test case that works in a scratch folder."""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import h5py
import numpy as np

ARGS = None  # set by main()
TIMEOUT_SECONDS = 60


def write_matrix(path, matrix, dataset="V"):
    with h5py.File(path, "w") as out:
        out[dataset] = matrix


def low_rank(m, n, r, seed=1, zero_fraction=0.0):
    rng = np.random.default_rng(seed)

    def factor(shape):
        values = rng.random(shape)
        values[rng.random(shape) < zero_fraction] = 0.0
        return values

    return factor((m, r)) @ factor((r, n))


class Run:
    """One mpirun of mpinmf; every rank reports its own exit status, unless `as_users_run`
    asks for plain mpirun (which takes the whole job down when one rank dies)."""

    def __init__(self, ranks, arguments, cwd, environment=None, as_users_run=False):
        exported = []
        for name in environment or {}:
            exported += ["-x", name]
        command = [ARGS.mpirun, "-np", str(ranks), "--oversubscribe"] + exported
        if not as_users_run:
            # Each rank runs inside a shell that prints its exit status, so the test sees all
            # of them; mpirun would otherwise kill the other ranks once one exits non-zero,
            # hiding their status.
            wrapper = ('"$0" "$@"; status=$?; echo "rank-exit $OMPI_COMM_WORLD_RANK $status" >&2;'
                       ' exit $status')
            command += ["--mca", "orte_abort_on_non_zero_status", "0", "sh", "-c", wrapper]
        command += [ARGS.mpinmf] + [str(a) for a in arguments]
        started = time.monotonic()
        completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True,
                                   timeout=TIMEOUT_SECONDS, env={**os.environ, **(environment or {})})
        self.seconds = time.monotonic() - started
        self.returncode = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.rank_status = {}
        for line in self.stderr.splitlines():
            if line.startswith("rank-exit "):
                _, rank, status = line.split()
                self.rank_status[int(rank)] = int(status)

    def __str__(self):
        return f"exit {self.returncode}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}"


class MpinmfTestCase(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="mpinmf-cli-")

    def tearDown(self):
        shutil.rmtree(self.folder, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.folder, name)

    def run_mpinmf(self, arguments, ranks=3, environment=None, as_users_run=False):
        return Run(ranks, arguments, self.folder, environment, as_users_run)

    def assert_fails_everywhere(self, arguments, expected_message, ranks=3, status=1,
                                environment=None):
        run = self.run_mpinmf(arguments, ranks, environment)
        self.assertEqual(sorted(run.rank_status), list(range(ranks)), run)
        for rank, code in run.rank_status.items():
            self.assertEqual(code, status, f"rank {rank}\n{run}")
        self.assertIn(expected_message, run.stderr, run)
        self.assertEqual(run.stderr.count("mpinmf: "), 1, f"the message must appear once\n{run}")
        self.assertEqual([name for name in os.listdir(self.folder) if name.startswith("out")], [],
                         "no output file may be left behind")
        return run



def main():
    """Runs the calling module's tests with the paths CTest passes."""
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--mpinmf", required=True)
    parser.add_argument("--mpirun", required=True)
    parser.add_argument("--data", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(module="__main__", argv=[sys.argv[0]] + rest, verbosity=2)
