#!/usr/bin/python3
"""The installed package as another project uses it: `cmake --install` into a scratch prefix
installs the library, headers, package config and program; a consumer configured with
find_package(mpinmf) against that prefix links mpinmf::mpinmf, factorizes a generated matrix
through the public API on 2 ranks, and gets the H and final error the installed program
writes for the same settings."""
import argparse
import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

ARGS = None
SETTINGS = {"k": "4", "seed": "7", "iterations": "40"}


def run(*command, **kwargs):
    return subprocess.run([str(c) for c in command], check=True, capture_output=True, text=True,
                          timeout=300, **kwargs)


class InstalledPackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scratch = tempfile.TemporaryDirectory(prefix="mpinmf-consumer-")
        cls.prefix = os.path.join(cls.scratch.name, "prefix")
        run("cmake", "--install", ARGS.build, "--prefix", cls.prefix)

    @classmethod
    def tearDownClass(cls):
        cls.scratch.cleanup()

    def installed(self, path):
        return os.path.join(self.prefix, path)

    def test_installs_library_headers_package_and_program(self):
        for path in ["bin/mpinmf", "include/mpinmf/mpinmf.hpp", "include/mpinmf/options.hpp",
                     "lib/libmpinmf.a", "lib/libmpinmf_pure.a",
                     "lib/cmake/mpinmf/mpinmfConfig.cmake",
                     "lib/cmake/mpinmf/mpinmfConfigVersion.cmake",
                     "share/mpinmf/plot/mpinmf_plot.py", "share/mpinmf/slurm/factorize.sbatch"]:
            self.assertTrue(os.path.exists(self.installed(path)), path)
        # Internal headers stay inside the source tree.
        self.assertFalse(os.path.exists(self.installed("include/mpinmf/engine")))

    def test_consumer_links_the_public_api_and_matches_the_program(self):
        work = self.scratch.name
        build = os.path.join(work, "consumer-build")
        run("cmake", "-S", ARGS.source, "-B", build, f"-DCMAKE_PREFIX_PATH={self.prefix}")
        run("cmake", "--build", build)
        mpirun = [ARGS.mpirun, "-np", "2", "--oversubscribe"]
        program = self.installed("bin/mpinmf")
        run(*mpirun, program, "generate", "--rows", "90", "--columns", "40", "--rank", "4",
            "--seed", "3", "-o", "V.h5", cwd=work)
        consumer = run(*mpirun, os.path.join(build, "factorize_file"), "V.h5", SETTINGS["k"],
                       SETTINGS["seed"], SETTINGS["iterations"], cwd=work).stdout.splitlines()
        run(*mpirun, program, "-i", "V.h5", "-k", SETTINGS["k"], "--algorithm", "hals",
            "--seed", SETTINGS["seed"], "--max-iter", SETTINGS["iterations"], "--tol", "0",
            "-o", "cli.h5", cwd=work)
        self.assertEqual(consumer[0], f"iterations {SETTINGS['iterations']}")
        error = float(consumer[1].split()[1])
        H = np.array([[float(x) for x in line.split()] for line in consumer[2:]])
        with h5py.File(os.path.join(work, "cli.h5")) as result:
            np.testing.assert_array_equal(H, result["H"][()])
            self.assertEqual(error, result.attrs["relative_error"])
        self.assertLess(error, 0.5)
        self.assertTrue((H >= 0).all())


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--mpirun", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
