"""Blame: find the edges whose local derivative is wrong.

`gradcheck` says that a gradient is wrong; `blame` says where. Each edge of a graph holds
the local derivative ∂node/∂parent that its op's rule gave in the forward pass. Blame
checks each one on its own against a central difference of that op's forward function at
that node's own inputs: only the parent's input moves, by ±h and ±h/2, and Richardson's
extrapolation (4 D(h/2) − D(h)) / 3 leaves an error of order h⁴. An edge is blamed when

    |used − numerical| > rtol · max(|used|, |numerical|) + atol + rounding,

where `rounding` bounds what the forward's own last-digit errors can do to the difference.
A wrong rule shows at the one edge that used it, however deep in the graph it is, and a
right rule is never blamed for an error made upstream of it. The inputs of a node of many
parents are checked in groups first (see GROUP), so that the 784-input Σ nodes of an MNIST
network cost a few evaluations each, not one per input.

An edge whose input is near a kink or a pole of its op (its `singularity`), or whose moved
input would leave the op's domain, cannot be checked this way: it is skipped with a note.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from autograd.graph import arguments, topological_order
from autograd.ops import Op
from autograd.scene import name, number
from autograd.value import Value

STEPS_FROM_KINK = 100
"""An edge is checked only if its input is at least this many steps h from a singular point."""
ROUNDING = 16 * 2.0**-52
"""A bound, relative to |f|, on the rounding error in each forward value of an op."""
GROUP = 8
"""A node of more parents (a Σ or a dot of a layer) is checked in groups first: along a
direction that moves all of a group's inputs at once (each by ±h, signs drawn at random),
then, where the group disagrees, in halves, down to single edges. A right node costs
a few evaluations of its op instead of one per input; only a single edge is blamed."""


@dataclass(frozen=True)
class BlamedEdge:
    """One edge whose local derivative disagrees with finite differences of its op.

    The edge is input `position` (`parent`) of `consumer`, made by `op` from `inputs`
    (the op's arguments in its order: inputs, then params). `used` is the local derivative
    the node holds, which backward multiplied; `numerical` is the finite difference.
    """

    consumer: Value
    position: int
    parent: Value
    op: Op
    inputs: tuple[float, ...]
    used: float
    numerical: float

    @property
    def error(self) -> float:
        """|used − numerical| / max(|used|, |numerical|): 0.01 for a rule 1% off."""
        scale = max(abs(self.used), abs(self.numerical))
        return abs(self.used - self.numerical) / scale if scale else 0.0

    def describe(self, names: dict[Value, str] | None = None) -> str:
        """One line: the edge, its op at its inputs, and the two derivatives."""
        names = names or {}
        parent = names.get(self.parent, "input")
        consumer = names.get(self.consumer, self.op.name)
        inputs = ", ".join(map(repr, self.inputs))
        return (
            f"{parent} → {consumer} (input {self.position} of {self.op.name}({inputs})): "
            f"backward used ∂/∂{parent} = {self.used!r}, finite differences give "
            f"{self.numerical!r}, relative error {self.error:.2g}"
        )


@dataclass(frozen=True)
class SkippedEdge:
    """An edge blame could not check, and why."""

    consumer: Value
    position: int
    reason: str


@dataclass(frozen=True)
class Blame:
    """What `blame(root)` found: the `edges` blamed (worst first), the edges `skipped`
    with why, how many edges were `checked`, and the node names used to describe them."""

    edges: tuple[BlamedEdge, ...]
    skipped: tuple[SkippedEdge, ...]
    checked: int
    names: dict[Value, str]

    def __str__(self) -> str:
        found = (
            f"{len(self.edges)} of {self.checked} edges blamed"
            if self.edges
            else f"no edge blamed: all {self.checked} local derivatives agree with "
            "finite differences of their ops"
        )
        lines = [f"blame: {found}"]
        lines += [f"  ✗ {edge.describe(self.names)}" for edge in self.edges]
        if self.skipped:
            lines.append(f"  ({len(self.skipped)} skipped: {self.skipped[0].reason}, …)")
        return "\n".join(lines)


def blame(root: Value, *, eps: float = 1e-6, rtol: float = 1e-4, atol: float = 1e-10) -> Blame:
    """Check every edge's local derivative in the graph of `root` against its op.

    `eps` sets the step, h = eps · max(1, |x|) for an input x. Reads the graph only: no
    data or grad changes, and backward need not have run.

    >>> from autograd import OPS, Value, apply
    >>> from dataclasses import replace
    >>> wrong = replace(OPS["mul"], name="wrong_mul", local_grads=lambda out, a, b: (b, 2 * a))
    >>> x = Value(3.0, label="x")
    >>> y = apply(wrong, x, Value(2.0, label="w")).tanh()
    >>> [(e.parent.label, e.used, round(e.numerical, 6)) for e in blame(y).edges]
    [('w', 6.0, 3.0)]
    """
    if not eps > 0.0 or not rtol >= 0.0 or not atol >= 0.0:
        raise ValueError(f"blame: eps must be > 0, rtol and atol ≥ 0; got {eps}, {rtol}, {atol}")
    order = topological_order(root)
    place = {node: k for k, node in enumerate(order)}
    blamed: list[BlamedEdge] = []
    skipped: list[SkippedEdge] = []
    checked = 0
    signs = random.Random(0)
    for node in order:
        positions = list(range(len(node.parents)))
        pending = [positions] if len(positions) > GROUP else [[p] for p in positions]
        while pending:
            group = pending.pop()
            moves = {p: 1.0 if len(group) == 1 else signs.choice((-1.0, 1.0)) for p in group}
            found = _directional(node, moves, eps)
            if isinstance(found, str):
                if len(group) == 1:
                    skipped.append(SkippedEdge(node, group[0], found))
                else:
                    pending += [[p] for p in group]
                continue
            numerical, expected, rounding, scale = found
            size = max(abs(expected), abs(numerical))
            if abs(expected - numerical) <= rtol * size + atol * scale + rounding:
                checked += len(group)
            elif len(group) > 1:
                pending += [group[: len(group) // 2], group[len(group) // 2 :]]
            else:
                (position,) = group
                args, _ = arguments(node)
                used = node.local_grads[position]
                edge = BlamedEdge(
                    node, position, node.parents[position], node.op, args, used, numerical / scale
                )
                checked += 1
                blamed.append(edge)
    blamed.sort(key=lambda edge: -edge.error)
    names = {node: name(node, place) for node in order}
    return Blame(tuple(blamed), tuple(skipped), checked, names)


def _directional(
    node: Value, moves: dict[int, float], eps: float
) -> tuple[float, float, float, float] | str:
    """The derivative of t ↦ op(args + t d) at 0, where d moves the data of each parent p
    in `moves` by moves[p] · h_p: its Richardson-extrapolated central difference, what the
    node's local derivatives give (Σ local_grad_p · d_p), a bound on the difference's
    rounding error, and Σ |d_p|; or why it cannot be taken here."""
    op = node.op
    args, indices = arguments(node)
    steps = {indices[p]: sign * eps * max(1.0, abs(args[indices[p]])) for p, sign in moves.items()}
    scale = sum(map(abs, steps.values()))
    x = args[next(iter(steps))]
    if op.singularity is not None and op.singularity(*args) < STEPS_FROM_KINK * max(
        map(abs, steps.values())
    ):
        return f"{op.name} is within {STEPS_FROM_KINK} steps of a kink or pole at {number(x)}"
    values = []
    for t in (1.0, -1.0, 0.5, -0.5):
        moved = list(args)
        for index, step in steps.items():
            moved[index] += t * step
        if op.valid is not None and not op.valid(*moved):
            return f"{op.name}({number(x)} ± {scale:.2g}) leaves its domain ({op.domain})"
        try:
            values.append(float(op.forward(*moved)))
        except (ArithmeticError, ValueError):
            return f"{op.name} cannot be computed at {number(x)} ± {scale:.2g}"
    if not all(map(math.isfinite, values)):
        return f"{op.name} is not finite near {number(x)}"
    wide = (values[0] - values[1]) / 2.0
    narrow = values[2] - values[3]
    expected = math.fsum(node.local_grads[p] * steps[indices[p]] for p in moves)
    # Each value errs by at most ROUNDING · M (M the largest |value|): the wide difference by
    # ROUNDING · M, the narrow one by twice that, so the extrapolation by 3 times it.
    rounding = 3.0 * ROUNDING * max(map(abs, values))
    return (4.0 * narrow - wide) / 3.0, expected, rounding, scale
