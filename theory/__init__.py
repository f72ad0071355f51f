"""Symbolic side of insgd: the paper's assumptions and theorems as SymPy data.

Nothing here imports the NumPy engine; `numerics` and `verify` build on it.
"""

from theory.admissibility import admissible_forms
from theory.insgd import Theorem2Prediction, min_eps, predict_insgd
from theory.ngd import NGDPrediction, predict_ngd

__all__ = ["NGDPrediction", "Theorem2Prediction", "admissible_forms", "min_eps", "predict_insgd", "predict_ngd"]
