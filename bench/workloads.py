"""The benchmark's workloads: each builds one graph, calls backward and returns leaf gradients.

Every workload takes the Value class as its first argument, so one function runs unchanged on
stepgrad and on micrograd 0.1.0, which share `+ - * / **`, `relu` and `backward`. The leaves are
made inside the workload, so every repetition starts from zero gradients and builds its graph
afresh, as one step of a training loop does. The inputs that are plain floats (constants,
initial weights, the data batch) are made beforehand by `constants` and `mlp_problem`, so the
timed code is building the graph, backward, and dropping the graph when the workload returns.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import add
from typing import Any

Grads = list[float]
Total = Callable[[list[Any]], Any]


def chained_sum(terms: list[Any]) -> Any:
    """Σ terms as len(terms) - 1 binary adds, as Python's builtin sum and micrograd's nn.py do."""
    return reduce(add, terms)


def relu_chain(Value: type, n: int) -> Grads:
    """y ← relu(y·w + b), n ops deep: three nodes per step, with w and b used at every step."""
    x, w, b = Value(0.5), Value(0.9999), Value(0.0001)
    y = x
    for _ in range(n // 3):
        y = (y * w + b).relu()
    y.backward()
    return [x.grad, w.grad, b.grad]


def constant_chain(Value: type, n: int) -> Grads:
    """y ← y·0.9999 + 0.0001, n ops deep: numbers mixed into the expression.

    In stepgrad a number is a param of the op; in micrograd each one becomes a leaf Value.
    """
    x = Value(0.5)
    y = x
    for _ in range(n // 2):
        y = y * 0.9999 + 0.0001
    y.backward()
    return [x.grad]


def constants(n: int) -> list[float]:
    """n reproducible floats in [-1, 1): the c_i of `fan_out`."""
    rng = random.Random(0)
    return [rng.uniform(-1.0, 1.0) for _ in range(n)]


def fan_out(Value: type, cs: Sequence[float], total: Total = chained_sum) -> Grads:
    """Σ x·c_i: one leaf x used len(cs) times, so backward adds len(cs) messages into x.grad."""
    x = Value(0.5)
    y = total([x * c for c in cs])
    y.backward()
    return [x.grad]


@dataclass(frozen=True)
class MLPProblem:
    """A 2-layer network's initial weights (as floats) and a regression batch (xs, ys)."""

    w1: list[list[float]]
    b1: list[float]
    w2: list[float]
    b2: float
    xs: list[list[float]]
    ys: list[float]


def mlp_problem(inputs: int, hidden: int, batch: int) -> MLPProblem:
    """Reproducible random weights for inputs → hidden (relu) → 1, and a batch of that size."""
    rng = random.Random(1)

    def floats(k: int) -> list[float]:
        return [rng.uniform(-1.0, 1.0) for _ in range(k)]

    return MLPProblem(
        w1=[floats(inputs) for _ in range(hidden)],
        b1=floats(hidden),
        w2=floats(hidden),
        b2=rng.uniform(-1.0, 1.0),
        xs=[floats(inputs) for _ in range(batch)],
        ys=floats(batch),
    )


def mlp_loss(Value: type, p: MLPProblem, total: Total = chained_sum) -> Grads:
    """Mean squared error of the network over the batch, then backward to every weight.

    `total` adds the terms of each neuron and of the loss: `chained_sum` (binary adds, as
    micrograd's nn.py writes it) or stepgrad's n-ary `autograd.sum`, one Σ node per sum.
    """
    w1 = [[Value(w) for w in row] for row in p.w1]
    b1 = [Value(b) for b in p.b1]
    w2 = [Value(w) for w in p.w2]
    b2 = Value(p.b2)
    losses = []
    for x, y in zip(p.xs, p.ys, strict=True):
        h = [_neuron(total, w, b, x).relu() for w, b in zip(w1, b1, strict=True)]
        out = _neuron(total, w2, b2, h)
        losses.append((out - y) ** 2)
    loss = total(losses) * (1.0 / len(p.ys))
    loss.backward()
    return [v.grad for v in (*itertools.chain.from_iterable(w1), *b1, *w2, b2)]


def _neuron(total: Total, w: list[Any], b: Any, x: Sequence[Any]) -> Any:
    return total([b, *(wi * xi for wi, xi in zip(w, x, strict=True))])
