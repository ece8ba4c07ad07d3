"""The numpy half of `autograd.batch`: a program's nodes as the rows of one array.

Row r of `values`, shape (rows, N), holds slot `parameters + r` for the N samples: first
the inputs, then the interior nodes; the parameters are one vector, the same for every
sample. Each node's row comes from its op's `batch_forward`, given the rows of its
arguments (a Σ w·x node's arguments gathered into one (k, N) array by slices or one
fancy index). Backward fills `grads` in the same rows, and writes each message to a
parameter into `messages`, shape (N, rounds, parameters): round r holds each parameter's
(r+1)-th message within a sample, in backward's order. Adding the messages to 0.0 sample
N-1 first, each sample's rounds in order, sends them in backward's order (a parameter
with fewer messages adds 0.0 in the other rounds, which changes no sum that starts at
+0.0, since such a sum is never -0.0).

Every failure (an op's batch form that raises, a non-finite number anywhere) gives None:
`autograd.batch` then runs the samples one by one to raise the scalar engine's error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise

import numpy as np

from autograd.batch import Plan, Step

_FAILURES = (ArithmeticError, ValueError, TypeError)
"""What an op's forms raise where it is undefined: `math.log(-1.0)`, `(-8.0) ** 0.5`."""


class Arrays:
    """A plan's forward and backward over arrays of N samples."""

    def __init__(self, plan: Plan) -> None:
        self._plan = plan
        count = plan.parameters
        self._rows = plan.size - count
        self._uses = [0] * count
        self._steps = [self._forward_step(step) for step in plan.steps]
        self._backward_steps = [
            self._backward_step(step, forward)
            for step, forward in zip(reversed(plan.steps), reversed(self._steps))
        ]
        self._rounds = max(self._uses, default=0)

    def forward(self, samples: object, parameters: list[float]) -> np.ndarray | None:
        """The outputs, shape (N, outputs), or None if any sample fails."""
        with np.errstate(all="ignore"):
            try:
                values = self._forward(samples, np.array(parameters, float))
            except _FAILURES:
                return None
            if not np.isfinite(values).all():
                return None
        return self._outputs(values, parameters)

    def backward(
        self, samples: object, parameters: list[float], seeds_of: Callable
    ) -> tuple[list, list[float], list] | None:
        """Each sample's outputs, each parameter's total of messages, and each sample's
        gradients of its inputs, with the seeds `seeds_of(outputs)` gives; None if any
        sample fails."""
        p = np.array(parameters, float)
        with np.errstate(all="ignore"):
            try:
                values = self._forward(samples, p)
            except _FAILURES:
                return None
            if not np.isfinite(values).all():
                return None
        outputs = self._outputs(values, parameters).tolist()
        seeds = np.array(seeds_of(outputs), float)
        with np.errstate(all="ignore"):
            try:
                grads, messages = self._backward(values, p, seeds)
            except _FAILURES:
                return None
            totals = self._totals(messages, seeds)
            if not (np.isfinite(grads).all() and np.isfinite(totals).all()):
                return None
        inputs = grads[: len(self._plan.used)].T
        return outputs, totals.tolist(), inputs.tolist()

    def _forward(self, samples: object, parameters: np.ndarray) -> np.ndarray:
        plan = self._plan
        given = np.asarray(samples, float)
        values = np.empty((self._rows, len(given)))
        values[: len(plan.used)] = given.T[plan.used]
        for row, forward, gather, params in self._steps:
            values[row] = forward(np, *gather(values, parameters), *params)
        return values

    def _backward(
        self, values: np.ndarray, parameters: np.ndarray, seeds: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        count = self._plan.parameters
        grads = np.zeros_like(values)
        for j, slot in enumerate(self._plan.outputs):
            if slot >= count:
                grads[slot - count] += seeds[:, j]
        messages = np.zeros((values.shape[1], self._rounds, count))
        for row, local_grads, gather, params, send in self._backward_steps:
            grad = grads[row]
            local = local_grads(np, values[row], *gather(values, parameters), *params)
            send(local, grad, grads, messages)
        return grads, messages

    def _totals(self, messages: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        """Each parameter's messages added to 0.0 in backward's order: the later node's
        seeds of outputs that are parameters first, then sample N-1's messages, …"""
        count = self._plan.parameters
        totals = np.zeros(count)
        for seed in seeds.tolist():
            for slot, s in zip(self._plan.outputs, seed):
                if slot < count:
                    totals[slot] += s
        for sample in messages[::-1]:
            for round_ in sample:
                np.add(totals, round_, out=totals)
        return totals

    def _outputs(self, values: np.ndarray, parameters: list[float]) -> np.ndarray:
        count = self._plan.parameters
        rows = [
            values[slot - count] if slot >= count else np.full(values.shape[1], parameters[slot])
            for slot in self._plan.outputs
        ]
        return np.stack(rows, axis=1)

    def _forward_step(self, step: Step) -> tuple:
        plan = self._plan
        params = tuple(plan.constants[s - plan.size] for s in step.where[step.inputs :])
        return step.slot - plan.parameters, step.op.batch_forward, self._gatherer(step), params

    def _backward_step(self, step: Step, forward: tuple) -> tuple:
        """The node's backward: its row, local derivatives and arguments, and how it sends
        its messages; counts each parameter's messages into their rounds."""
        row, _, gather, params = forward
        count = self._plan.parameters
        targets = []
        for j, parent in enumerate(step.parents):
            if parent < count:
                targets.append((j, None, parent, self._uses[parent]))
                self._uses[parent] += 1
            else:
                targets.append((j, parent - count, None, None))
        if step.op.arity is None:
            send = _send_rows(len(step.parents), targets)
        else:
            send = _send(step.cut, targets)
        return row, step.op.batch_local_grads, gather, params, send

    def _gatherer(self, step: Step) -> Callable[[np.ndarray, np.ndarray], list]:
        """A function from (values, parameters) to the node's input arguments: arrays, or
        a number where a constant fills one; for an op of any number of inputs, one
        (k, N) array."""
        plan = self._plan
        count, size = plan.parameters, plan.size
        where = step.where[: step.inputs]
        if step.op.arity is not None:
            getters = [_getter(s, count, size, plan.constants) for s in where]
            return lambda values, parameters: [get(values, parameters) for get in getters]
        rows = [(d, s - count) for d, s in enumerate(where) if count <= s < size]
        if len(rows) == len(where):
            source = _index([r for _, r in rows])
            return lambda values, parameters: [values[source]]
        pieces = _pieces(where, count, size, plan.constants)
        k = len(where)

        def gather(values: np.ndarray, parameters: np.ndarray) -> list:
            xs = np.empty((k, values.shape[1]))
            for fill in pieces:
                fill(xs, values, parameters)
            return [xs]

        return gather


def as_rows(batch: object) -> tuple[np.ndarray, int | None]:
    """A 2-d batch as an array of floats, and its first row with a number that is not
    finite (None: there is none)."""
    rows = np.asarray(batch, float)
    bad = np.flatnonzero(~np.isfinite(rows).all(axis=1))
    return rows, (int(bad[0]) if bad.size else None)


def _getter(slot: int, count: int, size: int, constants: list[float]) -> Callable:
    """One input argument: a parameter's data for every sample, a node's row, or a number."""
    if slot >= size:
        number = constants[slot - size]
        return lambda values, parameters: number
    if slot >= count:
        row = slot - count
        return lambda values, parameters: values[row]
    return lambda values, parameters: np.full(values.shape[1], parameters[slot])


def _pieces(where: Sequence[int], count: int, size: int, constants: list[float]) -> list:
    """Functions that fill the rows of a (k, N) array of arguments: nodes' rows, parameters
    and numbers, each kind with one indexed copy."""
    rows = [(d, s - count) for d, s in enumerate(where) if count <= s < size]
    params = [(d, s) for d, s in enumerate(where) if s < count]
    numbers = [(d, constants[s - size]) for d, s in enumerate(where) if s >= size]
    pieces = []
    if rows:
        to, source = _index([d for d, _ in rows]), _index([r for _, r in rows])
        pieces.append(lambda xs, values, parameters: xs.__setitem__(to, values[source]))
    if params:
        at, slots = _index([d for d, _ in params]), _index([s for _, s in params])
        pieces.append(lambda xs, values, parameters: xs.__setitem__(at, parameters[slots, None]))
    if numbers:
        place, column = _index([d for d, _ in numbers]), np.array([[x] for _, x in numbers])
        pieces.append(lambda xs, values, parameters: xs.__setitem__(place, column))
    return pieces


def _send(cut: slice | None, targets: list[tuple]) -> Callable:
    """A fixed-arity node's messages, local derivative × the node's gradient, each added
    to its parent's row or written to the parameter's round."""

    def send(local: tuple, grad: np.ndarray, grads: np.ndarray, messages: np.ndarray) -> None:
        if cut is not None:
            local = local[cut]
        for j, row, parameter, round_ in targets:
            if row is not None:
                grads[row] += local[j] * grad
            else:
                messages[:, round_, parameter] = local[j] * grad

    return send


def _send_rows(parents: int, targets: list[tuple]) -> Callable:
    """The messages of a node of any number of inputs, from its (k, N) local derivatives:
    added to the parents' rows with one indexed add (one by one where a parent repeats),
    written to each round of parameters with one indexed copy."""
    rows = [(j, row) for j, row, _, _ in targets if row is not None]
    repeated = len({row for _, row in rows}) < len(rows)
    if rows:
        at, to = _index([j for j, _ in rows]), _index([row for _, row in rows])
    rounds = {}
    for j, _, parameter, round_ in targets:
        if parameter is not None:
            rounds.setdefault(round_, []).append((j, parameter))
    writes = [
        (round_, _index([j for j, _ in found]), _index([p for _, p in found]))
        for round_, found in sorted(rounds.items())
    ]

    def send(local: np.ndarray, grad: np.ndarray, grads: np.ndarray, messages: np.ndarray):
        sent = local[:parents] * grad
        if repeated:
            for j, row in rows:
                grads[row] += sent[j]
        elif rows:
            grads[to] += sent[at]
        for round_, where, slots in writes:
            messages[:, round_, slots] = sent[where].T

    return send


def _index(positions: list[int]) -> slice | np.ndarray:
    """`positions` as a slice where they are evenly spaced upward (a view, no copy), else
    as an index array."""
    if len(positions) == 1:
        return slice(positions[0], positions[0] + 1)
    step = positions[1] - positions[0]
    if step > 0 and all(b - a == step for a, b in pairwise(positions)):
        return slice(positions[0], positions[-1] + 1, step)
    return np.array(positions, dtype=np.intp)
