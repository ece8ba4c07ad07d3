"""Every graph the issue names draws, renders and displays in bounded time, and says what
it left out. `python -m bench.pictures` reports the real figures against their budgets;
the bounds here are three times those budgets, for a loaded machine."""

from __future__ import annotations

import time

import pytest

import autograd
from bench.pictures import GRAPHS


@pytest.mark.parametrize("name", list(GRAPHS))
def test_each_graph_draws_and_renders_in_bounded_time(name: str, dot_program: str) -> None:
    make, budget = GRAPHS[name]
    root = make()
    root.backward()
    started = time.monotonic()
    drawing = autograd.draw(root, timeout=3 * budget)
    svg = drawing.pipe(format="svg").decode()
    html = drawing._repr_mimebundle_()["text/html"]
    assert time.monotonic() - started < 3 * budget
    note = drawing.scene.note
    assert "nodes in" in note and "max_nodes=150" in note
    assert note.split(";")[0] in svg and 'class="stepgrad-viewer"' in html
    assert len(drawing.scene.nodes) + len(drawing.scene.boxes) <= 150
