"""Read-only graph queries: topological order, edges and their messages."""

from __future__ import annotations

import pytest

from autograd import Value, edges, topological_order


def test_topological_order_puts_parents_first_and_is_deterministic() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    assert order == [a, b, c, d, e]
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        assert all(position[p] < position[node] for p in node.parents)
    assert topological_order(e) == order


def test_topological_order_reaches_only_what_the_root_depends_on() -> None:
    a, b = Value(1.0), Value(2.0)
    unrelated = a * 5
    c = a + b
    assert unrelated not in topological_order(c)
    assert topological_order(a) == [a]


def test_edges_are_one_per_use_with_their_local_derivatives() -> None:
    a = Value(3.0, label="a")
    square = a * a
    found = edges(square)
    assert [(e.parent, e.consumer, e.position, e.local_grad) for e in found] == [
        (a, square, 0, 3.0),
        (a, square, 1, 3.0),
    ]


def test_messages_are_local_derivative_times_upstream_gradient() -> None:
    w, x = Value(0.5, label="w"), Value(1.5, label="x")
    s = w * x
    y = s.sigmoid()
    y.backward()
    by_parent = {(e.parent.label or e.parent.op.name, e.consumer.op.name): e for e in edges(y)}
    message = by_parent[("w", "mul")]
    assert message.local_grad == 1.5
    assert message.message == pytest.approx(1.5 * s.grad)
    assert message.message == w.grad


def test_queries_do_not_change_the_graph() -> None:
    a = Value(2.0)
    b = (a * a).exp()
    before = [(n.data, n.grad, n.parents, n.local_grads) for n in topological_order(b)]
    edges(b)
    topological_order(b)
    assert [(n.data, n.grad, n.parents, n.local_grads) for n in topological_order(b)] == before
