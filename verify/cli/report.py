"""`insgd verify all` (the main job) and `insgd bench`."""

from insgd.verify.cli.common import _backend_option, _count, _json_options, _Parser, _print_json, _table


def cmd_bench(args) -> int:
    from insgd.verify.report.bench import bench_all, bench_batching

    if args.only == "batching":
        res = bench_batching(runs=args.runs, iters=args.iters, sample=args.sample)
        if args.json:
            _print_json(res, args)
        else:
            print(
                f"batching: {res['runs']} NGD configurations x {res['iters']} iterations: batch {res['batch_s']:.3f} s, "
                f"one after another {res['sequential_s']:.2f} s (from {res['sequential_sampled']} runs) -> "
                f"speedup {res['batching_speedup']:.1f}x"
            )
        return 0
    res = bench_all(quick=args.quick)
    if args.json:
        _print_json(res, args)
        return 0
    e = res["engine"]
    print(
        _table(
            [
                ("1. batching (64 NGD configs, 1e4 its)", f"{res['batching_speedup']:.1f}x (target >= 10x)"),
                (
                    "2. engine / bare kernel (I-NSGD, PR)",
                    f"{res['engine_overhead']:.2f}x (target <= 1.3x): {e['engine_s']:.2f} s vs {e['bare_kernel_s']:.2f} s",
                ),
                ("3. engine vs per-seed loop", f"{res['speedup_vs_loop']:.1f}x (target >= 3x)"),
                (
                    "4. Theorem 2 T on 1e6 points",
                    f"{res['theory_grid_s']:.3f} s, {res['theory_speedup']:.3g}x vs SymPy subs (target >= 1000x, < 1 s)",
                ),
                (
                    "5. main job --quick / full",
                    f"{res['main_job_quick_s']:.1f} s / "
                    f"{'-' if res['main_job_s'] is None else format(res['main_job_s'], '.1f') + ' s'}",
                ),
                *_backend_rows(res["backend"]),
            ]
        )
    )
    return 0


def _backend_rows(k):
    if not k["available"]:
        return [("6. numba backend", k["note"])]
    ns = k["ns_per_run_step"]
    rows = [
        (
            "6. PR gradient step, numba / numpy",
            f"{k['kernel_ratio']:.1f}x (target >= 4x): {ns['numba']:.0f} vs {ns['numpy']:.0f} ns per run-step; "
            f"floor {k['floor_ns_per_run_step']:.0f} ns ({k['flops_per_run_step']} flop at {k['peak_gflops']:.1f} GFLOP/s)",
        ),
        ("7. engine SGD run, numba / numpy", f"{k['engine_ratio']:.1f}x (1000 runs x 200 steps, batch 64)"),
        (
            "8. agreement",
            f"{k['agreement_per_call']:.1e} per call, {k['agreement_engine_finals']:.1e} on finals "
            f"(relative); same stopping steps: {'yes' if k['same_stops'] else 'NO'}",
        ),
        ("9. first call (compile or cache load)", f"{k['first_call_s']:.2f} s, not in the timings"),
    ]
    if "reproduction_s" in k:
        r = k["reproduction_s"]
        rows.append(
            (
                "10. full PR reproduction, numba / numpy",
                f"{k['reproduction_ratio']:.2f}x (target >= 3x): {r['numba']:.1f} s vs {r['numpy']:.1f} s; same "
                f"conclusion: {'yes' if k['reproduction_same_conclusion'] else 'NO'}",
            )
        )
    return rows


def cmd_verify_all(args) -> int:
    from insgd.verify.report.main_job import run_all

    s = run_all(
        args.out,
        quick=args.quick,
        force=args.force,
        data=args.data,
        workers=args.workers,
        progress=not args.quiet,
        backend=args.backend,
    )
    from insgd.verify.report.markdown import disagreement_headline

    c = s["verdict_counts"]
    print(
        f"{'quick run (a smoke test, not findings): ' if s['quick'] else ''}{c['pass']} pass (not refuted on the instances "
        f"checked), {c['inconclusive']} inconclusive, {c['fail']} fail, over {sum(c.values())} verdicts (derived predictions "
        f"and registered theorems); printed vs derived Theorem 1: {disagreement_headline(s)}; {s['elapsed_s']:.1f} s. "
        f"Report: {args.out}/report.md"
    )
    return 1 if s["any_fail"] else 0


def add_verify(sub):
    """The `verify` subcommand."""
    vf = sub.add_parser("verify", help="the main job: every check, a report")
    vsub = vf.add_subparsers(dest="what", required=True, parser_class=_Parser)
    va = vsub.add_parser(
        "all",
        help="run every check and write report.md, summary.json and figures",
        description="Run every check on every problem it applies to. Exit 0 when every derived "
        "prediction is confirmed; disagreements with the paper are findings, not failures.",
    )
    va.add_argument("--out", default="insgd-report", help="output directory (default insgd-report/)")
    va.add_argument("--quick", action="store_true", help="a small run (seconds)")
    va.add_argument("--force", action="store_true", help="overwrite a non-empty output directory")
    va.add_argument("--data", help="life-expectancy CSV: adds the DRO reproduction to the report")
    va.add_argument("--workers", type=_count(1, 256), help="processes for the independent checks (default: all cores; 1: serial)")
    va.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    _backend_option(va)
    va.set_defaults(func=cmd_verify_all)


def add_bench(sub):
    """The `bench` subcommand."""
    bn = sub.add_parser(
        "bench",
        help="benchmarks (ratios measured in one run)",
        description="Benchmarks, each a ratio measured in one run: batching, engine overhead vs the "
        "bare kernel, engine vs a per-seed loop, lambdified theory vs SymPy, main job wall time, and the numba "
        "backend against the NumPy engine (gradient step, engine run, agreement, arithmetic floor, full phase-"
        "retrieval reproduction unless --quick).",
    )
    bn.add_argument("--only", choices=["batching"], help="run one benchmark")
    bn.add_argument("--runs", type=_count(1, 10**5), default=64, help="(batching) configurations")
    bn.add_argument("--iters", type=_count(1, 10**7), default=10_000, help="(batching) iterations")
    bn.add_argument("--sample", type=_count(1, 10**3), default=8, help="(batching) sequential runs timed (the rest extrapolated)")
    bn.add_argument("--quick", action="store_true", help="skip the full main job and the full reproductions (reported as null)")
    _json_options(bn)
    bn.set_defaults(func=cmd_bench)
