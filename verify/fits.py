"""Measured orders: straight-line fits over the most linear window of a curve, with confidence intervals.

A window is a contiguous run of points; among windows with at least `min_points` points (and at least
`min_fraction` of the curve) we keep the one with the best adjusted R^2, preferring longer windows on
ties. That drops the transient at the start and the floor at the end without hand-picked cut-offs.
"""

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class LineFit:
    slope: float
    intercept: float
    ci: tuple  # 95% confidence interval of the slope
    r2: float
    window: tuple  # (first x, last x) of the window used
    n: int

    def to_json(self):
        d = asdict(self)
        d["ci"] = list(self.ci)
        d["window"] = list(self.window)
        return d


def ols(x, y, level=0.95) -> LineFit:
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = len(x)
    res = stats.linregress(x, y)
    if n > 2:
        half = stats.t.ppf(0.5 + level / 2, n - 2) * res.stderr
    else:
        half = np.inf
    return LineFit(
        float(res.slope),
        float(res.intercept),
        (float(res.slope - half), float(res.slope + half)),
        float(res.rvalue**2),
        (float(x[0]), float(x[-1])),
        n,
    )


def best_window(x, y, min_points=5, min_fraction=0.3) -> LineFit:
    """OLS on the most linear contiguous window (adjusted R^2, ties to the longer window)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    n = len(x)
    if n < 3:
        raise ValueError(f"need at least 3 finite points to fit a line, got {n}")
    m = max(3, min(n, max(min_points, int(np.ceil(min_fraction * n)))))
    # all windows at once from prefix sums: adjusted R^2 of the OLS line on x[i:j]
    P = [np.concatenate([[0.0], np.cumsum(v)]) for v in (np.ones(n), x, y, x * x, x * y, y * y)]
    i, j = np.triu_indices(n + 1, k=m)
    k, sx, sy, sxx, sxy, syy = (p[j] - p[i] for p in P)
    vxx, vxy, vyy = sxx - sx * sx / k, sxy - sx * sy / k, syy - sy * sy / k
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where((vxx > 0) & (vyy > 0), vxy * vxy / (vxx * vyy), 1.0)
    adj = 1 - (1 - r2) * (k - 1) / np.maximum(k - 2, 1)
    best = int(np.argmax(adj + 1e-4 * k / n))
    return ols(x[i[best] : j[best]], y[i[best] : j[best]])
