#!/usr/bin/python3
"""Writes the reference write-up's 5×6 matrix (R's rmatrix(5, 6)) as /V of an HDF5 file."""
import sys

import h5py
import numpy as np

WRITEUP_MATRIX = np.array([
    [0.2572934, 0.7850774, 0.1964726, 0.89460898, 0.5124385, 0.6538741],
    [0.4548971, 0.7619701, 0.4504754, 0.04016496, 0.1973834, 0.9347442],
    [0.8251736, 0.3744436, 0.5294228, 0.79247087, 0.5080712, 0.3198328],
    [0.9600582, 0.5075759, 0.1684872, 0.95316732, 0.4352644, 0.5006196],
    [0.3160396, 0.5518905, 0.2720268, 0.01742472, 0.1015410, 0.3987225],
])

if __name__ == "__main__":
    with h5py.File(sys.argv[1], "w") as out:
        out["V"] = WRITEUP_MATRIX
