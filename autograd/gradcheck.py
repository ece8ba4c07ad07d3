"""Check a function's gradients against central finite differences.

For a direction v, (f(x + ε v) - f(x - ε v)) / 2ε approximates the directional derivative
∇f(x) · v with an error of order ε²; it must agree with the ∇f that `backward()` computes
within `atol + rtol · |numerical|`, the tolerance `torch.autograd.gradcheck` uses. The
directions are the unit vectors e_i by default, one per input (each partial derivative on
its own row), or a few random unit vectors for functions of many inputs, as HIPS
autograd's `check_grads` and jax's `check_grads` do: 2 evaluations of f per direction
instead of 2 per input.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from autograd.value import Value, enable_grad, no_grad


@dataclass(frozen=True)
class Comparison:
    """One direction's derivative, by backward and by central differences.

    `input` is the input's position for a partial derivative (the direction e_input);
    otherwise `direction` is the random unit vector v.
    """

    input: int | None
    direction: tuple[float, ...] | None
    backward: float
    numerical: float
    tolerance: float

    @property
    def error(self) -> float:
        return abs(self.backward - self.numerical)

    @property
    def ok(self) -> bool:
        return self.error <= self.tolerance

    @property
    def name(self) -> str:
        return f"∂f/∂x{self.input}" if self.input is not None else "∇f · v"


@dataclass(frozen=True)
class GradcheckReport:
    """Every comparison gradcheck made at `point`, one row per direction.

    >>> print(gradcheck_report(lambda a, b: a * b, [2.0, 3.0]))
    gradcheck at (2.0, 3.0): 2 of 2 derivatives agree (atol=1e-05, rtol=0.001, eps=1e-06)
      ∂f/∂x0   backward 3  finite differences 3  error 2.48e-11  ok
      ∂f/∂x1   backward 2  finite differences 2  error 2.8e-10  ok
    """

    point: tuple[float, ...]
    comparisons: tuple[Comparison, ...]
    eps: float
    atol: float
    rtol: float

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.comparisons)

    @property
    def failures(self) -> list[Comparison]:
        return [c for c in self.comparisons if not c.ok]

    def __str__(self) -> str:
        agree = len(self.comparisons) - len(self.failures)
        point = (
            repr(self.point)
            if len(self.point) <= 4
            else f"{_short(self.point)} ({len(self.point)} inputs)"
        )
        lines = [
            f"gradcheck at {point}: {agree} of {len(self.comparisons)} derivatives agree "
            f"(atol={self.atol}, rtol={self.rtol}, eps={self.eps})"
        ]
        for c in self.comparisons:
            where = "" if c.input is not None else f"  v = {_short(c.direction)}"
            lines.append(
                f"  {c.name:<8} backward {c.backward:.6g}  finite differences {c.numerical:.6g}"
                f"  error {c.error:.3g}  {'ok' if c.ok else 'WRONG'}{where}"
            )
        return "\n".join(lines)


class GradcheckError(AssertionError):
    """The gradients from backward() disagree with finite differences; `report` has them."""

    def __init__(self, report: GradcheckReport) -> None:
        worst = max(report.failures, key=lambda c: c.error)
        input = (
            f"input {worst.input} (x{worst.input} = {report.point[worst.input]!r})"
            if worst.input is not None
            else "a random direction"
        )
        super().__init__(
            f"gradcheck: {len(report.failures)} of {len(report.comparisons)} derivatives "
            f"disagree; worst error {worst.error:.3g} at {input}: backward gives "
            f"{worst.backward!r}, finite differences expect {worst.numerical!r}\n{report}"
        )
        self.report = report


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Value | float],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    directions: int | None = None,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool:
    """Compare `backward()` through `f(*inputs)` with central differences at `inputs`.

    `f` takes one Value per input (any number of them) and returns a Value. Returns True
    when every derivative agrees; otherwise raises `GradcheckError`, whose message names
    the worst input and lists every derivative compared (or returns False with
    `raise_exception=False`). See `gradcheck_report` for the options.

    >>> gradcheck(lambda x, y: x * y.sin(), [2.0, 0.5])
    True
    """
    report = gradcheck_report(
        f, inputs, eps=eps, atol=atol, rtol=rtol, directions=directions, seed=seed
    )
    if report.ok:
        return True
    if raise_exception:
        raise GradcheckError(report)
    return False


def gradcheck_report(
    f: Callable[..., Value],
    inputs: Sequence[Value | float],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    directions: int | None = None,
    seed: int = 0,
) -> GradcheckReport:
    """Every derivative of `f` at `inputs` by backward and by central differences.

    With `directions=None` each partial derivative ∂f/∂x_i is compared (2 evaluations of f
    per input); with `directions=k`, k random unit vectors v drawn with `seed` and the
    directional derivatives ∇f · v (2 evaluations per direction, whatever the number of
    inputs). A derivative agrees when |backward - numerical| ≤ atol + rtol · |numerical|.
    """
    if not eps > 0.0:
        raise ValueError(f"gradcheck: eps must be a positive number, got {eps!r}")
    if not inputs:
        raise ValueError("gradcheck: f needs at least one input to check")
    if directions is not None and (
        isinstance(directions, bool) or not isinstance(directions, int) or directions < 1
    ):
        raise ValueError(
            f"gradcheck: directions must be a positive int or None, got {directions!r}"
        )
    leaves = [Value(x.data if isinstance(x, Value) else x) for x in inputs]
    point = tuple(leaf.data for leaf in leaves)
    with enable_grad():
        out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {out!r} ({type(out).__name__})")
    out.backward()
    gradient = [leaf.grad for leaf in leaves]
    if directions is None:
        rows = [(i, None, gradient[i]) for i in range(len(point))]
    else:
        rng = random.Random(seed)
        vectors = [_unit([rng.gauss(0.0, 1.0) for _ in point]) for _ in range(directions)]
        rows = [(None, v, math.fsum(map(float.__mul__, gradient, v))) for v in vectors]
    comparisons = []
    for i, v, backward in rows:
        numerical = _central_difference(f, point, i, v, eps)
        tolerance = atol + rtol * abs(numerical)
        comparisons.append(Comparison(i, v, backward, numerical, tolerance))
    return GradcheckReport(point, tuple(comparisons), eps, atol, rtol)


def _central_difference(
    f: Callable[..., Value],
    point: tuple[float, ...],
    i: int | None,
    v: tuple[float, ...] | None,
    eps: float,
) -> float:
    """(f(x + ε v) - f(x - ε v)) / 2ε along e_i, or along v when i is None."""
    if v is None:
        v = tuple(float(i == j) for j in range(len(point)))
    with no_grad():
        up = f(*(Value(x + eps * d) for x, d in zip(point, v))).data
        down = f(*(Value(x - eps * d) for x, d in zip(point, v))).data
    return (up - down) / (2.0 * eps)


def _unit(vector: list[float]) -> tuple[float, ...]:
    norm = math.sqrt(math.fsum(x * x for x in vector))
    return tuple(x / norm for x in vector)


def _short(vector: tuple[float, ...]) -> str:
    shown = ", ".join(f"{x:.3g}" for x in vector[:4])
    return f"({shown}{', …' if len(vector) > 4 else ''})"
