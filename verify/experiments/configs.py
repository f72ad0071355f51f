"""The experiments' configurations: the paper's settings for phase retrieval and DRO, the readings of the
clipping constant c, the methods and baselines, and the constants estimated from the problems."""

import numpy as np

from insgd.core import InputError
from insgd.numerics.optimizers import insgd_k

READINGS = ("literal", "threshold", "floor", "eq13", "code")
N_CHECKPOINTS = 80


INSTANCES = 3  # phase retrieval: independent problem instances (signal, measurements, noise); seed s uses s % 3


def phase_retrieval_config(quick, scale="variance", variant="paper", instances=INSTANCES):
    from insgd.numerics.finite_sums import PhaseRetrieval

    probs = [
        PhaseRetrieval(dim=20 if quick else 100, m=300 if quick else 3000, data_seed=i, scale=scale, variant=variant)
        for i in range(instances)
    ]
    prob = probs[0]
    return probs, {
        "name": "phase_retrieval",
        "iters": 150 if quick else 1500,
        "batch": 64,
        "batch_prime": 8,
        "delta": 15.0,
        "clip": 45.0,
        "beta": 2 / 3,
        "alpha": 2 / 3,
        "gammas": {"sgd": 5e-5, "nsgd": 0.25, "clipped": 0.25, "insgd": 0.5, "momentum": 0.25, "spider": 0.25},
        "betas": [1.0, 4 / 5, 7 / 10, 2 / 3, 13 / 20],
        "batch_primes": [4, 8, 16, 32, 64],
        "w0": lambda rng, R: prob.initial_point(rng, R),
        "scale": scale,
        "variant": variant,
        "fstar_how": "estimated: the best of several long L-BFGS runs on the full objective (numerics/finite_sums.py)",
        "instances": instances,
    }


def dro_config(quick, data, pipeline="leakfree", reg="smooth"):
    from insgd.numerics.data import load_life_expectancy
    from insgd.numerics.finite_sums import DRO

    if data is None:
        raise InputError(
            "data must be given: download the WHO life-expectancy CSV (Kaggle, "
            "kumarajarshi/life-expectancy-who, file 'Life Expectancy Data.csv') and pass --data PATH"
        )
    X, y = load_life_expectancy(data, pipeline=pipeline)
    if quick:
        X, y = X[:400], y[:400]
    prob = DRO(X=X, y=y, lam=0.01, reg=reg, pipeline=pipeline)
    return [prob], {
        "name": "dro",
        "iters": 150 if quick else 1500,
        "batch": 128,
        "batch_prime": 16,
        "delta": 45.0,
        "clip": 60.0,
        "beta": 2 / 3,
        "alpha": 1.0,
        "gammas": {"sgd": 4e-5, "nsgd": 5e-2, "clipped": 0.18, "insgd": 0.28, "momentum": 5e-2, "spider": 5e-2},
        "betas": [1.0, 4 / 5, 7 / 10, 2 / 3],
        "batch_primes": [16, 32, 64, 128],
        "w0": lambda rng, R: prob.initial_point(rng, R),
        "pipeline": pipeline,
        "reg": reg if reg == "exact" else "smooth (nu = 1e-3)",
        "smoothing_bound": prob.smoothing_bound(),
        "fstar_how": "estimated: the best of several long L-BFGS runs on the full objective (numerics/finite_sums.py)",
        "instances": 1,
    }


def budget(cfg):
    """Every method may draw the samples I-NSGD draws in cfg['iters'] iterations (B' included)."""
    return cfg["iters"] * (cfg["batch"] + cfg["batch_prime"])


def hessian_norms(prob, W, seed=0, power_steps=12, h=1e-4):
    """||Hess F(w)|| at each row of W, ESTIMATED by power iteration on finite-difference Hessian-vector products
    (grad F(w + h u) - grad F(w)) / h, 12 steps from a random direction (one random direction under-estimates it)."""
    rng = np.random.default_rng(seed)
    G = prob.grad(W)
    U = rng.normal(size=W.shape)
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    L = np.zeros(len(W))
    for _ in range(power_steps):
        HU = (prob.grad(W + h * U) - G) / h
        L = np.linalg.norm(HU, axis=1)
        U = HU / np.maximum(L, 1e-300)[:, None]
    return L, np.linalg.norm(G, axis=1)


def estimate_L1(prob, cfg, seed=0, n=32):
    """An ESTIMATE (not a certificate) of L1 in ||Hess F|| <= L1 (1 + ||grad F||^alpha), alpha as the paper states:
    the largest ||Hess F(w)|| / (1 + ||grad F(w)||^alpha) (hessian_norms) over n initial points and n points near
    the estimated minimizer."""
    rng = np.random.default_rng(seed)
    W = np.concatenate([cfg["w0"](rng, n), prob.argmin + rng.normal(0, 0.3, (n, prob.dim))])
    H, G = hessian_norms(prob, W, seed)
    return float(np.max(H / (1 + G ** cfg["alpha"])))


def estimate_local_L(prob, seed=0, n=32):
    """An ESTIMATE of the smoothness constant near the minimizer (SPIDER-SFO's L): the largest ||Hess F|| over n
    points within 0.3 of the estimated minimizer in each coordinate (hessian_norms)."""
    rng = np.random.default_rng(seed)
    return float(np.max(hessian_norms(prob, prob.argmin + rng.normal(0, 0.3, (n, prob.dim)), seed)[0]))


def rule(opt, hp):
    """The update rule of a configuration, split into its structure and its step scale, so that readings that
    differ only by the step size (which tuning explores) are recognized as one method:
    clipped SGD: gamma clip g / max{clip, ||g|| + delta} -> structure (clip, delta, B), scale gamma clip;
    I-NSGD: gamma g / max{floor, (k (2||g'|| + delta))^beta} = (gamma/k^beta) g / max{floor/k^beta, (2||g'|| + delta)^beta}
    -> structure (beta, delta, B, B', threshold floor/k^beta, or none when it never binds: floor <= (k delta)^beta),
    scale gamma/k^beta (with k = (4 L1 gamma)^(1/beta), gamma/k^beta = 1/(4 L1)); others: all hyperparameters but
    gamma, scale gamma."""
    h = {k: float(v) for k, v in hp.items()}
    if opt == "clipped_sgd":
        return ("clipped_sgd", h["clip"], h["delta"], h["batch"]), h["gamma"] * h["clip"]
    if opt == "insgd":
        beta = h["beta"]
        k = insgd_k(h)
        thr = h["floor"] / k**beta
        binds = thr > h["delta"] ** beta * (1 + 1e-12)
        return ("insgd", beta, h["delta"], h["batch"], h["batch_prime"], round(thr, 12) if binds else None), h["gamma"] / k**beta
    return (opt, *sorted((k, v) for k, v in h.items() if k != "gamma")), h.get("gamma")


def methods(cfg, reading, L1_est):
    """(label, optimizer, hyperparameters, the name of the tuned hyperparameter) for one reading of c."""
    B, Bp, d, c, beta, g = cfg["batch"], cfg["batch_prime"], cfg["delta"], cfg["clip"], cfg["beta"], cfg["gammas"]
    if reading == "literal":
        clip = {"gamma": g["clipped"], "clip": c}
        ins = {"k": c, "floor": 1.0}
    elif reading in ("threshold", "floor", "eq13"):
        clip = {"gamma": g["clipped"] / c, "clip": c}
        ins = {"threshold": {"k": 1.0, "floor": c**beta}, "floor": {"k": 1.0, "floor": c}, "eq13": {"L1": L1_est, "floor": 1.0}}[
            reading
        ]
    elif reading == "code":
        clip = {"gamma": g["clipped"] / c**2, "clip": c**2}
        ins = {"k": 1.0, "floor": c ** (2 * beta)}
    else:
        raise InputError(f"readings must be among {', '.join(READINGS)}, got {reading!r}")
    return [
        ("clipped SGD", "clipped_sgd", {**clip, "batch": B, "delta": d}, "gamma"),
        (
            "I-NSGD",
            "insgd",
            {"gamma": g["insgd"], "beta": beta, "batch": B, "batch_prime": Bp, "delta": d, **ins},
            "L1" if reading == "eq13" else "gamma",
        ),
    ]


def baselines(cfg, n_samples, local_L):
    """The methods that do not use c (one row each, independent of the reading). SPIDER-SFO in its finite-sum form
    (Fang et al. 2018, Algorithm 1 with n0 = 1): the full gradient every q = ceil(sqrt(n)) steps, recursive
    corrections on batches of ceil(sqrt(n)) samples, step min(gamma/||v||, 1/(2 L)) with L the local smoothness
    estimated near the minimizer (estimate_local_L); gamma (tuned) starts at the paper's SPIDER step."""
    B, g = cfg["batch"], cfg["gammas"]
    root = int(np.ceil(np.sqrt(n_samples)))
    return [
        ("SGD", "sgd", {"gamma": g["sgd"], "batch": B}, "gamma"),
        ("normalized SGD", "nsgd", {"gamma": g["nsgd"], "beta": 1.0, "batch": B}, "gamma"),
        ("NSGD + momentum", "nsgd_momentum", {"gamma": g["momentum"], "batch": B, "momentum": 0.9}, "gamma"),
        ("SPIDER-SFO", "spider_sfo", {"gamma": g["spider"], "batch": root, "q": root, "lr": 1 / (2 * local_L)}, "gamma"),
    ]
