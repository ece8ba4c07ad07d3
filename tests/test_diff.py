"""diff: two backward passes of one program, lined up edge by edge, and drawn."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import OPS, Value, apply, custom_op, edges
from autograd.diff import change, diff
from autograd.testing.strategies import graphs
from nn import MLP
from nn.losses import mse
from nn.optim import SGD


def test_messages_are_those_backward_sends_in_each_graph() -> None:
    def f(x: Value, w: Value) -> Value:
        h = (x * w + x).tanh()
        return h * h + w

    a, b = f(Value(0.5), Value(-1.2)), f(Value(0.5), Value(-1.0))
    found = diff(a, b)
    a.backward()
    b.backward()
    assert [(e.a, e.b) for e in found.edges] == [
        (ea.message, eb.message) for ea, eb in zip(edges(a), edges(b), strict=True)
    ]
    assert [n.grad for n in found.nodes] == [
        (x.grad, y.grad)
        for x, y in zip(autograd.topological_order(a), autograd.topological_order(b), strict=True)
    ]


@settings(max_examples=200)
@given(graph=graphs(), shift=st.floats(-0.01, 0.01))
def test_a_random_graph_against_itself_and_against_moved_inputs(graph, shift: float) -> None:
    same = diff(graph.root, graph(*graph.inputs))
    assert all(e.a == e.b for e in same.edges) and same.largest() == []
    moved = graph(*(x + shift for x in graph.inputs))
    found = diff(graph.root, moved)
    moved.backward()
    assert [e.b for e in found.edges] == [e.message for e in edges(moved)]


def test_a_custom_op_against_the_built_in_one() -> None:
    @custom_op(symbol="σ", rule="σ' = σ(1 - σ)", local_grads=lambda out, x: (out * (1 - out),))
    def my_sigmoid(x: float) -> float:
        return OPS["sigmoid"].forward(x)

    try:
        x = Value(0.3, label="x")
        built_in = (x * 2.0).sigmoid() * x
        custom = my_sigmoid(x * 2.0) * x
        found = diff(built_in, custom)
        assert [(found.names[node], a, b) for node, a, b in found.ops] == [
            ("n2", "sigmoid", "my_sigmoid")
        ]
        assert max(e.change for e in found.edges) < 1e-15
        assert "op n2: sigmoid → my_sigmoid" in str(found)
    finally:
        my_sigmoid.remove()


def test_a_wrong_rule_changes_the_messages_upstream_of_it_only() -> None:
    wrong = replace(OPS["tanh"], name="wrong_tanh", local_grads=lambda out, x: (1.0 - out,))
    x, w = Value(0.5, label="x"), Value(0.8, label="w")
    right = (x * w).tanh() + x
    found = diff(right, apply(wrong, x * w) + x)
    changed = {(found.names[e.parent], found.names[e.consumer]) for e in found.largest()}
    assert changed == {("x", "n2"), ("w", "n2"), ("n2", "n3")}
    t = math.tanh(0.4)
    assert found.largest()[0].change == pytest.approx(change(1.0 - t * t, 1.0 - t), rel=1e-12)


def test_before_and_after_one_training_step() -> None:
    model = MLP(2, [3, 1], seed=0)
    xs, ys = [[0.5, -1.0], [1.0, 2.0]], [1.0, -1.0]

    def loss() -> Value:
        return mse([model(x) for x in xs], ys)

    before = loss()
    before.backward()
    SGD(model.parameters(), lr=0.1).step()
    after = loss()
    found = diff(before, after)
    assert len(found.edges) == len(edges(before)) and found.ops == ()
    assert found.largest()[0].change > found.largest()[-1].change > 0.0
    table = found.table(5).splitlines()
    assert table[0].split() == ["edge", "message", "a", "message", "b", "change"]
    assert len(table) == 6
    markdown = found.table(3, markdown=True).splitlines()
    assert markdown[:2] == ["| edge | message a | message b | change |", "|---|---:|---:|---:|"]


def test_diff_reads_the_graphs_only() -> None:
    x, y = Value(0.5), Value(0.7)
    a, b = x * x, y * y
    a.backward()
    before = (x.grad, y.grad, a.grad, b.grad)
    diff(a, b)
    assert (x.grad, y.grad, a.grad, b.grad) == before


def test_graphs_of_another_shape_say_where_they_first_differ() -> None:
    x = Value(2.0)
    with pytest.raises(ValueError, match=r"at node 1: in a it is mul of \(0, 0\), in b add"):
        diff(x * x, (x + 0.0) * x)
    with pytest.raises(ValueError, match="differ in size: a has 2 nodes, b 3; the first 2"):
        diff(x.exp(), x.exp().exp())
    with pytest.raises(ValueError, match=r"at node 1: in a it is a leaf, in b neg of \(0\)"):
        diff(Value(1.0) + Value(2.0), -Value(1.0) + Value(2.0))


def test_change_is_relative_to_the_larger_number() -> None:
    assert change(0.0, 0.0) == 0.0
    assert change(1.0, 0.99) == pytest.approx(0.01)
    assert change(1.0, -1.0) == 2.0


def test_a_diff_is_drawn_with_edges_coloured_by_change(dot_program: str) -> None:
    from autograd.drawing import draw

    def f(x: Value, w: Value) -> Value:
        return (x * w + x).sigmoid()

    found = diff(f(Value(0.5), Value(-1.2)), f(Value(0.5), Value(-1.0)))
    source = draw(found).source
    assert 'color="#d62728"' in source and "-0.2993 → -0.25 (16.46%)" in source
    assert source.count('fontcolor="#9a9a00"') == 4
    assert "data -0.6 → -0.5" in source and "grad 1" in source
    assert "red ≥ 10%" in source
    svg = draw(found).pipe().decode()
    assert "n0 → n2: message &#45;0.29925124823147037 in a, &#45;0.25 in b" in svg
    with pytest.raises(ValueError, match="blame=True draws one graph, not a diff"):
        draw(found, blame=True)
    with pytest.raises(TypeError, match="a Value or a GraphDiff, got float"):
        draw(1.0)


def test_percent_keeps_small_changes_readable() -> None:
    from autograd.diff import percent

    assert [percent(c) for c in (0.0, 0.1646, 1e-4, 3.1e-16)] == [
        "0.00%",
        "16.46%",
        "0.01%",
        "3.1e-14%",
    ]
