"""The same network in PyTorch: `nn` models to torch modules and back, and the losses too.

`to_torch(model)` makes a `torch.nn.Sequential` of `Linear` layers, each followed by the
module of its activation (none for "linear"), whose float64 parameters equal the model's
data bit for bit; `from_torch(module)` reads such a Sequential back into an MLP, a Layer,
a Neuron or a Perceptron. The two compute the same function, to rounding: a stepgrad
neuron adds its products w_i x_i left to right, one scalar at a time, while a torch
`Linear` computes all neurons of a layer for a whole batch in one matrix product, x Wᵀ + b,
which adds them in its own order. Outputs and gradients agree to about 1e-15 and 1e-13
relative, except where torch's own derivatives lose digits: Tanh's 1 - y² and Sigmoid's
y (1 - y) cancel as the activation saturates (1e-8 relative for tanh at z = 10), where
stepgrad's rules do not. `torch_loss(loss)` is the torch function of an `nn.losses` loss.
Inputs to the torch model are float64 too: `torch.tensor(rows, dtype=torch.float64)`.

PyTorch is an optional dependency (`pip install 'stepgrad[torch]'`): `import nn` does not
import it; this module does, and `model.to_torch()` imports this module when called.

>>> import torch
>>> from nn import MLP
>>> model = MLP(2, [3, 1], activation="tanh", seed=0)
>>> twin = model.to_torch()
>>> twin
Sequential(
  (0): Linear(in_features=2, out_features=3, bias=True)
  (1): Tanh()
  (2): Linear(in_features=3, out_features=1, bias=True)
)
>>> twin[0].weight[0, 1].item() == model.layers[0].neurons[0].w[1].data
True
>>> y = twin(torch.tensor([[0.5, -1.0]], dtype=torch.float64))
>>> abs(y.item() - model([0.5, -1.0]).data) < 1e-15
True
>>> MLP.from_torch(twin).config == model.config
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import attrgetter

from autograd import OPS, Value
from nn import losses
from nn.layers import LINEAR, MLP, PRELU, Layer, Neuron, Perceptron
from nn.module import Module

try:
    import torch
except ModuleNotFoundError as error:
    if error.name != "torch":
        raise
    raise ImportError("nn.pytorch needs PyTorch: pip install 'stepgrad[torch]'") from None

DTYPE = torch.float64
"""to_torch's parameters are float64, the type of a Python float and of a Value's data."""

SOFTPLUS_THRESHOLD = 40.0
"""torch's Softplus returns x itself above its threshold (20 by default). Above 37.4,
ln(1 + e^x) rounds to x and σ(x) to 1 in float64, so a threshold of 40 changes no value
and no gradient; at 20 torch's softplus would be up to 2.1e-9 below the real one."""


class Activation(torch.nn.Module):
    """An activation of stepgrad's op table that torch.nn has no module for, applied to
    every element: neg, abs, sin, cos, arctan, sinc (sin x / x, where torch's `sinc` is
    the normalized sin(πx) / (πx)) and step (1 if x ≥ 0 else 0, with derivative 0)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        if name not in FUNCTIONS:
            raise ValueError(
                f"Activation: no torch function for {name!r}; choose from {', '.join(FUNCTIONS)}"
            )
        self.name = name

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return FUNCTIONS[self.name](x)

    def extra_repr(self) -> str:
        return repr(self.name)


class _Step(torch.autograd.Function):
    """step(x) = 1 if x ≥ 0 else 0, and step'(x) = 0: backward sends 0 to x, as stepgrad's
    step does (a comparison alone would leave x out of torch's graph)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        return (x >= 0.0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        return torch.zeros_like(grad)


class _Sinc(torch.autograd.Function):
    """sinc(x) = sin(x) / x, 1 at x = 0, with stepgrad's derivative: (cos x - sinc x) / x,
    and near 0 the series -x/3 + x³/30 - x⁵/840 + x⁷/45360, which avoids the cancellation
    of cos x - sinc x. (torch's own `sinc(x / π)` differentiates the quotient and loses
    digits there: 6e-11 relative at x = 0.001.)"""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        zero = x == 0.0
        safe = torch.where(zero, 1.0, x)
        out = torch.where(zero, 1.0, torch.sin(safe) / safe)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        x, out = ctx.saved_tensors
        x2 = x * x
        series = x * (-1.0 / 3.0 + x2 * (1.0 / 30.0 + x2 * (-1.0 / 840.0 + x2 / 45360.0)))
        near = x.abs() < 0.1
        quotient = (torch.cos(x) - out) / torch.where(near, 1.0, x)
        return grad * torch.where(near, series, quotient)


FUNCTIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "neg": torch.neg,
    "abs": torch.abs,
    "sin": torch.sin,
    "cos": torch.cos,
    "arctan": torch.atan,
    "sinc": _Sinc.apply,
    "step": _Step.apply,
}
"""What `Activation(name)` computes, by activation name."""


def _alpha(name: str) -> float:
    """The alpha the op table gives leaky_relu or elu, which a neuron's activation uses."""
    return OPS[name].param_defaults["alpha"]


@dataclass(frozen=True)
class TorchActivation:
    """How one activation looks in torch: `make()` builds its module, and `reads(module)`
    says whether a module of that class computes it (its options may differ)."""

    make: Callable[[], torch.nn.Module]
    reads: Callable[[torch.nn.Module], bool] = lambda module: True


MODULES: dict[str, TorchActivation] = {
    "identity": TorchActivation(torch.nn.Identity),
    "relu": TorchActivation(torch.nn.ReLU),
    "leaky_relu": TorchActivation(
        make=lambda: torch.nn.LeakyReLU(_alpha("leaky_relu")),
        reads=lambda module: module.negative_slope == _alpha("leaky_relu"),
    ),
    "elu": TorchActivation(
        make=lambda: torch.nn.ELU(_alpha("elu")),
        reads=lambda module: module.alpha == _alpha("elu"),
    ),
    "sigmoid": TorchActivation(torch.nn.Sigmoid),
    "tanh": TorchActivation(torch.nn.Tanh),
    "softplus": TorchActivation(
        make=lambda: torch.nn.Softplus(beta=1.0, threshold=SOFTPLUS_THRESHOLD),
        reads=lambda module: module.beta == 1.0 and module.threshold >= 20.0,
    ),
    "log_sigmoid": TorchActivation(torch.nn.LogSigmoid),
    "softsign": TorchActivation(torch.nn.Softsign),
    "silu": TorchActivation(torch.nn.SiLU),
    "mish": TorchActivation(torch.nn.Mish),
}
"""The torch.nn module of each activation that has one. The others are "linear" (no
module), "prelu" (`torch.nn.PReLU` with one slope per neuron) and those of `FUNCTIONS`
(an `Activation`). Softplus reads back with any threshold ≥ 20."""


def to_torch(model: Module) -> torch.nn.Sequential:
    """`model` (an MLP, Layer, Neuron or Perceptron) as a `torch.nn.Sequential`: for each
    layer, `Linear(nin, nout)` computing z = x Wᵀ + b, where row i of W holds neuron i's
    weights w_i and b its bias, then the activation's module. Parameters are float64 and
    equal the model's data exactly. The module takes a batch, one input per row, of
    float64 numbers: `torch.tensor(rows, dtype=torch.float64)`.

    "prelu" becomes `torch.nn.PReLU(nout)` with each neuron's slope: the same function,
    relu(z) - a · relu(-z), but at z = 0 torch's derivative is a where stepgrad's is 0.
    """
    modules: list[torch.nn.Module] = []
    for where, neurons in _layers("to_torch", model):
        first = neurons[0]
        modules.append(
            torch.nn.utils.skip_init(
                torch.nn.Linear, len(first.w), len(neurons), bias=first.b is not None, dtype=DTYPE
            )
        )
        if first.activation == PRELU:
            modules.append(torch.nn.PReLU(len(neurons), dtype=DTYPE))
        elif first.activation != LINEAR:
            modules.append(_torch_activation(first.activation, where))
    sequential = torch.nn.Sequential(*modules)
    sequential.load_state_dict(state_dict(model))
    return sequential


def state_dict(model: Module, *, grad: bool = False) -> dict[str, torch.Tensor]:
    """The model's parameters, or with `grad=True` their gradients, as the float64 tensors of
    `to_torch(model).state_dict()`: {"0.weight": W, "0.bias": b, …}, one row per neuron.

    Compare it with a torch twin's `{name: p.grad for name, p in twin.named_parameters()}`
    after both ran backward.
    """
    read = attrgetter("grad" if grad else "data")
    state = {}
    position = 0
    for _, neurons in _layers("state_dict", model):
        state[f"{position}.weight"] = _tensor([[read(w) for w in n.w] for n in neurons])
        if neurons[0].b is not None:
            state[f"{position}.bias"] = _tensor([read(n.b) for n in neurons])
        activation = neurons[0].activation
        if activation == PRELU:
            state[f"{position + 1}.weight"] = _tensor([read(n.slope) for n in neurons])
        position += 1 if activation == LINEAR else 2
    return state


def from_torch(module: torch.nn.Module, *, into: type[Module] = MLP) -> Module:
    """The `into` model (MLP, Layer, Neuron or Perceptron) that computes what `module`
    computes, with its parameters' values as floats (a float32 module's exactly).

    `module` is a `torch.nn.Sequential` of `Linear` layers, each followed by at most one
    activation module (those of `to_torch`: ReLU, Tanh, Sigmoid, LeakyReLU(0.01), ELU(1.0),
    Softplus(), LogSigmoid, Softsign, SiLU, Mish, Identity, PReLU with one slope per
    neuron, and `Activation`), or one `Linear`. A Layer or Neuron reads one Linear (a
    Neuron's of one output), a Perceptron one Linear(nin, 1) with a bias and `Activation
    ("step")`. Any other layer is a ValueError that names it and its position.
    """
    if into not in (MLP, Layer, Neuron, Perceptron):
        raise TypeError(
            f"from_torch: makes an MLP, Layer, Neuron or Perceptron, not {into.__name__}"
        )
    blocks = _blocks(module, into.__name__)
    _check_fits(blocks, into)
    first = blocks[0]
    bias = first.linear.bias is not None
    options = {"activation": first.activation, "bias": bias, "seed": 0}
    if into is MLP:
        model = MLP(
            first.linear.in_features,
            [block.linear.out_features for block in blocks],
            activation=[block.activation for block in blocks[:-1]],
            out_activation=blocks[-1].activation,
            bias=bias,
            seed=0,
        )
    elif into is Layer:
        model = Layer(first.linear.in_features, first.linear.out_features, **options)
    elif into is Neuron:
        model = Neuron(first.linear.in_features, **options)
    else:
        model = Perceptron(first.linear.in_features, seed=0)
    for (_, neurons), block in zip(_layers("from_torch", model), blocks):
        weights = block.linear.weight.tolist()
        biases = block.linear.bias.tolist() if bias else [None] * len(neurons)
        slopes = block.slopes or [None] * len(neurons)
        for neuron, row, b, slope in zip(neurons, weights, biases, slopes):
            for w, x in zip(neuron.w, row):
                w.data = x
            if b is not None:
                neuron.b.data = b
            if slope is not None:
                neuron.slope.data = slope
    return model


def torch_loss(loss: str | Callable[..., Value]) -> Callable[..., torch.Tensor]:
    """The torch function that computes the `nn.losses` loss `loss` (the function or its
    name) on tensors, with the same arguments and options: predictions first, then
    targets (floats; class indices as integers for cross_entropy), and `reduction`.

    >>> mse = torch_loss(losses.mse)
    >>> mse(torch.tensor([1.0, 2.0]), torch.tensor([0.0, 0.0])).item()
    2.5
    """
    name = loss if isinstance(loss, str) else getattr(loss, "__name__", None)
    if name not in TORCH_LOSSES or not (isinstance(loss, str) or getattr(losses, name) is loss):
        raise ValueError(
            f"torch_loss: expected a loss of nn.losses or its name "
            f"({', '.join(TORCH_LOSSES)}), got {loss!r}"
        )
    return TORCH_LOSSES[name]


def _sse(predictions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """½ Σ_i (r_i - y_i)², the lectures' squared error: half of torch's summed MSE."""
    return torch.nn.functional.mse_loss(predictions, targets, reduction="sum") * 0.5


def _hinge(scores: torch.Tensor, labels: torch.Tensor, *, reduction: str = "mean") -> torch.Tensor:
    """(1/n) Σ_i relu(1 - y_i s_i) for labels y_i = ±1, or the sum.

    torch has no loss of this form. `MarginRankingLoss(margin=1)` of (s, 0, y) is the same
    function, but its derivative at the kink y s = 1 is -y, where relu's (and stepgrad's) is 0.
    """
    if reduction not in ("mean", "sum"):
        raise ValueError(f"hinge: reduction must be 'mean' or 'sum', got {reduction!r}")
    margins = torch.relu(1.0 - labels * scores)
    return margins.mean() if reduction == "mean" else margins.sum()


def _l2(parameters: torch.Tensor | Iterable[torch.Tensor], *, alpha: float = 1e-4) -> torch.Tensor:
    """α Σ_j w_j² over every element of the tensors, such as `module.parameters()`.

    (torch's optimizers fold the same penalty into the gradient as `weight_decay = 2α`.)
    """
    tensors = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    return alpha * sum((tensor**2).sum() for tensor in tensors)


TORCH_LOSSES: dict[str, Callable[..., torch.Tensor]] = {
    "sse": _sse,
    "mse": torch.nn.functional.mse_loss,
    "binary_cross_entropy": torch.nn.functional.binary_cross_entropy,
    "binary_cross_entropy_with_logits": torch.nn.functional.binary_cross_entropy_with_logits,
    "cross_entropy": torch.nn.functional.cross_entropy,
    "hinge": _hinge,
    "l2": _l2,
}
"""The torch counterpart of every loss in `nn.losses`, by name. binary_cross_entropy's
gradient differs from stepgrad's where p (1 - p) < 1e-12 (see `nn.losses`)."""


@dataclass
class _Block:
    """One Linear layer of a torch Sequential and the activation after it."""

    linear: torch.nn.Linear
    activation: str = LINEAR
    slopes: list[float] | None = None


def _blocks(module: torch.nn.Module, into: str) -> list[_Block]:
    """The Linear layers of `module` with their activations, checked to chain."""
    where = f"{into}.from_torch"
    if isinstance(module, torch.nn.Linear):
        layers = [module]
    elif isinstance(module, torch.nn.Sequential):
        layers = list(module)
    else:
        raise TypeError(
            f"{where}: expected a torch.nn.Sequential of Linear layers and activations, or "
            f"one Linear, got {type(module).__name__}"
        )
    blocks: list[_Block] = []
    for position, layer in enumerate(layers):
        named = f"layer {position} of the Sequential, {_describe(layer)},"
        if isinstance(layer, torch.nn.Linear):
            if blocks and layer.in_features != blocks[-1].linear.out_features:
                raise ValueError(
                    f"{where}: {named} takes {layer.in_features} inputs but the Linear "
                    f"before it gives {blocks[-1].linear.out_features}"
                )
            blocks.append(_Block(layer))
            continue
        name = _activation_name(layer)
        if name is None:
            raise ValueError(
                f"{where}: {named} is not supported: stepgrad reads Linear layers, each "
                f"followed by at most one activation ({', '.join(_module_names())})"
            )
        if not blocks:
            raise ValueError(f"{where}: {named} comes before any Linear layer")
        if blocks[-1].activation != LINEAR:
            raise ValueError(
                f"{where}: {named} follows another activation; a stepgrad neuron has one"
            )
        blocks[-1].activation = name
        if name == PRELU:
            blocks[-1].slopes = _slopes(layer, blocks[-1].linear, named, where)
    if not blocks:
        raise ValueError(f"{where}: the Sequential has no Linear layer")
    biases = {block.linear.bias is not None for block in blocks}
    if len(biases) > 1:
        raise ValueError(
            f"{where}: some Linear layers have a bias and some do not; "
            "an MLP's layers all have one or none"
        )
    return blocks


def _check_fits(blocks: list[_Block], into: type[Module]) -> None:
    """Refuse a Sequential that the class `into` cannot hold, saying why."""
    where = f"{into.__name__}.from_torch"
    if into is MLP:
        return
    if len(blocks) > 1:
        raise ValueError(
            f"{where}: expected one Linear layer, got {len(blocks)}; MLP.from_torch reads several"
        )
    linear = blocks[0].linear
    if into in (Neuron, Perceptron) and linear.out_features != 1:
        raise ValueError(
            f"{where}: expected a Linear layer with one output, got {linear!r}; "
            "Layer.from_torch reads several"
        )
    if into is Perceptron and (blocks[0].activation != "step" or linear.bias is None):
        raise ValueError(
            f"{where}: a Perceptron is Linear(nin, 1) with a bias, then Activation('step')"
        )


def _activation_name(module: torch.nn.Module) -> str | None:
    """The stepgrad activation that `module` computes; None if it is none of them."""
    if type(module) is torch.nn.PReLU:
        return PRELU
    if isinstance(module, Activation):
        return module.name
    for name, activation in MODULES.items():
        if type(module) is type(activation.make()) and activation.reads(module):
            return name
    return None


def _describe(layer: torch.nn.Module) -> str:
    """The layer's repr, or its class name if the repr takes several lines (a container)."""
    text = repr(layer)
    return type(layer).__name__ if "\n" in text else text


def _module_names() -> list[str]:
    """The torch modules of the activations, as to_torch makes them, for error messages."""
    made = [repr(activation.make()) for activation in MODULES.values()]
    return [*made, "PReLU(nout)", *(repr(Activation(name)) for name in FUNCTIONS)]


def _slopes(prelu: torch.nn.PReLU, linear: torch.nn.Linear, named: str, where: str) -> list[float]:
    """The slope of each neuron of a PReLU after `linear`."""
    if prelu.num_parameters != linear.out_features:
        raise ValueError(
            f"{where}: {named} has {prelu.num_parameters} slope(s) for "
            f"{linear.out_features} neurons; stepgrad's prelu learns one slope per neuron: "
            f"PReLU({linear.out_features})"
        )
    return prelu.weight.tolist()


def _torch_activation(name: str, where: str) -> torch.nn.Module:
    if name in FUNCTIONS:
        return Activation(name)
    if name not in MODULES:
        raise ValueError(
            f"to_torch: {where} has the activation {name!r}, which has no torch module here "
            f"(a custom op? nn.pytorch maps {', '.join([PRELU, *MODULES, *FUNCTIONS])})"
        )
    return MODULES[name].make()


def _layers(caller: str, model: Module) -> list[tuple[str, list[Neuron]]]:
    """The neurons of each layer of `model`, with where the layer is in it, checked to be
    alike: the same number of inputs, bias or none, and activation."""
    if isinstance(model, MLP):
        layers = [(f"layers.{i}", layer.neurons) for i, layer in enumerate(model.layers)]
    elif isinstance(model, Layer):
        layers = [("the layer", model.neurons)]
    elif isinstance(model, Neuron):
        layers = [("the neuron", [model])]
    elif isinstance(model, Perceptron):
        layers = [("the perceptron", [model.neuron])]
    else:
        raise TypeError(
            f"{caller}: converts an MLP, Layer, Neuron or Perceptron, got {type(model).__name__}"
        )
    for where, neurons in layers:
        if len({(len(n.w), n.b is None, n.activation) for n in neurons}) > 1:
            raise ValueError(
                f"{caller}: the neurons of {where} differ in inputs, bias or activation; "
                "a torch Linear layer needs them alike"
            )
    return layers


def _tensor(data: list) -> torch.Tensor:
    return torch.tensor(data, dtype=DTYPE)
