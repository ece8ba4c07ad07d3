"""Ops as functions of Values: `apply` for any op, n-ary sum, dot, max and softmax.

softmax and log_softmax are built from table ops, so a drawing shows how they are made,
and both subtract the largest input before any exponential: neither overflows for finite
inputs whose differences are finite floats.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import attrgetter

from autograd import checks
from autograd.ops import OPS, Op
from autograd.value import Value, make_node, with_number


def apply(op: Op, *inputs: Value | float, **params: float) -> Value:
    """The node `op(*inputs)` for any op, with the op's params by name.

    >>> apply(OPS["leaky_relu"], Value(-2.0), alpha=0.1).data
    -0.2

    A number in one of two inputs is a constant of the op (see `with_constant`). In an op
    of any number of inputs, the numbers after the last Value are its constants (the
    node's `params`), and a number before a Value becomes a leaf Value.
    """
    if op.arity is None and not inputs:
        raise TypeError(f"{op.name}: needs at least one input")
    if op.arity is not None and len(inputs) != op.arity:
        raise TypeError(f"{op.name}: takes {op.arity} input(s), got {len(inputs)}")
    if op.arity == 2 and not params:
        a, b = inputs
        if isinstance(a, Value):
            if isinstance(b, Value):
                return make_node(op, (a, b), (a.data, b.data), ())
            return with_number(op, a, b, 1)
        if isinstance(b, Value):
            return with_number(op, b, a, 0)
        raise TypeError(f"{op.name}: needs a Value among its inputs, got {a!r} and {b!r}")
    last = 1 if op.arity == 1 else len(inputs)
    while last > 1 and not isinstance(inputs[last - 1], Value):
        last -= 1
    parents, numbers = inputs[:last], checks.numbers(op.name, inputs[last:])
    if not set(map(type, parents)) <= _VALUE:
        if op.arity != 1 and not any(isinstance(x, Value) for x in parents):
            raise TypeError(f"{op.name}: needs a Value among its inputs")
        expected = "a Value or a real number"
        parents = tuple(
            x if isinstance(x, Value) else Value(checks.number(op.name, x, expected))
            for x in parents
        )
    if params or op.param_defaults:
        numbers += checks.params(op, params)
    return make_node(op, parents, (*map(_data, parents), *numbers), numbers)


def sum(values: Iterable[Value | float]) -> Value:
    """Σ values as one node with one edge per term: ∂(Σ x_j)/∂x_i = 1.

    >>> sum([Value(1.0), Value(2.0), 3.0]).data
    6.0
    """
    return apply(OPS["sum"], *values)


def dot(weights: Sequence[Value], inputs: Sequence[Value | float]) -> Value:
    """Σ_i w_i x_i as one node, the weighted sum of the lectures' neuron figures.

    Its parents are the weights, then the inputs that are Values; numbers after the last
    Value are constants (the node's `params`), as the pixels of an image are, or the input
    1 that a bias multiplies. ∂/∂w_i = x_i, ∂/∂x_i = w_i.

    >>> w = [Value(0.5), Value(-1.0)]
    >>> z = dot(w, [2.0, 3.0])
    >>> z.backward()
    >>> z.data, [wi.grad for wi in w], z.params
    (-2.0, [2.0, 3.0], (2.0, 3.0))
    """
    weights, inputs = tuple(weights), tuple(inputs)
    if len(weights) != len(inputs) or not weights:
        raise ValueError(
            "dot: needs as many weights as inputs, at least one; "
            f"got {len(weights)} and {len(inputs)}"
        )
    if not (set(map(type, weights)) <= _VALUE or all(isinstance(w, Value) for w in weights)):
        raise TypeError("dot: the weights must be Values")
    if checks.are_finite_floats(inputs):
        return make_node(_DOT, weights, (*map(_data, weights), *inputs), inputs)
    return apply(_DOT, *weights, *inputs)


def maximum(a: Value | float, b: Value | float) -> Value:
    """max(a, b): the gradient flows to the larger input (half to each on a tie).

    >>> a, b = Value(1.0), Value(3.0)
    >>> m = maximum(a, b)
    >>> m.backward()
    >>> m.data, a.grad, b.grad
    (3.0, 0.0, 1.0)
    """
    return apply(OPS["maximum"], a, b)


def logsumexp(values: Iterable[Value | float]) -> Value:
    """ln Σ e^x_i, computed as m + ln Σ e^(x_i - m) with m = max x_i; ∂/∂x_i = softmax_i."""
    return apply(OPS["logsumexp"], *values)


def log_softmax(values: Iterable[Value | float]) -> list[Value]:
    """log softmax_i = (x_i - m) - logsumexp(x - m), with the constant m = max x.

    Shifting by m first keeps the digits that x_i - logsumexp(x) would round away: for
    x = (36, 0) the first is -2.3e-16, not 0. log softmax does not change when all its
    inputs shift by the same amount, so m needs no gradient.

    >>> [v.data for v in log_softmax([Value(36.0), Value(0.0)])]
    [-2.319522830243569e-16, -36.0]
    """
    values = _values("log_softmax", values)
    m = max(x.data for x in values)
    shifted = [x - m for x in values]
    lse = logsumexp(shifted)
    return [x - lse for x in shifted]


def softmax(values: Iterable[Value | float]) -> list[Value]:
    """softmax_i = e^(x_i - m) / Σ_j e^(x_j - m), with the constant m = max x.

    Subtracting m keeps every exponent at most 0; softmax does not change when all its
    inputs shift by the same amount, so m needs no gradient.

    >>> [p.data for p in softmax([Value(1.0), Value(1.0)])]
    [0.5, 0.5]
    """
    values = _values("softmax", values)
    m = max(x.data for x in values)
    exps = [(x - m).exp() for x in values]
    total = sum(exps)
    return [e / total for e in exps]


def _values(name: str, values: Iterable[Value | float]) -> list[Value]:
    values = [x if isinstance(x, Value) else Value(x) for x in values]
    if not values:
        raise TypeError(f"{name}: needs at least one input")
    return values


_DOT = OPS["dot"]
_VALUE = frozenset({Value})
_data = attrgetter("data")
