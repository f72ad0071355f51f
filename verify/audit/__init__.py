"""The assumption auditor (verify/audit/): does a function satisfy Assumptions 1 and 2, with which constants?

forms (symbols, claims, the interval cover) <- witnesses (residuals, refutation) <- nonneg (E >= 0 on R) <- audit1d
(facts about f) <- claims (verdicts, best constants) <- auditor (the entry points); intervals (outward-rounded
arithmetic) and safe_expr (the expression parser) lie underneath.
"""
