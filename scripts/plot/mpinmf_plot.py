"""What the plot scripts share: reading an mpinmf output file, the common command-line options,
saving a figure, and turning any expected failure into one line on stderr and exit status 1.

The scripts import it from their own folder; it is not meant to be run.
"""
import argparse
import os
import sys

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")  # files only: no display needed
from matplotlib.figure import Figure  # noqa: E402  (after choosing the backend)

HISTORY_COLUMNS = ["iteration", "seconds", "relative_error", "objective", "projected_gradient"]


class PlotError(Exception):
    """An expected failure (missing file, dataset, bad output name): printed as one line."""


def run(main):
    """Calls main() and turns a PlotError into `SCRIPT: error: MESSAGE` and exit status 1."""
    script = os.path.basename(sys.argv[0])
    try:
        main()
    except PlotError as error:
        print(f"{script}: error: {error}", file=sys.stderr)
        sys.exit(1)


def note(message):
    """A remark that does not stop the picture (`SCRIPT: note: MESSAGE` on stderr)."""
    print(f"{os.path.basename(sys.argv[0])}: note: {message}", file=sys.stderr)


def parser(description, suffix, input_name="FILE's"):
    """An argument parser with the options every script has: -o/--output, --dpi, --title. The
    default picture for input `run.h5` is `run-SUFFIX.png`."""
    result = argparse.ArgumentParser(description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    result.picture_suffix = suffix
    result.add_argument("-o", "--output", metavar="PICTURE", default=None,
                        help="picture to write; the format follows the extension (.png, .pdf, "
                             ".svg, .jpg, ...; PNG when there is none). Default: "
                             f"{input_name} name with -{suffix}.png for its extension, in the "
                             "current folder")
    result.add_argument("--dpi", type=int, default=100,
                        help="dots per inch for raster formats such as PNG (default: 100)")
    result.add_argument("--title", default=None,
                        help="title above the picture (default: the file and its run; none when "
                             "several files are overlaid)")
    return result


def parse(parser, first_input):
    """Parses the command line; args.output becomes the picture to write (the default named
    after first_input(args)), its format checked before any work is done."""
    args = parser.parse_args()
    if args.dpi < 1:
        parser.error("--dpi must be at least 1")
    if args.output is None:
        stem = os.path.splitext(os.path.basename(first_input(args)))[0]
        args.output = f"{stem}-{parser.picture_suffix}.png"
    picture_format(args.output)
    return args


def picture_format(output):
    """The format matplotlib writes `output` in: its extension, PNG when it has none."""
    extension = os.path.splitext(output)[1].lower().lstrip(".")
    supported = Figure().canvas.get_supported_filetypes()
    if extension and extension not in supported:
        raise PlotError(f"{output}: unknown picture format '.{extension}' (known: "
                        f"{', '.join(sorted(supported))})")
    return extension or "png"


class OutputFile:
    """An mpinmf output (or checkpoint) file opened for reading, with errors that name the file
    and the dataset. Use as a context manager."""

    def __init__(self, path):
        self.path = path
        if not os.path.exists(path):
            raise PlotError(f"{path}: no such file")
        if os.path.isdir(path):
            raise PlotError(f"{path}: is a folder, not an mpinmf output file")
        try:
            self.file = h5py.File(path, "r")
        except OSError as error:
            raise PlotError(f"{path}: not an HDF5 file (or not readable)") from error

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.file.close()

    def attribute(self, name, default=None):
        value = self.file.attrs.get(name, default)
        if isinstance(value, bytes):
            value = value.decode()
        if isinstance(value, np.generic):
            value = value.item()
        return value

    def has(self, name):
        return name in self.file and isinstance(self.file[name], h5py.Dataset)

    def dataset(self, name, dimensions):
        """The numeric dataset `name` as a float64 array with `dimensions` dimensions."""
        where = f"{self.path}:/{name}"
        if name not in self.file:
            raise PlotError(f"{where}: no such dataset in the file (is it an mpinmf output file?)")
        item = self.file[name]
        if not isinstance(item, h5py.Dataset):
            raise PlotError(f"{where}: is not a dataset (a group?)")
        if item.dtype.kind not in "fiu":
            raise PlotError(f"{where}: holds no numbers")
        if item.ndim != dimensions:
            raise PlotError(f"{where}: has {item.ndim} dimensions; expected {dimensions}")
        try:
            return item[()].astype(np.float64)
        except OSError as error:
            raise PlotError(f"{where}: cannot be read ({error})") from error

    def history(self):
        """The /history table as {column name: 1-D array}; see docs/formats.md, "The output file"."""
        table = self.dataset("history", 2)
        columns = self.file["history"].attrs.get("columns", ",".join(HISTORY_COLUMNS))
        if isinstance(columns, bytes):
            columns = columns.decode()
        names = str(columns).split(",")
        if len(names) != table.shape[1]:
            raise PlotError(f"{self.path}:/history: has {table.shape[1]} columns but its "
                            f"`columns` attribute names {len(names)}")
        missing = [name for name in HISTORY_COLUMNS[:4] if name not in names]
        if missing:
            raise PlotError(f"{self.path}:/history: has no column {missing[0]}")
        if table.shape[0] == 0:
            raise PlotError(f"{self.path}:/history: is empty")
        return {name: table[:, i] for i, name in enumerate(names)}

    def names(self, dataset, count):
        """The strings in /row_names or /col_names when there are `count` of them, else None."""
        if not self.has(dataset):
            return None
        item = self.file[dataset]
        if item.ndim != 1 or item.shape[0] != count:
            note(f"{self.path}:/{dataset} has {item.size} entries, not {count}; not used")
            return None
        if item.dtype.kind in "SOU":
            return [str(name) for name in item.asstr()[()]]
        return [str(name) for name in item[()]]

    def describe(self, short=False):
        """One line: `mu, k = 8, V 2000 × 300, 500 iterations, relative error 0.0131` (short:
        `mu, k = 8`)."""
        parts = []
        if self.attribute("algorithm") is not None:
            parts.append(str(self.attribute("algorithm")))
        if self.attribute("k") is not None:
            parts.append(f"k = {self.attribute('k')}")
        if short:
            return ", ".join(parts)
        if self.attribute("rows") is not None and self.attribute("columns") is not None:
            parts.append(f"V {self.attribute('rows')} × {self.attribute('columns')}")
        if self.attribute("iterations") is not None:
            parts.append(f"{self.attribute('iterations')} iterations")
        if self.attribute("relative_error") is not None:
            parts.append(f"relative error {self.attribute('relative_error'):.3g}")
        return ", ".join(parts)


def new_figure(width, height):
    """A figure not tied to any window (nothing global, nothing shown)."""
    return Figure(figsize=(width, height), layout="constrained")


def save(figure, output, dpi):
    """Writes the figure; the format follows output's extension (PNG when it has none)."""
    try:
        figure.savefig(output, dpi=dpi, format=picture_format(output))
    except OSError as error:
        raise PlotError(f"{output}: cannot write: {error.strerror or error}") from error
    print(f"wrote {output}")
