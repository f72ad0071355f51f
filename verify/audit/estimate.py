r"""Estimate, and try to refute, (L0, L1, alpha) of eq. (2) along a training run (`insgd estimate`).

Researchers estimate generalized-smoothness constants along trajectories; trajectories follow smooth directions, so
such estimates can lie below any valid constant. This module measures and then attacks:

* **pairs**, in one of two forms. Literal (eq. (2), the paper's Assumption 1): for points x, y, the ratio
  r = ||g(x) - g(y)|| / ||x - y|| beside n = min(||g(x)||, ||g(y)||) (eq. (2) holds for both orders of a pair, and
  the order with the smaller gradient norm binds); sources: iterates up to `window` steps apart. Hessian (the local
  form ||Hess f(x) u|| <= L0 + L1 ||g(x)||^alpha): pairs (x, x + h u) with h tiny, n = ||g(x)||; sources: the update
  directions u_k = (x_(k+1) - x_k) / ||x_(k+1) - x_k|| at each iterate. Per group of coordinates, the group's
  gradient block against the group's displacement.
* **envelope** (`fit_envelope`): the smallest L0 + L1 n^alpha above every pair, in the sense of the stated rule:
  minimize the mean envelope height over the measured n subject to L0 + L1 n_i^alpha >= r_i, L0, L1 >= 0 (a linear
  program); alpha given, or chosen on a grid of [0, 1] by the same mean height. It bounds these pairs, nothing more.
* **probe** (`probe`): a search for pairs near the trajectory that break an envelope (the fitted one, or constants
  someone claims): random directions, Hessian power-iteration directions (finite-difference Hessian-vector
  products) and an SPSA ascent of the violation factor r / (L0 + L1 n^alpha), at distances up to `radius`. The answer
  is "refuted at (x, y) by factor f" (the pair is returned) or "not refuted within radius r after K probes": a
  failed search is not a certificate.

The estimate (`estimate`) is the envelope of every pair measured, trajectory and probes together, so an estimate
the probes can break is raised until they cannot, within their budget.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from insgd.core import InputError

ALPHA_GRID = np.round(np.linspace(0.0, 1.0, 21), 10)


@dataclass
class Pairs:
    ratio: np.ndarray
    grad_norm: np.ndarray
    source: list = field(default_factory=list)

    def extend(self, r, n, src):
        self.ratio = np.concatenate([self.ratio, np.atleast_1d(r)])
        self.grad_norm = np.concatenate([self.grad_norm, np.atleast_1d(n)])
        self.source += [src] * np.size(r)


FORMS = ("literal", "hessian")
H_REL = 1e-6  # the Hessian form's finite-difference step, relative to 1 + ||x||
# a pair breaks an envelope when its factor exceeds 1 + TOL: float rounding of an exact ratio (literal form), the
# finite-difference error of a Hessian-vector product (Hessian form)
TOL = {"literal": 1e-9, "hessian": 1e-4}


def _ratio(gx, gy, x, y, form="literal"):
    d = np.linalg.norm(x - y)
    if not d > 0:
        return None
    n = np.linalg.norm(gx) if form == "hessian" else min(np.linalg.norm(gx), np.linalg.norm(gy))
    return np.linalg.norm(gx - gy) / d, n


def _local(oracle, x, u, sl):
    """The Hessian form's pair at x along the unit direction u (on the coordinates sl)."""
    h = H_REL * (1 + np.linalg.norm(x))
    gx, gy = oracle.grad(x), oracle.grad(x + h * u)
    return _ratio(gx[sl], gy[sl], x[sl], (x + h * u)[sl], "hessian")


def trajectory_pairs(X, G, sl=slice(None), window=3, form="literal", oracle=None) -> Pairs:
    """Literal form: pairs of iterates up to `window` steps apart; Hessian form: the update direction at each iterate
    (needs the oracle). On the coordinates sl (a group)."""
    X, G = np.asarray(X, float), np.asarray(G, float)
    if X.ndim != 2 or X.shape != G.shape or X.shape[0] < 2:
        raise InputError(f"the log must hold iterates x and gradients g of equal shape (K >= 2, d), got {X.shape}, {G.shape}")
    if not (np.isfinite(X).all() and np.isfinite(G).all()):
        raise InputError("the log's iterates and gradients must be finite")
    out = Pairs(np.zeros(0), np.zeros(0))
    if form == "hessian":
        if oracle is None:
            raise InputError("the Hessian form needs gradients at new points: a model or a problem, not a log only")
        for i in range(len(X) - 1):
            u = np.zeros_like(X[i])
            u[sl] = (X[i + 1] - X[i])[sl]
            if np.linalg.norm(u) > 0:
                rn = _local(oracle, X[i], u / np.linalg.norm(u), sl)
                if rn is not None:
                    out.extend(*rn, "trajectory")
        return out
    for k in range(1, window + 1):
        for i in range(len(X) - k):
            rn = _ratio(G[i, sl], G[i + k, sl], X[i, sl], X[i + k, sl])
            if rn is not None:
                out.extend(*rn, "trajectory")
    return out


def fit_envelope(pairs: Pairs, alpha=None) -> dict:
    """The rule: minimize mean_i (L0 + L1 n_i^alpha) s.t. L0 + L1 n_i^alpha >= r_i, L0, L1 >= 0; alpha given or the
    grid point of [0, 1] with the smallest mean height (ties: the smaller alpha). At alpha = 0 the two constants are
    one (L0 + L1): reported as L0."""
    from scipy.optimize import linprog

    r, n = pairs.ratio, pairs.grad_norm
    if len(r) == 0:
        raise InputError("no pair to fit: the iterates must differ")
    best = None
    for a in [alpha] if alpha is not None else ALPHA_GRID:
        na = n**a if a > 0 else np.ones_like(n)
        if a == 0:
            L0, L1, height = float(r.max()), 0.0, float(r.max())
        else:
            res = linprog([1.0, float(na.mean()) * (1 + 1e-12)], A_ub=-np.c_[np.ones_like(na), na], b_ub=-r,
                          bounds=[(0, None), (0, None)], method="highs")  # fmt: skip
            if res.status != 0:
                continue
            L0, L1 = (float(v) for v in res.x)
            L0, L1 = _cover(r, na, L0, L1)
            height = L0 + L1 * float(na.mean())
        if best is None or height < best["mean_height"] * (1 - 1e-12):
            best = {"L0": L0, "L1": L1, "alpha": float(a), "mean_height": height}
    best["rule"] = "smallest mean of L0 + L1 n^alpha over the measured n with every pair below it (a linear program)" + (
        "" if alpha is not None else "; alpha chosen on the grid 0, 0.05, .., 1 by the same mean"
    )
    best["pairs"] = len(r)
    return best


def _cover(r, na, L0, L1):
    """The LP's solution nudged up until every pair lies below it in float arithmetic."""
    excess = float(np.max(r - (L0 + L1 * na)))
    return (L0 + max(excess, 0.0) * (1 + 1e-9), L1) if excess > 0 else (L0, L1)


def factor(r, n, env):
    """The violation factor of a pair: r / (L0 + L1 n^alpha) (> 1: the envelope is broken)."""
    h = env["L0"] + env["L1"] * (n ** env["alpha"] if env["alpha"] > 0 else 1.0)
    return math.inf if h <= 0 else r / h


def probe(oracle, X, env, sl=slice(None), radius=None, K=60, seed=0, pairs=None, form="literal") -> dict:
    """Search pairs (x, y) near the iterates X (rows) for a violation of env on the coordinates sl. Every pair tried
    is added to `pairs` when given. Returns the worst pair found and the verdict."""
    rng = np.random.default_rng(seed)
    X = np.asarray(X, float)
    span = float(np.max(np.linalg.norm(X - X.mean(axis=0), axis=1))) if len(X) > 1 else 1.0
    radius = radius if radius is not None else max(span, 1e-3) * 0.5
    d = X.shape[1]
    idx = np.arange(d)[sl]
    best = {"factor": 0.0}
    tried = 0

    def attempt(x, y, how):
        nonlocal tried
        tried += 1
        if form == "hessian":  # only the direction of y - x counts
            rn = _local(oracle, x, (y - x) / np.linalg.norm(y - x), sl)
        else:
            rn = _ratio(oracle.grad(x)[sl], oracle.grad(y)[sl], x[sl], y[sl])
        if rn is None:
            return 0.0
        if pairs is not None:
            pairs.extend(*rn, how)
        f = factor(*rn, env)
        if f > best["factor"]:
            best.update(factor=f, x=x.copy(), y=y.copy(), ratio=rn[0], grad_norm=rn[1], how=how)
        return f

    def direction(v):
        u = np.zeros(d)
        u[idx] = v
        return u / np.linalg.norm(u)

    budget = max(K, 6)
    starts = X[rng.integers(0, len(X), budget)]
    for j in range(budget // 3):  # random directions at random distances
        x = starts[j]
        attempt(x, x + radius * rng.uniform(0.01, 1.0) * direction(rng.normal(size=len(idx))), "random")
    for j in range(budget // 3, 2 * (budget // 3)):  # the top Hessian direction by power iteration
        x = starts[j]
        v, h, g0 = direction(rng.normal(size=len(idx))), 1e-4 * max(radius, 1e-8), oracle.grad(x)
        for _ in range(8):
            hv = (oracle.grad(x + h * v) - g0)[idx]
            if not np.linalg.norm(hv) > 0:
                break
            v = direction(hv)
        attempt(x, x + radius * rng.uniform(0.001, 0.05) * v, "hessian")
    if "x" in best:  # SPSA ascent of the factor from the worst pair so far
        x, y = best["x"], best["y"]
        for t in range(budget - tried):
            delta = direction(rng.choice([-1.0, 1.0], size=len(idx)))
            c = 0.1 * np.linalg.norm(y - x) / (1 + t) ** 0.1
            up = attempt(x, y + c * delta, "ascent")
            down = attempt(x, y - c * delta, "ascent")
            y = y + (c if up > down else -c) * delta
            if np.linalg.norm(y - x) > radius:
                y = x + radius * (y - x) / np.linalg.norm(y - x)
    refuted = best["factor"] > 1 + TOL[form]
    out = {
        "refuted": bool(refuted),
        "probes": tried,
        "radius": radius,
        "factor": float(best["factor"]),
        "how": best.get("how"),
    }
    if refuted:
        out["pair"] = {"x": best["x"].tolist() if d <= 50 else None, "y": best["y"].tolist() if d <= 50 else None,
                       "ratio": best["ratio"], "grad_norm": best["grad_norm"]}  # fmt: skip
        out["verdict"] = f"refuted at a pair {np.linalg.norm(best['y'] - best['x']):.3g} apart by factor {best['factor']:.4g}"
    else:
        out["verdict"] = f"not refuted within radius {radius:.3g} after {tried} probes (a search, not a certificate)"
    return out


def estimate(oracle, X, G=None, alpha=None, window=3, K=60, seed=0, rounds=3, radius=None, form="literal") -> dict:
    """Per group: the envelope of the trajectory pairs, then `rounds` of probing it and refitting on every pair
    measured, until the probes no longer break it (or the rounds run out: then the last probe's result says so)."""
    if form not in FORMS:
        raise InputError(f"form must be one of {', '.join(FORMS)}, got {form!r}")
    X = np.asarray(X, float)
    G = np.array([oracle.grad(x) for x in X]) if G is None else np.asarray(G, float)
    out = []
    for gi, (name, sl) in enumerate(oracle.groups):
        pairs = trajectory_pairs(X, G, sl, window, form, oracle)
        traj = fit_envelope(pairs, alpha)
        env, history = traj, []
        for r in range(rounds):
            p = probe(oracle, X, env, sl, radius, K, seed + 1000 * gi + r, pairs, form)
            history.append(p)
            if not p["refuted"]:
                break
            env = fit_envelope(pairs, alpha)
        out.append({"group": name, "size": sl.stop - sl.start, "trajectory": traj, "estimate": env,
                    "probe": history[-1] if history else None,
                    "rounds": len(history), "pairs": pairs})  # fmt: skip
    return {"groups": out, "form": form}


def refute_claim(oracle, X, claim, sl=slice(None), K=60, seed=0, radius=None, form="literal") -> dict:
    """Try to break claimed constants {L0, L1, alpha} near the iterates X."""
    env = {"L0": float(claim["L0"]), "L1": float(claim["L1"]), "alpha": float(claim["alpha"])}
    return probe(oracle, X, env, sl, radius, K, seed, form=form)


def plot_estimate(res, path=None):
    """One panel per group (at most 6): the pairs by source and the fitted envelopes (trajectory only, final)."""
    from insgd.verify.figures import figure, legend, save

    groups = res["groups"][:6]
    fig, axes = figure(1, len(groups), width=4.2 * len(groups), height=3.6, squeeze=False)
    for ax, g in zip(axes[0], groups, strict=False):
        p = g["pairs"]
        src = np.array(p.source)
        for s, m in (("trajectory", "o"), ("random", "."), ("hessian", "^"), ("ascent", "x")):
            k = src == s
            if k.any():
                ax.plot(p.grad_norm[k], p.ratio[k], m, ms=3, alpha=0.6, label=s)
        n = np.geomspace(max(p.grad_norm[p.grad_norm > 0].min(initial=1e-6), 1e-12), max(p.grad_norm.max(), 1e-9), 200)
        for e, style, lab in ((g["trajectory"], ":", "trajectory envelope"), (g["estimate"], "-", "estimate")):
            ax.plot(n, e["L0"] + e["L1"] * (n ** e["alpha"] if e["alpha"] > 0 else np.ones_like(n)), style, color="k", label=lab)
        ax.set(xscale="log", yscale="log", xlabel="||grad|| (smaller of the pair)", ylabel="||g(x) - g(y)|| / ||x - y||")
        ax.set_title(f"{g['group']} ({g['size']} coords)", fontsize=9)
        legend(ax)
    if path is not None:
        save(fig, path)
    return fig
