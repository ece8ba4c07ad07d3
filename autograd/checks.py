"""Checks of what users pass in, and the engine's error messages, in one place.

Every message starts with where the problem is (an op's name, `backward`, `l2: alpha`) and
shows the offending value, so that `autograd` and `nn` report bad input the same way:
a TypeError for the wrong kind of thing, a ValueError for a number out of range.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograd.ops import Op
    from autograd.value import Value


def is_finite(x: float) -> bool:
    """True for a finite float: x - x is 0 for every finite x, and NaN for ±inf and NaN."""
    return x - x == 0.0


def is_real(x: object) -> bool:
    """True for an int, a float or another real number; False for a bool, which is a flag."""
    return not isinstance(x, bool) and isinstance(x, Real)


def is_integer(x: object) -> bool:
    """True for an int or another integral number; False for a bool, which is a flag."""
    return not isinstance(x, bool) and isinstance(x, Integral)


def number(where: str, x: object, expected: str = "a real number") -> float:
    """`x` as a finite float, or a TypeError or ValueError that starts with `where`.

    >>> number("l2: alpha", 2)
    2.0
    >>> number("l2: alpha", "2")
    Traceback (most recent call last):
    TypeError: l2: alpha: expected a real number, got '2' (str)
    """
    if x.__class__ is float and x - x == 0.0:
        return x
    if not is_real(x):
        raise TypeError(f"{where}: expected {expected}, got {x!r} ({type(x).__name__})")
    try:
        x = float(x)
    except OverflowError:
        bits = abs(x).bit_length()  # str() of an int over 4300 digits is itself an error
        digits = len(str(abs(x))) if bits < 14_000 else f"about {int(bits * math.log10(2)) + 1}"
        raise ValueError(
            f"{where}: an integer of {digits} digits is too large for a float"
        ) from None
    if not is_finite(x):
        raise ValueError(f"{where}: expected a finite number, got {x}")
    return x


def numbers(where: str, xs: tuple[object, ...]) -> tuple[float, ...]:
    """Each of `xs` as a finite float (see `number`), where a Value could also stand; a
    tuple of finite floats, such as an image's pixels, is returned as it is."""
    if are_finite_floats(xs):
        return xs
    return tuple(number(where, x, "a Value or a real number") for x in xs)


def are_finite_floats(xs: tuple[object, ...]) -> bool:
    """True if every x is a finite float, found in bulk (their sum is finite; a sum that
    overflows makes this False, and a caller then checks one by one)."""
    return set(map(type, xs)) <= _FLOAT and is_finite(sum(xs))


_FLOAT = frozenset({float})


def label(x: object) -> str:
    """A Value's label: a str, or a TypeError (with a hint for micrograd's `_children`)."""
    if isinstance(x, str):
        return x
    hint = (
        " (micrograd's _children argument: here an op makes a node and records its"
        " parents; Value(x) makes a leaf)"
        if isinstance(x, (tuple, list, set))
        else ""
    )
    raise TypeError(f"Value: label must be a str, got {x!r} ({type(x).__name__}){hint}")


def integer(where: str, x: object, minimum: int | None = None) -> int:
    """`x` as an int of at least `minimum`: a TypeError for a non-integer (or a bool), a
    ValueError below the minimum.

    >>> integer("LinearLR: total_iters", 0, minimum=1)
    Traceback (most recent call last):
    ValueError: LinearLR: total_iters must be >= 1, got 0
    """
    if not is_integer(x):
        raise TypeError(f"{where} must be an int, got {x!r} ({type(x).__name__})")
    if minimum is not None and x < minimum:
        raise ValueError(f"{where} must be >= {minimum}, got {x}")
    return int(x)


def params(op: Op, given: dict[str, float]) -> tuple[float, ...]:
    """The values of `op`'s params in its order: those `given` by name, or the defaults;
    a TypeError for an unknown or missing param, as for a number that is not real."""
    unknown = given.keys() - op.param_defaults.keys()
    if unknown:
        raise TypeError(f"{op.name}: unknown param {sorted(unknown)[0]!r}")
    missing = [n for n, default in op.param_defaults.items() if default is None and n not in given]
    if missing:
        raise TypeError(f"{op.name}: missing param {missing[0]!r}")
    return tuple(
        number(f"{op.name}: param {name}", given.get(name, default))
        for name, default in op.param_defaults.items()
    )


def show(op: Op, args: tuple[float, ...]) -> str:
    """`x = -1.0` or `a = 1.0, b = 0.0`: the op's inputs and params by name."""
    if op.arity is None:
        return "inputs " + ", ".join(map(repr, args))
    if op.base is not None:
        names = ["a", "b"]
    else:
        names = ["x"] if op.arity == 1 else ["a", "b"]
        names += list(op.param_defaults)
    return ", ".join(f"{name} = {x!r}" for name, x in zip(names, args))


def check_domain(op: Op, args: tuple[float, ...], out: float | None = None) -> None:
    """Raise the error for `op` at `args`, if any: an input that is NaN or infinite, a
    point outside the op's domain, or a result `out` that overflowed."""
    where = show(op, args)
    if any(x != x for x in args):
        raise ValueError(f"{op.name}: an input is NaN ({where})")
    if not all(map(is_finite, args)):
        raise ValueError(f"{op.name}: an input is not finite ({where})")
    if op.valid is not None and not op.valid(*args):
        raise op.error(f"{op.name}: {where} is outside the domain {op.domain}")
    if out is not None and not is_finite(out):
        raise OverflowError(f"{op.name}: the result at {where} is {out}, not a finite float")


def checked(op: Op, args: tuple[float, ...], out: object) -> float:
    """The result `out` of `op` at `args` as a float, or the error that says what is wrong:
    a result that is not a real number (a custom op's forward), or see `check_domain`."""
    check_domain(op, args)
    if not is_real(out):
        raise TypeError(
            f"{op.name}: the forward function returned {out!r} ({type(out).__name__}) at "
            f"{show(op, args)}, not a real number"
        )
    try:
        out = float(out)
    except OverflowError:
        out = math.inf
    check_domain(op, args, out)
    return out


def cannot_compute(op: Op, args: tuple[float, ...], error: Exception) -> Exception:
    """The error for a forward function that raised: the domain's, or the original reworded."""
    check_domain(op, args)
    return type(error)(f"{op.name}: cannot compute it at {show(op, args)}: {error}")


def cannot_differentiate(
    op: Op, args: tuple[float, ...], problem: tuple[float, ...] | Exception
) -> ValueError:
    """The error for local derivatives that are not finite floats, such as √x' at 0."""
    return ValueError(
        f"{op.name}: the local derivatives at {show(op, args)} are not finite ({problem}); "
        f"{op.rule}. For the value alone, compute it under no_grad()"
    )


def overflowed(node: Value, grad: float) -> OverflowError:
    """The error for a backward pass whose messages overflow a float at `node`."""
    name = node.label or (node.op.name if node.op else "leaf")
    return OverflowError(
        f"backward: the gradient of {name!r} (data {node.data!r}) would be {grad}: the "
        "messages overflowed a float; every grad is left as it was before this pass"
    )
