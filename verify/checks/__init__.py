"""Theorems held against runs (verify/checks/), by one checker.

generic.check_theorem is the checker for every theorem record: binding (which certificate gives each constant, read
exactly) <- instance (the record at those constants: hyperparameters, B(t), T(eps), regime) <- measure (the runs it
makes), expectation and probability (promises over the oracle's paths), rate (the rate on a tight instance) ->
result (the one result type, Check). theorem1 and theorem2 are that checker with the paper's records, plus what is
particular to them (the printed order, Lemma 2, the estimator bias); setup holds the shared tolerances and the
certified-ball watch; theorem_file reads user theorems from TOML; pep and brackets hold worst cases over a class.
"""
