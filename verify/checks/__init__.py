"""Theorems held against runs (verify/checks/).

setup (Theorem 1's constants and prediction) <- rate (measured regime and rate) <- theorem1 (the Theorem 1 check);
theorem2 (I-NSGD, Lemma 2, independence); generic (any registered or user theorem record: bound per iterate or
in expectation); theorem_file (user theorems from TOML).
"""
