"""fit, accuracy and evaluate: learning XOR, reproducibility, batch sizes, schedules, and
runs that diverge or are interrupted."""

from __future__ import annotations

import math
import warnings

import pytest

from nn import MLP
from nn.data import Dataset, boolean, moons
from nn.optim import SGD, LinearLR
from nn.train import (
    OBJECTIVES,
    DivergenceError,
    DivergenceWarning,
    TrainingInterrupted,
    accuracy,
    evaluate,
    fit,
)


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


def test_a_finished_progress_bar_stays_with_its_final_loss_and_accuracy(
    capsys: pytest.CaptureFixture,
) -> None:
    model = MLP(2, [2], seed=0)
    data = boolean("or")
    fit(model, data, optimizer=SGD(model.parameters(), lr=0.1), epochs=3, batch_size=2, test=data)
    err = capsys.readouterr().err
    assert err.endswith("\n")
    final = err.rstrip("\n").split("\r")[-1]
    assert final.startswith("epoch 3/3") and "6/6" in final
    assert "loss=" in final and "acc=" in final and "test_acc=" in final


def moons_mse(lr: float) -> tuple[MLP, SGD, Dataset]:
    """An MLP fitting 40 moons by mean squared error: lr = 3 diverges after a few epochs."""
    model = MLP(2, [16, 16, 1], seed=0)
    return model, SGD(model.parameters(), lr=lr), moons(40, seed=0)


@pytest.mark.filterwarnings("ignore::nn.train.DivergenceWarning")
def test_a_diverging_run_stops_with_its_history_and_last_finite_parameters() -> None:
    model, optimizer, data = moons_mse(lr=3.0)
    with pytest.raises(DivergenceError, match=r"diverged in epoch (\d+) of 20: ") as caught:
        fit(model, data, optimizer=optimizer, loss="mse", epochs=20, progress=False)
    stop = caught.value
    completed = len(stop.history.loss)
    assert 1 < completed == stop.epoch - 1
    assert len(stop.history.accuracy) == len(stop.history.test_accuracy) == completed
    assert all(math.isfinite(x) for x in stop.history.loss)
    assert f"back at its parameters after epoch {completed} (mean loss " in str(stop)
    assert isinstance(stop.__cause__, ArithmeticError)
    reference, optimizer, data = moons_mse(lr=3.0)
    history = fit(
        reference, data, optimizer=optimizer, loss="mse", epochs=completed, progress=False
    )
    assert history == stop.history
    assert [p.data for p in model.parameters()] == [p.data for p in reference.parameters()]


def test_a_parameter_that_is_not_finite_after_an_epoch_is_divergence() -> None:
    class Poisoning(SGD):
        """SGD that makes a weight infinite at its third step, as a broken optimizer might."""

        steps = 0

        def step(self) -> None:
            super().step()
            self.steps += 1
            if self.steps == 3:
                self.parameters[0].data = math.inf

    model = MLP(2, [2], seed=0)
    with pytest.raises(
        DivergenceError, match="epoch 3 of 5: a parameter is not a finite"
    ) as caught:
        fit(
            model,
            boolean("and"),
            optimizer=Poisoning(model.parameters(), lr=0.1),
            epochs=5,
            batch_size=None,
            progress=False,
        )
    reference = MLP(2, [2], seed=0)
    fit(
        reference,
        boolean("and"),
        optimizer=SGD(reference.parameters(), lr=0.1),
        epochs=2,
        batch_size=None,
        progress=False,
    )
    assert len(caught.value.history.loss) == 2
    assert [p.data for p in model.parameters()] == [p.data for p in reference.parameters()]


def test_ctrl_c_stops_at_the_last_completed_epoch() -> None:
    """A KeyboardInterrupt part way through epoch 3 (at its second step): the model and
    history are those after epoch 2, as if the run had been asked for 2 epochs."""

    class Interrupted(SGD):
        steps = 0

        def step(self) -> None:
            self.steps += 1
            if self.steps == 2 * 5 + 2:
                raise KeyboardInterrupt
            super().step()

    model = MLP(2, [16, 16, 1], seed=0)
    data = moons(40, seed=0)
    with pytest.raises(KeyboardInterrupt) as caught:  # any: a bare one must not end the tests
        fit(
            model,
            data,
            optimizer=Interrupted(model.parameters(), lr=0.01),
            loss="mse",
            epochs=10,
            batch_size=8,
            progress=False,
        )
    stop = caught.value
    assert isinstance(stop, TrainingInterrupted)
    assert stop.epoch == 3 and len(stop.history.loss) == 2
    assert str(stop) == (
        "fit: interrupted in epoch 3 of 10; the model is back at its parameters after epoch 2 "
        f"(mean loss {stop.history.loss[-1]:.4g})"
    )
    reference = MLP(2, [16, 16, 1], seed=0)
    history = fit(
        reference,
        data,
        optimizer=SGD(reference.parameters(), lr=0.01),
        loss="mse",
        epochs=2,
        batch_size=8,
        progress=False,
    )
    assert stop.history == history
    assert [p.data for p in model.parameters()] == [p.data for p in reference.parameters()]


def test_a_loss_growing_far_above_its_start_is_warned_about_once() -> None:
    model = MLP(2, [16, 16, 2], seed=0)
    data = moons(200, seed=0)
    with pytest.warns(DivergenceWarning) as records:
        history = fit(
            model, data, optimizer=SGD(model.parameters(), lr=1e6), epochs=3, progress=False
        )
    assert len(records) == 1
    message = str(records[0].message)
    assert message.startswith(f"fit: the mean loss of epoch 1 is {history.loss[0]:.4g}, more than")
    assert "10 times the" in message and "the model started at" in message


@pytest.mark.parametrize("batch_size", [1, 8, None])
def test_ordinary_training_gives_no_divergence_warning(batch_size: int | None) -> None:
    """Not even online SGD, whose first example's loss may be far below the epoch's mean."""
    model = MLP(2, [16, 16, 2], seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergenceWarning)
        fit(
            model,
            moons(40, seed=0),
            optimizer=SGD(model.parameters(), lr=0.1),
            epochs=5,
            batch_size=batch_size,
            progress=False,
        )
