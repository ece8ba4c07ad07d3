"""Random computation graphs with fan-out, against finite differences and PyTorch.

The graphs come from the public strategy `autograd.testing.strategies.graphs`: leaves,
then nodes that apply ops to earlier nodes drawn with replacement, so that nodes are used
several times.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from reference import ALL_OPS, torch_function

from autograd import Value, gradcheck, topological_order
from autograd.testing.strategies import Graph, graphs

GRADIENT_OPS = [op for op in ALL_OPS if op.name != "step"]
"""The ops torch differentiates (its sign-like step has no gradient)."""


@given(graphs(ALL_OPS))
def test_random_graphs_match_finite_differences(graph: Graph) -> None:
    assert gradcheck(graph, graph.inputs, atol=1e-4, rtol=1e-3)


@given(graph=graphs(GRADIENT_OPS, kinks=True))
def test_random_graphs_match_torch(graph: Graph, torch) -> None:
    """Kinks included: stepgrad's conventions there (relu'(0) = 0, …) are torch's."""
    graph.root.backward()
    tensors = to_torch(graph.root, torch)
    tensors[graph.root].backward()
    for leaf in graph.leaves:
        expected = tensors[leaf].grad.item() if leaf in tensors else 0.0
        assert leaf.grad == pytest.approx(expected, rel=1e-7, abs=1e-8)
    for node in topological_order(graph.root):
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
        elif not op.param_defaults:
            inputs += [torch.tensor(c) for c in params]
            params = []
        tensors[node] = torch_function(torch, op.name)(*inputs, *params)
        if node is not root:
            tensors[node].retain_grad()
    return tensors


@given(graphs(ALL_OPS))
def test_backward_twice_doubles_every_leaf_exactly(graph: Graph) -> None:
    graph.root.backward()
    once = [leaf.grad for leaf in graph.leaves]
    graph.root.backward()
    assert [leaf.grad for leaf in graph.leaves] == [2 * g for g in once]
