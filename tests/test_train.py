"""fit, accuracy and evaluate: learning XOR, reproducibility, batch sizes, schedules."""

from __future__ import annotations

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
    assert set(result) == {"loss", "accuracy"} and result["loss"] > 0


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
        ({"loss": "nope"}, "fit: unknown loss 'nope'"),
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
