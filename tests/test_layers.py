"""Neuron, Layer, MLP, Maxout, Perceptron: shapes, defaults, options and the float path."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Value
from nn import MLP, Layer, Maxout, Neuron, Perceptron, activations
from nn.data import boolean


def test_micrograd_defaults() -> None:
    """relu hidden layers, a linear last layer, bias 0, weights U(-1, 1)."""
    model = MLP(3, [4, 4, 1], seed=0)
    assert [layer.neurons[0].activation for layer in model.layers] == ["relu", "relu", "linear"]
    assert all(n.b.data == 0.0 for layer in model.layers for n in layer.neurons)
    assert all(-1.0 <= p.data <= 1.0 for p in model.parameters())
    assert len(model.parameters()) == (3 + 1) * 4 + (4 + 1) * 4 + (4 + 1) * 1


def test_parameters_are_layer_by_layer_neuron_by_neuron_weights_then_bias() -> None:
    model = MLP(2, [2, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
        "layers.0.neurons.1.w.1",
        "layers.0.neurons.1.b",
        "layers.1.neurons.0.w.0",
        "layers.1.neurons.0.w.1",
        "layers.1.neurons.0.b",
    ]
    first = model.layers[0].neurons[0]
    assert model.parameters()[:3] == [*first.w, first.b]


def test_one_output_is_a_value_several_are_a_list() -> None:
    assert isinstance(MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    outputs = MLP(2, [3, 4], seed=0)([Value(1.0), Value(2.0)])
    assert isinstance(outputs, list) and len(outputs) == 4


def test_a_one_neuron_hidden_layer_works() -> None:
    model = MLP(2, [1, 1], seed=0)
    y = model([0.5, -0.5])
    y.backward()
    assert len(model.parameters()) == 5


def test_same_seed_same_model_and_a_random_instance_works() -> None:
    a, b = MLP(4, [5, 2], seed=7), MLP(4, [5, 2], seed=7)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    c = MLP(4, [5, 2], seed=random.Random(7))
    assert [p.data for p in c.parameters()] == [p.data for p in a.parameters()]
    assert [p.data for p in MLP(4, [5, 2], seed=8).parameters()] != [p.data for p in a.parameters()]


@pytest.mark.parametrize(("init", "bound"), [("xavier", math.sqrt(6 / (50 + 20)))])
def test_xavier_init_is_bounded(init: str, bound: float) -> None:
    layer = Layer(50, 20, init=init, seed=0)
    weights = [w.data for n in layer.neurons for w in n.w]
    assert max(map(abs, weights)) <= bound
    assert max(map(abs, weights)) > 0.8 * bound


def test_he_init_has_the_right_spread() -> None:
    layer = Layer(200, 100, init="he", seed=0)
    weights = [w.data for n in layer.neurons for w in n.w]
    variance = sum(w * w for w in weights) / len(weights)
    assert variance == pytest.approx(2 / 200, rel=0.05)


@pytest.mark.parametrize("activation", activations())
def test_every_activation_of_the_table_works(activation: str) -> None:
    neuron = Neuron(3, activation=activation, seed=1)
    y = neuron([0.3, -0.2, 0.9])
    y.backward()
    assert math.isfinite(y.data)
    assert neuron.predictor()([0.3, -0.2, 0.9]) == y.data


def test_activations_come_from_the_op_table() -> None:
    names = set(activations())
    assert {"relu", "tanh", "sigmoid", "leaky_relu", "elu", "softplus", "mish", "step"} <= names
    assert not {"pow", "log", "sqrt", "exp"} & names


def test_per_layer_activations() -> None:
    model = MLP(2, [3, 3, 1], activation=["tanh", "sigmoid"], out_activation="sigmoid", seed=0)
    assert [layer.neurons[0].activation for layer in model.layers] == ["tanh", "sigmoid", "sigmoid"]


@given(st.lists(st.floats(-3, 3), min_size=3, max_size=3), st.sampled_from(activations()))
def test_expanded_and_sigma_neurons_agree_exactly(x: list[float], activation: str) -> None:
    folded = MLP(3, [4, 2], activation=activation, seed=5)
    expanded = MLP(3, [4, 2], activation=activation, seed=5, expand=True)
    outputs = [folded(x), expanded(x)]
    for out in outputs:
        autograd.sum(out).backward()
    assert [y.data for y in outputs[0]] == [y.data for y in outputs[1]]
    assert [p.grad for p in folded.parameters()] == [p.grad for p in expanded.parameters()]
    neuron = folded.layers[0].neurons[0](x)
    assert next(n.op.name for n in autograd.topological_order(neuron) if n.op) == "dot"


def test_expanded_neuron_is_one_node_per_multiply_and_add() -> None:
    z = Neuron(3, activation="linear", seed=0, expand=True)([1.0, 2.0, 3.0])
    ops = [n.op.name for n in autograd.topological_order(z) if n.op]
    assert sorted(ops) == ["add", "add", "add", "mul", "mul", "mul"]


def test_no_bias() -> None:
    model = MLP(2, [3, 1], bias=False, seed=0)
    assert len(model.parameters()) == 2 * 3 + 3 * 1
    assert model([0.0, 0.0]).data == 0.0


def test_prelu_learns_its_slope() -> None:
    neuron = Neuron(1, activation="prelu", seed=0)
    neuron.w[0].data = 1.0
    y = neuron([-2.0])
    assert y.data == pytest.approx(0.25 * -2.0)
    y.backward()
    assert neuron.slope.grad == pytest.approx(-2.0)
    assert [name for name, _ in neuron.named_parameters()] == ["w.0", "b", "slope"]


def test_maxout_takes_the_larger_piece() -> None:
    unit = Maxout(2, 1, pieces=3, seed=0)
    x = [0.4, -0.7]
    (y,) = unit(x)
    pieces = [n(x).data for n in unit.units[0].neurons]
    assert y.data == max(pieces)
    y.backward()
    winner = max(range(3), key=pieces.__getitem__)
    assert unit.units[0].neurons[winner].b.grad == 1.0
    assert unit.predict([x]) == [[y.data]]


def test_predict_equals_the_graph_exactly() -> None:
    model = MLP(2, [8, 8, 3], activation="tanh", seed=3)
    points = [[i / 7 - 0.5, 0.3 - j / 5] for i in range(8) for j in range(6)]
    assert model.predict(points) == [[y.data for y in model(p)] for p in points]


def test_perceptron_learns_and_and_or_but_not_xor() -> None:
    """Rosenblatt's rule converges on separable data; no line separates XOR."""
    for name, learnable in [("and", True), ("or", True), ("xor", False)]:
        data = boolean(name)
        perceptron = Perceptron(2, seed=0)
        mistakes = perceptron.fit(data.inputs, data.targets, epochs=30, lr=0.1)
        assert (mistakes[-1] == 0) == learnable, (name, mistakes)
        if learnable:
            assert [perceptron(x).data for x in data.inputs] == data.targets


def test_perceptron_rule_is_w_plus_alpha_e_x() -> None:
    perceptron = Perceptron(2, seed=0)
    w, b = [w.data for w in perceptron.neuron.w], perceptron.neuron.b.data
    output = perceptron([1.0, 2.0]).data
    error = perceptron.update([1.0, 2.0], 1.0 - output, lr=0.5)
    assert error == (1.0 - output) - output
    assert [x.data for x in perceptron.neuron.w] == [
        w[0] + 0.5 * error * 1.0,
        w[1] + 0.5 * error * 2.0,
    ]
    assert perceptron.neuron.b.data == b + 0.5 * error


def test_zero_grad() -> None:
    model = MLP(2, [2, 1], seed=0)
    model([1.0, 1.0]).backward()
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: MLP(2, []), "MLP: nouts must list at least one layer size"),
        (lambda: MLP(2, [0]), "Layer: nout must be a positive integer, got 0"),
        (lambda: MLP(0, [1]), "Neuron: nin must be a positive integer, got 0"),
        (lambda: MLP(2, [3, 1], activation="nope"), "Neuron: unknown activation 'nope'"),
        (lambda: MLP(2, [3, 1], init="zeros"), "Neuron: unknown init 'zeros'"),
        (lambda: MLP(2, [3, 3, 1], activation=["relu"]), r"MLP: 2 hidden layer\(s\) but 1"),
        (lambda: MLP(2, [3, 1], seed=0)([1.0]), "Layer: expected 2 inputs, got 1"),
        (lambda: Maxout(2, 1, pieces=0), "Maxout: pieces must be a positive integer"),
        (lambda: Maxout(2, 0), "Maxout: nout must be a positive integer"),
    ],
)
def test_errors(make, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_models_label_their_parameters_with_their_names() -> None:
    model = MLP(2, [2, 1], seed=0)
    assert [p.label for p in model.parameters()] == [n for n, _ in model.named_parameters()]
    layer = Layer(2, 1, seed=0)
    assert [p.label for p in layer.parameters()] == [
        "neurons.0.w.0",
        "neurons.0.w.1",
        "neurons.0.b",
    ]


def test_micrograd_nonlin_is_the_old_name_of_activation() -> None:
    """micrograd's Neuron(nin, nonlin=True): relu when nonlin, else linear."""
    for neuron in (Neuron(2, nonlin=False, seed=0), Neuron(2, False, seed=0)):
        assert neuron.activation == "linear"
    for neuron in (Neuron(2, nonlin=True, seed=0), Neuron(2, True, seed=0), Neuron(2, seed=0)):
        assert neuron.activation == "relu"
    assert Neuron(2, nonlin="tanh", seed=0).activation == "tanh"
    assert {n.activation for n in Layer(2, 3, nonlin=False, seed=0).neurons} == {"linear"}
    assert {n.activation for n in Layer(2, 3, nonlin=True, seed=0).neurons} == {"relu"}
    linear, relu = Neuron(1, False, seed=0), Neuron(1, True, seed=0)
    linear.w[0].data = relu.w[0].data = 1.0
    assert (linear([-2.0]).data, relu([-2.0]).data) == (-2.0, 0.0)


def test_micrograd_mlp_is_built_as_micrograd_builds_it() -> None:
    """micrograd: Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1) for each layer."""
    nouts = [4, 4, 1]
    sizes = [3, *nouts]
    by_hand = [
        Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1, seed=0) for i in range(len(nouts))
    ]
    model = MLP(3, nouts, seed=0)
    assert [repr(layer) for layer in model.layers] == [repr(layer) for layer in by_hand]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Neuron(2, False, activation="tanh"), "give activation or nonlin"),
        (lambda: Neuron(2, nonlin=True, activation="relu"), "activation='relu' and nonlin=True"),
        (lambda: Layer(2, 3, nonlin=False, activation="linear"), "Neuron: give activation"),
        (lambda: Neuron(2, nonlin=1), r"Neuron: nonlin must be True, False .*got 1 \(int\)"),
    ],
)
def test_nonlin_errors(make, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        make()
