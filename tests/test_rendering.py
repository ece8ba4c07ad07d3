"""autograd.rendering: dot's output and errors, the time bound, and no dot left behind."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograd.rendering import (
    INSTALL,
    GraphvizMissing,
    RenderError,
    RenderTimeout,
    run_dot,
)

INTERRUPTED_RENDER = """
import signal, subprocess, sys
from autograd import rendering

class Announcing(subprocess.Popen):
    # Inside run_dot's guarded wait, so a SIGINT after the pid is printed always hits it.
    def communicate(self, *args, **kwargs):
        print(self.pid, flush=True)
        return super().communicate(*args, **kwargs)

signal.signal(signal.SIGINT, signal.default_int_handler)  # even if our parent ignores SIGINT
subprocess.Popen = Announcing
rendering.run_dot(sys.stdin.read(), timeout=600)
"""


def slow_source(n: int = 1000) -> str:
    """A graph that takes dot minutes: each node has two edges to far-off nodes, so the
    ranks run into the hundreds and every long edge becomes a chain of virtual nodes to
    order and place. Measured with graphviz 2.43: 600 nodes 4 s, 800 nodes 195 s, 700 and
    1000 nodes not done in 400 and 580 s."""
    lines = [f'n{i} [label="{f"node {i} " * 4}"];' for i in range(n)]
    lines += [f"n{i} -> n{(i * 7919 + j * 104729) % n};" for i in range(n) for j in (1, 2)]
    return "digraph {\n" + "\n".join(lines) + "\n}"


def children() -> set[int]:
    """The pids of this process's children, from every thread's list (Linux's /proc)."""
    tasks = Path(f"/proc/{os.getpid()}/task")
    return {int(pid) for path in tasks.glob("*/children") for pid in path.read_text().split()}


def test_renders_svg(dot_program: str) -> None:
    assert "<svg" in run_dot("digraph { a -> b }").decode()


def test_bad_source_raises_with_dots_complaint(dot_program: str) -> None:
    with pytest.raises(RenderError, match=r"draw: dot failed \(exit status 1\): .*syntax error"):
        run_dot("digraph { a -> }")


def test_a_missing_program_says_how_to_install() -> None:
    with pytest.raises(GraphvizMissing, match="no_such_dot_program") as raised:
        run_dot("digraph { a }", engine="no_such_dot_program")
    assert INSTALL in str(raised.value) and isinstance(raised.value, RuntimeError)


@pytest.mark.parametrize("timeout", [0, -1.0, math.nan, math.inf, "5", True, None])
def test_rejects_a_bad_timeout(timeout: object) -> None:
    with pytest.raises(ValueError, match=f"draw: timeout must be .*, not {timeout!r}"):
        run_dot("digraph { a }", timeout=timeout)


@pytest.mark.parametrize(
    ("argument", "value"),
    [("format", ""), ("format", "SVG"), ("format", "svg -o x"), ("format", None), ("engine", "")],
)
def test_rejects_a_bad_format_or_engine(argument: str, value: object) -> None:
    with pytest.raises(ValueError, match=f"draw: {argument} must be .*, not {value!r}"):
        run_dot("digraph { a }", **{argument: value})


def test_a_timeout_kills_and_reaps_dot(dot_program: str) -> None:
    before = children()
    start = time.monotonic()
    with pytest.raises(RenderTimeout, match=r"within 0\.5 s; draw fewer nodes with max_nodes="):
        run_dot(slow_source(), timeout=0.5)
    assert time.monotonic() - start < 10
    assert children() == before


def test_an_interrupt_kills_and_reaps_dot_then_stays_a_keyboard_interrupt(
    dot_program: str,
) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", INTERRUPTED_RENDER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
    ) as python:
        python.stdin.write(slow_source())
        python.stdin.close()
        line = python.stdout.readline()
        assert line, python.stderr.read()
        dot = int(line)
        python.send_signal(signal.SIGINT)
        python.wait(timeout=30)
        stderr = python.stderr.read()
    assert python.returncode != 0 and "KeyboardInterrupt" in stderr, stderr
    left_behind = Path(f"/proc/{dot}").exists()
    if left_behind:
        os.killpg(dot, signal.SIGKILL)
    assert not left_behind
