"""The float math behind the ops, written so that it neither overflows nor cancels.

sigmoid, softplus and sech² go through e^-|x|, so no exponential overflows; the
derivatives that would subtract nearly equal numbers (1 - σ(x) for large x, 1 - tanh² in
the tails, cos x - sinc x near 0) are rewritten so nothing cancels. `autograd.ops` uses
these functions; the tests compare them with closed forms and mpmath.
"""

from __future__ import annotations

import functools
import math
import operator


def sigmoid(x: float) -> float:
    """σ(x) = 1 / (1 + e^-x), evaluated through e^-|x| so it never overflows."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def sigmoid_grad(out: float, x: float) -> float:
    """σ'(x) = σ(x) (1 - σ(x)) = σ(x) σ(-x); for x > 0, 1 - σ(x) would cancel to 0."""
    return out * (1.0 - out) if x <= 0.0 else out * sigmoid(-x)


def sech2(x: float) -> float:
    """sech²(x) = 1 - tanh(x)² = 4 e^-2|x| / (1 + e^-2|x|)², accurate far into the tails."""
    e = math.exp(-2.0 * abs(x))
    return 4.0 * e / ((1.0 + e) * (1.0 + e))


def tanh_grad(out: float, x: float) -> float:
    """tanh'(x) = 1 - tanh(x)²: from `out` near 0, from sech² where 1 - out² cancels."""
    return 1.0 - out * out if abs(x) < 0.5 else sech2(x)


def softplus(x: float) -> float:
    """ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|): no overflow for large x."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def elu(x: float, alpha: float) -> float:
    """elu(x) = x for x > 0, else α(e^x - 1), with expm1 so that small |x| keeps its digits."""
    return x if x > 0.0 else alpha * math.expm1(x)


def elu_grad(x: float, alpha: float) -> float:
    """elu'(x) = 1 for x > 0, else α e^x."""
    return 1.0 if x > 0.0 else alpha * math.exp(x)


def silu_grad(x: float) -> float:
    """silu'(x) = σ(x) (1 + x (1 - σ(x))), with 1 - σ(x) = σ(-x) so nothing cancels."""
    return sigmoid(x) * (1.0 + x * sigmoid(-x))


def mish_grad(x: float) -> float:
    """mish'(x) = tanh(sp) + x σ(x) sech²(sp), with sp = softplus(x)."""
    sp = softplus(x)
    return math.tanh(sp) + x * sigmoid(x) * sech2(sp)


def pow_grad(out: float, x: float, c: float) -> float:
    """d x^c / dx = c x^(c-1); at x = 0 it is 0 for c = 0 or c > 1, 1 for c = 1, and
    infinite for 0 < c < 1. Where c - 1 rounds to c (|c| ≥ 2⁵³) it is c · out / x. For
    c = 0 it is 0 everywhere (0 · x⁻¹ would overflow for a subnormal x)."""
    if c == 0.0:
        return 0.0
    if x != 0.0:
        return c * x ** (c - 1.0) if abs(c) < 2.0**53 else c * out / x
    if c > 1.0:
        return 0.0
    return 1.0 if c == 1.0 else math.inf


def pow_valid(x: float, c: float) -> bool:
    """x^c is real for x > 0, for x < 0 only with an integer c, and 0^c needs c ≥ 0."""
    return x > 0.0 or (x < 0.0 and c == int(c)) or (x == 0.0 and c >= 0.0)


def power_grads(out: float, a: float, b: float) -> tuple[float, float]:
    """∂(a^b)/∂a = b a^(b-1), ∂(a^b)/∂b = a^b ln a, which is 0 at a = 0 (where a^b = 0)."""
    return pow_grad(out, a, b), (out * math.log(a) if a > 0.0 else 0.0)


def sinc(x: float) -> float:
    """sinc(x) = sin(x) / x, and its limit 1 at x = 0."""
    return math.sin(x) / x if x != 0.0 else 1.0


def sinc_grad(out: float, x: float) -> float:
    """sinc'(x) = (cos x - sinc x) / x; near 0 the series -x/3 + x³/30 - x⁵/840 + x⁷/45360
    avoids the cancellation of cos x - sinc x."""
    if abs(x) < 0.1:
        x2 = x * x
        return x * (-1.0 / 3.0 + x2 * (1.0 / 30.0 + x2 * (-1.0 / 840.0 + x2 / 45360.0)))
    return (math.cos(x) - out) / x


def logsumexp(*xs: float) -> float:
    """ln Σ e^x_i = m + ln(1 + Σ_(i≠k) e^(x_i - m)) with m = x_k = max x_i: no term
    overflows, and log1p keeps the digits of a small sum (ln(1 + 2e-16) is 2e-16, not 0)."""
    k = xs.index(max(xs))
    m = xs[k]
    return m + math.log1p(math.fsum(math.exp(x - m) for i, x in enumerate(xs) if i != k))


def dot(*args: float) -> float:
    """Σ_i w_i x_i over the inputs w_1..w_n, x_1..x_n, added left to right, so that it
    equals the chain w_1 x_1 + w_2 x_2 + ... of one node per multiply and add exactly."""
    n = len(args) // 2
    return functools.reduce(operator.add, map(operator.mul, args[:n], args[n:]))


def dot_grads(out: float, *args: float) -> tuple[float, ...]:
    """∂(Σ w_j x_j)/∂w_i = x_i and ∂/∂x_i = w_i: the weights' and inputs' data, swapped."""
    n = len(args) // 2
    return args[n:] + args[:n]


def maximum_grads(out: float, a: float, b: float) -> tuple[float, float]:
    """The max node routes the gradient: (1, 0) if a > b, (0, 1) if b > a, (½, ½) on a tie."""
    if a == b:
        return 0.5, 0.5
    return (1.0, 0.0) if a > b else (0.0, 1.0)
