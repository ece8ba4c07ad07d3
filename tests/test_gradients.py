"""grad(outputs, inputs): gradients as results, and gradients of gradients.

Every op's `value_grads` (its rule written with Value ops) agrees with its float rule;
second derivatives of random graphs with fan-out match PyTorch's double backward in
float64 and central differences of the first derivatives.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import ALL_OPS
from test_random_graphs import to_torch

from autograd import Value, apply, custom_op, enable_grad, gradcheck, topological_order
from autograd.gradients import BACKWARD_PREFIXES, grad, local_grad_values
from autograd.ops import Op
from autograd.testing.strategies import Graph, builtin_ops, calls, graphs

SECOND_ORDER_OPS = [op for op in ALL_OPS if op.name not in ("step", "sinc")]
"""The ops torch differentiates twice: not its sign-like step (no gradient), nor sinc,
whose double backward in torch cancels near 0 (0.0 at x = 1.7e-10, NaN at 0, where
sinc'' = -1/3: see test_sinc_at_zero and the finite differences below)."""
SMOOTH_DERIVATIVE_OPS = [op for op in ALL_OPS if op.name != "softsign"]
"""The ops whose derivative has no kink the table does not declare: softsign'(x) =
1 / (1 + |x|)² is smooth but for a kink at 0 (its `singularity` is about softsign's own
derivative, which has none there), so central differences of it straddle that kink."""


def data(x: object) -> float:
    return x.data if isinstance(x, Value) else float(x)


@pytest.mark.parametrize("op", builtin_ops(), ids=lambda op: op.name)
@settings(max_examples=60)
@given(data_=st.data())
def test_the_value_rule_agrees_with_the_float_rule(op: Op, data_) -> None:
    call = data_.draw(calls(op, min_value=-30.0, max_value=30.0))
    inputs = [Value(x) for x in call.inputs]
    nodes = [apply(op, *inputs, **call.params)]
    if op.arity == 2:  # and with a number in either input: the ops of with_constant
        nodes += [apply(op, inputs[0], call.inputs[1]), apply(op, call.inputs[0], inputs[1])]
    for node in nodes:
        values = local_grad_values(node)
        assert len(values) == len(node.parents)
        for value, expected in zip(values, node.local_grads, strict=True):
            assert data(value) == pytest.approx(expected, rel=1e-10, abs=1e-300)


def test_every_built_in_op_declares_its_value_rule() -> None:
    assert [op.name for op in builtin_ops() if op.value_grads is None] == []


def hessian_by_torch(graph: Graph, torch) -> list[list[float]]:
    tensors = to_torch(graph.root, torch)
    leaves = [tensors[leaf] for leaf in graph.leaves if leaf in tensors]
    first = torch.autograd.grad(tensors[graph.root], leaves, create_graph=True)
    rows = []
    for g in first:
        if not g.requires_grad:  # a first derivative that is constant
            rows.append([0.0] * len(leaves))
            continue
        second = torch.autograd.grad(g, leaves, retain_graph=True, allow_unused=True)
        rows.append([0.0 if s is None else s.item() for s in second])
    return rows


@settings(max_examples=150)
@given(graph=graphs(SECOND_ORDER_OPS))
def test_second_derivatives_of_random_graphs_match_torch(graph: Graph, torch) -> None:
    used = [leaf for leaf in graph.leaves if leaf in set(topological_order(graph.root))]
    first = grad(graph.root, used, create_graph=True)
    expected = hessian_by_torch(graph, torch)
    for g, row in zip(first, expected, strict=True):
        second = grad(g, used, allow_unused=True)
        got = [0.0 if s is None else s for s in second]
        assert got == pytest.approx(row, rel=1e-7, abs=1e-8)


def test_sinc_at_zero() -> None:
    """sinc(x) = 1 - x²/6 + x⁴/120 - …: at 0, sinc' = 0, sinc'' = -1/3 and sinc‴ = 0."""
    x = Value(0.0)
    (d1,) = grad(x.sinc(), x, create_graph=True)
    (d2,) = grad(d1, x, create_graph=True)
    assert (d1.data, d2.data, grad(d2, x)) == (0.0, -1.0 / 3.0, (0.0,))


@settings(max_examples=100)
@given(graph=graphs(SMOOTH_DERIVATIVE_OPS), index=st.integers(0, 3))
def test_first_derivatives_are_differentiated_right(graph: Graph, index: int) -> None:
    """Central differences of ∂root/∂x_i, a function of the leaves, against backward
    through the graph that create_graph recorded."""
    i = index % len(graph.inputs)

    def derivative(*leaves: Value) -> Value:
        with enable_grad():  # gradcheck evaluates f under no_grad for its differences
            (g,) = grad(graph(*leaves), leaves[i], create_graph=True, allow_unused=True)
        return Value(0.0) if g is None else g

    assert gradcheck(derivative, graph.inputs, atol=1e-4, rtol=1e-3)


def test_without_create_graph_floats_equal_backwards_and_no_grad_changes() -> None:
    x, w = Value(0.7, label="x"), Value(-1.3, label="w")
    y = (x * w).tanh() * x + x.sigmoid() * w
    dx, dw = grad(y, [x, w])
    assert isinstance(dx, float) and (x.grad, w.grad, y.grad) == (0.0, 0.0, 0.0)
    y.backward()
    assert (dx, dw) == (x.grad, w.grad)


def test_weights_several_outputs_and_unused_inputs() -> None:
    x, z = Value(2.0, label="x"), Value(5.0, label="z")
    a, b = x * x, x.exp()
    assert grad([a, b], x, grad_outputs=[0.5, 2.0]) == (0.5 * 4.0 + 2.0 * math.exp(2.0),)
    with pytest.raises(ValueError, match=r"grad: input 1 \(z\) is not used"):
        grad(a, [x, z])
    assert grad(a, [x, z], allow_unused=True) == (4.0, None)
    with pytest.raises(ValueError, match="2 output"):
        grad([a, b], x, grad_outputs=[1.0])
    with pytest.raises(TypeError, match=r"grad: inputs\[0\] must be a Value, got float"):
        grad(a, [2.0])
    with pytest.raises(TypeError, match=r"grad: grad_outputs\[0\]"):
        grad(a, x, grad_outputs="one")


def test_a_hessian_vector_product_matches_torch(torch) -> None:
    """H v = ∇(∇f · v): the gradient of a gradient weighted by v (Pearlmutter's trick)."""
    xs = [Value(v, label=f"x{i}") for i, v in enumerate([0.3, -1.2, 0.8])]
    v = [1.0, 0.5, -2.0]

    def f(a, b, c, exp, sin):
        return exp(a * b) * sin(c) + a * a * c

    y = f(*xs, exp=lambda t: t.exp(), sin=lambda t: t.sin())
    gradient = grad(y, xs, create_graph=True)
    hvp = grad(gradient, xs, grad_outputs=v)
    ts = [torch.tensor(x.data, dtype=torch.float64, requires_grad=True) for x in xs]
    tg = torch.autograd.grad(f(*ts, exp=torch.exp, sin=torch.sin), ts, create_graph=True)
    expected = torch.autograd.grad(tg, ts, grad_outputs=[torch.tensor(c) for c in v])
    assert list(hvp) == pytest.approx([t.item() for t in expected], rel=1e-12)


def test_third_derivative_and_a_value_seed() -> None:
    x = Value(0.4, label="x")
    (d1,) = grad(x.sin(), x, create_graph=True)
    (d2,) = grad(d1, x, create_graph=True)
    (d3,) = grad(d2, x)
    assert (d1.data, d2.data, d3) == pytest.approx((math.cos(0.4), -math.sin(0.4), -math.cos(0.4)))
    (weighted,) = grad(x * x, x, grad_outputs=d1, create_graph=True)  # 2x · cos x
    (again,) = grad(weighted, x)
    assert again == pytest.approx(2 * math.cos(0.4) - 2 * 0.4 * math.sin(0.4))


def test_the_backward_graph_is_named_and_drawn_apart(dot_program: str) -> None:
    from autograd.drawing import draw

    x = Value(0.7, label="x")
    y = x.tanh() * x
    (dx,) = grad(y, x, create_graph=True)
    assert dx.label == "δ_x"
    made = [n for n in topological_order(dx) if n.label.startswith(BACKWARD_PREFIXES)]
    # dy/dx = tanh x · 1 + x · tanh'(x): the messages from the root are its forward
    # factors (a product by the seed 1 makes no node); tanh' is sech² in Value ops.
    assert [n.label for n in made][-3:] == ["∂n1/∂x", "δ_x←n1", "δ_x"]
    assert dx.parents[0] is y.parents[0]  # tanh x, the message y sends x, is forward's
    assert {n.label for n in made[:-3]} == {"∂·|x|", "∂·*", "∂·exp", "∂·+"}
    assert x.label == "x" and y.label == "" and y.parents[0].label == ""
    drawing = draw(dx)
    assert f"{len(made)} node(s) of a create_graph=True backward pass, in blue" in drawing.note
    assert drawing.source.count('color="#1f5fbf"') >= len(made)


def test_a_custom_op_needs_its_value_rule_for_create_graph() -> None:
    @custom_op(rule="d(x³)/dx = 3x²", local_grads=lambda out, x: 3.0 * x * x)
    def cube(x: float) -> float:
        return x * x * x

    try:
        x = Value(2.0)
        assert grad(cube(x), x) == (12.0,)
        with pytest.raises(TypeError, match="the op cube declares no value_grads"):
            grad(cube(x), x, create_graph=True)
    finally:
        cube.remove()

    @custom_op(
        rule="d(x³)/dx = 3x²",
        local_grads=lambda out, x: 3.0 * x * x,
        value_grads=lambda out, x: 3.0 * x * x,
    )
    def cube(x: float) -> float:
        return x * x * x

    try:
        x = Value(2.0)
        (d1,) = grad(cube(x), x, create_graph=True)
        assert (d1.data, grad(d1, x)) == (12.0, (12.0,))
    finally:
        cube.remove()
