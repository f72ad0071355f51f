import os
from pathlib import Path

import pytest
from hypothesis import settings

# Locally the examples are random (new inputs each run, to find bugs); on CI (CI=true) they are derandomized, so a
# submission is judged on a fixed, reproducible set of examples.
settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True, database=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "life_expectancy.csv"


@pytest.fixture
def life_expectancy_csv():
    path = Path(os.environ.get("INSGD_LIFE_EXPECTANCY", DATA))
    if not path.exists():
        pytest.skip(f"life-expectancy data not found at {path} (see ../shared/data/README.md)")
    return path


@pytest.fixture
def life_expectancy_csv_or_synthetic(tmp_path):
    """The real CSV when present, else a small generated CSV of the same schema."""
    path = Path(os.environ.get("INSGD_LIFE_EXPECTANCY", DATA))
    return path if path.exists() else synthetic_life_expectancy(tmp_path / "life.csv")


def synthetic_life_expectancy(path, n=120, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    header = ["Country", "Year", "Status", "Life expectancy ", "Adult Mortality", "infant deaths", "Alcohol",
              "percentage expenditure", "Hepatitis B", "Measles ", " BMI ", "under-five deaths ", "Polio",
              "Total expenditure", "Diphtheria ", " HIV/AIDS", "GDP", "Population", " thinness  1-19 years",
              " thinness 5-9 years", "Income composition of resources", "Schooling"]
    lines = [",".join(header)]
    for i in range(n):
        vals = [f"C{i % 10}", str(2000 + i % 16), "Developing", f"{rng.normal(69, 9):.1f}"]
        vals += [f"{abs(x):.3f}" if rng.uniform() > 0.05 else "" for x in rng.normal(50, 30, len(header) - 4)]
        lines.append(",".join(vals))
    path.write_text("\n".join(lines) + "\n")
    return path
