"""The array math behind the ops' batch forms, given the numpy module as `np`.

An op's batch form computes it for N samples at once, arrays of shape (N,) in place of
floats, and gives each sample's result bit for bit as the op's scalar rule does. numpy's
+, -, *, /, comparisons and sqrt are IEEE operations, rounded as Python's are; its exp,
log, tanh, log1p, expm1 and arctan are other implementations than libm's (math.*) and
differ from them by an ulp on some inputs, so every op that needs one of those (or sin,
cos, whose numpy form may change with the CPU) runs its scalar function on each element
(`each`). numpy is passed in, never imported, so that the table of ops and
`import autograd` run without it.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from itertools import repeat


def each(np, f: Callable[..., float], *args) -> object:
    """f(*args) for each element, on Python floats: the arrays among args have one shape,
    and a number stands for every element."""
    shape, columns = _columns(np, args)
    return np.fromiter(map(f, *columns), float, count=math.prod(shape)).reshape(shape)


def each_pair(np, f: Callable[..., tuple[float, float]], *args) -> tuple:
    """f(*args) for each element, where f returns two numbers: two arrays."""
    shape, columns = _columns(np, args)
    pairs = np.array(list(map(f, *columns)), float).reshape(*shape, 2)
    return pairs[..., 0], pairs[..., 1]


def _columns(np, args: tuple) -> tuple[tuple[int, ...], list]:
    shape = next(arg.shape for arg in args if isinstance(arg, np.ndarray))
    columns = [arg.ravel().tolist() if isinstance(arg, np.ndarray) else repeat(arg) for arg in args]
    return shape, columns


def per_sample(np, f: Callable[[list[float]], float], xs) -> object:
    """f(column) for each column of xs, the (k, N) inputs of an op of any number of inputs:
    one result per sample."""
    return np.fromiter(map(f, xs.T.tolist()), float, count=xs.shape[1])


def sign(np, x) -> object:
    """1 where x > 0, -1 where x < 0, 0 at ±0: |x|'s derivative, as the scalar rule has it."""
    return np.where(x > 0.0, 1.0, np.where(x < 0.0, -1.0, 0.0))


def maximum_grads(np, a, b) -> tuple:
    """max's routing (1, 0) where a > b, (0, 1) where b > a, (½, ½) on a tie."""
    tie, first = a == b, a > b
    to_a = np.where(tie, 0.5, np.where(first, 1.0, 0.0))
    return to_a, np.where(tie, 0.5, 1.0 - to_a)


def dot(np, xs) -> object:
    """Σ_i w_i x_i per sample, xs holding the rows w_1..w_n, x_1..x_n: the products added
    top to bottom, as the scalar dot adds them left to right. np.add.accumulate adds in
    that order by definition; np.add.reduce may add pairwise (it does for N = 1)."""
    n = len(xs) // 2
    products = xs[:n] * xs[n:]
    return np.add.accumulate(products, axis=0, out=products)[-1]


def dot_grads(np, out, xs) -> object:
    """∂/∂w_i = x_i and ∂/∂x_i = w_i: the rows of xs, halves swapped."""
    n = len(xs) // 2
    return np.concatenate((xs[n:], xs[:n]))


def power(np, a, b) -> object:
    """a^b per element (Python's **), NaN outside the domain a > 0, or a = 0 with b > 0,
    where ** may still give a number: (-2)² = 4, 0⁰ = 1."""
    inside = (a > 0.0) | ((a == 0.0) & (b > 0.0))
    return np.where(inside, each(np, operator.pow, np.where(inside, a, 1.0), b), math.nan)
