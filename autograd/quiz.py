"""A quiz on a stepper's page ("guess the message"): the page hides the next answer and
asks for it.

A question asks one number of one step: the local derivative ∂s/∂r of the message from
the sender s to the receiver r, the upstream gradient δ_s, the message δ_s · ∂s/∂r, the
running sum δ_r after the `+=` at a fan-out, or a parameter's new value w − η δ_w. Until
the student types it or asks to see it, the page writes ? for it and for every number
computed from it, and does not step past it. (The upstream gradient δ_s is on the box of
s by then: that question asks where the chain rule takes it from.) A step whose answer is
not a finite number is not asked.

An answer x is right when |x − a| ≤ rtol · |a| for the exact answer a, or for the answer
computed by the op table's rules from the page's own numbers, which it rounds to four
significant digits (a sum of messages that nearly cancel can only be worked out from
those). An answer of 0 takes exactly 0. A right answer counts in the score however many
tries it took; a question whose answer was shown does not. The derivative of a saturated
σ or tanh worked out from four digits of its output, 1 − 0.9951², can miss rtol=1e-3;
such a graph wants a page with rtol=1e-2.

The page keeps every step from the first question on sealed: XORed with a keystream
drawn from the quiz's seed, in base64. Its script opens a step when the student reaches
it, and a question's answer when it is right or shown. This keeps the answers out of the
page's text, so that a teacher's page can be given to students; it does not hide them
from someone who runs the page's script by hand.
"""

from __future__ import annotations

import base64
import json
import math
import random
import struct
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from autograd import checks
from autograd.graph import arguments
from autograd.scene import number
from autograd.stepping import HIDDEN, Step, Stepper, message_rule, update_rule

if TYPE_CHECKING:
    from autograd.value import Value

ASKS = {
    "local_grad": "every message of the backward pass",
    "upstream": "every message of the backward pass",
    "message": "every message of the backward pass",
    "sum": "every message to a value that already holds one (a fan-out)",
    "update": "every parameter's update",
}
"""What a quiz can ask, and at which steps it can ask it."""


@dataclass(frozen=True)
class Question:
    """What the page asks at step `step` (its index in the stepper): the `prompt`, a
    `hint`, the exact `answer`, the answers that count as right (`accepted`: the exact one
    and the one from the page's rounded numbers), and `shown`: the step as the page shows
    it before the answer, with the hidden numbers HIDDEN and its equation writing them ?."""

    step: int
    prompt: str
    hint: str
    answer: float
    accepted: tuple[float, ...]
    shown: Step


@dataclass(frozen=True)
class Quiz:
    """What a quiz page asks, and where (see `Stepper.quiz`, which takes the same options).

    `ask`: "local_grad", "upstream", "message", "sum" or "update". The steps asked are
    every step that can ask it (see ASKS), or every `every`-th of them from the first, or
    `sample` of them drawn with `random.Random(seed)`, the same for the same seed. `rtol`
    is the relative tolerance of a right answer.

    >>> from autograd import Stepper, Value
    >>> w, x = Value(0.5, label="w"), Value(1.5, label="x")
    >>> s = w * x
    >>> s.label = "s"
    >>> stepper = Stepper(s)
    >>> for question in Quiz(ask="message").questions(stepper, range(len(stepper))):
    ...     print(question.step, question.prompt, question.answer)
    ...     print("   ", question.shown.equation)
    3 δ_w += δ_s · ∂s/∂w: what is the message δ_s · ∂s/∂w? 1.5
        δ_w += δ_s · ∂s/∂w = 1 · ? = ?
    4 δ_x += δ_s · ∂s/∂x: what is the message δ_s · ∂s/∂x? 0.5
        δ_x += δ_s · ∂s/∂x = 1 · ? = ?
    """

    ask: str = "message"
    every: int | None = None
    sample: int | None = None
    seed: int = 0
    rtol: float = 1e-3

    def __post_init__(self) -> None:
        if self.ask not in ASKS:
            raise ValueError(f"quiz: ask must be one of {', '.join(ASKS)}, got {self.ask!r}")
        for option in ("every", "sample"):
            if getattr(self, option) is not None:
                checks.integer(f"quiz: {option}", getattr(self, option), minimum=1)
        if self.every is not None and self.sample is not None:
            raise ValueError(
                f"quiz: give every or sample, not both (got every={self.every}, "
                f"sample={self.sample})"
            )
        checks.integer("quiz: seed", self.seed)
        rtol = checks.number("quiz: rtol", self.rtol)
        if not 0.0 < rtol < 1.0:
            raise ValueError(f"quiz: rtol must be between 0 and 1, got {self.rtol!r}")

    @property
    def key(self) -> int:
        """The key of the page's seals, drawn from the seed."""
        return random.Random(f"stepgrad quiz {self.seed}").getrandbits(32)

    def questions(self, stepper: Stepper, steps: range) -> list[Question]:
        """The questions of a page that holds the stepper's `steps`, in their order."""
        if self.ask == "update" and stepper.learning_rate is None:
            raise ValueError(
                "quiz: ask='update' needs a stepper made with a learning rate, "
                "Stepper(root, learning_rate=0.1)"
            )
        forward = {step.node: step for step in stepper.steps if step.phase == "forward"}
        totals: dict[Value, float] = {}
        found = []
        for k, step in enumerate(stepper.steps):
            previous = totals.get(step.node) if step.phase == "backward" else None
            if step.phase == "backward":
                totals[step.node] = step.value
            if k not in steps:
                continue
            question = self._question(stepper, k, previous, forward)
            if question is not None and checks.is_finite(question.answer):
                found.append(question)
        if not found:
            where = (
                "this graph has"
                if len(steps) == len(stepper.steps)
                else f"steps {steps[0]:,} to {steps[-1]:,} (the page, max_steps) have"
            )
            raise ValueError(
                f"quiz: {where} no step to ask {self.ask!r} at, which is asked at {ASKS[self.ask]}"
            )
        if self.sample is not None:
            if self.sample > len(found):
                raise ValueError(
                    f"quiz: sample={self.sample} is more than the {len(found)} step(s) "
                    f"where {self.ask!r} can be asked"
                )
            chosen = random.Random(self.seed).sample(range(len(found)), self.sample)
            return [found[i] for i in sorted(chosen)]
        return found[:: self.every or 1]

    def _question(
        self, stepper: Stepper, k: int, previous: float | None, forward: dict[Value, Step]
    ) -> Question | None:
        """The question at step k, or None where this quiz asks nothing; `previous` is
        the receiver's total before a backward step (None: it received nothing yet)."""
        step = stepper.steps[k]
        if self.ask == "update":
            if step.phase != "update":
                return None
            name = stepper.names[step.node]
            grad, rate = stepper.grads[step.node], stepper.learning_rate
            shown = replace(step, value=HIDDEN)
            return Question(
                k,
                f"{update_rule(name)}: what is the new {name}?",
                f"gradient descent takes a step against the gradient: {update_rule(name)}, "
                f"with η = {number(rate)} and δ_{name} on {name}'s box",
                step.value,
                _accepted(step.value, _read(step.node.data) - _read(rate) * _read(grad)),
                replace(shown, equation=stepper.update_equation(shown)),
            )
        if step.phase != "backward" or (self.ask == "sum" and previous is None):
            return None
        r, s = stepper.names[step.node], stepper.names[step.sender]
        message = step.local_grad * step.upstream
        if self.ask == "local_grad":
            prompt, hint = f"the local derivative ∂{s}/∂{r}", _rule(step, forward)
            answer, read = step.local_grad, _rule_at_read_numbers(step.sender, step.position)
        elif self.ask == "upstream":
            prompt = f"the upstream gradient δ_{s}"
            hint = (
                f"the upstream gradient is δ_{s}, the gradient of {s}, on {s}'s box: it is "
                f"complete, as backward sends from {s} after every use of {s} sent to it"
            )
            answer, read = step.upstream, _read(step.upstream)
        elif self.ask == "message":
            prompt = f"the message δ_{s} · ∂{s}/∂{r}"
            hint = (
                f"message = upstream gradient δ_{s} × local derivative ∂{s}/∂{r}. "
                f"{_rule(step, forward)}"
            )
            read_local = _rule_at_read_numbers(step.sender, step.position)
            answer, read = message, read_local * _read(step.upstream)
        else:
            prompt = f"δ_{r}, the running sum after this message"
            hint = (
                f"running sum = previous total + message: add this message to what δ_{r} "
                f"held, on {r}'s box"
            )
            answer, read = step.value, _read(previous) + _read(message)
        hidden = {"value": HIDDEN}  # the running total; but for a sum, the factor asked too
        if self.ask != "sum":
            hidden["upstream" if self.ask == "upstream" else "local_grad"] = HIDDEN
        shown = replace(step, **hidden)
        equation = stepper.message_equation(
            shown, total_shown=self.ask == "sum" or step.value != message
        )
        return Question(
            k,
            f"{message_rule(r, s)}: what is {prompt}?",
            hint,
            answer,
            _accepted(answer, read),
            replace(shown, equation=equation),
        )


def _rule(step: Step, forward: dict[Value, Step]) -> str:
    """The sender's forward equation and its op's rule from the op table."""
    op = step.sender.op
    return f"{forward[step.sender].equation}; {op.name}: {op.rule}"


def _read(x: float) -> float:
    """x as a student reads it off the page: four significant digits."""
    return float(number(x))


def _rule_at_read_numbers(sender: Value, position: int) -> float:
    """The local derivative of `sender` by input `position`, by its op's rule at the
    numbers the page shows (NaN where the rule has no value there)."""
    args, indices = arguments(sender, lambda parent: _read(parent.data))
    try:
        return sender.op.local_grads(_read(sender.data), *args)[indices[position]]
    except (ArithmeticError, ValueError):
        return math.nan


def _accepted(answer: float, read: float) -> tuple[float, ...]:
    """The exact answer, and the one from the page's numbers if it is another number."""
    return (answer,) if read == answer or not checks.is_finite(read) else (answer, read)


def seal(value: object, key: int, nonce: int) -> str:
    """`value` as JSON, XORed with the keystream of (key, nonce), in base64."""
    data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.b64encode(_xor(data, key, nonce)).decode("ascii")


def unseal(text: str, key: int, nonce: int) -> object:
    """The value that `seal` sealed with (key, nonce)."""
    return json.loads(_xor(base64.b64decode(text), key, nonce).decode())


def _xor(data: bytes, key: int, nonce: int) -> bytes:
    """`data` XOR the keystream of xorshift32 from (key, nonce), four bytes per state,
    little-endian: viewer.js's `unseal` draws the same stream."""
    state = (key ^ nonce * 0x9E3779B1) & 0xFFFFFFFF or 1
    words = []
    for _ in range((len(data) + 3) // 4):
        state ^= (state << 13) & 0xFFFFFFFF
        state ^= state >> 17
        state ^= (state << 5) & 0xFFFFFFFF
        words.append(state)
    stream = struct.pack(f"<{len(words)}I", *words)[: len(data)]
    mixed = int.from_bytes(data, "little") ^ int.from_bytes(stream, "little")
    return mixed.to_bytes(len(data), "little")
