"""The distributed fit under mpirun equals the one-process fit, for dense and CSR rows."""
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.mark.parametrize("ranks", [1, 2, 3, 4])
def test_distributed_fit_equals_one_process(mpirun, ranks):
    command = [mpirun, "-np", str(ranks), "--oversubscribe", sys.executable,
               os.path.join(HERE, "distributed_fit.py")]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.count("max difference") == 6, completed.stdout
