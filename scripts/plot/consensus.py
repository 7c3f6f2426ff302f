#!/usr/bin/python3
"""The consensus matrix of one k of an `mpinmf survey`, as a heatmap ordered by its clustering.

Entry (i, j) is the share of the restarts that put columns i and j in the same cluster (the
component that dominates each column). The columns are ordered by the consensus clustering
(/k<K>/consensus_cluster), then by how firmly each belongs to its cluster, so that a rank the
restarts agree on shows as clean blocks of 1 on a background of 0; lines separate the clusters.

Examples:
  consensus.py survey.h5                 # the k the survey suggests
  consensus.py survey.h5 --k 5 -o k5.png
  consensus.py survey.h5 --k 3 4 5 6     # several side by side
"""
import numpy as np

import mpinmf_plot


def cluster_order(clusters, consensus):
    """Columns grouped by cluster (clusters in order of first column), within a cluster by
    their mean consensus with it, firmest first."""
    firmness = np.array([consensus[i, clusters == clusters[i]].mean()
                         for i in range(len(clusters))])
    return np.lexsort((-firmness, clusters))


def main():
    parser = mpinmf_plot.parser(__doc__, "consensus")
    parser.add_argument("file", metavar="FILE", help="output file of mpinmf survey")
    parser.add_argument("--k", type=int, nargs="+", metavar="K",
                        help="which k to draw (default: the survey's suggested k)")
    args = mpinmf_plot.parse(parser, lambda args: args.file)
    panels = []
    with mpinmf_plot.OutputFile(args.file) as survey:
        ks = args.k or [survey.attribute("suggested_k")]
        if ks == [None]:
            raise mpinmf_plot.PlotError(f"{args.file}: has no suggested_k attribute (is it an "
                                        "output of mpinmf survey?); give --k")
        for k in ks:
            consensus = survey.dataset(f"k{k}/consensus", 2)
            clusters = survey.dataset(f"k{k}/consensus_cluster", 1).astype(int)
            if consensus.shape != (len(clusters), len(clusters)):
                raise mpinmf_plot.PlotError(f"{args.file}:/k{k}/consensus: is {consensus.shape}"
                                            f" but there are {len(clusters)} clustered columns")
            panels.append((k, consensus, clusters))

    figure = mpinmf_plot.new_figure(4.2 * len(panels) + 0.8, 4.4)
    axes = figure.subplots(1, len(panels), squeeze=False)[0]
    for axis, (k, consensus, clusters) in zip(axes, panels):
        order = cluster_order(clusters, consensus)
        image = axis.imshow(consensus[np.ix_(order, order)], cmap="viridis", vmin=0, vmax=1,
                            interpolation="nearest")
        edges = np.flatnonzero(np.diff(clusters[order])) + 0.5
        for edge in edges:
            axis.axhline(edge, color="white", linewidth=0.8)
            axis.axvline(edge, color="white", linewidth=0.8)
        axis.set_title(f"k = {k}: {clusters.max() + 1} consensus clusters")
        axis.set_xlabel(f"columns, ordered by cluster ({len(clusters)})")
        axis.set_xticks([])
        axis.set_yticks([])
    figure.colorbar(image, ax=list(axes), shrink=0.8, label="share of restarts together")
    figure.suptitle(args.title if args.title is not None else f"{args.file}: consensus")
    mpinmf_plot.save(figure, args.output, args.dpi)


if __name__ == "__main__":
    mpinmf_plot.run(main)
