#!/usr/bin/python3
"""Convergence curves of one or several mpinmf runs, drawn from each output file's /history.

One panel per quantity and x axis: the relative error ‖V − WH‖ / ‖V‖ and the objective (and,
with --gradient, the projected gradient relative to its start), against the iteration and
against the seconds spent in the loop. The y axes are logarithmic. Several files are overlaid,
each labelled by its file name (or by --labels), so rules, starts or settings can be compared.

The objective is each run's own: ½‖V − WH‖² plus its penalties, or the divergence D(V ‖ WH) for
the kl rule; compare objectives only between runs that minimise the same thing. Checkpoint
files have the same /history and can be drawn too.

Examples:
  convergence.py factors.h5
  convergence.py mu.h5 hals.h5 anls.h5 --labels mu hals anls-bpp -o rules.png
  convergence.py run.h5 --gradient --x seconds -o run.pdf
"""
import os

import numpy as np
from matplotlib.ticker import MaxNLocator

import mpinmf_plot

QUANTITIES = {
    "relative_error": "relative error ‖V − WH‖ / ‖V‖",
    "objective": None,  # one of OBJECTIVES
    "projected_gradient": "projected gradient / its start",
}
OBJECTIVES = {
    ("frobenius",): "objective ½‖V − WH‖² + penalties",
    ("kl",): "objective D(V ‖ WH)",
    ("frobenius", "kl"): "objective (each rule's own)",
}
X_AXES = {"iteration": "iteration", "seconds": "seconds (loop time)"}


def labels_for(paths):
    """File names, or the paths as given where two files share a name."""
    names = [os.path.basename(path) for path in paths]
    if len(set(names)) == len(names):
        return names
    return list(paths)


def positive(values):
    """Values a log axis can show: non-positive and non-finite ones become gaps."""
    shown = values.copy()
    shown[~np.isfinite(shown) | (shown <= 0)] = np.nan
    return shown


def main():
    parser = mpinmf_plot.parser(__doc__, "convergence", "the first FILE's")
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="mpinmf output files (or checkpoints) whose /history to draw")
    parser.add_argument("--labels", nargs="+", metavar="LABEL",
                        help="one legend label per FILE, in the same order (default: the file "
                             "name followed by the rule and k); put the FILEs first, or end the "
                             "labels with --")
    parser.add_argument("--x", choices=["both", "iteration", "seconds"], default="both",
                        help="x axis: the iteration, the seconds, or both side by side "
                             "(default: both)")
    parser.add_argument("--gradient", action="store_true",
                        help="also draw the projected gradient (Frobenius rules; kl has none)")
    args = mpinmf_plot.parse(parser, lambda args: args.files[0])
    if args.labels is not None and len(args.labels) != len(args.files):
        parser.error(f"--labels gives {len(args.labels)} label(s) for {len(args.files)} file(s)")
    labels = args.labels or labels_for(args.files)

    runs, rules = [], set()
    for path, label in zip(args.files, labels):
        with mpinmf_plot.OutputFile(path) as result:
            legend = label if args.labels else f"{label} ({result.describe(short=True)})"
            runs.append((label, legend, result.history()))
            rules.add("kl" if result.attribute("algorithm") == "kl" else "frobenius")

    quantities = ["relative_error", "objective"] + (["projected_gradient"] if args.gradient else [])
    x_axes = list(X_AXES) if args.x == "both" else [args.x]
    figure = mpinmf_plot.new_figure(5.2 * len(x_axes), 2.6 * len(quantities) + 0.6)
    axes = figure.subplots(len(quantities), len(x_axes), squeeze=False, sharex="col")
    styles = ["-", "--", ":", "-."]
    for number, (label, legend, history) in enumerate(runs):
        style = {"color": f"C{number % 10}", "linestyle": styles[(number // 10) % len(styles)],
                 "linewidth": 1.4}
        if len(history["iteration"]) <= 30:
            style.update(marker="o", markersize=3)
        for row, quantity in enumerate(quantities):
            values = history.get(quantity)
            if values is None or not np.any(np.isfinite(values)):
                if quantity == "projected_gradient":
                    mpinmf_plot.note(f"{label} has no projected gradient (the kl rule records "
                                     "none); not drawn")
                continue
            for column, x_name in enumerate(x_axes):
                axes[row][column].plot(history[x_name], positive(values), **style,
                                       label=legend if row == 0 and column == 0 else None)

    y_labels = {**QUANTITIES, "objective": OBJECTIVES[tuple(sorted(rules))]}
    for row, quantity in enumerate(quantities):
        for column, x_name in enumerate(x_axes):
            ax = axes[row][column]
            ax.set_yscale("log")
            ax.grid(True, which="major", alpha=0.4)
            ax.grid(True, which="minor", alpha=0.15)
            if column == 0:
                ax.set_ylabel(y_labels[quantity])
            if row == len(quantities) - 1:
                ax.set_xlabel(X_AXES[x_name])
            if x_name == "iteration":
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0][0].legend(fontsize="small")
    if args.title is not None or len(runs) == 1:
        figure.suptitle(args.title if args.title is not None else runs[0][0])
    mpinmf_plot.save(figure, args.output, args.dpi)


if __name__ == "__main__":
    mpinmf_plot.run(main)
