"""Check a function's gradients against central finite differences.

For each input x_i, (f(x + ε e_i) - f(x - ε e_i)) / 2ε approximates ∂f/∂x_i with an
error of order ε²; it must agree with what `backward()` computes within
`atol + rtol · |numerical|`, the tolerance `torch.autograd.gradcheck` uses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autograd.value import Value, enable_grad, no_grad


class GradcheckError(AssertionError):
    """The gradients from backward() disagree with finite differences."""


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Value | float],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Compare `backward()` through `f(*inputs)` with central differences at `inputs`.

    `f` takes one Value per input and returns a Value. Returns True when every partial
    derivative agrees; otherwise raises `GradcheckError` naming each failing input with
    both derivatives and the worst error (or returns False with `raise_exception=False`).

    >>> gradcheck(lambda x, y: x * y.sin(), [2.0, 0.5])
    True
    """
    if not eps > 0.0:
        raise ValueError(f"gradcheck: eps must be a positive number, got {eps!r}")
    leaves = [Value(x.data if isinstance(x, Value) else x) for x in inputs]
    point = [leaf.data for leaf in leaves]
    with enable_grad():
        out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {out!r} ({type(out).__name__})")
    out.backward()
    failures = []
    for i, leaf in enumerate(leaves):
        numerical = _central_difference(f, point, i, eps)
        error = abs(leaf.grad - numerical)
        if not error <= atol + rtol * abs(numerical):
            failures.append((error, i, leaf.grad, numerical))
    if not failures:
        return True
    if not raise_exception:
        return False
    lines = [
        f"  input {i} (x = {point[i]!r}): backward {analytical!r}, "
        f"finite differences {numerical!r}, error {error:.3g}"
        for error, i, analytical, numerical in failures
    ]
    worst = max(failures)
    raise GradcheckError(
        f"gradcheck: {len(failures)} of {len(point)} partial derivatives disagree "
        f"(atol={atol}, rtol={rtol}, eps={eps}); worst error {worst[0]:.3g} at input {worst[1]}\n"
        + "\n".join(lines)
    )


def _central_difference(f: Callable[..., Value], point: list[float], i: int, eps: float) -> float:
    with no_grad():
        shifted = list(point)
        shifted[i] = point[i] + eps
        up = f(*map(Value, shifted)).data
        shifted[i] = point[i] - eps
        down = f(*map(Value, shifted)).data
    return (up - down) / (2.0 * eps)
