r"""The assumption auditor: does a function satisfy Assumption 1 (each form) and Assumption 2 (PL), with which
constants? Each claim gets `holds`, `fails` or `unknown`, with how it was reached (`certificate`).

Soundness is the first invariant:

* `holds` only when every step is certified. f* is the global infimum of f over R and must itself be certified
  (`fstar_certified`): f - f* >= 0 on all of R by the same interval cover. The inequality is certified for
  exactly the numbers given (a decimal is the rational it spells; nothing is rounded to a nearby closed form),
  by outward-rounded interval arithmetic on a finite cover of the region: compact pieces by bisection, the tails
  |w| >= R on half-lines [R, +inf] with the expression rewritten so that cancellations are exact (w = +-v with
  v > 0, Abs resolved where its sign is certified, exponentials expanded, polynomials mapped to u = 1/v), and the
  neighbourhood of each exact minimizer, where both sides of PL vanish, through E / |w - w*|^k (k the order of
  f - f* at w*) with exact quotients or Taylor forms whose remainder is enclosed. An identity E = 0 is certified
  symbolically; a polynomial claim with an even integer rho by exact real-root isolation.
* `fails` only with a witness inside the claimed region whose violation is re-checked in 60-digit interval
  arithmetic at the exact rational witness (PL against an exact upper bound of f*, so the true f* can only make
  the violation larger). The witness and the violation's size are printed.
* everything else is `unknown`, with the missing step named, including when the time limit per claim runs out.

Domain: f must be real, finite and C^1 on all of R (C^2 for the Hessian form) and bounded below; a function that
is not (log(w), sqrt(w), 1/w, |w|, w**3, ...) is refused in one line naming the reason. An infimum that is only
approached at infinity (exp(-w**2)) is reported as not attained.
"""

import contextlib
import time

import mpmath
import numpy as np
import sympy as sp
from mpmath import iv
from scipy import optimize

from insgd.theory import assumptions as A
from insgd.theory.numbers import InputError, decimal_value, parse_number
from insgd.verify.audit.audit1d import Audit1D
from insgd.verify.audit.claims import _exact_constants, _region_text, alpha_min, best_mu, check_claim, rho_range, smallest_L0
from insgd.verify.audit.forms import SEARCH_RADIUS, TIME_LIMIT, Claim, W, _num, parse
from insgd.verify.audit.intervals import iabs, ieval, point
from insgd.verify.audit.safe_expr import parse_expr
from insgd.verify.audit.witnesses import rigorous_lower
from insgd.verify.verdicts import FAILS


def audit_expr(
    text, box=None, pl_claims=(), smooth_claims=(), time_s=TIME_LIMIT, best_constants=True, progress=None, on_partial=None
) -> dict:
    """Audit f given as text (the safe expression language) or a SymPy expression; claims are judged for exactly
    the numbers given (strings such as '0.1' or '2/3', ints, Fractions, SymPy rationals; a float is the exact
    decimal of its repr)."""
    t0 = time.monotonic()
    e, syms = parse(text) if isinstance(text, str) else (text, sorted(text.free_symbols, key=lambda s: s.name))
    pl, sm = _exact_constants(pl_claims, smooth_claims)
    if box is not None:
        box = tuple(parse_number("box", x) for x in box)
        if not box[0] < box[1]:
            raise InputError(f"box must be a:b with a < b, got {box[0]}:{box[1]}")
    if len(syms) > 1 or (syms and syms[0] != W):
        return audit_nd(e, syms, box, pl, sm)
    a = Audit1D(e, time_s)
    region = (sp.S.NegativeInfinity, sp.oo) if box is None else box
    rtext = _region_text(region)
    claims = []
    todo = [Claim("pl", None, {"rho": r, "mu": m}, rtext) for r, m in pl]
    todo += [Claim("smooth", f, {"L0": L0, "L1": L1, "alpha": al}, rtext) for f, L0, L1, al in sm]
    facts = {
        "expr": str(e),
        "fstar": _num(a.fstar) if a.fstar is not None else None,
        "fstar_exact": None if a.fstar is None else str(a.fstar),
        "fstar_certified": a.fstar_certified,
        "fstar_attained": a.fstar_attained,
        "fstar_how": a.fstar_how,
        "argmin": [_num(p) for p in a.argmin],
        "stationary_points": [_num(p) for p in a.stationary],
        "stationary_points_exact": a.stationary_exact,
        "polynomial": a.polynomial,
        "notes": a.notes,
    }
    for i, cl in enumerate(todo):
        if on_partial:
            on_partial({**facts, "claims": [c.to_json() for c in claims]})
        if progress:
            progress(i, len(todo), cl)
        claims.append(check_claim(a, cl, region, time_s))
    if on_partial:
        on_partial({**facts, "claims": [c.to_json() for c in claims]})
    out = {
        **facts,
        "rho_range": rho_range(a),
        "alpha_min": alpha_min(a),
        "claims": [c.to_json() for c in claims],
    }
    if best_constants:
        rr = out["rho_range"]
        if rr and rr.get("hi_exact") is not None:
            out["best_mu_at_rho_hi"] = best_mu(a, sp.sympify(rr["hi_exact"]), region)
        for form, _L0, L1, al in sm:
            if form == "hessian" and out["alpha_min"] and out["alpha_min"].get("alpha_min") is not None:
                out.setdefault("smallest_L0", []).append(smallest_L0(a, L1, al, region))
    out["time_s"] = round(time.monotonic() - t0, 3)
    return out


# -- a wall-clock and memory bound that can really interrupt ------------------------------------------------------

MEMORY_CAP = 4 * 2**30  # bytes of address space the audit's worker process may use


def audit_expr_bounded(text, box=None, pl_claims=(), smooth_claims=(), time_s=TIME_LIMIT, progress=None) -> dict:
    """audit_expr in a worker process that is killed at time_s wall-clock seconds (a SymPy or big-integer step no
    signal can interrupt ends with it) and capped at MEMORY_CAP bytes. The input is validated here first, so bad
    input stays one line. What was decided before the limit is kept (f* and the claims finished, sent as they
    finish); every claim not decided is unknown, with the reason; the best-constant searches are dropped."""
    from insgd.core import process_context

    e, syms = parse(text) if isinstance(text, str) else (text, sorted(text.free_symbols, key=lambda s: s.name))
    pl, sm = _exact_constants(pl_claims, smooth_claims)
    if len(syms) > 1 or (syms and syms[0] != W):
        return audit_expr(text, box, pl_claims, smooth_claims, time_s, progress=progress)  # numeric search, bounded
    ctx = process_context()
    if ctx.get_start_method() != "fork":
        progress = None  # a spawned worker cannot receive a closure; progress lines are optional
    recv, send = ctx.Pipe(duplex=False)
    worker = ctx.Process(target=_bounded_worker, args=(send, text, box, pl_claims, smooth_claims, time_s, progress), daemon=True)
    t0 = time.monotonic()
    worker.start()
    send.close()
    last, result, why = None, None, f"the time limit of {time_s:g} s was reached"
    try:
        while result is None:
            left = t0 + time_s - time.monotonic()
            if left <= 0:
                break
            if not recv.poll(min(left, 0.2)):
                if not worker.is_alive():
                    why = "the audit's worker process ended unexpectedly (memory cap?)"
                    break
                continue
            try:
                kind, payload = recv.recv()
            except EOFError:
                why = "the audit's worker process ended unexpectedly (memory cap?)"
                break
            if kind == "partial":
                last = payload
            elif kind == "done":
                result = payload
            elif kind == "input":
                raise InputError(payload)
            elif kind == "memory":
                why = f"the memory cap of {MEMORY_CAP / 2**30:.3g} GiB was reached"
                break
            else:
                raise RuntimeError(payload)
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join(1)
        recv.close()
    if result is not None:
        return result
    rtext = _region_text((sp.S.NegativeInfinity, sp.oo) if box is None else tuple(parse_number("box", x) for x in box))
    done = (last or {}).get("claims", [])
    todo = [Claim("pl", None, {"rho": r, "mu": m}, rtext) for r, m in pl]
    todo += [Claim("smooth", f, {"L0": L0, "L1": L1, "alpha": al}, rtext) for f, L0, L1, al in sm]
    for cl in todo[len(done) :]:
        cl.evidence = f"not decided: {why} (--time-limit bounds the whole audit)"
        done.append(cl.to_json())
    out = dict(last) if last else {"expr": str(e), "fstar": None, "fstar_certified": False, "fstar_how": f"not decided: {why}"}
    out.update(claims=done, stopped=why, time_s=round(time.monotonic() - t0, 3))
    return out


def _bounded_worker(send, text, box, pl_claims, smooth_claims, time_s, progress):
    import resource
    import signal as sig

    sig.signal(sig.SIGINT, sig.SIG_IGN)  # the parent handles Ctrl-C and kills this process
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    try:
        out = audit_expr(
            text, box, pl_claims, smooth_claims, time_s, progress=progress, on_partial=lambda x: send.send(("partial", x))
        )
        send.send(("done", out))
    except InputError as e:
        send.send(("input", str(e)))
    except MemoryError:
        send.send(("memory", ""))
    except Exception as e:  # a bug: reported by the parent as an internal error
        send.send(("error", f"{type(e).__name__}: {e}"))
    finally:
        send.close()


# -- registry problems ---------------------------------------------------------------------------------------------


def problem_expr(problem):
    """The SymPy form of a registry problem, from the formula it carries (`Problem.formula`, parsed by the safe
    parser: one definition of each problem's f), or None when it has none."""
    text = problem.formula()
    return None if text is None else parse_expr(text, f"{problem.name} formula")


def audit_problem(problem, box=None, pl_claims=(), smooth_claims=(), time_s=TIME_LIMIT):
    """A registry problem: the 1-D ones through their SymPy form (certificates and witnesses); the others by
    refutation on the problem's own value/gradient/Hessian, witnesses re-checked in 50-digit arithmetic where the
    problem evaluates on mpmath numbers."""
    e = problem_expr(problem)
    if e is not None:
        out = audit_expr_bounded(e, box, pl_claims, smooth_claims, time_s)
        out["problem"] = problem.name
        return out
    pl, sm = _exact_constants(pl_claims, smooth_claims)
    return _audit_numeric(problem, box, pl, sm)


def _mp_value_grad(problem, x):
    """f and grad f at x in 50-digit arithmetic, by running the problem's NumPy code on mpmath numbers."""
    with mpmath.workdps(50):
        X = np.array([[mpmath.mpf(r.p) / r.q for r in map(decimal_value, x)]], dtype=object)
        f = problem.value(X)[0]
        g = problem.grad(X)[0]
        gn = mpmath.sqrt(sum(t * t for t in g))
        return mpmath.mpf(f), gn


def _audit_numeric(problem, box, pl, sm, seed=0):
    d = problem.dim
    rng = np.random.default_rng(seed)
    lo, hi = (float(box[0]), float(box[1])) if box is not None else (-1e6, 1e6)
    f_at_min = float(problem.value(np.asarray(problem.argmin, float)[None])[0])
    fstar_upper = f_at_min  # f at a point is an upper bound of f*: a PL violation against it is one for the true f*
    center = np.asarray(problem.argmin, float)
    pts = [np.zeros((1, d)), center[None]]
    pts += [center + rng.normal(0, s, (200, d)) for s in (1e-3, 1e-1, 1, 3)]
    pts += [rng.normal(0, s, (200, d)) for s in (1e-2, 1, 10)]
    pts = np.clip(np.concatenate(pts), lo, hi)
    region = "R^d" if box is None else f"[{lo:g}, {hi:g}]^{d}"
    claims = []
    with np.errstate(all="ignore"):
        vals, grads = problem.value(pts), problem.grad(pts)
        gnorm = np.sqrt((grads * grads).sum(axis=1))
    for rho, mu in pl:
        cl = Claim("pl", None, {"rho": rho, "mu": mu}, region)
        cl.evidence = "no violation found by search; several variables: no certificate (refutation only)"
        with np.errstate(all="ignore"):
            v = -A.PL.numeric()(rho=float(rho), mu=float(mu), grad=gnorm, gap=vals - fstar_upper)
        v = np.where(np.isfinite(v), v, -np.inf)
        for i in np.argsort(v)[::-1][:5]:
            if v[i] <= 0:
                break
            try:
                fx, gx = _mp_value_grad(problem, pts[i])
                with mpmath.workdps(50):
                    r_, m_ = (mpmath.mpf(x.p) / x.q if x.is_Rational else mpmath.mpf(sp.N(x, 50)) for x in (rho, mu))
                    lb = -A.PL.numeric("mpmath")(rho=r_, mu=m_, grad=gx, gap=fx - mpmath.mpf(repr(fstar_upper)))
            except Exception:  # noqa: BLE001 - a problem without an mpmath path
                lb = None
            if lb is not None and lb > 0:
                cl.verdict, cl.witness, cl.violation = FAILS, [float(t) for t in pts[i]], float(lb)
                cl.evidence = (
                    f"at the witness (||grad f|| = {float(gx):.3g}) f - f(argmin) exceeds |grad f|^rho/(2 mu) by "
                    f"{float(lb):.3g} (50-digit re-check; f* <= f(argmin))"
                )
                cl.certificate = "witness inside the region" + (
                    "; a stationary point that is not a minimizer" if float(gx) < 1e-30 else ""
                )
                break
        claims.append(cl.to_json())
    for form, L0, L1, al in sm:
        cl = Claim("smooth", form, {"L0": L0, "L1": L1, "alpha": al}, region)
        cl.evidence = "several variables: not audited for smoothness (see the empirical scatter, --plot)"
        claims.append(cl.to_json())
    return {
        "problem": problem.name,
        "fstar": problem.fstar,
        "fstar_certified": False,
        "fstar_how": f"f* = {problem.fstar:.10g} ({problem.fstar_status}); used only as an upper bound",
        "argmin": np.asarray(problem.argmin).tolist(),
        "stationary_points": None,
        "rho_range": None,
        "alpha_min": None,
        "claims": claims,
        "certificates": problem.certify().to_json(),
    }


def smoothness_scatter(problem, optimizer="gd", gamma=1e-3, iters=2000, seed=0, w0=None):
    """Empirical local smoothness ||grad f(x) - grad f(y)|| / ||x - y|| against ||grad f(x)|| along a trajectory
    (as in Zhang et al. 2019), with the frontier L ~ L0 + L1 g^alpha fitted to the upper envelope. Empirical:
    a scatter cannot certify anything."""
    from insgd.numerics.engine import run

    w0 = np.ones(problem.dim) * 2.0 if w0 is None else np.asarray(w0, float)
    tr = run(problem, optimizer, w0, iters, [seed], {"gamma": gamma}, n_checkpoints=iters + 1)
    pts = []
    x = w0[None]
    for _ in range(min(iters, 400)):
        g = problem.grad(x)
        y = x - gamma * g
        gy = problem.grad(y)
        d = np.linalg.norm(y - x)
        if d == 0 or not np.isfinite(d):
            break
        pts.append((float(np.linalg.norm(g)), float(np.linalg.norm(gy - g) / d)))
        x = y
    pts = np.array([p for p in pts if np.isfinite(p).all() and p[0] > 0])
    frontier = None
    if len(pts) >= 5:
        big = pts[pts[:, 0] > np.median(pts[:, 0])]
        if len(big) >= 3 and np.ptp(np.log(big[:, 0])) > 0:
            slope = np.polyfit(np.log(big[:, 0]), np.log(big[:, 1]), 1)[0]
            frontier = {"alpha_empirical": float(slope), "L0_empirical": float(pts[:, 1].min())}
    return {
        "points": pts.tolist(),
        "frontier": frontier,
        "label": "empirical (not certified)",
        "trajectory_final_gap": float(tr.gap[0, -1]),
    }


def plot_scatter(sc, path, title=""):
    from insgd.verify.figures import figure, save

    p = np.array(sc["points"])
    fig, ax = figure(width=5, height=4)
    if len(p):
        ax.loglog(p[:, 0], p[:, 1], ".", ms=3)
    fr = sc["frontier"]
    ax.set(
        xlabel="||grad f||",
        ylabel="local smoothness",
        title=f"{title} (empirical)" + (f": alpha ~ {fr['alpha_empirical']:.2f}" if fr else ""),
    )
    save(fig, path)


# -- several variables: refutation only --------------------------------------------------------------------------


def audit_nd(expr, syms, box=None, pl_claims=(), smooth_claims=(), seed=0):
    """f(w0, ..., w_{d-1}): f* estimated by local minimization from many starts (f at the best point is an upper
    bound of the true f*, so a PL violation against it is a violation for the true f* too), then a search for
    violations of each claim, witnesses inside the box re-checked in 60-digit interval arithmetic. No
    certificate in several variables: claims not refuted are `unknown`."""
    d = len(syms)
    mods = [{"sign": np.sign, "Abs": np.abs}, "numpy"]
    f_np = sp.lambdify([syms], expr, mods)
    grad = [sp.diff(expr, s) for s in syms]
    g_np = sp.lambdify([syms], grad, mods)
    hess = sp.hessian(expr, syms)
    h_np = sp.lambdify([syms], hess, mods)
    rng = np.random.default_rng(seed)
    lo, hi = (float(box[0]), float(box[1])) if box is not None else (-SEARCH_RADIUS, SEARCH_RADIUS)
    best = None
    with np.errstate(all="ignore"):
        for x0 in rng.uniform(max(lo, -3), min(hi, 3), (20, d)):
            try:
                res = optimize.minimize(
                    lambda x: float(f_np(x)),
                    x0,
                    jac=lambda x: np.asarray(g_np(x), float),
                    method="L-BFGS-B",
                    bounds=[(lo, hi)] * d,
                )
            except (ValueError, TypeError, OverflowError):
                continue
            if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
                best = res
    if best is None:
        raise InputError("f could not be evaluated (not finite) at any start point")
    xstar = [decimal_value(t) for t in np.clip(best.x, lo, hi)]
    fstar_upper = expr.subs(dict(zip(syms, xstar, strict=True)))
    pts = np.concatenate(
        [rng.normal(0, s, (400, d)) for s in (1e-3, 1e-1, 1, 3, 10)]
        + [np.zeros((1, d))]
        + [best.x + rng.normal(0, s, (200, d)) for s in (1e-6, 1e-3, 1e-1)]
    )
    pts = np.clip(pts, lo, hi)
    fs = float(sp.N(fstar_upper, 30))

    def viol(kind, c, x):
        g = np.asarray(g_np(x), float)
        if kind == "pl":
            return -A.PL.numeric()(rho=float(c["rho"]), mu=float(c["mu"]), grad=np.linalg.norm(g), gap=f_np(x) - fs)
        return -A.SMOOTH_HESSIAN.numeric()(
            L0=float(c["L0"]),
            L1=float(c["L1"]),
            alpha=float(c["alpha"]),
            hess=np.linalg.norm(np.asarray(h_np(x), float), 2),
            grad=np.linalg.norm(g),
        )

    def exact(kind, c, x):
        """Rigorous lower bound of the violation at the exact rational point x (60-digit intervals)."""
        env = {s: point(decimal_value(v)) for s, v in zip(syms, x, strict=True)}

        def compute():
            gi = [ieval(gk, env) for gk in grad]
            gn = iv.sqrt(sum((t * t for t in gi), iv.mpf(0)))
            if kind == "pl":  # the residual with the norms left as symbols, evaluated on their intervals
                res = A.PL.residual(rho=c["rho"], mu=c["mu"], grad=A.KEYWORDS["grad"], gap=A.KEYWORDS["gap"])
                return -ieval(res, {A.KEYWORDS["grad"]: gn, A.KEYWORDS["gap"]: ieval(expr - fstar_upper, env)})
            Hm = [[ieval(hess[i, j], env) for j in range(d)] for i in range(d)]
            frob_lo = iv.sqrt(sum((iabs(Hm[i][j]) ** 2 for i in range(d) for j in range(d)), iv.mpf(0)))
            hn = frob_lo / iv.sqrt(iv.mpf(d))  # ||H||_2 >= ||H||_F / sqrt(d): a rigorous lower bound
            res = A.SMOOTH_HESSIAN.residual(
                L0=c["L0"], L1=c["L1"], alpha=c["alpha"], hess=A.KEYWORDS["hess"], grad=A.KEYWORDS["grad"]
            )
            return -ieval(res, {A.KEYWORDS["hess"]: hn, A.KEYWORDS["grad"]: gn})

        return rigorous_lower(compute)

    claims = []
    region = "R^d" if box is None else f"[{lo:g}, {hi:g}]^{d}"
    todo = [("pl", None, {"rho": r, "mu": m}) for r, m in pl_claims]
    for form, L0, L1, al in smooth_claims:
        todo.append(("smooth", form, {"L0": L0, "L1": L1, "alpha": al}))
    for kind, form, c in todo:
        cl = Claim(kind, form, c, region)
        if kind == "smooth" and form != "hessian":
            cl.evidence = "several variables: only the Hessian form and PL are searched"
            claims.append(cl.to_json())
            continue
        with np.errstate(all="ignore"):
            v = np.array([viol(kind, c, x) for x in pts])
            v = np.where(np.isfinite(v), v, -np.inf)
            for i in np.argsort(v)[::-1][:5]:
                cands = [pts[i]]
                with contextlib.suppress(Exception):
                    res = optimize.minimize(
                        lambda x, k=kind, cc=c: -viol(k, cc, np.clip(x, lo, hi)),
                        pts[i],
                        method="Nelder-Mead",
                        options={"maxiter": 400, "xatol": 1e-10, "fatol": 1e-14},
                    )
                    cands.insert(0, np.clip(res.x, lo, hi))
                for cand in cands:
                    lb = exact(kind, c, cand) if viol(kind, c, cand) > 0 else None
                    if lb is not None and lb > 0:
                        cl.verdict, cl.witness, cl.violation = FAILS, [float(t) for t in cand], float(lb)
                        cl.evidence = f"violation >= {float(lb):.3g} at the witness (60-digit intervals" + (
                            "; f* <= f at the best point found)" if kind == "pl" else ")"
                        )
                        cl.certificate = "witness inside the region"
                        break
                if cl.verdict == FAILS:
                    break
        if cl.verdict != FAILS:
            cl.evidence = "no violation found by search; no certificate in several variables"
        claims.append(cl.to_json())
    return {
        "expr": str(expr),
        "fstar": fs,
        "fstar_certified": False,
        "fstar_how": "estimated by local minimization from 20 starts (an upper bound of f*)",
        "argmin": best.x.tolist(),
        "stationary_points": None,
        "rho_range": None,
        "alpha_min": None,
        "claims": claims,
    }
