"""The paper's experiments and sweeps (verify/experiments/): configs (settings, readings, methods) <- tuning (runs,
metrics, step tuning) <- reproduce (the reproductions, their conclusions); sweep (configs in, traces out, on any
executor)."""
