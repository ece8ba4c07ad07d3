"""Step through the forward and backward passes of a graph, one node or message at a time.

The forward pass has one step per node, in topological order: the node's value from its
inputs. The backward pass has one step per edge, in the order `backward()` sends them:
the consumer's gradient δ times its local derivative is the message, added (`+=`) to the
receiver's running total. Optional update steps follow, w ← w − η δ_w. Each step is an
equation in the lectures' notation, with the graph's labels where it has them.

A stepper keeps its own gradients and never changes `node.grad`; after its last backward
step they equal what `backward()` computes, exactly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from autograd import scene
from autograd.graph import topological_order
from autograd.value import Value

if TYPE_CHECKING:
    from autograd.quiz import Quiz
    from autograd.viewer import Viewer
    from autograd.widget import StepperWidget

HIDDEN = math.nan
"""A number a quiz hides: an equation writes it as ?, and every number computed from it."""


@dataclass(frozen=True)
class Step:
    """One step: its phase, the node it computes or sends to, its equation, and `value`:
    the node's data (forward), the receiver's running total after the `+=` (backward), or
    the parameter's new data (update). Backward steps also hold the `sender` (the
    consumer), the `local_grad` ∂sender/∂node and the sender's `upstream` gradient δ; the
    message is their product. The backward pass starts from δ_root = 1.
    """

    phase: str
    node: Value
    equation: str
    value: float
    sender: Value | None = None
    local_grad: float | None = None
    upstream: float | None = None
    position: int | None = None


class Stepper:
    """The steps of the forward pass, the backward pass and optional updates of `root`.

    With `learning_rate`, update steps w ← w − η δ_w follow for `parameters` (default: the
    leaves). `rankdir` lays out the frames' drawings: "LR" (left to right) or "TB" (top
    to bottom, narrower for wide graphs).

    >>> w, x = Value(0.5, label="w"), Value(1.5, label="x")
    >>> s = w * x
    >>> s.label = "s"
    >>> stepper = Stepper(s)
    >>> [step.equation for step in stepper.steps]  # doctest: +NORMALIZE_WHITESPACE
    ['w = 0.5', 'x = 1.5', 's = w * x = 0.5 * 1.5 = 0.75',
     'δ_w += δ_s · ∂s/∂w = 1 · 1.5 = 1.5', 'δ_x += δ_s · ∂s/∂x = 1 · 0.5 = 0.5']
    """

    def __init__(
        self,
        root: Value,
        *,
        learning_rate: float | None = None,
        parameters: Iterable[Value] | None = None,
        rankdir: str = "LR",
    ) -> None:
        if rankdir not in ("LR", "TB", "RL", "BT"):
            raise ValueError(f"Stepper: rankdir must be LR, TB, RL or BT, got {rankdir!r}")
        order = topological_order(root)
        self.root = root
        self.rankdir = rankdir
        self.learning_rate = learning_rate
        place = {node: i for i, node in enumerate(order)}
        self.names = {node: scene.name(node, place) for node in order}
        self.grads: dict[Value, float] = {node: 0.0 for node in order}
        self.steps: list[Step] = [self._forward(node) for node in order]
        self.grads[root] = 1.0
        for node in reversed(order):
            for position, (parent, local_grad) in enumerate(zip(node.parents, node.local_grads)):
                self.steps.append(self._message(node, position, parent, local_grad))
        if learning_rate is not None:
            chosen = [p for p in order if not p.parents] if parameters is None else parameters
            self.steps += [self._update(p) for p in chosen]

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, k: int) -> Step:
        return self.steps[k]

    def show(self, k: int = 0, *, max_nodes: int = 150, max_steps: int = 5_000) -> Viewer:
        """The viewer at step k: Jupyter displays it, with previous / next / play, a slider,
        ← → and space, zoom and pan; it steps in the browser, with no kernel. A graph of
        more steps than `max_steps` puts that many around step k in the page."""
        from autograd.viewer import Viewer

        return Viewer.of_stepper(self, start=k, max_nodes=max_nodes, max_steps=max_steps)

    def quiz(
        self,
        *,
        ask: str = "message",
        every: int | None = None,
        sample: int | None = None,
        seed: int = 0,
        rtol: float = 1e-3,
        start: int = 0,
        max_nodes: int = 150,
        max_steps: int = 5_000,
    ) -> Viewer:
        """The viewer as a quiz ("guess the message"): at each asked step it hides the
        answer, asks for it, and goes on once it is typed or shown. It runs in the
        browser, with no kernel; `.to_html(path)` writes it as a page for a course.

        `ask` is what each question asks: "local_grad" (∂s/∂r of the message from s to r),
        "upstream" (δ_s), "message" (δ_s · ∂s/∂r), "sum" (the running total δ_r after the
        `+=`, asked only at a fan-out: where r already holds a message) or "update" (the
        new w = w − η δ_w; the stepper needs a `learning_rate`). It is asked at every step
        it can be, at every `every`-th of them from the first, or at `sample` of them drawn
        with `random.Random(seed)`. An answer x is right when |x − a| ≤ rtol · |a|; see
        `autograd.quiz` for the page's rules and for how it keeps answers out of sight.
        The page opens at step `start`, or at a question before it; a graph of more steps
        than `max_steps` puts that many around `start` in the page, and asks only there.
        """
        from autograd.quiz import Quiz
        from autograd.viewer import Viewer

        options = Quiz(ask=ask, every=every, sample=sample, seed=seed, rtol=rtol)
        return Viewer.of_stepper(
            self, start=start, max_nodes=max_nodes, max_steps=max_steps, quiz=options
        )

    def to_html(
        self,
        path: str,
        *,
        quiz: bool | Quiz = False,
        max_nodes: int = 150,
        max_steps: int = 5_000,
    ) -> str:
        """Write the viewer as one self-contained HTML page (no request to any network),
        whole or not at all. Returns the path. `quiz=True` writes the quiz of `quiz()`
        with its defaults; `quiz=Quiz(ask="sum", every=2)` (`autograd.quiz.Quiz`, whose
        options are those of `quiz()`) another quiz."""
        from autograd.quiz import Quiz
        from autograd.viewer import Viewer

        if quiz is True:
            quiz = Quiz()
        elif quiz is not False and not isinstance(quiz, Quiz):
            raise TypeError(
                f"to_html: quiz must be True, False or a Quiz(...), got {quiz!r} "
                f"({type(quiz).__name__})"
            )
        viewer = Viewer.of_stepper(
            self, max_nodes=max_nodes, max_steps=max_steps, quiz=quiz if quiz else None
        )
        return viewer.to_html(path)

    def widget(self, *, max_nodes: int = 150, max_steps: int = 5_000) -> StepperWidget:
        """The viewer as a live Jupyter widget (anywidget): its `step` follows the viewer,
        and setting it moves the viewer."""
        from autograd.widget import StepperWidget

        return StepperWidget(self.show(0, max_nodes=max_nodes, max_steps=max_steps))

    def table(self, *, markdown: bool = False) -> str:
        """Every step as a numbered line: a terminal table, or a markdown one."""
        if markdown:
            rows = [f"| {k} | {s.phase} | `{s.equation}` |" for k, s in enumerate(self.steps)]
            return "\n".join(["| step | phase | equation |", "|---:|---|---|", *rows])
        return "\n".join(f"{k:>4}  {s.phase:<8}  {s.equation}" for k, s in enumerate(self.steps))

    def message_equation(self, step: Step, *, total_shown: bool | None = None) -> str:
        """The equation of the backward `step` from its numbers (a HIDDEN one written ?):
        `δ_r += δ_s · ∂s/∂r = upstream · local = message`, then the running total
        `(δ_r = total)` where it differs from the message, or where `total_shown` says."""
        receiver, sender = self.names[step.node], self.names[step.sender]
        message = step.local_grad * step.upstream
        equation = (
            f"{message_rule(receiver, sender)} = {_operand(step.upstream)} · "
            f"{_operand(step.local_grad)} = {_number(message)}"
        )
        if total_shown is None:
            total_shown = step.value != message
        return f"{equation}  (δ_{receiver} = {_number(step.value)})" if total_shown else equation

    def update_equation(self, step: Step) -> str:
        """The equation of the update `step` (a HIDDEN new value written ?):
        `w ← w − η δ_w = data − η · grad = new`."""
        name = self.names[step.node]
        return (
            f"{update_rule(name)} = {_operand(step.node.data)} − "
            f"{_operand(self.learning_rate)} · {_operand(self.grads[step.node])} "
            f"= {_number(step.value)}"
        )

    def _forward(self, node: Value) -> Step:
        name = self.names[node]
        if node.op is None:
            return Step("forward", node, f"{name} = {_number(node.data)}", node.data)
        symbolic, numeric = _expression(node, [self.names[p] for p in node.parents])
        equation = f"{name} = {symbolic} = {numeric} = {_number(node.data)}"
        return Step("forward", node, equation, node.data)

    def _message(self, sender: Value, position: int, receiver: Value, local_grad: float) -> Step:
        upstream = self.grads[sender]
        self.grads[receiver] += local_grad * upstream
        total = self.grads[receiver]
        step = Step("backward", receiver, "", total, sender, local_grad, upstream, position)
        return replace(step, equation=self.message_equation(step))

    def _update(self, parameter: Value) -> Step:
        new = parameter.data - self.learning_rate * self.grads[parameter]
        step = Step("update", parameter, "", new)
        return replace(step, equation=self.update_equation(step))


def message_rule(receiver: str, sender: str) -> str:
    """`δ_r += δ_s · ∂s/∂r`: what backward does along the edge from the sender s to r."""
    return f"δ_{receiver} += δ_{sender} · ∂{sender}/∂{receiver}"


def update_rule(name: str) -> str:
    """`w ← w − η δ_w`: a step of gradient descent."""
    return f"{name} ← {name} − η δ_{name}"


def _expression(node: Value, names: list[str]) -> tuple[str, str]:
    """`w * x` and `0.5 * 1.5`, or `tanh(z)` and `tanh(-0.5)`: the node's op applied to its
    inputs' names and values."""
    op = node.op
    if op.base is None and op.arity != 2 and op.name != "pow":
        values = [_number(p.data) for p in node.parents]
        constants = [_number(c) for c in node.params]
        extra = (
            constants
            if op.arity is None
            else [f"{k}={v}" for k, v in zip(op.param_defaults, constants)]
        )
        call = f"{op.symbol}({{}})"
        return call.format(", ".join(names + extra)), call.format(", ".join(values + extra))
    values = [_operand(p.data) for p in node.parents]
    constants = [_operand(c) for c in node.params]
    if op.base is not None:
        names, values = (
            _with_constant(names, op.constant_position, constants[0]),
            _with_constant(values, op.constant_position, constants[0]),
        )
        return _binary(op.base.symbol, names), _binary(op.base.symbol, values)
    if op.arity == 2:
        return _binary(op.symbol, names), _binary(op.symbol, values)
    return f"{names[0]} ** {constants[0]}", f"{values[0]} ** {constants[0]}"


def _with_constant(items: list[str], position: int, constant: str) -> list[str]:
    return [constant, *items] if position == 0 else [*items, constant]


def _binary(symbol: str, operands: list[str]) -> str:
    return f"{operands[0]} {symbol} {operands[1]}"


def _number(x: float) -> str:
    """Four significant digits (see `scene.number`); a HIDDEN number is ?."""
    return "?" if math.isnan(x) else scene.number(x)


def _operand(x: float) -> str:
    """A number inside an expression: negative ones in parentheses, `0.5 · (-0.3659)`."""
    return f"({_number(x)})" if x < 0 else _number(x)
