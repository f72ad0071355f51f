"""Loader for the WHO life-expectancy CSV of the paper's DRO experiment (users download it themselves).

Two pipelines (see ../shared/data/README.md for what is known of the paper's preprocessing):
* "paper": a reconstruction of the 34-feature pipeline of the public code: rows with infant deaths,
  measles or under-five deaths >= 1001 dropped; missing values imputed by the per-year median; BMI
  dropped; log columns for percentage expenditure, population and GDP (infinities -> 0); 13 winsorized
  (5%/95%) copies of numeric columns -- one of them of the target itself (a leak) -- and the row index
  as a feature (a defect); Year dropped to land on 34 columns (the exact list of the public code is not
  available; this is our reconstruction). Features z-scored; target z-scored.
* "leakfree" (default): the same without the row index and without the winsorized target: 32 features.
"""

import csv
from pathlib import Path

import numpy as np

from theory.numbers import InputError

TARGET = "Life expectancy"
DROP_IF_LARGE = ("infant deaths", "Measles", "under-five deaths")
LOGS = ("percentage expenditure", "Population", "GDP")
WINSORIZED = (TARGET, "Adult Mortality", "infant deaths", "Alcohol", "percentage expenditure", "Hepatitis B",
              "Measles", "under-five deaths", "Polio", "Total expenditure", "Diphtheria", "HIV/AIDS", "GDP")


def _winsorize(x, lo=0.05, hi=0.95):
    a, b = np.quantile(x, [lo, hi])
    return np.clip(x, a, b)


def _z(x):
    s = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(s > 0, s, 1.0)


def load_life_expectancy(path, pipeline="leakfree", noise_seed=None):
    """Return (X, y): the design matrix and the z-scored target, by the named pipeline."""
    path = Path(path)
    if pipeline not in ("paper", "leakfree"):
        raise InputError(f"pipeline must be 'paper' or 'leakfree', got {pipeline!r}")
    if not path.is_file():
        raise InputError(f"data must be a path to life_expectancy.csv (download it from Kaggle: "
                         f"kumarajarshi/life-expectancy-who), got {str(path)!r}")
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    header = [h.strip() for h in rows[0]]
    body = rows[1:]
    col = {h: i for i, h in enumerate(header)}
    missing = [c for c in (TARGET, "Year", "BMI", "Country", "Status", *DROP_IF_LARGE, *LOGS) if c not in col]
    if missing:
        raise InputError(f"data must have the life-expectancy columns; missing {missing}")
    numeric = [h for h in header if h not in ("Country", "Status")]

    def num(v):
        try:
            return float(v)
        except ValueError:
            return np.nan

    M = np.array([[num(r[col[h]]) for h in numeric] for r in body])
    ci = {h: i for i, h in enumerate(numeric)}
    keep = np.ones(len(M), bool)
    for h in DROP_IF_LARGE:
        keep &= ~(M[:, ci[h]] >= 1001)
    M = M[keep]
    years = M[:, ci["Year"]]
    for j in range(M.shape[1]):  # per-year median imputation
        for yv in np.unique(years):
            sel = (years == yv) & np.isnan(M[:, j])
            if sel.any():
                M[sel, j] = np.nanmedian(M[years == yv, j])
        M[np.isnan(M[:, j]), j] = np.nanmedian(M[:, j])
    y = M[:, ci[TARGET]].copy()
    base = [h for h in numeric if h not in (TARGET, "BMI", "Year")]
    cols = [M[:, ci[h]] for h in base]
    with np.errstate(divide="ignore"):
        for h in LOGS:
            lg = np.log(M[:, ci[h]])
            cols.append(np.where(np.isfinite(lg), lg, 0.0))
    for h in WINSORIZED:
        if h == TARGET and pipeline == "leakfree":
            continue
        cols.append(_winsorize(M[:, ci[h]]))
    if pipeline == "paper":
        cols.insert(0, np.arange(len(M), dtype=float))
    X = _z(np.column_stack(cols))
    y = _z(y)
    if noise_seed is not None:
        y = y + np.random.default_rng(noise_seed).normal(0.0, 1.0, y.shape)
    return X, y
