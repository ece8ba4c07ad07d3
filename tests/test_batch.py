"""Batches: a program run over N samples at once, bit for bit as N scalar runs.

Every comparison is exact: floats are compared by `float.hex`, so 0.0 and -0.0 differ.
"""

from __future__ import annotations

import functools
import math
import operator
import random
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st
from reference import bits, outcome

import autograd
from autograd import OPS, Value, custom_op, trace
from autograd.ops import EXP_MAX, Op, with_constant
from autograd.testing.strategies import Graph, builtin_ops, graphs
from nn import MLP
from nn.layers import activations

FAILURES = (ArithmeticError, ValueError, TypeError)
SPECIAL = (0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -2.0, 3.0, 1e-300, EXP_MAX, 709.8, 1e5, -1e5)
"""Kinks (0, ±1 for pow's integer exponents), the edges of exp's domain, and large numbers."""


numbers = st.one_of(st.sampled_from(SPECIAL), st.floats(-4.0, 4.0), st.floats(-800.0, 800.0))


# The op table: each op's batch forms against its scalar rules, element by element.


def scalar(op: Op, args: tuple[float, ...]) -> tuple[float | None, tuple | None]:
    """The op at `args` as `make_node` computes it: its data and local derivatives (one per
    parent), or None for each that fails."""
    try:
        data = op.forward(*args)
    except (ArithmeticError, ValueError):
        return None, None
    if not (isinstance(data, float) and math.isfinite(data)) or not (
        op.valid is None or op.valid(*args)
    ):
        return None, None
    try:
        grads = tuple(op.local_grads(data, *args))
    except ArithmeticError:
        return data, None
    if op.constant_position is not None:
        grads = grads[1:] if op.constant_position == 0 else grads[:1]
    return data, grads if all(map(math.isfinite, grads)) else None


def fixed_arity_cases():
    """Every op of fixed arity, and each two-input op with a number in either input."""
    ops = [op for op in builtin_ops() if op.arity is not None]
    two = [with_constant(op, k) for op in ops if op.arity == 2 for k in (0, 1)]
    return ops + two


@st.composite
def columns(draw, op: Op) -> tuple[list, tuple[float, ...]]:
    """N samples of the op's inputs as columns (a number where a constant fills one, ties
    between two inputs), and its params."""
    size = draw(st.integers(1, 6))
    base = op.base or op
    inputs = []
    for position in range(base.arity):
        if position == op.constant_position:
            inputs.append(draw(numbers))
        elif inputs and isinstance(inputs[0], list) and draw(st.booleans()):
            inputs.append(list(inputs[0]))  # a tie, element by element
        else:
            inputs.append(draw(st.lists(numbers, min_size=size, max_size=size)))
    params = tuple(
        draw(st.sampled_from([0.0, 1.0, 2.0, -1.0, 0.5, 3.0, -2.5]))
        if name == "exponent"
        else draw(st.floats(*base.param_ranges.get(name, (0.0, 2.0))))
        for name in base.param_defaults
    )
    return inputs, params


@pytest.mark.parametrize(
    "op", fixed_arity_cases(), ids=lambda op: f"{op.name}{op.constant_position}"
)
@settings(max_examples=120)
@given(data=st.data())
def test_batch_forms_equal_the_scalar_rules(op: Op, data) -> None:
    """Where the scalar rule is defined, each element is its result bit for bit; where it
    is not, the batch form raises or gives a number that is not finite there."""
    inputs, params = data.draw(columns(op))
    size = len(next(x for x in inputs if isinstance(x, list)))
    arrays = [np.array(x) if isinstance(x, list) else x for x in inputs]
    per_sample = [
        tuple(x[i] if isinstance(x, list) else x for x in inputs) + params for i in range(size)
    ]
    expected = [scalar(op, args) for args in per_sample]
    with np.errstate(all="ignore"):
        try:
            out = op.batch_forward(np, *arrays, *params)
        except FAILURES:
            assert any(data is None for data, _ in expected)
            return
    out = np.broadcast_to(out, (size,)).tolist()
    for found, (data, _) in zip(out, expected):
        assert bits(found) == bits(data) if data is not None else not math.isfinite(found)
    if any(data is None for data, _ in expected):
        return
    with np.errstate(all="ignore"):
        try:
            grads = op.batch_local_grads(np, np.array(out), *arrays, *params)
        except FAILURES:
            assert any(grads is None for _, grads in expected)
            return
    if op.constant_position is not None:
        grads = grads[1:] if op.constant_position == 0 else grads[:1]
    found = [np.broadcast_to(g, (size,)).tolist() for g in grads]
    for i, (_, wanted) in enumerate(expected):
        sample = [column[i] for column in found]
        if wanted is None:
            assert not all(map(math.isfinite, sample))
        else:
            assert bits(sample) == bits(wanted)


@pytest.mark.parametrize("op", [op for op in builtin_ops() if op.arity is None], ids=str)
@given(data=st.data())
def test_batch_forms_of_ops_of_any_number_of_inputs(op: Op, data) -> None:
    """sum, dot and logsumexp take their inputs as the rows of one (k, N) array."""
    k = data.draw(st.integers(1, 4)) * (2 if op.name == "dot" else 1)
    size = data.draw(st.integers(1, 5))
    rows = data.draw(
        st.lists(st.lists(numbers, min_size=size, max_size=size), min_size=k, max_size=k)
    )
    xs = np.array(rows)
    with np.errstate(all="ignore"):
        out = op.batch_forward(np, xs)
        grads = np.broadcast_to(op.batch_local_grads(np, out, xs), (k, size))
    for i in range(size):
        args = tuple(row[i] for row in rows)
        data_i, grads_i = scalar(op, args)
        assume(data_i is not None and grads_i is not None)
        assert bits(out[i].item()) == bits(data_i)
        assert bits(grads[:, i].tolist()) == bits(grads_i)


@settings(max_examples=60)
@given(
    k=st.integers(1, 800),
    size=st.integers(1, 40),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_batch_dot_adds_its_products_left_to_right(k: int, size: int, seed: int) -> None:
    """np.add.accumulate over the rows adds in order, as the scalar dot does, for every
    shape: np.add.reduce does not (it adds pairwise along a single column, N = 1)."""
    rng = np.random.default_rng(seed)
    xs = rng.standard_normal((2 * k, size)) * 10.0 ** rng.integers(-8, 8, (2 * k, size))
    out = autograd.vectorised.dot(np, xs)
    expected = [
        functools.reduce(operator.add, map(operator.mul, column[:k], column[k:]))
        for column in xs.T.tolist()
    ]
    assert bits(out.tolist()) == bits(expected)


# Programs: batches against scalar runs and against the Value graph.


def reference(fn, parameters: list[Value], samples: list, seeds: list, single: bool):
    """What backward() on fn's graph of every sample, seeded from one later node, leaves:
    the outputs' data, each sample's inputs' grads, and the parameters' grads."""
    leaves = [[Value(x) for x in sample] for sample in samples]
    outputs = [fn(*xs) for xs in leaves]
    outputs = [[y] if single else list(y) for y in outputs]
    flat = [y for ys in outputs for y in ys]
    weights = [s for seed in seeds for s in ([seed] if single else seed)]
    autograd.dot(flat, weights).backward()
    data = [ys[0].data if single else [y.data for y in ys] for ys in outputs]
    return data, [[x.grad for x in xs] for xs in leaves], [p.grad for p in parameters]


def split(graph: Graph, inputs: int, grads: list[float]):
    """Parameters for the graph's last leaves, with `grads` in them, and the graph as fn of
    its first `inputs` leaves."""
    parameters = [Value(x) for x in graph.inputs[inputs:]]
    for p, g in zip(parameters, grads):
        p.grad = g
    return parameters, lambda *xs: graph(*xs, *parameters)


def several(fn, parameters: list[Value]):
    """fn with several outputs: its root, a node that uses the root, the root again, a
    second build (so each parameter has more messages per sample) and a parameter."""

    def outputs(*xs: Value) -> list[Value]:
        root = fn(*xs)
        return [root, root * root, root, fn(*xs), *parameters[:1]]

    return outputs


@settings(max_examples=120, deadline=None)
@given(graph=graphs(), data=st.data())
def test_a_batch_of_a_random_graph_is_the_graph_of_each_sample(graph: Graph, data) -> None:
    count = data.draw(st.integers(1, len(graph.inputs)), label="inputs")
    grads = data.draw(st.lists(st.floats(-3, 3), min_size=4, max_size=4), label="grads")
    many = data.draw(st.booleans(), label="several outputs")
    size = data.draw(st.integers(1, 5), label="N")
    others = st.lists(st.floats(-2.0, 2.0), min_size=count, max_size=count)
    more = data.draw(st.lists(others, min_size=size - 1, max_size=size - 1), label="samples")
    samples = [graph.inputs[:count], *more]
    width = 5 if many and count < len(graph.inputs) else 4 if many else 1
    draws = st.lists(st.floats(-2, 2), min_size=width, max_size=width)
    seeds = data.draw(st.lists(draws, min_size=size, max_size=size), label="seeds")
    seeds = [s if many else s[0] for s in seeds]
    ours, fn = split(graph, count, grads)
    theirs, their_fn = split(graph, count, grads)
    if many:
        fn, their_fn = several(fn, ours), several(their_fn, theirs)
    program = trace(fn, graph.inputs[:count], second=graph.inputs[:count])

    def batch():
        out, input_grads = program.backward_batch(np.array(samples), seeds, input_grads=True)
        assert bits(program.forward_batch([list(s) for s in samples])) == bits(out)
        return bits([out, input_grads, [p.grad for p in ours]])

    def built():
        out, input_grads, grads = reference(their_fn, theirs, samples, seeds, not many)
        return bits([out, input_grads, grads])

    found, expected = outcome(batch), outcome(built)
    event("an error" if isinstance(expected, tuple) else "a result")
    if isinstance(expected, tuple):
        # The graph of all samples raises where its build or its backward first fails (its
        # backward visits sample N-1 first); the batch, the first failing sample's error.
        assert isinstance(found, tuple) and found[0] is expected[0]
        assert bits([p.grad for p in ours]) == bits(grads[: len(ours)])
        return
    assert found == expected
    scalar_runs = [program.forward(list(s)) for s in samples]
    assert bits(program.forward_batch([list(s) for s in samples])) == bits(scalar_runs)


DOMAINS = [OPS[name] for name in ("log", "sqrt", "div", "exp", "pow", "power", "sum", "mul")]


@settings(max_examples=120, deadline=None)
@given(graph=graphs(DOMAINS), data=st.data())
def test_a_failing_batch_raises_its_first_failing_samples_error(graph: Graph, data) -> None:
    """Samples scaled far out leave domains or overflow: the batch raises the error that
    the scalar program raises for the first failing sample, and changes no grad."""
    count = len(graph.inputs) - 1 or 1
    scales = st.sampled_from((1.0, -1.0, 30.0, -300.0, 1e5, 1e150))
    factors = data.draw(st.lists(scales, min_size=1, max_size=5), label="scales")
    samples = [[c * x for x in graph.inputs[:count]] for c in factors]
    parameters, fn = split(graph, count, [0.25])
    program = trace(fn, graph.inputs[:count], second=graph.inputs[:count])
    before = bits([p.grad for p in parameters])

    def scalar_error():
        for sample in samples:
            saved = [p.grad for p in parameters]
            try:
                program.backward(sample)
            except (ArithmeticError, ValueError) as error:
                return (type(error), str(error))
            finally:
                for p, g in zip(parameters, saved):
                    p.grad = g
        return None

    expected = scalar_error()
    found = outcome(lambda: program.backward_batch(samples, [1.0] * len(samples)))
    if expected is not None:
        event("an error")
        assert found == expected
        assert bits([p.grad for p in parameters]) == before
        forward_expected = next(
            (
                r
                for r in (outcome(lambda s=s: program.forward(s)) for s in samples)
                if isinstance(r, tuple)
            ),
            None,
        )
        if forward_expected is not None:
            assert outcome(lambda: program.forward_batch(samples)) == forward_expected


def test_a_nan_input_is_the_scalar_error_and_changes_no_grad() -> None:
    w = Value(0.5)
    program = trace(lambda x: (x * w).log(), [1.0])
    with pytest.raises(ValueError, match=r"sample 1: input 0: expected a finite number, got nan"):
        program.backward_batch([[1.0], [math.nan]], [1.0, 1.0])
    with pytest.raises(ValueError, match="sample 1: input 0"):
        program.forward_batch(np.array([[1.0], [math.inf]]))
    with pytest.raises(ValueError) as error:
        program.backward_batch([[1.0], [-2.0], [-3.0]], [1.0, 1.0, 1.0])
    with pytest.raises(ValueError) as scalar_error:
        program.backward([-2.0])
    assert str(error.value) == str(scalar_error.value)
    assert w.grad == 0.0


@pytest.mark.parametrize("activation", [a for a in activations() if a != "prelu"] + ["prelu"])
def test_an_mlp_of_every_activation_with_several_outputs(activation: str) -> None:
    rng = random.Random(activation)
    model = MLP(3, [5, 4, 3], activation=activation, seed=rng.randrange(1000))
    parameters = model.parameters()
    samples = [[[rng.uniform(-2, 2) for _ in range(3)]] for _ in range(7)]
    seeds = [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(7)]
    program = trace(model, samples[0])
    for p in parameters:
        p.grad = 0.5
    out, input_grads = program.backward_batch(samples, seeds, input_grads=True)
    found = bits([out, input_grads, [p.grad for p in parameters]])
    for p in parameters:
        p.grad = 0.5
    expected_out, expected_inputs, expected_grads = reference(
        lambda x0, x1, x2: model([x0, x1, x2]), parameters, [s[0] for s in samples], seeds, False
    )
    assert found == bits([expected_out, [[g] for g in expected_inputs], expected_grads])
    assert bits(program.forward_batch(samples)) == bits([program.forward(s) for s in samples])


def test_one_sample_and_an_empty_batch() -> None:
    w = Value(-0.75)
    program = trace(lambda x: (x * w).tanh(), [0.3])
    assert bits(program.forward_batch([[0.3]])) == bits([program.forward([0.3])])
    program.backward_batch([[0.3]], [1.0])
    expected = Value(-0.75)
    (Value(0.3) * expected).tanh().backward()
    assert bits(w.grad) == bits(expected.grad)
    with pytest.raises(ValueError, match="the batch is empty"):
        program.forward_batch([])
    with pytest.raises(ValueError, match="the batch is empty"):
        program.backward_batch(np.zeros((0, 1)), [])
    with pytest.raises(ValueError, match="one row of 1 numbers"):
        program.forward_batch(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="grad_outputs holds each sample's seed"):
        program.backward_batch([[0.3], [0.4]], [1.0])


def cube_program(**batch_forms):
    @custom_op(rule="d(x³)/dx = 3x²", local_grads=lambda out, x: 3.0 * x * x, **batch_forms)
    def cube(x: float) -> float:
        return x * x * x

    w = Value(1.5)
    return cube, w, trace(lambda x: cube(x * w) + w, [0.5])


def test_a_custom_op_without_batch_forms_runs_sample_by_sample() -> None:
    cube, w, program = cube_program()
    try:
        samples = [[0.5], [-1.25], [2.0]]
        with pytest.warns(UserWarning, match="the op cube declares no batch forms"):
            out = program.backward_batch(samples, [1.0, 0.5, -2.0])
        found = bits([out, w.grad])
        w.grad = 0.0
        expected, _, grads = reference(
            lambda x: cube(x * w) + w, [w], [s for s in samples], [1.0, 0.5, -2.0], True
        )
        assert found == bits([expected, grads])
    finally:
        cube.remove()


def test_a_custom_op_with_batch_forms_runs_in_arrays(recwarn) -> None:
    cube, _, program = cube_program(
        batch_forward=lambda np, x: x * x * x, batch_local_grads=lambda np, out, x: 3.0 * x * x
    )
    try:
        samples = [[0.5], [-1.25], [2.0]]
        out = program.forward_batch(samples)
        assert bits(out) == bits([program.forward(s) for s in samples])
        assert program._batch.note is None and not recwarn.list
    finally:
        cube.remove()


def test_without_numpy_the_batch_runs_sample_by_sample(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "autograd.batch_numpy", None)
    model = MLP(2, [3, 2], seed=4)
    parameters = model.parameters()
    samples = [[[0.5, -1.0]], [[1.5, 0.25]], [[-2.0, 0.0]]]
    seeds = [[1.0, -0.5], [0.25, 2.0], [-1.0, 1.0]]
    program = trace(model, samples[0])
    with pytest.warns(UserWarning, match="numpy is not installed"):
        out = program.backward_batch(samples, seeds)
    found = bits([out, [p.grad for p in parameters]])
    for p in parameters:
        p.grad = 0.0
    expected, _, grads = reference(
        lambda a, b: model([a, b]), parameters, [s[0] for s in samples], seeds, False
    )
    assert found == bits([expected, grads])


def test_import_autograd_needs_no_numpy() -> None:
    code = (
        "import sys; sys.modules['numpy'] = None; import autograd, nn; "
        "w = autograd.Value(2.0); p = autograd.trace(lambda x: x * w, [1.0]); "
        "import warnings; warnings.simplefilter('ignore'); "
        "print(p.forward_batch([[1.0], [3.0]]))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[2.0, 6.0]", result.stderr
