"""The scalar node `Value`, the one function that makes nodes, and backward.

A node made by an op keeps its inputs as `parents` (a tuple: `a * a` has the parent `a`
twice) and the local derivatives d node / d parent as plain floats in `local_grads`,
computed in the forward pass. Backward is then one generic loop over a topological order:
`parent.grad += local_grad * node.grad` along every edge, so a node used several times
(fan-out) sums the messages of all its uses: the multivariate chain rule.

A plain number in an expression is a constant of the op, not a node: `x * 0.5` is one
node with the parent x and the param 0.5, as in PyTorch.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import math
import threading
from collections.abc import Iterable, Iterator
from numbers import Real
from operator import attrgetter

from autograd.graph import reachable
from autograd.ops import OPS, Op, with_constant

_recording: contextvars.ContextVar[bool] = contextvars.ContextVar("recording", default=True)
_creation = itertools.count()
_backward_lock = threading.Lock()


class Value:
    """A scalar in a computation graph: its `data`, its `grad`, and how it was made.

    >>> a = Value(2.0, label="a")
    >>> b = a * a + 1
    >>> b.backward()
    >>> b.data, a.grad
    (5.0, 4.0)
    >>> [p.label for p in b.parents[0].parents]
    ['a', 'a']
    """

    __slots__ = (
        "__dict__",
        "data",
        "grad",
        "index",
        "label",
        "local_grads",
        "op",
        "params",
        "parents",
    )

    data: float
    grad: float
    parents: tuple[Value, ...]
    local_grads: tuple[float, ...]
    op: Op | None
    params: tuple[float, ...]
    label: str
    index: int

    def __init__(self, data: float, label: str = "") -> None:
        if data.__class__ is not float or data - data != 0.0:
            data = _number("Value", data, "a real number")
        if not isinstance(label, str):
            hint = (
                " (micrograd's _children argument: here an op makes a node and records its"
                " parents; Value(x) makes a leaf)"
                if isinstance(label, (tuple, list, set))
                else ""
            )
            raise TypeError(
                f"Value: label must be a str, got {label!r} ({type(label).__name__}){hint}"
            )
        self.data = data
        self.grad = 0.0
        self.parents = ()
        self.local_grads = ()
        self.op = None
        self.params = ()
        self.label = label
        self.index = next(_creation)

    def __repr__(self) -> str:
        op = f", op={self.op.name!r}" if self.op else ""
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{op}{label})"

    def backward(self) -> None:
        """Seed d self / d self = 1 and send every edge its message, consumers first.

        A node's gradient is complete once every node that uses it has sent its message,
        so nodes are visited in reverse topological order. Afterwards each node's grad is
        d self / d node. Leaves (Values made directly, or under `no_grad`) add this pass to
        the gradient they had, as in PyTorch, so calling backward twice gives them exactly
        twice the gradient; intermediate nodes hold this pass's gradient only.

        A pass that fails (a gradient overflows a float) leaves every grad as it was. Passes
        hold one lock: passes in several threads over graphs that share nodes run one after
        another, and each adds its own messages.
        """
        with _backward_lock:
            interior, leaves = reachable(self)
            interior.sort(key=_index)
            before = [node.grad for node in interior]
            earlier = [leaf.grad for leaf in leaves]
            try:
                for node in interior:
                    node.grad = 0.0
                for leaf in leaves:
                    leaf.grad = 0.0
                self.grad = 1.0
                for node in reversed(interior):
                    grad = node.grad
                    if grad - grad != 0.0:
                        raise _overflowed(node, grad)
                    for parent, local_grad in zip(node.parents, node.local_grads):
                        parent.grad += local_grad * grad
                for leaf, grad in zip(leaves, earlier):
                    total = leaf.grad + grad
                    if total - total != 0.0:
                        raise _overflowed(leaf, total)
                    leaf.grad = total
            except BaseException:
                for node, grad in zip(interior, before):
                    node.grad = grad
                for leaf, grad in zip(leaves, earlier):
                    leaf.grad = grad
                raise

    def __reduce_ex__(self, protocol: object) -> None:
        raise TypeError(
            "Value: a graph cannot be pickled or copied: its order comes from when this "
            "process made its nodes. Save a model with nn.checkpoint.save, or build the "
            "graph again from numbers"
        )

    def __add__(self, other: Value | float) -> Value:
        return _binary(_ADD, self, other)

    def __radd__(self, other: float) -> Value:
        return _binary(_ADD, other, self)

    def __sub__(self, other: Value | float) -> Value:
        return _binary(_SUB, self, other)

    def __rsub__(self, other: float) -> Value:
        return _binary(_SUB, other, self)

    def __mul__(self, other: Value | float) -> Value:
        return _binary(_MUL, self, other)

    def __rmul__(self, other: float) -> Value:
        return _binary(_MUL, other, self)

    def __truediv__(self, other: Value | float) -> Value:
        return _binary(_DIV, self, other)

    def __rtruediv__(self, other: float) -> Value:
        return _binary(_DIV, other, self)

    def __pow__(self, exponent: Value | float) -> Value:
        """`x ** 2` is the op pow with the constant exponent 2; `x ** y` is power."""
        if isinstance(exponent, Value):
            return _binary(_POWER, self, exponent)
        return _unary(_POW, self, (_number(_POW.name, exponent, "a real number"),))

    def __rpow__(self, base: float) -> Value:
        return _binary(_POWER, base, self)

    def __neg__(self) -> Value:
        return _unary(_NEG, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _unary(_ABS, self)


def apply(op: Op, *inputs: Value | float, **params: float) -> Value:
    """The node `op(*inputs)` for any op, with the op's params by name.

    >>> apply(OPS["leaky_relu"], Value(-2.0), alpha=0.1).data
    -0.2

    A number in one of two inputs is a constant of the op (see `with_constant`). In an op
    of any number of inputs, the numbers after the last Value are its constants (its
    `params`), and a number before a Value becomes a leaf Value.
    """
    if op.arity is None and not inputs:
        raise TypeError(f"{op.name}: needs at least one input")
    if op.arity is not None and len(inputs) != op.arity:
        raise TypeError(f"{op.name}: takes {op.arity} input(s), got {len(inputs)}")
    constants = _params(op, params) if op.params or params else ()
    if op.arity == 2 and not constants:
        return _binary(op, *inputs)
    if op.arity == 1:
        return _unary(op, _as_value(op, inputs[0]), constants)
    if constants:
        return _nary(op, tuple(_as_value(op, x) for x in inputs), constants)
    return _nary(op, *_parents_and_constants(op, inputs))


def _parents_and_constants(
    op: Op, inputs: tuple[Value | float, ...]
) -> tuple[tuple[Value, ...], tuple[float, ...]]:
    """The inputs of an op of any number of inputs as its parents, up to the last Value
    (a number among them becomes a leaf Value), and its constants, the numbers after it."""
    last = len(inputs)
    while last and not isinstance(inputs[last - 1], Value):
        last -= 1
    if not last:
        raise TypeError(f"{op.name}: needs a Value among its inputs")
    leading, trailing = inputs[:last], inputs[last:]
    constants = _floats(trailing)
    if constants is None:
        constants = tuple(_number(op.name, x) for x in trailing)
    if _all_values(leading):
        return leading, constants
    return tuple(_as_value(op, x) for x in leading), constants


def _all_values(items: tuple[object, ...]) -> bool:
    return set(map(type, items)) <= {Value} or all(isinstance(x, Value) for x in items)


def _floats(numbers: tuple[object, ...]) -> tuple[float, ...] | None:
    """The numbers as floats (a tuple of floats as it is, shared by the nodes that use it),
    or None if one is not an int or a float, or too large for one."""
    types = set(map(type, numbers))
    if types <= {float}:
        return numbers
    if not types <= {float, int}:
        return None
    try:
        return tuple(map(float, numbers))
    except OverflowError:
        return None


# Nodes are made by three functions of one shape, for one input, two inputs and any
# number: compute the op, check inputs and result, then `_node`. Calling the table's
# functions with explicit arguments instead of *args halves the cost of an op.


def _unary(op: Op, x: Value, params: tuple[float, ...] = ()) -> Value:
    data = x.data
    try:
        out = op.forward(data, *params) if params else op.forward(data)
    except (ArithmeticError, ValueError) as error:
        raise _cannot_compute(op, (data, *params), error) from None
    if (
        out.__class__ is not float
        or out - out != 0.0
        or data != data
        or (op.valid is not None and not op.valid(data, *params))
    ):
        out = _checked(op, (data, *params), out)
    if not _recording.get():
        return _node(op, out, (), (), params)
    try:
        local_grads = op.local_grads(out, data, *params) if params else op.local_grads(out, data)
    except ArithmeticError as error:
        raise _cannot_differentiate(op, (data, *params), error) from None
    if local_grads[0] - local_grads[0] != 0.0:
        raise _cannot_differentiate(op, (data, *params), local_grads)
    return _node(op, out, (x,), local_grads, params)


def _binary(op: Op, a: Value | float, b: Value | float) -> Value:
    if not (isinstance(a, Value) and isinstance(b, Value)):
        return _with_number(op, a, b)
    x, y = a.data, b.data
    try:
        out = op.forward(x, y)
    except (ArithmeticError, ValueError) as error:
        raise _cannot_compute(op, (x, y), error) from None
    if (
        out.__class__ is not float
        or out - out != 0.0
        or (op.valid is not None and not op.valid(x, y))
    ):
        out = _checked(op, (x, y), out)
    if not _recording.get():
        return _node(op, out, (), (), ())
    try:
        local_grads = op.local_grads(out, x, y)
    except ArithmeticError as error:
        raise _cannot_differentiate(op, (x, y), error) from None
    if local_grads[0] - local_grads[0] != 0.0 or local_grads[1] - local_grads[1] != 0.0:
        raise _cannot_differentiate(op, (x, y), local_grads)
    return _node(op, out, (a, b), local_grads, ())


def _nary(op: Op, parents: tuple[Value, ...], params: tuple[float, ...]) -> Value:
    args = (*map(_data, parents), *params)
    try:
        out = op.forward(*args)
    except (ArithmeticError, ValueError) as error:
        raise _cannot_compute(op, args, error) from None
    total = sum(args, out)
    if (
        out.__class__ is not float
        or total - total != 0.0
        or (op.valid is not None and not op.valid(*args))
    ):
        out = _checked(op, args, out)
    if not _recording.get():
        return _node(op, out, (), (), params)
    try:
        local_grads = op.local_grads(out, *args)[: len(parents)]
    except ArithmeticError as error:
        raise _cannot_differentiate(op, args, error) from None
    total = sum(local_grads)
    if total - total != 0.0 and any(g - g != 0.0 for g in local_grads):
        raise _cannot_differentiate(op, args, local_grads)
    return _node(op, out, parents, local_grads, params)


def _node(
    op: Op,
    data: float,
    parents: tuple[Value, ...],
    local_grads: tuple[float, ...],
    params: tuple[float, ...],
) -> Value:
    """The new node itself, made without `__init__`'s checks: its data is checked already."""
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.parents = parents
    node.local_grads = local_grads
    node.op = op
    node.params = params
    node.label = ""
    node.index = next(_creation)
    return node


def _with_number(op: Op, a: Value | float, b: Value | float) -> Value:
    """`x op 2.0` or `2.0 op x`: the number becomes the param of `with_constant(op, ...)`."""
    if isinstance(a, Value):
        if b.__class__ is not float or b - b != 0.0:
            b = _number(op.name, b)
        return _unary(with_constant(op, 1), a, (b,))
    if isinstance(b, Value):
        if a.__class__ is not float or a - a != 0.0:
            a = _number(op.name, a)
        return _unary(with_constant(op, 0), b, (a,))
    raise TypeError(f"{op.name}: needs a Value among its inputs, got {a!r} and {b!r}")


_new = object.__new__
_data = attrgetter("data")
_index = attrgetter("index")
_ADD, _SUB, _MUL, _DIV = OPS["add"], OPS["sub"], OPS["mul"], OPS["div"]
_NEG, _ABS, _POW, _POWER = OPS["neg"], OPS["abs"], OPS["pow"], OPS["power"]


def _method(op: Op):
    """The Value method for a one-input op of the table: `x.tanh()`, `x.leaky_relu(0.1)`."""
    if not op.params:

        def method(self: Value) -> Value:
            return _unary(op, self)

    else:

        def method(self: Value, *args: float, **params: float) -> Value:
            if len(args) > len(op.params):
                raise TypeError(f"{op.name}: takes at most {len(op.params)} param(s)")
            params.update(zip(op.params, args))
            return apply(op, self, **params)

    method.__name__ = method.__qualname__ = op.name
    method.__doc__ = f"{op.rule}.\n\nDomain: {op.domain}."
    return method


def add_method(op: Op) -> None:
    """Make the one-input `op` a Value method, under its name and its aliases."""
    for name in (op.name, *op.aliases):
        setattr(Value, name, _method(op))


def remove_method(op: Op) -> None:
    """Take the one-input `op`'s methods off Value, under its name and its aliases."""
    for name in (op.name, *op.aliases):
        delattr(Value, name)


for _op in OPS.values():
    if _op.arity == 1:
        add_method(_op)


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Within this block (in this thread or task) new nodes record no parents.

    >>> x = Value(3.0)
    >>> with no_grad():
    ...     y = x * x
    >>> y.data, y.parents
    (9.0, ())
    """
    token = _recording.set(False)
    try:
        yield
    finally:
        _recording.reset(token)


@contextlib.contextmanager
def enable_grad() -> Iterator[None]:
    """Record parents again inside a `no_grad()` block, as `torch.enable_grad` does."""
    token = _recording.set(True)
    try:
        yield
    finally:
        _recording.reset(token)


def zero_grad(values: Iterable[Value]) -> None:
    """Set the gradient of each value to 0, as before a new backward pass."""
    for v in values:
        v.grad = 0.0


def _as_value(op: Op, x: object) -> Value:
    if isinstance(x, Value):
        return x
    return Value(_number(op.name, x))


def _number(where: str, x: object, expected: str = "a Value or a real number") -> float:
    """`x` as a finite float, or a TypeError or ValueError that starts with `where`."""
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{where}: expected {expected}, got {x!r} ({type(x).__name__})")
    try:
        x = float(x)
    except OverflowError:
        digits = len(str(abs(x)))
        raise ValueError(
            f"{where}: an integer of {digits} digits is too large for a float"
        ) from None
    if x - x != 0.0:
        raise ValueError(f"{where}: expected a finite number, got {x}")
    return x


def _params(op: Op, given: dict[str, float]) -> tuple[float, ...]:
    unknown = given.keys() - op.params.keys()
    if unknown:
        raise TypeError(f"{op.name}: unknown param {sorted(unknown)[0]!r}")
    values = []
    for name, default in op.params.items():
        if name not in given and default is None:
            raise TypeError(f"{op.name}: missing param {name!r}")
        values.append(
            _number(f"{op.name}: param {name}", given.get(name, default), "a real number")
        )
    return tuple(values)


def _cannot_compute(op: Op, args: tuple[float, ...], error: Exception) -> Exception:
    """The error for a forward function that raised: the domain's, or the original reworded."""
    _check_domain(op, args)
    return type(error)(f"{op.name}: cannot compute it at {_show(op, args)}: {error}")


def _checked(op: Op, args: tuple[float, ...], out: object) -> float:
    """The result of `op` at `args` as a float, or the error that says what is wrong: a
    result that is not a real number (a custom op's forward), or see `_check_domain`."""
    _check_domain(op, args)
    if isinstance(out, bool) or not isinstance(out, Real):
        raise TypeError(
            f"{op.name}: the forward function returned {out!r} ({type(out).__name__}) at "
            f"{_show(op, args)}, not a real number"
        )
    try:
        out = float(out)
    except OverflowError:
        out = math.inf
    _check_domain(op, args, out)
    return out


def _check_domain(op: Op, args: tuple[float, ...], out: float | None = None) -> None:
    """Raise the error for `op` at `args`: an input that is NaN or infinite, outside the
    domain, or overflow."""
    where = _show(op, args)
    if any(x != x for x in args):
        raise ValueError(f"{op.name}: an input is NaN ({where})")
    if any(x - x != 0.0 for x in args):
        raise ValueError(f"{op.name}: an input is not finite ({where})")
    if op.valid is not None and not op.valid(*args):
        raise op.error(f"{op.name}: {where} is outside the domain {op.domain}")
    if out is not None and out - out != 0.0:
        raise OverflowError(f"{op.name}: the result at {where} is {out}, not a finite float")


def _cannot_differentiate(
    op: Op, args: tuple[float, ...], problem: tuple[float, ...] | Exception
) -> ValueError:
    """The error for local derivatives that are not finite floats, such as √x' at 0."""
    return ValueError(
        f"{op.name}: the local derivatives at {_show(op, args)} are not finite ({problem}); "
        f"{op.rule}. For the value alone, compute it under no_grad()"
    )


def _show(op: Op, args: tuple[float, ...]) -> str:
    """`x = -1.0` or `a = 1.0, b = 0.0`: the op's inputs and params by name."""
    if op.arity is None:
        return "inputs " + ", ".join(map(repr, args))
    if op.base is None:
        names = ["x"] if op.arity == 1 else ["a", "b"]
        pairs = list(zip(names + list(op.params), args))
    elif op.constant_position == 1:
        pairs = list(zip(["a", "b"], args))
    else:
        pairs = list(zip(["b", "a"], args))[::-1]
    return ", ".join(f"{name} = {x!r}" for name, x in pairs)


def _overflowed(node: Value, grad: float) -> OverflowError:
    return OverflowError(
        f"backward: the gradient of {_describe(node)} would be {grad}: the messages "
        "overflowed a float; every grad is left as it was before this pass"
    )


def _describe(node: Value) -> str:
    name = node.label or (node.op.name if node.op else "leaf")
    return f"{name!r} (data {node.data!r})"
