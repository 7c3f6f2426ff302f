#!/usr/bin/python3
"""Golden outputs: a fixed set of commands (generate, the main command with every rule on dense
and sparse V on 1 and 3 ranks, penalties, SVD starts, single precision, a checkpoint and its
resume, survey, project, convert) gives the results recorded in tests/golden/goldens.h5 by the
program as it was before its sources were moved into layer folders. Such a restructuring must
not change any result, so every dataset and attribute of every output is compared, numbers
bit for bit where the same kernels run as when the goldens were recorded (the same kind of
target_clones, AVX-512 or not, and the same OpenBLAS build and core), within 1e-9 of each
array's largest magnitude where they do not (sums in another order; 1e-3 for float runs).

A deliberate change of results is listed in DELIBERATE_CHANGES with its reason; re-recording
(which also checks that two runs agree bit for bit) replaces the goldens:
  python3 tests/cli/test_golden.py --mpinmf build/mpinmf --mpirun mpirun --data tests/data \\
          --record tests/golden/goldens.h5"""
import argparse
import ctypes
import os
import re
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

import support

RECORD = None  # --record PATH: write the goldens there instead of comparing with them

# Not compared (names ending so): history/seconds, the wall-clock time of each iteration, the
# one thing that differed when every command was run twice; @version, the program's version,
# which a release changes. Not read: the closing summary on stdout (times, peak memory, bytes
# moved per rank) and survey's .tsv (the /survey table, rounded).
EXCLUDED = ["history/seconds", "@version"]

# (command label, dataset) -> (tolerance relative to the golden's largest magnitude, reason):
# floating-point results changed on purpose since the goldens were recorded (integers, such as
# iteration counts, must be recorded again). Empty: none have.
DELIBERATE_CHANGES = {}

# Where other kernels run than when the goldens were recorded (kernels()), sums are taken in
# another order: results must agree to this share of each array's largest magnitude, and to
# OTHER_CPU_SINGLE for runs whose loop works in float; integers and strings exactly. Measured
# with OpenBLAS's Prescott (SSE3) core in place of SkylakeX: at most 5e-13 in double, 3e-5 in
# float.
OTHER_CPU_TOLERANCE = 1e-9
OTHER_CPU_SINGLE = 1e-3

# Pairs of commands that must give the same results bit for bit on any CPU: a run resumed
# from its checkpoint on the same number of ranks, and the uninterrupted run.
SAME_RESULTS = [("mu-dense-np3-resumed", "mu-dense-np3")]

DENSE, SPARSE = "generate-dense.h5", "generate-sparse.h5"
# --tol 0: exactly --max-iter iterations; --threads 1: the thread count changes the sums' order.
FIXED = ["--tol", 0, "--seed", 5, "--threads", 1, "--print-every", 0]
SURVEY = ["--ranks", "2:3", "--restarts", 3, "--max-iter", 30, "--tol", 0, "--seed", 5,
          "--threads", 1]


def shown(ranks, arguments):
    return f"mpirun -np {ranks} mpinmf " + " ".join(map(str, arguments))


def command(label, ranks, *arguments, also=()):
    """One command of the table: it writes LABEL.h5, compared with the goldens as are the
    other files named in `also`."""
    return label, ranks, list(arguments) + ["-o", f"{label}.h5"], [f"{label}.h5", *also]


def factorize(label, ranks, matrix, rule, *options, iterations=30, also=()):
    return command(label, ranks, "-i", matrix, "-k", 4, "-a", rule, "--max-iter", iterations,
                   *FIXED, *options, also=also)


def generate(label, ranks, rows, columns, seed, *options):
    return command(label, ranks, "generate", "--rows", rows, "--columns", columns, "--rank", 4,
                   "--seed", seed, *options)


COMMANDS = [
    generate("generate-dense", 1, 80, 32, 3),
    generate("generate-sparse", 3, 80, 32, 4, "--density", 0.3),
    generate("generate-new-columns", 2, 80, 10, 6),
    generate("generate-new-rows", 2, 20, 32, 7),
    *[factorize(f"{rule}-{kind}-np{ranks}", ranks, f"generate-{kind}.h5", rule)
      for rule in ["mu", "pgd", "hals", "anls-bpp", "kl"]
      for kind in ["dense", "sparse"] for ranks in [1, 3]],
    factorize("hals-dense-np3-penalty", 3, DENSE, "hals", "--alpha-W", 0.01, "--l1-ratio", 0.5),
    factorize("mu-sparse-np3-penalty", 3, SPARSE, "mu", "--alpha-W", 0.02, "--alpha-H", 0.01,
              "--l1-ratio", 1),
    factorize("anls-bpp-dense-np3-penalty", 3, DENSE, "anls-bpp", "--alpha-W", 0.01),
    factorize("anls-bpp-dense-np3-nndsvd", 3, DENSE, "anls-bpp", "--init", "nndsvd"),
    factorize("mu-sparse-np1-nndsvda", 1, SPARSE, "mu", "--init", "nndsvda"),
    factorize("hals-sparse-np3-nndsvdar", 3, SPARSE, "hals", "--init", "nndsvdar"),
    factorize("mu-dense-np3-single", 3, DENSE, "mu", "--precision", "single"),
    factorize("hals-sparse-np1-single", 1, SPARSE, "hals", "--precision", "single"),
    factorize("anls-bpp-dense-np1-single", 1, DENSE, "anls-bpp", "--precision", "single"),
    factorize("pgd-dense-np3-step", 3, DENSE, "pgd", "--lambda", 0.1, "--learning-rate", 1e-3),
    factorize("mu-dense-np1-delta-l1", 1, DENSE, "mu", "--delta", 1e-3, "--normalize", "l1"),
    factorize("hals-dense-np3-sweeps-l2", 3, DENSE, "hals", "--inner-sweeps", 2,
              "--normalize", "l2"),
    factorize("kl-sparse-np3-transposed", 3, SPARSE, "kl", "--transpose"),
    factorize("hals-dense-np3-warm", 3, DENSE, "hals", "--init-file", "hals-dense-np1.h5"),
    factorize("mu-dense-np3-checkpointed", 3, DENSE, "mu", "--checkpoint-every", 10,
              "--checkpoint", "checkpoint.h5", iterations=20, also=["checkpoint.h5"]),
    factorize("mu-dense-np3-resumed", 3, DENSE, "mu", "--resume", "checkpoint.h5"),
    factorize("mu-dense-np1-resumed", 1, DENSE, "mu", "--resume", "checkpoint.h5"),
    command("survey-dense-np1", 1, "survey", "-i", DENSE, *SURVEY),
    command("survey-dense-np3", 3, "survey", "-i", DENSE, *SURVEY),
    command("survey-sparse-np3-mu", 3, "survey", "-i", SPARSE, "-a", "mu", "--group-size", 3,
            "--consensus-columns", 20, *SURVEY),
    command("project-columns-np1", 1, "project", "--model", "hals-dense-np1.h5",
            "-i", "generate-new-columns.h5", "--threads", 1),
    command("project-rows-np3", 3, "project", "--model", "hals-dense-np1.h5",
            "-i", "generate-new-rows.h5", "--axis", "rows", "--alpha-W", 0.01, "--l1-ratio", 0.5,
            "--threads", 1),
    command("convert-dense-to-csr-np3", 3, "convert", "-i", DENSE, "--layout", "csr"),
    command("convert-sparse-to-dense-np1", 1, "convert", "-i", SPARSE, "--layout", "dense"),
    command("convert-sparse-transposed-np3", 3, "convert", "-i", SPARSE, "--transpose"),
]


def kernels():
    """What besides the code decides the results' last bits: whether GCC's target_clones pick
    the AVX-512 (x86-64-v4) kernels on this CPU (vector_clones.hpp), and the OpenBLAS build and
    core (CPU model or OPENBLAS_CORETYPE) that the program links."""
    with open("/proc/cpuinfo") as cpuinfo:
        flags = next((line for line in cpuinfo if line.startswith("flags")), "").split()
    avx512 = {"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"} <= set(flags)
    linked = subprocess.run(["ldd", support.ARGS.mpinmf], capture_output=True, text=True).stdout
    openblas = re.search(r"libopenblas\S* => (\S+)", linked)
    blas = "not OpenBLAS"
    if openblas:
        library = ctypes.CDLL(openblas.group(1))
        library.openblas_get_config.restype = ctypes.c_char_p
        blas = library.openblas_get_config().decode()
    return avx512, blas


def read_results(path):
    """Every dataset and attribute of an HDF5 file by name ("k2/W", "@objective", "V@shape"),
    tables with a `columns` attribute (/history) split into their columns ("history/objective"),
    less EXCLUDED."""
    found = {}

    def add(name, item):
        for attribute, value in item.attrs.items():
            found[f"{name}@{attribute}"] = value if isinstance(value, str) else np.asarray(value)
        if isinstance(item, h5py.Dataset):
            if isinstance(item.attrs.get("columns"), str):
                for index, column in enumerate(item.attrs["columns"].split(",")):
                    found[f"{name}/{column}"] = item[:, index]
            else:
                found[name] = item[()]

    with h5py.File(path, "r") as f:
        add("", f)
        f.visititems(add)
    return {name: value for name, value in found.items()
            if not any(name.endswith(excluded) for excluded in EXCLUDED)}


def write_goldens(path, results, kernels):
    """One group per command: its datasets as datasets, its attributes ("@objective",
    "k2@best_seed", "@algorithm") as the group's attributes."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with h5py.File(path, "w", libver="latest") as f:  # compact metadata for small datasets
        f.attrs["avx512_clones"], f.attrs["blas"] = kernels
        for label, datasets in results.items():
            group = f.create_group(label)
            for name, value in datasets.items():
                if "@" in name:
                    group.attrs[name] = value
                elif value.size > 64:
                    group.create_dataset(name, data=value, compression="gzip", shuffle=True)
                else:
                    group[name] = value


def read_goldens(path):
    with h5py.File(path, "r") as f:
        results = {label: dict(group.attrs) for label, group in f.items()}
        for label, group in f.items():
            group.visititems(lambda name, item: results[label].__setitem__(name, item[()])
                             if isinstance(item, h5py.Dataset) else None)
        return results, (bool(f.attrs["avx512_clones"]), f.attrs["blas"])


def difference(expected, actual, tolerance):
    """None when `actual` matches `expected`, NaN matching NaN: exactly where tolerance is 0 or
    the values are not floating-point, else within tolerance × the golden's largest magnitude.
    Otherwise the largest difference, where it is and what was expected there."""
    expected, actual = np.asarray(expected), np.asarray(actual)
    if expected.shape != actual.shape:
        return f"shape {actual.shape}, expected {expected.shape}"
    if np.array_equal(expected, actual, equal_nan=expected.dtype.kind == "f"):
        return None
    if expected.dtype.kind not in "biuf" or actual.dtype.kind not in "biuf":
        return f"{actual[()]!r}, expected {expected[()]!r}"
    if expected.dtype.kind != "f":
        tolerance = 0
    gap = np.abs(actual.astype(float) - expected.astype(float))
    gap = np.where(np.isnan(expected) & np.isnan(actual), 0, np.nan_to_num(gap, nan=np.inf))
    scale = np.max(np.abs(expected[~np.isnan(expected)]), initial=0)
    if gap.max() <= tolerance * scale:
        return None
    where = np.unravel_index(np.argmax(gap), gap.shape)
    return (f"largest difference {gap.max():.3e} at {tuple(int(i) for i in where)}: expected "
            f"{expected[where]!r}, got {actual[where]!r} (allowed: {tolerance:g} × max |golden| "
            f"= {tolerance * scale:.3e})")


class GoldenTest(support.MpinmfTestCase):
    def run_commands(self):
        """{label: {dataset: array}} for every command of the table, run in order here."""
        results = {}
        for label, ranks, arguments, outputs in COMMANDS:
            run = self.run_mpinmf(arguments, ranks)
            self.assertEqual(run.rank_status, {rank: 0 for rank in range(ranks)},
                             f"{label}: {shown(ranks, arguments)}\n{run}")
            results[label] = {}
            for index, output in enumerate(outputs):
                prefix = "" if index == 0 else f"{output}:"
                results[label].update({prefix + name: value
                                       for name, value in read_results(self.path(output)).items()})
        return results

    def assert_same(self, expected, actual, tolerances, context=""):
        """Every dataset of every command of `expected` in `actual` and alike, within
        tolerances(label, name); else one failure naming each command and dataset that differ."""
        command_lines = {label: shown(ranks, arguments) for label, ranks, arguments, _ in COMMANDS}
        self.assertEqual(sorted(actual), sorted(expected), "the commands differ from the goldens'")
        failures = []
        for label in expected:
            def problem(name):
                if name not in actual[label]:
                    return "missing"
                if name not in expected[label]:
                    return "not in the goldens"
                return difference(expected[label][name], actual[label][name],
                                  tolerances(label, name))

            problems = [f"  {name}: {found}"
                        for name in sorted(set(expected[label]) | set(actual[label]))
                        if (found := problem(name))]
            if problems:
                failures.append(f"{label}: {command_lines[label]}\n" + "\n".join(problems))
        if failures:
            self.fail(context + "\n".join(failures))

    def test_results_match_the_goldens(self):
        here = kernels()
        results = self.run_commands()
        numbers = lambda label: {name: value for name, value in results[label].items()
                                 if not isinstance(value, str)}
        for resumed, uninterrupted in SAME_RESULTS:
            self.assert_same({uninterrupted: numbers(uninterrupted)},
                             {uninterrupted: numbers(resumed)}, lambda label, name: 0,
                             f"{resumed} differs from the uninterrupted run, ")
        if RECORD:
            first_run = results
            shutil.rmtree(self.folder)
            self.folder = tempfile.mkdtemp(prefix="mpinmf-cli-")
            self.assert_same(first_run, self.run_commands(), lambda label, name: 0,
                             "not deterministic, a second run differs: ")
            write_goldens(RECORD, first_run, here)
            return
        path = os.path.join(os.path.dirname(os.path.abspath(support.ARGS.data)), "golden",
                            "goldens.h5")
        goldens, recorded = read_goldens(path)

        def tolerance(label, name):
            if (label, name) in DELIBERATE_CHANGES:
                return DELIBERATE_CHANGES[label, name][0]
            if here == recorded:
                return 0
            return OTHER_CPU_SINGLE if "single" in label else OTHER_CPU_TOLERANCE

        self.assert_same(goldens, results, tolerance)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--record", metavar="PATH")
    options, sys.argv[1:] = parser.parse_known_args()
    RECORD = options.record
    support.main()
