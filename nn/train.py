"""Training: mini-batch gradient descent with a progress bar, and accuracy.

One epoch visits every example once in shuffled mini-batches: batch size 1 is online SGD,
the whole set is batch gradient descent (lecture 001). For each batch the loss is built as
one graph, `backward()` fills every parameter's gradient, the optimizer steps, and the
gradients are zeroed for the next batch.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from autograd import Value, no_grad
from nn import losses
from nn.data import Dataset, batches
from nn.module import Module
from nn.optim import Optimizer
from nn.seeds import Seed, generator

EPOCHS_LIMIT = "STEPGRAD_MAX_EPOCHS"
"""Environment variable that caps long training runs (the command's, the notebooks'): CI
sets it to keep them short."""


def capped_epochs(requested: int) -> int:
    """`requested`, or the cap that STEPGRAD_MAX_EPOCHS sets if that is smaller."""
    limit = os.environ.get(EPOCHS_LIMIT)
    return min(requested, int(limit)) if limit else requested


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
    epoch's running loss and accuracy.
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
    bar = _progress(epochs * per_epoch, progress)
    for _ in range(epochs):
        total, correct, count = 0.0, 0, 0
        for inputs, targets in batches(train, batch_size=batch_size, seed=rng):
            outputs = [model(x) for x in inputs]
            batch_loss = objective.loss(outputs, [objective.labels(t) for t in targets])
            if l2:
                batch_loss = batch_loss + losses.l2(parameters, alpha=l2)
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
        history.loss.append(total / count)
        history.accuracy.append(correct / count if objective.decide else None)
        history.test_accuracy.append(accuracy(model, test, loss=loss) if test else None)
    bar.close()
    return history


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


def _progress(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="training", unit="batch", disable=not enabled, leave=False)


def _postfix(loss: float, share: float | None) -> dict[str, str]:
    shown = {"loss": f"{loss:.4f}"}
    if share is not None:
        shown["acc"] = f"{share:.1%}"
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
