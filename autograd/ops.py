# cython: annotation_typing=False
# Compiled, the hints stay hints: numbers stay Python floats, as in plain Python.
"""The table of ops: every op stepgrad knows, declared once with its derivative rule.

Each `Op` says how to compute the op on floats (`forward`) and its *local derivatives*
d out / d input_i, one per input, given the output it already computed and the inputs
(`local_grads(out, *inputs, *params)`): sigmoid, tanh and exp reuse `out` instead of
recomputing it. `Value`'s methods, its error messages, and the tools that draw, step and
check graphs all read this table, so adding an activation is adding one entry here.

Kinks follow PyTorch: relu'(0) = 0, |x|'(0) = 0, step'(x) = 0, and max(a, a) splits the
gradient evenly between a tie's two inputs.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from autograd import vectorised
from autograd.numerics import (
    dot,
    dot_grads,
    elu,
    elu_grad,
    logsumexp,
    maximum_grads,
    mish_grad,
    pow_grad,
    pow_valid,
    power_grads,
    sigmoid,
    sigmoid_grad,
    silu_grad,
    sinc,
    sinc_grad,
    softplus,
    tanh_grad,
)
from autograd.vectorised import each, each_pair, per_sample

EXP_MAX = math.log(1.7976931348623157e308)


@dataclass(frozen=True, eq=False, slots=True)
class Op:
    """One operation: how to compute it, its local derivatives, and where it is defined.

    `arity` is the number of inputs (None: any number, at least one). `param_defaults`
    names the op's constant params with their defaults (None: required); their values
    come after the inputs in every call. `valid(*inputs, *params)` is False outside the
    domain that `domain` states in words; there `error` is raised.
    `singularity(*inputs, *params)` is the distance to the nearest point where the
    derivative jumps (relu at 0), is unbounded (1/b at b = 0) or the domain ends (ln x at
    0), so finite differences and generated examples keep away from it; None: no such
    point. `param_ranges` gives, for a param, the interval generated examples draw it
    from ([-2, 2] if not listed). `aliases` are other names of the op's Value method.

    `value_grads(out, *inputs, *params)` is the rule once more, written with ops on the
    node `out` and its parents (Values; a number where a constant fills an input), so
    that `autograd.grad(..., create_graph=True)` records how each derivative is computed
    and can differentiate it again. A derivative that is constant between kinks (relu,
    |x|, step) is a number read from the inputs' data. None: not declared (create_graph
    through the op is an error).

    `batch_forward(np, *inputs, *params)` and `batch_local_grads(np, out, *inputs,
    *params)` are `forward` and `local_grads` for N samples at once (see
    `autograd.batch`): given the numpy module, they take float arrays of shape (N,) in
    place of the inputs (a number where a constant fills one) and return arrays (or
    numbers, the same for every sample), each element bit for bit what the scalar rule
    gives for that sample. An op of any number of inputs takes them as the rows of one
    (k, N) array, and its local derivatives are one array of that shape (or (k, 1)).
    Where the op is undefined, batch_forward may raise or give NaN, never a number.
    None: not declared (the batch runs sample by sample).

    An op made by `with_constant` has the table op it comes from as `base`, and the
    position of the input that a number fills as `constant_position`; its functions are
    the base's, called with the number at that position.
    """

    name: str
    symbol: str
    arity: int | None
    forward: Callable[..., float]
    local_grads: Callable[..., tuple[float, ...]]
    rule: str
    domain: str = "all real numbers"
    valid: Callable[..., bool] | None = None
    error: type[Exception] = ValueError
    param_defaults: dict[str, float | None] = field(default_factory=dict)
    singularity: Callable[..., float] | None = None
    param_ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    base: Op | None = None
    constant_position: int | None = None
    value_grads: Callable[..., tuple] | None = None
    batch_forward: Callable[..., object] | None = None
    batch_local_grads: Callable[..., object] | None = None


def with_constant(op: Op, position: int) -> Op:
    """`op` of two inputs with input `position` (0 or 1) filled by a number.

    The number is the node's one param, so `x * 0.5` and `1 - x` are each one node with
    the single parent x, as in PyTorch: a constant has no gradient and no node.
    """
    key = (op, position)
    if key not in _WITH_CONSTANT:
        _WITH_CONSTANT[key] = replace(
            op,
            arity=1,
            param_defaults={"ab"[position]: None},
            base=op,
            constant_position=position,
        )
    return _WITH_CONSTANT[key]


_WITH_CONSTANT: dict[tuple[Op, int], Op] = {}


def sech2_value(x):
    """sech²(x) = 4 e^-2|x| / (1 + e^-2|x|)² with Value ops: 1 - tanh² without cancelling."""
    e = (-2.0 * abs(x)).exp()
    return 4.0 * e / ((1.0 + e) * (1.0 + e))


def sinc_grad_value(out, x):
    """sinc'(x) with Value ops: the series of `numerics.sinc_grad` near 0, else
    (cos x - sinc x) / x."""
    if abs(x.data) < 0.1:
        x2 = x * x
        return x * (-1.0 / 3.0 + x2 * (1.0 / 30.0 + x2 * (-1.0 / 840.0 + x2 / 45360.0)))
    return (x.cos() - out) / x


def power_value_grads(out, a, b):
    """∂(a^b)/∂a = b a^(b-1), ∂(a^b)/∂b = a^b ln a with Value ops (a or b may be a
    number); ∂/∂b is 0 at a = 0, as in `numerics.power_grads`."""
    if isinstance(a, (float, int)):
        return 0.0, out * math.log(a)  # the number a has no gradient
    if isinstance(b, (float, int)):
        return b * a ** (b - 1.0), 0.0
    return b * a ** (b - 1.0), (out * a.log() if a.data > 0.0 else 0.0)


def maximum_value_grads(out, a, b):
    """max's routing (1, 0), (0, 1) or (½, ½), read from the inputs' data."""
    return maximum_grads(out, getattr(a, "data", a), getattr(b, "data", b))


# One op per entry: Op(name, symbol, arity, forward, local_grads, rule, **where it is defined),
# then its batch forms.
# fmt: off
OPS: dict[str, Op] = {op.name: op for op in (
    Op("add", "+", 2, lambda a, b: a + b, lambda out, a, b: (1.0, 1.0),
       "∂(a + b)/∂a = 1, ∂(a + b)/∂b = 1", value_grads=lambda out, a, b: (1.0, 1.0),
       batch_forward=lambda np, a, b: a + b,
       batch_local_grads=lambda np, out, a, b: (1.0, 1.0)),
    Op("sub", "-", 2, lambda a, b: a - b, lambda out, a, b: (1.0, -1.0),
       "∂(a - b)/∂a = 1, ∂(a - b)/∂b = -1", value_grads=lambda out, a, b: (1.0, -1.0),
       batch_forward=lambda np, a, b: a - b,
       batch_local_grads=lambda np, out, a, b: (1.0, -1.0)),
    Op("mul", "*", 2, lambda a, b: a * b, lambda out, a, b: (b, a),
       "∂(a · b)/∂a = b, ∂(a · b)/∂b = a", value_grads=lambda out, a, b: (b, a),
       batch_forward=lambda np, a, b: a * b,
       batch_local_grads=lambda np, out, a, b: (b, a)),
    Op("div", "/", 2, lambda a, b: a / b, lambda out, a, b: (1.0 / b, -out / b),
       "∂(a / b)/∂a = 1 / b, ∂(a / b)/∂b = -a / b²",
       domain="b ≠ 0", valid=lambda a, b: b != 0.0, error=ZeroDivisionError,
       singularity=lambda a, b: abs(b), value_grads=lambda out, a, b: (1.0 / b, -out / b),
       batch_forward=lambda np, a, b: a / b,
       batch_local_grads=lambda np, out, a, b: (1.0 / b, -out / b)),
    Op("neg", "-", 1, lambda x: -x, lambda out, x: (-1.0,), "d(-x)/dx = -1",
       value_grads=lambda out, x: (-1.0,),
       batch_forward=lambda np, x: -x, batch_local_grads=lambda np, out, x: (-1.0,)),
    Op("pow", "**", 1, lambda x, exponent: x**exponent,
       lambda out, x, exponent: (pow_grad(out, x, exponent),), "d(x^c)/dx = c · x^(c-1)",
       domain="x > 0, or x < 0 with an integer exponent, or x = 0 with exponent ≥ 0",
       valid=pow_valid, param_defaults={"exponent": None},
       singularity=lambda x, exponent: (
           math.inf if exponent >= 0.0 and exponent == int(exponent) else abs(x)),
       param_ranges={"exponent": (-3.0, 4.0)},
       value_grads=lambda out, x, c: (c * x ** (c - 1.0) if c not in (0.0, 1.0) else c,),
       batch_forward=lambda np, x, c: each(np, operator.pow, x, c),
       batch_local_grads=lambda np, out, x, c: (each(np, pow_grad, out, x, c),)),
    Op("power", "**", 2, lambda a, b: a**b, power_grads,
       "∂(a^b)/∂a = b · a^(b-1), ∂(a^b)/∂b = a^b · ln a",
       domain="a > 0, or a = 0 with b > 0", valid=lambda a, b: a > 0.0 or (a == 0.0 and b > 0.0),
       singularity=lambda a, b: abs(a), value_grads=power_value_grads,
       batch_forward=vectorised.power,
       batch_local_grads=lambda np, out, a, b: each_pair(np, power_grads, out, a, b)),
    Op("abs", "|x|", 1, abs, lambda out, x: (1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0,),
       "d|x|/dx = sign(x), 0 at x = 0", singularity=lambda x: abs(x),
       value_grads=lambda out, x: (1.0 if x.data > 0.0 else -1.0 if x.data < 0.0 else 0.0,),
       batch_forward=lambda np, x: np.abs(x),
       batch_local_grads=lambda np, out, x: (vectorised.sign(np, x),)),
    Op("exp", "exp", 1, math.exp, lambda out, x: (out,), "d(e^x)/dx = e^x",
       domain=f"x ≤ {EXP_MAX:.4f} (e^x overflows above)", valid=lambda x: x <= EXP_MAX,
       error=OverflowError, value_grads=lambda out, x: (out,),
       batch_forward=lambda np, x: each(np, math.exp, np.where(x <= EXP_MAX, x, math.nan)),
       batch_local_grads=lambda np, out, x: (out,)),
    Op("log", "ln", 1, math.log, lambda out, x: (1.0 / x,), "d(ln x)/dx = 1 / x",
       domain="x > 0", valid=lambda x: x > 0.0, singularity=lambda x: abs(x),
       value_grads=lambda out, x: (1.0 / x,),
       batch_forward=lambda np, x: each(np, math.log, x),
       batch_local_grads=lambda np, out, x: (1.0 / x,)),
    Op("sqrt", "√", 1, math.sqrt, lambda out, x: (0.5 / out if out else math.inf,),
       "d(√x)/dx = 1 / (2√x)", domain="x ≥ 0 (the derivative is infinite at 0)",
       valid=lambda x: x >= 0.0, singularity=lambda x: abs(x),
       value_grads=lambda out, x: (0.5 / out,),
       batch_forward=lambda np, x: np.sqrt(x),
       batch_local_grads=lambda np, out, x: (np.where(out != 0.0, 0.5 / out, math.inf),)),
    Op("sin", "sin", 1, math.sin, lambda out, x: (math.cos(x),), "d(sin x)/dx = cos x",
       value_grads=lambda out, x: (x.cos(),),
       batch_forward=lambda np, x: each(np, math.sin, x),
       batch_local_grads=lambda np, out, x: (each(np, math.cos, x),)),
    Op("cos", "cos", 1, math.cos, lambda out, x: (-math.sin(x),), "d(cos x)/dx = -sin x",
       value_grads=lambda out, x: (-x.sin(),),
       batch_forward=lambda np, x: each(np, math.cos, x),
       batch_local_grads=lambda np, out, x: (-each(np, math.sin, x),)),
    Op("identity", "id", 1, lambda x: x, lambda out, x: (1.0,), "f(x) = x, f'(x) = 1",
       value_grads=lambda out, x: (1.0,),
       batch_forward=lambda np, x: x, batch_local_grads=lambda np, out, x: (1.0,)),
    Op("step", "step", 1, lambda x: 1.0 if x >= 0.0 else 0.0, lambda out, x: (0.0,),
       "step(x) = 1 if x ≥ 0 else 0, step'(x) = 0", singularity=lambda x: abs(x),
       value_grads=lambda out, x: (0.0,),
       batch_forward=lambda np, x: np.where(x >= 0.0, 1.0, 0.0),
       batch_local_grads=lambda np, out, x: (0.0,)),
    Op("relu", "relu", 1, lambda x: x if x > 0.0 else 0.0,
       lambda out, x: (1.0 if x > 0.0 else 0.0,),
       "relu(x) = max(0, x), relu'(x) = 1 if x > 0 else 0", singularity=lambda x: abs(x),
       value_grads=lambda out, x: (1.0 if x.data > 0.0 else 0.0,),
       batch_forward=lambda np, x: np.where(x > 0.0, x, 0.0),
       batch_local_grads=lambda np, out, x: (np.where(x > 0.0, 1.0, 0.0),)),
    Op("leaky_relu", "leaky_relu", 1, lambda x, alpha: x if x > 0.0 else alpha * x,
       lambda out, x, alpha: (1.0 if x > 0.0 else alpha,),
       "f(x) = x if x > 0 else αx, f'(x) = 1 if x > 0 else α",
       param_defaults={"alpha": 0.01}, param_ranges={"alpha": (0.0, 1.0)},
       singularity=lambda x, alpha: abs(x),
       value_grads=lambda out, x, alpha: (1.0 if x.data > 0.0 else alpha,),
       batch_forward=lambda np, x, alpha: np.where(x > 0.0, x, alpha * x),
       batch_local_grads=lambda np, out, x, alpha: (np.where(x > 0.0, 1.0, alpha),)),
    Op("elu", "elu", 1, elu, lambda out, x, alpha: (elu_grad(x, alpha),),
       "f(x) = x if x > 0 else α(e^x - 1), f'(x) = 1 if x > 0 else f(x) + α = α e^x",
       param_defaults={"alpha": 1.0}, param_ranges={"alpha": (0.1, 2.0)},
       singularity=lambda x, alpha: abs(x),
       value_grads=lambda out, x, alpha: (1.0 if x.data > 0.0 else alpha * x.exp(),),
       batch_forward=lambda np, x, alpha: each(np, elu, x, alpha),
       batch_local_grads=lambda np, out, x, alpha: (each(np, elu_grad, x, alpha),)),
    Op("sigmoid", "σ", 1, sigmoid, lambda out, x: (sigmoid_grad(out, x),),
       "σ(x) = 1 / (1 + e^-x), σ'(x) = σ(x) (1 - σ(x))",
       value_grads=lambda out, x: (out * (-x).sigmoid(),),
       batch_forward=lambda np, x: each(np, sigmoid, x),
       batch_local_grads=lambda np, out, x: (each(np, sigmoid_grad, out, x),)),
    Op("tanh", "tanh", 1, math.tanh, lambda out, x: (tanh_grad(out, x),),
       "tanh'(x) = 1 - tanh(x)²", value_grads=lambda out, x: (sech2_value(x),),
       batch_forward=lambda np, x: each(np, math.tanh, x),
       batch_local_grads=lambda np, out, x: (each(np, tanh_grad, out, x),)),
    Op("softplus", "softplus", 1, softplus, lambda out, x: (sigmoid(x),),
       "softplus(x) = ln(1 + e^x), softplus'(x) = σ(x)",
       value_grads=lambda out, x: (x.sigmoid(),),
       batch_forward=lambda np, x: each(np, softplus, x),
       batch_local_grads=lambda np, out, x: (each(np, sigmoid, x),)),
    Op("log_sigmoid", "ln σ", 1, lambda x: -softplus(-x), lambda out, x: (sigmoid(-x),),
       "ln σ(x) = -softplus(-x), (ln σ)'(x) = 1 - σ(x)",
       value_grads=lambda out, x: ((-x).sigmoid(),),
       batch_forward=lambda np, x: -each(np, softplus, -x),
       batch_local_grads=lambda np, out, x: (each(np, sigmoid, -x),)),
    Op("softsign", "softsign", 1, lambda x: x / (1.0 + abs(x)),
       lambda out, x: (1.0 / (1.0 + abs(x)) / (1.0 + abs(x)),),
       "softsign(x) = x / (1 + |x|), softsign'(x) = 1 / (1 + |x|)²",
       value_grads=lambda out, x: (1.0 / (1.0 + abs(x)) / (1.0 + abs(x)),),
       batch_forward=lambda np, x: x / (1.0 + np.abs(x)),
       batch_local_grads=lambda np, out, x: (1.0 / (1.0 + np.abs(x)) / (1.0 + np.abs(x)),)),
    Op("arctan", "arctan", 1, math.atan, lambda out, x: (1.0 / (1.0 + x * x),),
       "arctan'(x) = 1 / (1 + x²)", value_grads=lambda out, x: (1.0 / (1.0 + x * x),),
       batch_forward=lambda np, x: each(np, math.atan, x),
       batch_local_grads=lambda np, out, x: (1.0 / (1.0 + x * x),)),
    Op("silu", "silu", 1, lambda x: x * sigmoid(x), lambda out, x: (silu_grad(x),),
       "silu(x) = x σ(x) (swish), silu'(x) = σ(x) (1 + x (1 - σ(x)))", aliases=("swish",),
       value_grads=lambda out, x: (x.sigmoid() * (1.0 + x * (-x).sigmoid()),),
       batch_forward=lambda np, x: x * each(np, sigmoid, x),
       batch_local_grads=lambda np, out, x: (each(np, silu_grad, x),)),
    Op("mish", "mish", 1, lambda x: x * math.tanh(softplus(x)), lambda out, x: (mish_grad(x),),
       "mish(x) = x tanh(sp), sp = softplus(x), mish'(x) = tanh(sp) + x σ(x) sech²(sp)",
       value_grads=lambda out, x: (
           x.softplus().tanh() + x * x.sigmoid() * sech2_value(x.softplus()),),
       batch_forward=lambda np, x: x * each(np, math.tanh, each(np, softplus, x)),
       batch_local_grads=lambda np, out, x: (each(np, mish_grad, x),)),
    Op("sinc", "sinc", 1, sinc, lambda out, x: (sinc_grad(out, x),),
       "sinc(x) = sin(x) / x, sinc(0) = 1, sinc'(x) = (cos x - sinc x) / x, sinc'(0) = 0",
       value_grads=lambda out, x: (sinc_grad_value(out, x),),
       batch_forward=lambda np, x: each(np, sinc, x),
       batch_local_grads=lambda np, out, x: (each(np, sinc_grad, out, x),)),
    Op("maximum", "max", 2, max, maximum_grads,
       "∂max(a, b)/∂a = 1 if a > b else 0 (½ each on a tie)",
       singularity=lambda a, b: abs(a - b), value_grads=maximum_value_grads,
       batch_forward=lambda np, a, b: np.where(b > a, b, a),  # max(a, b) keeps a on a tie
       batch_local_grads=lambda np, out, a, b: vectorised.maximum_grads(np, a, b)),
    Op("sum", "Σ", None, lambda *xs: math.fsum(xs), lambda out, *xs: (1.0,) * len(xs),
       "∂(Σ x_j)/∂x_i = 1", value_grads=lambda out, *xs: (1.0,) * len(xs),
       batch_forward=lambda np, xs: per_sample(np, math.fsum, xs),
       batch_local_grads=lambda np, out, xs: np.ones((len(xs), 1))),
    Op("dot", "Σ w·x", None, dot, dot_grads, "z = Σ_i w_i x_i: ∂z/∂w_i = x_i, ∂z/∂x_i = w_i",
       domain="weights w_1..w_n, then as many inputs x_1..x_n",
       valid=lambda *args: len(args) % 2 == 0, error=TypeError, value_grads=dot_grads,
       batch_forward=vectorised.dot, batch_local_grads=vectorised.dot_grads),
    Op("logsumexp", "logsumexp", None, logsumexp,
       lambda out, *xs: tuple(math.exp(x - out) for x in xs),
       "∂(ln Σ e^x_j)/∂x_i = e^(x_i - lse) = softmax_i",
       value_grads=lambda out, *xs: tuple((x - out).exp() for x in xs),
       batch_forward=lambda np, xs: per_sample(np, lambda column: logsumexp(*column), xs),
       batch_local_grads=lambda np, out, xs: each(np, math.exp, xs - out)),
)}
# fmt: on
"""Every op, by name. Tools enumerate ops from here; nothing else declares one."""
