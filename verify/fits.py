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


def median_interval(x, level=0.95) -> tuple:
    """A distribution-free confidence interval for the median of the distribution x was drawn from: the order
    statistics x_(j), x_(k) with P(j <= Binomial(n, 1/2) < k) >= level (coverage exact for continuous data). With
    too few values for the level, (-inf, inf). Infinite values (diverged runs) are kept: they order last."""
    v = np.sort(np.asarray(x, float))
    n = len(v)
    if n == 0:
        return (-np.inf, np.inf)
    best = None
    for j in range(n // 2 + 1):
        # [x_(j+1), x_(n-j)] (1-based order statistics) covers the median m iff the count B of values below m has
        # j + 1 <= B <= n - j - 1: probability P(j < Bin(n, 1/2) < n - j)
        cover = float(stats.binom.cdf(n - j - 1, n, 0.5) - stats.binom.cdf(j, n, 0.5))
        if cover >= level:
            best = (float(v[j]), float(v[n - j - 1]))
        else:
            break
    return best if best is not None and n > 1 else (-np.inf, np.inf)


def paired_comparison(a, b) -> dict:
    """Paired two-sided Wilcoxon signed-rank test of log10 a against log10 b (one pair per seed: same start, same
    problem instance). Diverged runs (inf) count as worse than any finite value (they rank last by a large finite
    stand-in). Returns the median of log10(a/b), the p-value and the number of pairs."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    la = np.where(np.isfinite(a), np.log10(np.maximum(a, 1e-300)), 400.0)
    lb = np.where(np.isfinite(b), np.log10(np.maximum(b, 1e-300)), 400.0)
    d = la - lb
    if len(d) < 2 or np.all(d == 0):
        return {"median_log10_ratio": float(np.median(d)) if len(d) else 0.0, "p": 1.0, "n": int(len(d))}
    p = float(stats.wilcoxon(d, zero_method="zsplit", alternative="two-sided").pvalue)
    return {"median_log10_ratio": float(np.median(d)), "p": p, "n": int(len(d))}


def holm(pvalues) -> list:
    """Holm's step-down adjustment of a family of p-values (family-wise error control)."""
    p = np.asarray(pvalues, float)
    order = np.argsort(p)
    adj = np.empty_like(p)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p) - rank) * p[i]))
        adj[i] = running
    return adj.tolist()
