"""nn models as torch modules and back: the same function, the same gradients, the same
training, each loss's torch counterpart, and clear errors for what does not map.

Equality is measured per tensor, relative to the tensor's largest entry:
max |ours - torch| / max |torch|. A torch Linear adds a neuron's products in another order
than stepgrad's left-to-right sum, so equal is "to rounding", not bit for bit.
"""

from __future__ import annotations

import math
import random
import subprocess
import sys
from types import ModuleType

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import nn
from nn import MLP, Layer, Maxout, Neuron, Perceptron, losses
from nn.optim import SGD, Adam

SAME = 1e-12
"""Forward outputs, gradients and losses: relative error at most this."""

SAME_AFTER_TRAINING = 1e-10
"""Parameters after 100 optimizer steps in each engine: relative error at most this."""

STEPS = 100

ACTIVATIONS = nn.activations()
"""Every activation a neuron takes: the built-in ones, as no custom op is declared yet."""


@pytest.fixture(scope="module")
def pytorch(torch) -> ModuleType:
    """nn.pytorch, which imports torch (skipped without it, failed in strict mode)."""
    from nn import pytorch

    return pytorch


def relative_error(ours, theirs, *, floor: float = 0.0) -> float:
    """max |ours - theirs| / max |theirs| over one tensor, 0 when they are equal; with a
    `floor`, the scale is at least that."""
    difference = (ours - theirs).abs().max().item()
    scale = max(theirs.abs().max().item(), floor)
    if not difference:
        return 0.0
    return difference / scale if scale else math.inf


def worst_error(ours: dict, theirs: dict) -> float:
    """The largest relative error over tensors of the same names."""
    assert ours.keys() == theirs.keys()
    return max(relative_error(ours[name], theirs[name]) for name in ours)


def neurons(model: nn.Module) -> list[Neuron]:
    if isinstance(model, MLP):
        return [neuron for layer in model.layers for neuron in layer.neurons]
    if isinstance(model, Layer):
        return model.neurons
    return [model.neuron] if isinstance(model, Perceptron) else [model]


def randomize(model: nn.Module, seed: int) -> None:
    """Give each parameter a random value: a neuron's weights in ±1 / (its inputs), biases
    and prelu slopes in ±1 (they start at 0 and 0.25, and z = 0 is a kink of prelu, where
    torch's PReLU takes another derivative). For inputs in ±1, every pre-activation then
    stays within |z| ≤ 4.3 in three layers: torch's Tanh and Sigmoid derivatives, 1 - y²
    and y (1 - y), keep 1e-12 there, and lose digits as the activation saturates."""
    rng = random.Random(seed)
    for neuron in neurons(model):
        for w in neuron.w:
            w.data = rng.uniform(-1.0, 1.0) / len(neuron.w)
        for parameter in (neuron.b, neuron.slope):
            if parameter is not None:
                parameter.data = rng.uniform(-1.0, 1.0)


@st.composite
def models(draw) -> MLP:
    """MLPs of 1 to 4 inputs and 1 to 3 layers of 1 to 4 neurons, with or without biases,
    each layer's activation drawn from every activation a neuron takes, random parameters."""
    nouts = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    layers = len(nouts)
    hidden = draw(st.lists(st.sampled_from(ACTIVATIONS), min_size=layers - 1, max_size=layers - 1))
    seed = draw(st.integers(0, 2**32 - 1))
    model = MLP(
        draw(st.integers(1, 4)),
        nouts,
        activation=hidden,
        out_activation=draw(st.sampled_from(ACTIVATIONS)),
        bias=draw(st.booleans()),
        seed=seed,
    )
    randomize(model, seed)
    return model


def batches(model: MLP) -> st.SearchStrategy[list[list[float]]]:
    """1 to 5 inputs for `model`, each coordinate in [-1, 1]."""
    nin = model.config["nin"]
    return st.lists(
        st.lists(st.floats(-1.0, 1.0), min_size=nin, max_size=nin), min_size=1, max_size=5
    )


def outputs(model: MLP, inputs: list[list[float]]) -> list[list[autograd.Value]]:
    """The model's output for each input, as a list even for one output."""
    return [[y] if isinstance(y, autograd.Value) else y for y in map(model, inputs)]


def tensor(torch, rows: list) -> object:
    return torch.tensor(rows, dtype=torch.float64)


# The same function and the same gradients.


@given(data=st.data())
def test_outputs_and_every_gradient_equal_torchs(data, torch, pytorch) -> None:
    """Forward a batch through both, backpropagate Σ c · output with random c: the outputs
    and the gradient of every parameter agree to 1e-12 relative."""
    model = data.draw(models())
    inputs = data.draw(batches(model))
    twin = model.to_torch()
    ours = outputs(model, inputs)
    rng = random.Random(len(inputs))
    weights = [[rng.uniform(-1.0, 1.0) for _ in row] for row in ours]
    autograd.dot([y for row in ours for y in row], [c for row in weights for c in row]).backward()

    theirs = twin(tensor(torch, inputs))
    (theirs * tensor(torch, weights)).sum().backward()

    assert relative_error(tensor(torch, [[y.data for y in row] for row in ours]), theirs) <= SAME
    gradients = {name: p.grad for name, p in twin.named_parameters()}
    assert worst_error(pytorch.state_dict(model, grad=True), gradients) <= SAME


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_converts_and_computes_the_same(activation: str, torch) -> None:
    model = MLP(3, [4, 2], activation=activation, out_activation=activation, seed=1)
    randomize(model, 1)
    twin = model.to_torch()
    inputs = [[0.5, -1.5, 2.0], [-0.25, 0.75, -2.0], [0.0, 0.0, 0.0]]
    ours = tensor(torch, [[y.data for y in row] for row in outputs(model, inputs)])
    assert relative_error(ours, twin(tensor(torch, inputs)).detach()) <= SAME
    assert MLP.from_torch(twin).config == model.config


def test_to_torch_makes_linear_layers_and_activation_modules(torch, pytorch) -> None:
    model = MLP(2, [3, 3, 1], activation=["prelu", "sin"], seed=0)
    twin = model.to_torch()
    assert [type(layer).__name__ for layer in twin] == [
        "Linear",
        "PReLU",
        "Linear",
        "Activation",
        "Linear",
    ]
    assert repr(twin[3]) == "Activation('sin')"
    assert twin[1].weight.tolist() == [n.slope.data for n in model.layers[0].neurons]
    assert all(p.dtype == torch.float64 for p in twin.parameters())
    assert list(twin.state_dict()) == list(pytorch.state_dict(model))


def test_parameters_are_float64_whatever_torchs_default_dtype(torch) -> None:
    model = MLP(2, [2, 1], activation="tanh", seed=0)
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float32)
    try:
        twin = model.to_torch()
    finally:
        torch.set_default_dtype(default)
    assert {p.dtype for p in twin.parameters()} == {torch.float64}
    assert twin[0].weight.tolist() == [[w.data for w in n.w] for n in model.layers[0].neurons]


def test_to_torch_leaves_torchs_random_state_alone(torch) -> None:
    before = torch.random.get_rng_state()
    MLP(4, [8, 8, 1], activation="prelu", seed=0).to_torch()
    assert torch.equal(torch.random.get_rng_state(), before)


def test_the_step_sends_back_zero_gradients_as_stepgrads_does(torch) -> None:
    perceptron = Perceptron(2, seed=3)
    twin = perceptron.to_torch()
    x = [[0.5, -1.0], [-2.0, 1.5]]
    y = twin(tensor(torch, x))
    y.sum().backward()
    assert y.flatten().tolist() == [perceptron(row).data for row in x]
    assert [p.grad.tolist() for p in twin.parameters()] == [[[0.0, 0.0]], [0.0]]


def test_prelu_differs_from_torchs_only_in_the_derivative_at_zero(torch) -> None:
    """relu(z) - a · relu(-z) has derivative 0 at z = 0 in stepgrad, a in torch's PReLU."""
    neuron = Neuron(1, activation="prelu", seed=0)
    neuron.w[0].data = 1.0
    x = autograd.Value(0.0)
    neuron([x]).backward()
    twin = neuron.to_torch()
    tx = torch.zeros(1, 1, dtype=torch.float64, requires_grad=True)
    twin(tx).sum().backward()
    assert (x.grad, tx.grad.item()) == (0.0, 0.25)


@pytest.mark.parametrize("x", [20.5, 25.0, 30.0, 37.0, 38.0, 50.0, 700.0])
def test_softplus_keeps_its_digits_where_torchs_default_returns_x(x: float, torch) -> None:
    z = autograd.Value(x)
    y = z.softplus()
    y.backward()
    twin = Neuron(1, activation="softplus").to_torch()[1]
    tz = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    ty = twin(tz)
    ty.backward()
    assert ty.item() == pytest.approx(y.data, rel=1e-15)
    assert tz.grad.item() == pytest.approx(z.grad, rel=1e-15)


@pytest.mark.parametrize("x", [0.0, 1e-3, -0.05, 0.0999, 0.1, 0.5, -3.0])
def test_sinc_has_stepgrads_derivative_near_zero(x: float, torch) -> None:
    z = autograd.Value(x)
    z.sinc().backward()
    tz = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = Neuron(1, activation="sinc").to_torch()[1](tz)
    y.backward()
    assert y.item() == pytest.approx(math.sin(x) / x if x else 1.0, rel=1e-15)
    assert tz.grad.item() == pytest.approx(z.grad, rel=1e-15, abs=1e-300)


def test_where_tanh_saturates_torchs_derivative_loses_digits_and_stepgrads_does_not(torch):
    """tanh'(10) = 1 - tanh(10)² = 8.2e-9: torch's 1 - y² cancels, stepgrad's rule keeps it."""
    exact = float(1 / mpmath.cosh(10) ** 2)
    z = autograd.Value(10.0)
    z.tanh().backward()
    tz = torch.tensor(10.0, dtype=torch.float64, requires_grad=True)
    torch.nn.Tanh()(tz).backward()
    assert z.grad == pytest.approx(exact, rel=1e-15, abs=0.0)
    assert tz.grad.item() != pytest.approx(exact, rel=1e-9, abs=0.0)


# Reading back.


@given(model=models())
def test_mlp_to_torch_and_back_is_exact(model: MLP, torch, pytorch) -> None:
    twin = model.to_torch()
    back = MLP.from_torch(twin)
    assert back.config == model.config
    assert [(name, p.data) for name, p in back.named_parameters()] == [
        (name, p.data) for name, p in model.named_parameters()
    ]
    state = pytorch.state_dict(model)
    assert all(torch.equal(state[name], value) for name, value in twin.state_dict().items())


SMALL_MODELS = {
    "Layer elu": lambda: Layer(3, 4, activation="elu", seed=0),
    "Layer prelu no bias": lambda: Layer(3, 2, activation="prelu", bias=False, seed=0),
    "Neuron sinc": lambda: Neuron(3, activation="sinc", seed=0),
    "Neuron linear no bias": lambda: Neuron(3, activation="linear", bias=False, seed=0),
    "Perceptron": lambda: Perceptron(3, seed=0),
}


@pytest.mark.parametrize("make", SMALL_MODELS.values(), ids=SMALL_MODELS)
def test_layers_neurons_and_perceptrons_go_and_come_back(make, torch) -> None:
    model = make()
    randomize(model, 0)
    back = type(model).from_torch(model.to_torch())
    assert [(name, p.data) for name, p in back.named_parameters()] == [
        (name, p.data) for name, p in model.named_parameters()
    ]
    inputs = [[0.5, -1.0, 2.0], [0.0, 0.25, -0.75]]
    assert back.predict(inputs) == model.predict(inputs)


def test_a_model_written_in_torch_reads_into_an_mlp(torch) -> None:
    generator = torch.Generator().manual_seed(0)
    layers = [
        torch.nn.Linear(3, 5),
        torch.nn.ReLU(inplace=True),
        torch.nn.Linear(5, 4),
        torch.nn.Softplus(),
        torch.nn.Linear(4, 2),
    ]
    for layer in layers[::2]:
        for p in layer.parameters():
            torch.nn.init.uniform_(p, -1.0, 1.0, generator=generator)
    module = torch.nn.Sequential(*layers).double()
    model = MLP.from_torch(module)
    assert model.config == {
        "nin": 3,
        "nouts": [5, 4, 2],
        "activation": ["relu", "softplus"],
        "out_activation": "linear",
        "bias": True,
    }
    inputs = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]]
    ours = tensor(torch, [[y.data for y in row] for row in outputs(model, inputs)])
    assert relative_error(ours, module(tensor(torch, inputs)).detach()) <= SAME


def test_one_linear_layer_is_a_linear_model(torch) -> None:
    linear = torch.nn.Linear(3, 1, dtype=torch.float64)
    model = MLP.from_torch(linear)
    assert model.config["nouts"] == [1] and model.config["out_activation"] == "linear"
    assert [w.data for w in model.layers[0].neurons[0].w] == linear.weight[0].tolist()
    assert Neuron.from_torch(linear).b.data == linear.bias.item()


def test_a_float32_module_reads_exactly(torch) -> None:
    module = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    model = MLP.from_torch(module)
    assert [p.data for p in model.parameters()] == [
        x for layer in module[::2] for row, b in zip(layer.weight, layer.bias) for x in [*row, b]
    ]


# Training both ways.

OPTIMIZERS = [
    (SGD, "SGD", {"lr": 0.1}),
    (SGD, "SGD", {"lr": 0.1, "momentum": 0.9}),
    (SGD, "SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
    (Adam, "Adam", {"lr": 0.02}),
    (Adam, "Adam", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.01}),
]


@pytest.mark.parametrize(
    ("ours", "theirs", "options"),
    OPTIMIZERS,
    ids=[f"{name}-{'-'.join(options)}" for _, name, options in OPTIMIZERS],
)
@settings(max_examples=10)
@given(data=st.data())
def test_100_steps_from_the_same_start_give_the_same_parameters(
    ours, theirs, options, data, torch, pytorch
) -> None:
    """Full-batch gradient descent on the mean squared error of 8 random points, in each
    engine with its own gradients: after 100 steps the parameters agree to 1e-10."""
    model = data.draw(models())
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1)))
    nin, nout = model.config["nin"], model.config["nouts"][-1]
    inputs = [[rng.uniform(-1.0, 1.0) for _ in range(nin)] for _ in range(8)]
    targets = [[rng.uniform(-1.0, 1.0) for _ in range(nout)] for _ in range(8)]
    twin = model.to_torch()
    optimizer = ours(model.parameters(), **options)
    torch_optimizer = getattr(torch.optim, theirs)(twin.parameters(), **options)
    mse, torch_mse = losses.mse, pytorch.torch_loss(losses.mse)
    x, y = tensor(torch, inputs), tensor(torch, targets)
    flat_targets = [t for row in targets for t in row]
    for _ in range(STEPS):
        loss = mse([y for row in outputs(model, inputs) for y in row], flat_targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        torch_optimizer.zero_grad()
        torch_mse(twin(x), y).backward()
        torch_optimizer.step()
    assert worst_error(pytorch.state_dict(model), twin.state_dict()) <= SAME_AFTER_TRAINING


# Losses. A loss near 0 can lose digits in either engine, so losses and their gradients are
# compared at a scale of at least 1: for a confident prediction torch's cross-entropy
# computes z_t - logsumexp(z), which rounds at the logits' scale, where stepgrad's log1p
# keeps the digits; stepgrad's binary cross-entropy takes ln of the rounded 1 - p, where
# torch computes log1p(-p).

LOSS = {"floor": 1.0}

reals = st.floats(-10.0, 10.0)
LOSS_CASES = {
    "sse": (reals, reals, {}),
    "mse": (reals, reals, {"reduction": "sum"}),
    "binary_cross_entropy": (st.floats(1e-6, 1.0 - 1e-6), st.floats(0.0, 1.0), {}),
    "binary_cross_entropy_with_logits": (st.floats(-30.0, 30.0), st.floats(0.0, 1.0), {}),
    "hinge": (st.floats(-3.0, 3.0), st.sampled_from([1.0, -1.0]), {"reduction": "sum"}),
}
"""For each loss of predictions and targets: how to draw them, and options."""


@pytest.mark.parametrize("name", sorted(LOSS_CASES))
@given(data=st.data())
def test_each_loss_equals_its_torch_counterpart(name: str, data, torch, pytorch) -> None:
    predictions, targets, options = LOSS_CASES[name]
    n = data.draw(st.integers(1, 6))
    rs = data.draw(st.lists(predictions, min_size=n, max_size=n))
    ys = data.draw(st.lists(targets, min_size=n, max_size=n))
    values = [autograd.Value(r) for r in rs]
    loss = getattr(losses, name)(values, ys, **options)
    loss.backward()
    x = tensor(torch, rs).requires_grad_()
    expected = pytorch.torch_loss(name)(x, tensor(torch, ys), **options)
    expected.backward()
    assert relative_error(tensor(torch, loss.data), expected.detach(), **LOSS) <= SAME
    assert relative_error(tensor(torch, [v.grad for v in values]), x.grad, **LOSS) <= SAME


@given(data=st.data())
def test_cross_entropy_equals_torchs(data, torch, pytorch) -> None:
    classes = data.draw(st.integers(1, 5))
    row = st.lists(st.floats(-20.0, 20.0), min_size=classes, max_size=classes)
    rows = data.draw(st.lists(row, min_size=1, max_size=4))
    n = len(rows)
    targets = data.draw(st.lists(st.integers(0, classes - 1), min_size=n, max_size=n))
    values = [[autograd.Value(z) for z in row] for row in rows]
    loss = losses.cross_entropy(values, targets)
    loss.backward()
    x = tensor(torch, rows).requires_grad_()
    expected = pytorch.torch_loss(losses.cross_entropy)(x, torch.tensor(targets))
    expected.backward()
    assert relative_error(tensor(torch, loss.data), expected.detach(), **LOSS) <= SAME
    grads = tensor(torch, [[v.grad for v in row] for row in values])
    assert relative_error(grads, x.grad, **LOSS) <= SAME


@given(ws=st.lists(st.floats(-10.0, 10.0), min_size=1, max_size=6), alpha=st.floats(0.0, 1.0))
def test_l2_equals_its_torch_counterpart_over_a_models_parameters(ws, alpha, torch, pytorch):
    values = [autograd.Value(w) for w in ws]
    loss = losses.l2(values, alpha=alpha)
    loss.backward()
    tensors = [tensor(torch, ws[:1]).requires_grad_(), tensor(torch, ws[1:]).requires_grad_()]
    expected = pytorch.torch_loss("l2")(tensors, alpha=alpha)
    expected.backward()
    assert relative_error(tensor(torch, loss.data), expected.detach(), **LOSS) <= SAME
    grads = torch.cat([t.grad for t in tensors])
    assert relative_error(tensor(torch, [v.grad for v in values]), grads, **LOSS) <= SAME


def test_the_hinge_has_derivative_zero_at_its_kink_in_both(torch, pytorch) -> None:
    scores = [autograd.Value(1.0), autograd.Value(-1.0)]
    losses.hinge(scores, [1.0, -1.0]).backward()
    x = tensor(torch, [1.0, -1.0]).requires_grad_()
    pytorch.torch_loss("hinge")(x, tensor(torch, [1.0, -1.0])).backward()
    assert [s.grad for s in scores] == x.grad.tolist() == [0.0, 0.0]


def test_every_loss_of_nn_losses_has_a_torch_counterpart(pytorch) -> None:
    public = {
        name
        for name, value in vars(losses).items()
        if callable(value)
        and getattr(value, "__module__", None) == "nn.losses"
        and not name.startswith("_")
    }
    assert set(pytorch.TORCH_LOSSES) == public
    for name in public:
        assert pytorch.torch_loss(getattr(losses, name)) is pytorch.torch_loss(name)


@pytest.mark.parametrize("loss", ["huber", sum, lambda r, y: r])
def test_torch_loss_refuses_what_is_no_loss_of_nn(loss, pytorch) -> None:
    with pytest.raises(ValueError, match=r"torch_loss: expected a loss of nn.losses or its name"):
        pytorch.torch_loss(loss)


# What does not map.


def unsupported(torch) -> list[tuple[object, str]]:
    """(torch module, the error it gives from_torch)."""
    nn_ = torch.nn
    return [
        (
            nn_.Sequential(nn_.Linear(4, 3), nn_.Conv2d(1, 2, 3)),
            r"layer 1 of the Sequential, Conv2d\(1, 2, kernel_size=\(3, 3\).*is not supported",
        ),
        (nn_.Sequential(nn_.Linear(4, 3), nn_.Dropout(0.5)), r"layer 1 .*Dropout.* not supported"),
        (nn_.Sequential(nn_.Linear(4, 3), nn_.BatchNorm1d(3)), r"layer 1 .*BatchNorm1d"),
        (nn_.Sequential(nn_.Linear(4, 3), nn_.GELU()), r"layer 1 .*GELU.*LeakyReLU"),
        (
            nn_.Sequential(nn_.Linear(4, 3), nn_.LeakyReLU(0.2)),
            r"layer 1 .*LeakyReLU\(negative_slope=0.2\).*LeakyReLU\(negative_slope=0.01\)",
        ),
        (nn_.Sequential(nn_.Linear(4, 3), nn_.Softplus(beta=2.0)), r"layer 1 .*Softplus"),
        (nn_.Sequential(nn_.Linear(4, 3), nn_.ELU(0.5)), r"layer 1 .*ELU\(alpha=0.5\)"),
        (
            nn_.Sequential(nn_.Linear(4, 3), nn_.PReLU()),
            r"layer 1 .*PReLU.* has 1 slope\(s\) for 3 neurons.*PReLU\(3\)",
        ),
        (nn_.Sequential(nn_.ReLU(), nn_.Linear(4, 3)), r"layer 0 .*comes before any Linear"),
        (
            nn_.Sequential(nn_.Linear(4, 3), nn_.ReLU(), nn_.Tanh()),
            r"layer 2 .*Tanh.* follows another activation",
        ),
        (
            nn_.Sequential(nn_.Linear(4, 3), nn_.Linear(2, 1)),
            r"layer 1 .* takes 2 inputs but the Linear before it gives 3",
        ),
        (
            nn_.Sequential(nn_.Linear(4, 3), nn_.Linear(3, 1, bias=False)),
            "some Linear layers have a bias and some do not",
        ),
        (nn_.Sequential(), "the Sequential has no Linear layer"),
        (
            nn_.Sequential(nn_.Sequential(nn_.Linear(4, 3))),
            "layer 0 of the Sequential, Sequential, is not supported",
        ),
    ]


def test_unsupported_torch_layers_are_errors_naming_the_layer_and_its_position(torch) -> None:
    for module, message in unsupported(torch):
        with pytest.raises(ValueError, match=message):
            MLP.from_torch(module)


def test_a_module_that_is_no_sequential_is_a_type_error(torch) -> None:
    class Net(torch.nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(TypeError, match=r"expected a torch.nn.Sequential .* got Net"):
        MLP.from_torch(Net())


def test_each_class_reads_only_what_it_can_hold(torch) -> None:
    nn_ = torch.nn
    two = nn_.Sequential(nn_.Linear(3, 2), nn_.ReLU(), nn_.Linear(2, 1))
    with pytest.raises(ValueError, match=r"Layer.from_torch: expected one Linear layer, got 2"):
        Layer.from_torch(two)
    with pytest.raises(ValueError, match=r"Neuron.from_torch: expected a Linear layer with one"):
        Neuron.from_torch(nn_.Linear(3, 2))
    with pytest.raises(ValueError, match="a Perceptron is Linear"):
        Perceptron.from_torch(nn_.Sequential(nn_.Linear(3, 1), nn_.ReLU()))
    with pytest.raises(TypeError, match="from_torch: makes an MLP, Layer, Neuron or Perceptron"):
        Maxout.from_torch(two)


def test_models_without_a_torch_counterpart_are_errors_naming_them(torch) -> None:
    with pytest.raises(TypeError, match="to_torch: converts an MLP, Layer, Neuron or Perceptron"):
        Maxout(2, 2, seed=0).to_torch()
    layer = Layer(2, 2, seed=0)
    layer.neurons[1] = Neuron(2, activation="tanh", seed=0)
    with pytest.raises(ValueError, match="the neurons of the layer differ"):
        layer.to_torch()


def test_a_custom_op_activation_is_an_error_naming_it(torch) -> None:
    @autograd.custom_op(symbol="cube", rule="d(x³)/dx = 3x²", local_grads=lambda out, x: 3 * x * x)
    def cube(x: float) -> float:
        return x**3

    try:
        model = MLP(2, [3, 1], activation="cube", seed=0)
        with pytest.raises(ValueError, match=r"to_torch: layers.0 has the activation 'cube'"):
            model.to_torch()
    finally:
        cube.remove()


def test_without_torch_nn_works_and_to_torch_says_what_to_install() -> None:
    """`import nn` and training never import torch; with torch missing, to_torch is an
    ImportError that names the extra to install."""
    program = """
import sys
import nn, nn.checkpoint, nn.data, nn.losses, nn.optim, nn.train
assert "torch" not in sys.modules, "importing nn imported torch"
sys.modules["torch"] = None  # what a missing torch looks like to import
model = nn.MLP(2, [3, 1], seed=0)
model([0.5, 1.0]).backward()
try:
    model.to_torch()
except ImportError as error:
    print(error)
"""
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "nn.pytorch needs PyTorch: pip install 'stepgrad[torch]'"
