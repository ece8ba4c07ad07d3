"""The README's figures: lecture 003's regularized logistic least squares, drawn, and a
quiz page on lecture 001's 2-2-2 network.

`make drawings` runs `python -m autograd.figures notebooks/figures`, which writes
`lecture003_forward.svg`, `lecture003_backward.svg` and `lecture001_quiz.html` to that
folder and prints their paths. It needs Graphviz's `dot`, as every drawing does.
"""

from __future__ import annotations

import sys
from pathlib import Path

from autograd.drawing import draw
from autograd.functions import dot
from autograd.quiz import Quiz
from autograd.stepping import Stepper
from autograd.value import Value

QUIZ = Quiz(ask="message", sample=10, seed=1)
"""The course page asks 10 of the 28 messages of the backward pass."""


def lecture_figures(folder: str) -> list[str]:
    """Write the drawings of lecture 003's regularized logistic least squares to `folder`:
    z = w x + b, y = σ(z), L = ½ (y - t)², R = ½ w², L_reg = L + λ R with t = 1 and
    λ = 0.1, after backward, in the forward and the backward view. Returns the files
    written."""
    w, x, b = Value(0.5, label="w"), Value(1.5, label="x"), Value(-0.2, label="b")
    z = w * x + b
    y = z.sigmoid()
    loss = 0.5 * (y - 1.0) ** 2
    regularizer = 0.5 * w**2
    total = loss + 0.1 * regularizer
    for node, label in [(z, "z"), (y, "y"), (loss, "L"), (regularizer, "R"), (total, "L_reg")]:
        node.label = label
    total.backward()
    written = []
    for show in ("forward", "backward"):
        path = Path(folder) / f"lecture003_{show}"
        written.append(draw(total, show=show).render(path, format="svg", cleanup=True))
    return written


def lecture001_network() -> tuple[Value, list[Value]]:
    """Lecture 001's 2-2-2 network (Mazur's example) with notebook 05's names: inputs 0.05
    and 0.10, sigmoid neurons with weights w1..w8 and biases b1, b2, and the error E_total
    = E_o1 + E_o2, E_o = ½ e_o², e_o = target_o − out_o, targets 0.01 and 0.99. Returns
    E_total and the weights."""
    w = [
        Value(x, label=f"w{i}")
        for i, x in enumerate((0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55), 1)
    ]
    b1, b2 = Value(0.35, label="b1"), Value(0.6, label="b2")

    def neuron(name: str, weights: list[Value], bias: Value, inputs: list) -> Value:
        net = dot([*weights, bias], [*inputs, 1.0])
        net.label = f"net_{name}"
        out = net.sigmoid()
        out.label = f"out_{name}"
        return out

    out_h1 = neuron("h1", w[0:2], b1, [0.05, 0.1])
    out_h2 = neuron("h2", w[2:4], b1, [0.05, 0.1])
    errors = []
    for name, weights, target in (("o1", w[4:6], 0.01), ("o2", w[6:8], 0.99)):
        e = target - neuron(name, weights, b2, [out_h1, out_h2])
        squared = e**2
        half = 0.5 * squared
        e.label, squared.label, half.label = f"e_{name}", f"e_{name}²", f"E_{name}"
        errors.append(half)
    total = errors[0] + errors[1]
    total.label = "E_total"
    return total, w


def lecture001_quiz(folder: str) -> str:
    """Write the quiz page of lecture 001's network to `folder`: 10 messages of its
    backward pass to work out, then the update of w1..w8 with η = 0.5 to step through."""
    total, weights = lecture001_network()
    stepper = Stepper(total, learning_rate=0.5, parameters=weights, rankdir="TB")
    return stepper.to_html(str(Path(folder) / "lecture001_quiz.html"), quiz=QUIZ)


if __name__ == "__main__":
    folder = sys.argv[1] if len(sys.argv) > 1 else "."
    print("\n".join([*lecture_figures(folder), lecture001_quiz(folder)]))
