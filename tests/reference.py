"""What the tests compare the op table against, and the inputs they draw for each op.

`CLOSED_FORMS` writes every op as the lectures' tables do, naively (so only for moderate
inputs); `LECTURE_DERIVATIVES` holds the derivatives the CMSC 389A table lists;
`torch_function` maps each op to PyTorch. All three must name every op in the table.
`bits` and `outcome` compare two ways of computing, bit for bit and error for error.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import ModuleType

from hypothesis import strategies as st

from autograd import OPS, Op

e = math.e

CLOSED_FORMS: dict[str, Callable[..., float]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "neg": lambda x: -x,
    "pow": lambda x, c: x**c,
    "power": lambda a, b: a**b,
    "abs": lambda x: x if x >= 0 else -x,
    "exp": lambda x: e**x,
    "log": math.log,
    "sqrt": lambda x: x**0.5,
    "sin": math.sin,
    "cos": math.cos,
    "identity": lambda x: x,
    "step": lambda x: 0.0 if x < 0 else 1.0,
    "relu": lambda x: max(0.0, x),
    "leaky_relu": lambda x, alpha: alpha * x if x < 0 else x,
    "elu": lambda x, alpha: x if x >= 0 else alpha * (e**x - 1),
    "sigmoid": lambda x: 1 / (1 + e**-x),
    "tanh": lambda x: (1 - e ** (-2 * x)) / (1 + e ** (-2 * x)),
    "softplus": lambda x: math.log(1 + e**x),
    "log_sigmoid": lambda x: math.log(1 / (1 + e**-x)),
    "softsign": lambda x: x / (1 + abs(x)),
    "arctan": math.atan,
    "silu": lambda x: x / (1 + e**-x),
    "mish": lambda x: x * math.tanh(math.log(1 + e**x)),
    "sinc": lambda x: math.sin(x) / x if x != 0 else 1.0,
    "maximum": max,
    "sum": lambda *xs: sum(xs),
    "logsumexp": lambda *xs: math.log(sum(e**x for x in xs)),
    "dot": lambda *xs: sum(w * x for w, x in zip(xs[: len(xs) // 2], xs[len(xs) // 2 :])),
}

LECTURE_DERIVATIVES: dict[str, Callable[..., float]] = {
    "identity": lambda x: 1.0,
    "step": lambda x: 0.0,
    "sigmoid": lambda x: CLOSED_FORMS["sigmoid"](x) * (1 - CLOSED_FORMS["sigmoid"](x)),
    "tanh": lambda x: 1 - CLOSED_FORMS["tanh"](x) ** 2,
    "arctan": lambda x: 1 / (x**2 + 1),
    "relu": lambda x: 0.0 if x < 0 else 1.0,
    "leaky_relu": lambda x, alpha: alpha if x < 0 else 1.0,
    "elu": lambda x, alpha: CLOSED_FORMS["elu"](x, alpha) + alpha if x < 0 else 1.0,
    "softplus": lambda x: 1 / (1 + e**-x),
}


def mpmath_function(name: str) -> Callable[..., object]:
    """Op `name` (one input) in mpmath, for 40-digit references of values and derivatives."""
    import mpmath as mp

    sigmoid = lambda x: 1 / (1 + mp.exp(-x))  # noqa: E731
    softplus = lambda x: mp.log1p(mp.exp(x))  # noqa: E731
    functions: dict[str, Callable[..., object]] = {
        "neg": lambda x: -x,
        "pow": lambda x, c: mp.power(x, c),
        "abs": mp.fabs,
        "exp": mp.exp,
        "log": mp.log,
        "sqrt": mp.sqrt,
        "sin": mp.sin,
        "cos": mp.cos,
        "identity": lambda x: x,
        "step": lambda x: mp.mpf(0 if x < 0 else 1),
        "relu": lambda x: max(mp.mpf(0), x),
        "leaky_relu": lambda x, alpha: x if x > 0 else alpha * x,
        "elu": lambda x, alpha: x if x > 0 else alpha * mp.expm1(x),
        "sigmoid": sigmoid,
        "tanh": mp.tanh,
        "softplus": softplus,
        "log_sigmoid": lambda x: -mp.log1p(mp.exp(-x)),
        "softsign": lambda x: x / (1 + mp.fabs(x)),
        "arctan": mp.atan,
        "silu": lambda x: x * sigmoid(x),
        "mish": lambda x: x * mp.tanh(softplus(x)),
        "sinc": lambda x: mp.sin(x) / x if x != 0 else mp.mpf(1),
    }
    return functions[name]


def torch_function(torch: ModuleType, name: str) -> Callable[..., object] | None:
    """The PyTorch counterpart of op `name` on float64 tensors (None: torch has no gradient)."""
    F = torch.nn.functional
    functions: dict[str, Callable[..., object] | None] = {
        "add": torch.add,
        "sub": torch.sub,
        "mul": torch.mul,
        "div": torch.div,
        "neg": torch.neg,
        "pow": torch.pow,
        "power": torch.pow,
        "abs": torch.abs,
        "exp": torch.exp,
        "log": torch.log,
        "sqrt": torch.sqrt,
        "sin": torch.sin,
        "cos": torch.cos,
        "identity": torch.nn.Identity(),
        "step": None,
        "relu": F.relu,
        "leaky_relu": F.leaky_relu,
        "elu": F.elu,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "softplus": F.softplus,
        "log_sigmoid": F.logsigmoid,
        "softsign": F.softsign,
        "arctan": torch.atan,
        "silu": F.silu,
        "mish": F.mish,
        "sinc": lambda x: torch.sinc(x / math.pi),
        "maximum": torch.maximum,
        "sum": lambda *xs: torch.stack(xs).sum(),
        "logsumexp": lambda *xs: torch.logsumexp(torch.stack(xs), 0),
        "dot": lambda *xs: torch.dot(
            torch.stack(xs[: len(xs) // 2]), torch.stack(xs[len(xs) // 2 :])
        ),
    }
    return functions[name]


PARAMS: dict[str, st.SearchStrategy[float]] = {
    "alpha": st.floats(0.01, 2.0),
    "exponent": st.one_of(
        st.integers(-3, 4).map(float), st.floats(-2.5, 3.5), st.sampled_from([0.5, 2.0])
    ),
}


def inputs(
    op: Op, *, low: float = -10.0, high: float = 10.0, away_from_zero: float = 0.0
) -> st.SearchStrategy[tuple[float, ...]]:
    """(*inputs, *params) for `op` inside its domain, away from its singular points by 1e-3.

    `away_from_zero` keeps inputs off poles at 0 (1/x, log x, x^-2), where finite
    differences lose their accuracy.
    """
    number = st.floats(low, high).filter(lambda x: abs(x) >= away_from_zero)
    count = st.integers(1, 6) if op.arity is None else st.just(op.arity)
    values = count.flatmap(lambda n: st.tuples(*[number] * n))
    params = st.tuples(*[PARAMS[name] for name in op.param_defaults])
    args = st.tuples(values, params).map(lambda pair: pair[0] + pair[1])
    return args.filter(lambda args: _inside(op, args))


def _inside(op: Op, args: tuple[float, ...]) -> bool:
    if op.valid is not None and not op.valid(*args):
        return False
    if op.singularity is not None and op.singularity(*args) < 1e-3:
        return False
    return not (op.name == "power" and args[0] > 0.0 and abs(args[1] * math.log(args[0])) > 50)


def split(op: Op, args: tuple[float, ...]) -> tuple[tuple[float, ...], dict[str, float]]:
    """(inputs, params by name) from the flat `args` that `inputs(op)` draws."""
    n = len(args) - len(op.param_defaults)
    return args[:n], dict(zip(op.param_defaults, args[n:]))


ALL_OPS = list(OPS.values())
"""Every op of the table: per-op tests run over all of them, never a hand-picked few."""


def bits(xs) -> list[str]:
    """Floats (or nested lists and tuples of them) as their exact hex forms, to compare bit
    for bit."""
    if isinstance(xs, float):
        return [xs.hex()]
    return [h for x in xs for h in bits(x)]


def outcome(run: Callable[[], object]) -> object:
    """What `run()` returns, or the type and message of what it raises."""
    try:
        return run()
    except (ArithmeticError, ValueError) as error:
        return (type(error), str(error))
