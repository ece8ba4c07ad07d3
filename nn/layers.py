"""Neurons, layers and MLPs, the lectures' building blocks, made of autograd Values.

A neuron computes z = Σ_i w_i x_i + b and then its activation g(z). By default the weighted
sum is one node (the Σ of the lecture figures, `autograd.dot` with the bias as a weight on
the constant input 1); `expand=True` builds it as one node per multiply and add instead,
for drawings, with identical values and gradients. Activations are the one-input ops of
`autograd.OPS`, by name ("linear" for none), plus "prelu", whose slope is learned.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable, Sequence

import autograd
from autograd import OPS, Value, checks
from nn.module import Module, NeedsGraph
from nn.seeds import Seed, generator

INITS = ("uniform", "xavier", "he")
"""Weight initializations: micrograd's U(-1, 1); Glorot's U(±√(6 / (fan_in + fan_out)));
He's N(0, 2 / fan_in). Biases start at 0."""

LINEAR = "linear"
PRELU = "prelu"


def activations() -> list[str]:
    """Every activation name a neuron accepts: "linear", "prelu", and the one-input ops of
    the table that are defined for every real input (not log or sqrt)."""
    usable = [
        op
        for op in OPS.values()
        if op.arity == 1 and op.valid is None and None not in op.param_defaults.values()
    ]
    return [LINEAR, PRELU, *(op.name for op in usable)]


class Neuron(Module):
    """z = Σ_i w_i x_i + b, then activation(z), "relu" unless told otherwise.

    `nonlin` is the old name of `activation`, micrograd's: `Neuron(nin, nonlin=False)` and
    `Neuron(nin, False)` are linear, `nonlin=True` is relu, as in micrograd; it takes an
    activation's name too. Give one of the two, not both.

    >>> Neuron(2, False, seed=0), Neuron(2, nonlin=True, seed=0)
    (Neuron(2, activation='linear'), Neuron(2, activation='relu'))
    """

    def __init__(
        self,
        nin: int,
        nonlin: bool | str | None = None,
        *,
        activation: str | None = None,
        bias: bool = True,
        init: str = "uniform",
        fan_out: int = 1,
        seed: Seed = None,
        expand: bool = False,
    ) -> None:
        _check_size("Neuron", "nin", nin)
        activation = _activation(activation, nonlin)
        _check_choice("Neuron", "activation", activation, activations())
        _check_choice("Neuron", "init", init, INITS)
        rng = generator(seed)
        self.w = [Value(_initial_weight(init, nin, fan_out, rng)) for _ in range(nin)]
        self.b = Value(0.0) if bias else None
        self.slope = Value(0.25) if activation == PRELU else None
        self.activation = activation
        self.expand = expand

    def add_parameters_to(self, found: list[Value]) -> None:
        found += self.w
        found += (p for p in (self.b, self.slope) if p is not None)

    def own_parameters(self) -> list[tuple[str, Value]]:
        named = [(f"w.{i}", w) for i, w in enumerate(self.w)]
        if self.b is not None:
            named.append(("b", self.b))
        if self.slope is not None:
            named.append(("slope", self.slope))
        return named

    def forward(self, x: Sequence[Value | float]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"Neuron: expected {len(self.w)} inputs, got {len(x)}")
        x = tuple(x)
        return self.output(x, (*x, 1.0))

    def output(self, x: tuple[Value | float, ...], x_and_one: tuple[Value | float, ...]) -> Value:
        """forward(x) given x and x with the bias's input 1 appended, which a layer makes
        once for all its neurons."""
        z = self._expanded_sum(x) if self.expand else self._weighted_sum(x, x_and_one)
        if self.activation == LINEAR:
            return z
        if self.activation == PRELU:
            return z.relu() - self.slope * (-z).relu()
        return getattr(z, self.activation)()

    def float_path(self) -> Callable[[Sequence[float]], float]:
        size, output = len(self.w), self.float_output()
        return lambda x: output(_plain(x, size))

    def float_output(self) -> Callable[[Sequence[float]], float]:
        """`output` on floats, for an input already checked by `_plain`, which a layer does
        once for all its neurons. A z or output that is not finite raises NeedsGraph: a
        NaN input gives z = NaN, which relu would turn into 0."""
        weights = [w.data for w in self.w]
        if self.b is not None:
            weights.append(self.b.data)
        bias_input = (1.0,) if self.b is not None else ()
        weighted_sum = OPS["dot"].forward
        activation = self._float_activation()

        def run(x: Sequence[float]) -> float:
            z = weighted_sum(*weights, *x, *bias_input)
            y = activation(z)
            if not (checks.is_finite(z) and checks.is_finite(y)):
                raise NeedsGraph
            return y

        return run

    def _float_activation(self) -> Callable[[float], float]:
        if self.activation == LINEAR:
            return lambda z: z
        if self.activation == PRELU:
            slope = self.slope.data
            return lambda z: z if z > 0.0 else slope * z
        op = OPS[self.activation]
        forward, params = op.forward, tuple(op.param_defaults.values())
        return lambda z: forward(z, *params)

    def _weighted_sum(self, x: tuple, x_and_one: tuple) -> Value:
        if self.b is None:
            return autograd.dot(self.w, x)
        return autograd.dot((*self.w, self.b), x_and_one)

    def _expanded_sum(self, x: Sequence[Value | float]) -> Value:
        z = self.w[0] * x[0]
        for w, xi in zip(self.w[1:], x[1:]):
            z = z + w * xi
        return z if self.b is None else z + self.b

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, activation={self.activation!r})"


class Layer(Module):
    """`nout` neurons that read the same inputs, made with the options of `Neuron`
    (micrograd's `Layer(nin, nout, nonlin=False)` too)."""

    def __init__(self, nin: int, nout: int, **options) -> None:
        _check_size("Layer", "nout", nout)
        rng = generator(options.pop("seed", None))
        self.neurons = [Neuron(nin, fan_out=nout, seed=rng, **options) for _ in range(nout)]
        self.label_parameters()

    def children(self) -> list[tuple[str, Module]]:
        return [(f"neurons.{i}", n) for i, n in enumerate(self.neurons)]

    def forward(self, x: Sequence[Value | float]) -> list[Value]:
        size = len(self.neurons[0].w)
        if len(x) != size:
            raise ValueError(f"Layer: expected {size} inputs, got {len(x)}")
        x = tuple(x)
        x_and_one = (*x, 1.0)
        return [neuron.output(x, x_and_one) for neuron in self.neurons]

    def float_path(self) -> Callable[[Sequence[float]], list[float]]:
        size = len(self.neurons[0].w)
        neurons = [neuron.float_output() for neuron in self.neurons]

        def run(x: Sequence[float]) -> list[float]:
            x = _plain(x, size)
            return [neuron(x) for neuron in neurons]

        return run

    def __repr__(self) -> str:
        first = self.neurons[0]
        return f"Layer({len(first.w)}, {len(self.neurons)}, activation={first.activation!r})"


class MLP(Module):
    """Layers nin → nouts[0] → … → nouts[-1], as micrograd's `MLP(nin, nouts)`.

    Hidden layers use `activation` (one name, or one per hidden layer); the last layer
    uses `out_activation`, linear by default. `config` records the shape and activations,
    which `nn.save` writes beside the parameters. Called on one input (a list of floats or
    Values), it returns a Value when the last layer has one neuron, a list otherwise.

    >>> model = MLP(2, [4, 1], seed=0)
    >>> y = model([0.5, -1.0])
    >>> len(model.parameters()), type(y).__name__
    (17, 'Value')
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        *,
        activation: str | Sequence[str] = "relu",
        out_activation: str = LINEAR,
        bias: bool = True,
        init: str = "uniform",
        seed: Seed = None,
        expand: bool = False,
    ) -> None:
        nouts = list(nouts)
        if not nouts:
            raise ValueError("MLP: nouts must list at least one layer size")
        hidden = [activation] * (len(nouts) - 1) if isinstance(activation, str) else activation
        if len(hidden) != len(nouts) - 1:
            raise ValueError(
                f"MLP: {len(nouts) - 1} hidden layer(s) but {len(hidden)} activation(s)"
            )
        rng = generator(seed)
        sizes = [nin, *nouts]
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                activation=act,
                bias=bias,
                init=init,
                seed=rng,
                expand=expand,
            )
            for i, act in enumerate([*hidden, out_activation])
        ]
        self.config = {
            "nin": int(nin),
            "nouts": [int(n) for n in nouts],
            "activation": list(hidden),
            "out_activation": out_activation,
            "bias": bias,
        }
        self.label_parameters()

    def children(self) -> list[tuple[str, Module]]:
        return [(f"layers.{i}", layer) for i, layer in enumerate(self.layers)]

    def forward(self, x: Sequence[Value | float]) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
        return x[0] if len(x) == 1 else x

    def float_path(self) -> Callable[[Sequence[float]], float | list[float]]:
        layers = [layer.float_path() for layer in self.layers]

        def run(x: Sequence[float]) -> float | list[float]:
            for layer in layers:
                x = layer(x)
            return x[0] if len(x) == 1 else x

        return run

    def __repr__(self) -> str:
        return f"MLP({', '.join(map(repr, self.layers))})"


class Maxout(Module):
    """Each output is max_k (w_kᵀ x + b_k) over `pieces` linear neurons (lecture 000)."""

    def __init__(self, nin: int, nout: int, *, pieces: int = 2, seed: Seed = None) -> None:
        _check_size("Maxout", "nout", nout)
        _check_size("Maxout", "pieces", pieces)
        rng = generator(seed)
        self.units = [Layer(nin, pieces, activation=LINEAR, seed=rng) for _ in range(nout)]
        self.label_parameters()

    def children(self) -> list[tuple[str, Module]]:
        return [(f"units.{i}", unit) for i, unit in enumerate(self.units)]

    def forward(self, x: Sequence[Value | float]) -> list[Value]:
        outputs = []
        for unit in self.units:
            pieces = unit(x)
            best = pieces[0]
            for piece in pieces[1:]:
                best = autograd.maximum(best, piece)
            outputs.append(best)
        return outputs

    def float_path(self) -> Callable[[Sequence[float]], list[float]]:
        units = [unit.float_path() for unit in self.units]
        maximum = OPS["maximum"].forward
        return lambda x: [functools.reduce(maximum, unit(x)) for unit in units]


class Perceptron(Module):
    """Rosenblatt's perceptron: step(Σ w_i x_i + b), outputs 0 or 1.

    The step has derivative 0, so it learns by its own rule rather than by gradients:
    with error e = target - output, b ← b + α e and w_i ← w_i + α e x_i (lecture 001).
    """

    def __init__(self, nin: int, *, seed: Seed = None) -> None:
        self.neuron = Neuron(nin, activation="step", seed=seed)

    def children(self) -> list[tuple[str, Module]]:
        return [("neuron", self.neuron)]

    def forward(self, x: Sequence[Value | float]) -> Value:
        return self.neuron(x)

    def float_path(self) -> Callable[[Sequence[float]], float]:
        return self.neuron.float_path()

    def update(self, x: Sequence[float], target: float, *, lr: float = 0.1) -> float:
        """One step of the rule on one example; returns the error e = target - output."""
        with autograd.no_grad():
            error = target - self(x).data
        for w, xi in zip(self.neuron.w, x):
            w.data += lr * error * xi
        self.neuron.b.data += lr * error
        return error

    def fit(
        self,
        inputs: Sequence[Sequence[float]],
        targets: Sequence[float],
        *,
        epochs: int = 20,
        lr: float = 0.1,
    ) -> list[int]:
        """Apply the rule to every example, `epochs` times; the mistakes made in each epoch.

        On AND and OR the mistakes reach 0; on XOR, which no line separates, they never do.
        """
        return [
            sum(self.update(x, t, lr=lr) != 0.0 for x, t in zip(inputs, targets))
            for _ in range(epochs)
        ]


def _activation(activation: str | None, nonlin: bool | str | None) -> str:
    """The activation a neuron is given by name, or by micrograd's `nonlin`: True is
    "relu", False "linear"; "relu" when neither is given."""
    if nonlin is None:
        return "relu" if activation is None else activation
    if activation is not None:
        raise TypeError(
            f"Neuron: give activation or nonlin (its old name), not both; "
            f"got activation={activation!r} and nonlin={nonlin!r}"
        )
    if isinstance(nonlin, bool):
        return "relu" if nonlin else LINEAR
    if not isinstance(nonlin, str):
        raise TypeError(
            f"Neuron: nonlin must be True, False or an activation's name, "
            f"got {nonlin!r} ({type(nonlin).__name__})"
        )
    return nonlin


_PLAIN = {float, int}


def _plain(x: Sequence[float], size: int) -> Sequence[float]:
    """x, if it is `size` ints and floats, as the float path wants; otherwise NeedsGraph,
    and the graph path says what is wrong (a bool, for one, is no number there)."""
    if len(x) != size or not set(map(type, x)) <= _PLAIN:
        raise NeedsGraph
    return x


def _initial_weight(init: str, fan_in: int, fan_out: int, rng: random.Random) -> float:
    if init == "uniform":
        return rng.uniform(-1.0, 1.0)
    if init == "xavier":
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit)
    return rng.gauss(0.0, math.sqrt(2.0 / fan_in))


def _check_size(where: str, name: str, value: object) -> None:
    if not checks.is_integer(value) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive integer, got {value!r}")


def _check_choice(where: str, name: str, value: object, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ValueError(f"{where}: unknown {name} {value!r}; choose from {', '.join(choices)}")
