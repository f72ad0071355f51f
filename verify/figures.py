"""Figures without pyplot: a `matplotlib.figure.Figure` is created and saved directly, so the library never
switches the caller's backend (inside Jupyter the inline backend stays in place). One style for every figure."""

from matplotlib.figure import Figure

LEGEND_PT = 9


def figure(nrows=1, ncols=1, width=6.0, height=4.0, **kw):
    """(fig, axes) of a fresh figure, not registered with pyplot."""
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots(nrows, ncols, **kw)


def legend(ax, **kw):
    """A legend at a readable size with its entries sorted by label."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        pairs = sorted(zip(labels, handles, strict=True), key=lambda p: _natural(p[0]))
        ax.legend([h for _, h in pairs], [lab for lab, _ in pairs], fontsize=LEGEND_PT, **kw)


def _natural(label):
    import re

    return [float(x) if x.replace(".", "", 1).isdigit() else x for x in re.split(r"(\d+\.?\d*)", label)]


def save(fig, path, dpi=110):
    fig.savefig(path, dpi=dpi)
