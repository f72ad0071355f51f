# %% [markdown]
# # Theorem 1 and Theorem 2 as records
#
# Each theorem is a record (`insgd.theory.records.Theorem`): its source, the assumptions it uses, the algorithm,
# its conditions as SymPy relations, its bound and T(eps). Each comes in two readings: **printed** (the statement
# as it stands in the paper) and **derived** (what the paper's own proof gives). Everything below is computed
# from those records; nothing is typed in.

# %%

from insgd.theory.admissibility import admissible_forms
from insgd.theory.insgd import T_order, predict_insgd
from insgd.theory.ngd import C, predict_ngd, symbolic_orders
from insgd.theory.theorems import REGISTRY, all_differences

for key, t in REGISTRY.items():
    print(f"{key:18} {t.source}")

# %% [markdown]
# ## The one-step recursion of Theorem 1
# Lemma 1 and Assumption 2 give $\Delta_{t+1} \le \Delta_t - c\gamma\Delta_t^q$ with $q = (2-\beta)/\rho$ and this $c$:

# %%
C

# %% [markdown]
# ## Orders of T(eps), by SymPy limits, per regime (1: rho < 2-beta, 2: =, 3: >)

# %%
symbolic_orders()

# %% [markdown]
# The printed regime-1 exponents are $\beta/\rho$ or $(2-\rho-\beta)/\rho$; the derivation gives $(2-\rho)/\rho$.
# The explanation below is computed: the difference is compared with the eps-exponent of $1/\gamma$.

# %%
for beta, rho in [("1/2", "1"), ("1/4", "1"), ("0", "3/2"), ("1/2", "3/2"), ("2/3", "3/2")]:
    p = predict_ngd(1, 1, 0, beta, rho, "1/10", "1e-3", delta0=1)
    print(f"beta={beta:>4} rho={rho:>4} regime {p.regime}: {p.disagreement or 'printed and derived agree'}")

# %% [markdown]
# ## What separates the printed and derived readings (computed field by field)

# %%
for pair, diffs in all_differences().items():
    print(pair)
    for d in diffs:
        print("   -", d)

# %% [markdown]
# ## Admissibility
# Globally, the segment and Hessian forms force $2-\alpha \le \rho \le 2$ and the literal form $\rho = 2$ (proof in
# `theory/admissibility.py`). With $\alpha \le \beta$ the sublinear regime $\rho < 2-\beta$ is then empty: it needs
# constants certified on a region.

# %%
[(a, r, admissible_forms(a, r)) for a, r in [(0, 2), ("1/2", "3/2"), ("1/2", 1), (1, 1)]]

# %% [markdown]
# ## Theorem 2
# The bound (16), its dominant term, the batch sizes as printed, and the B' the proof needs once Lemma 2 is
# treated as the random event it is (probability 1/2 - 1/4 instead of 1/2).

# %%
p = predict_insgd(1, 1, 2, 1, "2/3", 1, "1e-2", alpha_v=0)
j = p.to_json()
print("T =", j["T"], "| dominant term:", j["dominant_term"], f"| order eps^-{T_order()[0]}")
print("B =", j["B"], "B' printed =", j["B_prime"], "B' derived =", j["B_prime_derived"])
