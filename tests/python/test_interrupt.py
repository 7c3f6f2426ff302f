"""Ctrl-C during a long fit: KeyboardInterrupt between iterations, and the interpreter goes on."""
import os
import signal
import subprocess
import sys

CHILD = r"""
import logging, sys
import numpy as np
import mpinmf
logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(message)s")
X = np.random.default_rng(0).random((3000, 400))
seen = []
model = mpinmf.NMF(10, solver="mu", max_iter=10**7, tol=0, verbose=2)
logger = logging.getLogger("mpinmf")
class Last(logging.Handler):
    def emit(self, record):
        seen.append(record.args[0])
logger.addHandler(Last())
try:
    model.fit(X)
    print("finished", flush=True)
except KeyboardInterrupt:
    print("interrupted after", seen[-1], flush=True)
# The interpreter is usable: another fit runs to its end.
again = mpinmf.NMF(2, max_iter=5).fit(X[:50, :20])
print("usable", again.n_iter_, flush=True)
"""


def test_ctrl_c_stops_between_iterations():
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "OMP_NUM_THREADS": "1"})
    signalled_after = None
    for line in child.stderr:
        if line.startswith("iteration "):
            signalled_after = int(line.split()[1])
            if signalled_after >= 3:
                child.send_signal(signal.SIGINT)
                break
    stdout, stderr = child.communicate(timeout=120)
    assert child.returncode == 0, stdout + stderr
    lines = stdout.splitlines()
    assert lines[0].startswith("interrupted after"), stdout
    stopped_at = int(lines[0].split()[-1])
    # The signal came while the iteration after the one reported ran (the Frobenius loop
    # reports an iteration one step late: its gradient rides with the next sums), so the
    # loop ends at most two iterations past the reported one.
    assert signalled_after <= stopped_at <= signalled_after + 2, (signalled_after, stdout)
    assert lines[1] == "usable 5", stdout
