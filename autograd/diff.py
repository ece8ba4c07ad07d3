"""Diff: two backward passes of the same program, edge by edge.

Run one program twice (a custom op against the built-in one, before and after a training
step, with two learning rates) and the two graphs have the same shape: the same nodes in
the same topological order, each with its parents at the same places. `diff(a, b)` lines
them up node by node and compares, on every edge, the message backward sends along it,
local derivative × upstream gradient, and at every node its data and gradient.

The gradients are d root / d node of each graph's own root, computed here from the
graph's local derivatives in backward's order: no `.grad` is read or changed, and
backward need not have run.

A change is measured relative to the larger of the two numbers, |b − a| / max(|a|, |b|):
0 for no change, 1% for 1.00 against 0.99, and 2 at most (a sign that flips).
"""

from __future__ import annotations

from dataclasses import dataclass

from autograd.gradients import float_grads
from autograd.graph import topological_order
from autograd.scene import name, number
from autograd.value import Value


def change(a: float, b: float) -> float:
    """|b − a| / max(|a|, |b|), and 0.0 when both are 0."""
    scale = max(abs(a), abs(b))
    return abs(b - a) / scale if scale else 0.0


def percent(change: float) -> str:
    """A change in percent: `16.46%`, or `3.1e-14%` when it is below 0.01%."""
    return f"{change:.2%}" if change >= 1e-4 or change == 0.0 else f"{change * 100:.1e}%"


@dataclass(frozen=True)
class EdgeChange:
    """The message along one edge in both graphs: `consumer` (of graph a) sends it back
    to its input number `position`, `parent`; `a` and `b` are the two messages."""

    consumer: Value
    position: int
    parent: Value
    a: float
    b: float

    @property
    def change(self) -> float:
        return change(self.a, self.b)


@dataclass(frozen=True)
class NodeChange:
    """A node of graph a, and its data and gradient in both graphs."""

    node: Value
    data: tuple[float, float]
    grad: tuple[float, float]


@dataclass(frozen=True)
class GraphDiff:
    """Two graphs of the same shape lined up: `a` and `b` are their roots, `nodes` and
    `edges` every node and edge of graph a in topological order with both graphs' numbers,
    `ops` the places where the two graphs use different ops of the same shape (a custom
    op against a built-in one). `draw(diff)` draws graph a with its edges coloured by
    change; `table()` lists the largest changes first."""

    a: Value
    b: Value
    nodes: tuple[NodeChange, ...]
    edges: tuple[EdgeChange, ...]
    ops: tuple[tuple[Value, str, str], ...]
    names: dict[Value, str]

    def largest(self, count: int | None = None) -> list[EdgeChange]:
        """The edges whose message changed, largest change first (ties in graph order)."""
        changed = [edge for edge in self.edges if edge.change > 0.0]
        return sorted(changed, key=lambda edge: -edge.change)[:count]

    def table(self, count: int = 20, *, markdown: bool = False) -> str:
        """The `count` largest changes of a message, one row per edge."""
        header = ("edge", "message a", "message b", "change")
        rows = [
            (
                f"{self.names[edge.parent]} → {self.names[edge.consumer]}",
                number(edge.a),
                number(edge.b),
                percent(edge.change),
            )
            for edge in self.largest(count)
        ]
        if markdown:
            lines = ["| " + " | ".join(header) + " |", "|---|---:|---:|---:|"]
            return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])
        widths = [max(len(r[i]) for r in (header, *rows)) for i in range(4)]
        return "\n".join(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths))
            )
            for row in (header, *rows)
        )

    def __str__(self) -> str:
        changed = self.largest()
        lines = [
            f"diff: {len(changed)} of {len(self.edges)} messages changed"
            + (f", the largest by {percent(changed[0].change)}" if changed else "")
        ]
        lines += [f"  op {self.names[node]}: {a} → {b}" for node, a, b in self.ops]
        if changed:
            lines.append(self.table(10))
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return f"{str(self).splitlines()[0]}\n\n{self.table(markdown=True)}"


def diff(a: Value, b: Value) -> GraphDiff:
    """Line up the graphs of roots `a` and `b` and compare every message and node.

    The graphs must have the same shape: node k of one (in topological order) has its
    parents at the same places as node k of the other, and a leaf stays a leaf. Otherwise
    a ValueError says where they first differ. Ops may differ where they have the same
    number of inputs (reported in `ops`); params and numbers may differ freely.

    >>> def f(w):
    ...     return (w * 3.0).tanh()
    >>> found = diff(f(Value(0.1, label="w")), f(Value(0.2, label="w")))
    >>> [round(edge.change, 4) for edge in found.edges]
    [0.2224, 0.2224]
    >>> x = Value(2.0)
    >>> diff(x * x, (x + 0.0) * x)
    Traceback (most recent call last):
    ...
    ValueError: diff: the graphs differ at node 1: in a it is mul of (0, 0), in b add of (0)
    """
    order_a, order_b = topological_order(a), topological_order(b)
    place_a = {node: k for k, node in enumerate(order_a)}
    place_b = {node: k for k, node in enumerate(order_b)}
    ops = []
    for k, (x, y) in enumerate(zip(order_a, order_b)):
        parents_x = [place_a[p] for p in x.parents]
        parents_y = [place_b[p] for p in y.parents]
        if parents_x != parents_y or (x.op is None) != (y.op is None):
            raise ValueError(
                f"diff: the graphs differ at node {k}: in a it is {_shape(x, parents_x)}, "
                f"in b {_shape(y, parents_y)}"
            )
        if x.op is not None and x.op.name != y.op.name:
            ops.append((x, x.op.name, y.op.name))
    if len(order_a) != len(order_b):
        raise ValueError(
            f"diff: the graphs differ in size: a has {len(order_a)} nodes, b {len(order_b)}; "
            f"the first {min(len(order_a), len(order_b))} agree"
        )
    grads_a, grads_b = _grads(order_a), _grads(order_b)
    nodes = tuple(
        NodeChange(x, (x.data, y.data), (grads_a[k], grads_b[k]))
        for k, (x, y) in enumerate(zip(order_a, order_b))
    )
    edges = tuple(
        EdgeChange(x, position, parent, grad_x * grads_a[k], grad_y * grads_b[k])
        for k, (x, y) in enumerate(zip(order_a, order_b))
        for position, (parent, grad_x, grad_y) in enumerate(
            zip(x.parents, x.local_grads, y.local_grads)
        )
    )
    names = {node: name(node, place_a) for node in order_a}
    return GraphDiff(a, b, nodes, edges, tuple(ops), names)


def _grads(order: list[Value]) -> list[float]:
    """d root / d node for each node of `order` (the root last), as backward adds them."""
    grads = float_grads(order, [order[-1]], [1.0])
    return [grads[node] for node in order]


def _shape(node: Value, parents: list[int]) -> str:
    if node.op is None:
        return "a leaf"
    return f"{node.op.name} of ({', '.join(map(str, parents))})"
