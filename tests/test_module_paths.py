"""Module paths read from the labels `nn` gives parameters, and the module of each node."""

from __future__ import annotations

import pytest

import autograd
from autograd import Value
from autograd.module_paths import module_depth, module_of, module_paths, outer_module


@pytest.mark.parametrize(
    ("label", "path"),
    [
        ("layers.0.neurons.3.w.2", "layers.0.neurons.3"),
        ("layers.1.neurons.0.b", "layers.1.neurons.0"),
        ("units.1.neurons.0.slope", "units.1.neurons.0"),
        ("neurons.2.w.0", "neurons.2"),
        ("w.2", None),
        ("x", None),
        ("a.b", None),
        ("total.loss.w", None),
        ("", None),
    ],
)
def test_module_of_a_parameter_label(label: str, path: str | None) -> None:
    assert module_of(label) == path


def test_every_parameter_name_nn_gives_is_read_as_its_module() -> None:
    from nn import MLP

    model = MLP(2, [3, 1], seed=0)
    for name, _ in model.named_parameters():
        path = module_of(name)
        assert path is not None and path.startswith("layers.") and ".neurons." in path
        assert module_depth(path) == 2 and name.startswith(path + ".")


@pytest.mark.parametrize(
    ("path", "depth", "outer"),
    [
        ("", 0, ""),
        ("layers.0", 1, "layers.0"),
        ("layers.0.neurons.3", 2, "layers.0"),
        ("layers.10.neurons.3.units.1", 3, "layers.10"),
    ],
)
def test_depth_and_outer_module(path: str, depth: int, outer: str) -> None:
    assert module_depth(path) == depth
    assert outer_module(path, 1) == outer
    assert outer_module(path, depth) == path


def test_nodes_made_in_a_module_belong_to_it_and_a_loss_does_not() -> None:
    w0, w1 = Value(0.5, label="layers.0.neurons.1.w.0"), Value(-1.0, label="layers.0.neurons.1.w.1")
    b = Value(0.1, label="layers.0.neurons.1.b")
    x0, x1 = Value(2.0, label="x0"), Value(3.0, label="x1")
    products = [w0 * x0, w1 * x1]
    total = products[0] + products[1] + b
    activation = total.tanh()
    loss = (activation - 1.0) ** 2
    paths = module_paths(autograd.topological_order(loss))
    neuron = "layers.0.neurons.1"
    assert all(paths[node] == neuron for node in [w0, w1, b, *products, total, activation])
    assert x0 not in paths and x1 not in paths and loss not in paths
