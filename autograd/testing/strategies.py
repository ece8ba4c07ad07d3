"""Hypothesis strategies for gradient tests, read from the table of ops.

- `values(op)`: the inputs of one call of `op`, inside its domain and away from its
  singular points (relu's kink at 0, 1/b's pole at b = 0, the end of ln's domain at 0);
- `calls(op)`: a call of `op` on such inputs with its params drawn too, ready for
  `gradcheck(call, call.inputs)`;
- `graphs(ops=...)`: random computation graphs in which nodes are used several times
  (fan-out), with their leaves and root; by default from `builtin_ops()`.

Every strategy reads an op's arity, domain (`valid`), singular points (`singularity`) and
params (`params`, `param_ranges`) from its `Op`, so an op declared with `custom_op` is
covered as soon as it is declared. An op can be given as an `Op`, a custom op or a name.
`graphs` uses your own ops only when given them, so that what a test draws does not depend
on the ops that other tests declared before it: `graphs(ops=[*builtin_ops(), cube])`.

Only the forward pass decides which inputs are drawn: where it is defined and finite, the
op's local derivatives must be finite numbers too. An example where they are NaN or
infinite, or where `local_grads` raises, is not dropped but raises `UndefinedDerivative`,
so the test that draws it fails and hypothesis shrinks it (dropping it would hide a rule
that is wrong on half the domain). The one exception is an input drawn with `kinks=True`
within `margin` of a singular point, where a derivative may be infinite (√x at 0).

Examples shrink the way hypothesis shrinks their parts: numbers toward 0 and small
integers, lists and graphs toward fewer elements, ops toward the first of `ops`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hypothesis import assume
from hypothesis import strategies as st

from autograd.custom import CustomOp, custom_names
from autograd.functions import apply
from autograd.graph import topological_order
from autograd.ops import OPS, Op
from autograd.value import Value


class UndefinedDerivative(AssertionError):
    """An op's local derivatives are not finite numbers (NaN, ±inf, or `local_grads`
    raised) at an input where its forward pass is defined and finite."""


PARAM_RANGE = (-2.0, 2.0)
"""Where a param is drawn from when its op lists no range for it in `param_ranges`."""

OpLike = Op | CustomOp | str


def values(
    op: OpLike | None = None,
    *,
    min_value: float = -10.0,
    max_value: float = 10.0,
    kinks: bool = False,
    margin: float = 1e-3,
    params: Mapping[str, float] | None = None,
) -> st.SearchStrategy:
    """Floats in [min_value, max_value] where `op` is defined and smooth.

    Without an op: any finite float in the range. With a one-input op: a float x with op(x)
    inside the op's domain; with an op of several inputs, a tuple of floats, one per input
    (1 to 4 of them for an op of any number of inputs). The op's params are those given in
    `params`, else its defaults (a param without a default must be given; `calls` draws
    params instead). Unless `kinks=True`, every example keeps `margin` away from the op's
    singular points and from the edge of its domain, so that central differences stay
    inside the domain and accurate. Shrinks toward simple numbers: 0 where the op allows.
    An input where the forward is finite but the local derivatives are not raises
    `UndefinedDerivative` (see the module's docstring).

    An op defined on a narrow interval, such as (0, 1), wants `min_value` and `max_value`
    around it: examples are drawn from the range and those outside the domain discarded,
    and hypothesis stops (FailedHealthCheck) when it discards most of them.
    """
    if op is None:
        return _floats(min_value, max_value)
    op = resolve_op(op)
    fixed = dict(params or {})
    for name, default in op.param_defaults.items():
        if name not in fixed and default is None:
            raise TypeError(
                f"values: {op.name} needs its param {name}: "
                f"values({op.name!r}, params={{{name!r}: ...}}), or calls(op) to draw it"
            )
        fixed.setdefault(name, default)
    strategy = calls(
        op, min_value=min_value, max_value=max_value, kinks=kinks, margin=margin, params=fixed
    )
    return strategy.map(lambda call: call.inputs[0] if op.arity == 1 else call.inputs)


@dataclass(frozen=True, eq=False)
class Call:
    """`op` applied to numbers: `inputs` and `params`. Calling it on Values makes the node.

    >>> from autograd import OPS, gradcheck
    >>> call = Call(OPS["leaky_relu"], (-1.5,), {"alpha": 0.1})
    >>> call
    leaky_relu(-1.5, alpha=0.1)
    >>> call(Value(-1.5)).data, gradcheck(call, call.inputs)
    (-0.15000000000000002, True)
    """

    op: Op
    inputs: tuple[float, ...]
    params: dict[str, float]

    def __call__(self, *inputs: Value | float) -> Value:
        return apply(self.op, *inputs, **self.params)

    def __repr__(self) -> str:
        shown = [*map(repr, self.inputs), *(f"{k}={v!r}" for k, v in self.params.items())]
        return f"{self.op.name}({', '.join(shown)})"

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(repr(self))


def calls(
    op: OpLike,
    *,
    min_value: float = -10.0,
    max_value: float = 10.0,
    kinks: bool = False,
    margin: float = 1e-3,
    min_inputs: int = 1,
    max_inputs: int = 4,
    params: Mapping[str, float | st.SearchStrategy[float]] | None = None,
) -> st.SearchStrategy[Call]:
    """Calls of `op` on inputs as `values` draws them, with its params drawn as well.

    A param given in `params` is fixed (a number) or drawn from the strategy given; else it
    is drawn from the op's `param_ranges` (or `PARAM_RANGE`), preferring whole numbers. An
    op of any number of inputs gets `min_inputs` to `max_inputs` of them. Shrinks toward
    fewer inputs, inputs near 0 and small params.
    """
    op = resolve_op(op)
    count = st.just(op.arity) if op.arity is not None else st.integers(min_inputs, max_inputs)
    number = _floats(min_value, max_value)
    drawn = st.tuples(count.flatmap(lambda n: st.tuples(*[number] * n)), _params(op, params or {}))
    usable = drawn.filter(lambda pair: _usable(op, (*pair[0], *pair[1].values()), kinks, margin))
    return usable.map(lambda pair: Call(op, pair[0], pair[1]))


@dataclass(frozen=True)
class GraphStep:
    """One node of a generated graph: `op` applied to `operands`, each the index of an
    earlier node (leaves first) or a number, a constant of the op; then its `params`."""

    op: Op
    operands: tuple[int | float, ...]
    params: dict[str, float]


@dataclass(frozen=True, eq=False)
class Graph:
    """A generated computation graph: its `leaves` (Values made from `inputs`), the `steps`
    that made the other nodes, and its `root`, the last node made.

    Calling the graph builds it again on other leaves (Values or numbers), which is what
    `gradcheck(graph, graph.inputs)` does.
    """

    inputs: tuple[float, ...]
    steps: tuple[GraphStep, ...]
    leaves: tuple[Value, ...]
    root: Value

    @property
    def fan_out(self) -> bool:
        """Whether some node of the root's graph is used more than once in it: by two
        nodes, or twice by one (`a * a`)."""
        uses = [p.index for node in topological_order(self.root) for p in node.parents]
        return len(uses) != len(set(uses))

    def __call__(self, *leaves: Value | float) -> Value:
        if len(leaves) != len(self.inputs):
            raise TypeError(f"Graph: takes {len(self.inputs)} leaves, got {len(leaves)}")
        nodes = [x if isinstance(x, Value) else Value(x) for x in leaves]
        for step in self.steps:
            operands = [nodes[i] if isinstance(i, int) else i for i in step.operands]
            nodes.append(apply(step.op, *operands, **step.params))
        return nodes[-1]

    def __repr__(self) -> str:
        lines = [f"Graph(inputs={self.inputs!r}):"]
        for k, step in enumerate(self.steps, start=len(self.inputs)):
            shown = [self._name(i) if isinstance(i, int) else repr(i) for i in step.operands]
            shown += [f"{name}={x!r}" for name, x in step.params.items()]
            lines.append(f"  v{k} = {step.op.name}({', '.join(shown)})")
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(repr(self))

    def _name(self, i: int) -> str:
        """x0, x1, … for the leaves (their labels), v<i> for node i (leaves counted first)."""
        return f"x{i}" if i < len(self.inputs) else f"v{i}"


def builtin_ops() -> list[Op]:
    """The ops built into `autograd.ops`, in the table's order: `OPS` without the ops
    declared with `custom_op`."""
    custom = custom_names()
    return [op for name, op in OPS.items() if name not in custom]


def graphs(
    ops: Sequence[OpLike] | None = None,
    *,
    max_nodes: int = 10,
    leaves: int | None = None,
    min_value: float = -2.0,
    max_value: float = 2.0,
    kinks: bool = False,
    margin: float = 1e-3,
    bound: float = 1e3,
) -> st.SearchStrategy[Graph]:
    """Random graphs of at most `max_nodes` nodes built from `ops`: by default the ops
    built into `autograd.ops` (`builtin_ops()`), none declared with `custom_op`. Give your
    own ops to use them, alone or with the others: `ops=[*builtin_ops(), cube]`;
    `ops=list(OPS.values())` is the whole table as it is now.

    The leaves x0, x1, … (`leaves` of them, or 1 to 4) hold floats in [min_value,
    max_value]. Each further node applies an op to earlier nodes drawn with replacement,
    so nodes are often used several times (fan-out, and `a * a`): its first input is half
    the time the latest node, and the others are half the time the earliest node not used
    yet, so that most nodes reach the root. A two-input op may take a number as one input
    instead. A node is kept only where its op is defined and, unless `kinks=True`,
    `margin` away from singular points, with |data| ≤ `bound`, so that finite differences
    can check the graph (the margin is measured at each node, in its own inputs, so a
    rare graph that amplifies a small change of its leaves a great deal can still put a
    central difference across a kink); a node kept whose local derivatives are not finite
    raises `UndefinedDerivative`. Only the nodes that reach the root are kept (every leaf
    stays, used or not).
    Shrinks toward fewer leaves and nodes, inputs near 0, and the first ops of `ops`.
    """
    chosen = builtin_ops() if ops is None else [resolve_op(op) for op in ops]
    if not chosen:
        raise ValueError("graphs: ops must name at least one op")
    if leaves is not None and not 1 <= leaves < max_nodes:
        raise ValueError(f"graphs: leaves must be from 1 to max_nodes - 1, got {leaves!r}")
    if max_nodes < 2:
        raise ValueError(f"graphs: max_nodes must be at least 2, got {max_nodes!r}")
    return _graphs(chosen, max_nodes, leaves, min_value, max_value, kinks, margin, bound)


@st.composite
def _graphs(
    draw: st.DrawFn,
    ops: list[Op],
    max_nodes: int,
    leaves: int | None,
    min_value: float,
    max_value: float,
    kinks: bool,
    margin: float,
    bound: float,
) -> Graph:
    count = leaves or draw(st.integers(1, min(4, max_nodes - 1)))
    inputs = tuple(draw(st.lists(_floats(min_value, max_value), min_size=count, max_size=count)))
    nodes = [Value(x, label=f"x{i}") for i, x in enumerate(inputs)]
    leaf_values = tuple(nodes)
    steps = []
    used: set[int] = set()
    wanted = len(draw(st.lists(st.just(0), min_size=1, max_size=max_nodes - count)))
    for _ in range(3 * wanted):
        if len(steps) == wanted:
            break
        op = draw(st.sampled_from(ops))
        arity = op.arity or draw(st.integers(1, 4))
        waiting = next((i for i in range(len(nodes)) if i not in used), len(nodes) - 1)
        anyone = st.integers(0, len(nodes) - 1)
        latest = st.one_of(st.just(len(nodes) - 1), anyone)
        other = st.one_of(st.just(waiting), latest)
        if arity == 2:
            number = _floats(min_value, max_value)
            latest, other = st.one_of(latest, latest, number), st.one_of(other, other, number)
        operands = draw(st.tuples(latest, *[other] * (arity - 1)))
        params = draw(_params(op, {}))
        args = tuple(nodes[i].data if isinstance(i, int) else i for i in operands)
        if not any(isinstance(i, int) for i in operands) or not _usable(
            op, (*args, *params.values()), kinks, margin, bound
        ):
            continue
        nodes.append(
            apply(op, *(nodes[i] if isinstance(i, int) else i for i in operands), **params)
        )
        steps.append(GraphStep(op, operands, params))
        used.update(i for i in operands if isinstance(i, int))
    assume(steps)
    return Graph(inputs, _reaching_the_root(steps, count), leaf_values, nodes[-1])


def _reaching_the_root(steps: list[GraphStep], leaves: int) -> tuple[GraphStep, ...]:
    """The steps whose nodes the last one uses, directly or not, renumbered in order."""
    needed = {leaves + len(steps) - 1}
    for k in range(leaves + len(steps) - 1, leaves - 1, -1):
        if k in needed:
            needed.update(i for i in steps[k - leaves].operands if isinstance(i, int))
    kept = [k for k in range(leaves, leaves + len(steps)) if k in needed]
    number = {k: leaves + n for n, k in enumerate(kept)} | {i: i for i in range(leaves)}
    return tuple(
        GraphStep(
            step.op,
            tuple(number[i] if isinstance(i, int) else i for i in step.operands),
            step.params,
        )
        for step in (steps[k - leaves] for k in kept)
    )


def _params(
    op: Op, given: Mapping[str, float | st.SearchStrategy[float]]
) -> st.SearchStrategy[dict[str, float]]:
    unknown = given.keys() - op.param_defaults.keys()
    if unknown:
        raise TypeError(f"strategies: {op.name} has no param {sorted(unknown)[0]!r}")
    strategies = {}
    for name in op.param_defaults:
        param = given.get(name)
        if param is None:
            low, high = op.param_ranges.get(name, PARAM_RANGE)
            whole = st.integers(math.ceil(low), math.floor(high)).map(float)
            param = (
                st.one_of(whole, _floats(low, high))
                if math.ceil(low) <= high
                else _floats(low, high)
            )
        strategies[name] = param if isinstance(param, st.SearchStrategy) else st.just(float(param))
    return st.fixed_dictionaries(strategies)


def _usable(
    op: Op, args: tuple[float, ...], kinks: bool, margin: float, bound: float = math.inf
) -> bool:
    """Whether op(*args) is defined with |op(*args)| ≤ bound and, unless kinks, `margin`
    away from singular points and from the edge of the domain. Such an input must have
    finite local derivatives: `UndefinedDerivative` otherwise, unless it is near a
    singular point (drawn with kinks), where it is dropped instead."""
    valid = op.valid
    if valid is not None and not valid(*args):
        return False
    try:
        out = op.forward(*args)
    except (ArithmeticError, ValueError):
        return False
    if not abs(out) <= bound:
        return False
    singular = op.singularity is not None and not op.singularity(*args) >= margin
    if not kinks and (singular or not _away_from_the_edge(op, args, margin)):
        return False
    problem = _not_finite(op, args, out)
    if problem is None:
        return True
    if singular:
        return False
    raise UndefinedDerivative(_undefined(op, args, out, problem))


def _away_from_the_edge(op: Op, args: tuple[float, ...], margin: float) -> bool:
    """Whether every input can move by ±margin and stay inside the op's domain."""
    if op.valid is None:
        return True
    inputs = len(args) - len(op.param_defaults)
    return all(
        op.valid(*args[:i], args[i] + shift, *args[i + 1 :])
        for i in range(inputs)
        for shift in (-margin, margin)
    )


def _not_finite(op: Op, args: tuple[float, ...], out: float) -> str | None:
    """None if the op's local derivatives at `args` are finite, else what `local_grads`
    did instead: "returned (nan,)", "raised ZeroDivisionError: …"."""
    try:
        grads = op.local_grads(out, *args)[: len(args) - len(op.param_defaults)]
    except Exception as error:
        return f"raised {type(error).__name__}: {error}"
    return None if all(map(math.isfinite, grads)) else f"returned {grads!r}"


def _undefined(op: Op, args: tuple[float, ...], out: float, problem: str) -> str:
    """The message of `UndefinedDerivative`: the call as code, its value, and `problem`."""
    inputs = len(args) - len(op.param_defaults)
    call = Call(op, args[:inputs], dict(zip(op.param_defaults, args[inputs:])))
    return (
        f"{op.name}: the forward is defined and finite at this input, {call!r} = {out!r}, "
        f"but the local derivatives are not: local_grads {problem}. A derivative must be "
        f"a finite number wherever the forward is ({op.name}: {op.rule}); declare a kink "
        f"or pole with singularity= so that examples keep away from it"
    )


def _floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def resolve_op(op: OpLike) -> Op:
    """The `Op` that `op` names: an Op itself, a custom op, or a name in the table."""
    if isinstance(op, Op):
        return op
    if isinstance(op, CustomOp):
        return op.op
    if isinstance(op, str) and op in OPS:
        return OPS[op]
    raise ValueError(f"strategies: unknown op {op!r}; the table has {', '.join(OPS)}")
