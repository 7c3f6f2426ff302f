#!/usr/bin/python3
"""Writes a non-negative test matrix V = W0 H0 + noise (W0, H0 uniform on [0, 1)) to HDF5.

Examples:
  make_matrix.py --rows 2000 --columns 300 --rank 8 --noise 0.01 example.h5
  make_matrix.py --rows 20000 --columns 2000 --rank 50 --dtype float32 big.h5

Rows are generated and written in blocks, so the file can be larger than memory.
"""
import argparse

import h5py
import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", help="HDF5 file to write")
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--columns", type=int, required=True)
    parser.add_argument("--rank", type=int, default=10, help="rank of the exact part")
    parser.add_argument("--noise", type=float, default=0.0,
                        help="uniform noise relative to the mean entry of W0 H0")
    parser.add_argument("--zero-fraction", type=float, default=0.0,
                        help="fraction of the entries of W0 and H0 set to zero (sparse factors, "
                             "a well-conditioned problem)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dataset", default="V")
    parser.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    def factor(shape):
        values = rng.random(shape)
        values[rng.random(shape) < args.zero_fraction] = 0.0
        return values

    H0 = factor((args.rank, args.columns))
    mean_entry = args.rank * 0.25  # E[(W0 H0)_ij] for uniform factors
    block = max(1, 4_000_000 // args.columns)
    with h5py.File(args.output, "w") as out:
        V = out.create_dataset(args.dataset, (args.rows, args.columns), dtype=args.dtype)
        for start in range(0, args.rows, block):
            stop = min(args.rows, start + block)
            rows = factor((stop - start, args.rank)) @ H0
            if args.noise > 0:
                rows += args.noise * mean_entry * rng.random(rows.shape)
            V[start:stop] = rows


if __name__ == "__main__":
    main()
