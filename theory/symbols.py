"""The one table of SymPy symbols. Substitute by these Symbol objects, never by name strings.

A symbol created with assumptions (``positive=True``) is a different object from ``Symbol("L0")``,
so ``expr.subs({"L0": 3})`` can silently do nothing; ``expr.subs({L0: 3})`` cannot.
"""

import sympy as sp

L0 = sp.Symbol("L_0", positive=True)
L1 = sp.Symbol("L_1", positive=True)
L = sp.Symbol("L", positive=True)  # a Lipschitz constant of the gradient (L-smoothness)
alpha = sp.Symbol("alpha", nonnegative=True)
beta = sp.Symbol("beta", nonnegative=True)
rho = sp.Symbol("rho", positive=True)
mu = sp.Symbol("mu", positive=True)
gamma = sp.Symbol("gamma", positive=True)
eps = sp.Symbol("epsilon", positive=True)
t = sp.Symbol("t", nonnegative=True)
T = sp.Symbol("T", positive=True)  # an iteration horizon (Theorem 2's T, which its step size uses)
Delta0 = sp.Symbol("Delta_0", positive=True)
tau1 = sp.Symbol("tau_1", positive=True)
tau2 = sp.Symbol("tau_2", positive=True)
delta = sp.Symbol("delta", positive=True)
B = sp.Symbol("B", positive=True)
B_prime = sp.Symbol("B'", positive=True)
M = sp.Symbol("M", nonnegative=True)  # variance bound, constant part (Bottou et al. 2018, Assumption 4.3)
M_V = sp.Symbol("M_V", nonnegative=True)  # variance bound, part growing with ||grad F||^2

# Norms that appear in the assumptions' inequalities (placeholders, one per quantity).
grad_w = sp.Symbol("g_w", nonnegative=True)  # ||grad f(w)||
grad_wp = sp.Symbol("g_w'", nonnegative=True)  # ||grad f(w')||
grad_max = sp.Symbol("g_max", nonnegative=True)  # max ||grad f|| over the segment [w, w']
grad_diff = sp.Symbol("g_diff", nonnegative=True)  # ||grad f(w) - grad f(w')||
dist = sp.Symbol("r", nonnegative=True)  # ||w - w'||
hess = sp.Symbol("H", nonnegative=True)  # ||Hess f(w)|| (operator norm)
gap = sp.Symbol("Delta", nonnegative=True)  # f(w) - f*
noise = sp.Symbol("e_xi", nonnegative=True)  # ||grad f_xi(w) - grad F(w)||
bias = sp.Symbol("b_xi", nonnegative=True)  # ||E_xi[grad f_xi(w)] - grad F(w)||
variance = sp.Symbol("V_xi", nonnegative=True)  # E_xi ||g(w, xi) - grad F(w)||^2 (trace of the covariance)
