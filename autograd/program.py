"""Trace once, replay many: a graph recorded once and run again on new numbers.

For a function whose graph has the same shape for every input (every `nn` model, every
loss of `nn.losses`), the graph that `draw` shows is a program. `trace(fn, inputs)` builds
it once with Values and keeps it as one: the ops in creation order, where each reads its
arguments, their params, and which leaves are inputs and which are parameters.
`Program.backward(inputs)` runs the op table's own `forward` and `local_grads` again on
new numbers, in the same order and with the same arguments, on flat lists of floats, then
backward's messages in backward's order: bit for bit what building fn's graph on those
numbers and calling `backward()` gives, with no Value made per node. On the compiled
core (see `autograd.core`) forward and backward run as C loops over arrays of doubles
(`autograd.replay`), with the same results; `check` runs the passes written here.

A program is valid only while fn's graph has the same shape for every input: the same ops
on the same nodes with the same params. Code that branches on `.data`, or turns data into
a number of the expression (`x * x.data`), builds another graph for other data, and
replaying the recorded one would compute another function. What is caught, and where:

- at `trace`: fn runs twice, at the inputs and at the inputs moved by about 1e-6 (or at
  `second`), and the two graphs must agree in every op, edge, param and leaf: a param
  computed from the data changes between them, and so does a branch that the move
  crosses. A node made before the trace (a result computed outside fn) is refused:
  replay would recompute it from its parents' current data, while fn keeps the old one;
- at every run: inputs of another number or kind (a number where the trace had a list,
  a list of another length), non-numbers and non-finite numbers. The ops' errors (an
  input outside a domain, a derivative or gradient that is not finite) are those the
  Value engine raises, and a failed backward leaves every grad as it was;
- `program.check(inputs)` builds fn's graph at those inputs and compares its shape,
  every node's data and every gradient with the program's, bit for bit.

Not caught: a branch that neither trace nor check crosses (`if x.data > 100:` traced and
checked below 100), a param that the small move does not change (`round(x.data)`), and a
leaf that fn makes from a parameter's data (`Value(w.data)`, or a node made under
`no_grad`): the program keeps the leaf it traced, which goes stale when the parameter
changes (a check after the change catches it). fn's Python side effects, and its own
checks of the data (a target outside [0, 1]), happen at trace and check only.
"""

from __future__ import annotations

import functools
import inspect
import math
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import islice, repeat
from numbers import Real
from operator import add, attrgetter, itemgetter, mul
from typing import NamedTuple

from autograd import checks, replay
from autograd.grad_mode import enable_grad
from autograd.graph import arguments
from autograd.scene import name
from autograd.value import Value, _backward_lock, reachable

NUDGE = 2.0**-20
"""trace's second build moves each input x toward 0 by 1 to 2 times NUDGE · |x| (an input
0 up to that size), by an amount that differs per input, so that a param computed from the
inputs' data changes."""
RUN = 8
"""Arguments or parents in this many evenly spaced slots or more, such as the weights and
inputs of a neuron's Σ w·x, are copied and updated as slices of the flat lists, not one
by one."""

Shape = None | int | tuple["Shape", ...]
"""The shape of an input: None for a number, n for a list of n numbers, and a tuple of
shapes for a list of anything else."""


class ProgramError(ValueError):
    """fn's graph depends on the data: at other inputs it is another graph, so a program
    traced at one input would compute another function at the other."""


def trace(
    fn: Callable[..., object], inputs: Sequence, *, second: Sequence | None = None
) -> Program:
    """Run `fn` on Values made from `inputs` and return its graph as a `Program`.

    Each item of `inputs` is one argument of fn: a number becomes a Value, and a list of
    numbers (or of lists) a list of Values, so that a sample and its target are both
    inputs of `trace(lambda x, y: mse(model(x), y), [[0.5, -1.0], 0.3])`. fn returns a
    Value, or a list of Values (a program that runs forward only). The leaves of its
    graph that are not inputs are the program's `parameters` (the model's weights, the
    same Values): each run reads their current `data`, and `backward` adds to their
    `grad`. Numbers in the expression (`x * 0.5`) stay constants.

    fn runs a second time, at `second` (by default at the inputs moved by about 1e-6, see
    NUDGE), and both graphs must be the same, or a `ProgramError` names the node where they
    differ. The module's docstring says when a program is valid, and what is checked.

    >>> from autograd import Value
    >>> w = Value(2.0, label="w")
    >>> program = trace(lambda x: (x * w).tanh() + x * 0.5, [1.0])
    >>> program
    <Program of 1 input (a number), 1 parameter, 4 ops, 6 edges, 1 output>
    >>> program.backward([0.25])
    0.5871171572600098
    >>> w.grad  # as ((0.25 * w).tanh() + 0.25 * 0.5).backward() leaves it
    0.19661193324148188
    """
    flat, shape = _flatten("trace", inputs)
    names = _argument_names(fn, len(shape))
    program = Program(fn, _build(fn, flat, shape, names), flat, shape, names)
    if second is None:
        other = tuple(_nudged(x, k) for k, x in enumerate(flat))
        at = f"at the inputs moved by about {NUDGE:.0e}"
    else:
        other, _ = _flatten("trace: second", second, shape)
        at = "at second"
    try:
        again = _build(fn, other, shape, names)
    except (ArithmeticError, ValueError, TypeError, IndexError) as error:
        raise ProgramError(
            f"trace: fn fails {at}, where trace runs it again to see whether its graph "
            f"depends on the data ({type(error).__name__}: {error}); pass second= with "
            "another example"
        ) from error
    program._compare(again, "trace", at)
    return program


class _Recording(NamedTuple):
    """One build of fn's graph: its outputs, its input leaves, whether fn returned one
    Value, and an index of creation from before the build."""

    outputs: tuple[Value, ...]
    inputs: tuple[Value, ...]
    single: bool
    made_after: int


class _Layout(NamedTuple):
    """A build's nodes in slots: the parameters, then the inputs fn uses (`used`, their
    places among the inputs), then the interior nodes, each in creation order; `leaves`
    in the order backward checks them."""

    nodes: list[Value]
    slot: dict[Value, int]
    parameters: int
    used: list[int]
    leaves: list[Value]


class Program:
    """fn's graph as a program: run it forward, or forward and backward, on new numbers.

    `outputs` are the traced outputs, and `root` the one output: `draw(program.root)` and
    `Stepper(program.root)` show the program, which is that graph, at the traced inputs.
    `parameters` are the leaves that are not inputs, and `inputs` the numbers it was
    traced at. Make one with `trace`.
    """

    def __init__(
        self,
        fn: Callable[..., object],
        recording: _Recording,
        flat: tuple[float, ...],
        shape: tuple[Shape, ...],
        names: list[str],
    ) -> None:
        layout = _layout(recording)
        self.outputs = recording.outputs
        self.parameters = tuple(layout.nodes[: layout.parameters])
        self.inputs = _unflatten(flat, shape)
        self._fn, self._names, self._shape = fn, names, shape
        self._recording, self._layout = recording, layout
        self._single = recording.single
        self._output_slots = [layout.slot[out] for out in recording.outputs]
        self._inputs = slice(layout.parameters, layout.parameters + len(layout.used))
        used = layout.used
        self._pick = None if used == list(range(len(flat))) else lambda xs: [xs[k] for k in used]
        self._size = len(layout.nodes)
        constants: list[float] = []
        interior = layout.nodes[self._inputs.stop :]
        slots = [_argument_slots(node, layout.slot, self._size, constants) for node in interior]
        compiled = [_compile(node, where, layout.slot) for node, where in zip(interior, slots)]
        self._steps = [step for step, _ in compiled]
        self._edges = [edge for _, edge in reversed(compiled)]
        self._template = [0.0] * self._size + constants
        self._replay = None
        if replay.COMPILED:
            ops = [node.op for node in interior]
            parents = [parents for _, parents, _ in reversed(self._edges)]
            self._replay = replay.Replay(self._template, self._inputs, used, ops, slots, parents)

    @property
    def root(self) -> Value:
        """The traced output, when fn returned one Value."""
        if not self._single:
            raise TypeError(
                f"Program: fn returned {len(self.outputs)} outputs; draw one of program.outputs"
            )
        return self.outputs[0]

    def __repr__(self) -> str:
        edges = sum(len(parents) for _, parents, _ in self._edges)
        kinds = _kinds(self._shape)
        return (
            f"<Program of {_count(len(self._shape), 'input')} ({kinds}), "
            f"{_count(len(self.parameters), 'parameter')}, {_count(len(self._steps), 'op')}, "
            f"{_count(edges, 'edge')}, {_count(len(self.outputs), 'output')}>"
        )

    def forward(self, inputs: Sequence) -> float | list[float]:
        """The output's data at `inputs` (a list for several outputs): what fn's graph
        built under `no_grad` gives. No derivative is computed."""
        flat = _flatten("Program.forward", inputs, self._shape)[0]
        values = None if self._replay is None else self._replay.forward(self.parameters, flat)
        if values is None:
            values = self._load(flat)
            self._forward(values, None)
        if self._single:
            return values[self._output_slots[0]]
        return [values[k] for k in self._output_slots]

    def backward(self, inputs: Sequence, *, input_grads: bool = False) -> float | tuple:
        """Forward and backward at `inputs`: returns the output's data, and adds this pass
        to each parameter's `grad`, bit for bit as building fn's graph at `inputs` and
        calling `backward()` does. With `input_grads=True`, returns (output, gradients),
        the gradients d output / d input in the shape of `inputs`. A pass that fails
        leaves every grad as it was."""
        if not self._single:
            raise TypeError(
                f"Program.backward: fn returned {len(self.outputs)} outputs, and backward "
                "starts from one: trace a function that returns their loss"
            )
        flat = _flatten("Program.backward", inputs, self._shape)[0]
        root = self._output_slots[0]
        found = None if self._replay is None else self._replay.backward(self.parameters, flat, root)
        if found is None:
            values = self._load(flat)
            local: list[Sequence[float]] = []
            self._forward(values, local)
            grads = self._backward(values, local)
            self._accumulate(grads, values)
        else:
            values, grads = found
        out = values[root]
        if not input_grads:
            return out
        return out, self._input_grads(grads)

    def check(self, inputs: Sequence) -> None:
        """Build fn's graph at `inputs` and compare it with the program: the same ops,
        edges, params and leaves, every node's data and, after backward (one output),
        every leaf's gradient, bit for bit. A `ProgramError` says where they first differ.
        No grad changes."""
        flat, _ = _flatten("Program.check", inputs, self._shape)
        rebuilt = _build(self._fn, flat, self._shape, self._names)
        self._compare(rebuilt, "check", "at these inputs")
        theirs = _layout(rebuilt).nodes
        values = self._load(flat)
        local: list[Sequence[float]] | None = [] if self._single else None
        try:
            self._forward(values, local)
        except (ArithmeticError, ValueError) as error:
            raise ProgramError(
                f"check: the program fails at these inputs, where fn's graph does not: {error}"
            ) from error
        data = [node.data for node in theirs]
        slot = _first_difference(values[: self._size], data)
        if slot is not None:
            raise ProgramError(
                f"check: {self._describe(slot)} is {values[slot]!r} in the program but "
                f"{data[slot]!r} in fn's graph at these inputs"
            )
        if not self._single:
            return
        leaves = theirs[: self._inputs.stop]
        before = [leaf.grad for leaf in leaves]
        try:
            rebuilt.outputs[0].backward()
            expected = [leaf.grad for leaf in leaves]
        finally:
            for leaf, grad in zip(leaves, before):
                leaf.grad = grad
        try:
            grads = self._backward(values, local)
        except ArithmeticError as error:
            raise ProgramError(
                f"check: the program's backward fails at these inputs, where fn's graph's "
                f"does not: {error}"
            ) from error
        ours = list(map(add, before, grads))
        slot = _first_difference(ours, expected)
        if slot is not None:
            raise ProgramError(
                f"check: the gradient of {self._describe(slot)} is {ours[slot]!r} by the "
                f"program but {expected[slot]!r} by fn's graph at these inputs"
            )

    def forward_batch(self, batch: Sequence) -> list:
        """Each sample's output (a list for several outputs), bit for bit what
        `forward(sample)` gives, for a batch of N samples at once: a list of samples, each
        as `forward` takes its inputs, or a 2-d numpy array of N rows of their numbers.
        With numpy, each node computes all N samples in one array (see
        `autograd.batch`). An empty batch is a ValueError."""
        return self._batch.forward(batch)

    def backward_batch(
        self,
        batch: Sequence,
        grad_outputs: Sequence | Callable[[list], Sequence],
        *,
        input_grads: bool = False,
    ) -> list | tuple[list, list]:
        """Forward and backward over a batch: returns each sample's output, as
        `forward_batch` does, and adds to each parameter's grad what `backward()` adds on
        the graph of fn on sample 0, 1, …, N-1 with each output's gradient seeded from
        `grad_outputs` (one number per sample, or one list per sample for several
        outputs): the gradient of Σ_i Σ_j seed_ij · output_ij, bit for bit. Seeds of 1/N
        give a mean loss's mini-batch gradient. `grad_outputs` may be a function of the
        outputs (as `forward_batch` returns them) that gives the seeds: a loss computed
        on the outputs, without a second forward pass. With `input_grads=True`, returns
        (outputs, gradients), each sample's d L / d input in the shape of its inputs. A
        batch that fails changes no grad, and raises the error of its first failing
        sample."""
        return self._batch.backward(batch, grad_outputs, input_grads=input_grads)

    @functools.cached_property
    def _batch(self) -> object:
        """The batch runner, made on first use (numpy is imported only then)."""
        from autograd.batch import Batch

        return Batch(self)

    # The passes. `values` and `grads` are flat lists of floats with one slot per node (in
    # `values`, the constants the ops read follow them).

    def _load(self, flat: tuple[float, ...]) -> list[float]:
        """A values list with the parameters' current data and the inputs."""
        values = self._template.copy()
        values[: self._inputs.start] = map(_data, self.parameters)
        values[self._inputs] = flat if self._pick is None else self._pick(flat)
        return values

    def _forward(self, values: list[float], local: list | None) -> None:
        """Each interior node's data, as `make_node` computes it, with its errors; given a
        list `local`, each node's local derivatives are appended to it."""
        for slot, op, forward, local_grads, gather, valid, cut in self._steps:
            args = gather(values)
            try:
                data = forward(*args)
            except (ArithmeticError, ValueError) as error:
                raise checks.cannot_compute(op, tuple(args), error) from None
            if (
                data.__class__ is not float
                or (total := sum(args, data)) - total != 0.0
                or (valid is not None and not valid(*args))
            ):
                data = checks.checked(op, tuple(args), data)
            values[slot] = data
            if local is None:
                continue
            try:
                grads = local_grads(data, *args)
            except ArithmeticError as error:
                raise checks.cannot_differentiate(op, tuple(args), error) from None
            if cut is not None and len(grads) != cut[0]:
                grads = grads[cut[1]]
            if (total := sum(grads, 0.0)) - total != 0.0 and not all(map(checks.is_finite, grads)):
                raise checks.cannot_differentiate(op, tuple(args), grads)
            local.append(grads)

    def _backward(self, values: list[float], local: list) -> list[float]:
        """d output / d node for every slot, from backward's messages in backward's order.

        A node whose gradient is 0 is skipped: its messages are ±0, which change no sum,
        since no gradient is -0 (each starts at +0, and x + y is -0 only when both are).
        """
        grads = [0.0] * self._size
        grads[self._output_slots[0]] = 1.0
        for (slot, parents, runs), local_grads in zip(self._edges, reversed(local)):
            grad = grads[slot]
            if grad - grad != 0.0:
                raise checks.overflowed(self._at(slot, values), grad)
            if grad == 0.0:
                continue
            if runs is None:
                for parent, local_grad in zip(parents, local_grads):
                    grads[parent] += local_grad * grad
                continue
            for target, source in runs:
                if target.__class__ is int:
                    grads[target] += local_grads[source] * grad
                else:
                    messages = map(mul, local_grads[source], repeat(grad))
                    grads[target] = map(add, grads[target], messages)
        return grads

    def _accumulate(self, grads: list[float], values: list[float]) -> None:
        """Add this pass to each parameter's grad, as backward adds to leaves; change
        nothing if a leaf's gradient would not be a finite float."""
        count = self._inputs.start
        with _backward_lock:
            totals = list(map(add, map(_grad, self.parameters), grads[:count]))
            total = sum(totals) + sum(grads[self._inputs])
            if total - total != 0.0:
                for leaf in self._layout.leaves:
                    slot = self._layout.slot[leaf]
                    grad = totals[slot] if slot < count else grads[slot]
                    if grad - grad != 0.0:
                        raise checks.overflowed(self._at(slot, values), grad)
            for parameter, grad in zip(self.parameters, totals):
                parameter.grad = grad

    def _input_grads(self, grads: list[float]) -> tuple:
        flat = [0.0] * _numbers(self._shape)
        for k, grad in zip(self._layout.used, grads[self._inputs]):
            flat[k] = grad
        return _unflatten(flat, self._shape)

    # Comparing another build of fn with the program, and naming nodes in errors.

    def _compare(self, other: _Recording, where: str, at: str) -> None:
        """Raise a ProgramError where `other`'s graph differs from the program's: in a
        leaf, an op, an edge, a param, or its outputs."""

        def differ(problem: str) -> ProgramError:
            return ProgramError(f"{where}: fn's graph depends on the data: {problem}. {_ADVICE}")

        if other.single != self._single or len(other.outputs) != len(self.outputs):
            count = 1 if other.single else len(other.outputs)
            outputs = _count(len(self.outputs), "output")
            raise differ(f"fn returns {outputs} in the program and {count} {at}")
        ours, theirs = self._layout, _layout(other)
        if ours.used != theirs.used:
            raise differ(f"fn reads the inputs {ours.used} in the program and {theirs.used} {at}")
        if ours.parameters != theirs.parameters:
            raise differ(
                f"it has {ours.parameters} parameters in the program and {theirs.parameters} {at}"
            )
        for k, (a, b) in enumerate(zip(ours.nodes, theirs.nodes)):
            if k < ours.parameters:
                if a is not b and not _same_constant(a, b, self._recording, other):
                    raise differ(
                        f"{self._describe(k)} is {_leaf(a, self._recording)} in the program "
                        f"and {_leaf(b, other)} {at}"
                    )
            elif k >= self._inputs.stop:
                parents_a = [ours.slot[p] for p in a.parents]
                parents_b = [theirs.slot[p] for p in b.parents]
                if a.op is not b.op or parents_a != parents_b:
                    raise differ(
                        f"{self._describe(k)} is {self._wiring(a.op, parents_a)} in the "
                        f"program and {self._wiring(b.op, parents_b)} {at}"
                    )
                if len(a.params) != len(b.params) or not all(map(_same, a.params, b.params)):
                    raise differ(
                        f"{self._describe(k)} has the params {a.params} in the program and "
                        f"{b.params} {at} (a number computed from .data?)"
                    )
        if len(ours.nodes) != len(theirs.nodes):
            raise differ(
                f"it has {len(ours.nodes)} nodes in the program and {len(theirs.nodes)} {at}"
            )
        if [theirs.slot[out] for out in other.outputs] != self._output_slots:
            raise differ(f"fn returns other nodes {at}")

    def _wiring(self, op: object, parents: list[int]) -> str:
        """`mul of (x, n3)`: an op and its parents, named as the program names its slots."""
        if op is None:
            return "a leaf"
        shown = ", ".join(self._describe(slot, kind=False) for slot in parents[:6])
        more = f", … {len(parents)} in all" if len(parents) > 6 else ""
        return f"{op.name} of ({shown}{more})"

    def _describe(self, slot: int, *, kind: bool = True) -> str:
        """`n12 (tanh)`, `w (a parameter)`: a slot named as the drawing of the program
        names its node."""
        if slot >= self._size:
            return f"node {slot}"
        node = self._layout.nodes[slot]
        found = name(node, self._places)
        if not kind:
            return found
        if node.parents:
            return f"{found} ({node.op.name})"
        return f"{found} ({'a parameter' if slot < self._inputs.start else 'an input'})"

    @functools.cached_property
    def _places(self) -> dict[Value, int]:
        """Each node's place in topological order: `n12` in drawings and errors."""
        return {node: k for k, node in enumerate(sorted(self._layout.nodes, key=_index))}

    def _at(self, slot: int, values: list[float]) -> _Node:
        """The node in `slot` as it is in this run, for the engine's error messages."""
        node = self._layout.nodes[slot]
        return _Node(node.label, node.op, values[slot])


class _Node(NamedTuple):
    """What `checks.overflowed` reads of a node: its label, op and data in this run."""

    label: str
    op: object
    data: float


_ADVICE = (
    "A branch on .data, or a number computed from .data, builds another graph for other "
    "data, and a program replays only the graph it traced: build that part with ops on "
    "Values, or do not trace fn"
)


def _argument_slots(
    node: Value, slot: dict[Value, int], size: int, constants: list[float]
) -> list[int]:
    """The slots of the node's arguments: its parents', and for its params new slots among
    the `constants`, after the `size` nodes' slots."""
    args, positions = arguments(node)
    parent_at = dict(zip(positions, node.parents))
    where = []
    for position, arg in enumerate(args):
        if position in parent_at:
            where.append(slot[parent_at[position]])
        else:
            where.append(size + len(constants))
            constants.append(arg)
    return where


def _compile(node: Value, where: list[int], slot: dict[Value, int]):
    """The node's forward step: its op's functions, the slots `where` of its arguments
    and how to cut its local derivatives to one per parent, as `make_node` does; and its
    backward step: its slot and its parents' slots, with their runs."""
    op = node.op
    cut = _local_cut(node)
    if cut is not None:
        cut = (len(node.parents), cut)
    step = (slot[node], op, op.forward, op.local_grads, _gatherer(where), op.valid, cut)
    parents = tuple(slot[parent] for parent in node.parents)
    pieces = _pieces(parents)
    runs = pieces if any(isinstance(target, slice) for target, _ in pieces) else None
    return step, (slot[node], parents, runs)


def _local_cut(node: Value) -> slice | None:
    """Which of the op's local derivatives belong to the node's parents, as `make_node`
    keeps them: all (None), or all but the one of the number in a constant's position."""
    if not node.params:
        return None
    return slice(1, None) if node.op.constant_position == 0 else slice(None, len(node.parents))


def _gatherer(where: list[int]) -> Callable[[list[float]], Sequence[float]]:
    """A function from the values list to the arguments in slots `where`: one C call
    (itemgetter) for a few, joined slices for the runs of a wide node."""
    if len(where) == 1:
        return itemgetter(slice(where[0], where[0] + 1))
    pieces = _pieces(where)
    if len(pieces) > len(where) // RUN:
        return itemgetter(*where)
    first, *rest = (t if isinstance(t, slice) else slice(t, t + 1) for t, _ in pieces)

    def gather(values: list[float]) -> list[float]:
        args = values[first]
        for piece in rest:
            args += values[piece]
        return args

    return gather


def _pieces(slots: Sequence[int]) -> list[tuple[slice | int, slice | int]]:
    """`slots` in order, as runs of RUN or more evenly spaced slots, each (slice of slots,
    slice of positions), and single slots, each (slot, position)."""
    pieces: list[tuple[slice | int, slice | int]] = []
    i = 0
    while i < len(slots):
        j = i + 1
        step = slots[j] - slots[i] if j < len(slots) else 0
        while step > 0 and j + 1 < len(slots) and slots[j + 1] - slots[j] == step:
            j += 1
        if step > 0 and j + 1 - i >= RUN:
            pieces.append((slice(slots[i], slots[j] + 1, step), slice(i, j + 1)))
            i = j + 1
        else:
            pieces.append((slots[i], i))
            i += 1
    return pieces


def _layout(recording: _Recording) -> _Layout:
    """The build's nodes in slots; a ValueError for an interior node made before it."""
    interior: set[Value] = set()
    leaves: list[Value] = []
    for out in recording.outputs:
        found, found_leaves = reachable(out)
        interior.update(found)
        leaves += found_leaves
    leaves = list(dict.fromkeys(leaves))
    early = [node for node in interior if node.index < recording.made_after]
    if early:
        node = min(early, key=_index)
        raise ValueError(
            f"trace: fn's graph holds a result made before fn ran ({node.op.name} of data "
            f"{node.data!r}): a program would recompute it from its parents' current data, "
            "while fn keeps the old result. Compute it inside fn, or make it a leaf: "
            "Value(x.data)"
        )
    place = {leaf: k for k, leaf in enumerate(recording.inputs)}
    parameters = sorted((leaf for leaf in leaves if leaf not in place), key=_index)
    used = sorted(place[leaf] for leaf in leaves if leaf in place)
    nodes = parameters + [recording.inputs[k] for k in used] + sorted(interior, key=_index)
    slot = {node: k for k, node in enumerate(nodes)}
    return _Layout(nodes, slot, len(parameters), used, leaves)


def _same_constant(a: Value, b: Value, first: _Recording, other: _Recording) -> bool:
    """Whether leaves a and b are a constant that fn makes on each call (`Value(2.0)`):
    each made during its build, with the same data."""
    return a.index > first.made_after and b.index > other.made_after and _same(a.data, b.data)


def _leaf(node: Value, recording: _Recording) -> str:
    if node.index > recording.made_after:
        if node.op is not None:
            return f"a {node.op.name} node made under no_grad, of data {node.data!r}"
        return f"a leaf fn made, of data {node.data!r}"
    return f"the parameter {node.label or '(no label)'} of data {node.data!r}"


def _same(a: float, b: float) -> bool:
    """Whether a and b are the same float, bit for bit: 0.0 and -0.0 differ."""
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def _first_difference(a: list[float], b: list[float]) -> int | None:
    """The first place where a and b hold different floats, bit for bit, or None."""
    if array("d", a).tobytes() == array("d", b).tobytes():
        return None
    return next(k for k, (x, y) in enumerate(zip(a, b)) if not _same(x, y))


def _build(
    fn: Callable[..., object], flat: tuple[float, ...], shape: tuple[Shape, ...], names: list[str]
) -> _Recording:
    """fn's graph on Values of `flat` in the inputs' shape, recorded even under no_grad."""
    made_after = Value(0.0).index
    leaves = tuple(Value(x, label=label) for x, label in zip(flat, _labels(names, shape)))
    with enable_grad():
        result = fn(*_unflatten(leaves, shape))
    if isinstance(result, Value):
        return _Recording((result,), leaves, True, made_after)
    if isinstance(result, (list, tuple)) and result and all(isinstance(y, Value) for y in result):
        return _Recording(tuple(result), leaves, False, made_after)
    raise TypeError(
        f"trace: fn must return a Value or a non-empty list of Values, got {result!r} "
        f"({type(result).__name__})"
    )


# The inputs: numbers and lists of them in, a flat tuple of floats and a shape out.


def _flatten(
    where: str, inputs: object, shape: tuple[Shape, ...] | None = None
) -> tuple[tuple[float, ...], tuple[Shape, ...]]:
    """The numbers of `inputs` in order, as finite floats, and the shape of each input;
    checked against `shape` when given, with errors that start with `where`."""
    if not _is_list(inputs):
        raise TypeError(
            f"{where}: inputs must be a list with one item per argument of fn (a number, or "
            f"a list of numbers), got {inputs!r} ({type(inputs).__name__})"
        )
    items = list(inputs)
    if shape is not None and len(items) != len(shape):
        raise TypeError(
            f"{where}: the program takes {_count(len(shape), 'input')}, got {len(items)}"
        )
    flat: list[float] = []
    found = tuple(
        _walk(where, f"input {i}", item, _ANY if shape is None else shape[i], flat)
        for i, item in enumerate(items)
    )
    return tuple(flat), found


def _walk(where: str, path: str, item: object, expected: object, flat: list[float]) -> Shape:
    """Append the numbers of `item` to `flat` and return its shape, checked against
    `expected` (_ANY: not checked)."""
    if not _is_list(item):
        if expected is _ANY or expected is None:
            kind = "a real number or a list" if expected is _ANY else "a real number"
            flat.append(checks.number(f"{where}: {path}", item, kind))
            return None
        found = "a number" if isinstance(item, Real) else f"{item!r} ({type(item).__name__})"
        raise TypeError(
            f"{where}: {path} is {found}, but the program was traced with {_kind(expected)} there"
        )
    if expected is None:
        raise TypeError(
            f"{where}: {path} is a list, but the program was traced with a number there"
        )
    items = tuple(item)
    if expected is not _ANY:
        size = expected if isinstance(expected, int) else len(expected)
        if len(items) != size:
            raise ValueError(
                f"{where}: {path} has {len(items)} items, but the program was traced with {size}"
            )
    if not isinstance(expected, tuple) and checks.are_finite_floats(items):
        flat += items
        return len(items)
    shapes = tuple(
        _walk(where, f"{path}[{j}]", x, _ANY if expected is _ANY else _item(expected, j), flat)
        for j, x in enumerate(items)
    )
    return len(items) if all(s is None for s in shapes) else shapes


_ANY = object()


def _item(shape: Shape, j: int) -> Shape:
    """The shape of item j of a list of `shape`."""
    return None if isinstance(shape, int) else shape[j]


def _is_list(x: object) -> bool:
    return isinstance(x, Iterable) and not isinstance(x, (str, bytes, Mapping))


def _unflatten(flat: Sequence, shape: tuple[Shape, ...]) -> tuple:
    """The items of `flat` (numbers or Values) as arguments in `shape`."""
    items = iter(flat)
    return tuple(_rebuild(items, s) for s in shape)


def _rebuild(items: Iterable, shape: Shape) -> object:
    if shape is None:
        return next(items)
    if isinstance(shape, int):
        return list(islice(items, shape))
    return [_rebuild(items, s) for s in shape]


def _numbers(shape: Shape | tuple[Shape, ...]) -> int:
    if shape is None:
        return 1
    return shape if isinstance(shape, int) else sum(map(_numbers, shape))


def _labels(names: list[str], shape: tuple[Shape, ...]) -> list[str]:
    """The inputs' labels, from the names of fn's arguments: `x[0]`, `x[1]`, `y`."""
    labels: list[str] = []
    for argument, s in zip(names, shape):
        labels += _labels_of(argument, s)
    return labels


def _labels_of(path: str, shape: Shape) -> list[str]:
    if shape is None:
        return [path]
    if isinstance(shape, int):
        return [f"{path}[{j}]" for j in range(shape)]
    return [label for j, s in enumerate(shape) for label in _labels_of(f"{path}[{j}]", s)]


def _kind(shape: Shape) -> str:
    if shape is None:
        return "a number"
    if isinstance(shape, int):
        return f"a list of {_count(shape, 'number')}"
    return f"a list of {_count(len(shape), 'item')}"


def _kinds(shape: tuple[Shape, ...]) -> str:
    """`a list of 784 numbers, a number`, or `100 × a list of 2 numbers` for a run."""
    runs: list[list] = []
    for s in shape:
        if runs and runs[-1][0] == s:
            runs[-1][1] += 1
        else:
            runs.append([s, 1])
    return ", ".join(_kind(s) if n == 1 else f"{n} × {_kind(s)}" for s, n in runs)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _argument_names(fn: Callable[..., object], count: int) -> list[str]:
    """The names of fn's arguments where it has one per input, else x0, x1, …"""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        parameters = []
    positional = [
        p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return positional[:count] if len(positional) >= count else [f"x{i}" for i in range(count)]


def _nudged(x: float, k: int) -> float:
    """x moved toward 0 by (1 to 2) · NUDGE · |x|, by an amount that differs per input k;
    0 moves up by that much."""
    amount = NUDGE * (1.0 + (k * 0.6180339887498949) % 1.0)
    return x - x * amount if x != 0.0 else amount


_data = attrgetter("data")
_grad = attrgetter("grad")
_index = attrgetter("index")
