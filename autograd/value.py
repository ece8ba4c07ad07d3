"""The scalar node `Value`, the one function that makes nodes, and backward.

A node made by an op keeps its inputs as `parents` (a tuple: `a * a` has the parent `a`
twice) and the local derivatives d node / d parent as plain floats in `local_grads`,
computed in the forward pass. Backward is then one generic loop over a topological order:
`parent.grad += local_grad * node.grad` along every edge, so a node used several times
(fan-out) sums the messages of all its uses: the multivariate chain rule.

A plain number in an expression is a constant of the op, not a node: `x * 0.5` is one
node with the parent x and the param 0.5, as in PyTorch.

This file is plain Python. When a C compiler is there, installing stepgrad also compiles
it with Cython (the decorators below, and the types in value.pxd); see `autograd.core`.
On the paths every node takes, `x - x != 0.0` is `not checks.is_finite(x)` written inline.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable
from operator import attrgetter

try:
    import cython
except ImportError:  # Cython is not installed: the decorators change nothing
    from autograd import _plain as cython

from autograd import checks
from autograd.grad_mode import recording
from autograd.ops import OPS, Op, with_constant

_creation = itertools.count()
_backward_lock = threading.Lock()


def _method(op: Op):
    """The Value method of a one-input op of the table: `x.tanh()`, `x.leaky_relu(0.1)`."""
    if not op.param_defaults:

        def method(self: Value) -> Value:
            return make_node(op, (self,), (self.data,), ())

    else:

        def method(self: Value, *args: float, **params: float) -> Value:
            if len(args) > len(op.param_defaults):
                raise TypeError(f"{op.name}: takes at most {len(op.param_defaults)} param(s)")
            twice = params.keys() & set(list(op.param_defaults)[: len(args)])
            if twice:
                raise TypeError(f"{op.name}: param {sorted(twice)[0]!r} given twice")
            params.update(zip(op.param_defaults, args))
            values = checks.params(op, params)
            return make_node(op, (self,), (self.data, *values), values)

    method.__name__ = method.__qualname__ = op.name
    method.__doc__ = f"{op.rule}.\n\nDomain: {op.domain}."
    return method


@cython.final
@cython.no_gc
@cython.freelist(1024)
@cython.cclass
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

    @cython.annotation_typing(False)  # compiled, a wrong label gets checks.label's error too
    def __init__(self, data: float, label: str = "") -> None:
        self.label = checks.label(label)
        self.data = checks.number("Value", data)
        self.grad = 0.0
        self.parents = ()
        self.local_grads = ()
        self.op = None
        self.params = ()
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
        node: Value
        parent: Value
        grad: float
        parents: tuple
        local_grads: tuple
        i: cython.Py_ssize_t
        with _backward_lock:
            interior, leaves = reachable(self)
            interior.sort(key=_index)
            interior_grads = [node.grad for node in interior]
            leaf_grads = [node.grad for node in leaves]
            try:
                for node in interior:
                    node.grad = 0.0
                for node in leaves:
                    node.grad = 0.0
                self.grad = 1.0
                for node in reversed(interior):
                    grad = node.grad
                    if grad - grad != 0.0:
                        raise checks.overflowed(node, grad)
                    parents, local_grads = node.parents, node.local_grads
                    for i in range(len(parents)):
                        parent = parents[i]
                        parent.grad += local_grads[i] * grad
                for node, grad in zip(leaves, leaf_grads):
                    grad += node.grad
                    if grad - grad != 0.0:
                        raise checks.overflowed(node, grad)
                    node.grad = grad
            except BaseException:
                for node, grad in zip(interior, interior_grads):
                    node.grad = grad
                for node, grad in zip(leaves, leaf_grads):
                    node.grad = grad
                raise

    def __reduce_ex__(self, protocol: object) -> None:
        raise TypeError(
            "Value: a graph cannot be pickled or copied: its order comes from when this "
            "process made its nodes. Save a model with nn.checkpoint.save, or build the "
            "graph again from numbers"
        )

    def __setattr__(self, name: str, value: object) -> None:
        """Compiled, Values are not tracked by Python's cycle collector (the engine never
        makes a cycle), so an attribute of your own holds a number, a string or None: a
        Value there could close a cycle never freed. They live in a dict of the Value's
        own, not in `__dict__`, so `vars(v)` cannot reach round this check. Plain Python
        deletes this method."""
        if name in _READ_ONLY:
            raise AttributeError(f"Value: {name} is read-only; an op sets it")
        if name in ("data", "grad") and value.__class__ is not float:
            if not checks.is_real(value):
                raise TypeError(f"Value: {name} must be a real number, got {value!r}")
            value = float(value)
        if name == "data":
            self.data = value
        elif name == "grad":
            self.grad = value
        elif name == "label":
            self.label = checks.label(value)
        elif value is None or value.__class__ in _ATOMIC:
            if self.own is None:
                self.own = {}
            self.own[name] = value
        else:
            raise TypeError(
                f"Value: in the compiled core an attribute of your own holds a number, a "
                f"string or None, got {type(value).__name__} for {name!r}"
            )

    def __delattr__(self, name: str) -> None:
        """Compiled, a field cannot be deleted (it would read as None); your own can."""
        if name in _FIELDS or self.own is None or name not in self.own:
            raise AttributeError(f"Value: cannot delete {name!r}")
        del self.own[name]

    def __getattr__(self, name: str):
        """Compiled: an attribute of your own, or the method of a one-input custom op (see
        `autograd.custom_op`): `x.cube()`."""
        if self.own is not None and name in self.own:
            return self.own[name]
        method = _CUSTOM_METHODS.get(name)
        if method is None:
            raise AttributeError(f"'Value' object has no attribute {name!r}")
        return method.__get__(self)

    def __add__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return make_node(_ADD, (self, other), (self.data, other.data), ())
        return with_number(_ADD, self, other, 1)

    def __radd__(self, other: Value | float) -> Value:
        return with_number(_ADD, self, other, 0)

    def __sub__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return make_node(_SUB, (self, other), (self.data, other.data), ())
        return with_number(_SUB, self, other, 1)

    def __rsub__(self, other: Value | float) -> Value:
        return with_number(_SUB, self, other, 0)

    def __mul__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return make_node(_MUL, (self, other), (self.data, other.data), ())
        return with_number(_MUL, self, other, 1)

    def __rmul__(self, other: Value | float) -> Value:
        return with_number(_MUL, self, other, 0)

    def __truediv__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return make_node(_DIV, (self, other), (self.data, other.data), ())
        return with_number(_DIV, self, other, 1)

    def __rtruediv__(self, other: Value | float) -> Value:
        return with_number(_DIV, self, other, 0)

    def __pow__(self, exponent: Value | float) -> Value:
        """`x ** 2` is the op pow with the param exponent 2; `x ** y` is the op power."""
        if isinstance(exponent, Value):
            return make_node(_POWER, (self, exponent), (self.data, exponent.data), ())
        exponent = checks.number("pow", exponent)
        return make_node(_POW, (self,), (self.data, exponent), (exponent,))

    def __rpow__(self, base: Value | float) -> Value:
        return with_number(_POWER, self, base, 0)

    def __neg__(self) -> Value:
        return make_node(_NEG, (self,), (self.data,), ())

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return make_node(_ABS, (self,), (self.data,), ())

    # Each one-input op of the table is a method, `x.tanh()`, made by `_method`.
    abs = _method(OPS["abs"])
    arctan = _method(OPS["arctan"])
    cos = _method(OPS["cos"])
    elu = _method(OPS["elu"])
    exp = _method(OPS["exp"])
    identity = _method(OPS["identity"])
    leaky_relu = _method(OPS["leaky_relu"])
    log = _method(OPS["log"])
    log_sigmoid = _method(OPS["log_sigmoid"])
    mish = _method(OPS["mish"])
    neg = _method(OPS["neg"])
    pow = _method(OPS["pow"])
    relu = _method(OPS["relu"])
    sigmoid = _method(OPS["sigmoid"])
    silu = _method(OPS["silu"])
    sin = _method(OPS["sin"])
    sinc = _method(OPS["sinc"])
    softplus = _method(OPS["softplus"])
    softsign = _method(OPS["softsign"])
    sqrt = _method(OPS["sqrt"])
    step = _method(OPS["step"])
    tanh = _method(OPS["tanh"])
    swish = silu  # the table lists it among silu's aliases


def make_node(op: Op, parents: tuple[Value, ...], args: tuple, params: tuple) -> Value:
    """The node op(*args): every node of every graph is made here.

    `args` are the op's inputs in its order, each a parent's data or a number, then its
    params' values; `params` are the numbers among them, which the node keeps. The
    forward function gives the node's data, and the local-derivative function its
    `local_grads`, one per parent (a number has none). Errors name the op and its inputs.
    It trusts its arguments: `autograd.apply` checks a user's inputs, then calls it.
    """
    node: Value
    try:
        data = op.forward(*args)
    except (ArithmeticError, ValueError) as error:
        raise checks.cannot_compute(op, args, error) from None
    # The inputs and the result are all finite if their sum is.
    if (
        data.__class__ is not float
        or (total := sum(args, data)) - total != 0.0
        or (op.valid is not None and not op.valid(*args))
    ):
        data = checks.checked(op, args, data)
    node = Value.__new__(Value)
    node.data = data
    node.grad = 0.0
    node.op = op
    node.params = params
    node.label = ""
    node.index = next(_creation)
    if not recording.get():
        node.parents = node.local_grads = ()
        return node
    try:
        local_grads = op.local_grads(data, *args)
    except ArithmeticError as error:
        raise checks.cannot_differentiate(op, args, error) from None
    if params and len(local_grads) != len(parents):
        local_grads = local_grads[1:] if op.constant_position == 0 else local_grads[: len(parents)]
    if (total := sum(local_grads, 0.0)) - total != 0.0 and not all(
        map(checks.is_finite, local_grads)
    ):
        raise checks.cannot_differentiate(op, args, local_grads)
    node.parents = parents
    node.local_grads = local_grads
    return node


def with_number(op: Op, x: Value, number: object, position) -> Value:
    """The node `x op number` (position 1) or `number op x` (position 0) of a two-input op:
    the number is the param of `with_constant(op, position)`, and x the one parent."""
    if number.__class__ is not float or number - number != 0.0:
        number = checks.number(op.name, number, "a Value or a real number")
    args = (x.data, number) if position else (number, x.data)
    return make_node(with_constant(op, position), (x,), args, (number,))


def reachable(root: Value) -> tuple[list[Value], list[Value]]:
    """The nodes `root` depends on, each once: those made by ops, and the leaves (in no
    particular order). An explicit stack, so a chain a million nodes deep needs no
    recursion."""
    node: Value
    seen = {root}
    stack = [root]
    interior: list[Value] = []
    leaves: list[Value] = []
    while stack:
        node = stack.pop()
        if not node.parents:
            leaves.append(node)
            continue
        interior.append(node)
        for parent in node.parents:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return interior, leaves


def zero_grad(values: Iterable[Value]) -> None:
    """Set the gradient of each value to 0, as before a new backward pass."""
    v: Value
    for v in values:
        v.grad = 0.0


_index = attrgetter("index")
_ADD, _SUB, _MUL, _DIV = OPS["add"], OPS["sub"], OPS["mul"], OPS["div"]
_NEG, _ABS, _POW, _POWER = OPS["neg"], OPS["abs"], OPS["pow"], OPS["power"]
_READ_ONLY = frozenset({"parents", "local_grads", "op", "params", "index"})
_FIELDS = _READ_ONLY | {"data", "grad", "label"}
_ATOMIC = frozenset({bool, int, float, complex, str, bytes})
if not cython.compiled:
    # Plain Python takes custom ops' methods on the class (see add_method), and its cycle
    # collector sees every Value: none of these hooks is needed, and they would slow every
    # node.
    del Value.__getattr__, Value.__setattr__, Value.__delattr__


def add_method(op: Op) -> None:
    """Make the one-input custom `op` a Value method: on the class in plain Python; compiled,
    where the class cannot change, in the table `__getattr__` reads."""
    if cython.compiled:
        _CUSTOM_METHODS[op.name] = _method(op)
    else:
        setattr(Value, op.name, _method(op))


def remove_method(op: Op) -> None:
    """Take the one-input custom `op`'s method off Value."""
    if cython.compiled:
        del _CUSTOM_METHODS[op.name]
    else:
        delattr(Value, op.name)


_CUSTOM_METHODS: dict[str, object] = {}
