"""What the benchmark scripts share: where the build is, running mpinmf and the bench tools
under mpirun, and a description of the machine."""
import json
import os
import platform
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("MPINMF_BUILD", os.path.join(ROOT, "build"))
MPINMF = os.path.join(BUILD, "mpinmf")


def environment():
    env = dict(os.environ)
    if os.geteuid() == 0:
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    return env


def run(command, **kwargs):
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True,
                          env=environment(), **kwargs)
    if done.returncode != 0:
        sys.exit(f"bench: {' '.join(map(str, command))} failed ({done.returncode}):\n"
                 f"{done.stdout}{done.stderr}")
    return done.stdout


def mpirun(ranks, arguments):
    # One rank with two threads must not be bound to a single core.
    binding = ["--bind-to", "none"] if ranks == 1 else []
    return run(["mpirun", "-np", ranks, "--oversubscribe"] + binding + arguments)


def machine():
    model = "unknown CPU"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {"cpu": model, "cores": os.cpu_count(), "system": platform.platform(),
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "load_average": open("/proc/loadavg").read().split()[:3],
            "date": time.strftime("%Y-%m-%d %H:%M %Z")}


def make_problem(folder, name, rows, columns, density, k):
    path = os.path.join(folder, name.split()[0] + ".h5")
    if not os.path.exists(path):
        mpirun(2, [MPINMF, "generate", "--rows", rows, "--columns", columns, "--rank", 20,
                   "--density", density, "--noise", 0.1, "--seed", 3, "--output", path])
    return path


def bound(ranks, threads, rows, columns, density, k, precision="double", kind="pair"):
    """Seconds of the products one iteration is bound by, measured now: the two that read V
    (kind "pair", the Frobenius rules) or the Kullback–Leibler rule's four and its element-wise
    pass (kind "kl"); mpinmf_spmm_pair for sparse V, mpinmf_gemm_pair for dense."""
    if density < 1.0:
        out = mpirun(ranks, [os.path.join(BUILD, "mpinmf_spmm_pair"), rows, columns, density, k,
                             5, threads, kind])
        key = "spmm_pair_seconds"
    else:
        out = mpirun(ranks, [os.path.join(BUILD, "mpinmf_gemm_pair"), rows, columns, k, 5,
                             threads, precision, kind])
        key = "gemm_pair_seconds"
    if kind == "kl":
        key = "kl_bound_seconds"
    words = out.split()
    return float(words[words.index(key) + 1])


def mpinmf_run(folder, path, ranks, threads, rule, k, iterations, extra=()):
    summary = os.path.join(folder, "summary.json")
    mpirun(ranks, [MPINMF, "--input", path, "--rank", k, "--algorithm", rule, "--output",
                   os.path.join(folder, "out.h5"), "--overwrite", "--max-iter", iterations,
                   "--tol", 0, "--threads", threads, "--print-every", 0, "--summary-json",
                   summary, "--seed", 5] + list(extra))
    with open(summary) as f:
        return json.load(f)


def wait_for_quiet(load_limit, most_seconds, poll_seconds=15):
    """Waits until the 1-minute load average is below load_limit or most_seconds have passed;
    returns the load average then. Timings on a machine shared with other work measure it too."""
    deadline = time.monotonic() + most_seconds
    while True:
        load = float(open("/proc/loadavg").read().split()[0])
        if load < load_limit or time.monotonic() >= deadline:
            return load
        time.sleep(poll_seconds)
