"""Read-only queries over a computation graph: its order, its edges, their messages.

The drawer, the stepper and the gradient checker see graphs through these functions;
none of them changes a node.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import NamedTuple

from autograd.value import Value, reachable


def topological_order(*roots: Value) -> list[Value]:
    """Every node that the roots depend on, each once, parents before the nodes that use
    them.

    The order is deterministic: nodes are sorted by creation (`Value.index`), which is a
    topological order because a node's parents exist before it is made. It is found by an
    explicit stack, so a chain a million nodes deep needs no recursion.
    """
    if len(roots) == 1:
        interior, leaves = reachable(roots[0])
        return sorted(interior + leaves, key=_index)
    nodes: set[Value] = set()
    for root in roots:
        interior, leaves = reachable(root)
        nodes.update(interior)
        nodes.update(leaves)
    return sorted(nodes, key=_index)


def arguments(
    node: Value, of: Callable[[Value], object] = attrgetter("data")
) -> tuple[tuple, tuple[int, ...]]:
    """The arguments the node's op was called with (its inputs in the op's order, then its
    params), and where among them each parent's stands; `of(parent)` is what a parent
    gives (its data by default; the parent itself for an op's `value_grads`).

    `3.0 / x` is the op `div` with the number in input 0: ((3.0, x.data), (1,)).
    """
    given = tuple(map(of, node.parents))
    if node.op.base is None:
        return (*given, *node.params), tuple(range(len(given)))
    (constant,) = node.params
    if node.op.constant_position == 0:
        return (constant, *given), (1,)
    return (*given, constant), (0,)


_index = attrgetter("index")


class Edge(NamedTuple):
    """One use of `parent` as input number `position` of `consumer`.

    In backward the consumer sends the parent the message
    `local_grad × consumer.grad` (see `message`).
    """

    parent: Value
    consumer: Value
    position: int
    local_grad: float

    @property
    def message(self) -> float:
        """d root / d parent through this edge: local derivative × upstream gradient."""
        return self.local_grad * self.consumer.grad


def edges(root: Value) -> list[Edge]:
    """Every edge of the graph of `root`, in topological order of the consumers.

    A node used twice by one consumer (`a * a`) has two edges, one per position.
    """
    return [
        Edge(parent, node, position, local_grad)
        for node in topological_order(root)
        for position, (parent, local_grad) in enumerate(zip(node.parents, node.local_grads))
    ]
