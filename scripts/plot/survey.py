#!/usr/bin/python3
"""The rank-survey curves of `mpinmf survey`, drawn from its output file's /survey table.

Two panels against k: how well the restarts agree (cophenetic correlation of the consensus
clustering, dispersion of the consensus, mean silhouette width: 1 is perfect agreement) and
how well the best restart fits (relative error ‖V − WH‖ / ‖V‖ and explained variance). The k
the survey suggests (its `suggested_k` attribute) is marked. A usual reading (Brunet et al.,
2004): the largest k before the cophenetic correlation falls.

Examples:
  survey.py survey.h5
  survey.py survey.h5 -o which-k.pdf --title "PBMC, 30 restarts"
"""
from matplotlib.ticker import MaxNLocator

import mpinmf_plot

AGREEMENT = {"cophenetic": "cophenetic correlation", "dispersion": "dispersion",
             "silhouette": "mean silhouette"}
FIT = {"best_relative_error": "relative error (best restart)",
       "explained_variance": "explained variance (best restart)"}


def main():
    parser = mpinmf_plot.parser(__doc__, "survey")
    parser.add_argument("file", metavar="FILE", help="output file of mpinmf survey")
    args = mpinmf_plot.parse(parser, lambda args: args.file)
    with mpinmf_plot.OutputFile(args.file) as survey:
        table = {name: survey.dataset(f"survey/{name}", 1)
                 for name in ["k", *AGREEMENT, *FIT]}
        suggested = survey.attribute("suggested_k")
        restarts = survey.attribute("restarts")
    k = table["k"]
    if len(k) < 2:
        mpinmf_plot.note(f"{args.file} surveys a single k; the curves are single points")

    figure = mpinmf_plot.new_figure(9.5, 3.8)
    agreement, fit = figure.subplots(1, 2)
    for number, (name, label) in enumerate(AGREEMENT.items()):
        agreement.plot(k, table[name], marker="o", color=f"C{number}", label=label)
    agreement.set_ylabel("agreement between restarts (1: perfect)")
    for number, (name, label) in enumerate(FIT.items()):
        axis = fit if number == 0 else fit.twinx()
        axis.plot(k, table[name], marker="s", color=f"C{number + 3}", label=label)
        axis.set_ylabel(label, color=f"C{number + 3}")
    for axis in (agreement, fit):
        axis.set_xlabel("k")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.grid(True, alpha=0.4)
        if suggested is not None and suggested > 0:
            axis.axvline(suggested, color="0.5", linestyle="--", linewidth=1)
    agreement.legend(fontsize="small", loc="lower left")
    title = args.title
    if title is None:
        title = f"{args.file}: {restarts} restarts per k"
        if suggested:
            title += f", suggested k = {suggested} (dashed)"
    figure.suptitle(title)
    mpinmf_plot.save(figure, args.output, args.dpi)


if __name__ == "__main__":
    mpinmf_plot.run(main)
