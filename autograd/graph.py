"""Read-only queries over a computation graph: its order, its edges, their messages.

The drawer, the stepper and the gradient checker see graphs through these functions;
none of them changes a node.
"""

from __future__ import annotations

from operator import attrgetter
from typing import NamedTuple

from autograd.value import Value, reachable


def topological_order(root: Value) -> list[Value]:
    """Every node that `root` depends on, parents before the nodes that use them.

    The order is deterministic: nodes are sorted by creation (`Value.index`), which is a
    topological order because a node's parents exist before it is made. It is found by an
    explicit stack, so a chain a million nodes deep needs no recursion.
    """
    interior, leaves = reachable(root)
    return sorted(interior + leaves, key=_index)


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
