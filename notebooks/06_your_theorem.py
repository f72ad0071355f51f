# %% [markdown]
# # Check your own theorem
#
# A theorem is a record (`insgd.theory.records.Theorem`): the assumptions it uses (records of
# `insgd.theory.assumptions`), the algorithm and its step size, its bound Delta_t <= B(t) and T(eps), and how its
# constants come from a problem's certificates. No engine code. `insgd.verify.theorem_check.check_theorem` binds the
# constants on any problem that certifies the assumptions, runs the algorithm, and holds every iterate against the
# bound.
#
# Here a reader states a deliberately wrong theorem: gradient descent with step 1/L under L-smoothness and PL,
# claimed to contract as (1 - mu/L)^(4k), an order too fast. The toolkit refutes it with a run; the corrected
# statement, (1 - mu/L)^k (Karimi, Nutini and Schmidt 2016, Theorem 1), passes.

# %%
import sympy as sp

from insgd.numerics.problems import Quadratic
from insgd.theory import assumptions as A
from insgd.theory import symbols as S
from insgd.theory.records import Case, Theorem
from insgd.theory.theorems import register
from insgd.verify.theorem_check import check_theorem, worst_case

L, mu, t, Delta0, eps = S.L, S.mu, S.t, S.Delta0, S.eps


def gd_under_pl(key, power):
    """GD with step 1/L; claimed bound Delta_k <= (1 - mu/L)^(power k) Delta_0."""
    return Theorem(
        key=key,
        name=f"GD, L-smooth + PL, rate (1 - mu/L)^({power} k)",
        source="this notebook",
        reading="printed",
        assumptions=(A.L_SMOOTH, A.PL_CLASSIC),
        algorithm="gd",
        step_size=1 / L,
        bound={0: (1 - mu / L) ** (power * t) * Delta0},
        cases={0: (Case(sp.true, sp.log(Delta0 / eps) / (-power * sp.log(1 - mu / L)), "exact"),)},
        promise=f"f(x_k) - f* <= (1 - mu/L)^({power} k) (f(x_0) - f*)",
        binds={L: ("A1.literal", "L0"), mu: ("A2", "mu")},  # L from the literal form with L1 = 0, mu from PL, rho = 2
        requires={"A1.literal": {"L1": 0.0}, "A2": {"rho": 2.0}},
    )


# %% [markdown]
# ## The wrong statement, refuted by a run
# On a quadratic with condition number 5 (L = 5, mu = 1, both certified by the problem):

# %%
wrong = register(gd_under_pl("notebook.too_fast", 4))
r = check_theorem(wrong, Quadratic(dim=3, cond=5.0))
print(r["verdict"], "-", r["evidence"])
print("the run near the violation:", {k: [round(x, 6) for x in v[-3:]] for k, v in r["witness_run"].items()})

# %% [markdown]
# ## The corrected statement passes, with its tightness reported
# Also on the family on which the assumptions are tight (for PL with rho = 2: f = |w|^2 at its best constants).

# %%
right = register(gd_under_pl("notebook.corrected", 1))
for prob in (Quadratic(dim=3, cond=5.0), Quadratic(dim=2, cond=100.0), worst_case(right)):
    r = check_theorem(right, prob)
    print(f"{prob.name} {prob.params()}: {r['verdict']} - {r['evidence']}")

# %% [markdown]
# The refutation came from a run of the engine (the first iterate above the claimed bound), not from a rule written
# for this theorem: the same `check_theorem` checks every registered record.
