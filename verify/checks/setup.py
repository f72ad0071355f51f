"""What every check shares: the float tolerance and iteration cap of its runs, L1's floor, and the distance watch of
iterates against the ball their constants are certified on (the constants themselves: binding.py, instance.py)."""

import numpy as np

FLOAT_REL = 1e-9  # Delta_t and the bound are float64 values of a run and of a closed form: far above their rounding
L1_FLOOR = 1e-9  # a certificate with L0 = 0 (or L1 = 0) holds for every positive value: the smallest one used
MAX_ITERS = 2_000_000  # iteration cap of one run; when it binds before T(eps) the verdict is inconclusive


class Distance:
    """Engine callback: the largest ||w_t - w*|| of any run and the first t at which an iterate left the ball of
    `radius` (None: global constants, nothing to watch). Constants certified on a ball hold on that convex region,
    which contains every step's segment while the iterates stay in it; past the exit no verdict is earned."""

    def __init__(self, center, radius):
        self.center, self.radius, self.max, self.exit_t = center, radius, 0.0, None

    def __call__(self, t, W, active):
        d = float(np.max(np.linalg.norm(W - self.center, axis=1)))
        self.max = max(self.max, d)
        if self.exit_t is None and self.radius is not None and d > self.radius * (1 + FLOAT_REL):
            self.exit_t = t
        return False

    def replay(self, dists):
        """The calls the engine would have made, from the largest distance at each step (numerics/fused.ngd_runs)."""
        dists = np.asarray(dists, float)
        if not len(dists):
            return
        self.max = max(self.max, float(np.max(dists)))
        if self.exit_t is None and self.radius is not None:
            out = np.nonzero(dists > self.radius * (1 + FLOAT_REL))[0]
            self.exit_t = int(out[0]) if len(out) else None

    def withheld(self):
        """Why a verdict is withheld (an iterate left the certified ball), or None."""
        if self.exit_t is None:
            return None
        return (
            f"an iterate left the ball of radius {self.radius:.6g} on which the constants are certified (at t = "
            f"{self.exit_t}, max ||w_t - w*|| = {self.max:.6g})"
        )
