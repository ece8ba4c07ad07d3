"""A program run over a batch of N inputs at once, bit for bit as N scalar runs.

`Program.forward_batch(batch)` gives each sample's output, exactly as `Program.forward`
gives it. `Program.backward_batch(batch, grad_outputs)` adds to each parameter's grad
what `backward()` adds on the one graph that calling fn on sample 0, then 1, …, N-1
builds, with each output's gradient seeded from one later node: the gradient of
L = Σ_i Σ_j seed_ij · output_ij. That backward visits sample N-1's nodes first, so a
parameter receives sample N-1's messages first (in the program's reverse order), then
sample N-2's, and so on; they are added in that order to 0.0, and that total to the grad
the parameter had. Seeding 1/N for a mean loss gives the mini-batch gradient.

With numpy (`pip install stepgrad[batch]`), each node's data for the N samples is one
row of an array, computed by its op's batch forms (`Op.batch_forward`,
`Op.batch_local_grads`; see `autograd.batch_numpy`). Without numpy, or when an op
declares no batch forms (a custom op), the batch runs sample by sample through the op
table's scalar rules, with the same bits, and a warning says so once per program.

A batch that fails (an input outside an op's domain, a gradient that overflows a float)
changes no grad: it runs again sample by sample, and raises the error the scalar engine
raises for the first failing sample. Inputs are checked first, for every sample.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, NamedTuple

from autograd import checks
from autograd.value import _backward_lock

if TYPE_CHECKING:
    from autograd.program import Program


class Step(NamedTuple):
    """One node of the program: its slot, op, the slots of its arguments (after the
    nodes' slots, the constants'), how many of them are inputs (the rest are the op's
    params), its parents' slots, and how to cut its local derivatives to one per parent,
    as `make_node` does (None: no cut)."""

    slot: int
    op: object
    where: tuple[int, ...]
    inputs: int
    parents: tuple[int, ...]
    cut: slice | None


class Plan(NamedTuple):
    """A program's nodes in slots: `parameters` parameters, then `len(used)` inputs (their
    places among a sample's numbers), then the interior nodes of `steps`, then
    `constants`; `numbers` a sample holds, the output slots, and the leaves in the order
    backward checks them."""

    parameters: int
    used: list[int]
    steps: list[Step]
    size: int
    constants: list[float]
    numbers: int
    outputs: list[int]
    leaves: list[int]


class Batch:
    """The batch runner of one program, made on its first batch. `note` says why its
    batches run sample by sample (no numpy, or an op without batch forms), or is None
    when they run in arrays."""

    def __init__(self, program: Program) -> None:
        from autograd.program import _numbers

        layout = program._layout
        self._program = program
        self._parameters = program.parameters
        constants: list[float] = []
        size = len(layout.nodes)
        self.plan = Plan(
            parameters=layout.parameters,
            used=layout.used,
            steps=[
                _step(node, layout.slot, size, constants)
                for node in layout.nodes[program._inputs.stop :]
            ],
            size=size,
            constants=constants,
            numbers=_numbers(program._shape),
            outputs=program._output_slots,
            leaves=[layout.slot[leaf] for leaf in layout.leaves],
        )
        self._arrays, self.note = _arrays(self.plan)
        self._warned = False

    def forward(self, batch: object) -> list:
        """Each sample's outputs: see `Program.forward_batch`."""
        samples = self._samples("Program.forward_batch", batch)
        if self._arrays is not None:
            data = self._arrays.forward(samples, self._parameter_data())
            if data is not None:
                return self._shaped(data.tolist())
        self._warn()
        parameters = self._parameter_data()
        runs = (
            self._scalar_forward(self._rows(samples, i), parameters, None)
            for i in range(len(samples))
        )
        return self._shaped([[values[k] for k in self.plan.outputs] for values in runs])

    def backward(self, batch: object, grad_outputs: object, *, input_grads: bool) -> object:
        """Forward and backward: see `Program.backward_batch`."""
        where = "Program.backward_batch"
        samples = self._samples(where, batch)

        def seeds_of(outputs: list[list[float]]) -> list[tuple[float, ...]]:
            given = grad_outputs(self._shaped(outputs)) if callable(grad_outputs) else grad_outputs
            return self._seeds(where, given, len(samples))

        found = None
        if self._arrays is not None:
            found = self._arrays.backward(samples, self._parameter_data(), seeds_of)
        if found is None:
            self._warn()
            found = self._scalar_backward(samples, seeds_of)
        outputs, totals, grads = found
        self._accumulate(totals)
        outputs = self._shaped(outputs)
        if not input_grads:
            return outputs
        return outputs, [self._input_grads(row) for row in grads]

    # One sample at a time, through the op table's scalar rules: the path without numpy,
    # and the one that finds a failing batch's error.

    def _scalar_forward(
        self, inputs: Sequence[float], parameters: list[float], local: list | None
    ) -> list[float]:
        """Each slot's data for one sample by `Program`'s Python forward pass, checked as
        `make_node` checks it; given a list `local`, each node's local derivatives (one per
        parent) are appended to it."""
        program = self._program
        values = program._template.copy()
        values[: self.plan.parameters] = parameters
        values[program._inputs] = inputs
        program._forward(values, local)
        return values

    def _scalar_backward(self, samples: object, seeds_of: Callable) -> tuple:
        """Outputs, parameter totals and input gradients, sample by sample, with the seeds
        that `seeds_of(outputs)` gives; the first failing sample raises its error."""
        plan = self.plan
        count = plan.parameters
        parameters = self._parameter_data()
        runs = []
        for i in range(len(samples)):
            local: list = []
            runs.append((self._scalar_forward(self._rows(samples, i), parameters, local), local))
        outputs = [[values[k] for k in plan.outputs] for values, _ in runs]
        seeds = seeds_of(outputs)
        totals = [0.0] * count
        for seed in seeds:  # the later node's messages come first
            for slot, s in zip(plan.outputs, seed):
                if slot < count:
                    totals[slot] += s
        grads, messages = [], []
        for (values, local), seed in zip(runs, seeds):
            found, sent = self._sample_backward(values, local, seed)
            grads.append(found[count : count + len(plan.used)])
            messages.append(sent)
        for sent in reversed(messages):
            for slot, message in sent:
                totals[slot] += message
        return outputs, totals, grads

    def _sample_backward(
        self, values: list[float], local: list, seed: tuple[float, ...]
    ) -> tuple[list[float], list[tuple[int, float]]]:
        """One sample's gradients d L / d slot, and its messages to parameters in the
        order backward sends them."""
        plan = self.plan
        count = plan.parameters
        grads = [0.0] * plan.size
        for slot, s in zip(plan.outputs, seed):
            if slot >= count:
                grads[slot] += s
        sent = []
        for step, local_grads in zip(reversed(plan.steps), reversed(local)):
            grad = grads[step.slot]
            if not checks.is_finite(grad):
                raise checks.overflowed(self._program._at(step.slot, values), grad)
            if grad == 0.0:  # its messages are ±0, which change no sum
                continue
            for parent, local_grad in zip(step.parents, local_grads):
                if parent < count:
                    sent.append((parent, local_grad * grad))
                else:
                    grads[parent] += local_grad * grad
        for slot in plan.leaves:
            if slot >= count and not checks.is_finite(grads[slot]):
                raise checks.overflowed(self._program._at(slot, values), grads[slot])
        return grads, sent

    # What both paths share: the inputs and seeds in, the grads and outputs out.

    def _accumulate(self, totals: list[float]) -> None:
        """Add each parameter's total to its grad, as backward adds to leaves; change
        nothing if a grad would not be a finite float."""
        with _backward_lock:
            grads = [p.grad + total for p, total in zip(self._parameters, totals)]
            if not checks.is_finite(sum(grads)):
                for slot in self.plan.leaves:
                    if slot < self.plan.parameters and not checks.is_finite(grads[slot]):
                        raise checks.overflowed(self._parameters[slot], grads[slot])
            for parameter, grad in zip(self._parameters, grads):
                parameter.grad = grad

    def _samples(self, where: str, batch: object) -> object:
        """Each sample's numbers as finite floats, a list of them or an (N, numbers)
        array; errors name the sample."""
        from autograd.program import _flatten, _is_list

        shape = self._program._shape
        if getattr(batch, "ndim", None) is not None:
            if batch.ndim != 2 or batch.shape[1] != self.plan.numbers:
                raise ValueError(
                    f"{where}: an array batch has one row of {self.plan.numbers} numbers "
                    f"per sample, got the shape {batch.shape}"
                )
            return self._array(where, batch)
        if not _is_list(batch):
            raise TypeError(
                f"{where}: batch must be a list of samples (each as Program.forward takes "
                f"its inputs) or a 2-d numpy array, got {batch!r} ({type(batch).__name__})"
            )
        samples = [
            _flatten(f"{where}: sample {i}", sample, shape)[0] for i, sample in enumerate(batch)
        ]
        if not samples:
            raise ValueError(f"{where}: the batch is empty; give at least one sample")
        return samples

    def _array(self, where: str, batch: object) -> object:
        """A 2-d array batch as floats, checked finite in bulk; the first sample that is
        not gets `forward`'s error."""
        from autograd.batch_numpy import as_rows
        from autograd.program import _flatten, _unflatten

        if len(batch) == 0:
            raise ValueError(f"{where}: the batch is empty; give at least one sample")
        rows, bad = as_rows(batch)
        if bad is not None:
            shape = self._program._shape
            _flatten(f"{where}: sample {bad}", _unflatten(rows[bad].tolist(), shape), shape)
        return rows

    def _seeds(self, where: str, grad_outputs: object, count: int) -> list[tuple[float, ...]]:
        """Each sample's seed for each output, as finite floats."""
        from autograd.program import _is_list

        items = grad_outputs.tolist() if hasattr(grad_outputs, "tolist") else grad_outputs
        outputs = len(self.plan.outputs)
        kind = "a number" if self._program._single else f"a list of {outputs} numbers"
        if not _is_list(items) or len(items := list(items)) != count:
            raise ValueError(
                f"{where}: grad_outputs holds each sample's seed ({kind}), one per sample: "
                f"{count} of them, got {grad_outputs!r}"
            )
        if self._program._single:
            return [(checks.number(f"{where}: grad_outputs[{i}]", s),) for i, s in enumerate(items)]
        seeds = []
        for i, seed in enumerate(items):
            if not _is_list(seed) or len(seed := list(seed)) != outputs:
                raise ValueError(f"{where}: grad_outputs[{i}] must be {kind}, got {seed!r}")
            seeds.append(tuple(checks.number(f"{where}: grad_outputs[{i}]", s) for s in seed))
        return seeds

    def _rows(self, samples: object, i: int) -> list[float]:
        """Sample i's numbers that fn uses."""
        row = samples[i]
        row = row.tolist() if hasattr(row, "tolist") else row
        return [row[k] for k in self.plan.used]

    def _parameter_data(self) -> list[float]:
        return list(map(_data, self._parameters))

    def _shaped(self, outputs: list[list[float]]) -> list:
        return [row[0] for row in outputs] if self._program._single else outputs

    def _input_grads(self, grads: list[float]) -> tuple:
        from autograd.program import _unflatten

        flat = [0.0] * self.plan.numbers
        for k, grad in zip(self.plan.used, grads):
            flat[k] = grad
        return _unflatten(flat, self._program._shape)

    def _warn(self) -> None:
        if self.note is not None and not self._warned:
            self._warned = True
            warnings.warn(f"Program: the batch runs sample by sample: {self.note}", stacklevel=4)


def _step(node: object, slot: dict, size: int, constants: list[float]) -> Step:
    """The node as a Step, its numbers appended to `constants` as `Program` appends them."""
    from autograd.program import _argument_slots, _local_cut

    op = node.op
    where = _argument_slots(node, slot, size, constants)
    params = len((op.base or op).param_defaults)
    parents = tuple(slot[parent] for parent in node.parents)
    return Step(slot[node], op, tuple(where), len(where) - params, parents, _local_cut(node))


def _arrays(plan: Plan) -> tuple[object | None, str | None]:
    """The numpy runner of the plan, or None and why not."""
    missing = sorted({step.op.name for step in plan.steps if step.op.batch_forward is None})
    if missing:
        return None, (
            f"the op {', '.join(missing)} declares no batch forms (custom_op's "
            "batch_forward and batch_local_grads)"
        )
    try:
        from autograd.batch_numpy import Arrays
    except ImportError:
        return None, "numpy is not installed (pip install 'stepgrad[batch]')"
    return Arrays(plan), None


_data = attrgetter("data")
