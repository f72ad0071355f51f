import os
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("ci", max_examples=25, deadline=None)
settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "life_expectancy.csv"


@pytest.fixture
def life_expectancy_csv():
    path = Path(os.environ.get("INSGD_LIFE_EXPECTANCY", DATA))
    if not path.exists():
        pytest.skip(f"life-expectancy data not found at {path} (see ../shared/data/README.md)")
    return path
