"""The README's figures: lecture 003's regularized logistic least squares, drawn.

`make drawings` runs `python -m autograd.figures notebooks/figures`, which writes
`lecture003_forward.svg` and `lecture003_backward.svg` to that folder and prints their
paths. It needs Graphviz's `dot`, as every drawing does.
"""

from __future__ import annotations

import sys
from pathlib import Path

from autograd.drawing import draw
from autograd.value import Value


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


if __name__ == "__main__":
    print("\n".join(lecture_figures(sys.argv[1] if len(sys.argv) > 1 else ".")))
