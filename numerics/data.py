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
import re
from pathlib import Path

import numpy as np

from insgd.core import InputError

TARGET = "Life expectancy"
DROP_IF_LARGE = ("infant deaths", "Measles", "under-five deaths")
LOGS = ("percentage expenditure", "Population", "GDP")
WINSORIZED = (
    TARGET,
    "Adult Mortality",
    "infant deaths",
    "Alcohol",
    "percentage expenditure",
    "Hepatitis B",
    "Measles",
    "under-five deaths",
    "Polio",
    "Total expenditure",
    "Diphtheria",
    "HIV/AIDS",
    "GDP",
)


def _winsorize(x, lo=0.05, hi=0.95):
    a, b = np.quantile(x, [lo, hi])
    return np.clip(x, a, b)


def _z(x):
    s = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(s > 0, s, 1.0)


MIN_ROWS = 50  # fewer rows than this cannot support the per-year imputation, z-scoring and a DRO run
MAX_BYTES = 16 * 2**20  # the real file is 326 KiB; a larger one is refused from its size, before reading
MAX_ROWS = 100_000
MAX_ABS = 1e12  # the real cells lie within 1.3e9 in size; beyond 1e12 a cell is not this data set (and z-scoring loses it)
_CELL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")  # ASCII decimals only


def _cell(v: str, line: int, h: str) -> float:
    """One numeric cell through the same rules as every number the toolkit reads: ASCII decimal or scientific
    notation (no 1_000, no non-ASCII digits, no nan/inf), size within [1e-300, MAX_ABS] or zero."""
    if not _CELL.fullmatch(v):
        raise InputError(f"data line {line}, column {h!r}: {v[:20]!r} is not a decimal number")
    x = float(v)
    if not (x == 0 or 1e-300 <= abs(x) <= MAX_ABS):
        raise InputError(f"data line {line}, column {h!r}: {v[:20]!r} must be 0 or within [1e-300, {MAX_ABS:.0e}] in size")
    return x


def _read_csv(path):
    """Validate and read the CSV as a stream: a header with the needed columns, rows of the header's length, numeric
    cells (an empty cell is a missing value, imputed later), at least MIN_ROWS and at most MAX_ROWS rows. Errors
    name the line and column, at the first bad cell."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise InputError(
            f"data {str(path)!r} is {size / 2**20:.1f} MiB, larger than {MAX_BYTES // 2**20} MiB: not the life-expectancy CSV"
        )
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            first = next(reader, None)
            if first is None or not any(h.strip() for h in first):
                raise InputError(f"data {str(path)!r} is empty: it needs a header line and at least {MIN_ROWS} rows")
            header = [h.strip() for h in first]
            col = {h: i for i, h in enumerate(header)}
            missing = [c for c in (TARGET, "Year", "BMI", "Country", "Status", *DROP_IF_LARGE, *LOGS) if c not in col]
            if missing:
                raise InputError(f"data must have the life-expectancy columns; line 1 (header) lacks {missing}")
            numeric = [h for h in header if h not in ("Country", "Status")]
            idx = [col[h] for h in numeric]
            rows = []
            for i, r in enumerate(reader):
                line = i + 2
                if i >= MAX_ROWS:
                    raise InputError(f"data has more than {MAX_ROWS} rows: not the life-expectancy CSV")
                if len(r) != len(header):
                    raise InputError(f"data line {line} has {len(r)} fields, the header has {len(header)}")
                vals = [r[k].strip() for k in idx]
                rows.append([_cell(v, line, h) if v else np.nan for v, h in zip(vals, numeric, strict=True)])
    except UnicodeDecodeError:
        raise InputError(f"data {str(path)!r} is not a UTF-8 text CSV file") from None
    except (OSError, csv.Error) as e:
        raise InputError(f"data {str(path)!r} could not be read as CSV: {e}") from None
    M = np.array(rows, float).reshape(len(rows), len(numeric))
    if len(M) < MIN_ROWS:
        raise InputError(f"data must have at least {MIN_ROWS} rows, got {len(M)}")
    for j, h in enumerate(numeric):
        if np.isnan(M[:, j]).all():
            raise InputError(f"data column {h!r} has no values")
    return header, M, numeric


def load_life_expectancy(path, pipeline="leakfree", noise_seed=None):
    """Return (X, y): the design matrix and the z-scored target, by the named pipeline."""
    path = Path(path)
    if pipeline not in ("paper", "leakfree"):
        raise InputError(f"pipeline must be 'paper' or 'leakfree', got {pipeline!r}")
    if not path.is_file():
        raise InputError(
            f"data must be a path to life_expectancy.csv (download it from Kaggle: "
            f"kumarajarshi/life-expectancy-who), got {str(path)!r}"
        )
    header, M, numeric = _read_csv(path)
    ci = {h: i for i, h in enumerate(numeric)}
    keep = np.ones(len(M), bool)
    for h in DROP_IF_LARGE:
        keep &= ~(M[:, ci[h]] >= 1001)
    M = M[keep]
    if len(M) < MIN_ROWS:
        raise InputError(f"data must keep at least {MIN_ROWS} rows after dropping outliers, got {len(M)}")
    years = M[:, ci["Year"]]
    if np.isnan(years).any():
        raise InputError("data column 'Year' has empty cells: every row needs its year")
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
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise InputError("data: the features are not finite after preprocessing (a column without values?)")
    if noise_seed is not None:
        y = y + np.random.default_rng(noise_seed).normal(0.0, 1.0, y.shape)
    return X, y


def synthetic_life_expectancy(path, n=120, seed=0):
    """Write a SYNTHETIC CSV with the life-expectancy schema (random values, n rows) to path and return path: a
    stand-in for tests and demos when the real data set is absent. Results on it say nothing about the paper."""
    rng = np.random.default_rng(seed)
    header = [
        "Country",
        "Year",
        "Status",
        "Life expectancy ",
        "Adult Mortality",
        "infant deaths",
        "Alcohol",
        "percentage expenditure",
        "Hepatitis B",
        "Measles ",
        " BMI ",
        "under-five deaths ",
        "Polio",
        "Total expenditure",
        "Diphtheria ",
        " HIV/AIDS",
        "GDP",
        "Population",
        " thinness  1-19 years",
        " thinness 5-9 years",
        "Income composition of resources",
        "Schooling",
    ]
    lines = [",".join(header)]
    for i in range(n):
        vals = [f"C{i % 10}", str(2000 + i % 16), "Developing", f"{rng.normal(69, 9):.1f}"]
        vals += [f"{abs(x):.3f}" if rng.uniform() > 0.05 else "" for x in rng.normal(50, 30, len(header) - 4)]
        lines.append(",".join(vals))
    path.write_text("\n".join(lines) + "\n")
    return path
