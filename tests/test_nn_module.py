"""Module.predict and predictor: the float path refuses what the graph path refuses, with
the graph path's own error, for every kind of model."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from nn import MLP, Layer, Maxout, Module, Neuron, Perceptron
from nn.data import Dataset
from nn.train import accuracy

MODELS = {
    "mlp": lambda: MLP(2, [4, 1], seed=0),
    "mlp with several outputs": lambda: MLP(2, [3, 3], activation="tanh", seed=0),
    "mlp of prelus": lambda: MLP(2, [3, 1], activation="prelu", seed=0),
    "mlp without bias": lambda: MLP(2, [3, 1], bias=False, seed=0),
    "layer": lambda: Layer(2, 3, seed=0),
    "neuron": lambda: Neuron(2, seed=0),
    "linear neuron": lambda: Neuron(2, activation="linear", seed=0),
    "maxout": lambda: Maxout(2, 2, seed=0),
    "perceptron": lambda: Perceptron(2, seed=0),
}

HOSTILE = {
    "too many inputs": [1.0, 2.0, 3.0],
    "too few inputs": [1.0],
    "no inputs": [],
    "nan": [math.nan, 1.0],
    "nan last": [1.0, math.nan],
    "inf": [math.inf, 1.0],
    "-inf": [-math.inf, 1.0],
    "a bool": [True, 1.0],
    "a str": ["a", 1.0],
    "None": [None, 1.0],
    "a huge int": [10**400, 1.0],
    "a str of two letters": "ab",
    "a number": 5,
}


def graph_error(model: Module, x: object) -> tuple[type, str]:
    with pytest.raises(Exception) as graph:
        model(x)
    return graph.type, str(graph.value)


@pytest.mark.parametrize("x", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("make", MODELS.values(), ids=MODELS.keys())
def test_predict_refuses_what_the_graph_refuses_with_its_error(make, x: object) -> None:
    model = make()
    kind, message = graph_error(model, x)
    assert kind in (TypeError, ValueError, OverflowError)
    with pytest.raises(kind) as predicted:
        model.predict([x])
    assert str(predicted.value) == message
    with pytest.raises(kind):
        model.predictor()(x)


@pytest.mark.parametrize("make", MODELS.values(), ids=MODELS.keys())
def test_predict_refuses_an_overflow_inside_the_model(make) -> None:
    """Finite inputs whose weighted sum overflows: relu or tanh would hide the inf."""
    model = make()
    for parameter in model.parameters():
        parameter.data = 1e300
    x = [1e10, 1e10]
    kind, message = graph_error(model, x)
    with pytest.raises(kind) as predicted:
        model.predict([x])
    assert str(predicted.value) == message


@pytest.mark.parametrize("make", MODELS.values(), ids=MODELS.keys())
def test_predict_refuses_a_nan_parameter(make) -> None:
    model = make()
    model.parameters()[0].data = math.nan
    kind, message = graph_error(model, [0.5, 0.5])
    with pytest.raises(kind) as predicted:
        model.predict([[0.5, 0.5]])
    assert str(predicted.value) == message


@pytest.mark.parametrize("make", MODELS.values(), ids=MODELS.keys())
def test_predict_of_any_real_numbers_equals_the_graph(make) -> None:
    model = make()
    for x in ([0.25, -1.5], [1, -2], (0.5, 3), [Fraction(1, 3), 2]):
        y = model(x)
        expected = [v.data for v in y] if isinstance(y, list) else y.data
        assert model.predict([x]) == [expected]


@pytest.mark.parametrize(
    ("x", "message"),
    [
        ([1, 2, 3], "Layer: expected 2 inputs, got 3"),
        ([], "Layer: expected 2 inputs, got 0"),
        ([math.nan, 1], r"^dot: .*(?i:nan)"),
    ],
)
def test_the_issue_examples(x: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MLP(2, [4, 1], seed=0).predict([x])


def test_accuracy_on_data_of_the_wrong_width_raises_as_the_graph_does() -> None:
    """accuracy (nn.train) goes through predict: 64 pixels into a model of 2 inputs."""
    data = Dataset([[i / 64 for i in range(64)]] * 10, list(range(10)), "wide", classes=10)
    model = MLP(2, [8, 10], seed=0)
    with pytest.raises(ValueError, match="Layer: expected 2 inputs, got 64"):
        model(data.inputs[0])
    with pytest.raises(ValueError, match="Layer: expected 2 inputs, got 64"):
        accuracy(model, data)


def test_accuracy_of_a_two_input_model_on_digits_raises() -> None:
    pytest.importorskip("sklearn")
    from nn.data import digits

    with pytest.raises(ValueError, match="Layer: expected 2 inputs, got 64"):
        accuracy(MLP(2, [8, 10], seed=0), digits())


def test_the_predictor_does_not_see_later_updates() -> None:
    model = MLP(2, [3, 1], seed=0)
    before = model.predict([[0.5, -0.5]])
    run = model.predictor()
    for parameter in model.parameters():
        parameter.data += 1.0
    assert [run([0.5, -0.5])] == before
