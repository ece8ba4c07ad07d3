"""Programs: a graph traced once and replayed on new numbers, bit for bit as the graph.

Every comparison is exact: floats are compared by `float.hex`, so 0.0 and -0.0 differ.
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from reference import bits, outcome

import autograd
from autograd import OPS, ProgramError, Stepper, Value, no_grad, topological_order, trace
from autograd.testing.strategies import Graph, graphs
from nn import MLP, losses
from nn.layers import activations
from nn.optim import SGD

SIZE = 2.0
"""Random graphs' inputs are in [-SIZE, SIZE], and so are half the inputs they are replayed
at; the others are their inputs times one of SCALES, where ops often leave their domains
or overflow."""
SCALES = (-1.0, 30.0, -300.0, 1e5, 1e150)
DOMAINS = [OPS[name] for name in ("log", "sqrt", "div", "exp", "pow", "power", "mul", "sum")]
"""Ops with an edge to their domain, or that overflow, for graphs that often fail."""


# Random graphs: some leaves are inputs, the others parameters.


def split(graph: Graph, inputs: int, grads: list[float]) -> tuple[list[Value], object]:
    """Parameters for the graph's last leaves (with the gradients `grads` already in
    them), and fn of the first `inputs` leaves that builds the graph with them."""
    parameters = [Value(x, label=f"x{inputs + k}") for k, x in enumerate(graph.inputs[inputs:])]
    for p, g in zip(parameters, grads):
        p.grad = g

    def fn(*xs: Value) -> Value:
        return graph(*xs, *parameters)

    return parameters, fn


@settings(max_examples=150)
@given(graph=st.one_of(graphs(), graphs(DOMAINS)), data=st.data())
def test_replay_of_a_random_graph_is_the_graph_at_other_inputs(graph: Graph, data) -> None:
    """Both give the same numbers, or raise the same error (and change no grad)."""
    count = data.draw(st.integers(1, len(graph.inputs)), label="inputs")
    grads = data.draw(st.lists(st.floats(-3, 3), min_size=4, max_size=4), label="grads")
    nearby = st.lists(st.floats(-SIZE, SIZE), min_size=count, max_size=count)
    scale = st.sampled_from(SCALES).map(lambda c: [c * x for x in graph.inputs[:count]])
    other = data.draw(st.one_of(nearby, scale), label="other")
    ours, fn = split(graph, count, grads)
    theirs, expected_fn = split(graph, count, grads)
    program = trace(fn, graph.inputs[:count], second=graph.inputs[:count])

    def replayed():
        out, input_grads = program.backward(other, input_grads=True)
        return bits([out, input_grads, [p.grad for p in ours]])

    def built():
        xs = [Value(x, label=f"x{k}") for k, x in enumerate(other)]
        root = expected_fn(*xs)
        root.backward()
        return bits([root.data, [x.grad for x in xs], [p.grad for p in theirs]])

    found, expected = outcome(replayed), outcome(built)
    event("an error of the ops" if isinstance(expected, tuple) else "a result")
    assert found == expected
    assert bits([p.grad for p in ours]) == bits([p.grad for p in theirs])

    def forward():
        return bits(program.forward(other))

    def built_forward():
        with no_grad():
            return bits(expected_fn(*other).data)

    assert outcome(forward) == outcome(built_forward)


@given(graph=graphs())
def test_a_random_graph_is_traced_with_the_default_second_build(graph: Graph) -> None:
    """Its shape never depends on the data, so only a second build that fails (the
    inputs moved across the edge of a domain) can refuse it, and says so."""
    try:
        program = trace(graph, graph.inputs)
    except ProgramError as error:
        assert "fn fails at the inputs moved" in str(error)
        return
    assert bits(program.forward(graph.inputs)) == bits(graph.root.data)
    program.check(graph.inputs)


# nn: random MLPs and each loss, trained by replay and by graphs side by side.


def loss_case(name: str, outputs: int, rng: random.Random):
    """fn(model) for the loss `name`, and a function that draws a sample's target for it:
    None where the target is no input (hinge's ±1 labels and cross_entropy's class index
    choose the graph's wiring, so each has its own program: fn holds them)."""
    if name == "mse":
        return (
            lambda model: lambda x, y: losses.mse(model(x), y),
            lambda: [rng.uniform(-1, 1) for _ in range(outputs)],
        )
    if name == "bce":
        return (
            lambda model: lambda x, y: losses.binary_cross_entropy_with_logits(model(x), y),
            lambda: [float(rng.random() < 0.5) for _ in range(outputs)],
        )
    if name == "hinge":
        labels = [rng.choice([-1.0, 1.0]) for _ in range(outputs)]
        return lambda model: lambda x: losses.hinge(model(x), labels), None
    label = rng.randrange(outputs)
    return lambda model: lambda x: losses.cross_entropy(model(x), label), None


def with_l2(fn, model: MLP, alpha: float):
    def loss(*args: object) -> Value:
        return fn(*args) + losses.l2(model.parameters(), alpha=alpha)

    return loss


@settings(max_examples=40)
@given(
    loss=st.sampled_from(["mse", "bce", "hinge", "cross_entropy"]),
    activation=st.sampled_from(activations()),
    sizes=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    seed=st.integers(0, 2**16),
    l2=st.sampled_from([0.0, 1e-3]),
)
def test_training_by_replay_is_training_by_graphs(
    loss: str, activation: str, sizes: list[int], seed: int, l2: float
) -> None:
    rng = random.Random(seed)
    nin = rng.randint(1, 3)
    nouts = [*sizes, 2 if loss == "cross_entropy" else rng.randint(1, 2)]
    make, target = loss_case(loss, nouts[-1], rng)
    by_graph = MLP(nin, nouts, activation=activation, seed=seed)
    by_program = MLP(nin, nouts, activation=activation, seed=seed)
    fn_graph, fn_program = make(by_graph), make(by_program)
    if l2:
        fn_graph, fn_program = with_l2(fn_graph, by_graph, l2), with_l2(fn_program, by_program, l2)

    def draw_sample() -> list:
        x = [rng.uniform(-2, 2) for _ in range(nin)]
        return [x] if target is None else [x, target()]

    example = draw_sample()
    program = trace(fn_program, example)
    assert program.parameters == tuple(by_program.parameters())
    optimizers = [SGD(by_graph.parameters(), lr=0.1), SGD(by_program.parameters(), lr=0.1)]
    for _ in range(4):
        sample = draw_sample()
        leaves = [
            [Value(v) for v in item] if isinstance(item, list) else Value(item) for item in sample
        ]
        by_graph.zero_grad()
        by_program.zero_grad()
        graph_loss = fn_graph(*leaves)
        graph_loss.backward()
        assert bits(program.backward(sample)) == bits(graph_loss.data)
        assert bits([p.grad for p in by_program.parameters()]) == bits(
            [p.grad for p in by_graph.parameters()]
        )
        for optimizer in optimizers:
            optimizer.step()
        assert bits([p.data for p in by_program.parameters()]) == bits(
            [p.data for p in by_graph.parameters()]
        )
    program.check(draw_sample())


def test_the_sample_and_its_target_are_inputs_with_gradients() -> None:
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    program = trace(lambda x, y: losses.mse(model(x), y), [[0.5, -1.0], 0.3])
    x, y = [Value(0.25), Value(0.75)], Value(-0.5)
    loss = losses.mse(model(x), y)
    loss.backward()
    expected = bits([p.grad for p in model.parameters()])
    model.zero_grad()
    out, (dx, dy) = program.backward([[0.25, 0.75], -0.5], input_grads=True)
    assert bits([out, dx, dy]) == bits([loss.data, [v.grad for v in x], y.grad])
    assert bits([p.grad for p in model.parameters()]) == expected


@pytest.mark.parametrize("others", [0, 8], ids=["narrow", "with a run"])
def test_messages_reach_a_parent_in_position_order(others: int) -> None:
    """x gets 1 · g, then 1e16 · g, then -1e16 · g: 0 in this order, 1 in reverse."""
    ws = [Value(0.5) for _ in range(others)]

    def fn(x: Value) -> Value:
        return autograd.dot([x, x, x, *ws], [1.0, 1e16, -1e16, *[2.0] * others])

    program = trace(fn, [3.0])
    x = Value(0.25)
    fn(x).backward()
    assert x.grad == 0.0
    assert program.backward([0.25], input_grads=True)[1] == (0.0,)


def test_backward_adds_to_the_grads_parameters_had_as_backward_does() -> None:
    w = Value(0.5, label="w")
    program = trace(lambda x: (x * w).tanh() * w, [1.0])
    w.grad = 0.125
    program.backward([0.3])
    program.backward([0.3])
    v = Value(0.5)
    v.grad = 0.125
    for _ in range(2):
        x = Value(0.3)
        ((x * v).tanh() * v).backward()
    assert bits(w.grad) == bits(v.grad)


def test_several_outputs_run_forward_only() -> None:
    model = MLP(3, [4, 10], seed=2)
    program = trace(model, [[0.1, 0.2, 0.3]])
    x = [0.5, -0.25, 2.0]
    assert bits(program.forward([x])) == bits([y.data for y in model(x)])
    assert len(program.outputs) == 10
    with pytest.raises(TypeError, match="backward starts from one"):
        program.backward([x])
    with pytest.raises(TypeError, match=r"draw one of program\.outputs"):
        program.root  # noqa: B018
    program.check([x])


def test_the_program_shows_its_graph_with_the_inputs_named_after_fn_arguments() -> None:
    model = MLP(2, [2, 1], seed=0)
    program = trace(lambda x, y: losses.mse(model(x), y), [[0.5, -1.0], 0.3])
    order = topological_order(program.root)
    inputs = [node.label for node in order if not node.parents and node.label[0] in "xy"]
    assert inputs == ["x[0]", "x[1]", "y"]
    assert repr(program) == (
        "<Program of 2 inputs (a list of 2 numbers, a number), 9 parameters, "
        f"{sum(1 for node in order if node.parents)} ops, "
        f"{sum(len(node.parents) for node in order)} edges, 1 output>"
    )
    assert Stepper(program.root).root is program.root


def test_nested_inputs_a_batch_and_its_targets() -> None:
    model = MLP(2, [3, 1], seed=1)

    def batch_loss(xs, ys):
        return losses.mse([model(x) for x in xs], ys)

    program = trace(batch_loss, [[[0.1, 0.2], [0.3, 0.4]], [1.0, -1.0]])
    batch = [[[0.5, -0.5], [1.5, 0.25]], [0.0, 2.0]]
    out, grads = program.backward(batch, input_grads=True)
    xs = [[Value(v) for v in x] for x in batch[0]]
    ys = [Value(v) for v in batch[1]]
    loss = batch_loss(xs, ys)
    loss.backward()
    assert bits([out, grads]) == bits(
        [loss.data, [[[v.grad for v in x] for x in xs]], [v.grad for v in ys]]
    )
    assert isinstance(grads[0][1], list) and len(grads[1]) == 2


def test_an_unused_input_has_gradient_zero_and_a_leaf_output_works() -> None:
    w = Value(3.0)
    program = trace(lambda x, y: x * w, [1.0, 2.0])
    assert program.backward([2.0, 5.0], input_grads=True) == (6.0, (3.0, 0.0))
    identity = trace(lambda x: x, [1.0])
    assert identity.backward([4.0], input_grads=True) == (4.0, (1.0,))
    weight = trace(lambda x: w, [1.0])
    w.grad = 0.0
    assert weight.backward([7.0]) == 3.0 and w.grad == 1.0


def test_tracing_under_no_grad_still_records() -> None:
    w = Value(2.0)
    with no_grad():
        program = trace(lambda x: x * w, [1.0])
    assert program.backward([3.0]) == 6.0 and w.grad == 3.0


def test_constant_leaves_fn_makes_are_constants() -> None:
    program = trace(lambda x: x * Value(2.0) + Value(1.0), [1.0])
    assert program.backward([3.0], input_grads=True) == (7.0, (2.0,))
    program.check([5.0])


# What is caught: a graph that depends on the data.


def test_a_param_computed_from_the_data_is_caught_at_trace() -> None:
    with pytest.raises(ProgramError, match=r"n1 \(mul\) has the params") as caught:
        trace(lambda x: x * x.data, [1.5])
    assert "a number computed from .data?" in str(caught.value)


def test_softmax_shifts_by_a_max_read_from_the_data_so_it_is_refused() -> None:
    with pytest.raises(ProgramError, match="params"):
        trace(lambda xs: autograd.softmax(xs)[0], [[1.0, 2.0]])


def test_a_class_index_read_from_the_data_changes_the_wiring() -> None:
    model = MLP(2, [3], seed=0)
    with pytest.raises(ProgramError, match=r"sub of .* at the inputs moved"):
        trace(lambda x, y: losses.cross_entropy(model(x), int(y.data)), [[0.5, 0.5], 2.0])


def test_a_branch_on_the_data_is_caught_by_check() -> None:
    def fn(x: Value) -> Value:
        return x * 2.0 if x.data > 0 else x.tanh()

    program = trace(fn, [1.0])
    program.check([3.0])
    assert program.forward([-1.0]) == -2.0  # the traced branch: not fn at -1
    with pytest.raises(
        ProgramError, match=r"n1 \(mul\) is mul of \(x\) in the program and tanh of \(x\) at these"
    ):
        program.check([-1.0])


def test_a_param_the_small_move_keeps_is_caught_by_check() -> None:
    program = trace(lambda x: x * float(round(x.data)), [1.3])
    program.check([1.4])
    with pytest.raises(
        ProgramError, match=r"params \(1\.0,\) in the program and \(3\.0,\) at these inputs"
    ):
        program.check([2.7])


def test_a_leaf_made_from_a_parameter_goes_stale_and_check_sees_it() -> None:
    w = Value(2.0, label="w")
    program = trace(lambda x: x * Value(w.data), [1.0])
    program.check([3.0])
    w.data = 5.0
    with pytest.raises(
        ProgramError,
        match=r"a leaf fn made, of data 2\.0 in the program and a leaf fn made, of data 5\.0",
    ):
        program.check([3.0])


def test_check_sees_data_that_differs_in_a_graph_of_the_same_shape() -> None:
    calls = []

    @autograd.custom_op(rule="d(x + c)/dx = 1", local_grads=lambda out, x: 1.0)
    def drifting(x: float) -> float:
        calls.append(x)
        return x + len(calls)  # not a function of x alone: each call adds more

    try:
        program = trace(lambda x: drifting(x) * 2.0, [1.0])
        with pytest.raises(ProgramError, match=r"check: n1 \(drifting\) is 5\.0 in the program"):
            program.check([1.0])
    finally:
        drifting.remove()


def test_check_compares_data_and_gradients_and_changes_no_grad() -> None:
    model = MLP(2, [4, 1], activation="sigmoid", seed=3)
    program = trace(lambda x, y: losses.mse(model(x), y), [[0.5, -1.0], 0.3])
    for p in model.parameters():
        p.grad = 0.5
    program.check([[2.0, 1.0], -0.7])
    assert all(p.grad == 0.5 for p in model.parameters())


def test_a_parameter_chosen_by_the_data_is_caught() -> None:
    a, b = Value(1.0, label="a"), Value(1.0, label="b")
    with pytest.raises(
        ProgramError,
        match=r"b \(a parameter\) is the parameter b of data 1\.0 in the program and the",
    ):
        trace(lambda x: x * (a if x.data > 1.0 else b), [1.0], second=[2.0])


def test_a_node_made_under_no_grad_from_the_data_is_caught() -> None:
    def fn(x: Value) -> Value:
        with no_grad():
            doubled = x * 2.0
        return x * doubled

    with pytest.raises(ProgramError, match=r"is a mul node made under no_grad, of data 2\.0 in"):
        trace(fn, [1.0])


def test_a_result_made_before_fn_ran_is_refused() -> None:
    w = Value(2.0)
    doubled = w * 2.0
    with pytest.raises(ValueError, match="made before fn ran"):
        trace(lambda x: x * doubled, [1.0])


def test_a_second_example_where_fn_fails() -> None:
    with pytest.raises(ProgramError, match="fn fails at second"):
        trace(lambda x: x.log(), [1.0], second=[-1.0])


# Misuse.


@pytest.mark.parametrize(
    ("inputs", "error", "message"),
    [
        (3.0, TypeError, "inputs must be a list"),
        ("ab", TypeError, "inputs must be a list"),
        (["a"], TypeError, "input 0: expected a real number or a list, got 'a'"),
        ([True], TypeError, "input 0: expected a real number or a list, got True"),
        ([math.inf], ValueError, "input 0: expected a finite number, got inf"),
        ([[1.0, math.nan]], ValueError, r"input 0\[1\]: expected a finite number"),
        ([Value(1.0)], TypeError, "expected a real number or a list, got Value"),
        ([{"a": 1.0}], TypeError, "input 0: expected a real number or a list, got {"),
    ],
)
def test_trace_refuses_inputs_that_are_not_numbers(inputs, error, message) -> None:
    with pytest.raises(error, match=message):
        trace(lambda *xs: Value(1.0), inputs)


@pytest.mark.parametrize("result", [1.0, [], [Value(1.0), 2.0], None])
def test_fn_must_return_values(result) -> None:
    with pytest.raises(TypeError, match="fn must return a Value or a non-empty list of Values"):
        trace(lambda x: result, [1.0])


@pytest.mark.parametrize(
    ("inputs", "error", "message"),
    [
        ([[1.0, 2.0]], TypeError, "the program takes 2 inputs, got 1"),
        ([[1.0, 2.0], 3.0, 4.0], TypeError, "the program takes 2 inputs, got 3"),
        ([1.0, 3.0], TypeError, "input 0 is a number, but the program was traced with a list of 2"),
        (
            [[1.0, 2.0], [3.0]],
            TypeError,
            "input 1 is a list, but the program was traced with a number",
        ),
        (
            [[1.0, 2.0, 3.0], 3.0],
            ValueError,
            "input 0 has 3 items, but the program was traced with 2",
        ),
        ([[1.0, "2"], 3.0], TypeError, r"input 0\[1\]: expected a real number"),
        ([[1.0, 2.0], math.nan], ValueError, "input 1: expected a finite number, got nan"),
    ],
)
def test_a_program_refuses_inputs_of_another_shape(inputs, error, message) -> None:
    model = MLP(2, [1], seed=0)
    program = trace(lambda x, y: losses.mse(model(x), y), [[0.5, -1.0], 0.3])
    for run in (program.forward, program.backward, program.check):
        with pytest.raises(error, match=message):
            run(inputs)


def test_ints_and_other_real_numbers_are_numbers() -> None:
    program = trace(lambda x, y: x[0] * y, [[2], 3])
    assert program.forward([[2], 5]) == 10.0


# Errors of the ops: the engine's, and a failed backward changes no grad.


def test_a_domain_error_is_the_engines() -> None:
    w = Value(1.0, label="w")
    program = trace(lambda x: (x * w).log(), [2.0])
    with pytest.raises(ValueError) as ours:
        program.backward([-2.0])
    with pytest.raises(ValueError) as theirs:
        (Value(-2.0) * w).log()
    assert str(ours.value) == str(theirs.value) == "log: x = -2.0 is outside the domain x > 0"
    assert w.grad == 0.0


def test_an_infinite_derivative_fails_backward_but_not_forward() -> None:
    program = trace(lambda x: x.sqrt(), [4.0])
    assert program.forward([0.0]) == 0.0
    with pytest.raises(ValueError, match=r"sqrt: the local derivatives at x = 0\.0 are not finite"):
        program.backward([0.0])


def test_an_overflowing_gradient_fails_and_leaves_every_grad_as_it_was() -> None:
    w, v = Value(1e200, label="w"), Value(0.5, label="v")
    w.grad, v.grad = 0.25, -0.75

    def fn(x: Value) -> Value:
        return ((x + 0.0) * 1e200) * w + v

    program = trace(fn, [1e-100])
    with pytest.raises(OverflowError) as ours:
        program.backward([1e-100])
    with pytest.raises(OverflowError) as theirs:
        fn(Value(1e-100, label="x")).backward()
    assert str(ours.value) == str(theirs.value)
    assert "the gradient of 'add' (data 1e-100) would be inf" in str(ours.value)
    assert (w.grad, v.grad) == (0.25, -0.75)


def test_a_leaf_whose_grad_overflows_fails_and_changes_no_grad() -> None:
    w, v = Value(2.0, label="w"), Value(1.0, label="v")
    w.grad, v.grad = 1.5e308, 0.5
    program = trace(lambda x: x * w * w + v, [1.0])
    with pytest.raises(OverflowError, match="the gradient of 'w'"):
        program.backward([1e307])
    assert (w.grad, v.grad) == (1.5e308, 0.5)
