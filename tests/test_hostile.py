"""Hostile input: nothing is executed, bad input gets one line and exit 2, outputs are never half-written.

The fuzz test draws command lines from a grammar of malformed numbers, paths, data files and expression payloads,
with at least one bad value in each, and runs them in-process through every subcommand."""

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insgd.theory.numbers import InputError, parse_float, parse_number
from insgd.verify.audit.safe_expr import parse_expr
from insgd.verify.outputs import atomic_dir, atomic_file
from tests.helpers import cli

PAYLOADS = [
    "__import__('os').system('touch MARK')",
    "open('MARK', 'w').write('x')",
    "eval('1')",
    "exec('x = 1')",
    "getattr(w, 'x')",
    "(lambda: open('MARK', 'w'))()",
    "[w][0]",
    "w**2 if True else 0",
    "input()",
    "w.__class__.__mro__",
    "'a' * 10",
    "globals()",
    "w**2 + nan",
    "w^2",
    "exp(w, 2)",
    "1/0",
    "w**10**10",
    "(" * 60 + "w" + ")" * 60,
    "w\x00",
    "w\n+1",
    "w**2 + 0*len(str(open('MARK', 'w')))",
    "{w: 1}",
    "w[0]",
    "__builtins__",
    "lambda w: w",
    "[open('MARK','w') for _ in '1']",
    "w @ w",
    "w if w else w",
    "not w",
    "w < 1",
    "x + 1",
    "1e99999 * w",
    "w" * 3000,
]
BAD_NUMBERS = [
    "1/0",
    "nan",
    "inf",
    "-inf",
    "1e99999",
    "abc",
    "",
    " ",
    "1/2/3",
    "0x10",
    "1e",
    ".",
    "--",
    "1e-99999",
    "1e400",
    "0/0",
    "2**3",
    "None",
    "True",
    "1,,2",
]


def run(argv, cwd):
    r = cli(*argv, cwd=cwd)
    return r.returncode, r.stdout, r.stderr


def assert_refused(rc, out, err, cwd):
    assert rc == 2, (rc, err)
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    for word in ("nan", "inf"):
        assert word not in out.lower().split()
    assert not (Path(cwd) / "MARK").exists()


def bad_files(tmp):
    files = {"empty.csv": b"", "binary.csv": bytes(range(256)) * 4, "header.csv": b"Country,Year\n", "short.csv": b"a,b\n1\n"}
    out = {}
    for name, data in files.items():
        p = tmp / name
        p.write_bytes(data)
        out[name] = str(p)
    return out


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    (tmp / "a_file").write_text("x")
    (tmp / "full").mkdir()
    (tmp / "full" / "keep").write_text("keep")
    return tmp


def _paths(tmp):
    return [
        str(tmp / "no" / "such" / "dir" / "x.png"),
        str(tmp / "a_file" / "x.png"),
        str(tmp),
        "",
        str(tmp / "x.unknownext"),
        str(tmp / "full"),
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_command_lines_are_refused_in_one_line(sandbox, data):
    tmp = sandbox
    num = st.sampled_from(BAD_NUMBERS)
    cmd = data.draw(
        st.sampled_from(
            ["predict-ngd", "predict-insgd", "run", "check", "audit", "lemma2", "check-insgd", "reproduce", "verify", "sweep"]
        )
    )
    if cmd == "predict-ngd":
        vals = {k: "1" for k in ("L0", "L1", "rho", "mu")} | {"alpha": "0", "beta": "1/2", "eps": "1e-3"}
        vals[data.draw(st.sampled_from(sorted(vals)))] = data.draw(num)
        argv = ["predict", "ngd"] + [x for k, v in vals.items() for x in (f"--{k}", v)]
    elif cmd == "predict-insgd":
        vals = {k: "1" for k in ("L0", "L1", "tau1", "tau2", "delta0")} | {"beta": "1/2", "eps": "1e-2"}
        vals[data.draw(st.sampled_from(sorted(vals)))] = data.draw(num)
        argv = ["predict", "insgd"] + [x for k, v in vals.items() for x in (f"--{k}", v)]
    elif cmd == "run":
        vals = {"--opt": "gamma=0.1", "--iters": "3", "--seed": "0", "--runs": "1", "--w0": "1"}
        slot = data.draw(st.sampled_from(sorted(vals) + ["--save", "--param", "huge"]))
        if slot == "--save":
            vals["--save"] = data.draw(st.sampled_from(_paths(tmp)[:2]))
        elif slot == "--param":
            vals["--param"] = "p=" + data.draw(num)
        elif slot == "huge":
            vals[data.draw(st.sampled_from(["--runs", "--iters"]))] = data.draw(st.sampled_from(["1e11", "1e9", "-1"]))
        elif slot == "--opt":
            vals["--opt"] = "gamma=" + data.draw(num)
        else:
            vals[slot] = data.draw(num)
        argv = ["run", "--problem", "power", "--optimizer", "ngd"] + [x for k, v in vals.items() for x in (k, v)]
    elif cmd == "check":
        slot = data.draw(st.sampled_from(["beta", "grid", "plot", "constants", "theorem"]))
        argv = ["check", "--problem", "power", "--beta", data.draw(num) if slot == "beta" else "0.5"]
        if slot == "constants":
            vals = {"--L0": "12", "--L1": "1e-9", "--alpha": "0", "--rho": "4/3", "--mu": "1"}
            vals[data.draw(st.sampled_from(sorted(vals)))] = data.draw(num)
            argv += [x for k, v in vals.items() for x in (k, v)]
        if slot == "theorem":
            argv = [
                "check",
                "--theorem",
                data.draw(st.sampled_from(["karimi2016.theorem1", "nope", ""])),
                "--problem",
                "quadratic",
                "--eps",
                data.draw(num),
            ]
        if slot == "grid":
            argv += [
                "--eps-grid",
                data.draw(
                    st.sampled_from(
                        ["1e-2:1e-5:100000", "1/0:1e-3:3", "a:b:c", "1e-2:1e-3", "0:1e-3:3", "1e-2:1e-3:2.5", "2:1e-3:4"]
                    )
                ),
            ]
        if slot == "plot":
            argv += ["--plot", data.draw(st.sampled_from(_paths(tmp)))]
    elif cmd == "audit":
        argv = ["audit", "--expr", data.draw(st.sampled_from(PAYLOADS)), "--claim-pl", "2", "1", "--time-limit", "2"]
    elif cmd == "lemma2":
        vals = {"--tau1": "1", "--tau2": "1", "--dim": "2", "--grad-norm": "1", "--trials": "10"}
        slot = data.draw(st.sampled_from(sorted(vals)))
        vals[slot] = (
            data.draw(st.one_of(num, st.sampled_from(["1000", "1e12", "0", "-1"])))
            if slot in ("--tau1", "--trials", "--dim")
            else data.draw(num)
        )
        if vals[slot] in ("1000",) and slot != "--tau1":
            vals[slot] = "1e12"
        argv = ["lemma2"] + [x for k, v in vals.items() for x in (k, v)]
    elif cmd == "check-insgd":
        vals = {"--tau1": "1", "--tau2": "1", "--beta": "1/2", "--eps": "0.2", "--seeds": "2", "--budget": "10", "--w0": "1"}
        slot = data.draw(st.sampled_from(sorted(vals)))
        vals[slot] = data.draw(num)
        argv = ["check-insgd", "--problem", "quadratic"] + [x for k, v in vals.items() for x in (k, v)]
    elif cmd == "reproduce":
        slot = data.draw(st.sampled_from(["seeds", "out", "data", "readings", "tuning"]))
        argv = ["reproduce", "dro" if slot == "data" else "phase-retrieval", "--quick", "--no-tune"]
        if slot == "readings":
            argv += ["--readings", data.draw(st.sampled_from(["", "x", "literal,,code", "LITERAL", "literal;code"]))]
        if slot == "tuning":
            argv += ["--tuning-seeds", data.draw(num)]
        argv += ["--seeds", data.draw(num) if slot == "seeds" else "1"]
        outs = [x for x in _paths(tmp) if not x.endswith(".unknownext")]  # a folder may have any name
        argv += ["--out", data.draw(st.sampled_from(outs)) if slot == "out" else str(tmp / "never")]
        if slot == "data":
            argv += ["--data", data.draw(st.sampled_from(list(bad_files(tmp).values()) + [str(tmp / "missing.csv")]))]
    elif cmd == "verify":
        argv = [
            "verify",
            "all",
            "--quick",
            "--out",
            str(tmp / "report-never"),
            "--data",
            data.draw(st.sampled_from(list(bad_files(tmp).values()))),
        ]
    else:
        cfg = tmp / "configs.json"
        cfg.write_text(
            data.draw(
                st.sampled_from(
                    [
                        "",
                        "[]",
                        "{}",
                        "[1]",
                        json.dumps([{"problem": "power", "optimizer": "ngd", "iters": 3, "seeds": 1, "hp": {"gamma": "1/0"}}]),
                        json.dumps([{"problem": "power", "optimizer": "ngd", "iters": 1e12, "seeds": 1, "hp": {"gamma": 0.1}}]),
                        json.dumps([{"problem": "power", "optimizer": "ngd", "iters": 3, "seeds": -1, "hp": {"gamma": 0.1}}]),
                        json.dumps(
                            [
                                {
                                    "problem": "power",
                                    "optimizer": "ngd",
                                    "iters": 3,
                                    "seeds": 1,
                                    "hp": {"gamma": 0.1},
                                    "params": {"p": "nan"},
                                }
                            ]
                        ),
                    ]
                )
            )
        )
        argv = ["sweep", str(cfg), "--out", str(tmp / "sweep-never"), "--executor", "serial"]
    rc, out, err = run(argv, tmp)
    assert rc == 2, (" ".join(argv), err[-300:])
    assert_refused(rc, out, err, tmp)
    assert not (tmp / "never").exists() and not (tmp / "report-never").exists() and not (tmp / "sweep-never").exists()
    assert (tmp / "full" / "keep").read_text() == "keep"
    leftovers = [p.name for p in tmp.iterdir() if ".partial-" in p.name]
    assert not leftovers


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_payload_is_ever_evaluated(payload, tmp_path):
    rc, out, err = run(["audit", "--expr", payload, "--claim-pl", "2", "1", "--time-limit", "2"], tmp_path)
    assert_refused(rc, out, err, tmp_path)


@pytest.mark.parametrize(
    "text, value",
    [
        ("2/3", (2, 3)),
        ("0.1", (1, 10)),
        ("1e-3", (1, 1000)),
        ("-4", (-4, 1)),
        (" 3 ", (3, 1)),
        (".5", (1, 2)),
        ("1e3/7", (1000, 7)),
        ("-1/2", (-1, 2)),
    ],
)
def test_numbers_are_exact(text, value):
    x = parse_number("x", text)
    assert (x.p, x.q) == value


@pytest.mark.parametrize(
    "text, why",
    [
        ("1/0", "zero denominator"),
        ("nan", "finite"),
        ("-inf", "finite"),
        ("1e99999", "exponent"),
        ("abc", "must be a number"),
        ("1/2/3", "fraction"),
    ],
)
def test_numbers_refused(text, why):
    with pytest.raises(InputError, match=why):
        parse_number("eps", text)


def test_float_range_names_the_real_value():
    with pytest.raises(InputError, match=r"1\.0e-400"):
        parse_float("eps", "1e-400")
    assert parse_float("eps", "1e-300") == 1e-300
    with pytest.raises(InputError, match="eps must be > 0"):
        parse_float("eps", "-1e-3", lo=0)


def test_negative_numbers_reach_the_parser(tmp_path):
    rc, out, err = run(
        [
            "predict",
            "ngd",
            "--L0",
            "1",
            "--L1",
            "1",
            "--alpha",
            "0",
            "--beta",
            "1/2",
            "--rho",
            "1",
            "--mu",
            "1",
            "--eps",
            "-1e-3",
        ],
        tmp_path,
    )
    assert rc == 2 and "eps must satisfy eps > 0" in err


def test_expression_language():
    import sympy as sp

    w = sp.Symbol("w", real=True)
    assert parse_expr("4.762203155904598*w**2") == sp.Rational("4.762203155904598") * w**2
    assert parse_expr("w + w**2/2 + w**4") == w + w**2 / 2 + w**4
    assert parse_expr("+".join(f"w**{k}" for k in range(1, 200))).is_polynomial(w)  # long sums are not "deep"
    with pytest.raises(InputError, match="column"):
        parse_expr("w + open('x')")


def test_sizes_are_refused_before_work(tmp_path):
    rc, out, err = run(
        [
            "run",
            "--problem",
            "power",
            "--optimizer",
            "ngd",
            "--opt",
            "gamma=0.1",
            "--iters",
            "10",
            "--seed",
            "0",
            "--runs",
            "10000000",
        ],
        tmp_path,
    )
    assert rc == 2 and "GiB" in err
    rc, out, err = run(["lemma2", "--tau1", "1000", "--tau2", "1", "--dim", "2", "--grad-norm", "1", "--trials", "100"], tmp_path)
    assert rc == 2 and "tau1 <= 250" in err
    rc, out, err = run(["lemma2", "--tau1", "100", "--tau2", "1", "--dim", "2", "--grad-norm", "1", "--trials", "1e6"], tmp_path)
    assert rc == 2 and "random draws" in err


def test_atomic_dir_leaves_nothing_on_failure(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError), atomic_dir(out) as d:
        (d / "half").write_text("x")
        raise RuntimeError("boom")
    assert not out.exists() and list(tmp_path.iterdir()) == []
    with atomic_dir(out) as d:
        (d / "done").write_text("x")
    assert (out / "done").exists()
    with pytest.raises(InputError, match="not empty"):
        with atomic_dir(out):
            pass
    with atomic_dir(out, force=True) as d:
        (d / "again").write_text("y")
    assert sorted(p.name for p in out.iterdir()) == [".insgd-output", "again"] and len(list(tmp_path.iterdir())) == 1


def test_atomic_file_and_overwrite_rule(tmp_path):
    p = tmp_path / "fig.png"
    p.write_text("old")
    with pytest.raises(InputError, match="exists"):
        with atomic_file(p, suffixes=(".png",)):
            pass
    with pytest.raises(KeyboardInterrupt), atomic_file(p, force=True, suffixes=(".png",)) as t:
        t.write_text("new")
        raise KeyboardInterrupt
    assert p.read_text() == "old" and len(list(tmp_path.iterdir())) == 1


@pytest.mark.parametrize(
    "content, why",
    [
        ("", "empty"),
        ("Country,Year\n", "lacks"),
        ("\x00\x01\xff\xfe", "UTF-8|lacks|empty"),
    ],
)
def test_dro_loader_refuses_bad_files(tmp_path, content, why):
    from insgd.numerics.data import load_life_expectancy

    p = tmp_path / "bad.csv"
    p.write_bytes(content.encode("latin-1"))
    with pytest.raises(InputError, match=why):
        load_life_expectancy(p)


def test_dro_loader_names_line_and_column(tmp_path, life_expectancy_csv_or_synthetic):
    from insgd.numerics.data import load_life_expectancy

    lines = Path(life_expectancy_csv_or_synthetic).read_text().splitlines()
    bad = lines[:5]
    bad[3] = bad[3].split(",", 4)[0] + ",2000,Developing,abc," + bad[3].split(",", 4)[4]
    p = tmp_path / "bad.csv"
    p.write_text("\n".join(bad + lines[5:]) + "\n")
    with pytest.raises(InputError, match="line 4, column 'Life expectancy'"):
        load_life_expectancy(p)
    p.write_text("\n".join(lines[:2]) + "\n")
    with pytest.raises(InputError, match="at least"):
        load_life_expectancy(p)
    p.write_text("\n".join([lines[0], lines[1][:10]] + lines[2:]) + "\n")
    with pytest.raises(InputError, match="line 2 has"):
        load_life_expectancy(p)


def test_ctrl_c_exits_130_and_leaves_nothing(tmp_path, monkeypatch):
    # an interrupt in the middle of writing a report: one line, exit 130, no half-written folder
    import insgd.verify.report.main_job as mj

    def interrupted(out, *a, **k):
        (out / "figures").mkdir()
        raise KeyboardInterrupt

    monkeypatch.setattr(mj, "_run_all", interrupted)
    rc, out, err = run(["verify", "all", "--quick", "--out", str(tmp_path / "report")], tmp_path)
    assert rc == 130 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("cell", ["1e308", "1e-320", "1_000", "\uff11\uff12", "nan", "inf", "0x10", "1e13", "--1", "1,5"])
def test_dro_cells_go_through_the_number_rules(tmp_path, life_expectancy_csv_or_synthetic, cell):
    """A cell the toolkit would refuse as a number anywhere else is refused in the CSV too, naming line and column
    (1e308 in the target once made f - f* = 0 silently)."""
    import csv
    import io

    from insgd.numerics.data import load_life_expectancy

    rows = list(csv.reader(io.StringIO(Path(life_expectancy_csv_or_synthetic).read_text())))
    rows[3][3] = cell  # the target column of line 4
    p = tmp_path / "bad.csv"
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    p.write_text(buf.getvalue())
    with pytest.raises(InputError, match="line 4, column 'Life expectancy'"):
        load_life_expectancy(p)


def test_dro_file_size_refused_before_reading(tmp_path):
    from insgd.numerics.data import MAX_BYTES, load_life_expectancy

    p = tmp_path / "huge.csv"
    with p.open("wb") as fh:
        fh.truncate(MAX_BYTES + 1)  # sparse: the size is refused from stat, nothing is read
    with pytest.raises(InputError, match="larger than"):
        load_life_expectancy(p)


@pytest.mark.parametrize("expr", ["(sqrt(3)**999)**999 + w**2", "w**2*(E**999)**999", "((sqrt(3)**99)**99)**99*w**2"])
def test_power_towers_are_refused_from_their_size(expr):
    """A short text whose powers SymPy would multiply out into an integer of 1e5-1e8 digits (in one call no time
    limit interrupts) is refused by an estimate of its digits, before SymPy builds it."""
    import time

    from insgd.verify.audit.safe_expr import parse_expr

    t0 = time.monotonic()
    with pytest.raises(InputError, match="digits"):
        parse_expr(expr)
    assert time.monotonic() - t0 < 2


@pytest.mark.parametrize("limit", [1, 2])
def test_audit_time_limit_bounds_the_whole_audit(limit):
    """--time-limit is wall-clock for the whole audit (f*, claims, best constants), enforced by a worker process
    stopped at the limit: this audit takes ~25 s unbounded; what was not decided is unknown, never holds/fails
    made up."""
    import time

    from tests.helpers import cli

    t0 = time.monotonic()
    r = cli(
        "audit",
        "--expr",
        "log(cosh(w))*w**2 + w**4/7 + sin(3*w)**2",
        "--claim-pl",
        "2",
        "1/10",
        "--claim-smooth",
        "hessian",
        "3",
        "2",
        "1",
        "--time-limit",
        str(limit),
        "--json",
    )
    elapsed = time.monotonic() - t0
    assert elapsed < limit + 2, elapsed
    import json

    out = json.loads(r.stdout)
    assert r.returncode in (0, 1) and len(out["claims"]) == 2
    if out.get("stopped"):
        assert "time limit" in out["stopped"]
        assert all(c["verdict"] in ("holds", "fails", "unknown") for c in out["claims"])


def test_audit_memory_cap_gives_unknown_not_a_crash():
    """The audit's worker runs under an address-space cap (RLIMIT_AS): when it is reached, the claims not decided
    are unknown with the reason, the parent survives, and nothing is made up. A cap far below what SymPy needs (64
    MiB) forces the case; in a fresh interpreter, since a long-lived process's free heap could serve the worker."""
    import json
    import subprocess
    import sys
    import time

    code = (
        "import json; from insgd.verify.audit import auditor as audit; audit.MEMORY_CAP = 64 * 2**20; "
        "print(json.dumps(audit.audit_expr_bounded('cosh(w) - 1', pl_claims=[('2', '1/2')], time_s=20)))"
    )
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert time.monotonic() - t0 < 20
    out = json.loads(r.stdout)
    assert "memory" in out["stopped"] and [c["verdict"] for c in out["claims"]] == ["unknown"]
    assert "not decided" in out["claims"][0]["evidence"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_new_commands_are_refused_in_one_line(sandbox, data):
    """pep, estimate and check-optimizer: one hostile value in one option, the rest valid; exit 2 with one line,
    nothing written, never an internal error (their option parsing runs before any solver, model or framework)."""
    tmp = sandbox
    num = data.draw(st.sampled_from(BAD_NUMBERS))
    cmd = data.draw(st.sampled_from(["pep", "estimate", "check-optimizer"]))
    if cmd == "pep":
        vals = {"--L0": "1", "--L1": "1", "--alpha": "1/2", "--mu": "1/5", "--rho": "2", "--beta": "1", "--gamma": "0.1",
                "--delta0": "1", "--N": "1", "--samples": "4"}  # fmt: skip
        vals[data.draw(st.sampled_from(sorted(vals)))] = num
        argv = ["pep"] + [x for k, v in vals.items() for x in (k, v)] + ["--no-certify"]
    elif cmd == "estimate":
        vals = {"--alpha": "0", "--iters": "5", "--probes": "6", "--rounds": "0", "--radius": "0.1", "--window": "2"}
        slot = data.draw(st.sampled_from(sorted(vals) + ["--claim", "--plot", "--log"]))
        if slot == "--claim":
            vals["--claim"] = data.draw(st.sampled_from(["1,2", "1,2,3,4", f"1,{num},0", ",,"]))
        elif slot == "--plot":
            vals["--plot"] = data.draw(st.sampled_from(_paths(tmp)))
        elif slot == "--log":
            vals["--log"] = data.draw(st.sampled_from(_paths(tmp) + [str(tmp / "a_file")]))
        else:
            vals[slot] = num
        src = [] if slot == "--log" else ["--problem", "quadratic"]
        argv = ["estimate", *src] + [x for k, v in vals.items() for x in (k, v)]
    else:
        slot = data.draw(st.sampled_from(["--kw", "--batch", "--noise", "--optax", "--theorem", "--param"]))
        vals = {"--optax": "sgd", "--batch": "2", "--theorem": "karimi2016.theorem1"}
        vals[slot] = {
            "--kw": f"momentum={num}",
            "--noise": f"{num},1",
            "--optax": data.draw(st.sampled_from(["os", "__class__", "sgd;", ""])),
            "--theorem": data.draw(st.sampled_from(["nope", "", "karimi2016"])),
            "--param": f"dim={num}",
        }.get(slot, num)
        argv = ["check-optimizer", "--ci"] + [x for k, v in vals.items() for x in (k, v)]
    rc, out, err = run(argv, tmp)
    assert rc == 2, (" ".join(argv), err[-300:])
    assert_refused(rc, out, err, tmp)
    assert (tmp / "full" / "keep").read_text() == "keep"
