"""Random computation graphs with fan-out, against finite differences and PyTorch.

A graph is drawn as a recipe: leaves, then steps that apply an op to earlier nodes (drawn
with replacement, so nodes are used several times) or to numbers. Recipes shrink toward
fewer steps and fewer leaves.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, reject
from hypothesis import strategies as st
from reference import ALL_OPS, PARAMS, torch_function

from autograd import Op, Value, apply, gradcheck, topological_order


@dataclass(frozen=True)
class Step:
    """Apply `op` to `operands`: indices of earlier nodes, or floats for constants."""

    op: Op
    operands: tuple[int | float, ...]
    params: dict[str, float]


def build(steps: list[Step], leaves: list[Value]) -> Value:
    """The root of the graph: the last node that a step made, or the first leaf."""
    nodes = list(leaves)
    for step in steps:
        inputs = [nodes[i] if isinstance(i, int) else i for i in step.operands]
        nodes.append(apply(step.op, *inputs, **step.params))
    return nodes[-1]


@st.composite
def recipes(draw: st.DrawFn, ops: list[Op], max_steps: int = 10) -> tuple[list[float], list[Step]]:
    leaves = draw(st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=4))
    steps = []
    for count in range(len(leaves), len(leaves) + draw(st.integers(1, max_steps))):
        op = draw(st.sampled_from(ops))
        arity = op.arity
        if arity is None:
            arity = draw(st.integers(1, 4))
            if op.valid is not None and not op.valid(*[1.0] * arity):
                arity *= 2  # dot takes weights and inputs in pairs
        node = st.integers(0, count - 1)
        operand = node if arity != 2 else st.one_of(node, node, node, st.floats(-2.0, 2.0))
        operands = draw(
            st.tuples(*[operand] * arity).filter(lambda o: any(isinstance(i, int) for i in o))
        )
        params = {name: draw(PARAMS[name]) for name in op.params}
        steps.append(Step(op, operands, params))
    return leaves, steps


SMOOTH = [op for op in ALL_OPS if op.valid is None and op.kink is None]
"""Ops defined and differentiable everywhere, where finite differences are reliable."""


def test_smooth_ops_are_a_broad_share_of_the_table() -> None:
    assert {"add", "mul", "sub", "tanh", "sigmoid", "sum", "logsumexp", "sin"} <= {
        op.name for op in SMOOTH
    }


@given(recipes(SMOOTH))
def test_random_graphs_match_finite_differences(recipe: tuple[list[float], list[Step]]) -> None:
    leaves, steps = recipe
    try:
        build(steps, [Value(x) for x in leaves])
    except OverflowError:
        reject()
    assert gradcheck(lambda *xs: build(steps, list(xs)), leaves, atol=1e-4, rtol=1e-3)


GRADIENT_OPS = [op for op in ALL_OPS if op.name != "step"]


def build_or_reject(recipe: tuple[list[float], list[Step]]) -> tuple[list[Value], Value]:
    """The leaves and root of a recipe's graph; an example whose inputs leave some op's
    domain is rejected."""
    leaves_data, steps = recipe
    leaves = [Value(x) for x in leaves_data]
    try:
        return leaves, build(steps, leaves)
    except (ValueError, ZeroDivisionError, OverflowError):
        reject()


@given(recipe=recipes(GRADIENT_OPS))
def test_random_graphs_match_torch(recipe: tuple[list[float], list[Step]], torch) -> None:
    leaves, root = build_or_reject(recipe)
    root.backward()
    tensors = to_torch(root, torch)
    tensors[root].backward()
    for leaf in leaves:
        expected = tensors[leaf].grad.item() if leaf in tensors else 0.0
        assert leaf.grad == pytest.approx(expected, rel=1e-7, abs=1e-8)
    for node in topological_order(root):
        assert node.data == pytest.approx(tensors[node].item(), rel=1e-9, abs=1e-12)


def to_torch(root: Value, torch) -> dict[Value, object]:
    """The same graph in PyTorch float64, node by node, read from stepgrad's graph."""
    tensors: dict[Value, object] = {}
    for node in topological_order(root):
        if node.op is None:
            tensors[node] = torch.tensor(node.data, requires_grad=True)
            continue
        inputs = [tensors[p] for p in node.parents]
        op, params = node.op, list(node.params)
        if op.base is not None:
            inputs.insert(op.constant_position, torch.tensor(params.pop()))
            op = op.base
        elif not op.params:
            inputs += [torch.tensor(c) for c in params]
            params = []
        tensors[node] = torch_function(torch, op.name)(*inputs, *params)
        if node is not root:
            tensors[node].retain_grad()
    return tensors


def test_share_of_recipes_with_fan_out() -> None:
    """The recipes exercise `+=` accumulation: many graphs use a node more than once."""
    seen = []

    @given(recipes(SMOOTH))
    def collect(recipe: tuple[list[float], list[Step]]) -> None:
        uses = [i for step in recipe[1] for i in step.operands if isinstance(i, int)]
        seen.append(len(uses) != len(set(uses)))

    collect()
    assert sum(seen) / len(seen) > 0.3


@given(recipes(SMOOTH))
def test_backward_twice_doubles_every_leaf_exactly(recipe: tuple[list[float], list[Step]]) -> None:
    leaves_data, steps = recipe
    leaves = [Value(x) for x in leaves_data]
    try:
        root = build(steps, leaves)
    except OverflowError:
        reject()
    root.backward()
    once = [leaf.grad for leaf in leaves]
    root.backward()
    assert [leaf.grad for leaf in leaves] == [2 * g for g in once]
