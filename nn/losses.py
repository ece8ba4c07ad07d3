"""Losses: one scalar Value that measures how far predictions are from their targets.

Each loss is a small graph: a few nodes per sample, then one n-ary Σ node
(`autograd.sum`) over every sample's terms, then at most one node that scales the total.
A drawing of the loss stays readable, and backward reaches each prediction in a few edges.

Predictions and targets are each a Value or a number, or equal-length sequences of them.
A number among the predictions becomes a leaf Value. A number among the targets stays a
constant of the ops, with no node and no gradient, as in PyTorch; a Value target gets a
gradient too. `reduction="mean"` divides the sum over samples by their number and
`reduction="sum"` does not, as in PyTorch's losses.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Real
from typing import Literal

import autograd
from autograd import Value, checks

Reduction = Literal["mean", "sum"]
Scalars = Value | float | Iterable[Value | float]

LOG_FLOOR = -100.0
"""binary_cross_entropy clamps ln p and ln(1 - p) at this value, as PyTorch does."""


def sse(predictions: Scalars, targets: Scalars) -> Value:
    """The lectures' squared error E = ½ Σ_i (r_i - y_i)², summed over samples, not averaged.

    The ½ cancels the 2 of the square, so ∂E/∂r_i = r_i - y_i: the output error of the
    backprop lectures.

    >>> r = Value(0.75)
    >>> loss = sse(r, 1.0)
    >>> loss.backward()
    >>> loss.data, r.grad
    (0.03125, -0.25)
    """
    rs, ys = _pairs("sse", predictions, targets)
    return _total([(r - y) ** 2 for r, y in zip(rs, ys)]) * 0.5


def mse(predictions: Scalars, targets: Scalars, *, reduction: Reduction = "mean") -> Value:
    """Mean squared error (1/n) Σ_i (r_i - y_i)², or the plain sum: torch's MSELoss.

    ∂/∂r_i = 2 (r_i - y_i) / n for the mean, 2 (r_i - y_i) for the sum.

    >>> mse([Value(1.0), Value(2.0)], [0.0, 0.0]).data
    2.5
    """
    _check_reduction("mse", reduction)
    rs, ys = _pairs("mse", predictions, targets)
    return _reduce([(r - y) ** 2 for r, y in zip(rs, ys)], len(rs), reduction)


def binary_cross_entropy(
    probabilities: Scalars, targets: Scalars, *, reduction: Reduction = "mean"
) -> Value:
    """-(1/n) Σ_i [y_i ln p_i + (1 - y_i) ln(1 - p_i)] for probabilities p_i in [0, 1].

    ∂/∂p_i = (p_i - y_i) / (p_i (1 - p_i)) / n: it grows without bound as p_i nears the
    wrong end, so a p of exactly 0 or 1 would give ln 0. As in PyTorch, each logarithm is
    clamped at -100 instead: where ln p < -100 the term is the constant -100, with no
    gradient through it. (PyTorch's gradient is instead (p - y) / max(p (1 - p), 1e-12),
    which differs from the derivative when p (1 - p) < 1e-12.) For probabilities that come
    out of a sigmoid, `binary_cross_entropy_with_logits` of its input is exact everywhere.

    >>> round(binary_cross_entropy(Value(0.8), 1.0).data, 12)
    0.223143551314
    >>> binary_cross_entropy(Value(0.0), 1.0).data
    100.0
    """
    _check_reduction("binary_cross_entropy", reduction)
    ps, ys = _pairs("binary_cross_entropy", probabilities, targets)
    terms = []
    for i, (p, y) in enumerate(zip(ps, ys)):
        if not 0.0 <= p.data <= 1.0:
            raise ValueError(
                f"binary_cross_entropy: probability {i} is {p.data!r}, outside [0, 1]; "
                "for scores (logits) use binary_cross_entropy_with_logits"
            )
        _check_target("binary_cross_entropy", i, y)
        terms += [y * _clamped_log(p), (1.0 - y) * _clamped_log(1.0 - p)]
    return _reduce(terms, len(ps), reduction, negate=True)


def binary_cross_entropy_with_logits(
    logits: Scalars, targets: Scalars, *, reduction: Reduction = "mean"
) -> Value:
    """-(1/n) Σ_i [y_i ln σ(z_i) + (1 - y_i) ln σ(-z_i)]: binary cross-entropy of p = σ(z).

    ln σ is one op (`log_sigmoid`) that never overflows, so any finite logit z gives a
    finite loss, and ∂/∂z_i = (σ(z_i) - y_i) / n: the prediction's error.

    >>> z = Value(0.0)
    >>> loss = binary_cross_entropy_with_logits(z, 1.0)
    >>> loss.backward()
    >>> round(loss.data, 12), z.grad
    (0.69314718056, -0.5)
    """
    name = "binary_cross_entropy_with_logits"
    _check_reduction(name, reduction)
    zs, ys = _pairs(name, logits, targets)
    terms = []
    for i, (z, y) in enumerate(zip(zs, ys)):
        _check_target(name, i, y)
        terms += [y * z.log_sigmoid(), (1.0 - y) * (-z).log_sigmoid()]
    return _reduce(terms, len(zs), reduction, negate=True)


def cross_entropy(
    logits: Sequence[Value | float] | Sequence[Sequence[Value | float]],
    target: int | Sequence[int],
    *,
    reduction: Reduction = "mean",
) -> Value:
    """Softmax cross-entropy -ln softmax(z)_t = logsumexp(z) - z_t of class index t.

    For one sample, `logits` holds one Value per class and `target` is the index of the
    true class. For a batch, `logits` is a list of such lists and `target` a list of
    indices; the loss is the mean (or sum) over samples. ∂/∂z_i = softmax(z)_i - [i = t]:
    the predicted probabilities minus the one-hot target. logsumexp subtracts the largest
    logit first, so logits like [1000, -1000] give a finite, exact loss.

    >>> z = [Value(1000.0), Value(-1000.0)]
    >>> loss = cross_entropy(z, 1)
    >>> loss.backward()
    >>> loss.data, [v.grad for v in z]
    (2000.0, [1.0, -1.0])
    """
    _check_reduction("cross_entropy", reduction)
    if checks.is_integer(target):
        rows, targets = [logits], [target]
    else:
        rows, targets = _batch(logits, target)
    terms = []
    classes = None
    for i, (row, t) in enumerate(zip(rows, targets)):
        zs = _sequence("cross_entropy", "logits", row)
        if not zs:
            raise ValueError(f"cross_entropy: sample {i} has no logits; needs one per class")
        zs = [_prediction("cross_entropy", "logit", j, z) for j, z in enumerate(zs)]
        if classes is not None and len(zs) != classes:
            raise ValueError(
                f"cross_entropy: sample {i} has {len(zs)} logits but sample 0 has {classes}; "
                "every sample needs one logit per class"
            )
        classes = len(zs)
        _check_class("cross_entropy", i, t, classes)
        terms.append(autograd.logsumexp(zs) - zs[t])
    return _reduce(terms, len(terms), reduction)


def hinge(scores: Scalars, labels: Scalars, *, reduction: Reduction = "mean") -> Value:
    """The SVM max-margin loss (1/n) Σ_i max(0, 1 - y_i s_i) for labels y_i = ±1.

    micrograd's demo loss. A score on the right side of the margin (y s ≥ 1) costs nothing
    and gets no gradient; otherwise ∂/∂s_i = -y_i / n. Each term is relu(1 - s) for y = +1
    and relu(1 + s) for y = -1.

    >>> hinge([Value(2.0), Value(0.5)], [1, -1]).data
    0.75
    """
    _check_reduction("hinge", reduction)
    ss, ys = _pairs("hinge", scores, labels)
    terms = []
    for i, (s, y) in enumerate(zip(ss, ys)):
        if isinstance(y, Value) or y not in (1.0, -1.0):
            raise ValueError(f"hinge: label {i} is {y!r}; labels must be the numbers 1 or -1")
        terms.append((1.0 - s if y > 0.0 else 1.0 + s).relu())
    return _reduce(terms, len(ss), reduction)


def l2(parameters: Value | Iterable[Value], *, alpha: float = 1e-4) -> Value:
    """The L2 penalty α Σ_j w_j², micrograd's demo regularization: ∂/∂w_j = 2 α w_j.

    Added to a data loss, it pulls every weight towards 0 by a step proportional to it.

    >>> l2([Value(3.0), Value(-4.0)], alpha=0.5).data
    12.5
    """
    alpha = checks.number("l2: alpha", alpha)
    if alpha < 0.0:
        raise ValueError(f"l2: alpha must be a finite number >= 0, got {alpha!r}")
    ws = _sequence("l2", "parameters", parameters)
    if not ws:
        raise ValueError("l2: needs at least one parameter, got none")
    for i, w in enumerate(ws):
        if not isinstance(w, Value):
            raise TypeError(f"l2: parameter {i} is {w!r} ({type(w).__name__}), not a Value")
    return _total([w**2 for w in ws]) * alpha


def _pairs(loss: str, predictions: Scalars, targets: Scalars) -> tuple[list[Value], list]:
    """The predictions as Values and the targets as Values or floats, checked to pair up."""
    rs = _sequence(loss, "predictions", predictions)
    ys = _sequence(loss, "targets", targets)
    if not rs:
        raise ValueError(f"{loss}: needs at least one prediction, got none")
    if len(rs) != len(ys):
        raise ValueError(
            f"{loss}: {len(rs)} prediction(s) but {len(ys)} target(s); "
            "pass one target per prediction"
        )
    rs = [_prediction(loss, "prediction", i, r) for i, r in enumerate(rs)]
    ys = [y if isinstance(y, Value) else _number(loss, "target", i, y) for i, y in enumerate(ys)]
    return rs, ys


def _sequence(loss: str, what: str, items: object) -> list:
    if isinstance(items, (Value, Real)):
        return [items]
    if isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
        raise TypeError(
            f"{loss}: {what} must be a Value, a number or a sequence of them, "
            f"got {items!r} ({type(items).__name__})"
        )
    return list(items)


def _prediction(loss: str, what: str, i: int, x: object) -> Value:
    return x if isinstance(x, Value) else Value(_number(loss, what, i, x))


def _number(loss: str, what: str, i: int, x: object) -> float:
    return checks.number(f"{loss}: {what} {i}", x, "a Value or a real number")


def _check_target(loss: str, i: int, y: Value | float) -> None:
    y = y.data if isinstance(y, Value) else y
    if not 0.0 <= y <= 1.0:
        raise ValueError(f"{loss}: target {i} is {y!r}, outside [0, 1]")


def _clamped_log(x: Value) -> Value | float:
    """max(ln x, -100) as PyTorch's BCE computes it; the constant -100 where it is clamped."""
    if x.data > 0.0 and math.log(x.data) >= LOG_FLOOR:
        return x.log()
    return LOG_FLOOR


def _batch(logits: object, target: object) -> tuple[list, list]:
    if isinstance(target, (str, bytes)) or not isinstance(target, Iterable):
        raise TypeError(
            f"cross_entropy: target must be a class index (int) for one sample or a list "
            f"of them for a batch, got {target!r} ({type(target).__name__})"
        )
    rows = _sequence("cross_entropy", "logits", logits)
    targets = list(target)
    if not rows:
        raise ValueError("cross_entropy: needs at least one sample, got none")
    if len(rows) != len(targets):
        raise ValueError(
            f"cross_entropy: {len(rows)} sample(s) of logits but {len(targets)} target(s); "
            "pass one class index per sample"
        )
    return rows, targets


def _check_class(loss: str, i: int, t: object, classes: int) -> None:
    if not checks.is_integer(t):
        raise TypeError(
            f"{loss}: target {i} is {t!r} ({type(t).__name__}); expected a class index (int)"
        )
    if not 0 <= t < classes:
        raise IndexError(
            f"{loss}: target {i} is class {t}, but there are {classes} classes "
            f"(indices 0 to {classes - 1})"
        )


def _check_reduction(loss: str, reduction: object) -> None:
    if reduction not in ("mean", "sum"):
        raise ValueError(f"{loss}: reduction must be 'mean' or 'sum', got {reduction!r}")


def _total(terms: list[Value | float]) -> Value:
    """Σ terms as one n-ary node; a single term is its own total."""
    return terms[0] if len(terms) == 1 else autograd.sum(terms)


def _reduce(terms: list[Value | float], n: int, reduction: str, *, negate: bool = False) -> Value:
    """±Σ terms, divided by the number of samples n for the mean: one node after the Σ."""
    total = _total(terms)
    divisor = float(n) if reduction == "mean" else 1.0
    if negate:
        return -total if divisor == 1.0 else total / -divisor
    return total if divisor == 1.0 else total / divisor
