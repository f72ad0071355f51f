# %% [markdown]
# # The paper audit
#
# Every checkable statement of Sections 2-4, with the toolkit's verdict. For the assumption auditor, `holds` means
# every step is certified (f* by a global interval cover, the inequality for exactly the numbers given), `fails`
# comes with a witness inside the region re-checked in 60-digit interval arithmetic, and everything else is
# `unknown` with its reason.

# %%
import os

from insgd.verify.audit.auditor import audit_expr
from insgd.verify.report.paper_audit import counts, paper_audit

QUICK = os.environ.get("INSGD_NOTEBOOK_QUICK") == "1"

# %% [markdown]
# ## The two example functions after Assumption 2
#
# Numbers are exact: `'4.77'` is 477/100 and `'2/3'` is two thirds. (The float `2/3` is 0.6666666666666666, a little
# less than two thirds, and with it the Hessian claim below is false far out, so the auditor would not certify it.)

# %%
r = audit_expr("w + w**2/2 + w**4", pl_claims=[(3, "0.1"), (2, "0.5")],
               smooth_claims=[("hessian", 4, "4.76", "2/3"), ("hessian", "4.01", "4.77", "2/3")])
print("f* =", r["fstar_exact"], "certified:", r["fstar_certified"])
print("rho range:", r["rho_range"]["lo_exact"], r["rho_range"]["hi_exact"])
for c in r["claims"]:
    print(c["kind"], c["form"], c["constants_exact"], "->", c["verdict"], c["witness"] or c["certificate"])

# %% [markdown]
# rho = 3 fails just next to the minimizer w* = -1/2 (both sides vanish there, the left one faster); L1 = 4.76
# fails far out because 12 w^2 outgrows 4.76 (4|w|^3)^(2/3) = 11.99 w^2. The sigmoid-like example: the paper's
# rho = 1, mu = 0.1 holds on all of R; by hand |f'|/(2f) = (1 + w^2)/|w| >= 2, so mu = 2 is the best value and 2.1
# fails near |w| = 1.

# %%
r = audit_expr("w**2/2*(exp(w**2) - 1) + w**2/2", pl_claims=[(1, "0.1"), (1, 2), (1, "2.1")])
print(r["alpha_min"])
for c in r["claims"]:
    print(c["constants_exact"], "->", c["verdict"], c["witness"] or c["certificate"])

# %% [markdown]
# ## Every statement

# %%
entries = paper_audit(quick=QUICK)
print(counts(entries))
for e in entries:
    print(f"[{e['verdict']:>10}] {e['ref']}: {e['statement']}")
