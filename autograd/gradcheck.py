"""Check a function's gradients against central finite differences.

For a direction v, (f(x + ε v) - f(x - ε v)) / 2ε approximates the directional derivative
∇f(x) · v with an error of order ε²; it must agree with the ∇f that `backward()` computes
within `atol + rtol · |numerical|`, the tolerance `torch.autograd.gradcheck` uses. The
directions are the unit vectors e_i by default, one per input (each partial derivative on
its own row), or a few random unit vectors for functions of many inputs, as HIPS
autograd's `check_grads` and jax's `check_grads` do: 2 evaluations of f per direction
instead of 2 per input.

Central differences are only as good as f itself: an error δ in f's values moves them by
up to about δ / ε. Where f loses precision — (1 - cos x) / x² at x = 1e-4 keeps about 8 of
a float's 16 digits, since 1 - cos x cancels — that is more than any tolerance, and a right
derivative disagrees. So for each derivative that disagrees, gradcheck estimates f's own
rounding noise at the point (from 9 more evaluations of f) and says which it is: a
derivative that disagrees by more than f's rounding explains (WRONG), or one that finite
differences cannot check there (UNCHECKED).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from autograd import checks
from autograd.blame import Blame, blame
from autograd.grad_mode import enable_grad, no_grad
from autograd.value import Value


@dataclass(frozen=True)
class Comparison:
    """One direction's derivative, by backward and by central differences.

    `input` is the input's position for a partial derivative (the direction e_input);
    otherwise `direction` is the random unit vector v. For a derivative that disagrees,
    `noise` is the rounding noise of f's values near the point along that direction (a
    standard deviation), and `rounding` how far that noise can move the central
    difference; both are 0.0 for a derivative that agrees (they are not estimated).
    """

    input: int | None
    direction: tuple[float, ...] | None
    backward: float
    numerical: float
    tolerance: float
    noise: float = 0.0
    rounding: float = 0.0

    @property
    def error(self) -> float:
        return abs(self.backward - self.numerical)

    @property
    def ok(self) -> bool:
        return self.error <= self.tolerance

    @property
    def unchecked(self) -> bool:
        """Whether the derivative disagrees by no more than f's own rounding explains:
        finite differences cannot tell here whether it is right."""
        return not self.ok and self.error <= self.tolerance + self.rounding

    @property
    def verdict(self) -> str:
        return "ok" if self.ok else "UNCHECKED" if self.unchecked else "WRONG"

    @property
    def name(self) -> str:
        return f"∂f/∂x{self.input}" if self.input is not None else "∇f · v"


@dataclass(frozen=True)
class GradcheckReport:
    """Every comparison gradcheck made at `point`, one row per direction; `value` is f there.

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
    value: float | None = None
    root: Value | None = field(default=None, repr=False, compare=False)
    """The graph of f at the point, after backward: what `blame` reads."""

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
            why = (
                f": f's rounding moves finite differences by ±{c.rounding:.2g}"
                if c.unchecked
                else ""
            )
            where = "" if c.input is not None else f"  v = {_short(c.direction)}"
            lines.append(
                f"  {c.name:<8} backward {c.backward:.6g}  finite differences {c.numerical:.6g}"
                f"  error {c.error:.3g}  {c.verdict}{why}{where}"
            )
        return "\n".join(lines)

    def _where(self, c: Comparison) -> str:
        if c.input is None:
            return "a random direction"
        return f"input {c.input} (x{c.input} = {self.point[c.input]!r})"


class GradcheckError(AssertionError):
    """The gradients from backward() disagree with finite differences; `report` has them.

    The message blames the derivative that disagrees most by more than f's own rounding
    explains; when f's rounding explains every disagreement, it says that instead. Then
    it names the edges of f's graph whose local derivative is wrong (`blame`, also kept
    as `self.blame`), or says that every edge agrees with its op.
    """

    def __init__(self, report: GradcheckReport) -> None:
        wrong = [c for c in report.failures if not c.unchecked]
        worst = max(wrong or report.failures, key=lambda c: c.error)
        count = f"{len(report.failures)} of {len(report.comparisons)} derivatives disagree"
        if wrong:
            message = (
                f"gradcheck: {count}; worst error {worst.error:.3g} at {report._where(worst)}: "
                f"backward gives {worst.backward!r}, finite differences expect "
                f"{worst.numerical!r}"
            )
            if worst.rounding > worst.tolerance:
                message += (
                    f" (f's own rounding moves finite differences by up to "
                    f"{worst.rounding:.2g} there: not enough to explain this)"
                )
        else:
            message = (
                f"gradcheck: {count} with finite differences, but f's own rounding explains "
                f"it: near {report._where(worst)}, {_precision(report.value, worst.noise)}, "
                f"which moves central differences with eps={report.eps} by up to "
                f"{worst.rounding:.2g}, more than the disagreement {worst.error:.3g} "
                f"(backward {worst.backward:.6g}, finite differences {worst.numerical:.6g}). "
                f"That is f's own conditioning (such as cancellation between nearly equal "
                f"numbers), not evidence against the derivative, which finite differences "
                f"cannot check at this point: compute f so that it keeps its precision here, "
                f"or check the derivative at other points"
            )
        self.blame: Blame | None = None if report.root is None else blame(report.root)
        if self.blame is not None:
            message += "\n" + str(self.blame)
        super().__init__(f"{message}\n{report}")
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

    A derivative that disagrees only by as much as f's own rounding explains (f loses
    precision at the point, see the module's docstring) still fails: finite differences
    cannot confirm it there, and passing it would pass a wrong derivative at exactly such
    points. The error says so — f's conditioning, not the derivative — instead of
    blaming the derivative.

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
    For one that does not, f is evaluated 9 more times along its direction to estimate
    f's rounding noise there (`Comparison.noise`, `rounding` and `unchecked`).
    """
    if not eps > 0.0:
        raise ValueError(f"gradcheck: eps must be a positive number, got {eps!r}")
    if not inputs:
        raise ValueError("gradcheck: f needs at least one input to check")
    if directions is not None and (not checks.is_integer(directions) or directions < 1):
        raise ValueError(
            f"gradcheck: directions must be a positive int or None, got {directions!r}"
        )
    leaves = [
        Value(x.data if isinstance(x, Value) else x, label=f"x{i}") for i, x in enumerate(inputs)
    ]
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
        along = v if v is not None else tuple(float(i == j) for j in range(len(point)))
        numerical = (_at(f, point, along, eps) - _at(f, point, along, -eps)) / (2.0 * eps)
        comparison = Comparison(i, v, backward, numerical, atol + rtol * abs(numerical))
        if not comparison.ok:
            noise = _noise(f, point, along, eps / 16.0)
            # 3 standard deviations of (e⁺ - e⁻) / 2ε, with e± independent errors of
            # standard deviation `noise` in f(x ± ε v).
            rounding = 3.0 * math.sqrt(2.0) * noise / (2.0 * eps)
            comparison = dataclasses.replace(comparison, noise=noise, rounding=rounding)
        comparisons.append(comparison)
    return GradcheckReport(point, tuple(comparisons), eps, atol, rtol, out.data, out)


def _at(f: Callable[..., Value], point: tuple[float, ...], v: tuple[float, ...], t: float) -> float:
    """f(x + t v), without recording a graph."""
    with no_grad():
        return f(*(Value(x + t * d) for x, d in zip(point, v))).data


def _noise(
    f: Callable[..., Value], point: tuple[float, ...], v: tuple[float, ...], h: float
) -> float:
    """The standard deviation of f's rounding noise near `point` along v, or 0.0 where none
    shows (or f cannot be evaluated that close).

    Moré and Wild's ECnoise (SIAM J. Sci. Comput. 33, 2011): f at 9 points h apart; the
    k-th differences of a smooth function shrink like h^k, while those of noise of standard
    deviation σ keep a mean square of σ² (2k)! / (k!)². The estimate is the first level k
    at which three successive levels agree within a factor 4 and the k-th differences
    change sign, so that they are noise, not the smooth part. With h = ε / 16 the points
    stay inside the central difference's own interval.
    """
    try:
        values = [_at(f, point, v, (k - 4) * h) for k in range(9)]
    except (ArithmeticError, ValueError):
        return 0.0
    levels, signs, gamma = [], [], 1.0
    for k in range(1, 8):
        values = [b - a for a, b in itertools.pairwise(values)]
        gamma *= k / (2.0 * (2 * k - 1))  # (k!)² / (2k)!
        levels.append(math.sqrt(gamma * math.fsum(d * d for d in values) / len(values)))
        signs.append(min(values) < 0.0 < max(values))
    for k in range(len(levels) - 2):
        if signs[k] and max(levels[k : k + 3]) <= 4.0 * min(levels[k : k + 3]):
            return levels[k]
    return 0.0


def _precision(value: float | None, noise: float) -> str:
    """How many significant digits f's value keeps against its rounding noise, in words."""
    if not value:
        return f"f's rounding noise is about {noise:.2g}"
    digits = max(0, round(-math.log10(noise / abs(value))))
    return f"f = {value:.6g} keeps about {digits} significant digits (rounding noise {noise:.2g})"


def _unit(vector: list[float]) -> tuple[float, ...]:
    norm = math.sqrt(math.fsum(x * x for x in vector))
    return tuple(x / norm for x in vector)


def _short(vector: tuple[float, ...]) -> str:
    shown = ", ".join(f"{x:.3g}" for x in vector[:4])
    return f"({shown}{', …' if len(vector) > 4 else ''})"
