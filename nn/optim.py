"""Optimizers that update parameters from their gradients, and a learning-rate schedule.

An optimizer holds a list of parameters (leaf Values) and, in `step()`, changes their
`data` in place from the `grad` that backward left there: the lectures' gradient
descent w ← w - η ∂E/∂w, with momentum (SGD) or per-parameter step sizes (Adam). Its
state (velocities, moment averages) is plain lists of floats, one entry per parameter in
the parameters' order, so a step is a few loops of float arithmetic. The update rules
are PyTorch's, operation for operation, so results agree with torch.optim to rounding.

>>> from autograd import Value
>>> w = Value(0.0)
>>> optimizer = SGD([w], lr=0.1)
>>> for _ in range(100):
...     loss = (w - 3.0) ** 2
...     optimizer.zero_grad()
...     loss.backward()
...     optimizer.step()
>>> round(w.data, 6)
3.0
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable

import autograd
from autograd import Value, checks


class Optimizer(ABC):
    """What every optimizer shares: its `parameters`, its learning rate `lr`, `zero_grad`.

    `lr` is a plain attribute: a schedule (or you) may change it between steps.
    Subclasses implement `step()`.
    """

    def __init__(self, parameters: Iterable[Value], *, lr: float) -> None:
        self.parameters: list[Value] = _parameters(type(self).__name__, parameters)
        self.lr = _option(type(self).__name__, "lr", lr, "> 0", lambda x: x > 0.0)

    @abstractmethod
    def step(self) -> None:
        """Update every parameter's data from its grad."""

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0: backward adds to what leaves hold."""
        autograd.zero_grad(self.parameters)

    def _gradients(self, weight_decay: float) -> list[float]:
        """g = ∂E/∂p + weight_decay · p for every parameter: L2 decay folded into the gradient."""
        if weight_decay:
            return [p.grad + weight_decay * p.data for p in self.parameters]
        return [p.grad for p in self.parameters]

    def _assign(self, data: list[float]) -> None:
        """Give the parameters their new data, unless one would not be a finite float."""
        total = sum(data)
        if not checks.is_finite(total):
            for i, x in enumerate(data):
                if not checks.is_finite(x):
                    raise OverflowError(
                        f"{type(self).__name__}: step would make parameter {i} {x}; "
                        f"the update diverged (is lr = {self.lr} too large?). "
                        "No parameter was changed"
                    )
        for p, x in zip(self.parameters, data):
            p.data = x


class SGD(Optimizer):
    """Gradient descent with optional momentum and L2 weight decay, as torch.optim.SGD.

    At every step, for each parameter p:

        g = ∂E/∂p + weight_decay · p
        b = g                      on the first step, then
        b = momentum · b + g       (the velocity: a running sum of past gradients)
        p ← p - lr · b

    Without momentum b = g, the lectures' rule p ← p - lr · ∂E/∂p. PyTorch's dampening
    and nesterov keep their defaults, 0 and False.
    """

    def __init__(
        self,
        parameters: Iterable[Value],
        *,
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(parameters, lr=lr)
        self.momentum = _option("SGD", "momentum", momentum, ">= 0", _non_negative)
        self.weight_decay = _option("SGD", "weight_decay", weight_decay, ">= 0", _non_negative)
        self.velocities: list[float] = []

    def step(self) -> None:
        """p ← p - lr · b, with the velocity b as above (b = g without momentum)."""
        lr, momentum = self.lr, self.momentum
        directions = self._gradients(self.weight_decay)
        if momentum and self.velocities:
            directions = [momentum * b + g for b, g in zip(self.velocities, directions)]
        self._assign([p.data - lr * b for p, b in zip(self.parameters, directions)])
        if momentum:
            self.velocities = directions


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) as torch.optim.Adam: a step size for each parameter.

    At step t = 1, 2, ..., for each parameter p:

        g = ∂E/∂p + weight_decay · p            (L2 decay, folded into the gradient)
        m ← m + (1 - β₁) (g - m)                (= β₁ m + (1 - β₁) g, the mean of g)
        v ← β₂ v + (1 - β₂) g²                  (the mean of g²)
        p ← p - lr / (1 - β₁ᵗ) · m / (√v / √(1 - β₂ᵗ) + eps)

    m and v start at 0; dividing by 1 - βᵗ removes that start's pull towards 0, so the
    first step moves each parameter by about lr against the sign of its gradient.
    This is PyTorch's Adam without amsgrad; AdamW's decoupled decay is not this.
    """

    def __init__(
        self,
        parameters: Iterable[Value],
        *,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(parameters, lr=lr)
        pair = tuple(betas) if isinstance(betas, Iterable) else ()
        if len(pair) != 2:
            raise TypeError(f"Adam: betas must be a pair (β₁, β₂), got {betas!r}")
        self.betas = (
            _option("Adam", "betas[0]", pair[0], "in [0, 1)", _below_one),
            _option("Adam", "betas[1]", pair[1], "in [0, 1)", _below_one),
        )
        self.eps = _option("Adam", "eps", eps, "> 0", lambda x: x > 0.0)
        self.weight_decay = _option("Adam", "weight_decay", weight_decay, ">= 0", _non_negative)
        self.steps = 0
        self.means = [0.0] * len(self.parameters)
        self.squares = [0.0] * len(self.parameters)

    def step(self) -> None:
        """One Adam update of every parameter, as above."""
        steps = self.steps + 1
        beta1, beta2 = self.betas
        step_size = self.lr / (1.0 - beta1**steps)
        root = math.sqrt(1.0 - beta2**steps)
        eps, w1, w2 = self.eps, 1.0 - beta1, 1.0 - beta2
        sqrt = math.sqrt
        grads = self._gradients(self.weight_decay)
        means = [m + w1 * (g - m) for m, g in zip(self.means, grads)]
        squares = [v * beta2 + w2 * g * g for v, g in zip(self.squares, grads)]
        self._assign(
            [
                p.data - step_size * m / (sqrt(v) / root + eps)
                for p, m, v in zip(self.parameters, means, squares)
            ]
        )
        self.steps, self.means, self.squares = steps, means, squares


class LinearLR:
    """Scale an optimizer's lr linearly from start_factor · lr to end_factor · lr, as
    torch.optim.lr_scheduler.LinearLR; call `step()` after each `optimizer.step()`.

    After k calls of step, with base_lr the optimizer's lr when the schedule was made,
    n = total_iters, start = start_factor and end = end_factor:

        lr_k = base_lr · (start + (end - start) · min(k, n) / n)

    Making the schedule already sets lr_0 = base_lr · start_factor, as PyTorch does. The
    defaults give micrograd's demo decay lr_k = 1.0 - 0.9 k / 100 for base_lr = 1.0
    (PyTorch's defaults are start_factor=1/3, end_factor=1.0, total_iters=5). PyTorch
    reaches the same numbers by multiplying lr by a ratio each step; this closed form
    agrees with it to rounding and equals micrograd's formula exactly.

    >>> from autograd import Value
    >>> schedule = LinearLR(SGD([Value(0.0)], lr=1.0))
    >>> for _ in range(50):
    ...     schedule.step()
    >>> schedule.get_last_lr()
    [0.55]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        *,
        start_factor: float = 1.0,
        end_factor: float = 0.1,
        total_iters: int = 100,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"LinearLR: expected an Optimizer, got {optimizer!r} ({type(optimizer).__name__})"
            )
        self.optimizer = optimizer
        self.start_factor = _option(
            "LinearLR", "start_factor", start_factor, "in (0, 1]", lambda x: 0.0 < x <= 1.0
        )
        self.end_factor = _option(
            "LinearLR", "end_factor", end_factor, "in [0, 1]", lambda x: 0.0 <= x <= 1.0
        )
        self.total_iters = checks.integer("LinearLR: total_iters", total_iters, minimum=1)
        self.base_lr = optimizer.lr
        self.last_epoch = 0
        self._set_lr()

    def step(self) -> None:
        """Count one more optimizer step and set the optimizer's lr for the next one."""
        self.last_epoch += 1
        self._set_lr()

    def get_last_lr(self) -> list[float]:
        """The lr this schedule set last, in a list as in PyTorch (one parameter group)."""
        return [self._last_lr]

    def _set_lr(self) -> None:
        k = min(self.last_epoch, self.total_iters)
        factor = self.start_factor + (self.end_factor - self.start_factor) * k / self.total_iters
        self._last_lr = self.optimizer.lr = self.base_lr * factor


def _parameters(owner: str, parameters: Iterable[Value]) -> list[Value]:
    """The parameters as a list, each a distinct leaf Value."""
    if isinstance(parameters, Value) or not isinstance(parameters, Iterable):
        raise TypeError(
            f"{owner}: parameters must be an iterable of Values (such as a list), "
            f"got {parameters!r} ({type(parameters).__name__})"
        )
    parameters = list(parameters)
    if not parameters:
        raise ValueError(f"{owner}: got no parameters to optimize")
    for i, p in enumerate(parameters):
        if not isinstance(p, Value):
            raise TypeError(f"{owner}: parameter {i} is {p!r} ({type(p).__name__}), not a Value")
        if p.parents:
            raise ValueError(
                f"{owner}: parameter {i} was computed by the op {p.op.name!r}; an optimizer "
                "updates leaves (Values made directly), which nothing recomputes"
            )
    seen: set[Value] = set()
    for i, p in enumerate(parameters):
        if p in seen:
            raise ValueError(
                f"{owner}: parameter {i} appears earlier in the list too; "
                "it would be updated twice per step"
            )
        seen.add(p)
    return parameters


def _option(
    owner: str, name: str, value: object, rule: str, valid: Callable[[float], bool]
) -> float:
    """`value` as a finite float, or the error that names the option and the value (and the
    `rule` that `valid` checks, if the value breaks it)."""
    value = checks.number(f"{owner}: {name}", value)
    if not valid(value):
        raise ValueError(f"{owner}: {name} must be {rule}, got {value!r}")
    return value


def _non_negative(x: float) -> bool:
    return x >= 0.0


def _below_one(x: float) -> bool:
    return 0.0 <= x < 1.0
