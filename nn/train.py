"""Training: mini-batch gradient descent with a progress bar, and accuracy.

One epoch visits every example once in shuffled mini-batches: batch size 1 is online SGD,
the whole set is batch gradient descent (lecture 001). For each batch the loss is built as
one graph, `backward()` fills every parameter's gradient, the optimizer steps, and the
gradients are zeroed for the next batch.
"""

from __future__ import annotations

import math
import random
import textwrap
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

from autograd import Value, no_grad
from nn import losses
from nn.data import Dataset, batches
from nn.module import Module
from nn.optim import Optimizer
from nn.seeds import Seed, generator


@dataclass(frozen=True)
class Objective:
    """How a loss reads a model's outputs: the batch loss, and the class an output means.

    `labels` maps a dataset's class (0, 1, …) to the target the loss wants (hinge wants
    -1 and +1); `decide` maps one output back to a class.
    """

    loss: Callable[[list, list], Value]
    decide: Callable[[object], int] | None
    labels: Callable[[int], float] = float


OBJECTIVES: dict[str, Objective] = {
    "cross_entropy": Objective(
        loss=losses.cross_entropy,
        decide=lambda output: max(range(len(output)), key=output.__getitem__),
        labels=int,
    ),
    "hinge": Objective(
        loss=losses.hinge,
        decide=lambda output: int(output > 0.0),
        labels=lambda c: 2.0 * c - 1.0,
    ),
    "binary_cross_entropy": Objective(
        loss=losses.binary_cross_entropy_with_logits,
        decide=lambda output: int(output > 0.0),
    ),
    "mse": Objective(loss=losses.mse, decide=None),
}
"""Losses `fit` knows by name. binary_cross_entropy reads the output as a logit."""


@dataclass
class History:
    """Per epoch: the mean training loss and training accuracy, both over the epoch's
    batches as they were met (the parameters change during an epoch), and the accuracy on
    the test set at the end of the epoch."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float | None] = field(default_factory=list)
    test_accuracy: list[float | None] = field(default_factory=list)


GROWTH = 10.0
"""fit warns that training diverges when an epoch's mean loss exceeds GROWTH times the loss
the model started at. An epoch's mean is rarely above the start even with a noisy step
size, so ten times the start means the steps overshoot."""

START_SAMPLE = 64
"""How many training examples measure the loss the model starts at: enough to know its
size, few enough to cost next to nothing beside an epoch."""


class DivergenceWarning(RuntimeWarning):
    """The loss grew far above where training started: the run is diverging."""


class DivergenceError(ArithmeticError):
    """fit stopped because a loss, a gradient or a step stopped being a finite number.

    `epoch` (from 1) is the epoch it happened in; `history` holds the epochs before it, and
    the model is back at its parameters after the last of them (its initial ones if the
    first epoch diverged), so it can be saved. The optimizer's state is not rolled back.
    The error that showed the divergence is the `__cause__`.
    """

    def __init__(self, message: str, *, epoch: int, history: History) -> None:
        super().__init__(message)
        self.epoch = epoch
        self.history = history


class TrainingInterrupted(KeyboardInterrupt):
    """fit was interrupted (Ctrl-C, SIGINT) in epoch `epoch` (from 1).

    As with `DivergenceError`, `history` holds the completed epochs and the model is back at
    its parameters after the last of them, so a model and history saved together match.
    It is a KeyboardInterrupt: code that does not look for it stops as Ctrl-C stops it.
    """

    def __init__(self, message: str, *, epoch: int, history: History) -> None:
        super().__init__(message)
        self.epoch = epoch
        self.history = history


def fit(
    model: Module,
    train: Dataset,
    *,
    optimizer: Optimizer,
    loss: str = "cross_entropy",
    epochs: int = 10,
    batch_size: int | None = 32,
    l2: float = 0.0,
    schedule: object | None = None,
    test: Dataset | None = None,
    seed: Seed = 0,
    progress: bool = True,
) -> History:
    """Train `model` on `train` for `epochs` and return the history.

    The loss of a batch is the `loss` (a name in `OBJECTIVES`) averaged over its examples,
    plus `l2` · Σ p² over the parameters. `schedule` (e.g. `LinearLR`) steps after every
    optimizer step. The progress bar (`tqdm.auto`) advances per batch and shows the
    epoch's running loss and accuracy; when training ends it stays, with the last epoch's
    loss and accuracies.

    Training that goes wrong stops at an epoch boundary: a loss, gradient or step that is
    not a finite number raises `DivergenceError`, Ctrl-C raises `TrainingInterrupted`; both
    carry the history of the completed epochs and leave the model as it was after the last
    of them. A loss that stays finite but grows, an epoch's mean more than `GROWTH` times
    the loss the model started at (measured on the first `START_SAMPLE` examples), gives a
    `DivergenceWarning`, once.
    """
    objective = _objective(loss)
    if not (isinstance(epochs, int) and epochs >= 1):
        raise ValueError(f"fit: epochs must be a positive integer, got {epochs!r}")
    parameters = model.parameters()
    if set(optimizer.parameters) != set(parameters):
        raise ValueError("fit: the optimizer must hold exactly the model's parameters")
    _check_fit(model, train, loss)
    rng = generator(seed)
    history = History()
    per_epoch = math.ceil(len(train) / (batch_size or len(train)))
    # The parameters after the last completed epoch and how many epochs that is: one tuple,
    # so that an interrupt between two statements cannot leave the two out of step.
    kept = ([p.data for p in parameters], 0)
    epoch, warned = 1, False
    with _progress(epochs * per_epoch, progress) as bar:
        try:
            with no_grad():
                first = slice(START_SAMPLE)
                _, start = _loss(objective, model, train.inputs[first], train.targets[first], l2)
            for epoch in range(1, epochs + 1):
                bar.set_description(f"epoch {epoch}/{epochs}")
                mean_loss, share = _epoch(
                    model,
                    train,
                    objective,
                    optimizer=optimizer,
                    schedule=schedule,
                    batch_size=batch_size,
                    l2=l2,
                    rng=rng,
                    bar=bar,
                )
                data = [p.data for p in parameters]
                if not all(map(math.isfinite, data)):
                    raise FloatingPointError("a parameter is not a finite number")
                history.loss.append(mean_loss)
                history.accuracy.append(share)
                history.test_accuracy.append(accuracy(model, test, loss=loss) if test else None)
                kept = (data, epoch)
                bar.set_postfix(_postfix(mean_loss, share, history.test_accuracy[-1]))
                if not warned and mean_loss > GROWTH * start.data > 0.0:
                    warnings.warn(_growth(history, start.data), DivergenceWarning, stacklevel=2)
                    warned = True
        except ArithmeticError as error:
            _roll_back(parameters, history, kept)
            raise DivergenceError(
                f"fit: training diverged in epoch {epoch} of {epochs}: "
                f"{textwrap.shorten(str(error), 240, placeholder=' …')}; {_kept(history)}",
                epoch=epoch,
                history=history,
            ) from error
        except KeyboardInterrupt:
            _roll_back(parameters, history, kept)
            raise TrainingInterrupted(
                f"fit: interrupted in epoch {epoch} of {epochs}; {_kept(history)}",
                epoch=epoch,
                history=history,
            ) from None
    return history


def _epoch(
    model: Module,
    train: Dataset,
    objective: Objective,
    *,
    optimizer: Optimizer,
    schedule: object | None,
    batch_size: int | None,
    l2: float,
    rng: random.Random,
    bar,
) -> tuple[float, float | None]:
    """One pass over `train`, a step per batch: the mean loss and the accuracy of the
    batches as they were met."""
    total, correct, count = 0.0, 0, 0
    for inputs, targets in batches(train, batch_size=batch_size, seed=rng):
        outputs, batch_loss = _loss(objective, model, inputs, targets, l2)
        if not math.isfinite(batch_loss.data):
            raise FloatingPointError(f"the loss of a batch is {batch_loss.data}")
        model.zero_grad()
        batch_loss.backward()
        optimizer.step()
        if schedule is not None:
            schedule.step()
        total += batch_loss.data * len(inputs)
        count += len(inputs)
        if objective.decide is not None:
            correct += sum(objective.decide(_data(y)) == t for y, t in zip(outputs, targets))
        bar.update()
        bar.set_postfix(_postfix(total / count, correct / count if objective.decide else None))
    return total / count, correct / count if objective.decide else None


def _data(output: Value | list[Value]) -> float | list[float]:
    return [y.data for y in output] if isinstance(output, list) else output.data


def _check_fit(model: Module, data: Dataset, loss: str) -> None:
    """Refuse a loss that does not fit the model's outputs or the data's classes."""
    if OBJECTIVES[loss].decide is None:
        return
    classes = range(data.classes)
    if any(t not in classes for t in data.targets):
        raise ValueError(
            f"fit: {loss} needs the targets to be the classes 0..{data.classes - 1} of "
            f"{data.name!r}; found {sorted(set(data.targets) - set(classes))[:3]}"
        )
    output = model.predict([data.inputs[0]])[0]
    if loss == "cross_entropy":
        if not isinstance(output, list) or len(output) != data.classes:
            got = len(output) if isinstance(output, list) else 1
            raise ValueError(
                f"fit: cross_entropy needs one output per class ({data.classes}), "
                f"the model has {got}"
            )
    elif isinstance(output, list) or data.classes != 2:
        raise ValueError(f"fit: {loss} needs two classes and one output (a score or logit)")


def accuracy(model: Module, data: Dataset, *, loss: str = "cross_entropy") -> float | None:
    """The share of `data` whose output means its target class (None for regression)."""
    decide = _objective(loss).decide
    if decide is None:
        return None
    outputs = model.predict(data.inputs)
    return sum(decide(y) == t for y, t in zip(outputs, data.targets)) / len(data)


def _objective(loss: str) -> Objective:
    if loss not in OBJECTIVES:
        raise ValueError(f"unknown loss {loss!r}; choose from {', '.join(OBJECTIVES)}")
    return OBJECTIVES[loss]


def _loss(
    objective: Objective, model: Module, inputs: list, targets: list, l2: float
) -> tuple[list, Value]:
    """The model's outputs for `inputs` and their mean loss, plus the L2 term."""
    outputs = [model(x) for x in inputs]
    value = objective.loss(outputs, [objective.labels(t) for t in targets])
    if l2:
        value = value + losses.l2(model.parameters(), alpha=l2)
    return outputs, value


def _roll_back(parameters: list[Value], history: History, kept: tuple[list[float], int]) -> None:
    """Give the parameters their data after the last completed epoch, and keep only the
    history of the completed epochs."""
    data, epochs = kept
    for p, x in zip(parameters, data):
        p.data = x
    for values in (history.loss, history.accuracy, history.test_accuracy):
        del values[epochs:]


def _kept(history: History) -> str:
    if not history.loss:
        return "the model is back at its initial parameters"
    return (
        f"the model is back at its parameters after epoch {len(history.loss)} "
        f"(mean loss {history.loss[-1]:.4g})"
    )


def _growth(history: History, start: float) -> str:
    return (
        f"fit: the mean loss of epoch {len(history.loss)} is {history.loss[-1]:.4g}, more than "
        f"{GROWTH:g} times the {start:.4g} the model started at: training is diverging "
        "(is the learning rate too large?)"
    )


def _progress(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="training", unit="batch", disable=not enabled, leave=True)


def _postfix(loss: float, share: float | None, test_share: float | None = None) -> dict[str, str]:
    """What the bar shows after its count: the epoch's running loss and accuracy, and at
    the end of an epoch its test accuracy too."""
    shown = {"loss": f"{loss:.4g}"}
    if share is not None:
        shown["acc"] = f"{share:.1%}"
    if test_share is not None:
        shown["test_acc"] = f"{test_share:.1%}"
    return shown


def evaluate(model: Module, data: Dataset, *, loss: str = "cross_entropy") -> dict[str, float]:
    """The mean loss (without regularization) and the accuracy of `model` on `data`."""
    objective = _objective(loss)
    with no_grad():
        outputs = [model(x) for x in data.inputs]
        value = objective.loss(outputs, [objective.labels(t) for t in data.targets]).data
    result = {"loss": value}
    share = accuracy(model, data, loss=loss)
    if share is not None:
        result["accuracy"] = share
    return result
