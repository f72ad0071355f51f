import os
from pathlib import Path

import pytest
from hypothesis import settings

from insgd.numerics.data import synthetic_life_expectancy

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
