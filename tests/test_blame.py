"""blame: the edge whose local derivative is wrong, and no other.

Mutation tests: for every op of the table, a copy whose derivative is 1% off in one input
is put into a random graph (a derivative d becomes
d + 0.01 · max(|d|, 1)) of built-in ops; blame must name exactly its edges in that
input. And over 10^4 random graphs of built-in ops, blame names no edge.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd
from autograd import OPS, GradcheckError, Value, apply, custom_op
from autograd.blame import blame
from autograd.graph import arguments
from autograd.ops import Op
from autograd.testing import check_op
from autograd.testing.strategies import builtin_ops, calls, graphs

RANDOM_GRAPHS = 10_000 if autograd.CORE.startswith("compiled") else 1_000
"""The compiled run checks 10^4 graphs; the plain-Python run (the same blame code, on
bit-identical graphs, see test_core) a tenth, to keep `make test` short."""


def off_by_one_percent(op: Op, index: int) -> Op:
    """A copy of `op` whose local derivative d in argument `index` is off by 1%:
    d + 0.01 · max(|d|, 1), so that a derivative of 0 (step, relu below 0) is off too."""

    def local_grads(out: float, *args: float) -> tuple[float, ...]:
        grads = list(op.local_grads(out, *args))
        grads[index] = one_percent_off(grads[index])
        return tuple(grads)

    return replace(op, name=f"{op.name}_off", local_grads=local_grads)


def one_percent_off(derivative: float) -> float:
    return derivative + 0.01 * max(abs(derivative), 1.0)


def input_count(op: Op) -> int:
    return 2 if op.arity is None else op.arity


@pytest.mark.parametrize(
    ("op", "index"),
    [(op, index) for op in builtin_ops() for index in range(input_count(op))],
    ids=lambda item: item.name if isinstance(item, Op) else str(item),
)
@settings(max_examples=25)
@given(data=st.data())
def test_a_rule_one_percent_off_is_blamed_at_exactly_its_edge(op: Op, index: int, data) -> None:
    wrong = off_by_one_percent(op, index)
    call = data.draw(calls(wrong, min_inputs=2, max_inputs=4) if op.arity is None else calls(wrong))
    assume(index < len(call.inputs))
    right = op.local_grads(
        op.forward(*call.inputs, *call.params.values()), *call.inputs, *call.params.values()
    )[index]
    graph = data.draw(graphs(max_nodes=8))
    # The wrong op's inputs are nodes with the drawn data that depend on the random graph,
    # and its output feeds two more nodes, so the wrong edge sits inside the graph.
    anchor = graph.root - graph.root.data
    inputs = [anchor + x for x in call.inputs]
    assert [x.data for x in inputs] == list(call.inputs)
    suspect = apply(wrong, *inputs, **call.params)
    root = (suspect * graph.root).tanh() + suspect

    found = blame(root)

    expected = [(suspect, index)]
    assert [(edge.consumer, edge.position) for edge in found.edges] == expected
    edge = found.edges[0]
    assert edge.parent is inputs[index] and edge.op is wrong
    assert edge.used == one_percent_off(right)
    assert edge.numerical == pytest.approx(right, rel=1e-6, abs=1e-7)


@settings(max_examples=RANDOM_GRAPHS)
@given(graph=graphs())
def test_no_edge_of_the_built_in_ops_is_blamed(graph) -> None:
    found = blame(graph.root)
    assert found.edges == (), str(found)
    assert found.checked + len(found.skipped) == sum(
        len(node.parents) for node in autograd.topological_order(graph.root)
    )


@settings(max_examples=300)
@given(graph=graphs(kinks=True))
def test_near_a_kink_an_edge_is_skipped_not_blamed(graph) -> None:
    found = blame(graph.root)
    assert found.edges == (), str(found)
    for skipped in found.skipped:
        assert skipped.consumer.op.name in skipped.reason


def test_a_kink_is_skipped_with_a_note() -> None:
    x = Value(0.0, label="x")
    y = x.relu()
    found = blame(y)
    assert found.edges == () and found.checked == 0
    (skipped,) = found.skipped
    assert skipped.consumer is y and "relu is within 100 steps of a kink" in skipped.reason
    assert "1 skipped" in str(found)


def test_the_edge_of_a_domain_is_skipped_with_a_note() -> None:
    x = Value(1e-9)
    (skipped,) = blame(x.log()).skipped
    assert "log" in skipped.reason


def test_constants_move_only_the_value_input() -> None:
    x = Value(2.0, label="x")
    y = 3.0 / x
    assert arguments(y) == ((3.0, 2.0), (1,))
    assert arguments(x - 1.0) == ((2.0, 1.0), (0,))
    assert arguments(x**3) == ((2.0, 3), (0,))
    assert arguments(autograd.dot([x, x], [Value(4.0), 0.5])) == ((2.0, 2.0, 4.0, 0.5), (0, 1, 2))
    assert blame(y).edges == () and blame(y).checked == 1


def test_the_report_names_the_edge_in_the_graphs_own_names() -> None:
    wrong = replace(OPS["sigmoid"], name="my_sigmoid", local_grads=lambda out, x: (out,))
    x = Value(0.5, label="x")
    z = apply(wrong, x * 2.0)
    z.label = "z"
    text = str(blame(z))
    assert text.startswith("blame: 1 of 2 edges blamed")
    assert "n1 → z (input 0 of my_sigmoid(1.0))" in text
    assert "backward used ∂/∂n1 = 0.7310585786300049" in text


def test_blame_reads_the_graph_only() -> None:
    x = Value(0.3)
    y = (x * x).sin()
    y.backward()
    before = (y.data, y.grad, x.grad)
    blame(y)
    assert (y.data, y.grad, x.grad) == before


@pytest.mark.parametrize("options", [{"eps": 0.0}, {"rtol": -1.0}, {"atol": float("nan")}])
def test_bad_options_are_clear_errors(options) -> None:
    with pytest.raises(ValueError, match="blame: eps must be > 0"):
        blame(Value(1.0) * 2.0, **options)


WRONG_SIGMOID = replace(OPS["sigmoid"], name="my_sigmoid", local_grads=lambda out, x: (out,))


def test_draw_paints_the_blamed_edge_red_with_both_numbers(dot_program: str) -> None:
    from autograd.drawing import draw

    x, w = Value(0.5, label="x"), Value(-1.2, label="w")
    z = apply(WRONG_SIGMOID, x * w + x)
    z.backward()
    source = draw(z, blame=True).source
    assert source.count("fontcolor=red") == 1
    assert "✗ used ∂ 0.475, finite differences 0.2494" in source
    assert "1 edge(s) blamed, in red" in source
    assert "fontcolor=red" not in draw(z).source
    assert "<svg" in draw(z, blame=True).pipe().decode()


def check_a_cube_with_a_wrong_rule() -> GradcheckError:
    """What `check_op` raises for a cube whose rule says 2.9 x² instead of 3 x²."""

    @custom_op(symbol="cube", rule="d(x³)/dx = 3x²", local_grads=lambda out, x: (2.9 * x * x,))
    def wrong_cube(x: float) -> float:
        return x * x * x

    try:
        with pytest.raises(GradcheckError) as caught:
            check_op(wrong_cube, max_examples=20)
    finally:
        wrong_cube.remove()
    return caught.value


def test_check_op_names_the_blamed_edge() -> None:
    error = check_a_cube_with_a_wrong_rule()
    message = str(error)
    assert "blame: 1 of 1 edges blamed" in message
    assert "✗ x0 → n1 (input 0 of wrong_cube(" in message
    (edge,) = error.blame.edges
    assert edge.used == pytest.approx(2.9 / 3.0 * edge.numerical, rel=1e-6)


def test_in_jupyter_check_op_draws_the_shrunk_counterexample(monkeypatch, dot_program) -> None:
    import IPython
    import IPython.display

    from autograd.drawing import Drawing

    class Kernel:
        kernel = object()

    shown: list[object] = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: Kernel())
    monkeypatch.setattr(IPython.display, "display", shown.append)
    error = check_a_cube_with_a_wrong_rule()
    (drawing,) = shown
    assert isinstance(drawing, Drawing) and drawing.source.count("fontcolor=red") == 1
    assert drawing.scene.root is error.report.root


def test_blamed_edges_stay_red_inside_the_boxes_the_viewer_opens(dot_program: str) -> None:
    from autograd.drawing import draw
    from autograd.viewer import Viewer
    from nn import MLP

    @custom_op(rule="wrong on purpose", local_grads=lambda out, x: (1.1 * (1.0 - out * out),))
    def wrong_tanh(x: float) -> float:
        return OPS["tanh"].forward(x)

    try:
        model = MLP(2, [16, 16, 1], activation="wrong_tanh", seed=0)
        out = model([0.5, -0.25])
        out.backward()
        found = blame(out)
        drawing = draw(out, blame=True)
        views = Viewer.of_drawing(drawing).data["views"]
    finally:
        wrong_tanh.remove()
    assert len(found.edges) == 32 and drawing.scene.boxes
    inside = [view for view in views if view["parent"] != -1]
    red = [view["svg"].count('<path fill="none" stroke="red"') for view in views]
    assert inside and sum(red) == 32  # each blamed edge, red in the picture that draws it


@pytest.mark.parametrize("name", ["demo loss (nn, builtin sum, L2)", "MNIST sample 784-128-256-10"])
def test_at_real_size_nothing_built_in_is_blamed(name: str) -> None:
    from bench.pictures import GRAPHS

    make, _ = GRAPHS[name]
    found = blame(make())
    assert found.edges == () and found.checked > 50_000
    assert all("kink" in s.reason or "domain" in s.reason for s in found.skipped)


@pytest.mark.parametrize("name", ["sum", "dot", "logsumexp"])
@settings(max_examples=30)
@given(data=st.data())
def test_a_node_of_many_inputs_is_checked_in_groups_and_blamed_at_one_edge(name, data) -> None:
    op = OPS[name]
    count = data.draw(st.integers(9, 200).map(lambda n: n + n % 2 if name == "dot" else n))
    index = data.draw(st.integers(0, count - 1))
    numbers = data.draw(st.lists(st.floats(-3.0, 3.0), min_size=count, max_size=count))
    wrong = off_by_one_percent(op, index)
    inputs = [Value(x) for x in numbers]
    node = apply(wrong, *inputs)
    right = op.local_grads(node.data, *numbers)[index]
    found = blame(node.tanh())
    assert [(e.consumer, e.position) for e in found.edges] == [(node, index)]
    assert found.edges[0].numerical == pytest.approx(right, rel=1e-6, abs=1e-7)
    assert found.checked == count + 1 and blame(apply(op, *inputs)).edges == ()
