#!/usr/bin/python3
"""Writes the seed inputs of the sparse_structure fuzz target (corpus/sparse_structure/).

The target reads its input through libFuzzer's FuzzedDataProvider, which takes integers from
the end of the data backwards; this encodes a slice in the order sparse_structure_fuzz.cpp
consumes it, so that the seeds start the fuzzer from valid and nearly valid matrices.
"""
import pathlib
import struct

CORPUS = pathlib.Path(__file__).resolve().parent / "corpus" / "sparse_structure"


def size_like(value):
    """A small value in [-2, 40] (selector 1, one byte), or any int64 (selector 0, 8 bytes)."""
    if -2 <= value <= 40:
        return [1, value + 2]
    # ConsumeIntegral<int64_t>: 8 bytes, most significant consumed first, offset by INT64_MIN.
    raw = value - (-(2**63))
    return [0] + list(reversed(struct.pack("<Q", raw)))


def value_like(value):
    """A multiple of 0.5 in [0, 4.5]."""
    return [1, int(value * 2)]


def encode(csr, major, minor, total, first, parts, indptr, indices, values):
    consumed = [1 if csr else 0]
    consumed += size_like(major) + size_like(minor) + size_like(total) + size_like(first)
    consumed += [parts - 1, len(indptr)]
    for pointer in indptr:
        consumed += size_like(pointer)
    consumed += [len(indices)]
    for index in indices:
        consumed += size_like(index)
    consumed += [1]  # as many values as indices
    for value in values:
        consumed += value_like(value)
    return bytes(reversed(consumed))


SEEDS = {
    "csr_canonical": (True, 3, 4, 4, 0, 2, [0, 2, 2, 4], [0, 2, 1, 3], [1, 2, 3, 4]),
    "csc_unsorted_duplicates": (False, 3, 4, 4, 0, 3, [0, 3, 3, 4], [3, 0, 3, 1], [1, 2, 3, 4]),
    "csr_slice_with_offset": (True, 5, 4, 6, 2, 2, [2, 4, 6], [0, 3, 1, 2], [1, 1, 2, 2]),
    "bad_decreasing_indptr": (True, 3, 4, 4, 0, 2, [0, 3, 2, 4], [0, 2, 1, 3], [1, 2, 3, 4]),
    "bad_index": (True, 2, 3, 2, 0, 1, [0, 1, 2], [0, 3], [1, 1]),
    "bad_last_pointer": (True, 2, 3, 3, 0, 1, [0, 1, 2], [0, 1], [1, 1]),
    "huge_extents": (True, 2**40, 2**40, 0, 0, 4, [0], [], []),
}

if __name__ == "__main__":
    CORPUS.mkdir(parents=True, exist_ok=True)
    for name, seed in SEEDS.items():
        (CORPUS / name).write_bytes(encode(*seed))
