"""Gradients as results: `grad(outputs, inputs)`, and gradients of gradients.

`Value.backward()` leaves d root / d node in every node's `.grad`. `grad` returns the
gradients of the outputs with respect to the inputs you name instead, and changes no
`.grad` (PyTorch's `torch.autograd.grad`, with its names and meaning):

    grad(outputs, inputs, grad_outputs) = Σ_k grad_outputs_k · ∂outputs_k / ∂inputs

With `create_graph=True` the backward pass is itself built out of Values: each edge's
local derivative comes from its op's `value_grads` (the rule of the op table written with
ops), each message local derivative × upstream gradient is a mul node and each gradient a
sum of its messages. So a gradient has a graph of its own, which can be drawn, stepped and
differentiated again: second derivatives, Hessian-vector products, the gradient of a
gradient's norm. Every node that pass makes is named after what it is, so that a drawing
tells the backward graph from the forward one: δ_x is the gradient of the node x, δ_x←y
the message y sends x, ∂y/∂x a local derivative (BACKWARD_PREFIXES).
"""

from __future__ import annotations

from collections.abc import Sequence

from autograd import checks
from autograd.grad_mode import enable_grad
from autograd.graph import arguments, topological_order
from autograd.scene import name
from autograd.value import Value

BACKWARD_PREFIXES = ("δ_", "∂")
"""How the names of the nodes made by a `create_graph=True` pass begin."""


def grad(
    outputs: Value | Sequence[Value],
    inputs: Value | Sequence[Value],
    grad_outputs: float | Value | Sequence[float | Value] | None = None,
    *,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple:
    """The gradient of `outputs` with respect to each of `inputs`, one per input.

    Without `create_graph`, floats; with it, Values whose graphs record how each was
    computed. `grad_outputs` weighs each output (1.0 by default; Values are allowed with
    `create_graph`, for Hessian-vector products). An input the outputs do not depend on
    is an error naming it, unless `allow_unused=True`, which gives None for it (as in
    PyTorch). No `.grad` changes.

    >>> x = Value(3.0, label="x")
    >>> y = x**3
    >>> (dy,) = grad(y, x, create_graph=True)
    >>> (d2y,) = grad(dy, x)
    >>> dy.data, d2y  # 3x², 6x
    (27.0, 18.0)
    """
    outputs, inputs = _values("outputs", outputs), _values("inputs", inputs)
    seeds = _seeds(outputs, grad_outputs, create_graph)
    order = topological_order(*outputs)
    if create_graph:
        with enable_grad():
            grads = _graph_pass(order, outputs, seeds)
    else:
        grads = float_grads(order, outputs, seeds)
    place = {node: k for k, node in enumerate(order)}
    results = []
    for k, x in enumerate(inputs):
        if x in grads:
            found = grads[x]
            results.append(Value(found) if create_graph and not isinstance(found, Value) else found)
        elif allow_unused:
            results.append(None)
        else:
            where = f"n{place[x]}" if x in place else "outside the outputs' graphs"
            raise ValueError(
                f"grad: input {k} ({x.label or where}) is not used to compute the outputs; "
                "pass allow_unused=True to get None for it"
            )
    return tuple(results)


def float_grads(order: list[Value], outputs: list[Value], seeds: list) -> dict[Value, float]:
    """Σ_k seeds_k · d outputs_k / d node for each node of `order` (a topological order)
    that the outputs depend on, as floats, adding the messages in backward's order."""
    grads: dict[Value, float] = {}
    for out, seed in zip(outputs, seeds):
        grads[out] = grads.get(out, 0.0) + seed
    for node in reversed(order):
        upstream = grads.get(node)
        if upstream is None:
            continue
        for parent, local_grad in zip(node.parents, node.local_grads):
            grads[parent] = grads.get(parent, 0.0) + local_grad * upstream
    return grads


def _graph_pass(order: list[Value], outputs: list[Value], seeds: list) -> dict[Value, object]:
    """d outputs / d node as Values (or numbers where no Value is involved), each message a
    node, each gradient the sum of its messages, and every node the pass makes named."""
    place = {node: k for k, node in enumerate(order)}
    names = {node: name(node, place) for node in order}
    made_after = Value(0.0).index

    def named(x: object, label: str) -> object:
        if isinstance(x, Value) and x.index > made_after and not x.label:
            x.label = label
        return x

    grads: dict[Value, object] = {}
    for out, seed in zip(outputs, seeds):
        grads[out] = grads[out] + seed if out in grads else seed
    for node in reversed(order):
        upstream = grads.get(node)
        if upstream is None or not node.parents:
            continue
        for position, local_grad in enumerate(local_grad_values(node)):
            parent = node.parents[position]
            sender, receiver = names[node], names[parent]
            _name_parts(named(local_grad, f"∂{sender}/∂{receiver}"), made_after)
            message = named(_times(local_grad, upstream), f"δ_{receiver}←{sender}")
            grads[parent] = grads[parent] + message if parent in grads else message
            named(grads[parent], f"δ_{receiver}")
    for node, total in grads.items():  # a gradient that is one message is named as both
        if isinstance(total, Value) and total.index > made_after:
            total.label = f"δ_{names[node]}"
    return grads


def _times(local_grad: object, upstream: object) -> object:
    """The message local_grad · upstream, with no node for a product by the number 1 (the
    seed, or the derivative of a + b): x · 1 is x exactly."""
    if not isinstance(local_grad, Value) and local_grad == 1.0:
        return upstream
    if not isinstance(upstream, Value) and upstream == 1.0:
        return local_grad
    return local_grad * upstream


def _name_parts(local_grad: object, made_after: int) -> None:
    """Name the unnamed nodes an expression of `value_grads` made on its way to the local
    derivative: `∂·` and their op's symbol."""
    if not isinstance(local_grad, Value):
        return
    stack = [local_grad]
    while stack:
        node = stack.pop()
        for parent in node.parents:
            if parent.index > made_after and not parent.label:
                parent.label = f"∂·{parent.op.symbol}"
                stack.append(parent)


def local_grad_values(node: Value) -> tuple:
    """The node's local derivatives by its op's `value_grads`: Values made of ops on the
    node and its parents, or numbers, one per parent. Their data are the node's
    `local_grads` (up to rounding where the two rules compute differently)."""
    op = node.op
    if op.value_grads is None:
        raise TypeError(
            f"grad: the op {op.name} declares no value_grads, so create_graph=True cannot "
            f"record its derivative; declare it: custom_op(..., value_grads=...)"
        )
    args, indices = arguments(node, lambda parent: parent)
    grads = op.value_grads(node, *args)
    return tuple(grads[i] for i in indices)


def _values(what: str, items: Value | Sequence[Value]) -> list[Value]:
    items = [items] if isinstance(items, Value) else list(items)
    if not items:
        raise ValueError(f"grad: {what} must hold at least one Value")
    for k, item in enumerate(items):
        if not isinstance(item, Value):
            raise TypeError(f"grad: {what}[{k}] must be a Value, got {type(item).__name__}")
    return items


def _seeds(outputs: list[Value], grad_outputs: object, create_graph: bool) -> list:
    if grad_outputs is None:
        return [1.0] * len(outputs)
    seeds = list(grad_outputs) if isinstance(grad_outputs, (list, tuple)) else [grad_outputs]
    if len(seeds) != len(outputs):
        raise ValueError(f"grad: {len(outputs)} output(s) but {len(seeds)} grad_outputs")
    for k, seed in enumerate(seeds):
        if isinstance(seed, Value):
            if not create_graph:
                seeds[k] = seed.data
        else:
            seeds[k] = checks.number(f"grad: grad_outputs[{k}]", seed)
    return seeds
