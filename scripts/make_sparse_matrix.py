#!/usr/bin/python3
"""Writes a random sparse non-negative matrix to HDF5 as a CSR group (data, indices, indptr and
a `shape` attribute), the layout mpinmf reads as sparse input.

Every row holds round(density × columns) entries at distinct column indices drawn uniformly at
random (sorted within the row), with values uniform on (0, 1].

Examples:
  make_sparse_matrix.py --rows 1000000 --columns 20000 --density 0.001 V.h5
  make_sparse_matrix.py --rows 200000 --columns 10000 --density 0.005 --group /V V.h5

Rows are generated and written in blocks, vectorized, so memory stays at a block's worth
whatever the size of the matrix.
"""
import argparse

import h5py
import numpy as np


def distinct_sorted_columns(rng, rows, per_row, columns):
    """A (rows, per_row) array: each row's distinct column indices in increasing order.

    Draws with replacement, then redraws only the repeated entries of the rows that have any
    until none is left (quick while per_row is at most half the columns).
    """
    block = np.sort(rng.integers(0, columns, size=(rows, per_row), dtype=np.int64), axis=1)
    while True:
        repeated = np.zeros(block.shape, dtype=bool)
        repeated[:, 1:] = np.diff(block, axis=1) == 0
        rows_with = np.flatnonzero(repeated.any(axis=1))
        if rows_with.size == 0:
            return block
        redrawn, where = block[rows_with], repeated[rows_with]
        redrawn[where] = rng.integers(0, columns, size=int(where.sum()), dtype=np.int64)
        block[rows_with] = np.sort(redrawn, axis=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", help="HDF5 file to write")
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--columns", type=int, required=True)
    parser.add_argument("--density", type=float, required=True,
                        help="fraction of each row's entries that are nonzero")
    parser.add_argument("--group", default="/V", help="the CSR group to write (default /V)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--block-rows", type=int, default=50000)
    args = parser.parse_args()

    per_row = max(1, min(args.columns, round(args.density * args.columns)))
    if per_row * 2 > args.columns:
        parser.error("--density above 0.5: write a dense matrix instead")
    entries = args.rows * per_row
    index_type = np.int32 if args.columns < 2**31 else np.int64
    rng = np.random.default_rng(args.seed)
    with h5py.File(args.output, "w") as out:
        group = out.create_group(args.group)
        group.attrs["shape"] = np.array([args.rows, args.columns], dtype=np.int64)
        group.attrs["encoding-type"] = "csr_matrix"
        group.attrs["encoding-version"] = "0.1.0"
        group.create_dataset("indptr", data=np.arange(args.rows + 1, dtype=np.int64) * per_row)
        indices = group.create_dataset("indices", shape=(entries,), dtype=index_type)
        data = group.create_dataset("data", shape=(entries,), dtype=np.float64)
        for begin in range(0, args.rows, args.block_rows):
            count = min(args.block_rows, args.rows - begin)
            first, last = begin * per_row, (begin + count) * per_row
            indices[first:last] = distinct_sorted_columns(rng, count, per_row,
                                                          args.columns).ravel()
            data[first:last] = 1.0 - rng.random(count * per_row)  # (0, 1]
    print(f"{args.output}:{args.group}: {args.rows} × {args.columns} CSR, {entries} nonzeros "
          f"({per_row} per row, density {per_row / args.columns:.4%})")


if __name__ == "__main__":
    main()
