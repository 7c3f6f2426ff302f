#!/usr/bin/python3
"""Heatmaps of the factors W (rows of V × components) and H (components × columns of V) of an
mpinmf output file.

Rows of W and columns of H are ordered by their dominant component (the component that
contributes most to that row or column of WH), then by how much of it they hold, so that rows
and columns belonging to the same component sit together; --order file keeps the file's order.
By default each component is shown relative to its own largest entry (W's columns and H's rows
each scaled to a maximum of 1), because NMF leaves the scale between W and H free; --scale none
shows the stored values.

Names in /row_names and /col_names (0-based indices when there are none) label the rows and
columns when there are at most --max-labels of them; otherwise they are unlabelled. Thin white
lines separate the groups of each dominant component (default order). W with more rows than
--max-rows (H with more columns than --max-columns) is drawn in that many bands of consecutive
rows (columns), each their mean, after ordering: the picture stays readable and every row
still counts. Components are numbered from 0, as W[:, j] and H[j, :] in h5py.

Examples:
  factors.py factors.h5
  factors.py programs.h5 --which H --max-labels 80 -o programs-H.png
  factors.py factors.h5 --order file --scale none -o raw.pdf
"""
import numpy as np
from matplotlib.ticker import MaxNLocator

import mpinmf_plot


def dominant_order(contribution):
    """For items × components contributions: the order that groups the items by their dominant
    component (ascending), the largest share of that component first; and each ordered item's
    dominant component."""
    dominant = np.argmax(contribution, axis=1)
    total = contribution.sum(axis=1)
    largest = contribution[np.arange(len(dominant)), dominant]
    share = np.divide(largest, total, out=np.zeros_like(largest), where=total > 0)
    order = np.lexsort((-share, dominant))
    return order, dominant[order]


def aggregate(matrix, limit, axis):
    """Means over at most `limit` bands of consecutive items along `axis` (bands differ in size
    by at most one item); returns the matrix and the first item of each band (None when the
    matrix already fits)."""
    count = matrix.shape[axis]
    if count <= limit:
        return matrix, None
    starts = np.array([band[0] for band in np.array_split(np.arange(count), limit)])
    sizes = np.diff(np.append(starts, count))
    sums = np.add.reduceat(matrix, starts, axis=axis)
    shape = [1, 1]
    shape[axis] = len(sizes)
    return sums / sizes.reshape(shape), starts


def shown_position(edge, starts, count):
    """Where the edge before item `edge` falls on an axis drawn in bands (starting at `starts`,
    or one per item when None), in imshow's coordinates."""
    if starts is None:
        return edge - 0.5
    band = np.searchsorted(starts, edge, side="right") - 1
    end = starts[band + 1] if band + 1 < len(starts) else count
    return band + (edge - starts[band]) / (end - starts[band]) - 0.5


class Axis:
    """One long axis of the picture: W's rows or H's columns, with its order, bands and labels."""

    def __init__(self, what, names, count, contribution, args, limit):
        self.what, self.count = what, count
        if args.order == "component":
            self.order, self.dominant = dominant_order(contribution)
        else:
            self.order, self.dominant = np.arange(count), None
        self.limit = limit
        self.names = names
        self.max_labels = args.max_labels
        self.starts = None

    def arrange(self, matrix, axis):
        matrix, self.starts = aggregate(np.take(matrix, self.order, axis=axis), self.limit, axis)
        return matrix

    def describe(self):
        text = f"{self.what} ({self.count})"
        if self.dominant is not None:
            text += ", by dominant component"
        if self.starts is not None:
            sizes = np.diff(np.append(self.starts, self.count))
            smallest, largest = sizes.min(), sizes.max()
            spread = f"{smallest}" if smallest == largest else f"{smallest}–{largest}"
            text += f"; {len(self.starts)} bands of {spread}, mean"
        elif self.count > self.max_labels:
            what = "names" if self.names is not None else "labels"
            text += f"; {what} not shown (over --max-labels)"
        return text

    def label(self, ax, direction):
        """Tick labels when few enough, and lines between the dominant components' groups;
        `direction` is "y" for W's rows, "x" for H's columns."""
        if direction == "y":
            set_ticks, set_labels, line, rotation = ax.set_yticks, ax.set_yticklabels, ax.axhline, 0
        else:
            set_ticks, set_labels, line = ax.set_xticks, ax.set_xticklabels, ax.axvline
            rotation = 90
        if self.starts is None and self.count <= self.max_labels:
            labels = self.names if self.names is not None else [str(i) for i in range(self.count)]
            set_ticks(np.arange(self.count))
            set_labels([labels[i] for i in self.order], rotation=rotation,
                       fontsize=float(np.clip(300 / max(self.count, 1), 4, 9)))
        else:
            set_ticks([])
        if self.dominant is not None:
            for edge in np.flatnonzero(np.diff(self.dominant)) + 1:
                line(shown_position(edge, self.starts, self.count), color="white", linewidth=1.2)


def draw(figure, ax, matrix, title, colorbar_label, vmax):
    """The heatmap of `matrix` on ax, from 0 to vmax (None: its largest entry)."""
    if vmax is None:
        vmax = max(float(np.nanmax(matrix)), np.finfo(float).tiny)
    image = ax.imshow(matrix, aspect="auto", interpolation="nearest", cmap="viridis",
                      vmin=0.0, vmax=vmax)
    ax.set_title(title, fontsize="medium")
    figure.colorbar(image, ax=ax, shrink=0.8, label=colorbar_label)


def main():
    parser = mpinmf_plot.parser(__doc__, "factors", "FILE's")
    parser.add_argument("file", metavar="FILE", help="mpinmf output file holding /W and /H")
    parser.add_argument("--which", choices=["both", "W", "H"], default="both",
                        help="draw W, H or both side by side (default: both)")
    parser.add_argument("--order", choices=["component", "file"], default="component",
                        help="order of W's rows and H's columns: grouped by dominant component "
                             "(default) or as in the file")
    parser.add_argument("--scale", choices=["component", "none"], default="component",
                        help="colours relative to each component's largest entry (default), or "
                             "the stored values")
    parser.add_argument("--max-rows", type=int, default=300, metavar="N",
                        help="draw W's rows in at most N bands (means of consecutive rows; "
                             "default: 300)")
    parser.add_argument("--max-columns", type=int, default=300, metavar="N",
                        help="draw H's columns in at most N bands (default: 300)")
    parser.add_argument("--max-labels", type=int, default=60, metavar="N",
                        help="label rows or columns (by name, else by 0-based index) only when "
                             "there are at most N of them (default: 60)")
    args = mpinmf_plot.parse(parser, lambda args: args.file)
    for option in ["max_rows", "max_columns"]:
        if getattr(args, option) < 1:
            parser.error(f"--{option.replace('_', '-')} must be at least 1")

    with mpinmf_plot.OutputFile(args.file) as result:
        W, H = result.dataset("W", 2), result.dataset("H", 2)
        if W.shape[1] != H.shape[0]:
            raise mpinmf_plot.PlotError(f"{args.file}: /W is {W.shape[0]} × {W.shape[1]} but /H "
                                        f"is {H.shape[0]} × {H.shape[1]}; their k must agree")
        row_names = result.names("row_names", W.shape[0])
        column_names = result.names("col_names", H.shape[1])
        title = args.title if args.title is not None else f"{args.file}: {result.describe()}"
    (m, k), n = W.shape, H.shape[1]

    rows = Axis("rows of V", row_names, m, W * np.linalg.norm(H, axis=1)[None, :], args,
                args.max_rows)
    columns = Axis("columns of V", column_names, n,
                   (H * np.linalg.norm(W, axis=0)[:, None]).T, args, args.max_columns)
    if args.scale == "component":
        W = W / np.where(W.max(axis=0) > 0, W.max(axis=0), 1.0)[None, :]
        H = H / np.where(H.max(axis=1) > 0, H.max(axis=1), 1.0)[:, None]
        colorbar_label, vmax = "entry / its component's largest", 1.0
    else:
        colorbar_label, vmax = "value", None

    panels = ["W", "H"] if args.which == "both" else [args.which]
    w_width = float(np.clip(1.6 + 0.22 * k, 3.0, 6.0))
    widths = {"W": w_width, "H": 7.0}
    figure = mpinmf_plot.new_figure(sum(widths[p] for p in panels), 5.6)
    axes = figure.subplots(1, len(panels), squeeze=False,
                           gridspec_kw={"width_ratios": [widths[p] for p in panels]})[0]
    for ax, panel in zip(axes, panels):
        if panel == "W":
            draw(figure, ax, rows.arrange(W, 0), f"W ({m} × {k})", colorbar_label, vmax)
            ax.set_ylabel(rows.describe())
            ax.set_xlabel("component")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=min(k, 20)))
            rows.label(ax, "y")
            print(f"W: {rows.describe()}")
        else:
            draw(figure, ax, columns.arrange(H, 1), f"H ({k} × {n})", colorbar_label, vmax)
            ax.set_xlabel(columns.describe())
            ax.set_ylabel("component")
            ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=min(k, 20)))
            columns.label(ax, "x")
            print(f"H: {columns.describe()}")
    figure.suptitle(title, fontsize="medium")
    mpinmf_plot.save(figure, args.output, args.dpi)


if __name__ == "__main__":
    mpinmf_plot.run(main)
