"""The two cores: value.py and ops.py compiled by Cython, or run as plain Python.

`make test` runs the whole suite once on each (STEPGRAD_PURE_PYTHON=1 the second time),
and sets STEPGRAD_EXPECT_CORE so that a core that silently failed to build is a failure.
Tests that start Python afresh (a stale build, the other core) run in a subprocess.
"""

from __future__ import annotations

import doctest
import gc
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import autograd
import autograd.value
from autograd import Value, core

COMPILED = autograd.CORE.startswith("compiled")
ROOT = Path(__file__).resolve().parent.parent


def run(code: str, *, pure: bool = False, path: Path = ROOT) -> str:
    """Run `code` in a fresh Python on the core that `pure` chooses; return its stdout."""
    env = {k: v for k, v in os.environ.items() if k != "STEPGRAD_PURE_PYTHON"}
    if pure:
        env["STEPGRAD_PURE_PYTHON"] = "1"
    env["PYTHONPATH"] = str(path)
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_core_is_the_one_the_run_expects() -> None:
    expected = os.environ.get("STEPGRAD_EXPECT_CORE", "")
    assert autograd.CORE.startswith(expected or ("compiled", "plain Python ("))
    module = Path(autograd.value.__file__)
    assert (module.suffix == ".py") is not COMPILED


def test_value_doctests_pass_on_the_running_core() -> None:
    results = doctest.testmod(autograd.value)
    assert results.failed == 0 and results.attempted >= 5
    assert (Path(autograd.ops.__file__).suffix == ".py") is not COMPILED


def test_version_says_which_core_runs() -> None:
    assert "core: plain Python (STEPGRAD_PURE_PYTHON is set)" in run(
        "from autograd.__main__ import main; main(['--version'])", pure=True
    )
    pure = os.environ.get("STEPGRAD_PURE_PYTHON", "") not in ("", "0")
    shown = run("from autograd.__main__ import main; main(['--version'])", pure=pure)
    assert f"core: {autograd.CORE}" in shown


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("edit value.py", "its sources changed since they were compiled"),
        ("edit ops.py", "its sources changed since they were compiled"),
        ("edit replay.py", "its sources changed since they were compiled"),
        ("remove the record", "a source or the record of the build is missing"),
    ],
)
def test_a_core_that_may_be_stale_runs_as_plain_python(
    tmp_path: Path, change: str, reason: str
) -> None:
    shutil.copytree(ROOT / "autograd", tmp_path / "autograd")
    folder = tmp_path / "autograd"
    if change == "remove the record":
        (folder / core.HASH_FILE).unlink(missing_ok=True)
    else:
        source = folder / change.removeprefix("edit ")
        source.write_text(source.read_text() + "\nEDITED = True\n")
    shown = run(
        """
        import autograd, autograd.ops, autograd.replay, autograd.value
        print(autograd.CORE)
        print(any(hasattr(m, "EDITED") for m in (autograd.ops, autograd.replay, autograd.value)))
        """,
        path=tmp_path,
    )
    if not core.built():
        reason = "no compiled core was built"
    assert shown.startswith(f"plain Python ({reason}")
    assert shown.endswith(f"{change != 'remove the record'}\n")


# Every op at points inside its domain, at kinks, and where it fails; fan-out; nn's demo
# step: printed with repr, the output of both cores must be the same, byte for byte.
SAME_ON_BOTH = """
import math, random
from autograd import OPS, Value, apply
import autograd
from nn import MLP, losses
from nn.data import moons
from nn.optim import SGD

def show(f):
    try:
        v = f()
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    v.backward()
    return repr((v.data, [p.grad for p in v.parents], v.local_grads, v.params))

rng = random.Random(5)
points = [0.0, 1.0, -1.0, 0.5, 2.0, -3.5, 1e-300, 700.0, 1e308, 5e-324]
points += [rng.uniform(-5, 5) for _ in range(20)]
for name, op in sorted(OPS.items()):
    for x in points:
        for y in points[:8]:
            if op.arity == 1:
                params = {k: (d if d is not None else y) for k, d in op.param_defaults.items()}
                print(name, x, y, show(lambda: apply(op, Value(x), **params)))
            elif op.arity == 2:
                print(name, x, y, show(lambda: apply(op, Value(x), Value(y))))
                print(name, x, y, show(lambda: apply(op, Value(x), y)))
                print(name, x, y, show(lambda: apply(op, x, Value(y))))
            else:
                print(name, x, y, show(lambda: apply(op, Value(x), Value(y), Value(x), 0.5)))
for trial in range(200):
    leaves = [Value(rng.uniform(-2, 2)) for _ in range(4)]
    nodes = list(leaves)
    for _ in range(30):
        a, b = rng.choice(nodes), rng.choice(nodes)
        nodes.append(rng.choice([a * b, a + b, a - b, (a * 0.3).tanh(), b.sigmoid(), a * 0.7 + 1]))
    autograd.sum(nodes[-10:]).backward()
    print(trial, [leaf.grad for leaf in leaves])
data = moons(100, noise=0.1, seed=1)
model = MLP(2, [16, 16, 1], seed=1)
optimizer = SGD(model.parameters(), lr=0.05)
for step in range(3):
    scores = [model(x) for x in data.inputs]
    loss = losses.hinge(scores, [2.0 * t - 1.0 for t in data.targets])
    loss = loss + losses.l2(model.parameters(), alpha=1e-4)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(step, loss.data, [p.data for p in model.parameters()])
"""

# Programs replayed: by autograd.replay's C loops on the compiled core, by the Python passes
# of autograd.program on the plain one. Random graphs with fan-out through every op (a
# custom op among them), at inputs where ops leave their domains, overflow, or send
# infinite derivatives; random MLPs with every activation and loss, trained for a few steps.
PROGRAMS_SAME_ON_BOTH = """
import random
from autograd import OPS, ProgramError, Value, apply, custom_op, trace
from nn import MLP, losses
from nn.layers import activations
from nn.optim import SGD

@custom_op(rule="d(x³)/dx = 3x²", local_grads=lambda out, x: 3.0 * x * x)
def cube(x):
    return x * x * x

def shown(run):
    try:
        return repr(run())
    except (ArithmeticError, ValueError, ProgramError) as error:
        return f"{type(error).__name__}: {error}"

def uses(op, a, b, w):
    params = {k: (d if d is not None else 2.0) for k, d in op.param_defaults.items()}
    if op.arity == 1:
        z = apply(op, a * w[0] + b, **params)
        return [z, apply(op, z * 0.5 - a, **params), z * w[1]]
    if op.arity == 2:
        return [apply(op, a, b), apply(op, a, 0.75), apply(op, 1.25, b * w[2])]
    return [apply(op, a, b, w[0], a, 0.5, -1.5), apply(op, b, a)]

rng = random.Random(7)
points = [0.5, -0.5, 0.0, 2.0, -3.0, 30.0, -300.0, 1e5, 1e150, 5e-324]
for name, op in sorted(OPS.items()):
    for trial in range(4):
        w = [Value(rng.uniform(-2, 2), label=f"w{k}") for k in range(3)]
        for p in w:
            p.grad = rng.choice([0.0, 0.5, 1e308])
        def fn(x, y, op=op, w=w):
            a, b = x * y + w[1], y - x * w[2]
            return sum(uses(op, a, b, w), start=a * b)
        try:
            program = trace(fn, [rng.uniform(-2, 2), rng.uniform(-2, 2)])
        except (ArithmeticError, ValueError) as error:
            print(name, trial, "trace:", type(error).__name__, error)
            continue
        for x in points:
            y = rng.choice(points)
            print(name, trial, x, y, shown(lambda: program.forward([x, y])))
            print(name, trial, x, y, shown(lambda: program.backward([x, y], input_grads=True)))
            print(name, trial, [p.grad for p in w])
        w[0].data = float("inf")
        print(name, trial, shown(lambda: program.backward([0.5, 0.5])), [p.grad for p in w])
cube.remove()

w = Value(2.0, label="w")
for fn, inputs in [
    (lambda x, y: x / y * w, [[1.0, 2.0], [1.0, 0.0], [0.0, -0.0], [1e300, 1e-300], [1.0, 5e-324]]),
    (lambda x, y: (x * w).sqrt() + y.log(), [[1.0, 1.0], [0.0, 1.0], [1.0, 5e-324], [1.0, 0.0]]),
    (lambda x, y: (x * w).exp() + y, [[1.0, 1.0], [354.0, 1.0], [355.0, 1.0], [-400.0, 1.0]]),
    (lambda x, y: ((x + 0.0) * 1e200) * (w * 1e200) + y, [[1e-100, 1.0], [1e-50, 1.0]]),
    (lambda x, y: x * w * w + y.tanh(), [[1.0, 0.1], [1e307, 0.1], [1e308, 1.0]]),
]:
    program = trace(fn, inputs[0])
    for x, y in inputs:
        w.grad = 1.5e308 if x == 1e307 else 0.25
        print(shown(lambda: program.forward([x, y])), shown(lambda: program.backward([x, y])))
        print(w.grad)

def loss_of(loss, model, outputs):
    if loss == "mse":
        return lambda x, y: losses.mse(model(x), y)
    if loss == "bce":
        return lambda x, y: losses.binary_cross_entropy_with_logits(model(x), y)
    if loss == "hinge":
        return lambda x, y: losses.hinge(model(x), [1.0, -1.0][:outputs]) + x[0] * y[0]
    return lambda x, y: losses.cross_entropy(model(x), 1) + losses.l2(model.parameters())

for activation in activations():
    for loss in ["mse", "bce", "hinge", "cross_entropy"]:
        model = MLP(3, [4, 2], activation=activation, seed=len(activation))
        fn = loss_of(loss, model, 2)
        program = trace(fn, [[0.1, -0.2, 0.3], [1.0, 0.0]])
        optimizer = SGD(model.parameters(), lr=0.1)
        for step in range(3):
            x = [rng.uniform(-3, 3) for _ in range(3)]
            y = [float(rng.random() < 0.5) for _ in range(2)]
            optimizer.zero_grad()
            print(activation, loss, step, shown(lambda: program.backward([x, y], input_grads=True)))
            print(activation, loss, step, [p.grad for p in model.parameters()])
            optimizer.step()
"""


def test_both_cores_compute_the_same_bits() -> None:
    plain = run(SAME_ON_BOTH, pure=True)
    assert plain.count("\n") > 3000 and "ZeroDivisionError" in plain and "OverflowError" in plain
    assert run(SAME_ON_BOTH) == plain


def test_both_cores_replay_programs_to_the_same_bits() -> None:
    plain = run(PROGRAMS_SAME_ON_BOTH, pure=True)
    for error in ("ZeroDivisionError", "OverflowError", "local derivatives", "gradient of"):
        assert error in plain
    assert run(PROGRAMS_SAME_ON_BOTH) == plain


@pytest.mark.parametrize("pure", [False, True])
def test_a_chain_of_a_million_nodes_builds_backpropagates_and_frees(pure: bool) -> None:
    shown = run(
        """
        import gc
        from autograd import Value
        x = y = Value(0.5, label="x")
        for _ in range(1_000_000):
            y = (y * 1.0).relu()
        y.backward()
        print(x.grad)
        del x, y
        gc.collect()
        print("freed")
        """,
        pure=pure,
    )
    assert shown == "1.0\nfreed\n"


def test_fields_a_user_reaches_are_typed_or_read_only() -> None:
    a = Value(2.0, label="a")
    b = a * a
    with pytest.raises(TypeError, match="label must be a str"):
        Value(1.0, label=3)
    a.m, a.v, a._vis_color = 0.0, 0.0, "red"
    assert (a.m, a.v, a._vis_color) == (0.0, 0.0, "red")
    if COMPILED:
        for field in ("parents", "local_grads", "op", "params", "index"):
            with pytest.raises(AttributeError, match=f"Value: {field} is read-only"):
                setattr(b, field, ())
        with pytest.raises(TypeError, match="label must be a str, got 3"):
            b.label = 3
        with pytest.raises(TypeError, match="attribute of your own holds a number, a string"):
            a.me = a
        with pytest.raises(TypeError):
            vars(a)
        with pytest.raises(TypeError, match="Value: data must be a real number, got '2'"):
            a.data = "2"
        with pytest.raises(TypeError, match="Value: grad must be a real number, got None"):
            a.grad = None
        with pytest.raises(AttributeError, match="Value: cannot delete 'data'"):
            del a.data
        del a.m
        assert not hasattr(a, "m") and a.v == 0.0
        assert not gc.is_tracked(b)
    else:
        b.parents = (a,)
        assert gc.is_tracked(b)


def test_no_cycle_through_values_outlives_a_collection() -> None:
    gc.collect()
    before = sum(isinstance(o, Value) for o in gc.get_objects())
    a = Value(1.0)
    if COMPILED:
        with pytest.raises(TypeError, match="attribute of your own"):
            a.me = [a]
        return
    a.me = [a]
    del a
    gc.collect()
    assert sum(isinstance(o, Value) for o in gc.get_objects()) == before


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler to fail")
def test_without_a_compiler_the_install_falls_back_with_one_line(tmp_path: Path) -> None:
    shutil.copytree(ROOT, tmp_path / "src", ignore=shutil.ignore_patterns(".venv", "*.so", "build"))
    env = {k: v for k, v in os.environ.items() if k != "STEPGRAD_PURE_PYTHON"}
    env["CC"] = "false"
    done = subprocess.run(
        [sys.executable, "setup.py", "build_ext", "--inplace"],
        cwd=tmp_path / "src",
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    notices = [line for line in done.stderr.splitlines() if line.startswith("stepgrad:")]
    assert done.returncode == 0 and len(notices) == 1, done.stderr
    assert notices[0].startswith("stepgrad: compiling failed")
    assert notices[0].endswith("autograd runs as plain Python")
    assert not list((tmp_path / "src" / "autograd").glob("*.so"))
