"""fit, accuracy and evaluate: learning XOR, reproducibility, batch sizes, schedules."""

from __future__ import annotations

import math

import pytest

from nn import MLP
from nn.data import Dataset, boolean, moons
from nn.optim import SGD, LinearLR
from nn.train import OBJECTIVES, accuracy, evaluate, fit


def test_one_hidden_layer_learns_xor() -> None:
    data = boolean("xor")
    model = MLP(2, [4, 2], activation="tanh", seed=0)
    history = fit(
        model,
        data,
        optimizer=SGD(model.parameters(), lr=0.5),
        epochs=300,
        batch_size=None,
        progress=False,
    )
    assert accuracy(model, data) == 1.0
    assert history.loss[-1] < 0.05 < history.loss[0]


def test_training_is_reproducible_with_a_seed() -> None:
    data = moons(40, seed=3)

    def run() -> list[float]:
        model = MLP(2, [8, 2], seed=11)
        fit(
            model,
            data,
            optimizer=SGD(model.parameters(), lr=0.1),
            epochs=3,
            batch_size=8,
            seed=5,
            progress=False,
        )
        return [p.data for p in model.parameters()]

    assert run() == run()


@pytest.mark.parametrize("batch_size", [1, 7, None])
def test_every_batch_size_takes_a_step_per_batch(batch_size: int | None) -> None:
    data = moons(20, seed=0)
    model = MLP(2, [4, 2], seed=0)
    optimizer = SGD(model.parameters(), lr=0.05)
    steps = []
    original = optimizer.step
    optimizer.step = lambda: (steps.append(1), original())
    history = fit(model, data, optimizer=optimizer, epochs=2, batch_size=batch_size, progress=False)
    per_epoch = {1: 20, 7: 3, None: 1}[batch_size]
    assert len(steps) == 2 * per_epoch
    assert len(history.loss) == len(history.accuracy) == 2
    assert history.test_accuracy == [None, None]


def test_micrograds_demo_reaches_full_training_accuracy() -> None:
    data = moons(100, noise=0.1, seed=1)
    model = MLP(2, [16, 16, 1], seed=1)
    optimizer = SGD(model.parameters(), lr=1.0)
    schedule = LinearLR(optimizer, start_factor=1.0, end_factor=0.1, total_iters=100)
    history = fit(
        model,
        data,
        optimizer=optimizer,
        loss="hinge",
        epochs=100,
        batch_size=None,
        l2=1e-4,
        schedule=schedule,
        progress=False,
    )
    assert history.accuracy[-1] == 1.0 == accuracy(model, data, loss="hinge")
    assert optimizer.lr == pytest.approx(0.1)


def test_hinge_reads_classes_as_minus_and_plus_one() -> None:
    assert OBJECTIVES["hinge"].labels(0) == -1.0 and OBJECTIVES["hinge"].labels(1) == 1.0
    assert OBJECTIVES["hinge"].decide(-0.3) == 0 and OBJECTIVES["hinge"].decide(0.2) == 1


def test_evaluate_reports_loss_and_accuracy() -> None:
    data = Dataset(inputs=[[0.0], [1.0]], targets=[0, 1], name="two", classes=2)
    model = MLP(1, [2], seed=0)
    result = evaluate(model, data)
    logits = model.predict(data.inputs)
    expected = (
        sum(math.log(sum(math.exp(z) for z in zs)) - zs[t] for zs, t in zip(logits, data.targets))
        / 2
    )
    correct = sum(max(range(2), key=zs.__getitem__) == t for zs, t in zip(logits, data.targets))
    assert result == pytest.approx({"loss": expected, "accuracy": correct / 2}, rel=1e-12)


def test_regression_has_no_accuracy() -> None:
    data = Dataset(inputs=[[0.0], [1.0]], targets=[0.5, 1.5], name="line", classes=0)
    model = MLP(1, [1], seed=0)
    history = fit(
        model,
        data,
        optimizer=SGD(model.parameters(), lr=0.1),
        loss="mse",
        epochs=50,
        batch_size=None,
        progress=False,
    )
    assert history.accuracy[-1] is None and history.loss[-1] < 1e-3


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"loss": "nope"}, "unknown loss 'nope'"),
        ({"epochs": 0}, "fit: epochs must be a positive integer"),
    ],
)
def test_errors(options: dict, message: str) -> None:
    model = MLP(2, [2], seed=0)
    with pytest.raises(ValueError, match=message):
        fit(
            model,
            boolean("and"),
            optimizer=SGD(model.parameters(), lr=0.1),
            progress=False,
            **options,
        )


def test_gradients_left_before_fit_do_not_leak_into_the_first_step() -> None:
    data = moons(16, seed=0)

    def run(leftover: bool) -> list[float]:
        model = MLP(2, [4, 2], seed=0)
        if leftover:
            model([5.0, 5.0])[0].backward()
        fit(model, data, optimizer=SGD(model.parameters(), lr=0.1), epochs=1, progress=False)
        return [p.data for p in model.parameters()]

    assert run(leftover=True) == run(leftover=False)


@pytest.mark.parametrize(
    ("model", "data", "loss", "message"),
    [
        (MLP(2, [3, 1], seed=0), boolean("xor"), "cross_entropy", r"one output per class \(2\)"),
        (MLP(2, [3, 3], seed=0), boolean("xor"), "hinge", "hinge needs two classes and one"),
        (
            MLP(2, [3, 1], seed=0),
            Dataset([[0.0, 0.0], [1.0, 1.0]], [0, 2], "three", 3),
            "binary_cross_entropy",
            "two classes",
        ),
        (
            MLP(2, [3, 2], seed=0),
            Dataset([[0.0, 0.0], [1.0, 1.0]], [0, 5], "odd", 2),
            "cross_entropy",
            r"classes 0\.\.1 of 'odd'; found \[5\]",
        ),
    ],
)
def test_a_loss_that_does_not_fit_is_refused_before_training(model, data, loss, message) -> None:
    with pytest.raises(ValueError, match=message):
        fit(model, data, optimizer=SGD(model.parameters(), lr=0.1), loss=loss, progress=False)


def test_the_optimizer_must_hold_the_models_parameters() -> None:
    model, other = MLP(2, [2], seed=0), MLP(2, [2], seed=1)
    with pytest.raises(ValueError, match="the optimizer must hold exactly the model's parameters"):
        fit(model, boolean("and"), optimizer=SGD(other.parameters(), lr=0.1), progress=False)


def test_progress_bar_counts_batches(capsys: pytest.CaptureFixture) -> None:
    model = MLP(2, [2], seed=0)
    fit(model, boolean("or"), optimizer=SGD(model.parameters(), lr=0.1), epochs=3, batch_size=2)
    err = capsys.readouterr().err
    assert "6/6" in err and "loss=" in err and "acc=" in err
