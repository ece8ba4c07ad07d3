"""Your own ops: declare one with `custom_op` and it joins the table of ops.

A custom op is an `Op` like the built-in ones, added to `OPS` under its name: a one-input
op becomes a `Value` method, the drawing shows its symbol, the stepper writes its
equations, and the testing strategies generate examples of it.

>>> @custom_op(symbol="cube", rule="d(x³)/dx = 3x²", local_grads=lambda out, x: 3 * x * x)
... def cube(x: float) -> float:
...     return x * x * x
>>> y = Value(2.0).cube()
>>> y.backward()
>>> y.data, y.parents[0].grad, y.op.symbol
(8.0, 12.0, 'cube')
>>> cube.remove()
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from numbers import Real

from autograd.functions import apply
from autograd.ops import OPS, Op
from autograd.value import Value, add_method, remove_method

_CUSTOM: set[str] = set()


def custom_names() -> frozenset[str]:
    """The names in `OPS` of the ops declared with `custom_op`; the others are built in."""
    return frozenset(_CUSTOM)


class CustomOp:
    """A declared op, called like a function on Values: `cube(x)` is the node cube(x).

    `op` is its entry in the table; `remove()` takes it out of the table and off `Value`.
    """

    def __init__(self, op: Op) -> None:
        self.op = op
        self.__name__ = op.name
        self.__doc__ = f"{op.rule}.\n\nDomain: {op.domain}."

    def __call__(self, *inputs: Value | float, **params: float) -> Value:
        return apply(self.op, *inputs, **params)

    def __repr__(self) -> str:
        return f"<custom op {self.op.name}: {self.op.rule}>"

    def remove(self) -> None:
        """Take the op out of `OPS`, and its method off `Value`."""
        if OPS.get(self.op.name) is self.op:
            del OPS[self.op.name]
            _CUSTOM.discard(self.op.name)
            if self.op.arity == 1:
                remove_method(self.op)


def custom_op(
    *,
    rule: str,
    local_grads: Callable[..., float | Sequence[float]],
    symbol: str | None = None,
    name: str | None = None,
    domain: str | None = None,
    valid: Callable[..., bool] | None = None,
    error: type[Exception] = ValueError,
    singularity: Callable[..., float] | None = None,
    param_ranges: dict[str, tuple[float, float]] | None = None,
    value_grads: Callable[..., object] | None = None,
    batch_forward: Callable[..., object] | None = None,
    batch_local_grads: Callable[..., object] | None = None,
) -> Callable[[Callable[..., float]], CustomOp]:
    """Declare the decorated function, its forward pass on floats, as an op.

    The function's signature says what the op takes: each positional parameter is an
    input (`*xs`: any number of inputs), each keyword-only parameter a constant param,
    with its default if it has one. `local_grads(out, *inputs, *params)` returns the local
    derivatives d out / d input_i, one per input (a plain number for a one-input op);
    `out` is the forward result, so a rule such as σ' = σ (1 - σ) can reuse it. `rule` is
    the math in one line, shown by errors, drawings and the stepper. `valid`, `domain`,
    `error`, `singularity` and `param_ranges` mean what they mean in `Op` (with `valid`,
    `domain` is required). `value_grads(out, *inputs, *params)` is the rule once more with
    Value ops (a Value or number per input, or just one for a one-input op), which
    `autograd.grad(..., create_graph=True)` needs to differentiate through the op again.
    `batch_forward(np, *inputs, **params)` and `batch_local_grads(np, out, *inputs,
    *params)` are the forward and its derivatives on numpy arrays of N samples at once
    (see `Op`; an array for a one-input op's derivatives will do), for
    `Program.forward_batch` and `backward_batch`; without them, those run the program
    sample by sample.

    Declaring a name again replaces the earlier custom op of that name (a notebook cell
    run twice); a built-in op's name, or a name `Value` already uses, is a ValueError.
    """

    def declare(forward: Callable[..., float]) -> CustomOp:
        op_name = name or forward.__name__
        arity, params = _signature(op_name, forward)
        _check_name(op_name)
        _check_options(op_name, params, valid, domain, param_ranges or {})
        if (batch_forward is None) != (batch_local_grads is None):
            raise TypeError(
                f"custom_op {op_name}: give batch_forward and batch_local_grads together"
            )
        op = Op(
            name=op_name,
            symbol=symbol or op_name,
            arity=arity,
            forward=_positional(forward, list(params)),
            local_grads=_tuple_of_floats(op_name, local_grads, arity, len(params)),
            rule=rule,
            domain=domain or "all real numbers",
            valid=valid,
            error=error,
            param_defaults=params,
            singularity=singularity,
            param_ranges=dict(param_ranges or {}),
            value_grads=None if value_grads is None else _as_tuple(value_grads),
            batch_forward=(
                None if batch_forward is None else _positional(batch_forward, list(params))
            ),
            batch_local_grads=(
                _as_tuple(batch_local_grads)
                if batch_local_grads is not None and arity is not None
                else batch_local_grads
            ),
        )
        if op_name in _CUSTOM:
            CustomOp(OPS[op_name]).remove()
        OPS[op_name] = op
        _CUSTOM.add(op_name)
        if arity == 1:
            add_method(op)
        return CustomOp(op)

    return declare


def _signature(name: str, forward: Callable[..., float]) -> tuple[int | None, dict]:
    inputs, params, variadic = 0, {}, False
    for parameter in inspect.signature(forward).parameters.values():
        if parameter.kind is parameter.VAR_POSITIONAL:
            variadic = True
        elif parameter.kind is parameter.KEYWORD_ONLY:
            default = parameter.default
            if default is not parameter.empty and not isinstance(default, Real):
                raise TypeError(
                    f"custom_op {name}: the param {parameter.name} needs a number as its "
                    f"default (or none), got {default!r}"
                )
            params[parameter.name] = None if default is parameter.empty else float(default)
        elif parameter.kind is parameter.VAR_KEYWORD or parameter.default is not parameter.empty:
            raise TypeError(
                f"custom_op {name}: inputs are positional parameters without defaults and "
                f"params are keyword-only (after *); {parameter.name!r} is neither"
            )
        else:
            inputs += 1
    if variadic and inputs:
        raise TypeError(f"custom_op {name}: takes either fixed inputs or *inputs, not both")
    if not variadic and not inputs:
        raise TypeError(f"custom_op {name}: the forward function needs at least one input")
    return (None if variadic else inputs), params


def _positional(forward: Callable[..., float], params: list[str]) -> Callable[..., float]:
    """`forward` called as the table calls it, forward(*inputs, *params), when its params
    are keyword-only."""
    if not params:
        return forward
    count = len(params)

    def positional(*args: float) -> float:
        return forward(*args[:-count], **dict(zip(params, args[-count:])))

    return positional


def _check_options(
    name: str,
    params: dict[str, float | None],
    valid: Callable[..., bool] | None,
    domain: str | None,
    param_ranges: dict[str, tuple[float, float]],
) -> None:
    if valid is not None and domain is None:
        raise TypeError(f"custom_op {name}: valid= needs domain=, the domain in words")
    for param, (low, high) in param_ranges.items():
        if param not in params:
            raise TypeError(f"custom_op {name}: param_ranges names {param!r}, not a param")
        if not low <= high:
            raise ValueError(f"custom_op {name}: the range of {param} is empty: {low} > {high}")


def _check_name(name: str) -> None:
    if not name.isidentifier():
        raise ValueError(f"custom_op: the name {name!r} is not a Python identifier")
    if name in _CUSTOM:
        return
    if name in OPS or any(name in op.aliases for op in OPS.values()):
        raise ValueError(f"custom_op {name}: a built-in op has this name; choose another")
    if hasattr(Value, name):
        raise ValueError(f"custom_op {name}: Value already has an attribute {name!r}")


def _tuple_of_floats(
    name: str, local_grads: Callable[..., float | Sequence[float]], arity: int | None, params: int
) -> Callable[..., tuple[float, ...]]:
    """`local_grads` returning a tuple of floats, one per input, whatever the user's returns;
    the inputs are the arguments after `out` but the last `params`."""

    def checked(out: float, *args: float) -> tuple[float, ...]:
        grads = local_grads(out, *args)
        if isinstance(grads, Real):
            grads = (grads,)
        if not isinstance(grads, Sequence) or not all(isinstance(g, Real) for g in grads):
            raise TypeError(f"{name}: local_grads must return numbers, got {grads!r}")
        inputs = arity if arity is not None else len(args) - params
        if len(grads) != inputs:
            raise TypeError(
                f"{name}: local_grads returned {len(grads)} derivative(s) for {inputs} input(s)"
            )
        return tuple(map(float, grads))

    return checked


def _as_tuple(grads_of: Callable[..., object]) -> Callable[..., tuple]:
    """`grads_of` (value_grads, or batch_local_grads after np) returning a tuple, also where
    a one-input op's returns one Value or array."""

    def as_tuple(*args: object) -> tuple:
        grads = grads_of(*args)
        return tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)

    return as_tuple
