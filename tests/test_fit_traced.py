"""fit, evaluate, accuracy and predict on a traced program: bit for bit what building
every sample's graph gives, on every loss, activation and optimizer; and the slow way
when a model cannot be traced."""

from __future__ import annotations

import warnings
from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Program, Value
from nn import MLP
from nn.cli import main
from nn.data import Dataset, blobs, mnist, moons, spirals
from nn.layers import activations
from nn.module import TRACE_FROM, Module
from nn.optim import SGD, Adam, LinearLR
from nn.train import OBJECTIVES, ProgramWarning, accuracy, evaluate, fit


def bits(model: Module) -> bytes:
    return array("d", [p.data for p in model.parameters()]).tobytes()


def both_ways(make, data: Dataset, **options) -> tuple[Module, Module]:
    """The model `make()` trained traced and with Values, from the same weights."""
    models = []
    for trace in (True, False):
        model, optimizer = make()
        fit(model, data, optimizer=optimizer, progress=False, trace=trace, **options)
        models.append(model)
    return models[0], models[1]


def regression(n: int) -> Dataset:
    points = moons(n, seed=4)
    return Dataset(points.inputs, [x - 0.5 * y for x, y in points.inputs], "regression", 0)


@pytest.mark.filterwarnings("ignore::nn.train.DivergenceWarning")
@settings(max_examples=12, deadline=None)
@given(
    loss=st.sampled_from(sorted(OBJECTIVES)),
    activation=st.sampled_from(activations()),
    batch_size=st.sampled_from([1, 5, None]),
    l2=st.sampled_from([0.0, 1e-3]),
    adam=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_traced_training_equals_building_graphs(
    loss: str, activation: str, batch_size: int | None, l2: float, adam: bool, seed: int
) -> None:
    if loss == "cross_entropy":
        data = spirals(12, classes=3, seed=seed)
    elif loss == "mse":
        data = regression(12)
    else:
        data = moons(12, seed=seed)
    outputs = data.classes if loss == "cross_entropy" else 1

    def make():
        model = MLP(2, [5, 4, outputs], activation=activation, seed=seed)
        if adam:
            return model, Adam(model.parameters(), lr=0.01)
        return model, SGD(model.parameters(), lr=0.01, momentum=0.9)

    traced, built = both_ways(make, data, loss=loss, epochs=2, batch_size=batch_size, l2=l2)
    assert bits(traced) == bits(built)
    assert evaluate(traced, data, loss=loss) == evaluate(built, data, loss=loss, trace=False)


def test_micrograd_demo_trains_the_same_traced() -> None:
    """micrograd's demo: 2-16-16-1, 100 moons, hinge + L2, full batch, a decaying lr."""
    data = moons(100, noise=0.1, seed=1)

    def make():
        model = MLP(2, [16, 16, 1], seed=1)
        optimizer = SGD(model.parameters(), lr=1.0)
        make.schedule = LinearLR(optimizer, start_factor=1.0, end_factor=0.1, total_iters=10)
        return model, optimizer

    models = []
    for trace in (True, False):
        model, optimizer = make()
        history = fit(
            model,
            data,
            optimizer=optimizer,
            loss="hinge",
            epochs=10,
            batch_size=None,
            l2=1e-4,
            schedule=make.schedule,
            progress=False,
            trace=trace,
        )
        models.append((model, history))
    (traced, history_traced), (built, history_built) = models
    assert bits(traced) == bits(built)
    assert history_traced == history_built


def test_an_mnist_shaped_epoch_is_bit_identical() -> None:
    """784-128-256-10 with Adam in batches of 32, as `make bench-mnist`, on 64 digits."""
    digits = mnist()
    data = Dataset(digits.inputs[:64], digits.targets[:64], digits.name, digits.classes)

    def make():
        model = MLP(784, [128, 256, 10], init="he", seed=0)
        return model, Adam(model.parameters(), lr=1e-3)

    traced, built = both_ways(make, data, epochs=1, batch_size=32)
    assert bits(traced) == bits(built)


def test_predict_evaluate_and_accuracy_equal_the_graph() -> None:
    data = blobs(3 * TRACE_FROM, centers=3, seed=2)
    model = MLP(2, [8, 3], activation="tanh", seed=3)
    traced = model.predict(data.inputs)
    assert traced == model.predict(data.inputs, trace=False)
    assert traced == [[y.data for y in model(x)] for x in data.inputs]
    assert accuracy(model, data) == accuracy(model, data, trace=False)
    assert evaluate(model, data) == evaluate(model, data, trace=False)


def test_predict_refuses_a_bad_input_with_the_graph_error() -> None:
    model = MLP(2, [3, 1], seed=0)
    inputs = [[0.5, 0.5]] * TRACE_FROM + [[float("nan"), 0.0]]
    with pytest.raises(ValueError, match="nan"):
        model.predict(inputs)
    with pytest.raises(ValueError, match="expected 2 inputs"):
        model.predict([[0.5, 0.5]] * TRACE_FROM + [[0.5]])


class Branchy(Module):
    """A model whose graph depends on the data: w · x0 through relu where x0 > 0, through
    tanh elsewhere; with `scaled`, w · x0 · |x0| with |x0| a number read from the data."""

    def __init__(self, *, scaled: bool = False) -> None:
        self.w = Value(0.5)
        self.scaled = scaled

    def own_parameters(self) -> list[tuple[str, Value]]:
        return [("w", self.w)]

    def forward(self, x):
        x0 = x[0].data if isinstance(x[0], Value) else x[0]
        if self.scaled:
            return self.w * x[0] * abs(x0)
        z = self.w * x[0]
        return z.relu() if x0 > 0 else z.tanh()

    def float_path(self):
        return lambda x: self(x).data


@pytest.mark.parametrize(
    ("scaled", "seen"), [(True, "cannot be traced"), (False, "on the first batch")]
)
def test_a_model_that_cannot_be_traced_trains_the_slow_way(scaled: bool, seen: str) -> None:
    """A param read from the data fails the trace; a branch on the sign of the data,
    which the trace's small move does not cross, fails the first batch's check."""
    data = moons(20, seed=0)
    model, slow = Branchy(scaled=scaled), Branchy(scaled=scaled)
    with pytest.warns(ProgramWarning, match=seen):
        fit(
            model,
            data,
            optimizer=SGD(model.parameters(), lr=0.1),
            loss="hinge",
            epochs=2,
            batch_size=8,
            progress=False,
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit(
            slow,
            data,
            optimizer=SGD(slow.parameters(), lr=0.1),
            loss="hinge",
            epochs=2,
            batch_size=8,
            progress=False,
            trace=False,
        )
    assert bits(model) == bits(slow)


def test_the_first_batch_check_names_what_differs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A program that computed other gradients is caught on the first batch."""
    data = moons(8, seed=0)
    model = MLP(2, [3, 1], seed=0)
    backward_batch = Program.backward_batch

    def off_by_a_little(program: Program, samples: list, seeds: list) -> list:
        outputs = backward_batch(program, samples, seeds)
        program.parameters[0].grad += 1e-9
        return outputs

    monkeypatch.setattr(Program, "backward_batch", off_by_a_little)
    with pytest.warns(ProgramWarning, match=r"the gradient of layers\.0\.neurons\.0\.w\.0"):
        fit(
            model,
            data,
            optimizer=SGD(model.parameters(), lr=0.1),
            loss="hinge",
            epochs=1,
            progress=False,
        )


def test_the_command_trains_the_same_model_with_no_trace(tmp_path) -> None:
    runs = []
    for flags in ([], ["--no-trace"]):
        out = tmp_path / ("slow" if flags else "traced")
        argv = ["train", "--dataset", "spirals", "--samples", "60", "--hidden", "6"]
        assert main([*argv, "--epochs", "3", "--out", str(out), "--no-progress", *flags]) == 0
        runs.append((out / "model.json").read_bytes())
    assert runs[0] == runs[1]
