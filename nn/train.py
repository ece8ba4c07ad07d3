"""Training: mini-batch gradient descent with a progress bar, and accuracy.

One epoch visits every example once in shuffled mini-batches: batch size 1 is online SGD,
the whole set is batch gradient descent (lecture 001). For each batch the loss is built as
one graph, `backward()` fills every parameter's gradient, the optimizer steps, and the
gradients are zeroed for the next batch.

By default the model is traced once (`autograd.trace`): its graph is the same for every
input, so each batch runs that program over all its samples at once instead of building
one graph of Values per sample, and the loss is built with Values on the program's
outputs. The gradients are bit for bit those of the graph, and `fit` checks that on its
first batch by computing it both ways. `trace=False` builds every graph, the slow way that
a drawing shows.
"""

from __future__ import annotations

import math
import random
import textwrap
import warnings
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field

from autograd import Program, ProgramError, Value, no_grad, trace
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
    trace: bool = True,
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

    With `trace` (the default) each batch runs the model as a traced program (see the
    module's docstring); a model whose graph depends on the data cannot be traced, and
    trains the slow way with a `ProgramWarning`. `trace=False` builds every sample's graph.
    """
    objective = _objective(loss)
    if not (isinstance(epochs, int) and epochs >= 1):
        raise ValueError(f"fit: epochs must be a positive integer, got {epochs!r}")
    parameters = model.parameters()
    if set(optimizer.parameters) != set(parameters):
        raise ValueError("fit: the optimizer must hold exactly the model's parameters")
    _check_fit(model, train, loss)
    rng = generator(seed)
    step = _step(model, train, objective, l2) if trace else _GraphStep(model, objective, l2)
    history = History()
    per_epoch = math.ceil(len(train) / (batch_size or len(train)))
    # The parameters after the last completed epoch and how many epochs that is: one tuple,
    # so that an interrupt between two statements cannot leave the two out of step.
    kept = ([p.data for p in parameters], 0)
    epoch, warned = 1, False
    with _progress(epochs * per_epoch, progress) as bar:
        try:
            first = slice(START_SAMPLE)
            start = step.loss(train.inputs[first], train.targets[first])
            for epoch in range(1, epochs + 1):
                bar.set_description(f"epoch {epoch}/{epochs}")
                mean_loss, share = _epoch(
                    train,
                    objective,
                    step,
                    optimizer=optimizer,
                    schedule=schedule,
                    batch_size=batch_size,
                    rng=rng,
                    bar=bar,
                )
                data = [p.data for p in parameters]
                if not all(map(math.isfinite, data)):
                    raise FloatingPointError("a parameter is not a finite number")
                history.loss.append(mean_loss)
                history.accuracy.append(share)
                if test and objective.decide is not None:
                    share_of_test = _share(
                        objective.decide, step.outputs(test.inputs), test.targets
                    )
                else:
                    share_of_test = None
                history.test_accuracy.append(share_of_test)
                kept = (data, epoch)
                bar.set_postfix(_postfix(mean_loss, share, history.test_accuracy[-1]))
                if not warned and mean_loss > GROWTH * start > 0.0:
                    warnings.warn(_growth(history, start), DivergenceWarning, stacklevel=2)
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
    train: Dataset,
    objective: Objective,
    step: _GraphStep,
    *,
    optimizer: Optimizer,
    schedule: object | None,
    batch_size: int | None,
    rng: random.Random,
    bar,
) -> tuple[float, float | None]:
    """One pass over `train`, a step per batch: the mean loss and the accuracy of the
    batches as they were met."""
    total, correct, count = 0.0, 0, 0
    for inputs, targets in batches(train, batch_size=batch_size, seed=rng):
        outputs, batch_loss = step(inputs, targets)
        optimizer.step()
        if schedule is not None:
            schedule.step()
        total += batch_loss * len(inputs)
        count += len(inputs)
        if objective.decide is not None:
            correct += sum(objective.decide(y) == t for y, t in zip(outputs, targets))
        bar.update()
        bar.set_postfix(_postfix(total / count, correct / count if objective.decide else None))
    return total / count, correct / count if objective.decide else None


class ProgramWarning(UserWarning):
    """fit could not trace the model (its graph depends on the data) and builds every
    sample's graph instead."""


class _GraphStep:
    """One batch the slow way: each sample's graph built with Values, then backward."""

    def __init__(self, model: Module, objective: Objective, l2: float) -> None:
        self.model, self.objective, self.l2 = model, objective, l2

    def outputs(self, inputs: list) -> list:
        """The model's outputs (floats) for `inputs`."""
        return self.model.predict(inputs, trace=False)

    def loss(self, inputs: list, targets: list) -> float:
        """The batch's loss, with no gradient."""
        with no_grad():
            return _loss(self.objective, self.model, inputs, targets, self.l2)[1].data

    def __call__(self, inputs: list, targets: list) -> tuple[list, float]:
        """Leave the batch loss's gradient in every parameter's grad; return the outputs
        (floats) and the loss."""
        outputs, value = _loss(self.objective, self.model, inputs, targets, self.l2)
        if not math.isfinite(value.data):
            raise FloatingPointError(f"the loss of a batch is {value.data}")
        self.model.zero_grad()
        value.backward()
        return [_data(y) for y in outputs], value.data


class _ProgramStep(_GraphStep):
    """One batch through the model's program: the program runs every sample at once
    (`Program.forward_batch`), the loss is built with Values on its outputs (leaves that
    stand in for the model's output nodes), and the loss's gradients at those leaves are
    the seeds of `Program.backward_batch`. The L2 term is a program of its own, run after
    the samples' messages, where `_loss` puts it in the graph's backward order.

    The first batch runs the slow way too. Where a number differs, bit for bit, the
    model's graph depends on the data in a way the trace did not see: a `ProgramWarning`
    names it, and every later batch runs the slow way."""

    def __init__(self, model: Module, objective: Objective, l2: float, program: Program) -> None:
        super().__init__(model, objective, l2)
        self.program = program
        parameters = model.parameters()
        self.regularizer = trace(lambda: losses.l2(parameters, alpha=l2), []) if l2 else None
        self.checked = self.slow = False

    def outputs(self, inputs: list) -> list:
        if self.slow:
            return super().outputs(inputs)
        return self.program.forward_batch(_samples(inputs))

    def loss(self, inputs: list, targets: list) -> float:
        if self.slow:
            return super().loss(inputs, targets)
        with no_grad():
            value = self._data_loss(self.outputs(inputs), targets)[1].data
        return value + self.regularizer.forward([]) if self.regularizer else value

    def __call__(self, inputs: list, targets: list) -> tuple[list, float]:
        if self.slow:
            return super().__call__(inputs, targets)
        found = []

        def seeds(outputs: list) -> list:
            leaves, value = self._data_loss(outputs, targets)
            if not math.isfinite(value.data):
                raise FloatingPointError(f"the loss of a batch is {value.data}")
            value.backward()
            found.append(value.data)
            return [_grad(y) for y in leaves]

        self.model.zero_grad()
        outputs = self.program.backward_batch(_samples(inputs), seeds)
        total = found[0]
        if self.regularizer is not None:
            total = total + self.regularizer.backward([])
        if not self.checked:
            return self._check(inputs, targets, outputs, total)
        return outputs, total

    def _data_loss(self, outputs: list, targets: list) -> tuple[list, Value]:
        leaves = [
            [Value(y) for y in row] if isinstance(row, list) else Value(row) for row in outputs
        ]
        objective = self.objective
        return leaves, objective.loss(leaves, [objective.labels(t) for t in targets])

    def _check(
        self, inputs: list, targets: list, outputs: list, total: float
    ) -> tuple[list, float]:
        """Run the batch again the slow way, compare outputs, loss and gradients, and
        return the slow way's (the parameters hold its gradients)."""
        parameters = self.model.named_parameters()
        names, values = zip(*parameters)
        ours = [p.grad for p in values]
        their_outputs, their_total = super().__call__(inputs, targets)
        theirs = [p.grad for p in values]
        found = [
            ("the outputs", _flat(outputs), _flat(their_outputs)),
            ("the loss", [total], [their_total]),
            *((f"the gradient of {n}", [a], [b]) for n, a, b in zip(names, ours, theirs)),
        ]
        self.checked = True
        for what, a, b in found:
            if array("d", a).tobytes() != array("d", b).tobytes():
                warnings.warn(
                    f"fit: on the first batch, {what} differ between the traced model and its "
                    f"graph ({a[:3]} against {b[:3]}): the model's graph depends on the data, "
                    "and every sample's graph is built instead",
                    ProgramWarning,
                    stacklevel=4,
                )
                self.slow = True
                break
        return their_outputs, their_total


def _step(model: Module, train: Dataset, objective: Objective, l2: float) -> _GraphStep:
    """The model traced at the first training example, as a `_ProgramStep`; the slow
    `_GraphStep` with a `ProgramWarning` if its graph depends on the data."""
    try:
        program = trace(model, [train.inputs[0]])
    except ProgramError as error:
        warnings.warn(
            f"fit: the model cannot be traced ({error}); every sample's graph is built instead",
            ProgramWarning,
            stacklevel=3,
        )
        return _GraphStep(model, objective, l2)
    return _ProgramStep(model, objective, l2, program)


def _samples(inputs: list) -> list[list]:
    """Each input as the program's list of arguments (the model's one, x)."""
    return [[x] for x in inputs]


def _flat(outputs: list) -> list[float]:
    return [y for row in outputs for y in (row if isinstance(row, list) else [row])]


def _grad(leaf: Value | list[Value]) -> float | list[float]:
    return [y.grad for y in leaf] if isinstance(leaf, list) else leaf.grad


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


def accuracy(
    model: Module, data: Dataset, *, loss: str = "cross_entropy", trace: bool = True
) -> float | None:
    """The share of `data` whose output means its target class (None for regression);
    `trace` as in `Module.predict`."""
    decide = _objective(loss).decide
    if decide is None:
        return None
    return _share(decide, model.predict(data.inputs, trace=trace), data.targets)


def _share(decide: Callable[[object], int], outputs: list, targets: list) -> float:
    return sum(decide(y) == t for y, t in zip(outputs, targets)) / len(targets)


def _objective(loss: str) -> Objective:
    if loss not in OBJECTIVES:
        raise ValueError(f"unknown loss {loss!r}; choose from {', '.join(OBJECTIVES)}")
    return OBJECTIVES[loss]


def _loss(
    objective: Objective, model: Module, inputs: list, targets: list, l2: float
) -> tuple[list, Value]:
    """The model's outputs for `inputs` and their mean loss, plus the L2 term.

    The L2 term is built first, so that backward reaches it last: every parameter adds
    the samples' messages, then the L2 term's, which is the order a program can follow."""
    penalty = losses.l2(model.parameters(), alpha=l2) if l2 else None
    outputs = [model(x) for x in inputs]
    value = objective.loss(outputs, [objective.labels(t) for t in targets])
    return outputs, value if penalty is None else value + penalty


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


def evaluate(
    model: Module, data: Dataset, *, loss: str = "cross_entropy", trace: bool = True
) -> dict[str, float]:
    """The mean loss (without regularization) and the accuracy of `model` on `data`: the
    outputs come from `model.predict` (`trace` as there), the loss is built on them."""
    objective = _objective(loss)
    outputs = model.predict(data.inputs, trace=trace)
    with no_grad():
        value = objective.loss(outputs, [objective.labels(t) for t in data.targets]).data
    result = {"loss": value}
    if objective.decide is not None:
        result["accuracy"] = _share(objective.decide, outputs, data.targets)
    return result
