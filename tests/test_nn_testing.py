"""nn.testing: random MLPs and inputs for them, checked against finite differences."""

from __future__ import annotations

import pytest
from hypothesis import find, given
from hypothesis import strategies as st

from autograd import Value, gradcheck
from autograd import sum as total
from nn.layers import MLP
from nn.testing import inputs, mlps, smooth_activations


def output_sum(model: MLP, xs: list[Value]) -> Value:
    out = model(xs)
    return total(out) if isinstance(out, list) else out


@given(model=mlps(out_activation="tanh"), data=st.data())
def test_random_mlps_match_finite_differences(model: MLP, data: st.DataObject) -> None:
    x = data.draw(inputs(model))
    assert len(x) == model.config["nin"] and all(-2.0 <= v <= 2.0 for v in x)
    assert gradcheck(lambda *xs: output_sum(model, list(xs)), x)


@given(mlps(nin=3, max_layers=2, max_width=5, activation=["relu", "tanh"]))
def test_mlps_keep_their_shapes(model: MLP) -> None:
    assert model.config["nin"] == 3 and 1 <= len(model.config["nouts"]) <= 2
    assert all(1 <= n <= 5 for n in model.config["nouts"])
    assert set(model.config["activation"]) <= {"relu", "tanh"}


def test_mlps_shrink_to_one_neuron() -> None:
    model = find(mlps(), lambda m: True)
    assert model.config["nin"] == 1 and model.config["nouts"] == [1]
    assert len(model.parameters()) == 2


def test_both_shapes_of_the_weighted_sum_are_drawn() -> None:
    expanded = find(mlps(), lambda m: m.layers[0].neurons[0].expand)
    assert expanded.layers[0].neurons[0].expand


def test_the_default_activations_are_smooth() -> None:
    names = smooth_activations()
    assert {"linear", "tanh", "sigmoid", "softplus", "silu"} <= set(names)
    assert not {"relu", "step", "abs", "leaky_relu", "elu", "prelu"} & set(names)


def test_options_are_checked() -> None:
    with pytest.raises(TypeError, match="activation is a list of names, got the string 'tanh'"):
        mlps(activation="tanh")
    with pytest.raises(ValueError, match="mlps: activation must name activations"):
        mlps(activation=["tanhh"])
