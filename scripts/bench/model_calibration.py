"""The scaling model's figures for this machine, and its check against what this machine can run.

Measured, one core per rank (mpinmf --threads 1):
  - the GEMM rate: mpinmf_gemm_pair (V Hᵀ + Wᵀ V) on as many ranks as cores, every core busy as
    on a cluster node (and on 1 rank, for the next step);
  - the rules' work per row and per column: mpinmf on 1 rank on a tall (m = 10 n) and a wide
    (n = 10 m) matrix of the same size; what an iteration costs beyond its product pair and
    H Hᵀ is a·m + b·n, two equations for a and b, scaled by how much slower the pair is with
    every core busy;
  - the shared-memory network: mpinmf_comm_probe on 2 ranks, α and β fitted to its ping-pong
    times from 8 bytes to 8 MB.
Then mpinmf runs on 2 and 4 ranks and each measurement is set against the model's prediction
for it, in the same run.

This machine may be shared: other people's builds and benchmarks take cores away at random.
Each figure is the fastest of a few runs, and each run measures what the rest of the machine took
meanwhile: all CPUs' busy time (/proc/stat, the host's steal included) less our own processes'
CPU time, over the wall time. Calibration times are scaled to whole cores, and each check
predicts its run for the cores that were left to it (P ranks on c cores: compute takes P / c
as long; 4 ranks on 2 free cores, twice), and prints the prediction for all cores free beside.
"""
import os
import resource
import time

import numpy as np

import scaling_model
from benchlib import BUILD, bound, make_problem, mpinmf_run, mpirun

LOCAL_ROWS, LOCAL_COLUMNS = 20000, 2000  # the tall check matrix; the wide one is its transpose
CHECKED_RANKS = (2, 4)
TOLERANCE = 0.25  # the acceptance: predictions within 25% of the measurements


def probe(ranks, k, columns):
    """{'pingpong': [(bytes, seconds)], collective name: (bytes, seconds)}."""
    out = mpirun(ranks, [os.path.join(BUILD, "mpinmf_comm_probe"), k, columns])
    result = {"pingpong": []}
    for line in out.splitlines():
        name, size, seconds = line.split()
        if name == "pingpong":
            result["pingpong"].append((float(size), float(seconds)))
        else:
            result[name] = (float(size), float(seconds))
    return result


def shared_memory_network(pingpong):
    """α and β fitted to t = α + β·bytes in relative error, so that the 8-byte messages weigh
    as much as the 8 MB ones (a plain fit would leave α to the noise of the largest)."""
    sizes = np.array([size for size, _ in pingpong])
    seconds = np.array([t for _, t in pingpong])
    (latency, per_byte), *_ = np.linalg.lstsq(
        np.column_stack([1.0 / seconds, sizes / seconds]), np.ones_like(seconds), rcond=None)
    return scaling_model.Network(max(latency, 0.0), per_byte)


def busy_cpu_seconds():
    """Seconds all CPUs spent on anything but idling since boot (/proc/stat)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(value) for value in open("/proc/stat").readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def our_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def with_cores_left(step):
    """(step's result, the cores the rest of the machine left free while step ran)."""
    busy, ours, start = busy_cpu_seconds(), our_cpu_seconds(), time.perf_counter()
    result = step()
    wall = time.perf_counter() - start
    others = (busy_cpu_seconds() - busy) - (our_cpu_seconds() - ours)
    return result, min(float(os.cpu_count()), max(0.0, os.cpu_count() - others / wall))


def fastest(repeats, step):
    """(seconds, cores left) of the fastest of `repeats` calls of step, which returns seconds."""
    return min((with_cores_left(step) for _ in range(repeats)), key=lambda run: run[0])


def pair_seconds(ranks, rows, columns, k, repeats):
    """mpinmf_gemm_pair's seconds, one thread per rank, on whole cores."""
    seconds, left = fastest(repeats, lambda: bound(ranks, 1, rows, columns, 1.0, k))
    return seconds * min(ranks, left) / ranks


def calibrate(folder, rule, k, iterations, repeats, log=print):
    """This machine's figures: a dict that model's --from-json can read back."""
    m, n, cores = LOCAL_ROWS, LOCAL_COLUMNS, os.cpu_count()
    tall = make_problem(folder, "tall", m, n, 1.0, k)
    wide = make_problem(folder, "wide", n, m, 1.0, k)
    pair_tall = pair_seconds(1, m, n, k, repeats)
    pair_wide = pair_seconds(1, n, m, k, repeats)
    alone_rate = 4.0 * m * n * k / pair_tall
    # With every core busy a core is slower than alone (shared caches and memory bandwidth):
    # the rate a cluster node running one rank per core sees. The rules are assumed to slow
    # down by the same factor as the products.
    gemm_rate = 4.0 * (m / cores) * n * k / pair_seconds(cores, m, n, k, repeats)
    busy_slowdown = alone_rate / gemm_rate

    def one_rank_iteration(path):
        seconds, left = fastest(repeats, lambda: mpinmf_run(
            folder, path, 1, 1, rule, k, iterations)["seconds_per_iteration"])
        return seconds * min(1.0, left)

    iteration_tall = one_rank_iteration(tall)
    iteration_wide = one_rank_iteration(wide)
    # Beyond the pair and H Hᵀ (2 n k² flops): a per row + b per column, the shapes swapped.
    rest_tall = iteration_tall - pair_tall - 2.0 * n * k * k / alone_rate
    rest_wide = iteration_wide - pair_wide - 2.0 * m * k * k / alone_rate
    determinant = m * m - n * n
    per_row = max(0.0, (rest_tall * m - rest_wide * n) / determinant) * busy_slowdown
    per_column = max(0.0, (rest_wide * m - rest_tall * n) / determinant) * busy_slowdown
    measured = probe(2, k, n)
    network = shared_memory_network(measured["pingpong"])
    log(f"model: GEMM pair on {m} × {n}, k = {k}: {pair_tall:.4f} s on one core alone "
        f"({alone_rate / 1e9:.1f} GFLOP/s), {gemm_rate / 1e9:.1f} GFLOP/s per core with all "
        f"{cores} busy; {rule} on one rank {iteration_tall:.4f} s/iteration, {iteration_wide:.4f}"
        f" on {n} × {m}; rules {per_row * 1e6:.2f} µs per row, {per_column * 1e6:.2f} µs per "
        f"column (all cores busy); shared memory α {network.latency * 1e6:.2f} µs, "
        f"{1e-9 / network.seconds_per_byte:.1f} GB/s", flush=True)
    return {"rule": rule, "k": k, "gemm_flops_per_core": gemm_rate,
            "seconds_per_row": per_row, "seconds_per_column": per_column,
            "latency": network.latency, "seconds_per_byte": network.seconds_per_byte,
            "cores": cores, "pingpong": measured["pingpong"],
            "probe_2_ranks": {name: measured[name] for name in measured if name != "pingpong"},
            "calibration_runs": {"pair_tall_alone": pair_tall, "pair_wide_alone": pair_wide,
                                 "iteration_tall": iteration_tall,
                                 "iteration_wide": iteration_wide}}


ONE_NODE = 10**9  # cores per node that no rank count here reaches: all ranks share memory


def local_machine(figures):
    shared = scaling_model.Network(figures["latency"], figures["seconds_per_byte"])
    return scaling_model.Machine(figures["gemm_flops_per_core"], figures["seconds_per_row"],
                                 figures["seconds_per_column"], shared, shared, ONE_NODE)


def check(folder, figures, iterations, repeats, log=print):
    """The model against mpinmf on 2 and 4 ranks here: one dict per rank count."""
    m, n, k, rule = LOCAL_ROWS, LOCAL_COLUMNS, figures["k"], figures["rule"]
    machine = local_machine(figures)
    tall = make_problem(folder, "tall", m, n, 1.0, k)
    results = []
    for ranks in CHECKED_RANKS:
        summaries = []

        def run():
            summaries.append(mpinmf_run(folder, tall, ranks, 1, rule, k, iterations))
            return summaries[-1]["seconds_per_iteration"]

        load = float(open("/proc/loadavg").read().split()[0])
        measured, left = fastest(repeats, run)
        predicted = scaling_model.iteration_cost(machine, m, n, k, ranks, 1, cores=left)
        free = scaling_model.iteration_cost(machine, m, n, k, ranks, 1, cores=figures["cores"])
        ratio = measured / predicted.seconds
        results.append({"ranks": ranks, "shape": f"{m} × {n}", "k": k, "rule": rule,
                        "load_average": load, "cores_left": left,
                        "predicted_seconds": predicted.seconds, "measured_seconds": measured,
                        "ratio": ratio, "status": "PASS" if abs(ratio - 1) <= TOLERANCE else "MISS",
                        "predicted_free_seconds": free.seconds,
                        "predicted_counted_bytes": scaling_model.engine_counted_bytes(
                            n, k, summaries[-1]["iterations"]),
                        "measured_counted_bytes": summaries[-1]["communicated_bytes_per_iteration"],
                        "predicted_wire_bytes": predicted.bytes_sent})
        log(format_check(results[-1]), flush=True)
    return results


def format_check(r):
    return (f"model check: {r['ranks']} ranks, {r['shape']}, k = {r['k']}, {r['rule']}: predicted "
            f"{r['predicted_seconds']:.4f} s/iteration on the {r['cores_left']:.2f} cores left "
            f"free, measured {r['measured_seconds']:.4f}, measured/predicted {r['ratio']:.2f} "
            f"(within {TOLERANCE:.0%}: {r['status']}); on all {os.cpu_count()} cores free "
            f"predicted {r['predicted_free_seconds']:.4f}; bytes counted per rank "
            f"{r['measured_counted_bytes'] / 1e6:.3f} MB, model "
            f"{r['predicted_counted_bytes'] / 1e6:.3f} MB; load average {r['load_average']:.1f}")
