# cython: boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
# Compiled, no index is checked: every slot comes from the program's layout; and each
# divisor is checked (or known) to be non-zero before it divides.
"""A program's replay as C loops over C arrays of doubles, for the compiled core.

`Program` keeps its graph as flat lists: a slot per node (the parameters, then the inputs,
then each op's node in creation order) and, after them, the constants its ops read. When
the engine core is compiled (see `autograd.core`), `Program.forward` and `backward` run
here instead of in Python: one instruction per op node (its op's code, the slots of its
arguments, its parents) run over arrays of doubles, with

- a C kernel for the common ops, doing the table's float operations one for one (relu's
  `x if x > 0 else 0`, tanh's `numerics.tanh_grad`, dot's products added left to right
  from w_1 x_1, ...), so that every result is bit for bit the one `autograd.ops` gives
  (C's tanh, exp and log are the ones Python's math module calls);
- the table's own Python functions for every other op (pow, Σ, custom ops, ...), called on
  Python floats as `Program` calls them;
- backward as the Value engine's loop, `grads[parent] += local_grad * grads[node]` over
  the same edges in the same order, skipping a node whose gradient is 0 as `Program` does.

A replay returns None where the Python passes would raise: a value, a local derivative or
a gradient that is not finite, an input outside an op's domain, or an op's function that
raises. `Program` then runs its Python passes, which raise the engine's error; no grad
has changed. Run as plain Python this module computes the same numbers, slowly, and
`Program` does not use it.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from itertools import accumulate

try:
    import cython
except ImportError:  # Cython is not installed: the decorators change nothing
    from autograd import _plain as cython

from autograd import checks
from autograd.ops import EXP_MAX, OPS, Op
from autograd.value import _backward_lock

if cython.compiled:
    from cython.cimports.autograd.value import Value
    from cython.cimports.libc.math import exp, fabs, log, tanh
else:
    from math import exp, fabs, log, tanh

    from autograd.value import Value

COMPILED = cython.compiled
"""Whether this module runs compiled: only then does `Program` replay through it."""

# The op codes: which kernel runs a node. GENERIC calls the op's Python functions.
GENERIC = cython.declare(cython.int, 0)
DOT = cython.declare(cython.int, 1)
RELU = cython.declare(cython.int, 2)
ADD = cython.declare(cython.int, 3)
SUB = cython.declare(cython.int, 4)
MUL = cython.declare(cython.int, 5)
DIV = cython.declare(cython.int, 6)
NEG = cython.declare(cython.int, 7)
IDENTITY = cython.declare(cython.int, 8)
LEAKY_RELU = cython.declare(cython.int, 9)
STEP = cython.declare(cython.int, 10)
ABS = cython.declare(cython.int, 11)
TANH = cython.declare(cython.int, 12)
SIGMOID = cython.declare(cython.int, 13)
EXP = cython.declare(cython.int, 14)
LOG = cython.declare(cython.int, 15)
_CODES = {
    OPS["dot"]: DOT,
    OPS["relu"]: RELU,
    OPS["add"]: ADD,
    OPS["sub"]: SUB,
    OPS["mul"]: MUL,
    OPS["div"]: DIV,
    OPS["neg"]: NEG,
    OPS["identity"]: IDENTITY,
    OPS["leaky_relu"]: LEAKY_RELU,
    OPS["step"]: STEP,
    OPS["abs"]: ABS,
    OPS["tanh"]: TANH,
    OPS["sigmoid"]: SIGMOID,
    OPS["exp"]: EXP,
    OPS["log"]: LOG,
}
KERNELS = frozenset(op.name for op in _CODES)
"""The ops that a C kernel replays; every other op runs the table's Python functions."""
_EXP_MAX = cython.declare(cython.double, EXP_MAX)


def _code(op: Op) -> int:
    """The kernel of `op`: its own, or its base op's for `x * 0.5` (`with_constant`), or
    GENERIC for an op without one (a custom op among them)."""
    return _CODES.get(op if op.base is None else op.base, GENERIC)


@cython.final
@cython.cclass
class Replay:
    """A program's instructions. Op node j, in slot `first + j`, runs the kernel `codes[j]`
    on the values in the slots `args[arg_start[j]:arg_start[j + 1]]`. Its edges go to the
    parents in the slots `parents[edge_start[j]:edge_start[j + 1]]`, and their local
    derivatives are those of its arguments from position `first_parent[j]` on: 1 where a
    number fills the op's first input (`1 - x`), else 0."""

    template: array
    parameters: cython.Py_ssize_t
    first: cython.Py_ssize_t
    used: cython.int[::1]
    codes: cython.int[::1]
    arg_start: cython.int[::1]
    args: cython.int[::1]
    edge_start: cython.int[::1]
    parents: cython.int[::1]
    first_parent: cython.int[::1]
    ops: list

    def __init__(
        self,
        template: Sequence[float],
        inputs: slice,
        used: Sequence[int],
        ops: Sequence[Op],
        arguments: Sequence[Sequence[int]],
        parents: Sequence[Sequence[int]],
    ) -> None:
        """`template`: the values list before a run (zeros for the nodes, then the
        constants); `inputs`: the inputs' slots, after the parameters' and before the op
        nodes'; `used`: each input slot's place among the inputs; per op node in creation
        order, its op, its arguments' slots and its parents' slots."""
        self.template = array("d", template)
        self.parameters = inputs.start
        self.first = inputs.stop
        self.used = array("i", used)
        self.codes = array("i", map(_code, ops))
        self.arg_start = array("i", _starts(arguments))
        self.args = array("i", [slot for slots in arguments for slot in slots])
        self.edge_start = array("i", _starts(parents))
        self.parents = array("i", [slot for slots in parents for slot in slots])
        self.first_parent = array("i", [op.constant_position == 0 for op in ops])
        self.ops = list(ops)

    def forward(self, parameters: tuple, inputs: Sequence[float]) -> array | None:
        """Every slot's value at `inputs` (the flat inputs) and the parameters' data, or
        None where a pass of the Python replay would raise."""
        values = self._load(parameters, inputs)
        if values is None or not self._forward(values, _EMPTY, False):
            return None
        return values

    def backward(
        self, parameters: tuple, inputs: Sequence[float], root: int
    ) -> tuple[array, array] | None:
        """Every slot's value and d root / d slot at `inputs`, after adding the gradients
        to the parameters' grads; or None, and no grad changed, where a pass of the Python
        replay would raise."""
        values = self._load(parameters, inputs)
        if values is None:
            return None
        local = _zeros(len(self.parents))
        if not self._forward(values, local, True):
            return None
        grads = _zeros(self.first + len(self.codes))
        if not self._backward(grads, local, root) or not self._accumulate(parameters, grads):
            return None
        return values, grads

    @cython.cfunc
    def _load(self, parameters: tuple, inputs: Sequence[float]) -> object:
        """The values: the parameters' current data, the inputs, the constants; None if a
        parameter's data is not finite."""
        values = self.template[:]
        slots: cython.double[::1] = values
        used: cython.int[::1] = self.used
        p: Value
        x: cython.double
        k: cython.Py_ssize_t
        for k in range(self.parameters):
            p = parameters[k]
            x = p.data
            if not _finite(x):
                return None
            slots[k] = x
        for k in range(len(used)):
            slots[self.parameters + k] = inputs[used[k]]
        return values

    @cython.cfunc
    def _forward(
        self, values: cython.double[::1], local: cython.double[::1], differentiate: cython.bint
    ) -> cython.bint:
        """Each op node's data into `values` and, if `differentiate`, its local derivatives
        into `local`, one per edge; False where `Program._forward` would raise."""
        codes: cython.int[::1] = self.codes
        args: cython.int[::1] = self.args
        arg_start: cython.int[::1] = self.arg_start
        edge_start: cython.int[::1] = self.edge_start
        first_parent: cython.int[::1] = self.first_parent
        j: cython.Py_ssize_t
        i: cython.Py_ssize_t
        a: cython.Py_ssize_t
        e: cython.Py_ssize_t
        n: cython.Py_ssize_t
        out: cython.double
        second: cython.double
        grad: cython.double
        grad_second: cython.double
        valid: cython.bint
        for j in range(len(codes)):
            a, e = arg_start[j], edge_start[j]
            if codes[j] == DOT:
                # Σ w_i x_i over the arguments w_1..w_n, x_1..x_n, added left to right;
                # ∂/∂w_i = x_i and ∂/∂x_i = w_i: each argument's partner.
                n = (arg_start[j + 1] - a) // 2
                out = values[args[a]] * values[args[a + n]]
                for i in range(1, n):
                    out = out + values[args[a + i]] * values[args[a + n + i]]
                if not _finite(out):
                    return False
                values[self.first + j] = out
                if differentiate:
                    for i in range(min(n, edge_start[j + 1] - e)):
                        local[e + i] = values[args[a + n + i]]
                    for i in range(n, edge_start[j + 1] - e):
                        local[e + i] = values[args[a + i - n]]
                continue
            if codes[j] == GENERIC:
                if not self._generic(j, values, local, differentiate):
                    return False
                continue
            second = values[args[a + 1]] if arg_start[j + 1] - a > 1 else 0.0
            valid, out, grad, grad_second = _kernel(codes[j], values[args[a]], second)
            if not valid or not _finite(out):
                return False
            values[self.first + j] = out
            if differentiate:
                if not (_finite(grad) and _finite(grad_second)):
                    return False
                if edge_start[j + 1] - e == 2:
                    local[e], local[e + 1] = grad, grad_second
                else:
                    local[e] = grad_second if first_parent[j] else grad
        return True

    @cython.cfunc
    def _generic(
        self,
        j: cython.Py_ssize_t,
        values: cython.double[::1],
        local: cython.double[::1],
        differentiate: cython.bint,
    ) -> cython.bint:
        """Node j by its op's Python functions, as `Program._forward` runs them; False
        where that would raise."""
        i: cython.Py_ssize_t
        e: cython.Py_ssize_t = self.edge_start[j]
        count: cython.Py_ssize_t = self.edge_start[j + 1] - e
        op = self.ops[j]
        a, end = self.arg_start[j], self.arg_start[j + 1]
        args = tuple([values[self.args[i]] for i in range(a, end)])
        try:
            data = op.forward(*args)
            if (
                data.__class__ is not float
                or not _finite(data)
                or (op.valid is not None and not op.valid(*args))
            ):
                data = checks.checked(op, args, data)
            if differentiate:
                grads = op.local_grads(data, *args)
        except Exception:  # the Python pass raises it again, with the engine's message
            return False
        values[self.first + j] = data
        if not differentiate:
            return True
        if len(args) != count and len(grads) != count:  # params, or a number as an input
            first = self.first_parent[j]
            grads = grads[first : first + count]
        if len(grads) != count:
            return False
        for i in range(count):
            grad = grads[i]
            if grad.__class__ is not float or not _finite(grad):
                return False
            local[e + i] = grad
        return True

    @cython.cfunc
    def _backward(
        self, grads: cython.double[::1], local: cython.double[::1], root: cython.Py_ssize_t
    ) -> cython.bint:
        """d root / d slot into `grads`, consumers first; False where a gradient to send is
        not finite."""
        edge_start: cython.int[::1] = self.edge_start
        parents: cython.int[::1] = self.parents
        j: cython.Py_ssize_t
        e: cython.Py_ssize_t
        grad: cython.double
        grads[root] = 1.0
        for j in range(len(edge_start) - 2, -1, -1):
            grad = grads[self.first + j]
            if not _finite(grad):
                return False
            if grad == 0.0:
                continue
            for e in range(edge_start[j], edge_start[j + 1]):
                grads[parents[e]] += local[e] * grad
        return True

    @cython.cfunc
    def _accumulate(self, parameters: tuple, grads: cython.double[::1]) -> cython.bint:
        """Add this pass to the parameters' grads, as backward adds to leaves; change
        nothing, and return False, if a leaf's gradient would not be finite. One pass over
        the parameters, which puts back the grads it changed if one fails."""
        before = _zeros(self.parameters)
        kept: cython.double[::1] = before
        p: Value
        k: cython.Py_ssize_t
        i: cython.Py_ssize_t
        total: cython.double
        for k in range(self.parameters, self.first):
            if not _finite(grads[k]):
                return False
        with _backward_lock:
            for k in range(self.parameters):
                p = parameters[k]
                total = p.grad + grads[k]
                if not _finite(total):
                    for i in range(k):
                        p = parameters[i]
                        p.grad = kept[i]
                    return False
                kept[k] = p.grad
                p.grad = total
        return True


@cython.cfunc
@cython.inline
def _kernel(
    code: cython.int, x: cython.double, y: cython.double
) -> tuple[cython.bint, cython.double, cython.double, cython.double]:
    """The op `code` at x, and y (its second input or its param, 0 for neither): whether
    they are in its domain, the result, and its local derivatives by x and by y, each
    computed as the table's entry computes it."""
    if code == RELU:
        return (True, x, 1.0, 0.0) if x > 0.0 else (True, 0.0, 0.0, 0.0)
    if code == ADD:
        return True, x + y, 1.0, 1.0
    if code == SUB:
        return True, x - y, 1.0, -1.0
    if code == MUL:
        return True, x * y, y, x
    if code == DIV:
        if y == 0.0:
            return False, 0.0, 0.0, 0.0
        out = x / y
        return True, out, 1.0 / y, -out / y
    if code == NEG:
        return True, -x, -1.0, 0.0
    if code == IDENTITY:
        return True, x, 1.0, 0.0
    if code == LEAKY_RELU:
        return (True, x, 1.0, 0.0) if x > 0.0 else (True, y * x, y, 0.0)
    if code == STEP:
        return True, (1.0 if x >= 0.0 else 0.0), 0.0, 0.0
    if code == ABS:
        return True, fabs(x), (1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0), 0.0
    if code == TANH:
        out = tanh(x)
        return True, out, _tanh_grad(out, x), 0.0
    if code == SIGMOID:
        out = _sigmoid(x)
        return True, out, _sigmoid_grad(out, x), 0.0
    if code == EXP:
        if not x <= _EXP_MAX:
            return False, 0.0, 0.0, 0.0
        out = exp(x)
        return True, out, out, 0.0
    if code == LOG and x > 0.0:
        return True, log(x), 1.0 / x, 0.0
    return False, 0.0, 0.0, 0.0


@cython.cfunc
@cython.inline
def _sigmoid(x: cython.double) -> cython.double:
    """`numerics.sigmoid`: σ(x) = 1 / (1 + e^-x), through e^-|x|."""
    if x >= 0.0:
        return 1.0 / (1.0 + exp(-x))
    e = exp(x)
    return e / (1.0 + e)


@cython.cfunc
@cython.inline
def _sigmoid_grad(out: cython.double, x: cython.double) -> cython.double:
    """`numerics.sigmoid_grad`: σ'(x) = σ(x) (1 - σ(x)) = σ(x) σ(-x)."""
    return out * (1.0 - out) if x <= 0.0 else out * _sigmoid(-x)


@cython.cfunc
@cython.inline
def _tanh_grad(out: cython.double, x: cython.double) -> cython.double:
    """`numerics.tanh_grad`: 1 - tanh(x)² near 0, else sech²(x) = 4 e^-2|x| / (1 + e^-2|x|)²."""
    if fabs(x) < 0.5:
        return 1.0 - out * out
    e = exp(-2.0 * fabs(x))
    return 4.0 * e / ((1.0 + e) * (1.0 + e))


@cython.cfunc
@cython.inline
def _finite(x: cython.double) -> cython.bint:
    """x - x is 0 for every finite x, and NaN for ±inf and NaN."""
    return x - x == 0.0


def _starts(groups: Sequence[Sequence[int]]) -> list[int]:
    """Where each group starts in the groups laid end to end, and where the last ends."""
    return list(accumulate(map(len, groups), initial=0))


def _zeros(n: int) -> array:
    return _ZERO * n


_ZERO = array("d", [0.0])
_EMPTY = array("d")
