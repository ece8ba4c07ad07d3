"""The testing toolkit tests itself: strategies stay in domains and make fan-out, the
checker catches a wrong rule for every op and shrinks it, and pytest users get it all."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample
from reference import ALL_OPS

from autograd import OPS, CustomOp, GradcheckError, Op, Value, custom_op, gradcheck
from autograd.testing import UndefinedDerivative, check_op
from autograd.testing.strategies import (
    PARAM_RANGE,
    Call,
    Graph,
    builtin_ops,
    calls,
    graphs,
    values,
)

MARGIN = 1e-3


def inside(op: Op, args: tuple[float, ...]) -> bool:
    """Inside the op's domain, and MARGIN away from its singular points."""
    if op.valid is not None and not op.valid(*args):
        return False
    return op.singularity is None or op.singularity(*args) >= MARGIN


@pytest.mark.parametrize("op", ALL_OPS, ids=lambda op: op.name)
@given(data=st.data())
def test_calls_stay_inside_the_domain_and_the_param_ranges(op: Op, data: st.DataObject) -> None:
    call = data.draw(calls(op))
    assert call.op is op and inside(op, (*call.inputs, *call.params.values()))
    assert all(-10.0 <= x <= 10.0 for x in call.inputs)
    assert (op.arity is None and 1 <= len(call.inputs) <= 4) or len(call.inputs) == op.arity
    for name, x in call.params.items():
        low, high = op.param_ranges.get(name, PARAM_RANGE)
        assert low <= x <= high
    assert math.isfinite(call(*map(Value, call.inputs)).data)


def test_ops_with_a_domain_keep_central_differences_inside_it() -> None:
    """log x at x ≥ 1e-3 only: x ± 1e-6 stays inside, and ln's 1/x is still smooth there."""
    smallest = find(values("log"), lambda x: True)
    assert smallest == 1.0
    assert find(values("log"), lambda x: x < 0.5) >= MARGIN


@given(values("div", min_value=-0.01, max_value=0.01))
def test_poles_are_kept_at_a_distance(ab: tuple[float, float]) -> None:
    assert abs(ab[1]) >= MARGIN


def test_kinks_only_when_asked_for() -> None:
    assert MARGIN <= abs(find(values("relu"), lambda x: abs(x) < 0.01)) < 0.01
    assert find(values("relu", kinks=True), lambda x: abs(x) < 0.01) == 0.0


def test_values_shapes_and_params() -> None:
    assert isinstance(find(values(), lambda x: True), float)
    assert find(values("tanh"), lambda x: True) == 0.0
    assert find(values("maximum"), lambda ab: True) == (0.0, 1.0)  # a tie is a kink
    assert len(find(values("sum"), lambda xs: len(xs) > 2)) == 3
    leaky = values("leaky_relu", params={"alpha": 0.2}, min_value=1.0)
    assert find(leaky, lambda x: True) == 1.0
    assert find(values("pow", params={"exponent": 0.5}), lambda x: True) == 1.0  # √x: x > 0
    with pytest.raises(TypeError, match=r"values: pow needs its param exponent"):
        values("pow")
    with pytest.raises(TypeError, match="strategies: tanh has no param 'alpha'"):
        find(values("tanh", params={"alpha": 1.0}), lambda x: True)
    with pytest.raises(ValueError, match="strategies: unknown op 'tanhh'"):
        values("tanhh")


def test_calls_draw_whole_params_often() -> None:
    """pow(x, c) with x < 0 needs a whole c: calls reach negative bases that way."""
    drawn: list[Call] = []

    @settings(max_examples=200)
    @given(calls("pow"))
    def collect(call: Call) -> None:
        drawn.append(call)

    collect()
    whole = [c for c in drawn if c.params["exponent"] == int(c.params["exponent"])]
    assert len(whole) > 0.2 * len(drawn)
    assert any(c.inputs[0] < 0.0 and c.params["exponent"] < 0.0 for c in drawn)


def test_a_call_shows_itself_as_code() -> None:
    call = Call(OPS["elu"], (-0.5,), {"alpha": 2.0})
    assert repr(call) == "elu(-0.5, alpha=2.0)"
    assert call(Value(-0.5)).data == 2.0 * math.expm1(-0.5)


@pytest.mark.parametrize(("ops", "share"), [(None, 0.15), (["add", "mul", "tanh"], 0.3)])
def test_graphs_often_make_fan_out(ops: list[str] | None, share: float) -> None:
    """Measured: the share of generated graphs in which some node is used twice or more.
    With the whole table (mostly one-input ops) it was 19–39% over runs of 300 examples,
    with add, mul and tanh 49%; the bounds leave room for hypothesis' variation."""
    seen = []

    @settings(max_examples=300)
    @given(graphs(ops))
    def collect(graph: Graph) -> None:
        seen.append(graph.fan_out)

    collect()
    assert sum(seen) / len(seen) > share


@given(graphs(max_nodes=8, leaves=3))
def test_graphs_keep_their_promises(graph: Graph) -> None:
    assert len(graph.leaves) == 3 and len(graph.leaves) + len(graph.steps) <= 8
    assert [leaf.label for leaf in graph.leaves] == ["x0", "x1", "x2"]
    assert tuple(leaf.data for leaf in graph.leaves) == graph.inputs
    with pytest.raises(TypeError, match="Graph: takes 3 leaves, got 2"):
        graph(1.0, 2.0)
    again = graph(*graph.inputs)
    assert again.data == graph.root.data and again.op is graph.root.op
    assert (again.op.base or again.op) is graph.steps[-1].op
    for step in graph.steps:
        assert any(isinstance(i, int) for i in step.operands)


@given(graphs(ops=["add", "mul", "exp"], bound=50.0))
def test_graphs_use_only_the_ops_asked_for_and_stay_bounded(graph: Graph) -> None:
    assert {step.op.name for step in graph.steps} <= {"add", "mul", "exp"}
    rebuilt: list[Value | float] = list(graph.leaves)
    for step in graph.steps:
        node = step.op.forward(
            *(rebuilt[i].data if isinstance(i, int) else i for i in step.operands)
        )
        assert abs(node) <= 50.0
        rebuilt.append(Value(node))


def test_graphs_shrink_to_a_minimal_graph() -> None:
    """The smallest graph in which a node is used twice: one leaf, added to itself."""
    graph = find(
        graphs(ops=["add", "mul", "tanh"]),
        lambda g: g.fan_out,
    )
    assert repr(graph) == "Graph(inputs=(0.0,)):\n  v1 = add(x0, x0)"


def test_graph_options_are_checked() -> None:
    for options, message in [
        ({"ops": []}, "graphs: ops must name at least one op"),
        ({"max_nodes": 1}, "graphs: max_nodes must be at least 2"),
        ({"leaves": 5, "max_nodes": 5}, "graphs: leaves must be from 1 to max_nodes - 1"),
    ]:
        with pytest.raises(ValueError, match=message):
            graphs(**options)


def perturbed(op: Op, position: int) -> Op:
    """`op` with the derivative for one input wrong by 0.1 (1 + |right one|): always beyond
    gradcheck's tolerance atol + rtol · |right one|."""
    right = op.local_grads

    def wrong(out: float, *args: float) -> tuple[float, ...]:
        grads = list(right(out, *args))
        grads[position] += 0.1 * (1.0 + abs(grads[position]))
        return tuple(grads)

    return dataclasses.replace(op, local_grads=wrong)


MUTANTS = [
    (op, position) for op in ALL_OPS for position in range(op.arity if op.arity is not None else 2)
]


@pytest.mark.parametrize(("op", "position"), MUTANTS, ids=lambda x: getattr(x, "name", str(x)))
def test_a_wrong_derivative_of_any_op_is_caught(op: Op, position: int) -> None:
    check_op(op, max_examples=50)
    with pytest.raises(GradcheckError) as caught:
        check_op(perturbed(op, position), max_examples=50, min_inputs=position + 1)
    wrong = [c.input for c in caught.value.report.failures]
    assert wrong == [position]
    assert [c.verdict for c in caught.value.report.failures] == ["WRONG"]


def declare_cube(local_grads: Callable[[float, float], float]) -> CustomOp:
    @custom_op(rule="d(x³)/dx = 3x²", local_grads=local_grads)
    def cube(x: float) -> float:
        return x * x * x

    return cube


@pytest.mark.parametrize(
    ("local_grads", "gave"),
    [
        (lambda out, x: 3 * x * x if x <= 0 else math.nan, "returned (nan,)"),
        (lambda out, x: 3 * x * x if x <= 0 else -math.inf, "returned (-inf,)"),
        (lambda out, x: 3 * x * x if x <= 0 else 1 / (x - x), "raised ZeroDivisionError: "),
    ],
    ids=["nan", "inf", "raises"],
)
def test_a_derivative_undefined_on_half_the_domain_fails_at_a_shrunk_input(
    local_grads: Callable[[float, float], float], gave: str
) -> None:
    """The strategies used to drop the inputs where local_grads was not finite, so this
    cube passed: x > 0 was never drawn."""
    cube = declare_cube(local_grads)
    try:
        with pytest.raises(UndefinedDerivative) as caught:
            check_op(cube)
        message = str(caught.value)
        assert message.startswith(
            "cube: the forward is defined and finite at this input, cube(1.0) = 1.0, "
            f"but the local derivatives are not: local_grads {gave}"
        )
        assert "(cube: d(x³)/dx = 3x²)" in message
        assert isinstance(caught.value, AssertionError)
    finally:
        cube.remove()


def test_a_derivative_undefined_everywhere_is_not_blamed_on_the_domain() -> None:
    cube = declare_cube(lambda out, x: math.nan)
    try:
        with pytest.raises(UndefinedDerivative, match=r"cube\(0.0\) = 0.0.*returned \(nan,\)"):
            check_op(cube)
    finally:
        cube.remove()


def test_every_strategy_fails_where_a_derivative_is_undefined() -> None:
    cube = declare_cube(lambda out, x: 3 * x * x if x <= 0 else math.nan)
    try:
        with pytest.raises(UndefinedDerivative, match=r"cube\(1.0\) = 1.0"):
            find(values(cube), lambda x: x > 0.0)
        with pytest.raises(UndefinedDerivative, match=r"cube\(1.0\) = 1.0"):
            find(calls(cube), lambda call: call.inputs[0] > 0.0)
        with pytest.raises(UndefinedDerivative, match="cube: the forward is defined"):

            @given(graphs(ops=[cube], min_value=0.5))
            def graphs_agree(graph: Graph) -> None:
                assert gradcheck(graph, graph.inputs)

            graphs_agree()
    finally:
        cube.remove()


def test_an_infinite_derivative_is_dropped_only_at_a_singular_point() -> None:
    """√x' = 1 / (2√x) is infinite at 0: with kinks, inputs at the singular point are left
    out; without the singular point declared, it is a failure that says to declare it."""
    assert find(values("sqrt", kinks=True), lambda x: x < 0.5) > 0.0
    declare = custom_op(
        name="root",
        rule="d√x/dx = 1 / (2√x)",
        local_grads=lambda out, x: 0.5 / out if out else math.inf,
        valid=lambda x: x >= 0.0,
        domain="x ≥ 0",
    )
    root = declare(math.sqrt)
    try:
        with pytest.raises(UndefinedDerivative, match="declare a kink or pole with singularity="):
            find(values(root, kinks=True), lambda x: True)
    finally:
        root.remove()


def test_check_op_says_when_the_forward_loses_precision() -> None:
    """(1 - cos x) / x² cancels near 0, where its derivative (a series there) is right:
    check_op fails, since finite differences cannot confirm it, and says it is the
    forward's rounding, not the derivative."""

    @custom_op(
        rule="d/dx (1 - cos x) / x² = -x/12 + x³/180 - …",
        local_grads=lambda out, x: (
            x * (-1 / 12 + x * x * (1 / 180 - x * x / 6720))
            if abs(x) < 0.05
            else (x * math.sin(x) - 2 * (1 - math.cos(x))) / x**3
        ),
    )
    def versine(x: float) -> float:
        return (1 - math.cos(x)) / x**2

    try:
        with pytest.raises(GradcheckError, match="but f's own rounding explains it") as caught:
            check_op(versine)
        assert [c.verdict for c in caught.value.report.failures] == ["UNCHECKED"]
        assert abs(caught.value.report.point[0]) < 1e-3
    finally:
        versine.remove()


@pytest.fixture
def my_softplus() -> Iterator[CustomOp]:
    """A student's softplus with the sign of the exponent wrong in its derivative:
    1 / (1 + e^x) = σ(-x) instead of σ(x). At x = 0 both are ½."""

    @custom_op(
        symbol="softplus",
        rule="softplus'(x) = 1 / (1 + e^x)",
        local_grads=lambda out, x: 1.0 / (1.0 + math.exp(x)),
    )
    def my_softplus(x: float) -> float:
        return math.log1p(math.exp(x))

    yield my_softplus
    my_softplus.remove()


def test_a_wrong_derivative_is_shrunk_to_a_minimal_input(my_softplus: CustomOp) -> None:
    assert gradcheck(my_softplus, [0.0])
    with pytest.raises(GradcheckError) as caught:
        check_op(my_softplus)
    error = caught.value
    assert error.report.point == (1.0,)
    assert "backward gives 0.2689414213699951, finite differences expect 0.731058578" in str(error)
    assert "call=my_softplus(1.0)" in "\n".join(error.__notes__)


def test_custom_ops_are_in_the_strategies(my_softplus: CustomOp) -> None:
    assert find(values(my_softplus), lambda x: x > 2) == 3.0
    assert find(values("my_softplus"), lambda x: True) == 0.0
    for ops in ([*builtin_ops(), my_softplus], ["add", "my_softplus"]):
        graph = find(graphs(ops), lambda g: any(s.op is my_softplus.op for s in g.steps))
        assert repr(graph) == "Graph(inputs=(0.0,)):\n  v1 = my_softplus(x0)"


def test_graphs_draw_from_the_builtin_ops_unless_given_others(my_softplus: CustomOp) -> None:
    """A custom op declared before (here, or by an earlier test) does not change what
    `graphs()` draws: only the ops given to it do."""
    assert [op.name for op in builtin_ops()] == [name for name in OPS if name != "my_softplus"]
    assert my_softplus.op in OPS.values() and my_softplus.op not in builtin_ops()
    with pytest.raises(NoSuchExample):
        find(graphs(), lambda g: any(s.op is my_softplus.op for s in g.steps))


def test_profiles_are_registered() -> None:
    assert settings.get_profile("dev").max_examples == 50
    assert settings.get_profile("thorough").max_examples == 2000
    ci = settings.get_profile("ci")
    assert ci.derandomize and ci.database is None and ci.deadline is None


def test_the_pytest_plugin_gives_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import math
        from autograd import custom_op

        @custom_op(rule="d(x³)/dx = 3x", local_grads=lambda out, x: 3 * x)
        def cube(x):
            return x ** 3

        def test_gradcheck(gradcheck):
            assert gradcheck(lambda x: x.tanh() * x, [0.3])

        def test_cube(check_op):
            check_op(cube)
        """
    )
    result = pytester.runpytest_subprocess("--hypothesis-profile=ci", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*GradcheckError: gradcheck: 1 of 1 derivatives disagree*"])


def test_check_op_says_when_the_range_misses_the_domain() -> None:
    @custom_op(
        rule="d logit/dp = 1 / (p (1 - p))",
        local_grads=lambda out, p: 1.0 / (p * (1.0 - p)),
        valid=lambda p: 0.0 < p < 1.0,
        domain="0 < p < 1",
        singularity=lambda p: min(p, 1.0 - p),
    )
    def logit(p: float) -> float:
        return math.log(p / (1.0 - p))

    try:
        with pytest.raises(ValueError, match=r"check_op logit: few inputs in \[2.0, 3.0\]"):
            check_op(logit, min_value=2.0, max_value=3.0)
        check_op(logit, min_value=0.0, max_value=1.0)
    finally:
        logit.remove()
